"""The marketplace as people browse it: open vacancies and service offers, filtered and
counted in SQL, one page at a time.

Filters are plain values (from query parameters); each facet's counts are computed with
every other filter applied, so a reader sees how many results each choice would give.
Nested parts stored as JSON (a vacancy's languages, an offer's destination countries)
are filtered with the database's own JSON functions (SQLite json_each, PostgreSQL
json_array_elements), not in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import and_, distinct, exists, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from core.languages import ISO_639_1
from core.validation import FieldProblem, field_problems
from matching.cefr import LEVELS
from matching.esco.tables import EscoConcept
from matching.listing import listed, verified_provider
from matching.models import ServiceOffer, Vacancy, utcnow
from matching.taxonomy import concept_labels, isco_group_labels
from practices.vocabulary import is_country

PER_PAGE = 20
MAX_PAGE = 10_000
ROUTE_TYPES = ("work_permit", "eu_blue_card", "seasonal_work", "skilled_worker_visa", "intra_eu_mobility", "other")
CONTRACT_TYPES = ("permanent", "fixed_term", "seasonal", "temporary", "apprenticeship")
VACANCY_STATUSES = ("draft", "open", "filled", "closed")
OFFER_KINDS = ("language_course", "skills_assessment", "recognition", "vocational_training", "orientation")
OFFER_MODES = ("in_person", "online", "blended")
SALARY_PERIODS = ("hour", "month", "year")
# Languages offered in the vacancy and offer forms: the EU's official languages and those
# most asked for by employers and spoken by migrants; a record's own languages are added.
FORM_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl",
    "pl", "pt", "ro", "sk", "sl", "sv", "no", "is", "ar", "ru", "uk", "tr", "sq", "sr", "ka", "hi", "ne", "bn",
    "ur", "tl", "id", "vi", "zh", "ja", "ko", "sw", "am", "fa",
)  # fmt: skip


# ---------------------------------------------------------------------------- values


def _page(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def checked_country(value: Any) -> str:
    code = str(value or "").strip().upper()
    return code if is_country(code) else ""


def _language(value: Any) -> str:
    code = str(value or "").strip().lower()
    return code if code in ISO_639_1 else ""


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    text = str(value or "").strip()
    return text if text in allowed else ""


def _sector(value: Any) -> str:
    text = str(value or "").strip()
    return text if text.isdigit() and 1 <= len(text) <= 4 else ""


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    label: str = ""
    depth: int = 0  # 1 for an ISCO sub-group listed under its major group


# ---------------------------------------------------------------------------- JSON arrays in SQL


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _object_elements(session: Session, column: Any, *, lateral: bool = False):
    """(from-clause, key getter) over the objects of a JSON array column."""
    if _dialect(session) == "postgresql":
        elements = func.json_array_elements(column).table_valued("value")
        elements = elements.lateral() if lateral else elements.alias()
        return elements, lambda key: elements.c.value.op("->>")(key)
    elements = func.json_each(column).table_valued("value").alias()
    return elements, lambda key: func.json_extract(elements.c.value, f"$.{key}")


def _not_trainable(session: Session, get) -> ColumnElement[bool]:
    if _dialect(session) == "postgresql":
        return func.coalesce(get("trainable"), "false") == "false"
    return func.coalesce(get("trainable"), 0) == 0


def _string_elements(session: Session, column: Any, *, lateral: bool = False):
    """(from-clause, value column) over the strings of a JSON array column."""
    if _dialect(session) == "postgresql":
        elements = func.json_array_elements_text(column).table_valued("value")
        elements = elements.lateral() if lateral else elements.alias()
        return elements, elements.c.value
    elements = func.json_each(column).table_valued("value").alias()
    return elements, elements.c.value


def json_array_contains(session: Session, column: Any, value: str) -> ColumnElement[bool]:
    elements, item = _string_elements(session, column)
    return exists(select(1).select_from(elements).where(item == value))


def occupation_isco_code(session: Session, occupation_uri: str) -> str | None:
    return session.execute(select(EscoConcept.code).where(EscoConcept.uri == occupation_uri)).scalar()


# ---------------------------------------------------------------------------- lists


class ListFilters:
    """What the vacancy and offer filters share: query parameters and "is any filter on".

    Subclasses are frozen dataclasses whose fields are the filters plus `page`.
    """

    page: int

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as query parameters (empty ones and page 1 left out), with changes applied."""
        values = {**self.__dict__, **changes}
        if values.get("page") == 1:
            values.pop("page")
        values = {name: (1 if value is True else "" if value is False else value) for name, value in values.items()}
        return {name: value for name, value in values.items() if value not in ("", None)}

    @property
    def active(self) -> bool:
        return any(value for name, value in self.__dict__.items() if name != "page")


class ListPage:
    """Paging of a filtered list; subclasses are dataclasses with these three fields."""

    filters: ListFilters
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.filters.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.filters.page > 1


# ---------------------------------------------------------------------------- vacancies


@dataclass(frozen=True)
class VacancyFilters(ListFilters):
    country: str = ""
    sector: str = ""  # ISCO code prefix: a major group (1 digit) or a narrower group
    language: str = ""  # the vacancy asks for this language
    level: str = ""  # no minimum above this level (in `language`, or in any language)
    route: str = ""  # legal route type
    q: str = ""  # words in the title
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> "VacancyFilters":
        """Lenient: a value that is not valid is left out, never an error."""
        return cls(
            country=checked_country(args.get("country")),
            sector=_sector(args.get("sector")),
            language=_language(args.get("language")),
            level=_choice(str(args.get("level") or "").upper(), LEVELS),
            route=_choice(args.get("route"), ROUTE_TYPES),
            q=str(args.get("q") or "").strip()[:200],
            page=_page(args.get("page")),
        )


@dataclass(frozen=True)
class VacancyPage(ListPage):
    filters: VacancyFilters
    vacancies: list[Vacancy]
    total: int
    per_page: int
    facets: dict[str, list[FacetValue]]
    occupation_labels: dict[str, str] = field(default_factory=dict)


def _route_type() -> ColumnElement[str]:
    return func.coalesce(Vacancy.legal_route["type"].as_string(), "work_permit")  # type: ignore[index]


def _vacancy_conditions(session: Session, filters: VacancyFilters, today: date) -> dict[str, ColumnElement[bool]]:
    """Each filter's condition, by filter name ("base": open and not expired)."""
    conditions: dict[str, ColumnElement[bool]] = {
        "base": and_(
            listed(),
            or_(Vacancy.valid_through.is_(None), Vacancy.valid_through >= today),  # type: ignore[union-attr,operator]
        )
    }
    if filters.country:
        conditions["country"] = Vacancy.country == filters.country
    if filters.sector:
        conditions["sector"] = exists(
            select(1).where(EscoConcept.uri == Vacancy.occupation_uri, EscoConcept.code.like(f"{filters.sector}%"))  # type: ignore[union-attr]
        )
    if filters.language:
        elements, get = _object_elements(session, Vacancy.languages)
        conditions["language"] = exists(select(1).select_from(elements).where(get("language") == filters.language))
    if filters.level:
        conditions["level"] = _level_condition(session, filters.level, filters.language)
    if filters.route:
        conditions["route"] = _route_type() == filters.route
    if filters.q:
        words = filters.q.split()[:8]
        conditions["q"] = and_(*(Vacancy.title.ilike(_like(word), escape="\\") for word in words))  # type: ignore[attr-defined]
    return conditions


def _level_condition(session: Session, level: str, language: str) -> ColumnElement[bool]:
    """No requirement above `level` that the employer does not train (CEFR codes sort in order)."""
    elements, get = _object_elements(session, Vacancy.languages)
    above = [get("min_level") > level, _not_trainable(session, get)]
    if language:
        above.append(get("language") == language)
    return ~exists(select(1).select_from(elements).where(*above))


def _where(conditions: dict[str, ColumnElement[bool]], *, without: str | None = None) -> list[ColumnElement[bool]]:
    return [condition for name, condition in conditions.items() if name != without]


def list_vacancies(
    session: Session,
    filters: VacancyFilters,
    *,
    per_page: int = PER_PAGE,
    today: date | None = None,
    language: str = "en",
) -> VacancyPage:
    """Open vacancies matching the filters, newest first, with counts per filter value."""
    today = today or date.today()
    conditions = _vacancy_conditions(session, filters, today)
    where = _where(conditions)
    total = session.execute(select(func.count(Vacancy.id)).where(*where)).scalar_one()
    pages = max(1, -(-total // per_page))
    if filters.page > pages:
        filters = replace(filters, page=pages)
    rows = list(
        session.execute(
            select(Vacancy)
            .where(*where)
            .order_by(Vacancy.date_posted.desc(), Vacancy.id.desc())  # type: ignore[attr-defined,union-attr]
            .offset((filters.page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    facets = vacancy_facets(session, filters, conditions, language=language)
    labels = concept_labels(session, {v.occupation_uri for v in rows if v.occupation_uri}, language)
    return VacancyPage(filters, rows, total, per_page, facets, labels)


def vacancy_facets(
    session: Session, filters: VacancyFilters, conditions: dict[str, ColumnElement[bool]], *, language: str = "en"
) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    rows = session.execute(
        select(Vacancy.country, func.count(Vacancy.id))
        .where(*_where(conditions, without="country"))
        .group_by(Vacancy.country)
        .order_by(Vacancy.country)
    ).all()
    facets["country"] = [FacetValue(code, count) for code, count in rows]

    route = _route_type()
    rows = session.execute(
        select(route, func.count(Vacancy.id)).where(*_where(conditions, without="route")).group_by(route)
    ).all()
    counts = dict(rows)
    facets["route"] = [FacetValue(name, int(counts[name])) for name in ROUTE_TYPES if counts.get(name)]

    elements, get = _object_elements(session, Vacancy.languages, lateral=True)
    language_code = get("language")
    rows = session.execute(
        select(language_code, func.count(distinct(Vacancy.id)))
        .select_from(Vacancy)
        .join(elements, true())
        .where(*_where(conditions, without="language"))
        .group_by(language_code)
        .order_by(language_code)
    ).all()
    facets["language"] = [FacetValue(str(code), count) for code, count in rows if code]

    without_level = _where(conditions, without="level")
    facets["level"] = []
    for level in LEVELS:
        count = session.execute(
            select(func.count(Vacancy.id)).where(*without_level, _level_condition(session, level, filters.language))
        ).scalar_one()
        facets["level"].append(FacetValue(level, count))

    facets["sector"] = _sector_facet(session, filters, conditions, language)
    return facets


def _sector_counts(session: Session, where: list[ColumnElement[bool]], digits: int, prefix: str = "") -> dict[str, int]:
    code = func.substr(EscoConcept.code, 1, digits)
    query = (
        select(code, func.count(Vacancy.id))
        .select_from(Vacancy)
        .join(EscoConcept, EscoConcept.uri == Vacancy.occupation_uri)
        .where(*where, func.length(EscoConcept.code) >= digits)
    )
    if prefix:
        query = query.where(EscoConcept.code.like(f"{prefix}%"))  # type: ignore[union-attr]
    return {str(value): int(count) for value, count in session.execute(query.group_by(code)).all()}


def _sector_facet(
    session: Session, filters: VacancyFilters, conditions: dict[str, ColumnElement[bool]], language: str
) -> list[FacetValue]:
    """ISCO major groups; under the chosen one, its sub-groups down to the chosen depth + 1."""
    where = _where(conditions, without="sector")
    majors = _sector_counts(session, where, 1)
    nested: dict[str, dict[str, int]] = {}
    chosen = filters.sector
    for digits in range(2, min(len(chosen) + 1, 4) + 1) if chosen else ():
        nested[chosen[: digits - 1]] = _sector_counts(session, where, digits, chosen[: digits - 1])
    codes = set(majors) | {code for counts in nested.values() for code in counts} | ({chosen} if chosen else set())
    labels = isco_group_labels(session, codes, language)
    values: list[FacetValue] = []

    def add(parent: str, counts: dict[str, int], depth: int) -> None:
        for code in sorted(counts):
            values.append(FacetValue(code, counts[code], labels.get(code, code), depth))
            if code in nested and code != parent:
                add(code, nested[code], depth + 1)

    add("", majors, 0)
    if chosen and chosen not in {value.value for value in values}:
        values.append(FacetValue(chosen, 0, labels.get(chosen, chosen), 0))
    return values


def vacancies_for_employer(session: Session, employer_id: int | None) -> list[Vacancy]:
    """Every vacancy of an organisation (all of them for None: an admin), newest first."""
    query = select(Vacancy).order_by(Vacancy.updated_at.desc(), Vacancy.id.desc())  # type: ignore[attr-defined,union-attr]
    if employer_id is not None:
        query = query.where(Vacancy.employer_id == employer_id)
    return list(session.execute(query).scalars())


def close_vacancy(*, session: Session, vacancy: Vacancy, status: str = "closed") -> Vacancy:
    """Closed (or filled, after a hire): out of lists and matches at once; the employer can
    reopen it by editing."""
    if status not in ("closed", "filled"):
        raise ValueError(f"a vacancy closes as closed or filled, not {status!r}")
    vacancy.status = status
    vacancy.revision += 1
    vacancy.updated_at = utcnow()
    session.add(vacancy)
    return vacancy


def vacancies_for_occupation(
    session: Session, *, country: str, occupation_uri: str | None, limit: int = 20, today: date | None = None
) -> list[Vacancy]:
    """Open vacancies in a country for an occupation, then for others of its ISCO unit group."""
    today = today or date.today()
    base = _vacancy_conditions(session, VacancyFilters(country=country), today)
    where = _where(base)
    if not occupation_uri:
        return list(
            session.execute(select(Vacancy).where(*where).order_by(Vacancy.date_posted.desc()).limit(limit)).scalars()  # type: ignore[attr-defined]
        )
    code = occupation_isco_code(session, occupation_uri)
    same_group: ColumnElement[bool] = false()
    if code:
        same_group = exists(select(1).where(EscoConcept.uri == Vacancy.occupation_uri, EscoConcept.code == code))
    exact = Vacancy.occupation_uri == occupation_uri
    rows = session.execute(
        select(Vacancy, exact.label("exact"))
        .where(*where, or_(exact, same_group))
        .order_by(exact.desc(), Vacancy.date_posted.desc(), Vacancy.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(limit)
    ).all()
    return [row[0] for row in rows]


# ---------------------------------------------------------------------------- offers


@dataclass(frozen=True)
class OfferFilters(ListFilters):
    kind: str = ""
    country: str = ""  # where the provider is
    language: str = ""  # the language taught
    mode: str = ""
    destination: str = ""  # prepares for this destination country
    free: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> "OfferFilters":
        return cls(
            kind=_choice(args.get("kind"), OFFER_KINDS),
            country=checked_country(args.get("country")),
            language=_language(args.get("language")),
            mode=_choice(args.get("mode"), OFFER_MODES),
            destination=checked_country(args.get("destination")),
            free=str(args.get("free") or "").lower() in ("1", "true", "yes", "on"),
            page=_page(args.get("page")),
        )


@dataclass(frozen=True)
class OfferPage(ListPage):
    filters: OfferFilters
    offers: list[ServiceOffer]
    total: int
    per_page: int
    facets: dict[str, list[FacetValue]]


def _offer_conditions(session: Session, filters: OfferFilters) -> dict[str, ColumnElement[bool]]:
    conditions: dict[str, ColumnElement[bool]] = {"base": verified_provider()}
    if filters.kind:
        conditions["kind"] = ServiceOffer.kind == filters.kind
    if filters.country:
        conditions["country"] = ServiceOffer.country == filters.country
    if filters.language:
        conditions["language"] = ServiceOffer.language_taught == filters.language
    if filters.mode:
        conditions["mode"] = ServiceOffer.mode == filters.mode
    if filters.destination:
        conditions["destination"] = json_array_contains(session, ServiceOffer.destination_countries, filters.destination)
    if filters.free:
        conditions["free"] = ServiceOffer.cost == 0
    return conditions


def list_offers(session: Session, filters: OfferFilters, *, per_page: int = PER_PAGE) -> OfferPage:
    conditions = _offer_conditions(session, filters)
    where = _where(conditions)
    total = session.execute(select(func.count(ServiceOffer.id)).where(*where)).scalar_one()
    pages = max(1, -(-total // per_page))
    if filters.page > pages:
        filters = replace(filters, page=pages)
    rows = list(
        session.execute(
            select(ServiceOffer)
            .where(*where)
            .order_by(ServiceOffer.cost, ServiceOffer.title, ServiceOffer.id)
            .offset((filters.page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    facets: dict[str, list[FacetValue]] = {}
    for name, column in (
        ("kind", ServiceOffer.kind),
        ("country", ServiceOffer.country),
        ("language", ServiceOffer.language_taught),
        ("mode", ServiceOffer.mode),
    ):
        counted = session.execute(
            select(column, func.count(ServiceOffer.id))
            .where(*_where(conditions, without=name), column.is_not(None))  # type: ignore[union-attr]
            .group_by(column)
            .order_by(column)
        ).all()
        facets[name] = [FacetValue(str(value), count) for value, count in counted if value]
    elements, item = _string_elements(session, ServiceOffer.destination_countries, lateral=True)
    counted = session.execute(
        select(item, func.count(distinct(ServiceOffer.id)))
        .select_from(ServiceOffer)
        .join(elements, true())
        .where(*_where(conditions, without="destination"))
        .group_by(item)
        .order_by(item)
    ).all()
    facets["destination"] = [FacetValue(str(value), count) for value, count in counted if value]
    free = session.execute(
        select(func.count(ServiceOffer.id)).where(*_where(conditions, without="free"), ServiceOffer.cost == 0)
    ).scalar_one()
    facets["free"] = [FacetValue("1", free)]
    return OfferPage(filters, rows, total, per_page, facets)


def offers_for_provider(session: Session, provider_id: int | None) -> list[ServiceOffer]:
    """Every offer of an organisation (all of them for None: an admin), by title."""
    query = select(ServiceOffer).order_by(ServiceOffer.title, ServiceOffer.id)
    if provider_id is not None:
        query = query.where(ServiceOffer.provider_id == provider_id)
    return list(session.execute(query).scalars())


def offers_of_organisation(session: Session, organisation_id: int) -> list[ServiceOffer]:
    """The service offers an organisation gives, for its page in the directory, by kind and
    title (its page is shown only to those who may see the organisation at all)."""
    query = select(ServiceOffer).where(ServiceOffer.provider_id == organisation_id)
    return list(session.execute(query.order_by(ServiceOffer.kind, ServiceOffer.title, ServiceOffer.id)).scalars())


def offers_preparing_for(session: Session, country: str, languages: tuple[str, ...], *, limit: int = 20) -> list[ServiceOffer]:
    """Offers preparing for a destination: those naming it, and online or blended courses
    of its languages."""
    conditions = [json_array_contains(session, ServiceOffer.destination_countries, country)]
    if languages:
        conditions.append(
            and_(
                ServiceOffer.kind == "language_course",
                ServiceOffer.mode.in_(("online", "blended")),  # type: ignore[attr-defined]
                ServiceOffer.language_taught.in_(languages),  # type: ignore[union-attr]
            )
        )
    return list(
        session.execute(
            select(ServiceOffer).where(or_(*conditions), verified_provider()).order_by(ServiceOffer.kind, ServiceOffer.cost, ServiceOffer.id).limit(limit)
        ).scalars()
    )


# ---------------------------------------------------------------------------- form input


def input_errors(model: type[BaseModel], data: dict[str, Any]) -> tuple[BaseModel | None, dict[str, FieldProblem]]:
    """Validate form data completely: the record, or every problem by where it is.

    Unlike records.parse_input (first problem only), a form shows all its problems at
    once. Keys are dotted locations ("title", "languages.1.min_level"); a problem of the
    whole record (salary order, a skill listed twice...) is under the field it concerns,
    which its code names (core.validation).
    """
    try:
        return model.model_validate(data), {}
    except ValidationError as error:
        errors: dict[str, FieldProblem] = {}
        for problem in field_problems(error):
            errors.setdefault(problem.location or "form", problem)
        return None, errors


def vacancies_fitting(session: Session, filters: VacancyFilters, vacancy_ids: list[int], *, today: date | None = None) -> set[int]:
    """Which of these vacancies a vacancy search with these filters lists (a saved search's
    new hits: the same conditions as the list, on a handful of ids)."""
    if not vacancy_ids:
        return set()
    where = _where(_vacancy_conditions(session, filters, today or date.today()))
    return set(session.execute(select(Vacancy.id).where(*where, Vacancy.id.in_(vacancy_ids))).scalars())  # type: ignore[union-attr]
