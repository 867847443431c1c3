"""The demo marketplace in seeds/matching/ loads, is varied, and matches."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from core.accounts.users import find_user
from core.embeddings.encoder import Encoder
from core.runtime import Runtime
from matching import records
from matching.candidates import candidates_for_vacancy
from matching.gaps import matches_with_gaps
from matching.matches import matches_for_profile
from matching.models import ServiceOffer, SkillProfile, Vacancy
from matching.referral_models import Referral
from tests.fakes import FAKE_MODEL_NAME
from tests.signing_in import plant_sign_in
from webapp.app import create_app
from webapp.demo_seed import seed_demo

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


class _ModelMustNotLoad(Encoder):
    """An encoder whose model is not there: any text that is not cached fails the test."""

    @property
    def backend(self):
        raise AssertionError("the embedding model was loaded")


def test_after_seeding_a_fresh_process_serves_matches_and_candidates_without_the_model(runtime, settings, engine):
    """The first matches page used to encode 255 vacancy texts and load the model (13.8 s
    on an idle 2-core machine, past 15 s under load): seeding now leaves every text it
    needs in the embedding cache, so a new worker has nothing to encode."""
    assert seed_demo(runtime, demo_users=True, echo=lambda _message: None)
    with Session(engine) as session:  # the demo referral: Victor to the integration service, accepted
        (referral,) = session.exec(select(Referral)).all()
        assert referral.status == "accepted" and referral.packet["summary"] and referral.purpose.startswith("First weeks")
    runtime.close()
    fresh = Runtime(settings, encoder=_ModelMustNotLoad(FAKE_MODEL_NAME, engine=engine))
    fresh.__dict__["engine"] = engine
    try:
        with Session(engine) as session:
            migrant = find_user(session, "demo-migrant-01")
            employer = find_user(session, "employer")
            profile = session.exec(select(SkillProfile).where(SkillProfile.owner == migrant.username)).first()
            vacancy = session.exec(select(Vacancy).where(Vacancy.employer == employer.organisation)).first()
        items, _ = matches_with_gaps(fresh, profile.id, top=10)
        assert items and any(item.library for item in items if not item.match.explanation.ready)
        candidates, _ = candidates_for_vacancy(fresh, vacancy.id, top=10)
        assert candidates

        app = create_app(runtime=fresh)
        app.config.update(TESTING=True)
        client = app.test_client()
        plant_sign_in(client, migrant, "csrf-demo")
        page = client.get(f"/profiles/{profile.id}/matches")
        assert page.status_code == 200 and b"match" in page.data.lower()
        assert fresh.encoder.texts_encoded == 0
    finally:
        fresh.close()
