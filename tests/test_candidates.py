"""candidates_for_vacancy against the plain algorithm it replaced: the same candidates in
the same order with the same explanations and consent flags, from fewer rows read.

The reference below reads every consenting profile, encodes and explains each one and
sorts, as candidates_for_vacancy did before it prefiltered in SQL, streamed the rows
and explained only the profiles that could reach the top. The profiles cover the cases
the prefilter decides: destinations (none, the vacancy's country, others, several),
origins and education for legal routes; and what Python decides after it: language
levels (overall, sub-skills, native, trainable), consent off, and rows written around the app's validation (lower case,
escapes, duplicate keys, non-arrays) that SQL must leave to Python.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from core.organisations.models import Organisation
from core.organisations.service import trusted_organisation
from matching import candidates as candidates_module, records
from matching.candidate_prefilter import candidate_prefilter
from matching.candidates import CANDIDATES_READ, CandidateMatch, candidates_for_vacancy
from matching.matcher_input import profile_view, vacancy_view
from matching.taxonomy import load_taxonomy
from matching.texts import profile_text, vacancy_text
from matching.matcher import Taxonomy, explain
from matching.models import SkillProfile, SkillProfileInput, VacancyInput
from tests.test_matcher import ELDERLY, FIRST_AID, HEALTHCARE_ASSISTANT, NURSE, NURSE_ASSISTANT, VITAL_SIGNS, WELDER

TODAY = date(2026, 11, 23)
EMPLOYER = "Pflegedienst Sonnenhof GmbH"
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
SUBSKILLS = ("listening", "reading", "spoken_interaction", "spoken_production", "writing")


def reference(runtime, vacancy_id: int, *, top: int, include_excluded: bool, today: date):
    """The former algorithm: every consenting profile explained, then sorted."""
    with Session(runtime.engine) as session:
        vacancy = records.get_vacancy(session, vacancy_id)
        profiles = list(session.execute(select(SkillProfile).where(SkillProfile.consent_to_matching)).scalars())
        uris = {vacancy.occupation_uri or ""} | set(vacancy.essential_skills + vacancy.optional_skills)
        for profile in profiles:
            uris |= set(profile.skills) | {o.uri for o in profile.occupations_held() if o.uri}
        taxonomy = load_taxonomy(session, uris)
        consents = records.consented_recipients(session, [p.id for p in profiles])
        session.expunge_all()
    vectors = runtime.encoder.encode([vacancy_text(vacancy, taxonomy)] + [profile_text(p, taxonomy) for p in profiles])
    view = vacancy_view(vacancy, vectors[0])
    ranked = []
    for profile, vector in zip(profiles, vectors[1:]):
        explanation = explain(profile_view(profile, vector), view, taxonomy, today=today)
        if include_excluded or not explanation.excluded:
            ranked.append(CandidateMatch(profile, explanation, vacancy.employer_id in consents.get(profile.id, set())))
    ranked.sort(key=lambda m: (m.explanation.excluded, -m.explanation.score, m.profile.id))
    return ranked[:top], taxonomy


def language(rng: random.Random, code: str) -> dict:
    form = rng.choice(("overall", "subskills", "native", "both"))
    if form == "native":
        return {"language": code, "native": True}
    item: dict = {"language": code}
    if form in ("overall", "both"):
        item["overall"] = rng.choice(LEVELS)
    if form in ("subskills", "both"):
        for name in rng.sample(SUBSKILLS, rng.randint(1, 5)):
            item[name] = rng.choice(LEVELS)
    return item


def spread_of_profiles(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    destinations = ([], ["DE"], ["AT"], ["AT", "DE"], ["NL", "DE", "AT"], ["FR", "IT"], ["NL"], ["PT", "ES", "NL"])
    origins = (["MD"], ["PH"], ["RS"], ["MD", "UA"], ["IN"], [])
    occupations = (
        (NURSE_ASSISTANT, "infirmieră auxiliară"),
        (HEALTHCARE_ASSISTANT, "care assistant"),
        (NURSE, "nurse"),
        (WELDER, "welder"),
        (None, "cook"),
    )
    items = []
    for i in range(count):
        held = rng.sample(occupations, rng.randint(0, 2))
        qualifications = []
        if rng.random() < 0.4:
            recognised = rng.choice(([], ["DE"], ["AT", "DE"]))
            status = "recognised" if recognised else "in_progress"
            qualifications.append({"title": "nursing diploma", "isced_level": 5, "recognition": status, "recognised_in": recognised})
        items.append(
            {
                "external_id": f"spread-{i}",
                "owner": f"migrant-{i}",
                "consent_to_matching": rng.random() < 0.85,
                "origin_countries": rng.choice(origins),
                "destination_countries": rng.choice(destinations),
                "occupations": [{"uri": uri, "title": title, "years": rng.randint(0, 12)} for uri, title in held],
                "skills": rng.sample([ELDERLY, FIRST_AID, VITAL_SIGNS], rng.randint(0, 3)),
                "free_text_skills": rng.sample(["lifting", "night shifts", "cooking"], rng.randint(0, 2)),
                "languages": [language(rng, code) for code in rng.sample(["de", "en", "ro", "ru", "nl"], rng.randint(0, 3))],
                "education_level": rng.choice((None, 1, 2, 3, 4, 5, 6)),
                "qualifications": qualifications,
                "summary": f"Candidate {i}: " + rng.choice(("care work in a home", "welding in a shipyard", "kitchen help")),
            }
        )
    return items


VACANCY = {
    "employer": EMPLOYER,
    "title": "Pflegehelfer (m/w/d)",
    "occupation_uri": HEALTHCARE_ASSISTANT,
    "description": "Support our nurses in caring for elderly residents.",
    "essential_skills": [ELDERLY, VITAL_SIGNS],
    "optional_skills": [FIRST_AID],
    "country": "DE",
    "languages": [{"language": "de", "min_level": "B1"}],
    "valid_through": "2099-12-31",
}
VACANCIES = {
    # a language minimum, a route open to some nationals only and with an education minimum
    "strict": {**VACANCY, "legal_route": {"type": "work_permit", "eligible_origin_countries": ["MD", "RS"], "min_education_level": 3}},
    # German trained on the job, English required
    "trainable": {
        **VACANCY,
        "title": "Altenpflegehelfer",
        "languages": [{"language": "de", "min_level": "B2", "trainable": True}, {"language": "en", "min_level": "A2"}],
        "legal_route": {"min_education_level": 0},  # no profile is below it, not even one without a level
    },
    # a regulated occupation asking for a recognised qualification, in Austria
    "regulated": {
        **VACANCY,
        "title": "Pflegefachkraft",
        "occupation_uri": NURSE,
        "country": "AT",
        "languages": [{"language": "de", "min_level": "C1"}],
        "legal_route": {"requires_recognised_qualification": True},
    },
    # nothing but the country: no occupation, skills or languages
    "plain": {"employer": "Tuinbouw BV", "title": "Helper", "country": "NL", "description": "General work in greenhouses."},
    "closed": {**VACANCY, "title": "Closed job", "status": "closed"},
}

# Rows written around the app's validation, each still readable by the app (so the
# reference can explain it): SQL must leave each to Python or decide it as Python does.
RAW = {
    "destination_countries": ['["de"]', '["D\\u0045"]', '{"DE": 1}', '"DE"', '["AT", "x\\u0000"]', '["DE", "x\\u0000"]'],
    "origin_countries": ['["\\u004dD"]', '["md"]', '{"MD": true}', '["RS", 7]'],
    "languages": [
        '[{"language": "de", "overall": "A1", "overall": "C1"}]',
        '[{"language": "de", "overall": "C1", "overall": "A1"}]',
        '[{"language": "de", "\\u006fverall": "C1"}]',
        '[{"language": "d\\u0065", "overall": "B1"}]',
        '[{"language": "DE", "overall": "B2"}]',
        '[{"language": "de", "native": "yes"}]',
        '[{"language": "de", "native": 1}]',
        '[{"language": "de", "native": "yes", "overall": "A1"}]',
        '[{"language": "de", "native": 1, "overall": "A1"}]',
        '[{"language": "de", "overall": "C1"}, {"language": "de", "overall": "A2"}]',
        '[{"language": "de", "overall": "A2"}, {"language": "de", "overall": "C1"}]',
        '[{"language": "de", "overall": "B1", "note": "checked at the MRC"}]',
        '[{"language": "de", "listening": "C2", "writing": "A2"}]',
        '[{"language": "de", "listening": "A1", "listening": "C1"}]',
        '[{"language": "de", "listening": "C1", "listening": "A1"}]',
        '[{"language": "de", "native": true, "native": false, "overall": "A1"}]',
        '[{"language": "de", "native": false, "reading": "B2", "overall": "A1"}]',
        '[{"language": "de", "overall": "A1", "native": true}]',
        '[{"language": "de", "overall": null, "listening": "B1"}]',
        '[{"language": "de", "overall": "B1", "language": "en"}]',
        '[{"language": "en", "language": "de", "overall": "C1"}]',
        '[{"language": "en", "l\\u0061nguage": "de", "overall": "C1"}]',
        '[{"language": "en", "overall": "C1", "note": "language"}, {"language": "de", "overall": "B2"}]',
        '[{"language": "en", "overall": "C2"}]',
        "[]",
    ],
}


# Every part of the score at its maximum for the vacancies above (but the text's).
PERFECT = {
    "owner": "perfect",
    "consent_to_matching": True,
    "origin_countries": ["MD"],
    "destination_countries": ["DE", "AT"],
    "occupations": [{"uri": HEALTHCARE_ASSISTANT, "title": "Pflegehelfer", "years": 8}],
    "skills": [ELDERLY, VITAL_SIGNS, FIRST_AID],
    "languages": [{"language": "de", "native": True}, {"language": "en", "native": True}],
    "education_level": 6,
    "summary": "Support nurses in caring for elderly residents.",
}


def write_raw(session: Session, profile_id: int, column: str, value: str) -> None:
    cast = "CAST(:value AS json)" if session.get_bind().dialect.name == "postgresql" else ":value"
    session.execute(text(f"UPDATE skill_profile SET {column} = {cast} WHERE id = :id"), {"value": value, "id": profile_id})


@pytest.fixture
def market(core_runtime):
    """The spread of profiles, the raw rows, consents of some for the employer, the vacancies."""
    with Session(core_runtime.engine) as session:
        ids = [records.create_profile(session=session, data=SkillProfileInput.model_validate(p)).id for p in spread_of_profiles(150)]
        base = {
            "owner": "raw",
            "consent_to_matching": True,
            "origin_countries": ["MD"],
            "destination_countries": ["DE", "AT", "NL"],
            "occupations": [{"uri": NURSE_ASSISTANT, "title": "nurse aide", "years": 3}],
            "skills": [ELDERLY],
            "languages": [{"language": "de", "overall": "C1"}, {"language": "en", "overall": "B1"}],
            "education_level": 4,
            "summary": "A row written around the app.",
        }
        raw_ids = []
        for column, values in RAW.items():
            for value in values:
                data = SkillProfileInput.model_validate({**base, "owner": f"raw-{len(raw_ids)}"})
                profile = records.create_profile(session=session, data=data)
                session.flush()
                write_raw(session, profile.id, column, value)
                raw_ids.append(profile.id)
        records.create_profile(session=session, data=SkillProfileInput.model_validate(PERFECT))
        for name in (EMPLOYER, "Another employer"):  # consents go to verified organisations
            trusted_organisation(session, kind="employer", name=name, by="the tests", note="")
        for profile_id in ids[:40:3] + raw_ids[::4]:
            records.grant_consent(session=session, profile_id=profile_id, recipient_kind="employer", recipient=EMPLOYER)
        for profile_id in ids[1:40:5]:
            records.grant_consent(session=session, profile_id=profile_id, recipient_kind="employer", recipient="Another employer")
        records.withdraw_consent(session=session, profile_id=ids[0], recipient=EMPLOYER)
        vacancies = {
            name: records.create_vacancy(session=session, data=VacancyInput.model_validate(v))[0].id for name, v in VACANCIES.items()
        }
        session.commit()
    return core_runtime, vacancies


def listed(matches: list[CandidateMatch]) -> list:
    return [(m.profile.id, m.identified, m.explanation, [getattr(m.profile, f) for f in SkillProfile.model_fields]) for m in matches]


def consenting(runtime) -> int:
    with Session(runtime.engine) as session:
        return len(session.execute(select(SkillProfile.id).where(SkillProfile.consent_to_matching)).all())


@pytest.mark.parametrize("chunk", [7, 500])
def test_the_same_candidates_as_explaining_every_profile(market, monkeypatch, chunk):
    runtime, vacancies = market
    monkeypatch.setattr(candidates_module, "_CANDIDATE_CHUNK", chunk)
    checked = 0
    for name, vacancy_id in vacancies.items():
        for include_excluded in (False, True):
            for top in (1, 5, 100):
                for today in (TODAY, date(2100, 1, 1)):  # then the vacancies have expired
                    expected, expected_taxonomy = reference(runtime, vacancy_id, top=top, include_excluded=include_excluded, today=today)
                    found, taxonomy = candidates_for_vacancy(runtime, vacancy_id, top=top, include_excluded=include_excluded, today=today)
                    assert listed(found) == listed(expected), (name, include_excluded, top, today)
                    for match in found:  # the labels the pages show for these profiles
                        uris = set(match.profile.skills) | {o.uri for o in match.profile.occupations_held() if o.uri}
                        assert {u: taxonomy.label(u) for u in uris} == {u: expected_taxonomy.label(u) for u in uris}
                    checked += len(found)
    assert checked > 500


def test_identified_only_with_an_active_consent_for_this_employer(market):
    runtime, vacancies = market
    found, _ = candidates_for_vacancy(runtime, vacancies["strict"], top=100, include_excluded=True, today=TODAY)
    assert {m.identified for m in found} == {True, False}
    with Session(runtime.engine) as session:
        consents = records.consented_recipients(session, [m.profile.id for m in found])
        employer = session.execute(select(Organisation).where(Organisation.name == EMPLOYER)).scalars().one()
    assert all(m.identified == (employer.id in consents.get(m.profile.id, set())) for m in found)


def test_the_prefilter_reads_only_the_profiles_sql_cannot_rule_out(market):
    runtime, vacancies = market
    everyone = consenting(runtime)
    for name, vacancy_id in vacancies.items():
        eligible, _ = reference(runtime, vacancy_id, top=10**6, include_excluded=False, today=TODAY)
        everything, _ = reference(runtime, vacancy_id, top=10**6, include_excluded=True, today=TODAY)
        # Language levels are left to Python: SQL reads the eligible profiles and those
        # that only a language minimum excludes.
        sql_keeps = [m for m in everything if all(e.constraint == "language" for e in m.explanation.exclusions)]
        found, _ = candidates_for_vacancy(runtime, vacancy_id, top=100, include_excluded=False, today=TODAY)
        read = runtime.caches[CANDIDATES_READ]
        assert len(found) == min(len(eligible), 100) and len(eligible) <= read.scored <= read.rows_loaded, name
        if name == "closed":
            assert read.rows_loaded == 0 and found == []
        else:
            assert read.rows_loaded < everyone, name
        # Of the rows the app wrote itself, SQL reads exactly those; only the raw rows may
        # be read and then excluded in Python.
        raw = {p.id for p in _rows(runtime) if p.owner.startswith("raw")}
        assert len(sql_keeps) <= read.rows_loaded <= len(sql_keeps) + len(raw), name
    candidates_for_vacancy(runtime, vacancies["strict"], top=5, include_excluded=True, today=TODAY)
    assert runtime.caches[CANDIDATES_READ].rows_loaded == everyone


def test_only_profiles_that_can_reach_the_top_are_explained(market):
    runtime, vacancies = market
    found, _ = candidates_for_vacancy(runtime, vacancies["plain"], top=3, today=TODAY)
    read = runtime.caches[CANDIDATES_READ]
    assert len(found) == 3 and read.explained < read.scored / 2


def test_sql_leaves_out_no_profile_that_python_keeps(market):
    """Checked row by row, also on rows the app could not read at all."""
    runtime, vacancies = market
    with Session(runtime.engine) as session:
        data = SkillProfileInput.model_validate({"owner": "broken", "consent_to_matching": True})
        broken = records.create_profile(session=session, data=data)
        session.flush()
        write_raw(session, broken.id, "languages", '[{"language": "de", "overall": "b1"}]')
        session.commit()
    dialect = runtime.engine.dialect.name
    for name, vacancy_id in vacancies.items():
        with Session(runtime.engine) as session:
            vacancy = vacancy_view(records.get_vacancy(session, vacancy_id), None)
            conditions = candidate_prefilter(dialect, vacancy, TODAY)
            kept = set(session.execute(select(SkillProfile.id).where(SkillProfile.consent_to_matching, *conditions)).scalars())
            for profile in _rows(runtime):
                if not profile.consent_to_matching:
                    continue
                try:
                    exclusions = explain(profile_view(profile, None), vacancy, Taxonomy(), today=TODAY).exclusions
                except ValueError:  # pydantic's ValidationError: the app cannot read this row
                    continue
                assert exclusions or profile.id in kept, (name, profile.id)
                if not profile.owner.startswith(("raw", "broken")) and name != "closed":
                    # Exact on what the app wrote: out iff a constraint other than a
                    # language level excludes it (those are Python's to decide).
                    sql_decidable = [e for e in exclusions if e.constraint != "language"]
                    assert bool(sql_decidable) == (profile.id not in kept), (name, profile.id)


def _rows(runtime) -> list[SkillProfile]:
    with Session(runtime.engine) as session:
        rows = list(session.execute(select(SkillProfile)).scalars())
        session.expunge_all()
    return rows


def test_no_score_exceeds_its_bound_and_the_bound_is_tight(market):
    """The pruning bound: a profile is left unexplained only if it could not reach the top."""
    runtime, vacancies = market
    for name in ("strict", "trainable", "plain"):
        matches, taxonomy = reference(runtime, vacancies[name], top=10**6, include_excluded=True, today=TODAY)
        with Session(runtime.engine) as session:
            vacancy = records.get_vacancy(session, vacancies[name])
        vectors = runtime.encoder.encode([vacancy_text(vacancy, taxonomy)] + [profile_text(m.profile, taxonomy) for m in matches])
        bounds = candidates_module.score_bounds(vectors[1:], vacancy_view(vacancy, vectors[0]))
        slack = candidates_module._BOUND_SLACK
        assert all(m.explanation.score <= bound for m, bound in zip(matches, bounds)), name
        (perfect,) = [bound - m.explanation.score for m, bound in zip(matches, bounds) if m.profile.owner == "perfect"]
        if name != "plain":  # every part but the text at its maximum
            assert perfect == pytest.approx(slack, abs=1e-4), name
