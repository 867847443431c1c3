"""The demo marketplace in seeds/matching/ loads, is varied, and matches."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from matching import records
from matching.matches import matches_for_profile
from matching.models import ServiceOffer, SkillProfile, Vacancy

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "matching"


def test_demo_marketplace_loads_with_duplicates_recognised(core_runtime):
    vacancies = records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    profiles = records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    offers = records.import_offers(core_runtime, SEEDS / "offers.jsonl")
    assert vacancies.created >= 200 and vacancies.merged == 5
    assert profiles.created >= 50 and offers.created >= 20
    with Session(core_runtime.engine) as session:
        rows = session.exec(select(Vacancy)).all()
        assert len({v.country for v in rows}) >= 8
        assert sum(len(v.sources) == 2 for v in rows) == 5
        assert session.exec(select(ServiceOffer)).first() is not None
        first = session.exec(select(SkillProfile).where(SkillProfile.consent_to_matching)).first()
    matches, _ = matches_for_profile(core_runtime, first.id, top=5)
    assert matches and all(not m.explanation.excluded for m in matches)
    again = records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    assert again.created == 0 and again.updated >= 200
