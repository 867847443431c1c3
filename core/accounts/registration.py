"""Registering oneself: the account a person makes on the sign-up form.

Unlike an account an admin makes (core.accounts.users.create_user, the CLI), a person may
only choose one of SELF_SERVICE_ROLES and types the password twice. Signing the new
account in is the caller's business (a web session, core/accounts/login_sessions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.accounts.users import ORGANISATION_ROLES, SELF_SERVICE_ROLES, AccountError, User, account_problems, create_user
from core.db import session_scope


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


def registration_problems(session: Session, registration: Registration) -> dict[str, str]:
    """Everything wrong with the registration, as {field: problem code} (ACCOUNT_PROBLEMS); empty when fine."""
    problems = account_problems(
        session=session, username=registration.username, password=registration.password, role=registration.role,
        organisation=registration.organisation_named, display_name=registration.display_name,
    )  # fmt: skip
    if registration.role not in SELF_SERVICE_ROLES:
        problems["role"] = "role_not_self_service"
    if registration.password != registration.password_again:
        problems["password_again"] = "passwords_differ"
    return problems


def register_account(engine: Engine, registration: Registration, *, language: str) -> User:
    """Create the account, checked, in one transaction; AccountError lists every problem at
    once, so the form can show each next to its field."""
    with session_scope(engine) as db:
        problems = registration_problems(db, registration)
        if problems:
            raise AccountError(problems)
        user = create_user(
            session=db, username=registration.username, password=registration.password, role=registration.role,
            organisation=registration.organisation_named, display_name=registration.display_name, language=language,
        )  # fmt: skip
    return user
