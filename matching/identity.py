"""The migrant's name and contact details, kept apart from the skill profile.

Apart, so that no matching, search or encoding code ever reads them: the matcher, the
vacancy pool and the embedding cache load SkillProfile rows, never this table. Who sees
a row is decided in matching/access.py (can_see_identity): the profile's owner, the MRC
that holds it or that the migrant consented to, and employers the migrant consented to.
A row goes with its profile (foreign key ON DELETE CASCADE, and erasure deletes it).
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import ValidationError, field_validator
from sqlmodel import Field, Session, SQLModel, select

from core.validation import field_problems, record_problem
from matching.models import utcnow
from matching.profile_builder import N_, Errors, FormData, Problem

IDENTITY_FIELDS: tuple[str, ...] = ("full_name", "phone", "email", "messaging_app", "messaging_handle")
MESSAGING_APPS: tuple[str, ...] = ("whatsapp", "signal", "telegram", "viber", "other")
# Digits with the separators people write; a leading + for the country code.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,30}$")
# One @, something on each side, a dot in the domain: enough to catch a typing slip.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class MigrantIdentity(SQLModel, table=True):
    __tablename__ = "migrant_identity"

    profile_id: int = Field(foreign_key="skill_profile.id", primary_key=True, ondelete="CASCADE")
    full_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    messaging_app: str = Field(default="", max_length=20)
    messaging_handle: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow)

    def is_empty(self) -> bool:
        return not (self.full_name or self.phone or self.email or self.messaging_handle)

    def contact_lines(self) -> list[tuple[str, str]]:
        """(kind, value) of each way to reach the person, in the order people use them."""
        lines = [("phone", self.phone), ("email", self.email)]
        if self.messaging_handle:
            lines.append((self.messaging_app or "other", self.messaging_handle))
        return [(kind, value) for kind, value in lines if value]


class IdentityInput(SQLModel):
    """What a form or an import gives; each field optional, each checked on its own."""

    full_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    messaging_app: str = ""
    messaging_handle: str = Field(default="", max_length=100)

    @field_validator("full_name", "phone", "email", "messaging_handle", mode="before")
    @classmethod
    def _tidy(cls, value: object) -> str:
        return " ".join(str(value or "").split())

    @field_validator("phone")
    @classmethod
    def _check_phone(cls, value: str) -> str:
        if value and not _PHONE.match(value):
            raise record_problem("phone", "phone", "phone: digits only, with the country code, such as +373 69 123 456")
        return value

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise record_problem("email", "email", "email: an address such as name@example.org")
        return value

    @field_validator("messaging_app")
    @classmethod
    def _check_app(cls, value: str) -> str:
        value = (value or "").strip().lower()
        if value and value not in MESSAGING_APPS:
            raise record_problem("messaging_app", "messaging_app", f"messaging_app: one of {', '.join(MESSAGING_APPS)}")
        return value


def identity_of(session: Session, profile_id: int) -> MigrantIdentity | None:
    return session.get(MigrantIdentity, profile_id)


def identities_of(session: Session, profile_ids: list[int]) -> dict[int, MigrantIdentity]:
    if not profile_ids:
        return {}
    rows = session.exec(select(MigrantIdentity).where(MigrantIdentity.profile_id.in_(profile_ids)))  # type: ignore[attr-defined]
    return {row.profile_id: row for row in rows}


def save_identity(session: Session, profile_id: int, data: IdentityInput) -> bool:
    """Store the person's name and contact; returns whether anything changed."""
    row = session.get(MigrantIdentity, profile_id) or MigrantIdentity(profile_id=profile_id)
    values = data.model_dump()
    if all(getattr(row, name) == value for name, value in values.items()) and row in session:
        return False
    if not any(values.values()) and row not in session:
        return False
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return True


# ---------------------------------------------------------------------------- the form

_MESSAGES = {
    "phone": N_("Give the phone number with its country code, such as +373 69 123 456."),
    "email": N_("Give an e-mail address such as name@example.org."),
    "messaging_app": N_("Choose one of the apps in the list."),
}


def identity_values(row: MigrantIdentity | None) -> dict[str, str]:
    return {name: getattr(row, name) if row is not None else "" for name in IDENTITY_FIELDS}


def identity_form_values(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name, "") or "") for name in IDENTITY_FIELDS}


def parse_identity(values: dict[str, str]) -> tuple[IdentityInput | None, Errors]:
    """The form's name and contact, or the problems by field (in words a page translates)."""
    try:
        return IdentityInput.model_validate({name: values.get(name, "") for name in IDENTITY_FIELDS}), {}
    except ValidationError as error:
        errors: Errors = {}
        for problem in field_problems(error):
            name = problem.location.split(".")[0]
            if problem.code == "string_too_long":
                limit = IdentityInput.model_fields[name].metadata[0].max_length if name in IdentityInput.model_fields else 200
                errors[name] = Problem(N_("At most %(count)d characters."), {"count": limit})
            else:
                errors[name] = Problem(_MESSAGES.get(problem.code, N_("Check this field.")))
        return None, errors
