"""A library search request, checked: what people may ask for and how it is refused.

The API, the CLI and the web pages all build a LibrarySearchRequest from loose strings
with `parse_search_request`, so a misspelt facet value or a page number out of range gets
the same clear message everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.errors import BadRequest
from core.languages import ISO_639_1, normalize_language
from practices.quality import LEVELS
from practices.vocabulary import (
    DELIVERY_MODES,
    DOCUMENT_KINDS,
    HANDBOOK_TOPICS,
    MEASURE_SUBTYPES,
    MEASURE_TYPES,
    TARGET_GROUPS,
    is_country,
)

MAX_QUERY_CHARS = 1_000
MAX_PER_PAGE = 100
MAX_PAGE = 500
SortOrder = Literal["relevance", "date"]
SearchMode = Literal["hybrid", "lexical", "dense"]

# Facets shown with every result, in this order.
FACETS = ("kind", "measure_type", "target_group", "country", "destination", "language", "quality", "topic")


def _check_vocabulary(terms: Mapping[str, str] | frozenset[str]):
    def check(value: str) -> str | None:
        return value if value in terms else None

    return check


def _check_country(value: str) -> str | None:
    code = value.upper()
    return code if is_country(code) else None


def _check_language(value: str) -> str | None:
    code = value.lower()
    return code if code in ISO_639_1 else None


@dataclass(frozen=True)
class FilterField:
    name: str
    label: str
    check: object  # (value) -> normalised value or None when unknown
    hint: str


FILTERS: dict[str, FilterField] = {
    f.name: f
    for f in (
        FilterField("kind", "document kind", _check_vocabulary(DOCUMENT_KINDS.labels), DOCUMENT_KINDS.describe()),
        FilterField("measure_type", "type of measure", _check_vocabulary(MEASURE_TYPES.labels), MEASURE_TYPES.describe()),
        FilterField("measure_subtype", "sub-type of measure", _check_vocabulary(MEASURE_SUBTYPES.labels), MEASURE_SUBTYPES.describe()),
        FilterField("target_group", "target group", _check_vocabulary(TARGET_GROUPS.labels), TARGET_GROUPS.describe()),
        FilterField("delivery_mode", "delivery mode", _check_vocabulary(DELIVERY_MODES.labels), DELIVERY_MODES.describe()),
        FilterField("country", "country", _check_country, "ISO 3166-1 alpha-2 codes such as PH or MA"),
        FilterField("destination", "destination country", _check_country, "ISO 3166-1 alpha-2 codes such as DE or CA"),
        FilterField("language", "language", _check_language, "ISO 639-1 codes such as en, fr or ar"),
        FilterField("quality", "quality level", _check_vocabulary(frozenset(name for name, _ in LEVELS)), ", ".join(n for n, _ in LEVELS)),
        FilterField("topic", "handbook topic", _check_vocabulary(HANDBOOK_TOPICS.labels), HANDBOOK_TOPICS.describe()),
    )
}  # fmt: skip


@dataclass(frozen=True)
class LibrarySearchRequest:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 10
    # The reader's language: a record is shown in it when a translation exists.
    reader_language: str | None = None
    # The language the query is written in, when the caller knows it; guessed otherwise.
    query_language: str | None = None
    mode: SearchMode = "hybrid"
    # A question the product asks (the pages on a gap), not a reader's words: its vector
    # may be kept in the embedding cache, so a fresh process answers without the model.
    persist_query_vector: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _integer(value: object, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {str(value)[:20]!r}.", field=name) from None
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}; got {number}.", field=name)
    return number


def parse_search_request(
    *,
    text: str | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
    sort: str | None = None,
    page: object = None,
    per_page: object = None,
    reader_language: str | None = None,
    query_language: str | None = None,
    mode: str | None = None,
) -> LibrarySearchRequest:
    """Check loose parameters; BadRequest names the parameter and what it accepts."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"The query is {len(text):,} characters long; at most {MAX_QUERY_CHARS:,}.", field="q")
    checked: dict[str, tuple[str, ...]] = {}
    for name, values in (filters or {}).items():
        spec = FILTERS.get(name)
        if spec is None:
            raise BadRequest(f"Unknown filter {name!r}; filters: {', '.join(FILTERS)}.", field=name)
        normalised = []
        for value in values:
            value = (value or "").strip()
            if not value:
                continue
            good = spec.check(value)  # type: ignore[operator]
            if good is None:
                raise BadRequest(f"Unknown {spec.label} {value[:40]!r}; use {spec.hint}.", field=name)
            normalised.append(good)
        if normalised:
            checked[name] = tuple(dict.fromkeys(normalised))
    if not text and not checked:
        raise BadRequest(
            "Type some words to search for, or choose at least one filter (for example kind=practice).", field="q"
        )
    sort = (sort or "relevance").strip().lower()
    if sort not in ("relevance", "date"):
        raise BadRequest(f"Unknown sort order {sort!r}; use relevance or date.", field="sort")
    mode = (mode or "hybrid").strip().lower()
    if mode not in ("hybrid", "lexical", "dense"):
        raise BadRequest(f"Unknown search mode {mode!r}; use hybrid, lexical or dense.", field="mode")
    return LibrarySearchRequest(
        text=text,
        filters=checked,
        sort=sort,  # type: ignore[arg-type]
        page=_integer(page, "page", 1, 1, MAX_PAGE),
        per_page=_integer(per_page, "per_page", 10, 1, MAX_PER_PAGE),
        reader_language=normalize_language(reader_language, field="lang"),
        query_language=normalize_language(query_language, field="query_lang"),
        mode=mode,  # type: ignore[arg-type]
    )
