"""The search interface every engine implements, and the data that crosses it.

An index holds documents of one collection (ESCO occupations, ESCO skills, library
documents ...). A document is split into passages; the lexical arm matches words in
passages, the dense arm compares the query vector with each passage's vector, and a
document scores as its best passage, so a hit can point to the passage that matched.
Keyword fields (country, language, type ...) filter both arms and are counted as facets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np

SearchMode = Literal["hybrid", "lexical", "dense"]


VectorModel = Literal["any", "primary", "multilingual"]


@dataclass(frozen=True)
class Passage:
    """A searchable piece of a document: a label, a paragraph, a handbook subsection.

    `embed` is False for passages that only the lexical arm should see. `vector_text`,
    when set, is what the dense arm encodes instead of `text` (a description encoded with
    its title, say). `vector_model` says which model of a CompositeEncoder encodes it:
    measurements on ESCO (bench/README.md) showed the English model works best on a
    concept's title and description, the multilingual one on its short labels; passages
    for a model the encoder lacks are left to the lexical arm.
    """

    anchor: str
    text: str
    heading: str = ""
    embed: bool = True
    vector_text: str | None = None
    vector_model: VectorModel = "any"
    # The document title as the lexical arm sees it for this passage, when it differs
    # from the document's (a translation's title, for a document that holds every
    # language version of a record).
    title: str | None = None

    @property
    def text_to_embed(self) -> str:
        return self.vector_text if self.vector_text is not None else self.text


@dataclass(frozen=True)
class IndexDocument:
    id: str
    title: str
    passages: tuple[Passage, ...]
    language: str = "en"
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A query-independent prior in [0, 1] (a practice's documentation quality) that a
    # query may add to the fused score with SearchQuery.boost_weight.
    boost: float = 0.0
    # ISO date (YYYY, YYYY-MM or YYYY-MM-DD) for sorting by date; None sorts last.
    date: str | None = None

    def content_hash(self) -> str:
        """Changes whenever anything indexed changes; engines skip unchanged documents."""
        payload = json.dumps(
            [
                self.title,
                self.language,
                [[p.anchor, p.heading, p.text, p.embed, p.vector_text, p.vector_model, p.title] for p in self.passages],
                sorted((k, sorted(v)) for k, v in self.keywords.items()),
                self.boost,
                self.date,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fusion:
    """How the lexical and dense arms are combined.

    - "convex": alpha * dense + (1 - alpha) * lexical, each arm's scores min-max
      normalised over its own candidates (the combination Bruch et al. found best once
      alpha is tuned);
    - "rrf": reciprocal rank fusion with constant `rrf_k`.
    Each collection's fusion was chosen by measurement (core/search/factory.py,
    bench/README.md).
    """

    method: Literal["convex", "rrf"] = "convex"
    alpha: float = 0.7
    rrf_k: int = 60

    @property
    def dense_only(self) -> bool:
        """alpha 1.0: the dense arm ranks alone; words are only a fallback when it finds nothing."""
        return self.method == "convex" and self.alpha >= 1.0


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    k: int = 10
    offset: int = 0
    mode: SearchMode = "hybrid"
    fusion: Fusion | None = None
    # Language of the query text when known or guessed (ISO 639-1); picks the model of a
    # CompositeEncoder.
    language: str | None = None
    # A precomputed query vector (benchmarks measure search without encoding).
    vector: np.ndarray | None = None
    # The text is the product's own, not a person's words: its vector may be kept in the
    # database's embedding cache (Encoder.encode_query, persist).
    persist_query_vector: bool = False
    # How many candidates each arm contributes before fusion.
    candidates: int = 100
    # Count every lexical match for `total` (a results page shows it); suggestions and
    # evaluations that only need the top hits turn it off and save a pass over matches.
    track_total: bool = True
    # Added to each document's fused score, times its IndexDocument.boost.
    boost_weight: float = 0.0
    # "date": the `candidates` most relevant documents, newest first (no text: all, newest first).
    sort: Literal["relevance", "date"] = "relevance"


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    title: str
    passage_anchor: str
    passage_heading: str
    snippet: str  # HTML-safe, matched words in <mark>
    passage_text: str = ""
    lexical_score: float | None = None
    dense_score: float | None = None


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)


@runtime_checkable
class SearchIndex(Protocol):
    """What the services need from a search engine; see tests/contract for the rules."""

    name: str

    def upsert(self, documents: list[IndexDocument], *, progress=None) -> int:
        """Add or replace documents by id; returns how many were new or changed."""
        ...

    def delete(self, ids: list[str]) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def count(self) -> int: ...

    def ids(self) -> set[str]: ...

    def clear(self) -> None: ...
