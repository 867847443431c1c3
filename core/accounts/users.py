"""Accounts, roles and sign-in rules, shared by the web app, the CLI and the tests.

Roles decide what a person may do; organisations decide whose records they may touch
(an employer's vacancies carry the employer's organisation name, a provider's offers the
provider's). Passwords are stored as scrypt hashes only. Failed sign-ins are counted in
the database, not in process memory, so throttling holds across worker processes and
restarts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Literal, get_args

from sqlalchemy import Column, Text, delete, func
from sqlmodel import Field, Session, SQLModel, select
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import HeadstartError

Role = Literal["migrant", "practitioner", "employer", "provider", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
# Roles anyone may choose when registering; practitioners and admins are made by an admin.
SELF_SERVICE_ROLES: tuple[str, ...] = ("migrant", "employer", "provider")
# Roles whose records belong to an organisation, which must then be named.
ORGANISATION_ROLES: tuple[str, ...] = ("practitioner", "employer", "provider")
UI_LANGUAGES: tuple[str, ...] = ("en", "fr", "ar")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,59}$")
# Failed sign-ins allowed per account (and, more loosely, per client address) in the
# window before further attempts are refused until the window has passed.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=15)
PASSWORD_HASH_METHOD = "scrypt"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    organisation: str = Field(default="", max_length=200)  # the organisation's name, as shown (access goes by id)
    # The organisation the account works for (core/organisations), and its place in it.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    organisation_role: str = Field(default="", max_length=10)  # owner | staff | "" (no organisation)
    language: str = Field(default="en", max_length=5)
    # Where notifications go by e-mail when the person chose so (core/notifications).
    email: str | None = Field(default=None, max_length=320)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def name(self) -> str:
        return self.display_name or self.username


class LoginFailure(SQLModel, table=True):
    """One failed sign-in; rows older than the window are pruned on the next attempt."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, index=True)
    client: str = Field(max_length=100, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class TooManyAttempts(HeadstartError):
    status_code = 429


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# What can be wrong with a new account, by code; the web layer shows each in the
# reader's language next to its field, the CLI prints the English text.
ACCOUNT_PROBLEMS = {
    "username_format": "A user name has 3 to 60 characters: lower-case letters, digits, and . _ @ - (starting with a letter or digit).",
    "username_taken": "This user name is taken; choose another.",
    "role_unknown": f"Unknown role; one of {', '.join(ROLES)}.",
    "organisation_missing": "Name the organisation this account works for.",
    "name_too_long": "Names may have at most 200 characters.",
    "password_short": f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
    "password_long": f"The password may have at most {MAX_PASSWORD_LENGTH} characters.",
    # Registering oneself (core/organisations/registration.py):
    "role_not_self_service": f"Choose one of {', '.join(SELF_SERVICE_ROLES)}; other accounts are made by an administrator.",
    "passwords_differ": "The two passwords differ.",
    "email_invalid": "Give an e-mail address like name@example.org, or leave it empty.",
}


class AccountError(HeadstartError):
    """Every problem of a new account at once, as {field: problem code}."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(ACCOUNT_PROBLEMS[code] for code in problems.values()), field=next(iter(problems)))
        self.problems = problems


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password_long"
    return None


def account_problems(
    *, session: Session, username: str, password: str, role: str, organisation: str = "", display_name: str = ""
) -> dict[str, str]:
    """Everything wrong with a new account, as {field: problem code}; empty when fine."""
    username = normalise_username(username)
    organisation = organisation.strip()
    problems: dict[str, str] = {}
    if role not in ROLES:
        problems["role"] = "role_unknown"
    if not USERNAME_PATTERN.match(username):
        problems["username"] = "username_format"
    elif session.exec(select(User.id).where(User.username == username)).first() is not None:
        problems["username"] = "username_taken"
    if len(display_name) > 200:
        problems["display_name"] = "name_too_long"
    if len(organisation) > 200:
        problems["organisation"] = "name_too_long"
    elif role in ORGANISATION_ROLES and not organisation:
        problems["organisation"] = "organisation_missing"
    if (problem := password_problem(password)) is not None:
        problems["password"] = problem
    return problems


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    organisation: str = "",
    display_name: str = "",
    language: str = "en",
) -> User:
    problems = account_problems(
        session=session, username=username, password=password, role=role, organisation=organisation, display_name=display_name
    )
    if problems:
        raise AccountError(problems)
    username = normalise_username(username)
    organisation = organisation.strip()
    if language not in UI_LANGUAGES:
        language = "en"
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        organisation=organisation,
        language=language,
        password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normalise_username(username))).first()


def _recent_failures(session: Session, column, value: str, since: datetime) -> int:
    return session.exec(select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since)).one()


def authenticate(*, session: Session, username: str, password: str, client: str, now: datetime | None = None) -> User:
    """The user for these credentials, or a HeadstartError that reveals nothing useful.

    The same message answers an unknown name and a wrong password, so the form cannot be
    used to find out who has an account.
    """
    now = now or utcnow()
    username = normalise_username(username)[:60]
    client = (client or "unknown")[:100]
    since = now - FAILURE_WINDOW
    session.exec(delete(LoginFailure).where(LoginFailure.at < since))
    if (
        _recent_failures(session, LoginFailure.username, username, since) >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, LoginFailure.client, client, since) >= MAX_FAILURES_PER_CLIENT
    ):
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(f"Too many failed sign-ins. Wait {minutes} minutes and try again.")
    user = find_user(session, username)
    # Hash even for unknown users so both answers take the same time.
    stored = user.password_hash if user else _dummy_hash()
    valid = check_password_hash(stored, password or "")
    if user is None or not valid or not user.active:
        session.add(LoginFailure(username=username, client=client, at=now))
        session.commit()  # the failure must count even though the caller's transaction fails
        raise HeadstartError("The user name or the password is wrong.", field="password")
    session.exec(delete(LoginFailure).where(LoginFailure.username == username))
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """Store a new password (hashed). Ending the user's other sessions is the caller's
    business (core/accounts/login_sessions.py): the web page keeps the one in use, the CLI none."""
    if (problem := password_problem(password)) is not None:
        raise AccountError({"password": problem})
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    session.add(user)


def set_language(*, session: Session, user: User, language: str) -> None:
    if language not in UI_LANGUAGES:
        raise HeadstartError(f"Unknown language {language!r}.", field="language")
    user.language = language
    session.add(user)


EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def email_problem(email: str) -> str | None:
    """Why an address cannot take mail, or None; a plain check (delivery tells the rest)."""
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        return "email_invalid"
    return None


def set_email(*, session: Session, user: User, email: str) -> None:
    """Store the address notifications go to ("" removes it: no e-mail at all)."""
    email = (email or "").strip()
    if email and (problem := email_problem(email)) is not None:
        raise AccountError({"email": problem})
    user.email = email or None
    session.add(user)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password", method=PASSWORD_HASH_METHOD)
