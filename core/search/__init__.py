"""Search: one interface (`SearchIndex`), an embedded engine and an Elasticsearch engine."""

from core.search.base import (
    FacetCount,
    Fusion,
    Hit,
    IndexDocument,
    Passage,
    SearchIndex,
    SearchQuery,
    SearchResult,
)

__all__ = [
    "FacetCount",
    "Fusion",
    "Hit",
    "IndexDocument",
    "Passage",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
]
