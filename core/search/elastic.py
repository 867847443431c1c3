"""The Elasticsearch engine: the same SearchIndex as the embedded engine, on a server.

Targets Elasticsearch 8.16+ and 9.x (nested kNN with inner hits needs 8.11; the `rrf`
retriever is GA from 8.16). The Python client must be of the server's major version (a
9.x client sends `compatible-with=9`, which an 8.x server refuses); the error says so.

Document layout. One Elasticsearch document per IndexDocument, its passages a `nested`
array, rather than one Elasticsearch document per passage collapsed on the parent id:

- a document scores as its best passage in both arms without extra work: the lexical
  arm is a `nested` query with `score_mode: max`, the dense arm a nested kNN search
  (which ranks parents by their nearest passage), and `inner_hits` (size 1) names that
  passage (its `_nested.offset`, heading and text, and the highlighted fragment);
- totals, facet counts (`terms` aggregations), browsing, paging and sorting count
  documents, not passages: with one document per passage they would need a
  cardinality aggregation for the total (approximate above 3,000) and per-bucket
  cardinality sub-aggregations for every facet, and `collapse` cannot be combined with
  kNN + query unions or with the `rrf` retriever;
- BM25 statistics are still per passage (each nested passage is a Lucene document), as
  the embedded engine's FTS5 rows are;
- upsert, delete and the content-hash check are one document each.
The price: changing one passage re-indexes the whole document (as the embedded engine
does anyway), and `index.mapping.nested_objects.limit` (10,000 passages a document).

Fusion. Convex fusion (every collection today, core/search/factory.py) is computed in
Python by core/search/fusion.py from two requests sent together in one `_msearch`: the
lexical arm and the kNN arm, each over `candidates` documents, with the filters inside
both (`bool.filter` and `knn.filter`), and a third body (`size: 0`, query + knn) whose
`hits.total` and aggregations cover exactly the union of both arms' matches, as the
embedded engine's total and facets do. RRF fusion uses the server's `retriever.rrf`
(pinned shape: `rank_constant`, `rank_window_size`, a `standard` and a `knn` child
retriever; GA in 8.16, same in 9.x); it needs a Platinum/Enterprise licence, so a licence
refusal falls back to the same RRF in Python. A fusion of alpha 1.0 (ESCO collections)
runs the kNN arm alone and the words only when the vectors find nothing.

Reindexing without downtime: the collection's name is an alias over one concrete index
`<alias>-<UTC timestamp>`; `rebuild(documents)` fills a new concrete index and swaps the
alias atomically (`_aliases` with remove + add), then deletes the old index.
"""

from __future__ import annotations

import html
import inspect
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from core.embeddings.encoder import CompositeEncoder, Encoder
from core.errors import HeadstartError
from core.search.base import FacetCount, Fusion, Hit, IndexDocument, Passage, SearchQuery, SearchResult
from core.search.elastic_mappings import (
    LANGUAGE_ANALYZERS,
    MAPPING_VERSION,
    TEXT_FIELDS,
    index_mappings,
    index_settings,
)
from core.search.embedded import highlight_snippet, highlight_terms, query_words, typed_prefix
from core.search.fusion import ArmScores, fuse

INDEX_PREFIX = "headstart-"
UPSERT_CHUNK = 500  # documents per content-hash lookup; also how often progress moves
BULK_CHUNK = 200  # documents per _bulk request (vectors make them large)
BULK_MAX_BYTES = 20 * 1024 * 1024
RETRY_STATUSES = (429, 502, 503, 504)
FACET_SIZE = 1000  # facet values counted per field (every value, in practice)
MAX_WINDOW = 10_000  # index.max_result_window and the kNN num_candidates ceiling
SNIPPET_CHARS = 200
MIN_VERSION = (8, 11)  # nested dense_vector, nested kNN with inner_hits
RRF_RETRIEVER_VERSION = (8, 16)  # retriever.rrf generally available
SOURCE_FIELDS = ["title", "boost", "date"]
INNER_HITS = "best_passage"
HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",  # the passage text is escaped, only the tags are markup
    "fields": {"passages.text": {"type": "unified", "number_of_fragments": 1, "fragment_size": SNIPPET_CHARS}},
}
_TOKEN = re.compile(r"\w+", re.UNICODE)
_NAME_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def index_alias(name: str, prefix: str = INDEX_PREFIX) -> str:
    """The alias of a collection: lower case, only characters Elasticsearch allows."""
    return prefix + (_NAME_UNSAFE.sub("-", name.lower()).strip("-_+") or "index")


def redact_url(url: str | None) -> str:
    """The URL without user name and password, for messages."""
    if not url:
        return "(none)"
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def connect(url: str | None, **options: Any):
    """An Elasticsearch client for `url`; nothing is sent until the first request.

    The transport retries a request that failed to connect, timed out or got 429/5xx
    (`max_retries`); _bulk items are retried with back-off by the bulk helper.
    """
    if not url:
        raise HeadstartError("HEADSTART_SEARCH=elasticsearch needs ELASTICSEARCH_URL (e.g. http://localhost:9200)")
    from elasticsearch import Elasticsearch

    settings: dict[str, Any] = {
        "request_timeout": 30,
        "max_retries": 3,
        "retry_on_status": RETRY_STATUSES,
        "retry_on_timeout": True,
    }
    settings.update(options)
    try:
        return Elasticsearch(url, **settings)
    except ValueError as exc:
        raise HeadstartError(f"ELASTICSEARCH_URL {redact_url(url)!r} is not a usable URL ({exc})") from None


_SHARED: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()


def shared_client(url: str | None):
    """One client per URL and process, shared by every collection: the client is
    thread-safe and keeps a connection pool, which is meant to live as long as the process."""
    if not url:
        return connect(url)  # raises the message about ELASTICSEARCH_URL
    with _SHARED_LOCK:
        client = _SHARED.get(url)
        if client is None:
            client = _SHARED[url] = connect(url)
        return client


def _version(number: str) -> tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", number or "")
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def _bulk_supports_retry_statuses() -> bool:
    from elasticsearch import helpers

    return "retry_on_status" in inspect.signature(helpers.streaming_bulk).parameters


class ElasticsearchIndex:
    """SearchIndex on an Elasticsearch alias; hybrid lexical + kNN search, fused as configured."""

    def __init__(
        self,
        client: Any,
        *,
        name: str,
        encoder: Encoder | CompositeEncoder,
        fusion: Fusion | None = None,
        url: str | None = None,
        prefix: str = INDEX_PREFIX,
        replicas: int = 0,
        bulk_retries: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 60.0,
        server_rrf: bool = True,
        clock: Callable[[], datetime] | None = None,
        owns_client: bool = False,
    ) -> None:
        self.name = name
        self.client = client
        self.encoder = encoder
        self.fusion = fusion or Fusion()
        self.url = url
        self.alias = index_alias(name, prefix)
        self.replicas = replicas
        self.bulk_retries = bulk_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.server_rrf = server_rrf
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._owns_client = owns_client
        self._lock = threading.RLock()
        self._server: tuple[int, int] | None = None
        self._ready = False
        self._built_with: str | None = None  # the encoder named in the index's _meta
        self._mapping_version: int | None = MAPPING_VERSION

    @classmethod
    def from_url(cls, url: str | None, *, name: str, encoder, fusion: Fusion | None = None, **options: Any):
        return cls(shared_client(url), name=name, encoder=encoder, fusion=fusion, url=url, **options)

    # ------------------------------------------------------------------ errors

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Server trouble as one HeadstartError line naming ELASTICSEARCH_URL."""
        from elasticsearch import (
            ApiError,
            AuthenticationException,
            AuthorizationException,
            ConnectionError,
            ConnectionTimeout,
            UnsupportedProductError,
        )

        where = redact_url(self.url) if self.url else "the configured server"
        try:
            yield
        except (AuthenticationException, AuthorizationException) as exc:
            raise HeadstartError(
                f"Elasticsearch at {where} refused the request ({exc.meta.status}): check the credentials in "
                "ELASTICSEARCH_URL"
            ) from None
        except UnsupportedProductError:
            raise HeadstartError(f"The server at {where} (ELASTICSEARCH_URL) is not Elasticsearch") from None
        except (ConnectionError, ConnectionTimeout) as exc:
            raise HeadstartError(
                f"Elasticsearch at {where} cannot be reached ({exc.__class__.__name__}): check ELASTICSEARCH_URL, "
                "or set HEADSTART_SEARCH=embedded"
            ) from None
        except ApiError as exc:
            if "media_type_header_exception" in str(exc.body) or "Accept version" in str(exc.body):
                import elasticsearch

                raise HeadstartError(
                    f"Elasticsearch at {where} does not speak the API of the installed Python client "
                    f"(elasticsearch {'.'.join(map(str, elasticsearch.__versionstr__.split('.')[:2]))}): install "
                    "the client of the server's major version, e.g. pip install 'elasticsearch>=8.16,<9' for 8.x"
                ) from None
            error = exc.body.get("error") if isinstance(exc.body, dict) else None
            detail = f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else exc.message
            raise HeadstartError(f"Elasticsearch at {where} refused a request ({exc.meta.status} {detail})") from exc

    # ------------------------------------------------------------------ the index

    def _vector_fields(self) -> list[tuple[str, int, int]]:
        """(passage field, first column, end column) of each model block of the encoder."""
        blocks = list(getattr(self.encoder, "blocks", ()) or ())
        if not blocks:
            return [("vector_primary", 0, int(self.encoder.dimension))]
        if len(blocks) == 2:
            names = ["vector_primary", "vector_multilingual"]
        else:
            names = [f"vector_{i}" for i in range(len(blocks))]
        return [(names[i], int(start), int(end)) for i, (start, end) in enumerate(blocks)]

    def _fields_for_model(self, model: str) -> list[tuple[str, int, int]]:
        fields = self._vector_fields()
        if model == "any":
            return fields
        wanted = {"primary": "vector_primary", "multilingual": "vector_multilingual"}.get(model)
        return [field for field in fields if field[0] == wanted]

    def index_body(self) -> dict[str, Any]:
        """Settings and mappings of a new concrete index of this collection."""
        fields = self._vector_fields()
        meta = {
            "collection": self.name,
            "encoder": self.encoder.model_name,
            "vector_fields": {name: end - start for name, start, end in fields},
        }
        return {
            "settings": index_settings(replicas=self.replicas),
            "mappings": index_mappings(vector_fields={name: end - start for name, start, end in fields}, meta=meta),
        }

    def _new_index_name(self) -> str:
        return f"{self.alias}-{self._clock().strftime('%Y%m%d%H%M%S%f')}"

    def _check_server(self) -> None:
        if self._server is not None:
            return
        info = self.client.info()
        version = _version(info.get("version", {}).get("number", ""))
        if version < MIN_VERSION:
            raise HeadstartError(
                f"Elasticsearch {info.get('version', {}).get('number')} at {redact_url(self.url)} is too old: "
                "Headstart needs 8.11 or newer (8.16+ or 9.x recommended)"
            )
        self._server = version

    def _existing(self) -> dict[str, Any] | None:
        """{concrete index: its description} behind the alias, or None when there is none."""
        from elasticsearch import NotFoundError

        try:
            return dict(self.client.indices.get(index=self.alias))
        except NotFoundError:
            return None

    def _ensure_index(self) -> None:
        """Create the alias and its first concrete index on first use; read the _meta."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self._check_server()
            existing = self._existing()
            if existing is None:
                mine = self._new_index_name()
                self.client.indices.create(index=mine, aliases={self.alias: {}}, **self.index_body())
                self._built_with = self.encoder.model_name
                self._mapping_version = MAPPING_VERSION
                behind = sorted(self._existing() or {})
                if len(behind) > 1 and behind[0] != mine:
                    # Another process created the alias at the same moment: keep the older index.
                    self.client.indices.delete(index=mine, ignore_unavailable=True)
            else:
                description = existing[sorted(existing)[0]]
                meta = description.get("mappings", {}).get("_meta", {}).get("headstart", {})
                self._built_with = meta.get("encoder")
                self._mapping_version = meta.get("mapping_version")
                stale = self._built_with != self.encoder.model_name or self._mapping_version != MAPPING_VERSION
                if stale and self._count() == 0:
                    # An empty index made for another model or layout: nothing to lose.
                    self._rebuild([], None)
            self._ready = True

    def _check_encoder(self) -> None:
        """Vectors of two models cannot be compared: say so instead of ranking nonsense."""
        if self._mapping_version != MAPPING_VERSION:
            raise HeadstartError(
                f"The search index {self.name!r} was built by another version of Headstart. "
                "Run `headstart index rebuild` to re-index it."
            )
        if self._built_with is not None and self._built_with != self.encoder.model_name:
            raise HeadstartError(
                f"The search index {self.name!r} was built with the embedding model {self._built_with!r}, "
                f"but the settings now name {self.encoder.model_name!r}. "
                "Run `headstart index rebuild` to re-index with the new model."
            )

    # ------------------------------------------------------------------ writing

    def upsert(self, documents: Sequence[IndexDocument], *, progress: Callable[[int], None] | None = None) -> int:
        """Add or replace documents; unchanged ones (same content hash) are not sent."""
        with self._errors():
            self._ensure_index()
            self._check_encoder()
            changed_total = 0
            for start in range(0, len(documents), UPSERT_CHUNK):
                chunk = documents[start : start + UPSERT_CHUNK]
                changed = self._changed_documents(chunk)
                if changed:
                    self._bulk(self._index_actions(changed, self.alias))
                    changed_total += len(changed)
                if progress:
                    progress(len(chunk))
            if changed_total:
                self.client.indices.refresh(index=self.alias)
            return changed_total

    def _changed_documents(self, documents: Sequence[IndexDocument]) -> list[IndexDocument]:
        latest = {doc.id: doc for doc in documents}  # the last copy of a repeated id wins
        response = self.client.mget(index=self.alias, ids=list(latest), source_includes=["content_hash"])
        existing = {
            item["_id"]: item.get("_source", {}).get("content_hash")
            for item in response.get("docs", [])
            if item.get("found")
        }
        return [doc for doc in latest.values() if existing.get(doc.id) != doc.content_hash()]

    def _embedded(self, passage: Passage) -> bool:
        return passage.embed and passage.vector_model in self.encoder.models and bool(passage.text_to_embed.strip())

    def _passage_vectors(self, documents: Sequence[IndexDocument]) -> list[dict[str, list[float]]]:
        """Per embedded passage (document order): vector field -> vector as a list."""
        passages = [p for doc in documents for p in doc.passages if self._embedded(p)]
        out: list[dict[str, list[float]]] = [{} for _ in passages]
        by_model: dict[str, list[int]] = {}
        for position, passage in enumerate(passages):
            by_model.setdefault(passage.vector_model, []).append(position)
        for model, positions in by_model.items():
            vectors = np.asarray(self.encoder.encode_for([passages[i].text_to_embed for i in positions], model))
            for field, start, end in self._fields_for_model(model):
                block = vectors[:, start:end]
                norms = np.linalg.norm(block, axis=1)
                for row, position in enumerate(positions):
                    if norms[row] > 1e-12:  # cosine refuses zero vectors
                        out[position][field] = block[row].astype(np.float32).tolist()
        return out

    def document_source(
        self, doc: IndexDocument, vectors: Iterator[dict[str, list[float]]] | None = None
    ) -> dict[str, Any]:
        """The Elasticsearch _source of one document (vectors: one entry per embedded passage)."""
        passages = []
        for passage in doc.passages:
            entry: dict[str, Any] = {
                "anchor": passage.anchor,
                "heading": passage.heading,
                "text": passage.text,
                "title": passage.title or doc.title,
            }
            if vectors is not None and self._embedded(passage):
                entry.update(next(vectors))
            passages.append(entry)
        return {
            "doc_id": doc.id,
            "title": doc.title,
            "language": doc.language,
            "content_hash": doc.content_hash(),
            "boost": float(doc.boost),
            "date": doc.date,
            "keywords": {field: sorted(set(values)) for field, values in doc.keywords.items() if values},
            "passages": passages,
        }

    def _index_actions(self, documents: Sequence[IndexDocument], index: str) -> list[dict[str, Any]]:
        vectors = iter(self._passage_vectors(documents))
        return [
            {"_op_type": "index", "_index": index, "_id": doc.id, "_source": self.document_source(doc, vectors)}
            for doc in documents
        ]

    def _bulk_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "chunk_size": BULK_CHUNK,
            "max_chunk_bytes": BULK_MAX_BYTES,
            "max_retries": self.bulk_retries,
            "initial_backoff": self.initial_backoff,  # then doubled each retry, up to max_backoff
            "max_backoff": self.max_backoff,
            "raise_on_error": False,
            "raise_on_exception": True,
        }
        if _bulk_supports_retry_statuses():  # elasticsearch-py 8.17+; older ones retry 429 only
            options["retry_on_status"] = RETRY_STATUSES
        return options

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send actions with retries and back-off; returns every item's result."""
        from elasticsearch import helpers

        results = []
        failures = []
        for ok, item in helpers.streaming_bulk(self.client, actions, yield_ok=True, **self._bulk_options()):
            operation, info = next(iter(item.items()))
            results.append(info)
            if not ok and not (operation == "delete" and info.get("status") == 404):
                failures.append(info)
        if failures:
            error = failures[0].get("error")
            reason = error.get("reason") if isinstance(error, dict) else error
            raise HeadstartError(
                f"Elasticsearch refused {len(failures)} of the changes to the search index {self.name!r} "
                f"(document {failures[0].get('_id')!r}: {reason})"
            )
        return results

    def delete(self, ids: list[str]) -> int:
        with self._errors():
            self._ensure_index()
            if not ids:
                return 0
            actions = [{"_op_type": "delete", "_index": self.alias, "_id": doc_id} for doc_id in dict.fromkeys(ids)]
            deleted = sum(1 for info in self._bulk(actions) if info.get("result") == "deleted")
            if deleted:
                self.client.indices.refresh(index=self.alias)
            return deleted

    def rebuild(self, documents: Sequence[IndexDocument], *, progress: Callable[[int], None] | None = None) -> int:
        """Index `documents` into a new concrete index, then point the alias at it atomically.

        Searches keep using the old index until the swap; if anything fails, the new
        index is deleted and the old one stays. Returns how many documents were indexed.
        """
        with self._errors():
            with self._lock:
                self._check_server()
                return self._rebuild(documents, progress)

    def _rebuild(self, documents: Sequence[IndexDocument], progress: Callable[[int], None] | None) -> int:
        new = self._new_index_name()
        self.client.indices.create(index=new, **self.index_body())
        try:
            indexed = 0
            for start in range(0, len(documents), UPSERT_CHUNK):
                chunk = list({doc.id: doc for doc in documents[start : start + UPSERT_CHUNK]}.values())
                self._bulk(self._index_actions(chunk, new))
                indexed += len(chunk)
                if progress:
                    progress(len(documents[start : start + UPSERT_CHUNK]))
            self.client.indices.refresh(index=new)
            old = sorted(self._existing() or {})
            actions: list[dict[str, Any]] = []
            for index in old:
                if index == self.alias:  # a concrete index of the alias's name (made by hand)
                    actions.append({"remove_index": {"index": index}})
                else:
                    actions.append({"remove": {"index": index, "alias": self.alias}})
            actions.append({"add": {"index": new, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
        except BaseException:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        stale = [index for index in old if index not in (self.alias, new)]
        if stale:
            self.client.indices.delete(index=",".join(stale), ignore_unavailable=True)
        self._built_with = self.encoder.model_name
        self._mapping_version = MAPPING_VERSION
        self._ready = True
        return indexed

    def clear(self) -> None:
        """An empty index in place of the old one (also forgets the embedding model)."""
        self.rebuild([])

    # ------------------------------------------------------------------ reading

    def _count(self) -> int:
        return int(self.client.count(index=self.alias)["count"])

    def count(self) -> int:
        with self._errors():
            self._ensure_index()
            return self._count()

    def ids(self) -> set[str]:
        with self._errors():
            self._ensure_index()
            found: set[str] = set()
            after: list[Any] | None = None
            while True:
                body: dict[str, Any] = {
                    "query": {"match_all": {}},
                    "size": MAX_WINDOW,
                    "sort": [{"doc_id": "asc"}],
                    "_source": False,
                    "track_total_hits": False,
                }
                if after is not None:
                    body["search_after"] = after
                hits = self.client.search(index=self.alias, body=body)["hits"]["hits"]
                found.update(hit["_id"] for hit in hits)
                if len(hits) < MAX_WINDOW:
                    return found
                after = hits[-1]["sort"]

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    # ------------------------------------------------------------------ request bodies

    @staticmethod
    def filter_clauses(filters: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
        """One `terms` clause per field: values of a field are alternatives, fields all apply."""
        clauses = []
        for field, values in filters.items():
            values = [value for value in dict.fromkeys(values) if value]
            if values:
                clauses.append({"terms": {f"keywords.{field}": values}})
        return clauses

    @staticmethod
    def lexical_fields(language: str | None) -> list[str]:
        fields = [f"passages.{name}^{weight:g}" if weight != 1 else f"passages.{name}" for name, weight in TEXT_FIELDS]
        if language in LANGUAGE_ANALYZERS:
            fields += [
                f"passages.{name}.{language}^{weight:g}" if weight != 1 else f"passages.{name}.{language}"
                for name, weight in TEXT_FIELDS
            ]
        return fields

    def lexical_query(
        self,
        text: str,
        filters: list[dict[str, Any]],
        *,
        language: str | None = None,
        inner_hits: bool = True,
    ) -> dict[str, Any] | None:
        """The words of `text` over the passages, best passage per document; None: no words.

        Only words reach Elasticsearch (multi_match, no query syntax); the last word, while
        still being typed, also matches as a prefix (3+ characters), as in the embedded
        engine.
        """
        words = _TOKEN.findall(text)
        if not words:
            return None
        fields = self.lexical_fields(language)
        should: list[dict[str, Any]] = [
            {"multi_match": {"query": " ".join(words), "fields": fields, "type": "most_fields", "operator": "or"}}
        ]
        prefix = typed_prefix(text)
        if prefix and len(prefix) >= 3:
            should.append(
                {
                    "multi_match": {
                        "query": prefix,
                        "fields": self.lexical_fields(None),
                        "type": "bool_prefix",
                    }
                }
            )
        nested: dict[str, Any] = {
            "path": "passages",
            "score_mode": "max",
            "query": {"bool": {"should": should, "minimum_should_match": 1}},
        }
        if inner_hits:
            nested["inner_hits"] = {"name": INNER_HITS, "size": 1, "highlight": HIGHLIGHT}
        query: dict[str, Any] = {"bool": {"must": [{"nested": nested}]}}
        if filters:
            query["bool"]["filter"] = filters
        return query

    def query_vectors(self, vector: np.ndarray) -> list[tuple[str, list[float]]]:
        """(vector field, query block) for each model block the query vector fills."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        out = []
        for field, start, end in self._vector_fields():
            block = vector[start:end]
            if block.size and float(np.linalg.norm(block)) > 1e-12:
                out.append((field, block.tolist()))
        return out

    @staticmethod
    def knn_clause(
        field: str, query_vector: list[float], k: int, filters: list[dict[str, Any]], *, inner_hits: bool = True
    ) -> dict[str, Any]:
        """Nested kNN over the passages: documents ranked by their nearest passage.

        `filter` (the same keyword filters as the lexical arm) is applied during the
        graph search, so `k` results pass it whenever that many exist.
        """
        k = max(1, min(k, MAX_WINDOW))
        clause: dict[str, Any] = {
            "field": f"passages.{field}",
            "query_vector": query_vector,
            "k": k,
            "num_candidates": min(MAX_WINDOW, max(2 * k, 100)),
        }
        if filters:
            clause["filter"] = {"bool": {"filter": filters}}
        if inner_hits:
            clause["inner_hits"] = {"name": INNER_HITS, "size": 1}
        return clause

    @staticmethod
    def facet_aggs(facets: Sequence[str]) -> dict[str, Any]:
        """Every value of each facet field among the matching documents, most frequent first."""
        return {
            field: {
                "terms": {
                    "field": f"keywords.{field}",
                    "size": FACET_SIZE,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
            for field in facets
        }

    def rrf_body(
        self,
        lexical: dict[str, Any],
        knn: dict[str, Any],
        fusion: Fusion,
        window: int,
        facets: Sequence[str],
        track_total: bool,
    ) -> dict[str, Any]:
        """retriever.rrf (Elasticsearch 8.16+ and 9.x): a `standard` and a `knn` child."""
        body: dict[str, Any] = {
            "retriever": {
                "rrf": {
                    "retrievers": [{"standard": {"query": lexical}}, {"knn": knn}],
                    "rank_constant": fusion.rrf_k,
                    "rank_window_size": window,
                }
            },
            "size": window,
            "_source": SOURCE_FIELDS,
            "track_total_hits": track_total,
        }
        if facets:
            body["aggs"] = self.facet_aggs(facets)
        return body

    # ------------------------------------------------------------------ searching

    def search(self, query: SearchQuery) -> SearchResult:
        text = query.text.strip()
        vector = query.vector
        with self._errors():
            self._ensure_index()
            filters = self.filter_clauses(query.filters)
            if not text:
                return self._browse(query, filters)
            self._check_encoder()
            if vector is None and query.mode in ("hybrid", "dense"):
                vector = self.encoder.encode_query(text, language=query.language, persist=query.persist_query_vector)
            fusion = query.fusion or self.fusion
            wanted = min(MAX_WINDOW, max(query.candidates, query.offset + query.k))
            needs_all = query.track_total or bool(query.facets)
            lexical_query = self.lexical_query(query.text, filters, language=query.language)
            blocks = self.query_vectors(vector) if vector is not None and query.mode in ("hybrid", "dense") else []
            knn = [self.knn_clause(field, values, wanted, filters) for field, values in blocks]

            lexical = dense = None
            sources: dict[str, dict[str, Any]] = {}
            total: int | None = None
            aggregations: dict[str, Any] = {}
            lexical_body = self._arm_body(wanted, query.facets if needs_all else (), needs_all, query=lexical_query)
            if query.mode == "lexical" or not knn:
                if query.mode != "dense" and lexical_query is not None:
                    response = self._search(lexical_body)
                    lexical = self._arm(response, sources)
                    total, aggregations = self._totals(response, needs_all)
            elif query.mode == "dense" or fusion.dense_only or lexical_query is None:
                dense_body = self._arm_body(wanted, query.facets if needs_all else (), needs_all, knn=knn)
                response = self._search(dense_body)
                dense = self._arm(response, sources, dense=len(knn))
                total, aggregations = self._totals(response, needs_all)
                if not dense.scores and query.mode == "hybrid" and lexical_query is not None:
                    # Vectors found nothing: the words decide (as in the embedded engine).
                    response = self._search(lexical_body)
                    lexical = self._arm(response, sources)
                    total, aggregations = self._totals(response, needs_all)
            elif fusion.method == "rrf" and self._server_rrf_ready(knn):
                fused = self._rrf(query, fusion, filters, knn, wanted, needs_all, sources)
                if fused is not None:
                    return fused
                return self._two_arms(query, fusion, lexical_query, knn, wanted, needs_all, sources)
            else:
                return self._two_arms(query, fusion, lexical_query, knn, wanted, needs_all, sources)
            return self._result(query, fusion, lexical, dense, sources, total, aggregations)

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.client.search(index=self.alias, body=body))

    def _arm_body(
        self,
        size: int,
        facets: Sequence[str],
        track_total: bool,
        *,
        query: dict[str, Any] | None = None,
        knn: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"size": size, "_source": SOURCE_FIELDS, "track_total_hits": track_total}
        if query is not None:
            body["query"] = query
        if knn:
            body["knn"] = knn[0] if len(knn) == 1 else knn
        if facets:
            body["aggs"] = self.facet_aggs(facets)
        return body

    def union_body(
        self, lexical_query: dict[str, Any], knn: list[dict[str, Any]], facets: Sequence[str]
    ) -> dict[str, Any]:
        """size 0: the total and facets of every document either arm matches."""
        body: dict[str, Any] = {
            "size": 0,
            "query": self.lexical_query_without_inner_hits(lexical_query),
            "knn": [self._without_inner_hits(clause) for clause in knn],
            "track_total_hits": True,
        }
        if len(body["knn"]) == 1:
            body["knn"] = body["knn"][0]
        if facets:
            body["aggs"] = self.facet_aggs(facets)
        return body

    @staticmethod
    def _without_inner_hits(clause: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in clause.items() if key != "inner_hits"}

    @staticmethod
    def lexical_query_without_inner_hits(query: dict[str, Any]) -> dict[str, Any]:
        nested = query["bool"]["must"][0]["nested"]
        bare = {key: value for key, value in nested.items() if key != "inner_hits"}
        return {"bool": {**query["bool"], "must": [{"nested": bare}]}}

    def _two_arms(
        self,
        query: SearchQuery,
        fusion: Fusion,
        lexical_query: dict[str, Any],
        knn: list[dict[str, Any]],
        wanted: int,
        needs_all: bool,
        sources: dict[str, dict[str, Any]],
    ) -> SearchResult:
        """Both arms and (when a total or facets are asked for) their union, in one _msearch."""
        bodies = [
            self._arm_body(wanted, (), False, query=lexical_query),
            self._arm_body(wanted, (), False, knn=knn),
        ]
        if needs_all:
            bodies.append(self.union_body(lexical_query, knn, query.facets))
        searches: list[dict[str, Any]] = []
        for body in bodies:
            searches += [{"index": self.alias}, body]
        responses = self.client.msearch(searches=searches)["responses"]
        _raise_item_errors(responses, self.alias)
        lexical = self._arm(responses[0], sources)
        dense = self._arm(responses[1], sources, dense=len(knn))
        total, aggregations = self._totals(responses[2], True) if needs_all else (None, {})
        return self._result(query, fusion, lexical, dense, sources, total, aggregations)

    def _server_rrf_ready(self, knn: list[dict[str, Any]]) -> bool:
        return self.server_rrf and len(knn) == 1 and (self._server or (0, 0)) >= RRF_RETRIEVER_VERSION

    def _rrf(
        self,
        query: SearchQuery,
        fusion: Fusion,
        filters: list[dict[str, Any]],
        knn: list[dict[str, Any]],
        wanted: int,
        needs_all: bool,
        sources: dict[str, dict[str, Any]],
    ) -> SearchResult | None:
        """Reciprocal rank fusion on the server; None when the licence does not allow it."""
        from elasticsearch import ApiError

        lexical = self.lexical_query(query.text, filters, language=query.language, inner_hits=False)
        body = self.rrf_body(lexical, self._without_inner_hits(knn[0]), fusion, wanted, query.facets, needs_all)
        try:
            response = self._search(body)
        except ApiError as exc:
            if _is_licence_refusal(exc):
                self.server_rrf = False  # RRF in Python from now on
                return None
            raise
        fused: list[tuple[str, float]] = []
        for hit in response["hits"]["hits"]:
            sources[hit["_id"]] = hit.get("_source", {})
            fused.append((hit["_id"], float(hit["_score"])))
        fused = self._reorder(fused, query, sources)
        page = fused[query.offset : query.offset + query.k]
        lexical_arm, dense_arm = self._page_passages([doc for doc, _ in page], query, filters, knn[0])
        total, aggregations = self._totals(response, needs_all)
        if total is None:
            total = len(fused)
        hits = self._hits(page, lexical_arm, dense_arm, sources, self._terms(query.text))
        return SearchResult(hits=hits, total=total, facets=self._facets(query.facets, aggregations))

    def _page_passages(
        self, page_ids: list[str], query: SearchQuery, filters: list[dict[str, Any]], knn: dict[str, Any]
    ) -> tuple[ArmScores, ArmScores]:
        """Best lexical and nearest passages of the page's documents (the rrf retriever
        returns documents, not which passage matched)."""
        if not page_ids:
            return ArmScores(scores={}), ArmScores(scores={})
        only = [*filters, {"ids": {"values": page_ids}}]
        lexical = self.lexical_query(query.text, only, language=query.language)
        clause = {
            **knn,
            "k": len(page_ids),
            "num_candidates": max(100, len(page_ids)),
            "filter": {"bool": {"filter": only}},
            "inner_hits": {"name": INNER_HITS, "size": 1},
        }
        searches = [
            {"index": self.alias},
            self._arm_body(len(page_ids), (), False, query=lexical),
            {"index": self.alias},
            self._arm_body(len(page_ids), (), False, knn=[clause]),
        ]
        responses = self.client.msearch(searches=searches)["responses"]
        _raise_item_errors(responses, self.alias)
        sink: dict[str, dict[str, Any]] = {}
        return self._arm(responses[0], sink), self._arm(responses[1], sink, dense=1)

    def _arm(self, response: dict[str, Any], sources: dict[str, dict[str, Any]], *, dense: int = 0) -> ArmScores:
        """One arm's documents -> score, and -> best passage (its inner hit).

        The kNN score of cosine similarity is (1 + cosine) / 2; it is turned back into
        the cosine (summed over the model blocks searched), as the embedded engine reports.
        """
        scores: dict[str, float] = {}
        passages: dict[str, dict[str, Any]] = {}
        for hit in response.get("hits", {}).get("hits", []):
            doc_id = hit["_id"]
            score = float(hit["_score"] or 0.0)
            scores[doc_id] = 2.0 * score - dense if dense else score
            sources.setdefault(doc_id, hit.get("_source", {}))
            inner = hit.get("inner_hits", {}).get(INNER_HITS, {}).get("hits", {}).get("hits", [])
            if inner:
                passages[doc_id] = inner[0]
        total = response.get("hits", {}).get("total", {})
        return ArmScores(scores=scores, passages=passages, total=int(total.get("value", 0)) if total else 0)

    @staticmethod
    def _totals(response: dict[str, Any], needs_all: bool) -> tuple[int | None, dict[str, Any]]:
        if not needs_all:
            return None, {}
        total = response.get("hits", {}).get("total")
        value = total.get("value") if isinstance(total, dict) else total
        return (int(value) if value is not None else None), response.get("aggregations", {})

    @staticmethod
    def _facets(facets: Sequence[str], aggregations: dict[str, Any]) -> dict[str, list[FacetCount]]:
        out: dict[str, list[FacetCount]] = {}
        for field in facets:
            buckets = aggregations.get(field, {}).get("buckets", [])
            counts = [FacetCount(str(b["key"]), int(b["doc_count"])) for b in buckets if b["doc_count"]]
            out[field] = sorted(counts, key=lambda facet: (-facet.count, facet.value))
        return out

    @staticmethod
    def _terms(text: str):
        words, prefix = query_words(text), typed_prefix(text)
        return highlight_terms(words, prefix) if words else None

    def _result(
        self,
        query: SearchQuery,
        fusion: Fusion,
        lexical: ArmScores | None,
        dense: ArmScores | None,
        sources: dict[str, dict[str, Any]],
        total: int | None,
        aggregations: dict[str, Any],
    ) -> SearchResult:
        fused = self._reorder(fuse(lexical, dense, fusion), query, sources)
        page = fused[query.offset : query.offset + query.k]
        if total is None:
            total = len(set(lexical.scores if lexical else ()) | set(dense.scores if dense else ()))
        hits = self._hits(page, lexical, dense, sources, self._terms(query.text))
        return SearchResult(hits=hits, total=total, facets=self._facets(query.facets, aggregations))

    @staticmethod
    def _reorder(
        fused: list[tuple[Any, float]], query: SearchQuery, sources: dict[str, dict[str, Any]]
    ) -> list[tuple[Any, float]]:
        """The query-independent parts of the ranking: boosts, then date order (as embedded)."""
        if not fused or (query.boost_weight == 0 and query.sort != "date"):
            return fused
        window = fused if query.sort != "date" else fused[: query.candidates]
        if query.boost_weight:
            weight = query.boost_weight
            window = sorted(
                ((doc, score + weight * float(sources.get(doc, {}).get("boost") or 0.0)) for doc, score in window),
                key=lambda item: -item[1],
            )
        if query.sort == "date":
            window = sorted(
                window, key=lambda item: (sources.get(item[0], {}).get("date") or "", item[1]), reverse=True
            )
        return window

    def _hits(
        self,
        page: list[tuple[Any, float]],
        lexical: ArmScores | None,
        dense: ArmScores | None,
        sources: dict[str, dict[str, Any]],
        terms,
    ) -> list[Hit]:
        hits = []
        for doc_id, score in page:
            inner = None
            from_words = False
            if lexical and doc_id in lexical.passages:
                inner, from_words = lexical.passages[doc_id], True
            elif dense and doc_id in dense.passages:
                inner = dense.passages[doc_id]
            passage = (inner or {}).get("_source", {}) or {}
            text = passage.get("text", "") or ""
            fragments = (inner or {}).get("highlight", {}).get("passages.text", []) if from_words else []
            if fragments:
                snippet = highlight_fragment(fragments[0], text)
            else:
                snippet = highlight_snippet(text, terms) if text else ""
            hits.append(
                Hit(
                    id=str(doc_id),
                    score=float(score),
                    title=sources.get(doc_id, {}).get("title", ""),
                    passage_anchor=passage.get("anchor", ""),
                    passage_heading=passage.get("heading", ""),
                    snippet=snippet,
                    passage_text=text,
                    lexical_score=lexical.scores.get(doc_id) if lexical else None,
                    dense_score=dense.scores.get(doc_id) if dense else None,
                )
            )
        return hits

    def browse_body(self, query: SearchQuery, filters: list[dict[str, Any]]) -> dict[str, Any]:
        """No words: documents that pass the filters, by title (or newest first)."""
        by_title = [{"title": {"order": "asc"}}, {"doc_id": {"order": "asc"}}]
        sort = by_title if query.sort != "date" else [{"date": {"order": "desc", "missing": "_last"}}, *by_title]
        offset = min(query.offset, MAX_WINDOW)
        body: dict[str, Any] = {
            "query": {"bool": {"filter": filters}} if filters else {"match_all": {}},
            "from": offset,
            "size": max(0, min(query.k, MAX_WINDOW - offset)),
            "sort": sort,
            "_source": ["title"],
            "track_total_hits": True,
        }
        if query.facets:
            body["aggs"] = self.facet_aggs(query.facets)
        return body

    def _browse(self, query: SearchQuery, filters: list[dict[str, Any]]) -> SearchResult:
        response = self._search(self.browse_body(query, filters))
        hits = [
            Hit(id=hit["_id"], score=0.0, title=hit.get("_source", {}).get("title", ""), passage_anchor="",
                passage_heading="", snippet="")
            for hit in response["hits"]["hits"]
        ]
        total, aggregations = self._totals(response, True)
        return SearchResult(hits=hits, total=total or 0, facets=self._facets(query.facets, aggregations))


def highlight_fragment(fragment: str, text: str) -> str:
    """An Elasticsearch highlight fragment (HTML-escaped, matches in <mark>) as a snippet,
    with "…" where the passage goes on before or after it, as the embedded engine writes."""
    plain = " ".join(html.unescape(fragment.replace("<mark>", "").replace("</mark>", "")).split())
    whole = " ".join(text.split())
    position = whole.find(plain) if plain else -1
    before = "… " if position > 0 else ""
    after = " …" if position >= 0 and position + len(plain) < len(whole) else ""
    return before + fragment.strip() + after


def _is_licence_refusal(exc: Exception) -> bool:
    status = getattr(getattr(exc, "meta", None), "status", None) or getattr(exc, "status_code", None)
    return status in (400, 403) and "licen" in str(getattr(exc, "body", "") or exc).lower()


def _raise_item_errors(responses: list[dict[str, Any]], index: str) -> None:
    """An _msearch answers 200 even when one of its searches failed: fail loudly."""
    for response in responses:
        if "error" in response:
            error = response["error"]
            reason = error.get("reason") if isinstance(error, dict) else error
            raise RuntimeError(f"Elasticsearch refused a search of {index!r}: {reason}")
