"""The vacancy pool scores and filters exactly as explain() does, for every vacancy at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from matching import match_service, records
from matching.matcher import explain
from matching.models import SkillProfile, Vacancy
from matching.vacancy_pool import VacancyPool
from tests.test_matcher import TAXONOMY, profile, vacancy

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "matching"
TODAY = date(2026, 11, 22)


def test_pool_scores_equal_explain_on_hand_made_cases():
    from matching.models import LegalRoute, VacancyLanguage

    views = [
        vacancy(id=1),
        vacancy(id=2, country="AT"),
        vacancy(id=3, essential_skills=()),
        vacancy(id=4, languages=(VacancyLanguage(language="de", min_level="B2", trainable=True),)),
        vacancy(id=5, legal_route=LegalRoute(eligible_origin_countries=["MA"])),
        vacancy(id=6, valid_through=date(2026, 1, 1)),
        vacancy(id=7, occupation_uri=None, vector=None, optional_skills=()),
    ]
    pool = VacancyPool(views, TAXONOMY)
    person = profile()
    scores = pool.scores(person)
    eligible = pool.eligible(person, TODAY)
    for row, view in enumerate(views):
        explanation = explain(person, view, TAXONOMY, today=TODAY)
        assert scores[row] == pytest.approx(explanation.score, abs=1e-4), view.id
        assert eligible[row] == (not explanation.excluded), view.id


def test_pool_ranking_equals_explaining_every_demo_vacancy(core_runtime):
    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    with Session(core_runtime.engine) as session:
        profile_ids = [p.id for p in session.exec(select(SkillProfile)).all()][:15]
        assert session.exec(select(Vacancy)).first() is not None
    for profile_id in profile_ids:
        pooled, _ = match_service.matches_for_profile(core_runtime, profile_id, top=10, today=TODAY)
        everything, _ = match_service.matches_for_profile(core_runtime, profile_id, top=100, include_excluded=True, today=TODAY)
        expected = [m for m in everything if not m.explanation.excluded][:10]
        assert [m.vacancy.id for m in pooled] == [m.vacancy.id for m in expected]
        assert [m.explanation.score for m in pooled] == [m.explanation.score for m in expected]


def test_a_new_vacancy_joins_the_pool_at_once(core_runtime):
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    first, _ = match_service.matches_for_profile(core_runtime, 1, today=TODAY)
    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    second, _ = match_service.matches_for_profile(core_runtime, 1, today=TODAY)
    assert len(second) > len(first)
    assert np.all(np.diff([m.explanation.score for m in second]) <= 1e-9)
