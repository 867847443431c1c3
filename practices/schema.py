"""The library's records (good-practice case studies and handbook sections) and their rules.

Every import format (Markdown with front matter, CSV, JSON Lines) and every form turns its
input into a mapping of fields, and `record_from_fields` is the one place that checks it:
unknown fields, missing titles, unknown country codes or vocabulary terms and bad dates
raise a `RecordError` naming the field, which the format reader turns into an error
naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from core.languages import ISO_639_1
from practices.vocabulary import (
    DELIVERY_MODES,
    DOCUMENT_KINDS,
    EVALUATION_TYPES,
    HANDBOOK_TOPICS,
    MEASURE_SUBTYPES,
    MEASURE_TYPES,
    PRACTICE_SECTIONS,
    TARGET_GROUPS,
    Vocabulary,
    is_country,
)

RecordKind = Literal["practice", "handbook"]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$")
DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SECTION_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_TEXT = 100_000  # characters in one field: a long handbook section is about 10,000


class RecordError(ValueError):
    """A field of a record breaks a rule; the message is written for the record's author."""

    def __init__(self, field_name: str, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        # A stable name for the rule broken and its values, so the pages can say it in
        # the reader's language; the English message stays for files and the CLI.
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Section:
    """A narrative part of a record under its own heading; `key` is its stable anchor."""

    key: str
    heading: str
    text: str


@dataclass(frozen=True)
class Period:
    start: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    end: str | None = None
    regular_service: bool = False

    def years_running(self, today: date) -> float | None:
        """How long the practice ran (or has run): None when its start is unknown."""
        if not self.start:
            return None
        start = _as_date(self.start)
        end = _as_date(self.end, last=True) if self.end else today
        return max(0.0, (end - start).days / 365.25)


def _as_date(value: str, *, last: bool = False) -> date:
    parts = [int(part) for part in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if last else 1)
    day = parts[2] if len(parts) > 2 else (28 if last else 1)
    return date(year, month, day)


@dataclass(frozen=True)
class LibraryRecord:
    """One record of the library, as stored and as exchanged in files.

    Practices and handbook sections share one shape (kind-specific fields stay empty for
    the other kind) so that search, import, export and translation links treat them alike.
    """

    id: str
    kind: RecordKind
    title: str
    language: str = "en"
    translation_of: str | None = None
    summary: str = ""
    sections: tuple[Section, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    # practice
    implementing_countries: tuple[str, ...] = ()
    origin_countries: tuple[str, ...] = ()
    destination_countries: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    period: Period = field(default_factory=Period)
    target_groups: tuple[str, ...] = ()
    measure_types: tuple[str, ...] = ()
    measure_subtypes: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    evaluation_type: str = "unknown"
    # handbook
    chapter: int | None = None
    section: int | None = None
    topics: tuple[str, ...] = ()
    related_practices: tuple[str, ...] = ()

    @property
    def group_id(self) -> str:
        """The id shared by a record and its translations: the original's."""
        return self.translation_of or self.id

    def section_text(self, key: str) -> str:
        return next((s.text for s in self.sections if s.key == key), "")

    def to_fields(self) -> dict[str, Any]:
        """Plain data (lists, dicts) in the field names of the file formats."""
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "language": self.language}
        data["translation_of"] = self.translation_of
        data["title"] = self.title
        for name in _KIND_FIELDS[self.kind]:
            value = getattr(self, name)
            if isinstance(value, Period):
                value = {"start": value.start, "end": value.end, "regular_service": value.regular_service}
            elif isinstance(value, tuple):
                value = list(value)
            data[name] = value
        data["sources"] = list(self.sources)
        data["sections"] = [{"key": s.key, "heading": s.heading, "text": s.text} for s in self.sections]
        return data


_PRACTICE_FIELDS = (
    "summary",
    "implementing_countries",
    "origin_countries",
    "destination_countries",
    "organisations",
    "partners",
    "period",
    "target_groups",
    "measure_types",
    "measure_subtypes",
    "delivery_modes",
    "languages",
    "evaluation_type",
    "tags",
)
_HANDBOOK_FIELDS = ("chapter", "section", "topics", "related_practices", "summary", "tags")
_KIND_FIELDS: dict[str, tuple[str, ...]] = {"practice": _PRACTICE_FIELDS, "handbook": _HANDBOOK_FIELDS}
_ALWAYS = ("id", "kind", "language", "translation_of", "title", "sources", "sections")

_COUNTRY_LISTS = ("implementing_countries", "origin_countries", "destination_countries")
_VOCABULARY_LISTS: dict[str, Vocabulary] = {
    "target_groups": TARGET_GROUPS,
    "measure_types": MEASURE_TYPES,
    "measure_subtypes": MEASURE_SUBTYPES,
    "delivery_modes": DELIVERY_MODES,
    "topics": HANDBOOK_TOPICS,
}
_TEXT_LISTS = ("organisations", "partners", "tags", "related_practices", "sources")


def allowed_fields(kind: str) -> tuple[str, ...]:
    return _ALWAYS + _KIND_FIELDS.get(kind, ())


def record_from_fields(data: Mapping[str, Any]) -> LibraryRecord:
    """Check a mapping of fields and build the record; the first broken rule raises."""
    kind = _text(data, "kind", required=True)
    if kind not in DOCUMENT_KINDS:
        raise RecordError("kind", f"unknown kind {kind!r}: use practice or handbook")
    unknown = sorted(set(data) - set(allowed_fields(kind)))
    if unknown:
        raise RecordError(unknown[0], f"unknown field for a {kind} record (fields: {', '.join(allowed_fields(kind))})")
    record_id = _text(data, "id", required=True)
    if not ID_PATTERN.match(record_id):
        raise RecordError("id", f"{record_id!r} is not a valid id: use 2-100 lowercase letters, digits and hyphens", code="invalid_id", value=record_id)
    translation_of = _text(data, "translation_of") or None
    if translation_of is not None and not ID_PATTERN.match(translation_of):
        raise RecordError("translation_of", f"{translation_of!r} is not a valid id")
    if translation_of == record_id:
        raise RecordError("translation_of", "a record cannot be a translation of itself")
    language = _text(data, "language", required=True).lower()
    if language not in ISO_639_1:
        raise RecordError("language", f"unknown language code {language!r}: use an ISO 639-1 code such as en, fr or ar", code="unknown_language", value=language)
    values: dict[str, Any] = {
        "id": record_id,
        "kind": kind,
        "title": _text(data, "title", required=True, limit=500),
        "language": language,
        "translation_of": translation_of,
        "summary": _text(data, "summary", limit=5_000),
        "sources": _text_list(data, "sources"),
        "sections": _sections(data, kind),
    }
    for name in _KIND_FIELDS[kind]:
        if name in ("summary",):
            continue
        if name in _COUNTRY_LISTS:
            values[name] = _countries(data, name)
        elif name in _VOCABULARY_LISTS:
            values[name] = _terms(data, name, _VOCABULARY_LISTS[name])
        elif name == "languages":
            values[name] = _language_list(data, name)
        elif name in _TEXT_LISTS:
            values[name] = _text_list(data, name)
        elif name == "period":
            values[name] = _period(data.get("period"))
        elif name == "evaluation_type":
            term = _text(data, name) or "unknown"
            if term not in EVALUATION_TYPES:
                raise RecordError(name, f"unknown term {term!r}; use one of: {EVALUATION_TYPES.describe()}")
            values[name] = term
        elif name in ("chapter", "section"):
            values[name] = _number(data, name)
    if not values["sources"]:
        raise RecordError("sources", "every record names at least one source (a URL or a reference)", code="sources_missing")
    return LibraryRecord(**values)


def _text(data: Mapping[str, Any], name: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(name, "is missing", code="missing")
        return ""
    if isinstance(value, (list, dict)):
        raise RecordError(name, "must be a single text, not a list")
    text = str(value).strip()
    if len(text) > limit:
        raise RecordError(name, f"is {len(text):,} characters long; at most {limit:,}", code="too_long", length=len(text), limit=limit)
    return text


def _as_list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise RecordError(name, "must be a list")


def _text_list(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    items = []
    for item in _as_list(data, name):
        if isinstance(item, (list, dict)) or item is None:
            raise RecordError(name, "must be a list of texts")
        text = str(item).strip()
        if len(text) > 2_000:
            raise RecordError(name, "has an item longer than 2,000 characters", code="item_too_long", limit=2000)
        if text:
            items.append(text)
    return tuple(dict.fromkeys(items))


def _countries(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    codes = tuple(code.upper() for code in _text_list(data, name))
    for code in codes:
        if not is_country(code):
            raise RecordError(name, f"unknown country code {code!r}: use ISO 3166-1 alpha-2 codes such as PH, DE or MA", code="unknown_country", value=code)
    return codes


def _terms(data: Mapping[str, Any], name: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    terms = _text_list(data, name)
    for term in terms:
        if term not in vocabulary:
            raise RecordError(name, f"unknown {vocabulary.name} {term!r}; use one of: {vocabulary.describe()}")
    return terms


def _language_list(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    codes = tuple(code.lower() for code in _text_list(data, name))
    for code in codes:
        if code not in ISO_639_1:
            raise RecordError(name, f"unknown language code {code!r}: use ISO 639-1 codes such as en, fr or ar", code="unknown_language", value=code)
    return codes


def _number(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(name, "must be a whole number", code="not_whole_number", value="")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise RecordError(name, f"{value!r} is not a whole number", code="not_whole_number", value=value) from None
    if not 0 <= number <= 999:
        raise RecordError(name, "must be between 0 and 999", code="out_of_range", low=0, high=999)
    return number


def _date_text(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not DATE_PATTERN.match(text):
        raise RecordError(name, f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD", code="not_a_date", value=text)
    try:
        _as_date(text)
    except ValueError:
        raise RecordError(name, f"{text!r} is not a real date", code="not_a_real_date", value=text) from None
    return text


def _period(value: Any) -> Period:
    if value is None or value == "":
        return Period()
    if not isinstance(value, Mapping):
        raise RecordError("period", "must have start, end and regular_service")
    unknown = sorted(set(value) - {"start", "end", "regular_service"})
    if unknown:
        raise RecordError(f"period.{unknown[0]}", "unknown field (period has start, end and regular_service)")
    start = _date_text(value.get("start"), "period.start")
    end = _date_text(value.get("end"), "period.end")
    if start and end and _as_date(end, last=True) < _as_date(start):
        raise RecordError("period.end", f"ends ({end}) before it starts ({start})", code="ends_before_start", start=start, end=end)
    regular = value.get("regular_service", False)
    if isinstance(regular, str):
        if regular.strip().lower() not in ("true", "false", "yes", "no", "1", "0", ""):
            raise RecordError("period.regular_service", f"{regular!r} is not true or false")
        regular = regular.strip().lower() in ("true", "yes", "1")
    elif not isinstance(regular, bool) and regular is not None:
        raise RecordError("period.regular_service", "must be true or false")
    return Period(start=start, end=end, regular_service=bool(regular))


def _sections(data: Mapping[str, Any], kind: str) -> tuple[Section, ...]:
    raw = data.get("sections") or []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise RecordError("sections", "must be a list of sections with key, heading and text")
    sections: list[Section] = []
    seen: set[str] = set()
    for item in raw:
        if isinstance(item, Section):
            item = {"key": item.key, "heading": item.heading, "text": item.text}
        if not isinstance(item, Mapping):
            raise RecordError("sections", "each section has key, heading and text")
        key = str(item.get("key") or "").strip()
        if not SECTION_KEY_PATTERN.match(key):
            raise RecordError("sections", f"section key {key!r} must be lowercase letters, digits and hyphens")
        if kind == "practice" and key not in PRACTICE_SECTIONS:
            raise RecordError(key, f"unknown section of a practice; use one of: {', '.join(PRACTICE_SECTIONS)}")
        if key in seen:
            raise RecordError(key, "this section appears twice")
        seen.add(key)
        text = str(item.get("text") or "").strip()
        if len(text) > MAX_TEXT:
            raise RecordError(key, f"is {len(text):,} characters long; at most {MAX_TEXT:,}", code="too_long", length=len(text), limit=MAX_TEXT)
        if text:
            heading = str(item.get("heading") or "").strip() or PRACTICE_SECTIONS.get(key, key.replace("-", " ").capitalize())
            sections.append(Section(key=key, heading=heading[:300], text=text))
    return tuple(sections)

