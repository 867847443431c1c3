"""Skill profiles, vacancies and service offers (SQLModel tables) and their input models.

Nested parts (languages, occupations held, qualifications, skills) are validated models
stored as JSON on their row: the matcher reads whole profiles and vacancies into memory
anyway, and one row per entity keeps writes atomic and exports simple. Consents are rows
of their own because they are queried, expire and are withdrawn one by one.

Per entity: `XBase` (fields people give), `XCreate`, `XUpdate` (all optional), the table
`X`, as DESIGN.md asks; vacancies follow schema.org JobPosting where it fits.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Literal

from pydantic import field_validator, model_validator
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from core.languages import ISO_639_1
from core.validation import record_problem
from matching.cefr import LEVELS, SUBSKILLS, rank
from practices.vocabulary import is_country

CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
ESCO_URI = re.compile(r"^http://data\.europa\.eu/esco/(occupation|skill)/[0-9a-f-]{36}$")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def checked_country(value: str, field: str) -> str:
    code = (value or "").strip().upper()
    if not is_country(code):
        raise ValueError(f"{field}: unknown country code {value!r}; use ISO 3166-1 alpha-2 codes such as DE or PH")
    return code


def _language(value: str, field: str) -> str:
    code = (value or "").strip().lower()
    if code not in ISO_639_1:
        raise ValueError(f"{field}: unknown language code {value!r}; use ISO 639-1 codes such as en or de")
    return code


def _currency(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{field}: {value!r} is not an ISO 4217 currency code such as EUR")
    return code


def checked_concept_uri(value: str, kind: str) -> str:
    text = (value or "").strip()
    match = ESCO_URI.match(text)
    if not match or match.group(1) != kind:
        raise ValueError(f"{text!r} is not an ESCO {kind} URI (http://data.europa.eu/esco/{kind}/<uuid>)")
    return text


# ---------------------------------------------------------------------------- parts


class LanguageSkill(SQLModel):
    """A language a person knows: one overall CEFR level, or any of the five sub-skills."""

    language: str
    overall: CefrLevel | None = None
    listening: CefrLevel | None = None
    reading: CefrLevel | None = None
    spoken_interaction: CefrLevel | None = None
    spoken_production: CefrLevel | None = None
    writing: CefrLevel | None = None
    native: bool = False

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        return _language(value, "language")

    @model_validator(mode="after")
    def _needs_a_level(self) -> "LanguageSkill":
        if not self.native and self.overall is None and not any(getattr(self, s) for s in SUBSKILLS):
            raise ValueError(f"language {self.language}: give an overall CEFR level, sub-skill levels or native: true")
        return self

    @property
    def usable_level(self) -> int:
        """The weakest stated sub-skill (or the overall level); native counts as C2."""
        if self.native:
            return rank("C2")
        stated = [rank(getattr(self, s)) for s in SUBSKILLS if getattr(self, s)]
        if stated:
            return min(stated)
        return rank(self.overall) if self.overall else 0


class OccupationHeld(SQLModel):
    uri: str | None = None  # ESCO occupation, when mapped
    title: str  # as the person typed it
    years: float = Field(default=0, ge=0, le=60)

    @field_validator("uri")
    @classmethod
    def _check_uri(cls, value: str | None) -> str | None:
        return checked_concept_uri(value, "occupation") if value else None


RecognitionStatus = Literal["not_started", "in_progress", "recognised", "partial", "refused", "not_required"]


class Qualification(SQLModel):
    title: str
    isced_level: int | None = Field(default=None, ge=0, le=8)
    country: str | None = None  # where it was obtained
    recognition: RecognitionStatus = "not_started"
    recognised_in: list[str] = Field(default_factory=list)  # destination countries that recognised it

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        return checked_country(value, "qualification country") if value else None

    @field_validator("recognised_in")
    @classmethod
    def _check_recognised_in(cls, value: list[str]) -> list[str]:
        return [checked_country(code, "recognised_in") for code in value]


class VacancyLanguage(SQLModel):
    language: str
    min_level: CefrLevel
    trainable: bool = False  # the employer accepts a lower level and trains the worker

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        return _language(value, "language")


RouteType = Literal["work_permit", "eu_blue_card", "seasonal_work", "skilled_worker_visa", "intra_eu_mobility", "other"]


class LegalRoute(SQLModel):
    """How a third-country national can take the job legally, and who that route is open to."""

    type: RouteType = "work_permit"
    name: str = ""  # e.g. "German skilled immigration: § 18a residence permit"
    employer_sponsors: bool = False
    eligible_origin_countries: list[str] = Field(default_factory=list)  # [] = any
    min_education_level: int | None = Field(default=None, ge=0, le=8)  # ISCED
    requires_recognised_qualification: bool = False

    @field_validator("eligible_origin_countries")
    @classmethod
    def _check_countries(cls, value: list[str]) -> list[str]:
        return [checked_country(code, "eligible_origin_countries") for code in value]


class FairRecruitment(SQLModel):
    no_fees_to_worker: bool = False
    contract_languages: list[str] = Field(default_factory=list)
    verified_by_mrc: str | None = None  # the MRC that checked the employer

    @field_validator("contract_languages")
    @classmethod
    def _check_languages(cls, value: list[str]) -> list[str]:
        return [_language(code, "contract_languages") for code in value]


class VacancySource(SQLModel):
    feed: str
    external_id: str = ""
    url: str = ""


# ---------------------------------------------------------------------------- profile


class SkillProfileBase(SQLModel):
    owner: str = Field(max_length=200)  # the account that owns the profile (a migrant, or a practitioner for them)
    consent_to_matching: bool = False
    consent_to_matching_at: datetime | None = None
    origin_countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    residence_country: str | None = Field(default=None, max_length=2)
    destination_countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    occupations: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    free_text_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    education_level: int | None = Field(default=None, ge=0, le=8)
    qualifications: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    driving_licences: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    available_from: date | None = None
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class SkillProfile(SkillProfileBase, table=True):
    __tablename__ = "skill_profile"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    # The MRC holding the profile for a migrant (matching/access.py): set when a
    # practitioner opens it, cleared when the migrant takes it over. `owner` then names
    # the practitioner who opened it, which grants nothing by itself.
    mrc_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def language_skills(self) -> list[LanguageSkill]:
        return [LanguageSkill.model_validate(item) for item in self.languages]

    def occupations_held(self) -> list[OccupationHeld]:
        return [OccupationHeld.model_validate(item) for item in self.occupations]

    def qualification_list(self) -> list[Qualification]:
        return [Qualification.model_validate(item) for item in self.qualifications]


class SkillProfileInput(SQLModel):
    """What people and imports give; checked field by field (messages name the field)."""

    external_id: str | None = Field(default=None, max_length=100)
    owner: str = Field(min_length=1, max_length=200)
    consent_to_matching: bool = False
    origin_countries: list[str] = Field(default_factory=list)
    residence_country: str | None = None
    destination_countries: list[str] = Field(default_factory=list)
    occupations: list[OccupationHeld] = Field(default_factory=list, max_length=50)
    skills: list[str] = Field(default_factory=list, max_length=500)
    free_text_skills: list[str] = Field(default_factory=list, max_length=200)
    languages: list[LanguageSkill] = Field(default_factory=list, max_length=30)
    education_level: int | None = Field(default=None, ge=0, le=8)
    qualifications: list[Qualification] = Field(default_factory=list, max_length=50)
    driving_licences: list[str] = Field(default_factory=list, max_length=20)
    available_from: date | None = None
    summary: str = Field(default="", max_length=10_000)

    @field_validator("origin_countries", "destination_countries")
    @classmethod
    def _check_countries(cls, value: list[str], info) -> list[str]:
        return list(dict.fromkeys(checked_country(code, info.field_name) for code in value))

    @field_validator("residence_country")
    @classmethod
    def _check_residence(cls, value: str | None) -> str | None:
        return checked_country(value, "residence_country") if value else None

    @field_validator("skills")
    @classmethod
    def _check_skills(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(checked_concept_uri(uri, "skill") for uri in value))

    @field_validator("driving_licences")
    @classmethod
    def _check_licences(cls, value: list[str]) -> list[str]:
        allowed = {"AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "T"}
        codes = [code.strip().upper() for code in value]
        for code in codes:
            if code not in allowed:
                raise ValueError(f"driving_licences: unknown category {code!r}; use EU categories such as B, C or D")
        return codes

    @model_validator(mode="after")
    def _one_entry_per_language(self) -> "SkillProfileInput":
        seen = [item.language for item in self.languages]
        duplicates = {code for code in seen if seen.count(code) > 1}
        if duplicates:
            raise record_problem("language_twice", "languages", f"languages: {', '.join(sorted(duplicates))} listed twice")
        return self


class Consent(SQLModel, table=True):
    """A migrant's permission for one recipient (an employer or an MRC) to see their profile.

    Until it is given, the recipient sees the profile anonymised in candidate lists; it
    ends at `expires_at` or when withdrawn, with immediate effect.
    """

    __tablename__ = "profile_consent"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    recipient_kind: Literal["employer", "mrc", "service"] = Field(sa_column=Column(Text, nullable=False))
    recipient: str = Field(max_length=200)  # the organisation's name when the consent was given
    recipient_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)  # access goes by it
    scope: str = Field(default="show_profile", max_length=40)
    granted_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    withdrawn_at: datetime | None = None
    reminded_at: datetime | None = None  # told it ends soon (matching/consent_reminders.py)

    def active(self, now: datetime) -> bool:
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=timezone.utc)
        return self.withdrawn_at is None and expires > now


# ---------------------------------------------------------------------------- vacancy

ContractType = Literal["permanent", "fixed_term", "seasonal", "temporary", "apprenticeship"]
VacancyStatus = Literal["draft", "open", "filled", "closed"]


class Vacancy(SQLModel, table=True):
    __tablename__ = "vacancy"
    # The matcher lists (id, updated_at, revision) of the open vacancies of verified
    # employers on every matching request to see which changed (matching/pool_cache.py,
    # matching/listing.py): an index-only scan, then a semi-join on the organisations.
    __table_args__ = (Index("ix_vacancy_open_listing", "status", "id", "updated_at", "revision", "employer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    fingerprint: str = Field(max_length=64, index=True)  # same job from another feed -> same fingerprint
    employer: str = Field(max_length=200, index=True)  # the employer's name as shown (and as feeds give it)
    # The employer as a record (core/organisations): who manages the vacancy, and whether
    # migrants see it (only a verified employer's vacancies are listed and matched).
    employer_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    occupation_uri: str | None = Field(default=None, max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    essential_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    optional_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    country: str = Field(max_length=2, index=True)
    city: str = Field(default="", max_length=200)
    languages: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    education_level: int | None = None
    contract_type: str = Field(default="permanent", max_length=20)
    hours_per_week: float | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = Field(default=None, max_length=3)
    salary_period: str | None = Field(default=None, max_length=10)
    legal_route: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fair_recruitment: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sources: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    date_posted: date = Field(default_factory=date.today)
    valid_through: date | None = None
    status: str = Field(default="open", max_length=10, index=True)
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def language_requirements(self) -> list[VacancyLanguage]:
        return [VacancyLanguage.model_validate(item) for item in self.languages]

    def route(self) -> LegalRoute:
        return LegalRoute.model_validate(self.legal_route or {})


class VacancyInput(SQLModel):
    external_id: str | None = Field(default=None, max_length=100)
    employer: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    occupation_uri: str | None = None
    description: str = Field(default="", max_length=20_000)
    essential_skills: list[str] = Field(default_factory=list, max_length=100)
    optional_skills: list[str] = Field(default_factory=list, max_length=100)
    country: str
    city: str = Field(default="", max_length=200)
    languages: list[VacancyLanguage] = Field(default_factory=list, max_length=10)
    education_level: int | None = Field(default=None, ge=0, le=8)
    contract_type: ContractType = "permanent"
    hours_per_week: float | None = Field(default=None, gt=0, le=80)
    salary_min: float | None = Field(default=None, ge=0)
    salary_max: float | None = Field(default=None, ge=0)
    salary_currency: str | None = Field(default=None, min_length=3, max_length=3)
    salary_period: Literal["hour", "month", "year"] | None = None
    legal_route: LegalRoute = Field(default_factory=LegalRoute)
    fair_recruitment: FairRecruitment = Field(default_factory=FairRecruitment)
    sources: list[VacancySource] = Field(default_factory=list)
    date_posted: date | None = None
    valid_through: date | None = None
    status: VacancyStatus = "open"

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str) -> str:
        return checked_country(value, "country")

    @field_validator("salary_currency")
    @classmethod
    def _check_currency(cls, value: str | None) -> str | None:
        return _currency(value, "salary_currency")

    @field_validator("occupation_uri")
    @classmethod
    def _check_occupation(cls, value: str | None) -> str | None:
        return checked_concept_uri(value, "occupation") if value else None

    @field_validator("essential_skills", "optional_skills")
    @classmethod
    def _check_skills(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(checked_concept_uri(uri, "skill") for uri in value))

    @model_validator(mode="after")
    def _consistent(self) -> "VacancyInput":
        if self.salary_min is not None and self.salary_max is not None and self.salary_max < self.salary_min:
            raise record_problem("salary_order", "salary_max", "salary_max is below salary_min")
        if (self.salary_min is not None or self.salary_max is not None) and not self.salary_currency:
            raise record_problem("salary_currency_missing", "salary_currency", "salary_currency is needed with a salary (ISO 4217, e.g. EUR)")
        if self.valid_through and self.date_posted and self.valid_through < self.date_posted:
            raise record_problem("valid_through_order", "valid_through", "valid_through is before date_posted")
        overlap = set(self.essential_skills) & set(self.optional_skills)
        if overlap:
            raise record_problem("skill_twice", "optional_skills", f"a skill cannot be both essential and optional: {sorted(overlap)[0]}")
        seen = [item.language for item in self.languages]
        if len(seen) != len(set(seen)):
            raise record_problem("language_twice", "languages", "languages: a language is listed twice")
        return self

    def fingerprint(self) -> str:
        """The same job posted through two feeds: same employer, title, place and occupation."""
        parts = [self.employer, self.title, self.country, self.city, self.occupation_uri or ""]
        text = "|".join(_normalise_words(part) for part in parts)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalise_words(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", letters))


# ---------------------------------------------------------------------------- suggestion choices


class SuggestionChoice(SQLModel, table=True):
    """A person confirmed, corrected or rejected a suggested ESCO concept.

    Kept so that the choices people make can be reviewed and used to improve the
    suggestions (and as labelled data for tuning); nothing is inferred from them yet.
    """

    __tablename__ = "suggestion_choice"

    id: int | None = Field(default=None, primary_key=True)
    concept_type: str = Field(max_length=20)  # occupation | skill
    text: str = Field(sa_column=Column(Text, nullable=False))  # the title typed or the span of a CV
    suggested_uri: str | None = Field(default=None, max_length=100)
    chosen_uri: str | None = Field(default=None, max_length=100)  # None: rejected, nothing chosen
    decided_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class SuggestionChoiceInput(SQLModel):
    concept_type: Literal["occupation", "skill"]
    text: str = Field(min_length=1, max_length=2_000)
    suggested_uri: str | None = None
    chosen_uri: str | None = None
    decided_by: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _check(self) -> "SuggestionChoiceInput":
        for name in ("suggested_uri", "chosen_uri"):
            value = getattr(self, name)
            if value:
                setattr(self, name, checked_concept_uri(value, self.concept_type))
        if not self.suggested_uri and not self.chosen_uri:
            raise ValueError("give the suggested_uri, the chosen_uri, or both")
        return self


# ---------------------------------------------------------------------------- service offers

OfferKind = Literal["language_course", "skills_assessment", "recognition", "vocational_training", "orientation"]


class ServiceOffer(SQLModel, table=True):
    __tablename__ = "service_offer"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    provider: str = Field(max_length=200)  # the provider's name as shown
    provider_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)  # who manages it
    kind: str = Field(max_length=30, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    country: str = Field(max_length=2)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language_taught: str | None = Field(default=None, max_length=2)
    level_reached: str | None = Field(default=None, max_length=2)
    skills_taught: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    destination_countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    mode: str = Field(default="in_person", max_length=20)
    cost: float = 0
    cost_currency: str | None = Field(default=None, max_length=3)
    duration_weeks: float | None = None
    url: str = Field(default="", max_length=500)


class ServiceOfferInput(SQLModel):
    external_id: str | None = Field(default=None, max_length=100)
    provider: str = Field(min_length=1, max_length=200)
    kind: OfferKind
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    country: str
    languages: list[str] = Field(default_factory=list)
    language_taught: str | None = None
    level_reached: CefrLevel | None = None
    skills_taught: list[str] = Field(default_factory=list)
    destination_countries: list[str] = Field(default_factory=list)  # whose requirements it prepares for
    mode: Literal["in_person", "online", "blended"] = "in_person"
    cost: float = Field(default=0, ge=0)
    cost_currency: str | None = Field(default=None, min_length=3, max_length=3)
    duration_weeks: float | None = Field(default=None, gt=0, le=520)
    url: str = Field(default="", max_length=500)

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str) -> str:
        return checked_country(value, "country")

    @field_validator("destination_countries")
    @classmethod
    def _check_destinations(cls, value: list[str]) -> list[str]:
        return [checked_country(code, "destination_countries") for code in value]

    @field_validator("cost_currency")
    @classmethod
    def _check_currency(cls, value: str | None) -> str | None:
        return _currency(value, "cost_currency")

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: list[str]) -> list[str]:
        return [_language(code, "languages") for code in value]

    @field_validator("language_taught")
    @classmethod
    def _check_taught(cls, value: str | None) -> str | None:
        return _language(value, "language_taught") if value else None

    @field_validator("skills_taught")
    @classmethod
    def _check_skills(cls, value: list[str]) -> list[str]:
        return [checked_concept_uri(uri, "skill") for uri in value]

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        # Shown as a link: only web addresses (a javascript: or data: link would run script).
        value = value.strip()
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValueError("url: give a web address starting with https:// or http://")
        return value

    @model_validator(mode="after")
    def _language_course(self) -> "ServiceOfferInput":
        if self.kind == "language_course" and not (self.language_taught and self.level_reached):
            raise record_problem("course_language_missing", "language_taught", "a language course names language_taught and level_reached")
        return self


__all__ = [
    "LEVELS",
    "Consent",
    "LanguageSkill",
    "LegalRoute",
    "OccupationHeld",
    "Qualification",
    "ServiceOffer",
    "ServiceOfferInput",
    "SkillProfile",
    "SkillProfileInput",
    "Vacancy",
    "VacancyInput",
    "VacancyLanguage",
]
