"""What an organisation's people are told (core/notifications): a review's decision, an
invitation used, for reviewers a new organisation waiting, and what another organisation
asks, answers or writes in a partnership thread (core/organisations/partnerships.py)."""

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
register_kind("partnership_request", N_("Another organisation asks yours for a partnership or for contact"), default="email",
              roles=MEMBER_ROLES)  # fmt: skip
register_kind("partnership_answer", N_("Another organisation answered a partnership request"), roles=MEMBER_ROLES)
register_kind("partnership_message", N_("A new message in a thread with another organisation"), roles=MEMBER_ROLES)


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


def members_of(session: Session, organisation_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.organisation_id == organisation_id, User.active).order_by(User.id)))  # type: ignore[arg-type]


def tell_partnership(session: Session, kind: str, partnership_id: int, *, sender: Organisation, recipient: Organisation,
                     **params: str) -> int:  # fmt: skip
    """Every member of `recipient` is told what `sender` did in their thread (organisation
    names and ids only: an author's name would outlive the author's erasure here)."""
    return notify_all(session, members_of(session, recipient.id or 0), kind=kind,
                      params={"partnership_id": partnership_id, "organisation_id": sender.id, "organisation": sender.name,
                              "recipient": recipient.name, **params})  # fmt: skip
