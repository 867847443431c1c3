"""Profiles, vacancies and offers through the services, the JSON API and the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session

from core.errors import HeadstartError, ImportFileError
from matching import records
from matching.candidates import candidates_for_vacancy
from matching.eligibility import eligibility_signal
from matching.gaps import offers_for_gap
from matching.matches import matches_for_profile
from matching.models import ServiceOfferInput, SkillProfileInput, VacancyInput
from tests.test_matcher import ELDERLY, FIRST_AID, HEALTHCARE_ASSISTANT, NURSE, NURSE_ASSISTANT, VITAL_SIGNS, WELDER

# Every test here that touches the database or an index runs on each available search
# engine (Elasticsearch when ELASTICSEARCH_URL is set; see pytest_generate_tests in conftest).
RUN_ON_EVERY_ENGINE = True

PROFILE = {
    "external_id": "p-1",
    "owner": "migrant-1",
    "consent_to_matching": True,
    "origin_countries": ["MD"],
    "destination_countries": ["DE"],
    "occupations": [{"uri": NURSE_ASSISTANT, "title": "infirmieră auxiliară", "years": 4}],
    "skills": [ELDERLY, FIRST_AID],
    "languages": [{"language": "de", "overall": "B1"}, {"language": "ro", "native": True}],
    "education_level": 3,
    "summary": "Four years caring for elderly people in a care home in Chisinau.",
}
VACANCY = {
    "external_id": "v-1",
    "employer": "Pflegedienst Sonnenhof GmbH",
    "title": "Pflegehelfer (m/w/d)",
    "occupation_uri": HEALTHCARE_ASSISTANT,
    "description": "Support our nurses in caring for elderly residents.",
    "essential_skills": [ELDERLY, VITAL_SIGNS],
    "optional_skills": [FIRST_AID],
    "country": "DE",
    "city": "Leipzig",
    "languages": [{"language": "de", "min_level": "B1"}],
    "valid_through": "2099-12-31",
    "sources": [{"feed": "headstart-demo", "external_id": "v-1"}],
}
OFFER = {
    "provider": "Goethe partner school Chisinau",
    "kind": "vocational_training",
    "title": "Basic clinical observation for care assistants",
    "country": "MD",
    "skills_taught": [VITAL_SIGNS],
    "mode": "in_person",
}


def add(runtime, profile=None, vacancy=None, offer=None):
    with Session(runtime.engine) as session:
        p = records.create_profile(session=session, data=SkillProfileInput.model_validate(profile or PROFILE))
        v, _ = records.create_vacancy(session=session, data=VacancyInput.model_validate(vacancy or VACANCY))
        records.create_offer(session=session, data=ServiceOfferInput.model_validate(offer or OFFER))
        session.commit()
        return p.id, v.id


def test_profile_matches_explain_missing_skill_and_offer_closing_it(core_runtime):
    profile_id, vacancy_id = add(core_runtime)
    matches, taxonomy = matches_for_profile(core_runtime, profile_id)
    (match,) = matches
    assert match.vacancy.id == vacancy_id
    assert match.explanation.essential_missing == (VITAL_SIGNS,)
    assert taxonomy.label(VITAL_SIGNS) == "monitor patient's vital signs"
    with Session(core_runtime.engine) as session:
        profile = records.get_profile(session, profile_id)
    offers = offers_for_gap(core_runtime, profile, match.explanation, taxonomy)
    assert [o.closes for o in offers] == [("monitor patient's vital signs",)]


def test_a_new_vacancy_is_matchable_at_once_and_a_deleted_profile_is_gone(core_runtime):
    profile_id, _ = add(core_runtime)
    second = {**VACANCY, "external_id": "v-2", "title": "Altenpflegehelferin", "city": "Dresden"}
    with Session(core_runtime.engine) as session:
        records.create_vacancy(session=session, data=VacancyInput.model_validate(second))
        session.commit()
    matches, _ = matches_for_profile(core_runtime, profile_id)
    assert {m.vacancy.title for m in matches} == {"Pflegehelfer (m/w/d)", "Altenpflegehelferin"}
    with Session(core_runtime.engine) as session:
        records.delete_profile(session=session, profile_id=profile_id)
        session.commit()
    candidates, _ = candidates_for_vacancy(core_runtime, matches[0].vacancy.id)
    assert candidates == []


def test_the_same_vacancy_from_two_feeds_is_kept_once_with_both_sources(core_runtime):
    _, vacancy_id = add(core_runtime)
    again = {**VACANCY, "external_id": "eures-77", "sources": [{"feed": "eures-demo", "external_id": "77"}], "title": "PFLEGEHELFER (m/w/d) "}
    with Session(core_runtime.engine) as session:
        vacancy, created = records.create_vacancy(session=session, data=VacancyInput.model_validate(again))
        session.commit()
        assert not created and vacancy.id == vacancy_id
        assert [s["feed"] for s in vacancy.sources] == ["headstart-demo", "eures-demo"]


def test_candidates_need_matching_consent_and_are_anonymous_until_opt_in(core_runtime):
    profile_id, vacancy_id = add(core_runtime)
    add(core_runtime, profile={**PROFILE, "external_id": "p-2", "owner": "migrant-2", "consent_to_matching": False}, vacancy={**VACANCY, "external_id": "v-x", "city": "Halle"})
    (candidate,), _ = candidates_for_vacancy(core_runtime, vacancy_id)
    assert candidate.profile.id == profile_id and not candidate.identified
    with Session(core_runtime.engine) as session:
        records.grant_consent(session=session, profile_id=profile_id, recipient_kind="employer", recipient=VACANCY["employer"], days=30)
        session.commit()
    (candidate,), _ = candidates_for_vacancy(core_runtime, vacancy_id)
    assert candidate.identified
    with Session(core_runtime.engine) as session:
        assert records.withdraw_consent(session=session, profile_id=profile_id, recipient=VACANCY["employer"])[0] == 1
        session.commit()
    (candidate,), _ = candidates_for_vacancy(core_runtime, vacancy_id)
    assert not candidate.identified


def test_eligibility_signal_is_honest(core_runtime):
    add(core_runtime)
    green = eligibility_signal(core_runtime, destination="DE", occupation_uri=HEALTHCARE_ASSISTANT, languages={"de": "B1"})
    assert green.colour == "green" and green.open_vacancies == 1
    amber = eligibility_signal(core_runtime, destination="DE", occupation_uri=HEALTHCARE_ASSISTANT, languages={"de": "A2"})
    assert amber.colour == "amber" and any("de at B1" in r for r in amber.reasons)
    related = eligibility_signal(core_runtime, destination="DE", occupation_uri=NURSE_ASSISTANT, languages={"de": "B1"})
    assert related.colour == "amber" and "related occupations" in related.reasons[0]
    red = eligibility_signal(core_runtime, destination="IT", occupation_uri=WELDER, languages={})
    assert red.colour == "red"


def test_regulated_occupation_points_to_recognition(core_runtime):
    nurse_job = {**VACANCY, "external_id": "v-n", "title": "Gesundheits- und Krankenpfleger", "occupation_uri": NURSE,
                 "legal_route": {"type": "skilled_worker_visa", "requires_recognised_qualification": True}}  # fmt: skip
    profile_id, vacancy_id = add(core_runtime, vacancy=nurse_job)
    (match,), _ = matches_for_profile(core_runtime, profile_id)
    assert match.explanation.regulated is not None and not match.explanation.ready


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"country": "Germany"}, "country: Value error, country: unknown country code 'Germany'"),
        ({"essential_skills": ["welding"]}, "is not an ESCO skill URI"),
        ({"languages": [{"language": "de", "min_level": "B3"}]}, "languages.0.min_level"),
        ({"salary_min": 3000, "salary_max": 2000, "salary_currency": "EUR"}, "salary_max is below salary_min"),
    ],
)
def test_bad_vacancy_input_names_the_field(change, words):
    with pytest.raises(HeadstartError) as caught:
        records.parse_input(VacancyInput, {**VACANCY, **change})
    assert words.split(": Value error")[0] in caught.value.message


def test_a_bad_line_imports_nothing_from_the_file(core_runtime, tmp_path):
    path = tmp_path / "vacancies.jsonl"
    lines = [json.dumps(VACANCY), json.dumps({**VACANCY, "external_id": "v-9", "country": "XX"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"vacancies.jsonl, line 2: country: unknown country code 'XX'"):
        records.import_vacancies(core_runtime, path)
    with Session(core_runtime.engine) as session:
        from sqlmodel import select

        from matching.models import Vacancy

        assert session.exec(select(Vacancy)).all() == []


def test_json_ld_job_postings_import(core_runtime, tmp_path):
    feed = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "JobPosting",
                "identifier": "jp-1",
                "title": "Welder (MIG/MAG)",
                "description": "Welding of steel frames.",
                "hiringOrganization": {"@type": "Organization", "name": "Metallbau Nord GmbH"},
                "jobLocation": {"@type": "Place", "address": {"addressCountry": "DE", "addressLocality": "Bremen"}},
                "occupationalCategory": WELDER,
                "baseSalary": {"@type": "MonetaryAmount", "currency": "EUR", "value": {"minValue": 2800, "maxValue": 3400, "unitText": "MONTH"}},
                "employmentType": "FULL_TIME",
                "datePosted": "2026-11-01",
                "validThrough": "2027-01-31T23:59:59Z",
            }
        ],
    }
    path = tmp_path / "feed.jsonld"
    path.write_text(json.dumps(feed), encoding="utf-8")
    report = records.import_vacancies(core_runtime, path)
    assert report.created == 1
    with Session(core_runtime.engine) as session:
        vacancy = records.get_vacancy(session, 1)
        assert (vacancy.employer, vacancy.city, vacancy.salary_period, vacancy.valid_through) == ("Metallbau Nord GmbH", "Bremen", "month", date(2027, 1, 31))


def test_api_round_trip_and_errors(client):
    created = client.post("/api/v1/profiles", json=PROFILE)
    assert created.status_code == 201
    profile_id = created.get_json()["id"]
    vacancy = client.post("/api/v1/vacancies", json=VACANCY).get_json()
    matches = client.get(f"/api/v1/profiles/{profile_id}/matches?gaps=1").get_json()["matches"]
    assert matches[0]["vacancy"]["id"] == vacancy["id"]
    explanation = matches[0]["explanation"]
    assert explanation["essential_missing"] == [{"uri": VITAL_SIGNS, "label": "monitor patient's vital signs"}]
    assert sum(p["points"] for p in explanation["parts"]) == pytest.approx(explanation["score"], abs=1e-3)
    candidates = client.get(f"/api/v1/vacancies/{vacancy['id']}/candidates").get_json()["candidates"]
    assert candidates[0]["identified"] is False and "owner" not in candidates[0]["profile"]
    bad = client.post("/api/v1/profiles", json={**PROFILE, "languages": [{"language": "de", "overall": "B9"}]})
    assert bad.status_code == 422 and "languages.0.overall" in bad.get_json()["error"]
    assert client.get("/api/v1/profiles/999").status_code == 404
    assert client.get("/api/v1/profiles/1/matches?top=1000").status_code == 400
    assert client.post("/api/v1/vacancies", data="not json", content_type="text/plain").status_code == 400
    signal = client.get(f"/api/v1/eligibility?destination=DE&occupation={HEALTHCARE_ASSISTANT}&lang=de:B1").get_json()
    assert signal["signal"] == "green"
    offer = client.post("/api/v1/offers", json=OFFER).get_json()
    changed = client.put(f"/api/v1/offers/{offer['id']}", json={**OFFER, "cost": 120, "cost_currency": "mdl"})
    assert changed.status_code == 200 and changed.get_json()["cost_currency"] == "MDL"
    assert client.put(f"/api/v1/offers/{offer['id']}", json={**OFFER, "kind": "magic"}).status_code == 422
    assert client.delete(f"/api/v1/profiles/{profile_id}").status_code == 204
    assert client.get(f"/api/v1/vacancies/{vacancy['id']}/candidates").get_json()["candidates"] == []


def test_personal_data_needs_a_token_from_other_machines(client, app):
    remote = {"REMOTE_ADDR": "192.0.2.10"}
    assert client.get("/api/v1/profiles/1", environ_overrides=remote).status_code == 403
    assert client.get("/api/v1/vacancies", environ_overrides=remote).status_code == 200


def test_cli_imports_and_matches(run_cli, core_runtime, tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps(PROFILE) + "\n", encoding="utf-8")
    (tmp_path / "v.jsonl").write_text(json.dumps(VACANCY) + "\n", encoding="utf-8")
    assert "1 added" in run_cli("profiles", "import", str(tmp_path / "p.jsonl")).output
    assert "1 added" in run_cli("vacancies", "import", str(tmp_path / "v.jsonl")).output
    out = run_cli("match", "profile", "1", "--json")
    assert out.exit_code == 0 and json.loads(out.output)["matches"][0]["explanation"]["essential_missing"]
    missing = run_cli("match", "profile", "42")
    assert missing.exit_code == 2 and "No profile with id 42" in missing.output


def test_skill_extraction_points_to_the_words_and_rejects_bad_input(client):
    text = "We look for someone to tend to elderly people. Knowledge of first aid and of Python."
    response = client.post("/api/v1/skills/extract", json={"text": text})
    assert response.status_code == 200
    for skill in response.get_json()["skills"]:
        span = skill["span"]
        assert text[span["start"] : span["end"]] == span["text"]
    assert client.post("/api/v1/skills/extract", json={"text": ""}).status_code == 400
    assert client.post("/api/v1/skills/extract", json={"text": "x" * 30_000}).status_code == 400
    assert client.post("/api/v1/skills/extract", json=["not", "an", "object"]).status_code == 400


def test_suggestion_choices_are_stored(client, core_runtime):
    from matching.models import SuggestionChoice

    response = client.post(
        "/api/v1/suggestions/choices",
        json={"concept_type": "skill", "text": "Pflege alter Menschen", "suggested_uri": VITAL_SIGNS, "chosen_uri": ELDERLY, "decided_by": "mrc-1"},
    )
    assert response.status_code == 201
    with Session(core_runtime.engine) as session:
        (choice,) = session.exec(__import__("sqlmodel").select(SuggestionChoice)).all()
        assert (choice.suggested_uri, choice.chosen_uri) == (VITAL_SIGNS, ELDERLY)
    bad = client.post("/api/v1/suggestions/choices", json={"concept_type": "skill", "text": "x"})
    assert bad.status_code == 422 and "suggested_uri" in bad.get_json()["error"]
