"""Who stands where in a referral, and the moves each side may make.

Only the two organisations and the migrant see a referral; an organisation that is not
verified (suspended, say) loses access to its referrals at once, as it loses its listing.
The receiver accepts or declines (with a reason), marks the work started, and closes it
with an outcome; the sender may withdraw an open referral. Each move is an event with
who and when, and the other side is told.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.accounts.users import User
from core.db import session_scope
from core.errors import NotFound
from core.notifications.service import notify_all
from core.organisations.models import N_, Organisation
from matching.access import acts_for_migrant
from matching.models import SkillProfile, utcnow
from matching.notices import acting_for, staff_of
from matching.referral_models import (
    MAX_REASON,
    OPEN_STATUSES,
    OUTCOMES,
    Referral,
    ReferralEvent,
)
from matching.referrals import ReferralError, referrals_of_profile

# status -> the statuses the receiver may move it to
RECEIVER_MOVES = {"sent": ("accepted", "declined"), "accepted": ("in_progress", "closed"), "in_progress": ("closed",)}


def _verified_member(session: Session, user: User, organisation_id: int) -> bool:
    if user.organisation_id != organisation_id:
        return False
    organisation = session.get(Organisation, organisation_id)
    return organisation is not None and organisation.verified


def side_of(session: Session, user: User | None, referral: Referral) -> str | None:
    """"sender", "receiver", "migrant" or None (who sees nothing: not even that it exists)."""
    if user is None:
        return None
    if _verified_member(session, user, referral.from_organisation_id):
        return "sender"
    if referral.status != "awaiting_consent" and _verified_member(session, user, referral.to_organisation_id):
        return "receiver"
    profile = session.get(SkillProfile, referral.profile_id)
    if profile is not None and user.role == "migrant" and acts_for_migrant(user, profile):
        return "migrant"
    return None


def referrals_seen_by(session: Session, user: User | None, profile_id: int) -> list[Referral]:
    """A profile's referrals that this person may see (its page lists them), newest first."""
    return [r for r in referrals_of_profile(session, profile_id) if side_of(session, user, r) is not None]


def referral_for(session: Session, user: User | None, referral_id: int, *, sides: tuple[str, ...] | None = None
                 ) -> tuple[Referral, str]:  # fmt: skip
    referral = session.get(Referral, referral_id)
    side = side_of(session, user, referral) if referral is not None else None
    if referral is None or side is None:
        raise NotFound("There is no such referral.", field="referral")
    if sides is not None and side not in sides:
        raise ReferralError(N_("Only the receiving organisation can do that."), field="referral")
    return referral, side


def _tell_others(session: Session, referral: Referral, actor: User) -> None:
    profile = session.get(SkillProfile, referral.profile_id)
    people = staff_of(session, referral.from_organisation_id) + staff_of(session, referral.to_organisation_id)
    people += [u for u in acting_for(session, profile) if u.role == "migrant"] if profile else []
    receiver = session.get(Organisation, referral.to_organisation_id)
    notify_all(session, [u for u in people if u.id != actor.id], kind="referral_answer",
               params={"referral_id": referral.id, "status": referral.status, "purpose": referral.purpose,
                       "organisation": receiver.name if receiver else ""})  # fmt: skip


def _move(session: Session, referral: Referral, actor: User, status: str, note: str = "") -> Referral:
    referral.status, referral.updated_at = status, utcnow()
    session.add(referral)
    session.add(ReferralEvent(referral_id=referral.id or 0, status=status, by=actor.username,
                              organisation_id=actor.organisation_id, note=note))  # fmt: skip
    _tell_others(session, referral, actor)
    return referral


def _tidy(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_REASON:
        raise ReferralError(N_("Write at most 1,000 characters."), field="reason")
    return text


def answer_referral(engine: Engine, *, actor: User, referral_id: int, accept: bool, reason: str = "") -> Referral:
    reason = _tidy(reason)
    if not accept and not reason:
        raise ReferralError(N_("Say why you decline, so the sending centre can look elsewhere."), field="reason")
    with session_scope(engine) as session:
        referral, _ = referral_for(session, actor, referral_id, sides=("receiver",))
        if referral.status != "sent":
            raise ReferralError(N_("This referral has been answered already."), field="referral")
        if not accept:
            referral.reason = reason
        return _move(session, referral, actor, "accepted" if accept else "declined", reason)


def start_referral(engine: Engine, *, actor: User, referral_id: int) -> Referral:
    with session_scope(engine) as session:
        referral, _ = referral_for(session, actor, referral_id, sides=("receiver",))
        if "in_progress" not in RECEIVER_MOVES.get(referral.status, ()):
            raise ReferralError(N_("Accept the referral before you start the work."), field="referral")
        return _move(session, referral, actor, "in_progress")


def close_referral(engine: Engine, *, actor: User, referral_id: int, outcome: str, note: str = "") -> Referral:
    """The receiver closes accepted work with how it ended; the sender withdraws an open one."""
    note = _tidy(note)
    with session_scope(engine) as session:
        referral, side = referral_for(session, actor, referral_id, sides=("receiver", "sender"))
        if referral.status not in OPEN_STATUSES:
            raise ReferralError(N_("This referral is closed already."), field="referral")
        if side == "sender":
            outcome = "withdrawn"
        elif outcome not in OUTCOMES or outcome == "withdrawn":
            raise ReferralError(N_("Choose how it ended."), field="outcome")
        elif "closed" not in RECEIVER_MOVES.get(referral.status, ()):
            raise ReferralError(N_("Accept the referral before you close it."), field="referral")
        referral.outcome, referral.outcome_note = outcome, note
        return _move(session, referral, actor, "closed", note)
