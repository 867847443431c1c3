"""The organisation and invitation tables, and the words that go with them."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import Literal, get_args

from sqlalchemy import JSON, Column, Text, text
from sqlmodel import Field, SQLModel

OrganisationKind = Literal["mrc", "employer", "service_provider", "public_employment_service", "integration_service"]
KINDS: tuple[str, ...] = get_args(OrganisationKind)
OrganisationStatus = Literal["pending", "verified", "suspended"]
STATUSES: tuple[str, ...] = get_args(OrganisationStatus)
MemberRole = Literal["owner", "staff"]
MEMBER_ROLES: tuple[str, ...] = get_args(MemberRole)

# The kind of organisation each account role works for.
KIND_OF_ROLE = {"practitioner": "mrc", "employer": "employer", "provider": "service_provider"}
# Who may post what: an employer's vacancies come from employers and public employment
# services; service offers from every kind but an employer.
VACANCY_KINDS = ("employer", "public_employment_service")
OFFER_KINDS = ("service_provider", "mrc", "public_employment_service", "integration_service")
# The kinds that receive referrals as services (a consent of kind "service" lets them see a profile).
SERVICE_KINDS = ("service_provider", "integration_service")

MAX_NAME = 200


def N_(message: str) -> str:
    """Marks a message for translation (pybabel extracts N_); the page translates it when shown."""
    return message
MAX_TEXT = 2_000

# What an organisation offers in the marketplace (the directory's filters, the page's list).
# Codes are stored; the labels are N_-marked and translated when shown.
SERVICES: dict[str, str] = {
    "orientation": N_("Orientation before departure"),
    "language_training": N_("Language training"),
    "recognition": N_("Recognition of qualifications"),
    "skills_training": N_("Skills and vocational training"),
    "job_placement": N_("Job placement"),
    "legal_advice": N_("Legal advice"),
    "psychosocial_support": N_("Psychosocial support"),
    "housing": N_("Housing"),
    "arrival_support": N_("Support on arrival"),
    "reintegration": N_("Reintegration after return"),
}
# The sectors an organisation serves, as ISCO-08 major groups: ten fixed codes that every
# ESCO occupation falls under (its ISCO code's first digit), so they can be checked.
SECTORS: dict[str, str] = {
    "1": N_("Managers"),
    "2": N_("Professionals"),
    "3": N_("Technicians and associate professionals"),
    "4": N_("Clerical support workers"),
    "5": N_("Service and sales workers"),
    "6": N_("Skilled agricultural, forestry and fishery workers"),
    "7": N_("Craft and related trades workers"),
    "8": N_("Plant and machine operators and assemblers"),
    "9": N_("Elementary occupations"),
    "0": N_("Armed forces occupations"),
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def tidy_name(name: str | None) -> str:
    """A name as stored and compared exactly: runs of white space made one space."""
    return " ".join((name or "").split())


def name_key(name: str) -> str:
    """A name folded for comparison: case, accents, punctuation and legal forms ignored, so
    "Krankenhaus Kessler GmbH" and "krankenhaus-kessler" meet (the duplicate flag)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(word for word in words if word not in LEGAL_FORMS)


LEGAL_FORMS = frozenset(
    "gmbh ag kg ug ltd limited llc inc plc sa sarl sas srl spa bv nv oy ab as aps co corp company the e v ev".split()
)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30, index=True)
    name: str = Field(max_length=MAX_NAME, index=True)
    name_key: str = Field(default="", max_length=MAX_NAME, index=True)
    country: str | None = Field(default=None, max_length=2)
    city: str = Field(default="", max_length=MAX_NAME)
    website: str = Field(default="", max_length=500)
    registration_number: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The marketplace details: codes of SERVICES, ISO 639-1 languages, SECTORS. The server
    # default fills them for rows written by SQL that does not name them (migration 0006).
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'")))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'")))
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'")))
    status: str = Field(default="pending", max_length=10, index=True)
    status_by: str = Field(default="", max_length=200)  # who verified or suspended it (a user name)
    status_by_organisation: str = Field(default="", max_length=200)  # their MRC's name then (shown on vacancies)
    status_at: datetime | None = None
    status_note: str = Field(default="", sa_column=Column(Text, nullable=False))  # what they checked
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def verified(self) -> bool:
        return self.status == "verified"


class Invitation(SQLModel, table=True):
    """A single-use, expiring link with which someone joins an organisation as staff.

    Only a hash of the token is kept: the link is shown once, to the owner who made it.
    """

    __tablename__ = "organisation_invitation"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    note: str = Field(default="", max_length=200)  # whom it is for, as the owner wrote it
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str = Field(default="", max_length=200)
    withdrawn_at: datetime | None = None

    def open(self, now: datetime) -> bool:
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=timezone.utc)
        return self.used_at is None and self.withdrawn_at is None and expires > now
