"""Creating, changing, deleting and importing profiles, vacancies and service offers.

Input is checked by the models in matching/models.py; a pydantic error becomes one
HeadstartError naming the field, so the API, the CLI and the forms say the same thing.
Imports read a whole JSON Lines file before writing: a bad line means nothing from that
file is written, and the error names the line and the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from core.errors import HeadstartError, ImportFileError, NotFound, refuse_nul
from core.organisations.models import SERVICE_KINDS, VACANCY_KINDS, Organisation, tidy_name
from core.organisations.service import trusted_organisation
from core.runtime import Runtime
from core.validation import field_problems
from matching.models import (
    Consent,
    ServiceOffer,
    ServiceOfferInput,
    SkillProfile,
    SkillProfileInput,
    Vacancy,
    VacancyInput,
    utcnow,
)
from matching.texts import ProgressFactory, encode_profile_texts, encode_vacancy_texts, forget_replaced_text, profile_texts

InputModel = TypeVar("InputModel", bound=BaseModel)
RowType = TypeVar("RowType", bound=SQLModel)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
# An organisation named by an import file or the JSON API's trusted client is made verified
# (the operator vouches for the feed); a person registering never gets that far.
TRUSTED_BY = "import"
TRUSTED_NOTE = "Named by an import or the JSON API, which the operator runs and vouches for."


def validation_message(error: ValidationError) -> tuple[str, str | None]:
    """The first problem in words, and the field it concerns (core.validation)."""
    first = field_problems(error)[0]
    return first.message, first.location.split(".", 1)[0] or None


def parse_input(model: type[InputModel], data: Any) -> InputModel:
    if not isinstance(data, dict):
        raise HeadstartError("Send a JSON object with the record's fields.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        message, field_name = validation_message(error)
        raise HeadstartError(message, field=field_name) from None


def _now() -> datetime:
    return utcnow()


# ---------------------------------------------------------------------------- profiles


def _profile_values(data: SkillProfileInput) -> dict[str, Any]:
    values = data.model_dump(mode="json")
    values["available_from"] = data.available_from
    return values


def create_profile(*, session: Session, data: SkillProfileInput) -> SkillProfile:
    values = _profile_values(data)
    profile = SkillProfile(**values)
    if data.consent_to_matching:
        profile.consent_to_matching_at = _now()
    session.add(profile)
    session.flush()
    return profile


def update_profile(*, session: Session, profile: SkillProfile, data: SkillProfileInput) -> SkillProfile:
    """Replace a profile's fields; the cached vector of its old text goes (matching/texts.py)."""
    before = profile_texts(session, [profile]).get(profile.id or 0) if profile.id is not None else None
    values = _profile_values(data)
    if data.consent_to_matching and not profile.consent_to_matching:
        profile.consent_to_matching_at = _now()
    if not data.consent_to_matching:
        profile.consent_to_matching_at = None
    for name, value in values.items():
        setattr(profile, name, value)
    profile.revision += 1
    profile.updated_at = _now()
    session.add(profile)
    forget_replaced_text(session, before, profile)
    return profile


def _get(session: Session, table: type[RowType], row_id: int, what: str) -> RowType:
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(f"No {what} with id {row_id}.", field="id")
    return row


def get_profile(session: Session, profile_id: int) -> SkillProfile:
    return _get(session, SkillProfile, profile_id, "profile")


def delete_profile(*, session: Session, profile_id: int) -> None:
    """Deleting a profile deletes its consents; matches are computed, never stored."""
    profile = get_profile(session, profile_id)
    for consent in session.execute(select(Consent).where(Consent.profile_id == profile_id)).scalars():
        session.delete(consent)
    session.delete(profile)


# The kinds of organisation a consent of each kind may go to.
CONSENT_KINDS = {"mrc": ("mrc",), "employer": VACANCY_KINDS, "service": SERVICE_KINDS}


def consent_kind_of(organisation: Organisation) -> str:
    """The kind of consent that lets this organisation see a profile."""
    return next((kind for kind, kinds in CONSENT_KINDS.items() if organisation.kind in kinds), "service")


def consent_recipient(session: Session, recipient_kind: str, recipient: str = "", recipient_id: int | None = None) -> Organisation:
    """The verified organisation a consent goes to, by id or by its exact name: a migrant
    chooses from the directory, never a name that anyone could have registered."""
    if recipient_kind not in CONSENT_KINDS:
        raise HeadstartError("recipient_kind must be employer, mrc or service.", field="recipient_kind")
    kinds = CONSENT_KINDS[recipient_kind]
    query = select(Organisation).where(Organisation.status == "verified", Organisation.kind.in_(kinds))  # type: ignore[attr-defined]
    if recipient_id is not None:
        found = session.execute(query.where(Organisation.id == recipient_id)).scalars().first()
    elif recipient.strip():
        matches = list(session.execute(query.where(Organisation.name == tidy_name(recipient))).scalars())
        if len(matches) > 1:
            raise HeadstartError("Two verified organisations have that name: choose one from the directory.", field="recipient")
        found = matches[0] if matches else None
    else:
        raise HeadstartError("Name the recipient (the employer or the MRC).", field="recipient")
    if found is None:
        raise HeadstartError("Choose a verified organisation from the directory.", field="recipient")
    return found


def grant_consent(
    *, session: Session, profile_id: int, recipient_kind: str, recipient: str = "", days: int = 180,
    recipient_id: int | None = None,
) -> Consent:
    """Let a verified organisation (by id, or by its exact name) see the profile for `days` days."""
    organisation = consent_recipient(session, recipient_kind, recipient, recipient_id)
    if not 1 <= days <= 730:
        raise HeadstartError("A consent lasts between 1 and 730 days.", field="days")
    get_profile(session, profile_id)
    consent = Consent(
        profile_id=profile_id,
        recipient_kind=recipient_kind,
        recipient=organisation.name,
        recipient_id=organisation.id,
        expires_at=_now() + timedelta(days=days),
    )
    session.add(consent)
    session.flush()
    return consent


def withdraw_consent(*, session: Session, profile_id: int, recipient: str = "", recipient_id: int | None = None) -> tuple[int, str]:
    """Withdraw every active consent of a profile for a recipient (by organisation id, or
    by the name recorded on the consent); effective at once. Returns how many, and the
    recipient's name."""
    now = _now()
    count = 0
    which = Consent.recipient_id == recipient_id if recipient_id is not None else Consent.recipient == recipient
    for consent in session.execute(select(Consent).where(Consent.profile_id == profile_id, which)).scalars():
        if consent.withdrawn_at is None:
            consent.withdrawn_at = now
            count += 1
            recipient = consent.recipient
    return count, recipient


def consented_recipients(session: Session, profile_ids: list[int], *, now: datetime | None = None) -> dict[int, set[int]]:
    """The organisations (ids) each profile's active consents go to."""
    now = now or _now()
    out: dict[int, set[int]] = {}
    if not profile_ids:
        return out
    for consent in session.execute(select(Consent).where(Consent.profile_id.in_(profile_ids))).scalars():  # type: ignore[attr-defined]
        if consent.active(now):
            if consent.recipient_id is not None:
                out.setdefault(consent.profile_id, set()).add(consent.recipient_id)
    return out


# ---------------------------------------------------------------------------- vacancies


def _vacancy_values(data: VacancyInput) -> dict[str, Any]:
    values = data.model_dump(mode="json")
    values["date_posted"] = data.date_posted or date.today()
    values["valid_through"] = data.valid_through
    values["fingerprint"] = data.fingerprint()
    return values


def _merged_sources(current: list[dict], new: list[dict]) -> list[dict]:
    """A vacancy keeps every feed it came from, each once, in the order first seen."""
    merged = list(current)
    for source in new:
        if source not in merged:
            merged.append(source)
    return merged


def create_vacancy(*, session: Session, data: VacancyInput, employer: Organisation | None = None) -> tuple[Vacancy, bool]:
    """A new vacancy, or the one the same employer already posted with the same
    fingerprint (sources merged). Returns (vacancy, created).

    `employer`: the organisation posting (an employer's staff on the pages). None: the
    employer named in the data, as an import or the JSON API's trusted client gives it
    (core.organisations.service.trusted_organisation).
    """
    employer = employer or trusted_organisation(session, kind="employer", name=data.employer, by=TRUSTED_BY, note=TRUSTED_NOTE)
    fingerprint = data.fingerprint()
    existing = session.execute(
        select(Vacancy).where(Vacancy.fingerprint == fingerprint, Vacancy.employer_id == employer.id)
    ).scalars().first()
    if existing is not None and (data.external_id is None or existing.external_id != data.external_id):
        existing.sources = _merged_sources(existing.sources, data.model_dump(mode="json")["sources"])
        existing.updated_at = _now()
        session.add(existing)
        return existing, False
    vacancy = Vacancy(**_vacancy_values(data), employer_id=employer.id)
    session.add(vacancy)
    session.flush()
    return vacancy, True


def update_vacancy(*, session: Session, vacancy: Vacancy, data: VacancyInput) -> Vacancy:
    values = _vacancy_values(data)
    sources = _merged_sources(vacancy.sources, values.pop("sources"))
    for name, value in values.items():
        setattr(vacancy, name, value)
    vacancy.sources = sources
    vacancy.revision += 1
    vacancy.updated_at = _now()
    session.add(vacancy)
    return vacancy


def get_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    return _get(session, Vacancy, vacancy_id, "vacancy")


def delete_vacancy(*, session: Session, vacancy_id: int) -> None:
    session.delete(get_vacancy(session, vacancy_id))


# ---------------------------------------------------------------------------- offers


def create_offer(*, session: Session, data: ServiceOfferInput, provider: Organisation | None = None) -> ServiceOffer:
    """`provider`: the organisation posting; None: the one named in the data (a trusted caller)."""
    provider = provider or trusted_organisation(session, kind="service_provider", name=data.provider, by=TRUSTED_BY, note=TRUSTED_NOTE)
    offer = ServiceOffer(**data.model_dump(mode="json"), provider_id=provider.id)
    session.add(offer)
    session.flush()
    return offer


def update_offer(*, session: Session, offer: ServiceOffer, data: ServiceOfferInput) -> ServiceOffer:
    for name, value in data.model_dump(mode="json").items():
        setattr(offer, name, value)
    session.add(offer)
    return offer


def get_offer(session: Session, offer_id: int) -> ServiceOffer:
    return _get(session, ServiceOffer, offer_id, "service offer")


# ---------------------------------------------------------------------------- JSON-LD


def job_posting_to_input(item: dict[str, Any]) -> dict[str, Any]:
    """A schema.org JobPosting (JSON-LD) as VacancyInput fields.

    Reads the common properties: title, description, hiringOrganization.name,
    jobLocation.address (addressCountry, addressLocality), occupationalCategory (an ESCO
    URI), skills (ESCO URIs), baseSalary (MonetaryAmount with QuantitativeValue),
    employmentType, datePosted, validThrough, identifier, url.
    """
    def first(value: Any) -> Any:
        return value[0] if isinstance(value, list) and value else value

    organisation = first(item.get("hiringOrganization")) or {}
    location = first(item.get("jobLocation")) or {}
    address = location.get("address", {}) if isinstance(location, dict) else {}
    if not isinstance(address, dict):  # a PostalAddress only; a plain text address names no country
        address = {}
    country = address.get("addressCountry")
    if isinstance(country, dict):
        country = country.get("name")
    salary = item.get("baseSalary") or {}
    value = salary.get("value", {}) if isinstance(salary, dict) else {}
    if not isinstance(value, dict):  # a QuantitativeValue only
        value = {}
    skills = item.get("skills") or []
    if isinstance(skills, str):
        skills = [part.strip() for part in skills.split(",") if part.strip()]
    if not isinstance(skills, list):
        skills = []
    employment = first(item.get("employmentType")) or ""
    contract = {"FULL_TIME": "permanent", "PART_TIME": "permanent", "TEMPORARY": "temporary", "SEASONAL": "seasonal",
                "INTERN": "apprenticeship", "CONTRACTOR": "fixed_term"}.get(str(employment).upper(), "permanent")  # fmt: skip
    identifier = item.get("identifier")
    if isinstance(identifier, dict):
        identifier = identifier.get("value")
    period = {"HOUR": "hour", "MONTH": "month", "YEAR": "year"}.get(str(value.get("unitText", "")).upper())
    return {
        "external_id": str(identifier) if identifier else None,
        "employer": organisation.get("name") if isinstance(organisation, dict) else str(organisation or ""),
        "title": item.get("title", ""),
        "occupation_uri": first(item.get("occupationalCategory")) if str(first(item.get("occupationalCategory")) or "").startswith("http://data.europa.eu/esco/occupation/") else None,
        "description": item.get("description", ""),
        "essential_skills": [s for s in skills if isinstance(s, str) and s.startswith("http://data.europa.eu/esco/skill/")],
        "country": country or "",
        "city": address.get("addressLocality", "") if isinstance(address, dict) else "",
        "contract_type": contract,
        "salary_min": value.get("minValue") if isinstance(value, dict) else None,
        "salary_max": value.get("maxValue") if isinstance(value, dict) else None,
        "salary_currency": salary.get("currency") if isinstance(salary, dict) else None,
        "salary_period": period,
        "date_posted": item.get("datePosted"),
        "valid_through": str(item.get("validThrough"))[:10] if item.get("validThrough") else None,
        "sources": [{"feed": "json-ld", "external_id": str(identifier or ""), "url": item.get("url", "")}],
    }


# ---------------------------------------------------------------------------- imports


@dataclass
class RecordImportReport:
    kind: str
    lines: int = 0
    created: int = 0
    updated: int = 0
    merged: int = 0  # vacancies recognised as already posted (sources merged)
    failed: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # the rows added or updated, in file order

    def summary(self) -> str:
        merged = f", {self.merged} recognised as already posted" if self.kind == "vacancies" else ""
        return f"{self.kind}: {self.lines} records read, {self.created} added, {self.updated} updated{merged}"


def _json_items(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, item) of a JSON Lines file, or the items of one JSON(-LD) document."""
    if not path.is_file():
        raise ImportFileError(str(path), "no such file")
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise ImportFileError(str(path), f"file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    try:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        raise ImportFileError(str(path), f"not UTF-8 text (byte {error.start})") from None
    refuse_nul(text, str(path), json_escapes=True)
    stripped = text.strip()
    if path.suffix.lower() in (".json", ".jsonld") or stripped.startswith("["):
        try:
            document = json.loads(stripped or "null")
        except json.JSONDecodeError as error:
            raise ImportFileError(str(path), f"not valid JSON ({error.msg})", line=error.lineno) from None
        except (ValueError, RecursionError):  # a number of over 4300 digits; nesting too deep
            raise ImportFileError(str(path), "not valid JSON (a number too long or nesting too deep)") from None
        items = document if isinstance(document, list) else (document.get("@graph", [document]) if isinstance(document, dict) else [])
        for number, item in enumerate(items, start=1):
            yield number, item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportFileError(str(path), f"not valid JSON ({error.msg}, character {error.colno})", line=number) from None
        except (ValueError, RecursionError):  # a number of over 4300 digits; nesting too deep
            raise ImportFileError(str(path), "not valid JSON (a number too long or nesting too deep)", line=number) from None


def _read_all(path: Path, model: type[InputModel], convert: Callable[[Any], Any] | None = None) -> list[InputModel]:
    records = []
    for number, item in _json_items(path):
        if convert is not None and isinstance(item, dict) and item.get("@type") == "JobPosting":
            item = convert(item)
        if not isinstance(item, dict):
            raise ImportFileError(str(path), "each line must be a JSON object", line=number)
        try:
            records.append(model.model_validate(item))
        except ValidationError as error:
            message, _ = validation_message(error)
            raise ImportFileError(str(path), message, line=number) from None
    return records


def _import(
    runtime: Runtime,
    path: Path,
    kind: str,
    table: type[SQLModel],
    model: type[InputModel],
    save: Callable[[Session, InputModel, Any], tuple[str, SQLModel]],
    convert: Callable[[Any], Any] | None = None,
) -> RecordImportReport:
    """Read the whole file, then write every record in one transaction.

    `save(session, data, existing)` adds or updates one record (existing: the row with
    the same external_id, or None) and says what it did (created, updated or merged) and
    to which row.
    """
    report = RecordImportReport(kind)
    items = _read_all(path, model, convert)
    report.lines = len(items)
    column = table.external_id  # type: ignore[attr-defined]
    saved: list[SQLModel] = []
    with Session(runtime.engine) as session:
        for data in items:
            existing = None
            if data.external_id:  # type: ignore[attr-defined]
                existing = session.execute(select(table).where(column == data.external_id)).scalars().first()  # type: ignore[attr-defined]
            outcome, row = save(session, data, existing)
            setattr(report, outcome, getattr(report, outcome) + 1)
            saved.append(row)
        session.flush()
        report.ids = list(dict.fromkeys(row.id for row in saved))  # type: ignore[attr-defined]
        session.commit()
    return report


def _save_profile(session: Session, data: SkillProfileInput, existing: SkillProfile | None) -> tuple[str, SQLModel]:
    if existing is None:
        return "created", create_profile(session=session, data=data)
    return "updated", update_profile(session=session, profile=existing, data=data)


def _save_vacancy(session: Session, data: VacancyInput, existing: Vacancy | None) -> tuple[str, SQLModel]:
    if existing is not None:
        return "updated", update_vacancy(session=session, vacancy=existing, data=data)
    vacancy, created = create_vacancy(session=session, data=data)
    return ("created" if created else "merged"), vacancy


def _save_offer(session: Session, data: ServiceOfferInput, existing: ServiceOffer | None) -> tuple[str, SQLModel]:
    if existing is None:
        return "created", create_offer(session=session, data=data)
    return "updated", update_offer(session=session, offer=existing, data=data)


def import_profiles(runtime: Runtime, path: Path, *, progress_factory: ProgressFactory | None = None) -> RecordImportReport:
    """JSON Lines of SkillProfileInput. The profiles' texts are encoded before this
    returns (the importer waits, not the first matches page)."""
    report = _import(runtime, path, "profiles", SkillProfile, SkillProfileInput, _save_profile)
    encode_profile_texts(runtime, report.ids, progress_factory=progress_factory)
    return report


def import_vacancies(runtime: Runtime, path: Path, *, progress_factory: ProgressFactory | None = None) -> RecordImportReport:
    """JSON Lines of VacancyInput, or schema.org JobPosting objects (JSON-LD). The open
    vacancies' texts are encoded before this returns, as when an employer saves one."""
    report = _import(runtime, path, "vacancies", Vacancy, VacancyInput, _save_vacancy, job_posting_to_input)
    encode_vacancy_texts(runtime, report.ids, progress_factory=progress_factory)
    return report


def import_offers(runtime: Runtime, path: Path, *, progress_factory: ProgressFactory | None = None) -> RecordImportReport:
    """JSON Lines of ServiceOfferInput (offers are not encoded; `progress_factory` is
    accepted so that every import takes the same arguments)."""
    return _import(runtime, path, "offers", ServiceOffer, ServiceOfferInput, _save_offer)


