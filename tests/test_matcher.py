"""The matcher on hand-made cases: constraints exclude and say why, parts add up, gaps show."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from matching.matcher import ProfileView, Taxonomy, VacancyView, explain, rank_pairs
from matching.models import LanguageSkill, LegalRoute, OccupationHeld, Qualification, VacancyLanguage

OCC = "http://data.europa.eu/esco/occupation/"
SKILL = "http://data.europa.eu/esco/skill/"
NURSE_ASSISTANT = OCC + "87d0795a-d41f-47ee-979f-0ab7d73836e7"
HEALTHCARE_ASSISTANT = OCC + "d38c2107-98f2-47b7-8bb4-f69750d51082"
NURSE = OCC + "8d3e8aaa-791b-4c75-a465-f3f827028f50"
WELDER = OCC + "7aedaa07-3884-4c5b-88f9-80997b2aa54b"
ELDERLY = SKILL + "261e740b-d32d-4356-94a8-3ea29128b70b"
VITAL_SIGNS = SKILL + "60f826be-0c1b-413b-aad5-4f7546622e16"
FIRST_AID = SKILL + "1d21f6ad-340f-45da-a0a3-4e83867f47a6"
ARC = SKILL + "27d26fd6-5795-4f0a-884e-112df7c68314"
MIG = SKILL + "f015c5d5-6a1c-4f63-9012-a05f4f34105e"
WELDING_GROUP = SKILL + "00000000-0000-0000-0000-00000000feed"

TAXONOMY = Taxonomy(
    isco_codes={NURSE_ASSISTANT: "5321", HEALTHCARE_ASSISTANT: "5321", NURSE: "2221", WELDER: "7212"},
    broader={ARC: frozenset({WELDING_GROUP}), MIG: frozenset({WELDING_GROUP})},
    labels={ELDERLY: "tend to elderly people", VITAL_SIGNS: "monitor patient's vital signs"},
    regulated={NURSE: "Nursing is regulated in the EU (Directive 2005/36/EC)."},
)
TODAY = date(2026, 11, 22)


def profile(**changes) -> ProfileView:
    base = ProfileView(
        id=1,
        origin_countries=("MD",),
        destination_countries=("DE",),
        occupations=(OccupationHeld(uri=NURSE_ASSISTANT, title="nurse aide", years=4),),
        skills=frozenset({ELDERLY, FIRST_AID}),
        languages={"de": LanguageSkill(language="de", overall="B1"), "ro": LanguageSkill(language="ro", native=True)},
        education_level=3,
        qualifications=(),
        consent_to_matching=True,
        vector=np.array([1.0, 0.0]),
    )
    return replace(base, **changes)


def vacancy(**changes) -> VacancyView:
    base = VacancyView(
        id=10,
        title="Pflegehelfer (m/w/d)",
        country="DE",
        status="open",
        valid_through=date(2027, 3, 31),
        occupation_uri=HEALTHCARE_ASSISTANT,
        essential_skills=(ELDERLY, VITAL_SIGNS),
        optional_skills=(FIRST_AID,),
        languages=(VacancyLanguage(language="de", min_level="B1"),),
        legal_route=LegalRoute(type="skilled_worker_visa"),
        vector=np.array([0.8, 0.6]),
    )
    return replace(base, **changes)


def test_a_missing_essential_skill_is_listed_and_costs_points():
    explanation = explain(profile(), vacancy(), TAXONOMY, today=TODAY)
    assert not explanation.excluded
    assert explanation.essential_missing == (VITAL_SIGNS,)
    assert {m.required for m in explanation.skills_met} == {ELDERLY, FIRST_AID}
    essential = next(p for p in explanation.parts if p.name == "essential_skills")
    assert essential.value == pytest.approx(0.5) and essential.detail == "1 of 2 essential skills met"
    complete = explain(profile(skills=frozenset({ELDERLY, VITAL_SIGNS, FIRST_AID})), vacancy(), TAXONOMY, today=TODAY)
    assert complete.score > explanation.score and complete.ready


def test_b1_profile_is_excluded_from_a_c1_vacancy_and_told_why():
    explanation = explain(profile(), vacancy(languages=(VacancyLanguage(language="de", min_level="C1"),)), TAXONOMY, today=TODAY)
    assert explanation.excluded
    (exclusion,) = explanation.exclusions
    assert exclusion.constraint == "language"
    assert "de: needs C1, has B1" in exclusion.message
    assert explanation.language_gaps[0].has == "B1"


def test_a_trainable_language_is_a_gap_not_an_exclusion():
    requirement = VacancyLanguage(language="de", min_level="B2", trainable=True)
    explanation = explain(profile(), vacancy(languages=(requirement,)), TAXONOMY, today=TODAY)
    assert not explanation.excluded and not explanation.ready
    assert explanation.language_gaps[0].describe() == "de: needs B2, has B1 (the employer trains it)"


def test_the_weakest_sub_skill_is_what_counts():
    uneven = LanguageSkill(language="de", reading="B2", listening="B2", spoken_interaction="A2", writing="B1")
    explanation = explain(profile(languages={"de": uneven}), vacancy(), TAXONOMY, today=TODAY)
    assert explanation.excluded and "has A2" in explanation.exclusions[0].message


@pytest.mark.parametrize(
    ("changes", "constraint", "words"),
    [
        ({"status": "filled"}, "status", "filled"),
        ({"valid_through": date(2026, 11, 1)}, "expired", "2026-11-01"),
        ({"country": "AT"}, "destination", "wants to go to DE"),
        ({"legal_route": LegalRoute(type="seasonal_work", name="seasonal scheme", eligible_origin_countries=["MA", "TN"])}, "legal_route", "MA, TN only"),
        ({"legal_route": LegalRoute(type="eu_blue_card", min_education_level=6)}, "legal_route", "ISCED level 6"),
    ],
)
def test_hard_constraints_exclude_with_a_reason(changes, constraint, words):
    explanation = explain(profile(), vacancy(**changes), TAXONOMY, today=TODAY)
    assert [e.constraint for e in explanation.exclusions] == [constraint]
    assert words in explanation.exclusions[0].message


def test_no_wished_destination_means_any_destination():
    assert not explain(profile(destination_countries=()), vacancy(country="AT"), TAXONOMY, today=TODAY).excluded


def test_near_skills_through_the_hierarchy_count_half():
    welder = profile(occupations=(OccupationHeld(uri=WELDER, title="welder", years=10),), skills=frozenset({MIG}))
    job = vacancy(occupation_uri=WELDER, essential_skills=(ARC,), optional_skills=(), languages=())
    explanation = explain(welder, job, TAXONOMY, today=TODAY)
    (met,) = explanation.skills_met
    assert (met.required, met.via, met.exact) == (ARC, MIG, False)
    assert next(p for p in explanation.parts if p.name == "essential_skills").value == pytest.approx(0.5)


def test_occupation_proximity_follows_isco_groups():
    assert TAXONOMY.occupation_proximity(NURSE_ASSISTANT, NURSE_ASSISTANT) == 1.0
    assert TAXONOMY.occupation_proximity(NURSE_ASSISTANT, HEALTHCARE_ASSISTANT) == 0.75
    assert TAXONOMY.occupation_proximity(NURSE_ASSISTANT, NURSE) == 0.0
    explanation = explain(profile(), vacancy(), TAXONOMY, today=TODAY)
    occupation = next(p for p in explanation.parts if p.name == "occupation")
    assert occupation.value == 0.75 and occupation.detail == "worked as nurse aide"


def test_score_is_the_sum_of_its_parts():
    explanation = explain(profile(), vacancy(), TAXONOMY, today=TODAY)
    assert explanation.score == pytest.approx(sum(p.weight * p.value for p in explanation.parts), abs=1e-4)
    assert sum(p.weight for p in explanation.parts) == pytest.approx(1.0)


def test_regulated_profession_is_not_presented_as_ready():
    job = vacancy(occupation_uri=NURSE, essential_skills=(ELDERLY,))
    explanation = explain(profile(skills=frozenset({ELDERLY, VITAL_SIGNS})), job, TAXONOMY, today=TODAY)
    assert explanation.regulated is not None and not explanation.regulated.recognised
    assert not explanation.ready and "recognised there before" in explanation.regulated.describe()
    recognised = Qualification(title="Nursing diploma", recognition="recognised", recognised_in=["DE"])
    done = explain(profile(skills=frozenset({ELDERLY}), qualifications=(recognised,)), job, TAXONOMY, today=TODAY)
    assert done.regulated.recognised


def test_ranking_puts_eligible_pairs_first_and_hides_excluded_unless_asked():
    pairs = [(profile(), vacancy(id=1)), (profile(), vacancy(id=2, country="IT")), (profile(), vacancy(id=3, essential_skills=(ELDERLY,)))]
    ranked = rank_pairs(pairs, TAXONOMY, today=TODAY)
    assert [r.vacancy_id for r in ranked] == [3, 1]
    everything = rank_pairs(pairs, TAXONOMY, today=TODAY, include_excluded=True)
    assert [r.vacancy_id for r in everything] == [3, 1, 2] and everything[-1].explanation.excluded
