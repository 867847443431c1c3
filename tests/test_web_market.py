"""Marketplace pages: vacancy and offer lists, the vacancy page, posting and managing
vacancies and offers, and the candidates an employer sees."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.embeddings.encoder import EmbeddingCache, text_hash
from matching.esco.tables import EscoOccupationSkill
from matching.taxonomy import load_taxonomy
from matching.texts import concept_uris, vacancy_text
from matching.models import ServiceOffer, SkillProfile, Vacancy
from matching.records import grant_consent, import_offers, import_profiles, import_vacancies

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"
VITAL_SIGNS = "http://data.europa.eu/esco/skill/60f826be-0c1b-413b-aad5-4f7546622e16"  # monitor patient's vital signs
HYGIENE = "http://data.europa.eu/esco/skill/0450eaee-1a00-4622-8f4e-5356fce816d2"  # hygiene in a health care setting
ELDERLY = "http://data.europa.eu/esco/skill/261e740b-d32d-4356-94a8-3ea29128b70b"  # tend to elderly people


@pytest.fixture
def market(core_runtime):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    import_offers(core_runtime, SEEDS / "offers.jsonl")
    return core_runtime


def _rows(runtime, statement):
    with Session(runtime.engine) as session:
        return list(session.execute(statement).scalars())


def _open_listed(runtime):
    today = date.today()
    return [
        v
        for v in _rows(runtime, select(Vacancy).where(Vacancy.status == "open"))
        if v.valid_through is None or v.valid_through >= today
    ]


def _vacancy(runtime, external_id: str) -> Vacancy:
    return _rows(runtime, select(Vacancy).where(Vacancy.external_id == external_id))[0]


def _ids(html: str, kind: str = "vacancy") -> list[int]:
    return [int(n) for n in re.findall(rf'<li class="{kind}" id="{kind}-(\d+)"', html)]


def _total(html: str) -> int:
    return int(re.search(r'<h2 id="vacancy-count">(\d+) open vacanc', html).group(1))


def vacancy_form(token: str, **changes) -> dict:
    form = {
        "csrf_token": token,
        "employer": "Somebody Else GmbH",  # must be ignored: the account decides
        "title": "Pflegefachkraft (m/w/d) Intensivstation",
        "occupation": NURSE,
        "description": "Nursing care in an intensive care unit.",
        "essential_skills": [VITAL_SIGNS, HYGIENE],
        "optional_skills": [ELDERLY],
        "country": "DE",
        "city": "Kassel",
        "lang-0-language": "de",
        "lang-0-level": "B2",
        "lang-0-trainable": "1",
        "lang-1-language": "en",
        "lang-1-level": "A2",
        "lang-2-language": "",
        "lang-2-level": "",
        "contract_type": "permanent",
        "hours_per_week": "38.5",
        "salary_min": "3400",
        "salary_max": "4100",
        "salary_currency": "eur",
        "salary_period": "month",
        "route_type": "skilled_worker_visa",
        "route_name": "§ 18a AufenthG",
        "route_sponsors": "1",
        "route_origins": "PH, IN",
        "route_recognised": "1",
        "fair_no_fees": "1",
        "fair_contract_languages": ["de", "en"],
        "valid_through": "2099-03-31",
        "status": "open",
    }
    form.update(changes)
    return form


# ---------------------------------------------------------------------------- lists


def test_anonymous_users_read_the_lists_and_a_vacancy(market, client):
    page = client.get("/vacancies")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _total(html) == len(_open_listed(market))
    assert len(_ids(html)) == 20  # first page
    assert 'rel="next"' in html
    assert client.get("/offers").status_code == 200
    first = _ids(html)[0]
    assert client.get(f"/vacancies/{first}").status_code == 200
    assert client.get("/vacancies/999999").status_code == 404


def test_filters_narrow_the_list_and_count_each_value(market, client):
    everything = _open_listed(market)
    german = [v for v in everything if v.country == "DE"]
    html = client.get("/vacancies?country=DE").get_data(as_text=True)
    assert _total(html) == len(german) < len(everything)
    assert f'<option value="DE" selected>Germany ({len(german)})</option>' in html
    with Session(market.engine) as session:
        for vacancy_id in _ids(html):
            assert session.get(Vacancy, vacancy_id).country == "DE"

    html = client.get("/vacancies?country=DE&sector=22").get_data(as_text=True)
    shown = _ids(html)
    assert 0 < len(shown) < len(german)
    assert "Health professionals" in html
    with Session(market.engine) as session:
        assert all(session.get(Vacancy, i).occupation_uri for i in shown)

    html = client.get("/vacancies?language=de&level=B1").get_data(as_text=True)
    shown = _ids(html)
    assert shown
    with Session(market.engine) as session:
        for vacancy_id in shown:
            for requirement in session.get(Vacancy, vacancy_id).language_requirements():
                if requirement.language == "de" and not requirement.trainable:
                    assert requirement.min_level <= "B1"

    seasonal = [v for v in everything if v.route().type == "seasonal_work"]
    html = client.get("/vacancies?route=seasonal_work").get_data(as_text=True)
    assert _total(html) == len(seasonal)

    html = client.get("/vacancies?q=pflege").get_data(as_text=True)
    assert _total(html) == len([v for v in everything if "pflege" in v.title.lower()]) > 0

    html = client.get("/vacancies?country=DE&q=no-such-job-title").get_data(as_text=True)
    assert "No open vacancy matches these filters" in html


def test_htmx_gets_the_fragment_and_pages_differ(market, client):
    fragment = client.get("/vacancies?country=DE", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="vacancy-search"' in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert 'hx-push-url="true"' in text
    first = _ids(client.get("/vacancies").get_data(as_text=True))
    second = _ids(client.get("/vacancies?page=2").get_data(as_text=True))
    assert second and not set(first) & set(second)


def test_drafts_and_closed_vacancies_stay_out_of_the_list(market, client, make_user, sign_in):
    draft = _rows(market, select(Vacancy).where(Vacancy.status == "draft"))[0]
    closed = _rows(market, select(Vacancy).where(Vacancy.status == "closed"))[0]
    html = client.get("/vacancies?q=" + draft.title.split()[0]).get_data(as_text=True)
    assert draft.id not in _ids(html)
    assert client.get(f"/vacancies/{draft.id}").status_code == 404
    assert "This vacancy is not open" in client.get(f"/vacancies/{closed.id}").get_data(as_text=True)
    sign_in(make_user("employer", organisation=draft.employer))
    assert client.get(f"/vacancies/{draft.id}").status_code == 200


def test_vacancy_page_shows_the_job(market, client):
    vacancy = _vacancy(market, "demo-vac-002")
    html = client.get(f"/vacancies/{vacancy.id}").get_data(as_text=True)
    assert "<h1 id=\"vacancy-title\">Pflegefachkraft (m/w/d)</h1>" in html
    assert "Krankenhaus Vogt GmbH" in html and "Bielefeld, Germany" in html
    assert "nurse responsible for general care" in html and "ISCO 2221" in html
    essential = html.split('id="essential-skills"')[1].split("</ul>")[0]
    optional = html.split('id="optional-skills"')[1].split("</ul>")[0]
    assert "monitor patient&#39;s vital signs" in essential and "tend to elderly people" in optional
    assert "tend to elderly people" not in essential
    assert "German B2" in html and "Talks with native speakers without strain" in html
    assert "Skilled worker visa" in html and "§ 18a AufenthG" in html
    assert "The worker pays no recruitment fees." in html
    assert "3,630 to 4,350 EUR" in html
    assert 'id="vacancy-edit"' not in html and 'id="vacancy-candidates"' not in html


# ---------------------------------------------------------------------------- posting


def test_employer_posts_a_vacancy(market, client, make_user, sign_in):
    employer = make_user("employer", organisation="Klinikum Kassel gGmbH")
    token = sign_in(employer)
    assert client.get("/vacancies/new").status_code == 200
    refused = client.post("/vacancies/new", data=vacancy_form("wrong-token"))
    assert refused.status_code == 400

    response = client.post("/vacancies/new", data=vacancy_form(token))
    assert response.status_code == 302
    saved = _rows(market, select(Vacancy).where(Vacancy.title == "Pflegefachkraft (m/w/d) Intensivstation"))
    assert len(saved) == 1
    vacancy = saved[0]
    assert response.headers["Location"].endswith(f"/vacancies/{vacancy.id}")
    assert vacancy.employer == "Klinikum Kassel gGmbH"
    assert vacancy.occupation_uri == NURSE
    assert vacancy.essential_skills == [VITAL_SIGNS, HYGIENE]
    assert vacancy.optional_skills == [ELDERLY]
    assert vacancy.languages == [
        {"language": "de", "min_level": "B2", "trainable": True},
        {"language": "en", "min_level": "A2", "trainable": False},
    ]
    assert vacancy.salary_currency == "EUR" and vacancy.hours_per_week == 38.5
    route = vacancy.route()
    assert route.type == "skilled_worker_visa" and route.employer_sponsors and route.eligible_origin_countries == ["PH", "IN"]
    assert vacancy.fair_recruitment["no_fees_to_worker"] is True
    assert vacancy.fair_recruitment["contract_languages"] == ["de", "en"]
    assert vacancy.date_posted == date.today() and vacancy.status == "open"

    # Its text was encoded while the employer waited: no matches page has to.
    with Session(market.engine) as db:
        taxonomy = load_taxonomy(db, concept_uris([], [vacancy]))
    assert _rows(market, select(EmbeddingCache).where(EmbeddingCache.text_hash == text_hash(vacancy_text(vacancy, taxonomy))))

    mine = client.get("/my/vacancies").get_data(as_text=True)
    assert "Pflegefachkraft (m/w/d) Intensivstation" in mine and "Krankenhaus Vogt" not in mine
    page = client.get(f"/vacancies/{vacancy.id}").get_data(as_text=True)
    assert 'id="vacancy-edit"' in page and 'id="vacancy-candidates"' in page and 'id="vacancy-close"' in page


def test_errors_are_shown_next_to_their_fields_and_input_is_kept(market, client, make_user, sign_in):
    token = sign_in(make_user("employer"))
    before = len(_rows(market, select(Vacancy)))
    form = vacancy_form(
        token, title="", hours_per_week="lots", salary_currency="", country="", city="Kassel-Wilhelmshöhe",
        **{"lang-1-level": ""},
    )  # fmt: skip
    response = client.post("/vacancies/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("title", "country", "hours_per_week", "lang-1"):
        assert f'id="{field}-error"' in html, field
    assert 'value="Kassel-Wilhelmshöhe"' in html
    assert f'value="{VITAL_SIGNS}" checked' in html  # the chosen skills stay chosen
    assert 'id="form-errors"' in html
    assert len(_rows(market, select(Vacancy))) == before

    # A salary without a currency is a problem of the whole record: it lands on the currency.
    response = client.post("/vacancies/new", data=vacancy_form(token, salary_currency=""))
    assert response.status_code == 422
    assert 'id="salary_currency-error"' in response.get_data(as_text=True)
    response = client.post("/vacancies/new", data=vacancy_form(token, optional_skills=[VITAL_SIGNS]))
    assert response.status_code == 422
    assert 'id="optional_skills-error"' in response.get_data(as_text=True)


def test_look_up_and_fill_skills_rerender_without_saving(market, client, make_user, sign_in):
    token = sign_in(make_user("employer"))
    before = len(_rows(market, select(Vacancy)))
    form = vacancy_form(token, look_up="essential_skills", essential_skills_q="vital signs", title="Kept title")
    response = client.post("/vacancies/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Kept title"' in html
    options = html.split('id="essential_skills-options"')[1].split("</ul>")[0]
    assert "data-pick" in options

    with Session(market.engine) as session:
        session.add(EscoOccupationSkill(occupation_uri=NURSE, skill_uri=VITAL_SIGNS, relation_type="essential"))
        session.add(EscoOccupationSkill(occupation_uri=NURSE, skill_uri=ELDERLY, relation_type="optional"))
        session.commit()
    form = vacancy_form(token, essential_skills=[], optional_skills=[], look_up="occupation")
    html = client.post("/vacancies/new", data=form).get_data(as_text=True)
    assert 'id="fill-skills"' in html
    form = vacancy_form(token, essential_skills=[], optional_skills=[], fill_skills="1")
    html = client.post("/vacancies/new", data=form).get_data(as_text=True)
    essential = html.split('id="essential_skills-chosen"')[1].split("</ul>")[0]
    optional = html.split('id="optional_skills-chosen"')[1].split("</ul>")[0]
    assert VITAL_SIGNS in essential and ELDERLY in optional and ELDERLY not in essential
    assert len(_rows(market, select(Vacancy))) == before


def test_owner_edits_and_closes_a_vacancy(market, client, make_user, sign_in):
    vacancy = _vacancy(market, "demo-vac-002")
    token = sign_in(make_user("employer", organisation=vacancy.employer))
    edit = client.get(f"/vacancies/{vacancy.id}/edit").get_data(as_text=True)
    assert 'value="Pflegefachkraft (m/w/d)"' in edit
    form = vacancy_form(token, title="Pflegefachkraft (m/w/d) Nachtdienst", country="DE", city="Bielefeld")
    assert client.post(f"/vacancies/{vacancy.id}/edit", data=form).status_code == 302
    with Session(market.engine) as session:
        saved = session.get(Vacancy, vacancy.id)
        assert saved.title == "Pflegefachkraft (m/w/d) Nachtdienst"
        assert saved.employer == vacancy.employer and saved.external_id == "demo-vac-002"
    assert client.post(f"/vacancies/{vacancy.id}/close", data={"csrf_token": token}).status_code == 302
    with Session(market.engine) as session:
        assert session.get(Vacancy, vacancy.id).status == "closed"
    assert vacancy.id not in _ids(client.get("/vacancies?q=Nachtdienst").get_data(as_text=True))


def test_other_people_cannot_manage_a_vacancy(market, client, make_user, sign_in):
    vacancy = _vacancy(market, "demo-vac-002")
    draft = _rows(market, select(Vacancy).where(Vacancy.status == "draft"))[0]
    assert client.get(f"/vacancies/{vacancy.id}/edit").status_code == 302  # sign in first
    token = sign_in(make_user("employer", organisation="Another Employer AG"))
    assert client.get(f"/vacancies/{vacancy.id}/edit").status_code == 403
    assert client.post(f"/vacancies/{vacancy.id}/edit", data=vacancy_form(token)).status_code == 403
    assert client.post(f"/vacancies/{vacancy.id}/close", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/vacancies/{vacancy.id}/candidates").status_code == 403
    assert client.get(f"/vacancies/{draft.id}/edit").status_code == 404
    assert client.get(f"/vacancies/{draft.id}/candidates").status_code == 404
    with Session(market.engine) as session:
        assert session.get(Vacancy, vacancy.id).status == "open"
    sign_in(make_user("migrant"))
    assert client.get(f"/vacancies/{vacancy.id}/candidates").status_code == 403
    assert client.get("/vacancies/new").status_code == 403
    sign_in(make_user("admin"))
    assert client.get(f"/vacancies/{vacancy.id}/candidates").status_code == 200


def test_candidates_are_anonymous_unless_they_consented_to_this_employer(market, client, make_user, sign_in):
    import_profiles(market, SEEDS / "profiles.jsonl")
    vacancy = _vacancy(market, "demo-vac-002")
    sign_in(make_user("employer", organisation=vacancy.employer))
    html = client.get(f"/vacancies/{vacancy.id}/candidates").get_data(as_text=True)
    count = html.count('<li class="candidate ')
    assert count > 1
    assert html.count('<li class="candidate anonymous">') == count
    assert "Why they fit" in html and "<meter" in html
    first_alias = re.search(r"Anonymous candidate ([0-9a-f]{6})", html).group(1)
    with Session(market.engine) as session:
        profiles = list(session.execute(select(SkillProfile).where(SkillProfile.consent_to_matching)).scalars())
    by_alias = {__import__("hashlib").sha256(f"{p.id}:{vacancy.id}".encode()).hexdigest()[:6]: p for p in profiles}
    shown = by_alias[first_alias]
    assert shown.owner not in html and shown.summary[:40] not in html

    with Session(market.engine) as session:
        grant_consent(session=session, profile_id=shown.id, recipient_kind="employer", recipient=vacancy.employer)
        session.commit()
    html = client.get(f"/vacancies/{vacancy.id}/candidates").get_data(as_text=True)
    assert html.count('<li class="candidate identified">') == 1
    assert "Name not given yet" in html and shown.owner not in html  # never the account name in its place
    assert shown.summary[:40].replace("'", "&#39;") in html
    assert f"Anonymous candidate {first_alias}" not in html


# ---------------------------------------------------------------------------- offers


def offer_form(token: str, **changes) -> dict:
    form = {
        "csrf_token": token,
        "provider": "Not Us Ltd",  # ignored: the account decides
        "kind": "language_course",
        "title": "German B1 for drivers",
        "description": "Evening classes.",
        "country": "GE",
        "mode": "online",
        "languages": ["ka", "ru"],
        "destination_countries": ["DE", "AT"],
        "language_taught": "de",
        "level_reached": "B1",
        "cost": "0",
        "cost_currency": "",
        "duration_weeks": "20",
        "url": "https://example.org/course",
    }
    form.update(changes)
    return form


def test_offer_filters_narrow_the_list(market, client):
    offers = _rows(market, select(ServiceOffer))
    html = client.get("/offers").get_data(as_text=True)
    assert f"{len(offers)} offers" in html and len(_ids(html, "offer")) == min(len(offers), 20)
    html = client.get("/offers?kind=language_course").get_data(as_text=True)
    assert len(_ids(html, "offer")) == len([o for o in offers if o.kind == "language_course"]) > 0
    html = client.get("/offers?free=1&mode=online").get_data(as_text=True)
    expected = [o for o in offers if o.cost == 0 and o.mode == "online"]
    assert sorted(_ids(html, "offer")) == sorted(o.id for o in expected)
    html = client.get("/offers?destination=IT&language=it").get_data(as_text=True)
    expected = [o for o in offers if "IT" in o.destination_countries and o.language_taught == "it"]
    assert sorted(_ids(html, "offer")) == sorted(o.id for o in expected) and expected


def test_provider_posts_and_edits_an_offer(market, client, make_user, sign_in):
    token = sign_in(make_user("provider", organisation="Tbilisi Language House"))
    assert client.get("/offers/new").status_code == 200
    assert client.post("/offers/new", data=offer_form("nope")).status_code == 400
    response = client.post("/offers/new", data=offer_form(token, language_taught="", title="Kept offer title"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="language_taught-error"' in html and 'value="Kept offer title"' in html
    assert client.post("/offers/new", data=offer_form(token)).status_code == 302
    saved = _rows(market, select(ServiceOffer).where(ServiceOffer.title == "German B1 for drivers"))
    assert len(saved) == 1
    offer = saved[0]
    assert offer.provider == "Tbilisi Language House"
    assert offer.destination_countries == ["DE", "AT"] and offer.language_taught == "de" and offer.mode == "online"
    assert "German B1 for drivers" in client.get("/my/offers").get_data(as_text=True)
    form = offer_form(token, title="German B1 for bus drivers")
    assert client.post(f"/offers/{offer.id}/edit", data=form).status_code == 302
    with Session(market.engine) as session:
        assert session.get(ServiceOffer, offer.id).title == "German B1 for bus drivers"

    other = make_user("provider", organisation="Someone Else")
    token = sign_in(other)
    assert client.get(f"/offers/{offer.id}/edit").status_code == 403
    assert client.post(f"/offers/{offer.id}/edit", data=offer_form(token)).status_code == 403
    sign_in(make_user("employer"))
    assert client.get("/offers/new").status_code == 403
    with Session(market.engine) as session:
        count = session.execute(select(func.count(ServiceOffer.id))).scalar_one()
    assert count == len(_rows(market, select(ServiceOffer)))


def test_list_filters_as_query_parameters():
    from matching.marketplace import OfferFilters, VacancyFilters

    vacancies = VacancyFilters.from_args({"country": "de", "level": "b1", "page": "1", "route": "no such route"})
    assert vacancies.query_args() == {"country": "DE", "level": "B1"}
    assert vacancies.query_args(page=3) == {"country": "DE", "level": "B1", "page": 3}
    assert vacancies.active and not VacancyFilters.from_args({"page": "4"}).active
    offers = OfferFilters.from_args({"free": "on", "kind": "language_course", "page": "2"})
    assert offers.query_args() == {"kind": "language_course", "free": 1, "page": 2}
    assert offers.query_args(free=False, page=1) == {"kind": "language_course"}
    assert OfferFilters.from_args({"free": "on"}).active and not OfferFilters.from_args({}).active
