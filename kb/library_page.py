"""The library's search page as a use case: what was asked, the search run, the page shown.

The page differs from the API and the CLI (which use kb.library_query and kb.service
directly) in two ways: with nothing asked it browses the latest entries, and a request it
cannot run is shown as a message on the page, with the filters as given, not refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.errors import HeadstartError
from core.languages import normalize_language
from core.runtime import Runtime
from kb.library_query import FILTERS, LibrarySearchRequest, parse_search_request
from kb.service import LibrarySearchPage, search_library
from practices.vocabulary import DOCUMENT_KINDS


@dataclass(frozen=True)
class LibraryPageRequest:
    """The page's parameters tidied (stripped, empty ones dropped) but not yet checked, so
    that a page refusing them can still show them as typed."""

    text: str
    sort: str
    filters: dict[str, tuple[str, ...]]
    page: str | None
    per_page: int
    reader_language: str | None  # ?lang= as given
    interface_language: str  # the reader's language when ?lang= is not given

    @property
    def browse(self) -> bool:
        """Nothing asked yet: the page shows the latest entries."""
        return not self.text and not self.filters


def library_page_request(
    *,
    text: str | None,
    sort: str | None,
    filters: Mapping[str, Sequence[str]],
    page: str | None,
    per_page: int,
    reader_language: str | None,
    interface_language: str,
) -> LibraryPageRequest:
    """Tidy the page's loose parameters; `filters` may name only FILTERS (others are ignored)."""
    tidied = {name: tuple(value.strip() for value in filters.get(name, ()) if value.strip()) for name in FILTERS}
    return LibraryPageRequest(
        text=(text or "").strip(),
        sort=(sort or "").strip() or "relevance",
        filters={name: values for name, values in tidied.items() if values},
        page=page,
        per_page=per_page,
        reader_language=reader_language,
        interface_language=interface_language,
    )


@dataclass(frozen=True)
class LibraryPage:
    """One page of the library search, or the reason there is none."""

    request: LibraryPageRequest
    result: LibrarySearchPage | None
    error: str | None
    filters: dict[str, tuple[str, ...]]  # the filters chosen: checked when the search ran, as given otherwise

    @property
    def page_number(self) -> int:
        return self.result.request.page if self.result else 1

    @property
    def first(self) -> int:
        """The rank of the page's first hit."""
        return (self.page_number - 1) * self.request.per_page + 1

    @property
    def last(self) -> int:
        """The rank of the page's last hit."""
        return (self.page_number - 1) * self.request.per_page + (len(self.result.hits) if self.result else 0)

    @property
    def has_next(self) -> bool:
        return bool(self.result and self.page_number < self.result.pages)


def _search_request(asked: LibraryPageRequest) -> LibrarySearchRequest:
    """The checked request; HeadstartError says what is wrong with it."""
    reader_language = normalize_language(asked.reader_language, field="lang") or asked.interface_language
    if asked.browse:  # the latest entries, with the facets of the whole library
        return parse_search_request(
            filters={"kind": list(DOCUMENT_KINDS.labels)}, sort="date", page=asked.page,
            per_page=asked.per_page, reader_language=reader_language,
        )  # fmt: skip
    return parse_search_request(
        text=asked.text, filters=asked.filters, sort=asked.sort, page=asked.page,
        per_page=asked.per_page, reader_language=reader_language,
    )  # fmt: skip


def library_page(runtime: Runtime, asked: LibraryPageRequest) -> LibraryPage:
    """Check the request and run the search; a request that cannot run gives a page with its error."""
    chosen = asked.filters
    try:
        search_request = _search_request(asked)
        if not asked.browse:
            chosen = search_request.filters
        result = search_library(runtime, search_request)
    except HeadstartError as error:
        return LibraryPage(asked, None, error.message, chosen)
    return LibraryPage(asked, result, None, chosen)
