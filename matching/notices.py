"""What matching tells people (core/notifications), and who is told about a profile.

A profile's people are whoever acts for the migrant (their own account, or the
practitioners of the MRC holding it) and, where the migrant consented to it, the
practitioners of the MRCs they shared the profile with: those see a contact request
too, as the MRC follows the migrant's way. No notice carries more than its recipients
may see: a vacancy's title, an organisation's name, ids to link to.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from core.accounts.users import User
from core.notifications.kinds import register_kind
from core.organisations.models import N_
from matching.models import Consent, SkillProfile

MIGRANT_SIDE = ("migrant", "practitioner")
register_kind("contact_request", N_("An employer asks to contact you"), default="email", roles=MIGRANT_SIDE)
register_kind("contact_answer", N_("A candidate answered your contact request"), default="email", roles=("employer",))
register_kind("pipeline_move", N_("Where you stand in a hiring process changed"), roles=MIGRANT_SIDE)
register_kind("new_match", N_("A new vacancy matches your profile"), roles=MIGRANT_SIDE)
register_kind("search_hit", N_("A new vacancy fits a search you saved"), roles=("migrant",))
register_kind("alert_digest", N_("Your daily digest of new vacancies"), default="email", roles=("migrant",))
register_kind("referral_received", N_("An organisation referred someone to you"), default="email", roles=("practitioner", "provider"))
register_kind("referral_answer", N_("News of a referral"), roles=("practitioner", "provider", "migrant"))
register_kind("referral_consent", N_("A referral waits for your consent"), default="email", roles=("migrant",))
register_kind("consent_expiring", N_("A consent you gave ends in two weeks"), default="email", roles=MIGRANT_SIDE)


def staff_of(session: Session, organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(session.exec(select(User).where(User.organisation_id == organisation_id, User.active).order_by(User.id)))  # type: ignore[arg-type]


def acting_for(session: Session, profile: SkillProfile) -> list[User]:
    """Who answers for the migrant: their own account, or the holding MRC's practitioners."""
    if profile.mrc_id is not None:
        return [u for u in staff_of(session, profile.mrc_id) if u.role == "practitioner"]
    owner = session.exec(select(User).where(User.username == profile.owner, User.active)).first()  # type: ignore[arg-type]
    return [owner] if owner is not None and owner.role == "migrant" else []


def following(session: Session, profile: SkillProfile, *, now: datetime | None = None) -> list[User]:
    """The practitioners of the MRCs the migrant shared the profile with (active consents)."""
    now = now or datetime.now(timezone.utc)
    centres = {
        c.recipient_id
        for c in session.exec(select(Consent).where(Consent.profile_id == profile.id, Consent.recipient_kind == "mrc"))
        if c.active(now) and c.recipient_id is not None and c.recipient_id != profile.mrc_id
    }
    return [u for centre in sorted(centres) for u in staff_of(session, centre) if u.role == "practitioner"]


def people_of(session: Session, profile: SkillProfile) -> list[User]:
    return acting_for(session, profile) + following(session, profile)
