"""Profile pages: the step-by-step builder, consents, matches, caseworker mode, printing, access."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.db import session_scope
from matching.case_notes import CaseNote, list_notes
from matching.models import SkillProfile, SuggestionChoice
from matching.records import grant_consent, import_offers, import_vacancies

from tests.profiles import BASIC_SUPPORT, HYGIENE, NURSE, VITAL_SIGNS, add_profile

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"
TEND_ELDERLY = "http://data.europa.eu/esco/skill/261e740b-d32d-4356-94a8-3ea29128b70b"
FIRST_AID = "http://data.europa.eu/esco/skill/1d21f6ad-340f-45da-a0a3-4e83867f47a6"


def load(runtime, profile_id: int) -> SkillProfile | None:
    with Session(runtime.engine) as db:
        return db.get(SkillProfile, profile_id)


def html(response) -> str:
    return response.data.decode()


# ---------------------------------------------------------------------------- the builder


def test_migrant_builds_a_profile_step_by_step(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    index = client.get("/profiles")
    assert index.status_code == 200 and 'id="new-profile"' in html(index) and "Start your profile" in html(index)
    page = client.get("/profiles/new")
    assert page.status_code == 200 and "Step 1 of 5" in html(page)

    about = {"origin_countries": ["Moldova", ""], "residence_country": "MD", "destination_countries": ["Germany", "AT", ""],
             "available_from": "2027-01-15", "summary": "Five years on a hospital ward.", "action": "next"}
    assert client.post("/profiles/new", data=about).status_code == 400  # no CSRF token
    response = client.post("/profiles/new", data={**about, "csrf_token": token})
    assert response.status_code == 302
    with Session(core_runtime.engine) as db:
        profile = db.exec(select(SkillProfile).where(SkillProfile.owner == "amina")).one()
    pid = profile.id
    assert response.headers["Location"].endswith(f"/profiles/{pid}/edit/work")
    assert profile.origin_countries == ["MD"] and profile.destination_countries == ["DE", "AT"]
    assert str(profile.available_from) == "2027-01-15"

    work = client.get(f"/profiles/{pid}/edit/work")
    assert "Step 2 of 5" in html(work)
    response = client.post(f"/profiles/{pid}/edit/work", data={
        "csrf_token": token, "revision": "1", "occ_rows": "1", "occ0_uri": NURSE, "occ0_title": "asistentă medicală",
        "occ0_years": "5", "qual_rows": "1", "qual0_title": "Nursing diploma", "qual0_isced": "6", "qual0_country": "Moldova",
        "qual0_recognition": "in_progress", "qual0_recognised_in": "", "education_level": "6", "action": "next",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/profiles/{pid}/edit/skills")
    response = client.post(f"/profiles/{pid}/edit/skills", data={
        "csrf_token": token, "revision": "2", "skills": [VITAL_SIGNS, BASIC_SUPPORT, HYGIENE],
        "free_text_skills": "lifting patients with a hoist\n", "action": "next",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit/languages")
    response = client.post(f"/profiles/{pid}/edit/languages", data={
        "csrf_token": token, "revision": "3", "lang_rows": "2", "lang0_code": "Romanian", "lang0_native": "1",
        "lang1_code": "de", "lang1_level": "B2", "action": "next",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit/consent")
    response = client.post(f"/profiles/{pid}/edit/consent", data={
        "csrf_token": token, "revision": "4", "consent_to_matching": "1", "action": "finish",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/profiles/{pid}")

    profile = load(core_runtime, pid)
    assert profile.occupations == [{"uri": NURSE, "title": "asistentă medicală", "years": 5.0}]
    assert profile.qualifications[0]["country"] == "MD" and profile.qualifications[0]["isced_level"] == 6
    assert profile.education_level == 6 and profile.skills == [VITAL_SIGNS, BASIC_SUPPORT, HYGIENE]
    assert profile.free_text_skills == ["lifting patients with a hoist"]
    assert {item["language"]: (item["overall"], item["native"]) for item in profile.languages} == {"ro": (None, True), "de": ("B2", False)}
    assert profile.consent_to_matching and profile.consent_to_matching_at is not None
    assert profile.summary == "Five years on a hospital ward." and profile.revision == 5

    page = html(client.get(f"/profiles/{pid}"))
    assert "Profile 100% complete" in page
    assert "monitor patient&#39;s vital signs" in page or "monitor patient's vital signs" in page  # ESCO label, not the URI
    assert "Germany" in page and "Moldova" in page and "German" in page and "B2" in page
    for step in ("about", "work", "skills", "languages", "consent"):
        assert f"/profiles/{pid}/edit/{step}" in page
    assert f"/profiles/{pid}/matches" in page and f"/profiles/{pid}/print" in page


def test_completeness_names_what_is_missing(client, core_runtime, make_user, sign_in):
    sign_in(make_user("migrant", username="amina"))
    pid = add_profile(core_runtime, "amina", qualifications=[], skills=[VITAL_SIGNS], consent_to_matching=False)
    page = html(client.get(f"/profiles/{pid}"))
    assert "Profile 50% complete" in page
    missing = page.split('id="completeness-missing"')[1].split("</ul>")[0]
    assert "A qualification" in missing and "At least three skills" in missing and "Consent to matching" in missing
    assert "A language with your level" not in missing


def test_picker_look_up_re_renders_and_keeps_what_was_typed(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    pid = add_profile(core_runtime, "amina")
    response = client.post(f"/profiles/{pid}/edit/work", data={
        "csrf_token": token, "revision": "1", "occ_rows": "2", "occ0_uri": NURSE, "occ0_title": "asistentă medicală",
        "occ0_years": "5", "occ1_uri_q": "nurse", "occ1_title": "Krankenpfleger typed", "occ1_years": "2",
        "qual_rows": "1", "qual0_title": "Diploma typed", "look_up": "occ1_uri",
    })
    assert response.status_code == 200
    page = html(response)
    options = page.split('id="occ1_uri-options"')[1].split("</ul>")[0]
    assert 'type="radio" name="occ1_uri"' in options and "data-pick" in options
    assert 'value="Krankenpfleger typed"' in page and 'value="Diploma typed"' in page and 'value="nurse"' in page
    assert f'name="occ0_uri" value="{NURSE}" checked' in page
    assert load(core_runtime, pid).revision == 1  # a look-up saves nothing

    response = client.post(f"/profiles/{pid}/edit/skills", data={
        "csrf_token": token, "revision": "1", "skills": [VITAL_SIGNS], "skills_q": "first aid",
        "free_text_skills": "typed skill", "look_up": "skills",
    })
    assert response.status_code == 200
    page = html(response)
    assert FIRST_AID in page.split('id="skills-options"')[1].split("</ul>")[0]
    assert "typed skill" in page and f'name="skills" value="{VITAL_SIGNS}" checked' in page


def test_cv_suggestions_are_listed_and_confirmed_ones_join_the_profile(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    pid = add_profile(core_runtime, "amina", skills=[VITAL_SIGNS])
    cv = "Nurse in Chisinau since 2019.\nTend to elderly people.\nProvide first aid."
    response = client.post(f"/profiles/{pid}/edit/skills", data={
        "csrf_token": token, "revision": "1", "skills": [VITAL_SIGNS], "cv_text": cv, "action": "suggest",
    })
    assert response.status_code == 200
    page = html(response)
    offered = dict(re.findall(r'name="(cv\d+)_uri" value="([^"]+)"', page))
    by_uri = {uri: key for key, uri in offered.items()}
    assert TEND_ELDERLY in by_uri and FIRST_AID in by_uri
    assert 'name="%s_ok"' % by_uri[TEND_ELDERLY] in page
    assert "Found in: “Tend to elderly people”" in page  # the words of the CV it came from
    assert cv.split("\n")[0] in page  # the CV text is kept in its box

    form = {"csrf_token": token, "revision": "1", "skills": [VITAL_SIGNS], "cv_count": str(len(offered)), "action": "stay"}
    for key, uri in offered.items():
        form[f"{key}_uri"] = uri
        form[f"{key}_span"] = "span"
    form[f"{by_uri[TEND_ELDERLY]}_ok"] = "1"  # confirm one, reject the others
    response = client.post(f"/profiles/{pid}/edit/skills", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/profiles/{pid}/edit/skills")
    profile = load(core_runtime, pid)
    assert profile.skills == [VITAL_SIGNS, TEND_ELDERLY] and FIRST_AID not in profile.skills
    with Session(core_runtime.engine) as db:
        choices = {c.suggested_uri: c.chosen_uri for c in db.exec(select(SuggestionChoice)).all()}
    assert choices[TEND_ELDERLY] == TEND_ELDERLY and choices[FIRST_AID] is None

    response = client.post(f"/profiles/{pid}/edit/skills", data={"csrf_token": token, "revision": "2", "cv_text": "", "action": "suggest"})
    assert response.status_code == 422 and 'id="cv_text-error"' in html(response)


def test_language_rows_show_cefr_words_and_add_a_row_without_javascript(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    pid = add_profile(core_runtime, "amina", languages=[])
    page = html(client.get(f"/profiles/{pid}/edit/languages"))
    assert "Step 4 of 5" in page and 'name="lang0_code"' in page and 'name="lang1_code"' not in page
    assert "B1: Deals with most situations at work and while travelling" in page
    assert 'name="lang0_native"' in page and 'id="add-language"' in page

    response = client.post(f"/profiles/{pid}/edit/languages", data={
        "csrf_token": token, "revision": "1", "lang_rows": "1", "lang0_code": "German", "lang0_level": "B1", "action": "add_language",
    })
    assert response.status_code == 200
    page = html(response)
    assert 'name="lang1_code"' in page and 'value="German"' in page and '<option value="B1" selected>' in page
    assert load(core_runtime, pid).languages == []

    response = client.post(f"/profiles/{pid}/edit/languages", data={
        "csrf_token": token, "revision": "1", "lang_rows": "2", "lang0_code": "German", "lang0_level": "B1",
        "lang1_code": "fr", "lang1_level": "", "action": "next",
    })
    assert response.status_code == 422
    page = html(response)
    assert 'id="lang1_level-error"' in page and 'value="German"' in page and 'value="fr"' in page
    response = client.post(f"/profiles/{pid}/edit/languages", data={
        "csrf_token": token, "revision": "1", "lang_rows": "2", "lang0_code": "German", "lang0_level": "B1",
        "lang1_code": "", "action": "next",
    })
    assert response.status_code == 302
    assert load(core_runtime, pid).languages == [{"language": "de", "overall": "B1", "listening": None, "reading": None,
                                                  "spoken_interaction": None, "spoken_production": None, "writing": None, "native": False}]


def test_invalid_input_is_shown_next_to_the_field_and_kept(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    response = client.post("/profiles/new", data={
        "csrf_token": token, "origin_countries": ["Moldova"], "destination_countries": ["Atlantis"],
        "available_from": "next spring", "summary": "My summary stays", "action": "next",
    })
    assert response.status_code == 422
    page = html(response)
    assert 'id="destination_countries-error"' in page and "“Atlantis” is not a country we know" in page
    assert 'id="available_from-error"' in page and 'aria-invalid="true"' in page
    assert 'value="Atlantis"' in page and 'value="next spring"' in page and "My summary stays" in page and 'value="Moldova"' in page
    with Session(core_runtime.engine) as db:
        assert db.exec(select(SkillProfile)).first() is None

    pid = add_profile(core_runtime, "amina")
    response = client.post(f"/profiles/{pid}/edit/work", data={
        "csrf_token": token, "revision": "1", "occ_rows": "1", "occ0_title": "welder", "occ0_years": "many",
        "qual_rows": "1", "qual0_title": "", "qual0_country": "Moldova", "action": "next",
    })
    assert response.status_code == 422
    page = html(response)
    assert 'id="occ0_years-error"' in page and 'value="many"' in page and 'id="qual0_title-error"' in page
    assert load(core_runtime, pid).occupations[0]["title"] == "asistentă medicală"


def test_a_stale_page_does_not_overwrite_a_newer_save(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    pid = add_profile(core_runtime, "amina")
    data = {"csrf_token": token, "origin_countries": ["MD"], "destination_countries": ["AT"], "summary": "first", "action": "next"}
    assert client.post(f"/profiles/{pid}/edit/about", data={**data, "revision": "1"}).status_code == 302
    response = client.post(f"/profiles/{pid}/edit/about", data={**data, "revision": "1", "summary": "stale"})
    assert response.status_code == 409 and "stale" in html(response)
    assert load(core_runtime, pid).summary == "first"


# ---------------------------------------------------------------------------- consents and matches


@pytest.fixture
def market(core_runtime):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    import_offers(core_runtime, SEEDS / "offers.jsonl")
    return core_runtime


def test_matches_explain_and_stop_at_once_when_matching_consent_is_withdrawn(client, market, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    pid = add_profile(market, "amina", consent_to_matching=True)
    response = client.get(f"/profiles/{pid}/matches")
    assert response.status_code == 200
    page = html(response)
    assert page.count('class="match"') >= 1 and 'class="explanation"' in page
    assert "Skills met" in page and "Fit" in page and "How the score is made" in page
    assert 'id="no-matching-consent"' not in page

    response = client.post(f"/profiles/{pid}/edit/consent", data={"csrf_token": token, "revision": "1", "action": "finish"})
    assert response.status_code == 302 and not load(market, pid).consent_to_matching
    page = html(client.get(f"/profiles/{pid}/matches"))
    assert 'id="no-matching-consent"' in page and 'class="explanation"' not in page
    assert f"/profiles/{pid}/edit/consent" in page


def test_matches_with_gaps_list_services_and_library_pages_that_close_them(library_runtime, client, market, make_user, sign_in):
    sign_in(make_user("migrant", username="amina"))
    pid = add_profile(market, "amina", consent_to_matching=True,
                      languages=[{"language": "ro", "native": True}, {"language": "de", "overall": "A2"}])
    page = html(client.get(f"/profiles/{pid}/matches"))
    assert "Language gap" in page or "Essential skills missing" in page
    assert "Services that close the gap" in page and "Closes:" in page
    assert "From the library" in page and re.search(r'class="gap-library">\s*<li><a href="/library/', page)


def test_mrc_consent_lets_a_practitioner_in_and_withdrawal_shuts_them_out(client, core_runtime, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    practitioner = make_user("practitioner", username="pia", organisation="MRC Chisinau")
    pid = add_profile(core_runtime, "amina")

    sign_in(practitioner)
    assert client.get(f"/profiles/{pid}").status_code == 404
    assert f"/profiles/{pid}\"" not in html(client.get("/profiles"))

    token = sign_in(migrant)
    consent_page = html(client.get(f"/profiles/{pid}/edit/consent"))
    assert "Step 5 of 5" in consent_page and "MRC Chisinau" in consent_page  # offered in the list of centres
    centre = practitioner.organisation_id
    assert f'<option value="{centre}">MRC Chisinau' in consent_page
    for forged in ("", "999999", "-1", "x" * 10_000):
        response = client.post(f"/profiles/{pid}/consents", data={"csrf_token": token, "recipient_id": forged, "days": "180"})
        assert response.status_code == 422 and 'id="recipient_id-error"' in html(response)
    response = client.post(f"/profiles/{pid}/consents", data={"csrf_token": token, "recipient_id": str(centre), "days": "180"})
    assert response.status_code == 302
    assert "MRC Chisinau" in html(client.get(f"/profiles/{pid}/edit/consent")).split('id="active-consents"')[1].split("</ul>")[0]

    practitioner_token = sign_in(practitioner)
    assert client.get(f"/profiles/{pid}").status_code == 200
    assert f"/profiles/{pid}\"" in html(client.get("/profiles"))
    assert client.get(f"/profiles/{pid}/caseworker").status_code == 200
    page = html(client.get(f"/profiles/{pid}/edit/consent"))  # consent is the person's own to give
    assert 'id="consent-owner-only"' in page and 'id="grant-form"' not in page
    assert client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": practitioner_token, "recipient_id": str(centre)}).status_code == 403
    assert client.post(f"/profiles/{pid}/edit/consent", data={"csrf_token": practitioner_token, "consent_to_matching": "1"}).status_code == 403

    token = sign_in(migrant)
    assert client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient_id": str(centre)}).status_code == 302
    assert "You have not given this consent to anyone." in html(client.get(f"/profiles/{pid}/edit/consent"))
    sign_in(practitioner)
    assert client.get(f"/profiles/{pid}").status_code == 404
    assert client.get(f"/profiles/{pid}/caseworker").status_code == 404


# ---------------------------------------------------------------------------- access


def test_other_people_cannot_open_or_change_a_profile(client, core_runtime, make_user, sign_in):
    make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(make_user("migrant", username="omar"))
    for path in ("", "/edit/about", "/edit/consent", "/matches", "/print", "/delete"):
        assert client.get(f"/profiles/{pid}{path}").status_code == 404, path
    assert client.get(f"/profiles/{pid}/caseworker").status_code == 403  # caseworker mode is for practitioners
    response = client.post(f"/profiles/{pid}/edit/about", data={"csrf_token": token, "revision": "1", "summary": "hijacked"})
    assert response.status_code == 404
    assert client.post(f"/profiles/{pid}/consents", data={"csrf_token": token, "recipient_kind": "mrc", "recipient": "X", "days": "90"}).status_code == 404
    assert client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient": "X"}).status_code == 404
    assert load(core_runtime, pid).summary == ""
    assert "Start your profile" in html(client.get("/profiles"))

    for role in ("employer", "provider"):
        sign_in(make_user(role))
        assert client.get("/profiles").status_code == 403
        assert client.get(f"/profiles/{pid}").status_code == 403
    client.post("/logout", data={"csrf_token": "x"})
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/profiles/{pid}").status_code == 302  # to the sign-in page

    sign_in(make_user("admin"))
    assert client.get(f"/profiles/{pid}").status_code == 200
    assert client.get(f"/profiles/{pid}/caseworker").status_code == 200


def test_owner_deletes_a_profile_with_its_notes(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    make_user("practitioner", username="pia", organisation="MRC Chisinau")
    pid = add_profile(core_runtime, "amina")
    with session_scope(core_runtime.engine) as db:
        db.add(CaseNote(profile_id=pid, author="pia", kind="next_step", text="Call the centre"))
        grant_consent(session=db, profile_id=pid, recipient_kind="mrc", recipient="MRC Chisinau")
    assert 'id="delete-confirm"' in html(client.get(f"/profiles/{pid}/delete"))
    response = client.post(f"/profiles/{pid}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert load(core_runtime, pid) is None
    with Session(core_runtime.engine) as db:
        assert list_notes(db, pid) == []


# ---------------------------------------------------------------------------- caseworker mode


def test_practitioner_creates_a_profile_and_works_in_two_languages(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("practitioner", username="pia", organisation="MRC Chisinau"))
    index = html(client.get("/profiles"))
    assert "New profile for a migrant" in index
    response = client.post("/profiles/new", data={"csrf_token": token, "origin_countries": ["Syria"], "destination_countries": ["France"], "action": "next"})
    assert response.status_code == 302
    with Session(core_runtime.engine) as db:
        profile = db.exec(select(SkillProfile)).one()
    assert profile.owner == "pia" and profile.origin_countries == ["SY"]
    pid = profile.id

    response = client.get(f"/profiles/{pid}/caseworker?lang=fr")
    assert response.status_code == 200
    page = html(response)
    assert '<span class="second-lang" lang="fr" dir="ltr">' in page
    assert page.count('class="second-lang"') >= 10  # every label has its second-language part
    assert 'value="Syria"' in page and 'id="caseworker-form"' in page and 'id="note-form"' in page
    page = html(client.get(f"/profiles/{pid}/caseworker?lang=ar"))
    assert '<span class="second-lang" lang="ar" dir="rtl">' in page

    response = client.post(f"/profiles/{pid}/caseworker?lang=ar", data={
        "csrf_token": token, "revision": str(profile.revision), "origin_countries": ["Syria"], "destination_countries": ["France"],
        "summary": "Electrician for 8 years", "occ_rows": "1", "occ0_title": "electrician", "occ0_years": "8",
        "lang_rows": "1", "lang0_code": "Arabic", "lang0_native": "1", "action": "save",
    })
    assert response.status_code == 302 and "lang=ar" in response.headers["Location"]
    saved = load(core_runtime, pid)
    assert saved.summary == "Electrician for 8 years" and saved.languages[0]["language"] == "ar"
    assert saved.occupations == [{"uri": None, "title": "electrician", "years": 8.0}]

    response = client.post(f"/profiles/{pid}/caseworker?lang=ar", data={
        "csrf_token": token, "revision": str(saved.revision), "destination_countries": ["Narnia"], "summary": "kept", "action": "save",
    })
    assert response.status_code == 422 and 'id="destination_countries-error"' in html(response) and "kept" in html(response)

    response = client.post(f"/profiles/{pid}/notes?lang=ar", data={"csrf_token": token, "kind": "next_step", "text": "  ", "due": ""})
    assert response.status_code == 422 and 'id="text-error"' in html(response)
    for kind, text, due in (("recommendation", "Have the electrician diploma translated", ""),
                            ("next_step", "Book a French A2 course", "2027-02-01")):
        response = client.post(f"/profiles/{pid}/notes?lang=ar", data={"csrf_token": token, "kind": kind, "text": text, "due": due})
        assert response.status_code == 302
    with Session(core_runtime.engine) as db:
        notes = list_notes(db, pid)
    assert [(n.kind, n.author) for n in notes] == [("next_step", "pia"), ("recommendation", "pia")]
    step = next(n for n in notes if n.kind == "next_step")
    assert client.post(f"/profiles/{pid}/notes/{step.id}/done", data={"csrf_token": token, "done": "1"}).status_code == 302
    with Session(core_runtime.engine) as db:
        assert db.get(CaseNote, step.id).done

    response = client.get(f"/profiles/{pid}/print")
    assert response.status_code == 200
    page = html(response)
    assert "data-print" in page and "Print or save as PDF" in page
    assert "Have the electrician diploma translated" in page and "Book a French A2 course" in page and "2027-02-01" in page
    assert "Electrician for 8 years" in page
    assert 'lang="fr"' in html(client.get(f"/profiles/{pid}/print?lang=fr"))


def test_caseworker_mode_is_for_practitioners_only(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    pid = add_profile(core_runtime, "amina")
    assert client.get(f"/profiles/{pid}/caseworker").status_code == 403
    response = client.post(f"/profiles/{pid}/notes", data={"csrf_token": token, "kind": "next_step", "text": "x"})
    assert response.status_code == 403
    assert client.get(f"/profiles/{pid}/print").status_code == 200  # the owner prints their own profile
