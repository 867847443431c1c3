"""Organisations: registering one, finding one by name where the caller is trusted, the
review that verifies or suspends it, the directory, and the members.

Each function takes the caller's session and leaves the commit to it (the use cases that
call these own their transaction and write the audit events in it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import String, and_, cast, or_
from sqlmodel import Session, select

from core.accounts.users import User
from core.countries import is_country
from core.errors import HeadstartError, NotFound
from core.languages import ISO_639_1
from core.organisations.models import (
    KINDS,
    MAX_NAME,
    MAX_TEXT,
    N_,
    SECTORS,
    SERVICES,
    STATUSES,
    Organisation,
    name_key,
    tidy_name,
    utcnow,
)

# What a reviewer decides; "pending" again is not a decision.
DECISIONS = ("verified", "suspended")
MAX_NOTE = 2_000
# Names this alike (difflib's ratio on the folded names) are flagged to the reviewers.
SIMILAR_RATIO = 0.85


class OrganisationError(HeadstartError):
    """A problem with an organisation's details or with what was asked of it."""


@dataclass(frozen=True)
class OrganisationDetails:
    """What a person types about their organisation (the sign-up form, the edit form, the API)."""

    kind: str
    name: str
    country: str | None = None
    city: str = ""
    website: str = ""
    registration_number: str = ""
    contact: str = ""
    description: str = ""
    services: tuple[str, ...] = ()  # codes of SERVICES
    languages: tuple[str, ...] = ()  # ISO 639-1 codes
    sectors: tuple[str, ...] = ()  # ISCO-08 major groups (SECTORS)

    def checked(self) -> "OrganisationDetails":
        """The details stripped and checked; OrganisationError names the first field at fault."""
        name = tidy_name(self.name)
        if self.kind not in KINDS:
            raise OrganisationError(f"kind must be one of {', '.join(KINDS)}.", field="kind")
        if not name:
            raise OrganisationError(N_("Give the organisation's name."), field="organisation")
        if len(name) > MAX_NAME:
            raise OrganisationError(N_("The name may have at most 200 characters."), field="organisation")
        country = (self.country or "").strip().upper() or None
        if country is not None and not is_country(country):
            raise OrganisationError(N_("Choose the country from the list (ISO 3166-1 codes such as DE or PH)."), field="country")
        website = self.website.strip()
        if website and not website.lower().startswith(("https://", "http://")):
            raise OrganisationError(N_("Give the website as an address starting with https:// or http://."), field="website")
        for field_name, limit in (("city", MAX_NAME), ("website", 500), ("registration_number", 100), ("contact", 500),
                                  ("description", MAX_TEXT)):  # fmt: skip
            if len(getattr(self, field_name).strip()) > limit:
                raise OrganisationError(f"{field_name} may have at most {limit} characters.", field=field_name)
        return OrganisationDetails(
            kind=self.kind, name=name, country=country, city=self.city.strip(), website=website,
            registration_number=self.registration_number.strip(), contact=self.contact.strip(),
            description=self.description.strip(), **self._checked_lists(),
        )  # fmt: skip

    def _checked_lists(self) -> dict[str, tuple[str, ...]]:
        """The marketplace lists without repeats, in a fixed order (the vocabulary's, or
        alphabetical for languages); an unknown code is refused, naming its field."""
        services = _codes(self.services)
        if not services <= set(SERVICES):
            raise OrganisationError(N_("Choose the services from the list (codes such as orientation or housing)."), field="services")
        languages = _codes(str(code).lower() for code in self.languages)
        if not languages <= ISO_639_1:
            raise OrganisationError(N_("Choose the languages from the list (ISO 639-1 codes such as de or ro)."), field="languages")
        sectors = _codes(self.sectors)
        if not sectors <= set(SECTORS):
            raise OrganisationError(N_("Choose the sectors from the list (ISCO-08 major groups 0 to 9)."), field="sectors")
        return {
            "services": tuple(code for code in SERVICES if code in services),
            "languages": tuple(sorted(languages)),
            "sectors": tuple(code for code in SECTORS if code in sectors),
        }


def _codes(values: Iterable[object]) -> set[str]:
    return {str(value).strip() for value in values if str(value).strip()}


def new_organisation(session: Session, details: OrganisationDetails, *, status: str = "pending", by: str = "",
                     note: str = "") -> Organisation:
    """A new organisation row. Self-registration makes it pending: it never joins an
    existing organisation by name, whatever the name (similar_organisations flags it)."""
    details = details.checked()
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    organisation = Organisation(
        kind=details.kind, name=details.name, name_key=name_key(details.name), country=details.country,
        city=details.city, website=details.website, registration_number=details.registration_number,
        contact=details.contact, description=details.description, services=list(details.services),
        languages=list(details.languages), sectors=list(details.sectors), status=status,
        status_by=by if status != "pending" else "", status_at=utcnow() if status != "pending" else None,
        status_note=note if status != "pending" else "",
    )  # fmt: skip
    session.add(organisation)
    session.flush()
    return organisation


def trusted_organisation(session: Session, *, kind: str, name: str, by: str, note: str, status: str = "verified") -> Organisation:
    """The organisation of this kind with exactly this name, made (verified, unless
    `status` says otherwise) if there is none.

    Only for callers the operator vouches for (an import file, the JSON API's trusted
    client, an admin's command line, the demo seeding): a person registering never gets
    here, so nobody joins an organisation by typing its name.
    """
    name = tidy_name(name)
    found = session.exec(select(Organisation).where(Organisation.kind == kind, Organisation.name == name)).first()
    if found is not None:
        return found
    return new_organisation(session, OrganisationDetails(kind=kind, name=name), status=status, by=by, note=note)


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no organisation {organisation_id}.", field="organisation")
    return organisation


def similar_organisations(session: Session, organisation: Organisation, *, limit: int = 5) -> list[Organisation]:
    """Other organisations whose name looks like this one's: the same once folded, one
    inside the other, or nearly the same letters (a typo). A new "Krankenhaus Kesler"
    next to a verified "Krankenhaus Kessler GmbH" is shown to the reviewer, who decides."""
    key = organisation.name_key or name_key(organisation.name)
    words = {word for word in key.split() if len(word) >= 3}
    if not words:
        return []
    candidates: dict[int, Organisation] = {}
    # A shared word, or (a typo in every shared word) a name starting as one of its words does.
    for pattern in [f"%{word}%" for word in words] + [f"{word[:3]}%" for word in words]:
        query = select(Organisation).where(Organisation.id != organisation.id, Organisation.name_key.like(pattern))  # type: ignore[attr-defined]
        for other in session.exec(query.limit(200)).all():
            candidates[other.id or 0] = other
    alike = [
        other for other in candidates.values()
        if other.name_key and (other.name_key in key or key in other.name_key
                               or SequenceMatcher(None, key, other.name_key).ratio() >= SIMILAR_RATIO)
    ]  # fmt: skip
    return sorted(alike, key=lambda other: (other.status != "verified", other.id))[:limit]


def review_organisation(session: Session, organisation: Organisation, *, reviewer: User, decision: str,
                        note: str) -> Organisation:
    """Verify or suspend, saying what was checked. The caller checks that the reviewer may."""
    note = (note or "").strip()
    if decision not in DECISIONS:
        raise OrganisationError(N_("Choose to verify or to suspend."), field="decision")
    if not note:
        raise OrganisationError(N_("Say what you checked (a registry entry, a call, a visit...)."), field="note")
    if len(note) > MAX_NOTE:
        raise OrganisationError(N_("The note may have at most 2,000 characters."), field="note")
    organisation.status = decision
    organisation.status_by = reviewer.username
    organisation.status_by_organisation = reviewer.organisation if reviewer.role != "admin" else ""
    organisation.status_at = utcnow()
    organisation.status_note = note
    session.add(organisation)
    return organisation


def review_queue(session: Session, *, kinds: Sequence[str] = ("employer", "service_provider")) -> list[Organisation]:
    """Pending organisations of these kinds, oldest first (the first to have waited)."""
    query = select(Organisation).where(Organisation.status == "pending", Organisation.kind.in_(kinds))  # type: ignore[attr-defined]
    return list(session.exec(query.order_by(Organisation.created_at, Organisation.id)).all())  # type: ignore[arg-type]


def directory(session: Session, *, kind: str | None = None, country: str | None = None, service: str | None = None,
              language: str | None = None, sector: str | None = None, text: str = "", limit: int = 200) -> list[Organisation]:
    """Verified organisations, by name; filtered by kind, country, a service they give, a
    language they work in, a sector they serve, and words of the name or description.

    One query. A list's membership is a LIKE on the column's JSON text for the quoted code
    ('%"housing"%'): the same SQL on SQLite and PostgreSQL, exact because every stored
    code is checked against its vocabulary (OrganisationDetails) and so never holds a quote.
    """
    query = select(Organisation).where(Organisation.status == "verified")
    if kind:
        query = query.where(Organisation.kind == kind)
    if country:
        query = query.where(Organisation.country == country.upper())
    for column, code in ((Organisation.services, service), (Organisation.languages, language), (Organisation.sectors, sector)):
        if code:
            query = query.where(cast(column, String).like(_like(f'"{code}"'), escape="\\"))
    words = [word for word in text.split()[:8] if name_key(word)]  # "GmbH" or "-" alone asks for nothing
    if words:
        query = query.where(and_(*(_word_condition(word) for word in words)))
    return list(session.exec(query.order_by(Organisation.name, Organisation.id).limit(limit)).all())  # type: ignore[arg-type]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _word_condition(word: str):
    """The word in the folded name (accents and legal forms ignored) or in the description."""
    return or_(
        Organisation.name_key.like(_like(name_key(word)), escape="\\"),  # type: ignore[attr-defined]
        Organisation.description.ilike(_like(word), escape="\\"),  # type: ignore[attr-defined]
    )


def members(session: Session, organisation_id: int) -> list[User]:
    """The accounts of an organisation, owners first."""
    query = select(User).where(User.organisation_id == organisation_id, User.active)  # type: ignore[arg-type]
    return sorted(session.exec(query).all(), key=lambda user: (user.organisation_role != "owner", user.username))


def join(session: Session, user: User, organisation: Organisation, *, role: str) -> User:
    """Make the account a member (owner or staff); the name on the account follows."""
    if role not in ("owner", "staff"):
        raise ValueError(f"unknown member role {role!r}")
    user.organisation_id = organisation.id
    user.organisation_role = role
    user.organisation = organisation.name
    session.add(user)
    return user


ROLE_OF_KIND = {"mrc": "practitioner", "employer": "employer", "public_employment_service": "employer"}


def member_role_for(organisation: Organisation) -> str:
    """The account role of someone working for this organisation (an invitation's signup)."""
    return ROLE_OF_KIND.get(organisation.kind, "provider")


def can_review_organisations(session: Session, user: User | None) -> bool:
    """Admins, and practitioners of a verified MRC, review employers and providers."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    if user.role != "practitioner" or user.organisation_id is None:
        return False
    centre = session.get(Organisation, user.organisation_id)
    return centre is not None and centre.kind == "mrc" and centre.verified


@dataclass(frozen=True)
class OrganisationPage:
    """What one viewer may see of an organisation."""

    organisation: Organisation
    is_member: bool
    is_owner: bool
    may_review: bool
    members: list[User]  # for its owners, admins and reviewers
    similar: list[Organisation]  # for reviewers: names like this one's


def organisation_page(session: Session, organisation_id: int, viewer: User | None) -> OrganisationPage:
    """The page of an organisation. A verified one's public part is for anyone; a pending
    or suspended one exists only for its members, admins and reviewers (NotFound otherwise,
    so nobody learns of it)."""
    organisation = session.get(Organisation, organisation_id)
    is_member = viewer is not None and viewer.organisation_id == organisation_id
    may_review = can_review_organisations(session, viewer)
    if organisation is None or not (organisation.verified or is_member or may_review):
        raise NotFound(N_("There is no such organisation."), field="organisation")
    is_owner = is_member and viewer is not None and viewer.organisation_role == "owner"
    insider = is_owner or may_review or (viewer is not None and viewer.role == "admin")
    return OrganisationPage(
        organisation=organisation, is_member=is_member, is_owner=is_owner, may_review=may_review,
        members=members(session, organisation_id) if insider else [],
        similar=similar_organisations(session, organisation) if may_review else [],
    )  # fmt: skip
