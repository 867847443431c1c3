"""What an organisation's people are told (core/notifications): a review's decision, an
invitation used, and, for reviewers, a new organisation waiting."""

from __future__ import annotations

from sqlmodel import Session, select

from core.accounts.users import User
from core.notifications.kinds import register_kind
from core.notifications.service import notify_all
from core.organisations.models import N_, Organisation

MEMBER_ROLES = ("practitioner", "employer", "provider")
register_kind("verification", N_("A decision on your organisation's verification"), default="email", roles=MEMBER_ROLES)
register_kind("invitation_accepted", N_("Someone joined your organisation with an invitation"), roles=MEMBER_ROLES)
register_kind("organisation_pending", N_("A new organisation waits for review"), roles=("admin",))


def owners_of(session: Session, organisation_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.organisation_id == organisation_id, User.organisation_role == "owner",
                                                User.active)))  # type: ignore[arg-type]  # fmt: skip


def tell_decision(session: Session, organisation: Organisation, decision: str) -> None:
    people = list(session.exec(select(User).where(User.organisation_id == organisation.id, User.active)))  # type: ignore[arg-type]
    notify_all(session, people, kind="verification",
               params={"organisation_id": organisation.id, "organisation": organisation.name, "decision": decision})  # fmt: skip


def tell_joined(session: Session, organisation: Organisation, member: User) -> None:
    notify_all(session, [o for o in owners_of(session, organisation.id or 0) if o.id != member.id], kind="invitation_accepted",
               params={"organisation_id": organisation.id, "organisation": organisation.name, "member": member.name})  # fmt: skip


def tell_reviewers(session: Session, organisation: Organisation) -> None:
    admins = list(session.exec(select(User).where(User.role == "admin", User.active)))  # type: ignore[arg-type]
    notify_all(session, admins, kind="organisation_pending",
               params={"organisation_id": organisation.id, "organisation": organisation.name, "kind": organisation.kind})  # fmt: skip
