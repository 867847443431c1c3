"""A consent that ends in REMIND_BEFORE is told once to whoever acts for the migrant,
with a one-click renewal for the same length as it was given."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.service import notify_all
from core.organisations.models import N_
from matching.access import acts_for_migrant
from matching.models import Consent, SkillProfile, utcnow
from matching.notices import acting_for

REMIND_BEFORE = timedelta(days=14)
MAX_DAYS = 730


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def remind_expiring(engine: Engine, *, now: datetime | None = None) -> int:
    """Tell of the active consents that end within two weeks, once each; how many."""
    now = now or utcnow()
    told = 0
    with session_scope(engine) as session:
        due = session.exec(
            select(Consent).where(Consent.withdrawn_at.is_(None), Consent.reminded_at.is_(None),  # type: ignore[union-attr]
                                  Consent.expires_at > now, Consent.expires_at <= now + REMIND_BEFORE)  # type: ignore[operator]  # fmt: skip
        ).all()
        for consent in due:
            consent.reminded_at = now
            session.add(consent)
            profile = session.get(SkillProfile, consent.profile_id)
            if profile is None:
                continue
            notify_all(session, acting_for(session, profile), kind="consent_expiring",
                       params={"profile_id": profile.id, "consent_id": consent.id, "recipient": consent.recipient,
                               "expires": _aware(consent.expires_at, now).date().isoformat()})  # fmt: skip
            told += 1
    return told


def renew_consent(engine: Engine, *, actor: User, profile_id: int, consent_id: int, now: datetime | None = None) -> Consent:
    """The consent runs again from today for as long as it was first given."""
    now = now or utcnow()
    with session_scope(engine) as session:
        profile = session.get(SkillProfile, profile_id)
        consent = session.get(Consent, consent_id)
        if profile is None or consent is None or consent.profile_id != profile_id or not acts_for_migrant(actor, profile):
            raise NotFound("There is no such consent.", field="consent")
        if not consent.active(now):
            raise HeadstartError(N_("This consent has ended: give a new one instead."), field="consent")
        length = _aware(consent.expires_at, now) - _aware(consent.granted_at, now)
        days = max(1, min(MAX_DAYS, round(length.total_seconds() / 86400)))
        consent.expires_at, consent.reminded_at = now + timedelta(days=days), None
        session.add(consent)
        audit.record(session, actor, "consent_grant", "profile", profile_id, f"{consent.recipient_kind}: {consent.recipient}, renewed for {days} days")
        return consent
