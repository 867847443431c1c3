"""The embedded search engine: SQLite FTS5 for words, a numpy matrix for vectors.

It needs no server, so a Migrant Resource Centre can run Headstart on one laptop. Each
index is one SQLite file that holds documents, passages, keyword fields and passage
vectors; the vectors are also kept in memory as one matrix for brute-force cosine search,
which on a few hundred thousand passages is faster than an approximate index and exact.

The lexical arm ranks by FTS5's own bm25(), but computes it in numpy from the term
occurrences (FTS5's fts5vocab table) and the passages' lengths held in memory
(PassageTable), not with FTS5's `ORDER BY rank`, which seeks every matching row's size
and content: the same scores, in a fraction of the time at 300,000 documents, and every
matching document for the total and the facets on the way (bench/README.md).

Several processes (web workers, an import on the CLI) may share an index file: every
write bumps a generation counter, and a reader that sees a new generation reloads its
matrix before searching.
"""

from __future__ import annotations

import html
import math
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from core.embeddings.encoder import CompositeEncoder, Encoder
from core.errors import HeadstartError
from core.search.base import (
    FacetCount,
    Fusion,
    Hit,
    IndexDocument,
    Passage,
    SearchQuery,
    SearchResult,
)
from core.search.fusion import ArmScores, fuse
from core.search.vectors import VectorStore

# BM25 weights of the FTS columns: document title, passage heading, passage text.
COLUMN_WEIGHTS = (3.0, 2.0, 1.0)
# The constants of FTS5's bm25(), which the lexical arm computes in numpy (see _lexical).
BM25_K1 = 1.2
BM25_B = 0.75
# fts5vocab names an occurrence's column; the names' lengths tell them apart
# (title 5, heading 7, text 4). _COLUMN_WEIGHT_BY_LENGTH[length] is the column's weight.
_INSTANCE_CODE = "doc * 8 + length(col)"
_COLUMN_WEIGHT_BY_LENGTH = np.zeros(8, dtype=np.float64)
_COLUMN_WEIGHT_BY_LENGTH[[len("title"), len("heading"), len("text")]] = COLUMN_WEIGHTS
# Passages and documents per SQL statement while loading a PassageTable.
_TABLE_CHUNK = 65_536
_TABLE_CHUNK_DOCS = 16_384
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Words in a larger share of passages than this are left out of the lexical query.
COMMON_WORD_SHARE = 0.05
UPSERT_CHUNK = 500  # documents per transaction; also how often progress moves

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    boost REAL NOT NULL DEFAULT 0,
    date TEXT
);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY,
    doc_rowid INTEGER NOT NULL REFERENCES docs(rowid) ON DELETE CASCADE,
    anchor TEXT NOT NULL,
    heading TEXT NOT NULL,
    text TEXT NOT NULL,
    vector BLOB
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_rowid);
CREATE TABLE IF NOT EXISTS keywords (
    doc_rowid INTEGER NOT NULL REFERENCES docs(rowid) ON DELETE CASCADE,
    field TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS keywords_field_value ON keywords(field, value, doc_rowid);
CREATE INDEX IF NOT EXISTS keywords_doc ON keywords(doc_rowid);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    title, heading, text, doc_rowid UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_vocab USING fts5vocab(passages_fts, 'row');
"""


def query_words(text: str) -> list[str]:
    """Distinct words of a query, folded as the FTS5 tokenizer folds them."""
    return list(dict.fromkeys(fold(word) for word in _TOKEN.findall(text)))


def fts_match_expression(words: Sequence[str], *, prefix: str | None = None) -> str | None:
    """Words as an FTS5 OR-query; no user syntax reaches FTS5.

    Every word is quoted, so operators, quotes and column filters typed by users are
    plain words. `prefix` (the last word while a query is typed live) also matches as a
    prefix.
    """
    terms = [f'"{word}"' for word in words]
    if prefix and len(prefix) >= 3:
        terms = [term for term in terms if term != f'"{prefix}"'] + [f'("{prefix}" OR "{prefix}"*)']
    return " OR ".join(terms) or None


def typed_prefix(text: str) -> str | None:
    """The last word of a query still being typed (no space or punctuation after it)."""
    words = _TOKEN.findall(text)
    if not words or text.rstrip() != text or text.endswith(tuple(".,;:!?")):
        return None
    return fold(words[-1])


def fold(word: str) -> str:
    """Lower case without diacritics, as the FTS5 tokenizer sees words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def highlight_terms(words: Sequence[str], prefix: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The words and prefixes that fts_match_expression(words, prefix=prefix) matches."""
    prefixes = frozenset({prefix}) if prefix and len(prefix) >= 3 else frozenset()
    return frozenset(words), prefixes


def highlight_snippet(text: str, terms: tuple[frozenset[str], frozenset[str]] | None, *, window: int = 30) -> str:
    """HTML-safe excerpt of a passage around its first matching word, matches in <mark>.

    Done here rather than with FTS5's snippet(), which would re-run the match for every
    hit; the rule is the tokenizer's (words folded the same way), so marks agree with BM25.
    """
    tokens = re.split(r"(\w+)", " ".join(text.split()))
    words, prefixes = terms or (frozenset(), frozenset())
    marked = []
    first = None
    for position, token in enumerate(tokens):
        if position % 2 == 1:
            folded = fold(token)
            if folded in words or any(folded.startswith(p) for p in prefixes):
                first = position if first is None else first
                marked.append(f"<mark>{html.escape(token)}</mark>")
                continue
        marked.append(html.escape(token))
    start = max(0, (first or 0) - window // 3 * 2)
    end = min(len(marked), start + window * 2)
    excerpt = "".join(marked[start:end]).strip()
    return ("… " if start > 0 else "") + excerpt + (" …" if end < len(marked) else "")


# Passage vectors stored as float16 in a vector store of more rows than this (VectorStore's
# exact-search threshold): at 300,000 documents the store fell from 4.2 GB to 1.1 GB.
_FLOAT16_ABOVE = 50_000

class FacetTable:
    """Every document's keyword values as arrays, so facet counts are a numpy bincount.

    Built once per index generation; counting the values of 10,000 matched documents
    then takes well under a millisecond per field instead of a pass over the keywords
    table.
    """

    def __init__(self, rows: Sequence[tuple[str, str, int]], all_docs: Sequence[int]) -> None:
        self.all_docs = np.asarray(sorted(all_docs), dtype=np.int64)
        size = int(self.all_docs.max()) + 1 if len(self.all_docs) else 1
        self._size = size
        by_field: dict[str, tuple[list[int], list[int], dict[str, int]]] = {}
        for field, value, doc_rowid in rows:
            docs, codes, values = by_field.setdefault(field, ([], [], {}))
            docs.append(doc_rowid)
            codes.append(values.setdefault(value, len(values)))
        self._fields = {
            field: (np.asarray(docs, dtype=np.int64), np.asarray(codes, dtype=np.int64), list(values))
            for field, (docs, codes, values) in by_field.items()
        }

    def counts(self, fields: Sequence[str], matched: np.ndarray) -> dict[str, list[FacetCount]]:
        selected = np.zeros(self._size, dtype=bool)
        matched = matched[(matched >= 0) & (matched < self._size)]
        selected[matched] = True
        facets: dict[str, list[FacetCount]] = {}
        for field in fields:
            if field not in self._fields:
                facets[field] = []
                continue
            docs, codes, values = self._fields[field]
            tally = np.bincount(codes[selected[docs]], minlength=len(values))
            order = sorted((i for i in range(len(values)) if tally[i]), key=lambda i: (-tally[i], values[i]))
            facets[field] = [FacetCount(values[i], int(tally[i])) for i in order]
        return facets


class PassageTable:
    """Each passage's document and length in tokens, as arrays indexed by passage rowid.

    With them the lexical arm scores BM25 in numpy from the FTS5 term occurrences
    (`_lexical`): FTS5's own `ORDER BY rank` looks up every matching row's size and
    content (a B-tree seek per row), which at 300,000 documents took 50-90 ms a query
    (p50). Built once per index generation from the index on passages(doc_rowid) and
    FTS5's docsize table, a range of keys per statement with the lists built by
    group_concat in C (a million rows as Python tuples would hold ~150 MB at once):
    about 0.8 s at 1.2 million passages, 8 bytes a passage.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        top = db.execute("SELECT max(rowid) FROM passages").fetchone()[0] or 0
        top_doc = db.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0
        self.doc_of = np.full(top + 1, -1, dtype=np.int32 if top_doc < 2**31 else np.int64)
        self.length = np.zeros(top + 1, dtype=np.int32)
        self.doc_count = top_doc + 1  # size of a mask over document rowids
        for low in range(0, top_doc + 1, _TABLE_CHUNK_DOCS):
            rowids, docs = db.execute(  # the covering index passages_doc: no row is read
                "SELECT group_concat(rowid), group_concat(doc_rowid) FROM passages "
                "WHERE doc_rowid >= ? AND doc_rowid < ?",
                (low, low + _TABLE_CHUNK_DOCS),
            ).fetchone()
            rowids = _parse_integers(rowids)
            keep = rowids <= top  # (rows a writer added meanwhile are left out)
            self.doc_of[rowids[keep]] = _parse_integers(docs)[keep]
        rows = 0
        for low in range(0, top + 1, _TABLE_CHUNK):
            ids, sizes, blobs = db.execute(
                "SELECT group_concat(id), group_concat(length(sz)), group_concat(hex(sz), '') "
                "FROM passages_fts_docsize WHERE id >= ? AND id < ?",
                (low, low + _TABLE_CHUNK),
            ).fetchone()
            if ids is None:
                continue
            ids = _parse_integers(ids)
            self.length[ids] = _varint_sums(_parse_integers(sizes), bytes.fromhex(blobs))
            rows += len(ids)
        self.rows = rows  # FTS5's row count N and average row length, for BM25
        self.average_length = float(self.length.sum(dtype=np.int64)) / rows if rows else 1.0


def _parse_integers(text: str | None) -> np.ndarray:
    """Comma-separated integers (group_concat's output) as an int64 array."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _varint_sums(lengths: np.ndarray, data: bytes) -> np.ndarray:
    """Sum of the SQLite varints in each of the concatenated blobs of `lengths` bytes.

    FTS5's docsize record is one varint (7 bits a byte, big-endian, high bit: more
    follow) per column; the sum is the row's length in tokens, BM25's D.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    values = (raw & 0x7F).astype(np.int64)
    more = raw >= 0x80
    if more.any():  # a token count above 127: shift each byte by the bytes after it
        ends = np.flatnonzero(~more)
        next_end = np.repeat(ends, np.diff(ends, prepend=-1))
        covered = len(next_end)  # (every byte, unless the data ends inside a varint)
        values[:covered] <<= 7 * (next_end - np.arange(covered))
    if len(lengths) == 0:
        return np.zeros(0, dtype=np.int64)
    if bool(np.all(lengths > 0)):
        return np.add.reduceat(values, np.cumsum(lengths) - lengths)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    return np.bincount(owner, weights=values, minlength=len(lengths)).astype(np.int64)


def _is_plain_term(word: str) -> bool:
    """True when FTS5's tokenizer reads `word` (already folded) as this one token: only
    letters and digits (Unicode categories L* and N*, unicode61's token characters)."""
    return bool(word) and all(unicodedata.category(ch)[0] in "LN" for ch in word)


def _next_string(prefix: str) -> str:
    """A string above every string that starts with `prefix` and below every other
    string above `prefix` (code point order, which is UTF-8 byte order)."""
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters
        following = 0xE000
    if following >= 0x110000:
        return prefix + chr(0x10FFFF)
    return prefix[:-1] + chr(following)


class EmbeddedSearchIndex:
    """SearchIndex on one SQLite file (or in memory), hybrid lexical + dense search."""

    def __init__(
        self,
        path: Path | str,
        *,
        name: str,
        encoder: Encoder | CompositeEncoder,
        fusion: Fusion | None = None,
    ) -> None:
        self.name = name
        self.encoder = encoder
        self.fusion = fusion or Fusion()
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._upgrade_schema()
        # The documents that pass a query's filters, for SQL to join against.
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS allowed (rowid INTEGER PRIMARY KEY)")
        weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
        self._db.execute(f"INSERT INTO passages_fts (passages_fts, rank) VALUES ('rank', 'bm25({weights})')")
        self._store: tuple[int, VectorStore | None] | None = None
        self._passages_counted: tuple[int, int] | None = None
        self._facet_table: tuple[int, FacetTable] | None = None
        self._passage_table: tuple[int, PassageTable] | None = None
        # Every occurrence of a term (passage, column), for BM25 in numpy (see _lexical).
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_instances USING fts5vocab(main, passages_fts, instance)"
        )
        self._word_frequency: tuple[int, dict[str, int]] = (-1, {})

    def _upgrade_schema(self) -> None:
        """Index files written before a column existed get it (they are rebuilt lazily)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}
        if "boost" not in columns:
            self._db.execute("ALTER TABLE docs ADD COLUMN boost REAL NOT NULL DEFAULT 0")
        if "date" not in columns:
            self._db.execute("ALTER TABLE docs ADD COLUMN date TEXT")

    # ------------------------------------------------------------------ writing

    def upsert(
        self, documents: Sequence[IndexDocument], *, progress: Callable[[int], None] | None = None
    ) -> int:
        """Add or replace documents; unchanged ones (same content hash) cost nothing."""
        changed_total = 0
        with self._lock:
            self._check_encoder()
        for start in range(0, len(documents), UPSERT_CHUNK):
            chunk = documents[start : start + UPSERT_CHUNK]
            changed = self._changed_documents(chunk)
            if changed:
                vectors = self._passage_vectors(changed)
                with self._lock:
                    self._write(changed, vectors)
                changed_total += len(changed)
            if progress:
                progress(len(chunk))
        return changed_total

    def _changed_documents(self, documents: Sequence[IndexDocument]) -> list[IndexDocument]:
        latest = {doc.id: doc for doc in documents}  # the last copy of a repeated id wins
        existing: dict[str, str] = {}
        ids = list(latest)
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                existing.update(
                    self._db.execute(f"SELECT id, content_hash FROM docs WHERE id IN ({marks})", chunk)
                )
        return [doc for doc in latest.values() if existing.get(doc.id) != doc.content_hash()]

    def _embedded(self, passage: Passage) -> bool:
        return passage.embed and passage.vector_model in self.encoder.models and bool(passage.text_to_embed.strip())

    def _passage_vectors(self, documents: Sequence[IndexDocument]) -> np.ndarray:
        """Vectors of the passages to embed, in document order, one encoder call per model."""
        passages = [p for doc in documents for p in doc.passages if self._embedded(p)]
        if not passages:
            return np.zeros((0, 0), dtype=np.float32)
        by_model: dict[str, list[int]] = {}
        for position, passage in enumerate(passages):
            by_model.setdefault(passage.vector_model, []).append(position)
        out: np.ndarray | None = None
        for model, positions in by_model.items():
            vectors = self.encoder.encode_for([passages[i].text_to_embed for i in positions], model)
            if out is None:
                out = np.zeros((len(passages), vectors.shape[1]), dtype=np.float32)
            out[positions] = vectors
        return out

    def _write(self, documents: Sequence[IndexDocument], vectors: np.ndarray) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            self._delete_rows(doc.id for doc in documents)
            vector_index = 0
            for doc in documents:
                cursor = db.execute(
                    "INSERT INTO docs (id, title, language, content_hash, boost, date) VALUES (?, ?, ?, ?, ?, ?)",
                    (doc.id, doc.title, doc.language, doc.content_hash(), float(doc.boost), doc.date),
                )
                doc_rowid = cursor.lastrowid
                passage_rows = []
                for passage in doc.passages:
                    blob = None
                    if self._embedded(passage):
                        blob = vectors[vector_index].tobytes()
                        vector_index += 1
                    passage_rows.append(
                        ((doc_rowid, passage.anchor, passage.heading, passage.text, blob), passage.title or doc.title)
                    )
                for row, title in passage_rows:
                    cur = db.execute(
                        "INSERT INTO passages (doc_rowid, anchor, heading, text, vector) VALUES (?, ?, ?, ?, ?)",
                        row,
                    )
                    db.execute(
                        "INSERT INTO passages_fts (rowid, title, heading, text, doc_rowid) VALUES (?, ?, ?, ?, ?)",
                        (cur.lastrowid, title, row[2], row[3], doc_rowid),
                    )
                db.executemany(
                    "INSERT INTO keywords (doc_rowid, field, value) VALUES (?, ?, ?)",
                    [(doc_rowid, field, value) for field, values in doc.keywords.items() for value in set(values)],
                )
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('encoder', ?) ON CONFLICT(key) DO NOTHING",
                (self.encoder.model_name,),
            )
            self._bump_generation()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._store = None  # rebuilt on the next dense search

    def _delete_rows(self, ids: Iterable[str]) -> int:
        deleted = 0
        for doc_id in ids:
            row = self._db.execute("SELECT rowid FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                continue
            self._db.execute("DELETE FROM passages_fts WHERE doc_rowid = ?", (row[0],))
            self._db.execute("DELETE FROM docs WHERE rowid = ?", (row[0],))
            deleted += 1
        return deleted

    def delete(self, ids: list[str]) -> int:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                deleted = self._delete_rows(ids)
                self._bump_generation()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._store = None
            return deleted

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM passages_fts")
            self._db.execute("DELETE FROM keywords")
            self._db.execute("DELETE FROM passages")
            self._db.execute("DELETE FROM docs")
            self._db.execute("DELETE FROM meta WHERE key = 'encoder'")
            self._bump_generation()
            self._db.execute("COMMIT")
            self._store = None

    def _bump_generation(self) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _check_encoder(self) -> None:
        """Vectors of two models cannot be compared: say so instead of ranking nonsense."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'encoder'").fetchone()
        if row and row[0] != self.encoder.model_name:
            raise HeadstartError(
                f"The search index {self.name!r} was built with the embedding model {row[0]!r}, "
                f"but the settings now name {self.encoder.model_name!r}. "
                "Run `headstart index rebuild` to re-index with the new model."
            )

    def _generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ reading

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def ids(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM docs")}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def search(self, query: SearchQuery) -> SearchResult:
        text = query.text.strip()
        vector = query.vector
        if text and vector is None and query.mode in ("hybrid", "dense"):
            # Encoding is the slow part: done before taking the lock, so threads overlap.
            vector = self.encoder.encode_query(text, language=query.language, persist=query.persist_query_vector)
        with self._lock:
            allowed = self._allowed_doc_rowids(query.filters)
            if not text:
                return self._browse(query, allowed)
            wanted = max(query.candidates, query.offset + query.k)
            lexical = dense = None
            fusion = query.fusion or self.fusion
            words, prefix = self._selective_words(query_words(text)), typed_prefix(query.text)
            match = fts_match_expression(words, prefix=prefix)
            if vector is not None and query.mode in ("hybrid", "dense"):
                dense = self._dense(vector, allowed, wanted)
            # A fusion that gives words no weight needs the lexical arm only as a fallback.
            words_count = query.mode == "lexical" or (query.mode == "hybrid" and not (fusion.dense_only and dense and dense.scores))
            lexical_matched = None  # every document the words match, when the arm listed them
            if words_count and match:
                lexical, lexical_matched = self._lexical(words, prefix, match, allowed, wanted)
            fused = fuse(lexical, dense, fusion)
            fused = self._reorder(fused, query)
            page = fused[query.offset : query.offset + query.k]
            needs_all_matches = query.track_total or bool(query.facets)
            if needs_all_matches:
                matched = self._matching_documents(
                    match if lexical else None, allowed is not None, dense, lexical_matched
                )
                total = len(matched)
                facets = self._facet_table_now().counts(query.facets, matched) if query.facets else {}
            else:
                total = len(set(lexical.scores if lexical else ()) | set(dense.scores if dense else ()))
                facets = {}
            hits = self._hits(page, lexical, dense, highlight_terms(words, prefix) if match else None)
            return SearchResult(hits=hits, total=total, facets=facets)

    def _reorder(self, fused: list[tuple[int, float]], query: SearchQuery) -> list[tuple[int, float]]:
        """The query-independent parts of the ranking: boosts, then date order."""
        if not fused or (query.boost_weight == 0 and query.sort != "date"):
            return fused
        window = fused if query.sort != "date" else fused[: query.candidates]
        rows = self._rows_by_rowid("SELECT rowid, boost, date FROM docs", [doc for doc, _ in window])
        if query.boost_weight:
            weight = query.boost_weight
            window = sorted(
                ((doc, score + weight * rows[doc][0]) for doc, score in window),
                key=lambda item: -item[1],
            )
        if query.sort == "date":
            window = sorted(window, key=lambda item: (rows[item[0]][1] or "", item[1]), reverse=True)
        return window

    def _selective_words(self, words: list[str]) -> list[str]:
        """Drop words found in more than COMMON_WORD_SHARE of passages ("and", "of" ...).

        Such words cost most of the BM25 time (every passage that has them is scored)
        and weigh little in the ranking; a query made only of them keeps its rarest word.
        """
        if len(words) < 2:
            return words
        frequency = self._frequencies(words)
        limit = COMMON_WORD_SHARE * self._passage_count()
        kept = [word for word in words if frequency.get(word, 0) <= limit]
        return kept or [min(words, key=lambda word: frequency.get(word, 0))]

    def _frequencies(self, words: list[str]) -> dict[str, int]:
        """How many passages hold each word, remembered until the index changes."""
        generation = self._generation()
        if self._word_frequency[0] != generation:
            self._word_frequency = (generation, {})
        known = self._word_frequency[1]
        missing = [word for word in words if word not in known]
        if missing:
            if len(known) > 100_000:
                known.clear()
            marks = ",".join("?" * len(missing))
            found = dict(self._db.execute(f"SELECT term, doc FROM passages_vocab WHERE term IN ({marks})", missing))
            known.update({word: found.get(word, 0) for word in missing})
        return {word: known[word] for word in words}

    def _passage_count(self) -> int:
        generation = self._generation()
        if self._passages_counted is None or self._passages_counted[0] != generation:
            count = self._db.execute("SELECT count(*) FROM passages").fetchone()[0]
            self._passages_counted = (generation, count)
        return self._passages_counted[1]

    def _allowed_doc_rowids(self, filters: dict[str, tuple[str, ...]]) -> set[int] | None:
        """Documents that pass the filters (None: no filter), also left in the temp table `allowed`."""
        db = self._db
        first = True
        for field, values in filters.items():
            values = tuple(v for v in values if v)
            if not values:
                continue
            marks = ",".join("?" * len(values))
            matching = f"SELECT doc_rowid FROM keywords WHERE field = ? AND value IN ({marks})"
            if first:
                db.execute("DELETE FROM allowed")
                db.execute(f"INSERT OR IGNORE INTO allowed (rowid) {matching}", (field, *values))
                first = False
            else:
                db.execute(f"DELETE FROM allowed WHERE rowid NOT IN ({matching})", (field, *values))
        if first:
            return None
        return {row[0] for row in db.execute("SELECT rowid FROM allowed")}

    def _lexical(
        self, words: list[str], prefix: str | None, match: str, allowed: set[int] | None, wanted: int
    ) -> tuple[ArmScores, np.ndarray | None]:
        """Best passages by FTS5's BM25, the best one per document, and every matching document.

        FTS5's bm25() is a sum over the query's phrases of idf * f * (k1 + 1) / (f + k1 *
        (1 - b + b * D / avgdl)) (f: the phrase's column-weighted count in the row, D:
        the row's length in tokens). It is computed here in numpy from each phrase's
        occurrences (the fts5vocab instance table, one group_concat per phrase) and the
        rows' lengths (PassageTable), with the same formula in the same order, so scores
        equal FTS5's to rounding and the ranking is the same (ties: lower rowid first).
        At 300,000 documents a query took 9 ms (p50) where `ORDER BY rank` and the
        DISTINCT pass for the total took 89 ms, and it yields every matching document for
        the total and the facets on the way.
        Words the tokenizer might split or fold otherwise fall back to FTS5 (_lexical_fts).
        """
        phrases = [(word, False) for word in words if not (prefix and len(prefix) >= 3 and word == prefix)]
        if prefix and len(prefix) >= 3:
            phrases += [(prefix, False), (prefix, True)]
        if not all(_is_plain_term(term) for term, _ in phrases):
            return self._lexical_fts(match, allowed, wanted), None
        table = self._passage_table_now()
        occurrences = self._occurrences(phrases)
        if occurrences is None:
            return self._lexical_fts(match, allowed, wanted), None
        row_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        for phrase in phrases:
            if len(occurrences[phrase]):
                rows, scores = _phrase_bm25(occurrences[phrase], table)
                row_parts.append(rows)
                score_parts.append(scores)
        if not row_parts:
            return ArmScores(scores={}, passages={}), np.zeros(0, dtype=np.int64)
        if len(row_parts) == 1:
            rows, scores = row_parts[0], score_parts[0]
        else:
            # Summed per row in phrase order, as bm25() sums (equal doubles).
            rows, scores = _sum_by_row(np.concatenate(row_parts), np.concatenate(score_parts))
        docs = table.doc_of[rows]
        keep = docs >= 0
        if allowed is not None:
            permitted = np.zeros(table.doc_count, dtype=bool)
            chosen = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            permitted[chosen[(chosen >= 0) & (chosen < table.doc_count)]] = True
            keep &= permitted[np.clip(docs, 0, table.doc_count - 1)]
        if not keep.all():
            rows, scores, docs = rows[keep], scores[keep], docs[keep]
        best = _best_per_document(rows, scores, docs, wanted)
        present = np.zeros(table.doc_count, dtype=bool)
        present[docs] = True
        return (
            ArmScores(
                scores={int(docs[i]): float(scores[i]) for i in best},
                passages={int(docs[i]): int(rows[i]) for i in best},
            ),
            np.flatnonzero(present),
        )

    def _occurrences(self, phrases: list[tuple[str, bool]]) -> dict[tuple[str, bool], np.ndarray] | None:
        """Every occurrence of each (term, is_prefix) phrase as rowid * 8 + length(column name).

        A prefix phrase's scan (every term that starts with it) also yields the exact
        term's occurrences, so the last word typed is read once. None: a phrase without
        any occurrence that FTS5 still matches (it folds the word otherwise), so the caller
        falls back to FTS5.
        """
        found: dict[tuple[str, bool], np.ndarray] = {}
        for term, is_prefix in phrases:
            if not is_prefix:
                continue
            text = self._db.execute(
                f"SELECT group_concat(({_INSTANCE_CODE}) * 2 + (term = ?)) FROM temp.passages_instances "
                "WHERE term >= ? AND term < ?",
                (term, term, _next_string(term)),
            ).fetchone()[0]
            codes = _parse_integers(text)
            found[(term, True)] = codes >> 1
            found[(term, False)] = codes[(codes & 1) == 1] >> 1
        for term, is_prefix in phrases:
            if (term, is_prefix) not in found:
                text = self._db.execute(
                    f"SELECT group_concat({_INSTANCE_CODE}) FROM temp.passages_instances WHERE term = ?", (term,)
                ).fetchone()[0]
                found[(term, is_prefix)] = _parse_integers(text)
        for (term, is_prefix), codes in found.items():
            if len(codes) == 0:
                phrase = f'"{term}"' + ("*" if is_prefix else "")
                hit = self._db.execute("SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT 1", (phrase,))
                if hit.fetchone():
                    return None
        return found

    def _passage_table_now(self) -> PassageTable:
        generation = self._generation()
        if self._passage_table is None or self._passage_table[0] != generation:
            self._passage_table = None  # the old arrays go before the new ones are read
            self._passage_table = (generation, PassageTable(self._db))
        return self._passage_table[1]

    def _lexical_fts(self, match: str, allowed: set[int] | None, wanted: int) -> ArmScores:
        """Best-scoring passages by BM25 (FTS5 ranks in C), then the best one per document."""
        condition = " AND doc_rowid IN (SELECT rowid FROM allowed)" if allowed is not None else ""
        params = [match]
        limit = wanted * 4
        while True:
            rows = self._db.execute(
                "SELECT rowid, doc_rowid, -rank FROM passages_fts "
                f"WHERE passages_fts MATCH ?{condition} ORDER BY rank LIMIT ?",
                (*params, limit),
            ).fetchall()
            best: dict[int, tuple[float, int]] = {}
            for passage_rowid, doc_rowid, score in rows:
                if doc_rowid not in best:
                    best[doc_rowid] = (score, passage_rowid)
                    if len(best) >= wanted:
                        break
            if len(best) >= wanted or len(rows) < limit:
                break
            limit *= 4
        return ArmScores(
            scores={doc: score for doc, (score, _) in best.items()},
            passages={doc: passage for doc, (_, passage) in best.items()},
        )

    def _matching_documents(
        self, match: str | None, filtered: bool, dense: ArmScores | None, lexical_matched: np.ndarray | None = None
    ) -> np.ndarray:
        """Every document a query matches, for the total and the facet counts.

        Matching means: a passage has one of the words, or the dense arm returned it (the
        dense arm ranks every document, so only its candidates count). `lexical_matched`:
        the documents the words match, when the lexical arm already listed them.
        """
        found = np.zeros(0, dtype=np.int64)
        if match and lexical_matched is not None:
            found = lexical_matched.astype(np.int64, copy=False)
        elif match:
            condition = " AND doc_rowid IN (SELECT rowid FROM allowed)" if filtered else ""
            rows = self._db.execute(
                f"SELECT DISTINCT doc_rowid FROM passages_fts WHERE passages_fts MATCH ?{condition}", (match,)
            ).fetchall()
            found = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        if dense and dense.scores:
            found = np.union1d(found, np.fromiter(dense.scores, dtype=np.int64, count=len(dense.scores)))
        return found

    def _facet_table_now(self) -> FacetTable:
        generation = self._generation()
        if self._facet_table is None or self._facet_table[0] != generation:
            rows = self._db.execute("SELECT field, value, doc_rowid FROM keywords").fetchall()
            all_docs = [row[0] for row in self._db.execute("SELECT rowid FROM docs")]
            self._facet_table = (generation, FacetTable(rows, all_docs))
        return self._facet_table[1]

    def _dense(self, vector: np.ndarray, allowed: set[int] | None, wanted: int) -> ArmScores:
        store = self._vector_store()
        if store is None:
            return ArmScores(scores={}, passages={})
        scores, passages = store.top_documents(np.asarray(vector, dtype=np.float32), wanted, allowed)
        return ArmScores(scores=scores, passages=passages)

    def _vector_store(self) -> VectorStore | None:
        """The passage vectors in memory, rebuilt when any process changed the index."""
        generation = self._generation()
        if self._store is not None and self._store[0] == generation:
            return self._store[1]
        self._check_encoder()
        count = self._db.execute("SELECT count(*) FROM passages WHERE vector IS NOT NULL").fetchone()[0]
        if count == 0:
            self._store = (generation, None)
            return None
        cursor = self._db.execute(
            "SELECT rowid, doc_rowid, vector FROM passages WHERE vector IS NOT NULL ORDER BY rowid"
        )

        def batches():
            while rows := cursor.fetchmany(4_096):  # small batches: the peak is the store plus one batch
                vectors = np.frombuffer(b"".join(row[2] for row in rows), dtype=np.float32).reshape(len(rows), -1)
                yield (
                    vectors,
                    np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows)),
                    np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
                )

        blocks = list(getattr(self.encoder, "blocks", ())) or None
        # Above the exact-search threshold (where the store is an IVF index anyway) the
        # blocks are float16: half the memory, scores within ~1e-4 (see VectorStore).
        store = VectorStore.from_batches(
            batches(), count=count, dimension=self.encoder.dimension, blocks=blocks, float16_above=_FLOAT16_ABOVE
        )
        self._store = (generation, store)
        return store

    def _browse(self, query: SearchQuery, allowed: set[int] | None) -> SearchResult:
        """No words: every document that passes the filters, by title (or newest first)."""
        order = "date DESC, title COLLATE NOCASE, id" if query.sort == "date" else "title COLLATE NOCASE, id"
        condition = " WHERE rowid IN (SELECT rowid FROM allowed)" if allowed is not None else ""
        rows = self._db.execute(
            f"SELECT id, title FROM docs{condition} ORDER BY {order} LIMIT ? OFFSET ?", (query.k, query.offset)
        ).fetchall()
        hits = [
            Hit(id=doc_id, score=0.0, title=title, passage_anchor="", passage_heading="", snippet="")
            for doc_id, title in rows
        ]
        table = self._facet_table_now()
        matched = table.all_docs if allowed is None else np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        facets = table.counts(query.facets, matched) if query.facets else {}
        return SearchResult(hits=hits, total=len(matched), facets=facets)

    def _hits(
        self,
        page: list[tuple[int, float]],
        lexical: ArmScores | None,
        dense: ArmScores | None,
        terms: tuple[frozenset[str], frozenset[str]] | None,
    ) -> list[Hit]:
        doc_rowids = [doc_rowid for doc_rowid, _ in page]
        docs = self._rows_by_rowid("SELECT rowid, id, title FROM docs", doc_rowids)
        chosen: dict[int, int] = {}
        for doc_rowid in doc_rowids:
            if lexical and doc_rowid in lexical.passages:
                chosen[doc_rowid] = lexical.passages[doc_rowid]
            elif dense and doc_rowid in dense.passages:
                chosen[doc_rowid] = dense.passages[doc_rowid]
        passages = self._rows_by_rowid("SELECT rowid, anchor, heading, text FROM passages", list(chosen.values()))
        hits = []
        for doc_rowid, score in page:
            doc_id, title = docs[doc_rowid]
            anchor, heading, text = passages.get(chosen.get(doc_rowid), ("", "", ""))
            hits.append(
                Hit(
                    id=doc_id,
                    score=float(score),
                    title=title,
                    passage_anchor=anchor,
                    passage_heading=heading,
                    snippet=highlight_snippet(text, terms) if text else "",
                    passage_text=text,
                    lexical_score=lexical.scores.get(doc_rowid) if lexical else None,
                    dense_score=dense.scores.get(doc_rowid) if dense else None,
                )
            )
        return hits

    def _rows_by_rowid(self, select: str, rowids: list[int]) -> dict[int, tuple]:
        rows: dict[int, tuple] = {}
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"{select} WHERE rowid IN ({marks})", chunk):
                rows[row[0]] = tuple(row[1:])
        return rows


def _phrase_bm25(codes: np.ndarray, table: PassageTable) -> tuple[np.ndarray, np.ndarray]:
    """The rows one phrase occurs in (ascending) and its part of their BM25 score.

    `codes`: rowid * 8 + length(column name) of every occurrence. As fts5_aux.c's bm25():
    f is the sum of the column weights of the occurrences, idf = log((N - n + 0.5) /
    (n + 0.5)) (at least 1e-6) with n the rows that hold the phrase. Rows a writer added
    after the table was read are left out.
    """
    rows = codes >> 3
    weights = _COLUMN_WEIGHT_BY_LENGTH[codes & 7]
    rows, frequency = _sum_by_row(rows, weights)
    count = len(rows)
    idf = math.log((table.rows - count + 0.5) / (count + 0.5))
    if idf <= 0.0:
        idf = 1e-6
    known = rows < len(table.length)
    if not known.all():
        rows, frequency = rows[known], frequency[known]
    lengths = table.length[rows].astype(np.float64)
    k1, b = BM25_K1, BM25_B
    scores = idf * ((frequency * (k1 + 1.0)) / (frequency + k1 * (1 - b + b * lengths / table.average_length)))
    return rows, scores


def _sum_by_row(rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows ascending, sum of `values` per row), each row's values summed in input order.

    The rows come as sorted runs (one term's occurrences; a prefix's terms or several
    phrases one after another), which a stable sort (timsort) merges in a few passes:
    a sixth of the time np.unique took on 100,000 rows.
    """
    if len(rows) <= 1 or bool(np.all(rows[1:] > rows[:-1])):
        return rows, values
    if not bool(np.all(rows[1:] >= rows[:-1])):
        order = np.argsort(rows, kind="stable")
        rows, values = rows[order], values[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    return rows[starts], np.add.reduceat(values, starts)


def _best_per_document(rows: np.ndarray, scores: np.ndarray, docs: np.ndarray, wanted: int) -> np.ndarray:
    """Indexes of each document's best row (highest score, then lowest rowid), best first,
    at most `wanted`. Sorts only the best few rows unless documents repeat a lot."""
    total = len(scores)
    if total == 0 or wanted <= 0:
        return np.zeros(0, dtype=np.int64)
    take = min(total, max(4 * wanted, 32))
    while True:
        if take < total:
            cut = np.partition(scores, total - take)[total - take]
            top = np.flatnonzero(scores >= cut)  # with every row tied at the cut
        else:
            top = np.arange(total)
        top = top[np.lexsort((rows[top], -scores[top]))]
        _, first = np.unique(docs[top], return_index=True)
        if len(first) >= wanted or len(top) == total:
            break
        take = min(total, take * 4)
    first.sort()
    return top[first[:wanted]]
