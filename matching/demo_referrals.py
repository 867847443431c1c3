"""The demo's referral: the demo MRC refers Victor (a profile it holds) to the German
integration service for arrival support, his consent recorded in the same step, and the
service has accepted it, so both sides' pages, the packet and the history can be tried
after `make demo`. Through the same use cases as the pages (audit events, notices
included); made once: a second seeding finds it.
"""

from __future__ import annotations

from sqlmodel import Session, select

from core.accounts.users import find_user
from core.organisations.models import Organisation
from core.runtime import Runtime
from matching.case_notes import CaseNote
from matching.models import SkillProfile
from matching.referral_models import Referral
from matching.referral_moves import answer_referral
from matching.referrals import Packet, ReferralRequest, create_referral

PROFILE, RECEIVER = "demo-prof-02", ("integration_service", "Integrationsdienst Rhein-Main")
SENDER_USER, RECEIVER_USER = "practitioner", "integration"
PURPOSE = "First weeks after arrival in Frankfurt: registration at the town hall, a room, a German course"


def load_demo_referrals(runtime: Runtime) -> int:
    """Returns how many referrals it made (0 or 1)."""
    with Session(runtime.engine) as db:
        profile = db.exec(select(SkillProfile).where(SkillProfile.external_id == PROFILE)).first()
        receiver = db.exec(select(Organisation).where(Organisation.kind == RECEIVER[0], Organisation.name == RECEIVER[1])).first()
        sender, answerer = find_user(db, SENDER_USER), find_user(db, RECEIVER_USER)
        if None in (profile, receiver, sender, answerer):
            return 0
        if db.exec(select(Referral).where(Referral.profile_id == profile.id)).first() is not None:
            return 0
        notes = tuple(n.id for n in db.exec(select(CaseNote).where(CaseNote.profile_id == profile.id)) if n.id)[:1]
    asked = ReferralRequest(profile_id=profile.id or 0, to_organisation_id=receiver.id or 0, purpose=PURPOSE,
                            packet=Packet(summary=True, orientation=True, case_note_ids=notes), consent_days=365)  # fmt: skip
    referral = create_referral(runtime.engine, actor=sender, asked=asked)
    answer_referral(runtime.engine, actor=answerer, referral_id=referral.id or 0, accept=True)
    return 1
