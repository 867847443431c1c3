import re
from pathlib import Path

def test_smoke(client, make_user, sign_in, core_runtime):
    from matching.records import import_vacancies, import_offers
    import_vacancies(core_runtime, Path("seeds/matching/vacancies.jsonl"))
    import_offers(core_runtime, Path("seeds/matching/offers.jsonl"))
    m = make_user("migrant", username="amina")
    tok = sign_in(m)
    r = client.get("/profiles"); print(r.status_code); assert b"Start your profile" in r.data
    r = client.get("/profiles/new"); assert r.status_code == 200, r.data.decode()[-3000:]
    r = client.post("/profiles/new", data={"csrf_token": tok, "origin_countries": ["Moldova", ""], "residence_country": "MD", "destination_countries": ["Germany", ""], "available_from": "2027-01-01", "summary": "Nurse", "action": "next"})
    print(r.status_code, r.headers.get("Location")); assert r.status_code == 302, r.data.decode()[-3000:]
    loc = r.headers["Location"]
    r = client.get(loc); assert r.status_code == 200, r.data.decode()[-3000:]
    r = client.post(loc, data={"csrf_token": tok, "revision": "1", "occ_rows": "1", "occ0_uri_q": "nurse", "occ0_title": "nurse", "look_up": "occ0_uri"})
    assert r.status_code == 200, r.data.decode()[-3000:]
    html = r.data.decode()
    print(re.findall(r'name="occ0_uri" value="([^"]+)"', html)[:3])
    for step in ["skills", "languages", "consent"]:
        r = client.get(f"/profiles/1/edit/{step}"); assert r.status_code == 200, r.data.decode()[-3000:]
    r = client.post("/profiles/1/edit/skills", data={"csrf_token": tok, "cv_text": "I cared for elderly patients and administered medication. I can drive a forklift.", "action": "suggest"})
    assert r.status_code == 200, r.data.decode()[-3000:]
    print(re.findall(r'cv\d+_label" value="([^"]+)"', r.data.decode()))
    r = client.get("/profiles/1"); assert r.status_code == 200, r.data.decode()[-3000:]
    r = client.get("/profiles/1/print"); assert r.status_code == 200, r.data.decode()[-3000:]
    r = client.get("/profiles/1/matches"); assert r.status_code == 200, r.data.decode()[-3000:]
    p = make_user("practitioner", username="pia"); sign_in(p)
    r = client.get("/profiles/1"); assert r.status_code == 404
    r = client.get("/profiles/new"); assert r.status_code == 200
