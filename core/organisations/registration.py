"""Registering oneself: the account a person makes on the sign-up form.

Unlike an account an admin makes (core.accounts.users.create_user, the CLI), a person may
only choose one of SELF_SERVICE_ROLES and types the password twice. An employer or a
provider registering makes a new organisation, pending until an MRC or an admin verifies
it: typing an existing organisation's name never joins it (the reviewers see the likeness).
Staff join an existing organisation only through an invitation link, which fixes their
role. Signing the new account in is the caller's business (a web session).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.accounts import audit
from core.accounts.users import (
    ORGANISATION_ROLES,
    SELF_SERVICE_ROLES,
    AccountError,
    User,
    account_problems,
    create_user,
)
from core.db import session_scope
from core.organisations.membership import accept_invitation, invitation_for
from core.organisations.models import KIND_OF_ROLE
from core.organisations.notices import tell_reviewers
from core.organisations.service import (
    OrganisationDetails,
    join,
    member_role_for,
    new_organisation,
    trusted_organisation,
)


@dataclass(frozen=True)
class Registration:
    """What the person typed, as typed."""

    username: str
    display_name: str
    role: str
    organisation: str
    password: str
    password_again: str

    @property
    def organisation_named(self) -> str:
        """The organisation, kept only for roles that work for one."""
        return self.organisation if self.role in ORGANISATION_ROLES else ""


def registration_problems(session: Session, registration: Registration, *, invited: bool = False) -> dict[str, str]:
    """Everything wrong with the registration, as {field: problem code} (ACCOUNT_PROBLEMS); empty when fine.
    `invited`: the role comes from an invitation, which may make a practitioner."""
    problems = account_problems(
        session=session, username=registration.username, password=registration.password, role=registration.role,
        organisation=registration.organisation_named, display_name=registration.display_name,
    )  # fmt: skip
    if registration.role not in SELF_SERVICE_ROLES and not invited:
        problems["role"] = "role_not_self_service"
    if registration.password != registration.password_again:
        problems["password_again"] = "passwords_differ"
    return problems


def register_account(engine: Engine, registration: Registration, *, language: str, invitation: str | None = None) -> User:
    """Create the account, checked, in one transaction, with its new organisation or
    joining the one that invited it. AccountError lists every problem at once, so the
    form can show each next to its field; OrganisationError says why an invitation
    cannot be used."""
    with session_scope(engine) as db:
        if invitation:
            _, organisation = invitation_for(db, invitation)
            registration = replace(registration, role=member_role_for(organisation), organisation=organisation.name)
        problems = registration_problems(db, registration, invited=bool(invitation))
        if problems:
            raise AccountError(problems)
        user = create_user(
            session=db, username=registration.username, password=registration.password, role=registration.role,
            organisation=registration.organisation_named, display_name=registration.display_name, language=language,
        )  # fmt: skip
        if invitation:
            accept_invitation(db, invitation, user)
        elif registration.role in KIND_OF_ROLE:
            details = OrganisationDetails(kind=KIND_OF_ROLE[registration.role], name=registration.organisation_named)
            organisation = new_organisation(db, details)
            join(db, user, organisation, role="owner")
            audit.record(db, user, "create", "organisation", organisation.id, "registered, pending review")
            tell_reviewers(db, organisation)
    return user


def create_member_account(
    session: Session, *, username: str, password: str, role: str, organisation: str = "", display_name: str = "",
    language: str = "en", by: str, organisation_status: str = "verified",
) -> User:
    """An account an admin makes (the command line, the demo seeding), in the caller's
    transaction. Its organisation is found by exact name among those of its kind, or made
    (`organisation_status`, verified by default: the admin vouches for it); the first
    member becomes its owner, later ones staff."""
    user = create_user(
        session=session, username=username, password=password, role=role,
        organisation=organisation if role in ORGANISATION_ROLES else "", display_name=display_name, language=language,
    )  # fmt: skip
    if role in KIND_OF_ROLE and organisation.strip():
        found = trusted_organisation(session, kind=KIND_OF_ROLE[role], name=organisation, by=by,
                                     note=f"Made with its first account by {by}.", status=organisation_status)
        has_owner = session.exec(
            select(User.id).where(User.organisation_id == found.id, User.organisation_role == "owner")
        ).first() is not None
        join(session, user, found, role="staff" if has_owner else "owner")
    return user
