"""Who belongs to an organisation: invitations (single use, expiring), removing a member,
handing ownership over, and the review that verifies or suspends an organisation.

Each function is one thing a person does, owning its transaction and its audit event
(object type "organisation"), so the pages and the JSON API record the same.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.accounts import audit
from core.accounts.users import User, find_user
from core.db import session_scope
from core.organisations.models import N_, Invitation, Organisation, name_key, utcnow
from core.organisations.notices import tell_decision, tell_joined
from core.organisations.service import (
    OrganisationDetails,
    OrganisationError,
    get_organisation,
    join,
    member_role_for,
    review_organisation,
)

INVITATION_DAYS = 7
# What the owners change on the edit form (the kind never changes; the name by the rule below).
DETAIL_COLUMNS = ("name", "country", "city", "website", "registration_number", "contact", "description", "services",
                  "languages", "sectors")  # fmt: skip
MAX_OPEN_INVITATIONS = 50


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_owner(user: User | None, organisation_id: int) -> bool:
    return user is not None and user.organisation_id == organisation_id and user.organisation_role == "owner"


def may_manage(user: User | None, organisation_id: int) -> bool:
    """Members, invitations and ownership are the owners' (and admins') business."""
    return is_owner(user, organisation_id) or (user is not None and user.role == "admin")


def _owned(session: Session, owner: User, organisation_id: int) -> Organisation:
    organisation = get_organisation(session, organisation_id)
    if not may_manage(owner, organisation_id):
        raise OrganisationError(N_("Only an owner of the organisation may do this."), field="organisation")
    return organisation


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # shown once, in the link; only its hash is kept


def invite(engine: Engine, *, owner: User, organisation_id: int, note: str = "", days: int = INVITATION_DAYS,
           now: datetime | None = None) -> NewInvitation:
    """A link for one person to join as staff, valid `days` days, usable once."""
    now = now or utcnow()
    note = " ".join((note or "").split())
    if len(note) > 200:
        raise OrganisationError(N_("Say whom the invitation is for in at most 200 characters."), field="note")
    with session_scope(engine) as session:
        organisation = _owned(session, owner, organisation_id)
        open_count = sum(1 for item in open_invitations(session, organisation_id, now=now))
        if open_count >= MAX_OPEN_INVITATIONS:
            raise OrganisationError(N_("Too many invitations are open: withdraw some first."), field="note")
        token = secrets.token_urlsafe(24)
        invitation = Invitation(
            organisation_id=organisation.id or 0, token_hash=_token_hash(token), note=note,
            created_by=owner.username, created_at=now, expires_at=now + timedelta(days=days),
        )  # fmt: skip
        session.add(invitation)
        session.flush()
        audit.record(session, owner, "update", "organisation", organisation.id, f"invitation {invitation.id} created {note}".strip())
    return NewInvitation(invitation, token)


def open_invitations(session: Session, organisation_id: int, *, now: datetime | None = None) -> list[Invitation]:
    now = now or utcnow()
    query = select(Invitation).where(Invitation.organisation_id == organisation_id).order_by(Invitation.id.desc())  # type: ignore[attr-defined]
    return [item for item in session.exec(query).all() if item.open(now)]


def invitation_for(session: Session, token: str, *, now: datetime | None = None) -> tuple[Invitation, Organisation]:
    """The open invitation behind a link, or OrganisationError saying why it cannot be used."""
    now = now or utcnow()
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == _token_hash(token or ""))).first()
    if invitation is None:
        raise OrganisationError(N_("This invitation link is not known. Ask the organisation for a new one."), field="invitation")
    if invitation.used_at is not None:
        raise OrganisationError(N_("This invitation has been used already. Ask the organisation for a new one."), field="invitation")
    if invitation.withdrawn_at is not None or not invitation.open(now):
        raise OrganisationError(N_("This invitation has expired. Ask the organisation for a new one."), field="invitation")
    return invitation, get_organisation(session, invitation.organisation_id)


def accept_invitation(session: Session, token: str, user: User, *, now: datetime | None = None) -> Organisation:
    """The account joins as staff; the invitation is used up. In the caller's transaction
    (signing up through a link creates the account in the same one)."""
    now = now or utcnow()
    invitation, organisation = invitation_for(session, token, now=now)
    if user.organisation_id is not None:
        raise OrganisationError(N_("Your account already belongs to an organisation."), field="invitation")
    if user.role != member_role_for(organisation):
        raise OrganisationError(
            N_("This invitation is for another kind of account: sign in with an account of that kind, or create one."),
            field="invitation",
        )
    invitation.used_at = now
    invitation.used_by = user.username
    session.add(invitation)
    join(session, user, organisation, role="staff")
    audit.record(session, user, "update", "organisation", organisation.id, f"joined as staff (invitation {invitation.id})")
    tell_joined(session, organisation, user)
    return organisation


def withdraw_invitation(engine: Engine, *, owner: User, organisation_id: int, invitation_id: int) -> None:
    with session_scope(engine) as session:
        _owned(session, owner, organisation_id)
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.organisation_id != organisation_id:
            raise OrganisationError(N_("There is no such invitation."), field="invitation")
        if invitation.withdrawn_at is None and invitation.used_at is None:
            invitation.withdrawn_at = utcnow()
            session.add(invitation)
            audit.record(session, owner, "update", "organisation", organisation_id, f"invitation {invitation_id} withdrawn")


def _member(session: Session, organisation_id: int, username: str) -> User:
    member = find_user(session, username)
    if member is None or member.organisation_id != organisation_id:
        raise OrganisationError(N_("That account is not a member of the organisation."), field="member")
    return member


def remove_member(engine: Engine, *, owner: User, organisation_id: int, username: str) -> None:
    """The account leaves the organisation (it keeps existing, with no organisation)."""
    with session_scope(engine) as session:
        _owned(session, owner, organisation_id)
        member = _member(session, organisation_id, username)
        if member.organisation_role == "owner" and not _other_owner(session, organisation_id, member.username):
            raise OrganisationError(N_("Hand ownership to another member before the last owner leaves."), field="member")
        member.organisation_id = None
        member.organisation_role = ""
        member.organisation = ""
        session.add(member)
        audit.record(session, owner, "update", "organisation", organisation_id, f"member {member.id} removed")


def hand_over(engine: Engine, *, owner: User, organisation_id: int, username: str) -> None:
    """Make a member the owner; the one handing over stays, as staff."""
    with session_scope(engine) as session:
        _owned(session, owner, organisation_id)
        member = _member(session, organisation_id, username)
        member.organisation_role = "owner"
        session.add(member)
        if owner.organisation_id == organisation_id and owner.username != member.username:
            current = session.get(User, owner.id)
            if current is not None:
                current.organisation_role = "staff"
                session.add(current)
        audit.record(session, owner, "update", "organisation", organisation_id, f"ownership handed to member {member.id}")


def _other_owner(session: Session, organisation_id: int, username: str) -> bool:
    query = select(User).where(User.organisation_id == organisation_id, User.organisation_role == "owner", User.username != username)
    return session.exec(query).first() is not None


def review(engine: Engine, *, reviewer: User, organisation_id: int, decision: str, note: str) -> Organisation:
    """Verify or suspend an organisation; the caller has checked that the reviewer may."""
    with session_scope(engine) as session:
        organisation = review_organisation(
            session, get_organisation(session, organisation_id), reviewer=reviewer, decision=decision, note=note
        )
        audit.record(session, reviewer, "update", "organisation", organisation_id, f"{decision}: {note.strip()}")
        tell_decision(session, organisation, decision)
    return organisation


def update_details(engine: Engine, *, owner: User, organisation_id: int, details: OrganisationDetails) -> Organisation:
    """The owners keep their organisation's details up to date (what reviewers check).

    The kind never changes, and only an admin renames a verified organisation: a rename
    by its owners could borrow another organisation's standing; a pending one may still
    correct its name before the review."""
    with session_scope(engine) as session:
        organisation = _owned(session, owner, organisation_id)
        checked = OrganisationDetails(**{**details.__dict__, "kind": organisation.kind}).checked()
        if checked.name != organisation.name and organisation.status != "pending" and owner.role != "admin":
            raise OrganisationError(N_("Only an administrator renames a verified or suspended organisation."), field="organisation")
        stored = {name: list(value) if isinstance(value, tuple) else value for name, value in checked.__dict__.items()}
        changed = [name for name in DETAIL_COLUMNS if getattr(organisation, name) != stored[name]]
        for name in changed:
            setattr(organisation, name, stored[name])
        organisation.name_key = name_key(organisation.name)
        session.add(organisation)
        if changed:
            audit.record(session, owner, "update", "organisation", organisation_id, f"details changed: {', '.join(changed)}")
        session.flush()
    return organisation
