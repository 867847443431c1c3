"""Sentence embeddings with a persistent cache.

Encoding is the slow part of everything Headstart does on a small CPU (a few hundred short
texts a second), so each distinct text is encoded once per model: vectors are cached in
the database, keyed by model name and a hash of the text, and survive restarts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sqlalchemy import LargeBinary, select
from sqlalchemy.engine import Engine
from sqlmodel import Column, Field, SQLModel

from core.db import insert_ignoring_duplicates
from core.embeddings.registry import EmbeddingBackend, load_backend
from core.errors import HeadstartError

ProgressCallback = Callable[[int], None]


class EmbeddingCache(SQLModel, table=True):
    __tablename__ = "embedding_cache"

    model: str = Field(primary_key=True, max_length=200)
    text_hash: str = Field(primary_key=True, max_length=64)
    dimension: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Encoder:
    """Encodes texts with one model, through the cache; counts what it really encoded."""

    def __init__(
        self,
        model_name: str,
        *,
        engine: Engine | None = None,
        backend: EmbeddingBackend | None = None,
        batch_size: int = 256,
    ) -> None:
        self.model_name = model_name
        self.engine = engine
        self._backend = backend
        self.batch_size = batch_size
        self.texts_encoded = 0
        self._query_cache: dict[str, np.ndarray] = {}
        self._dimension: int | None = None

    @property
    def backend(self) -> EmbeddingBackend:
        if self._backend is None:
            backend = load_backend(self.model_name)
            if self._dimension is not None and backend.dimension != self._dimension:
                raise HeadstartError(
                    f"The embedding cache holds {self._dimension}-dimensional vectors for the model "
                    f"{self.model_name!r}, but that model now gives {backend.dimension}: a different model "
                    "was installed under the same name. Give it its own name (HEADSTART_EMBEDDING_MODEL)."
                )
            self._backend = backend
        return self._backend

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (loading it costs seconds and hundreds of MB)."""
        return self._backend is not None

    @property
    def dimension(self) -> int:
        """The vectors' length, without loading the model when the cache already holds
        one of its vectors: a page whose texts are all cached must not wait seconds for a
        model it will not run (the first matches page did, README, Sizing)."""
        if self._dimension is None:
            cached = None if self._backend is not None else self._cached_dimension()
            self._dimension = cached if cached is not None else int(self.backend.dimension)
        return self._dimension

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Vectors for `texts` in order; only texts never seen by this model are encoded."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        hashes = {text: text_hash(text) for text in unique}
        found = self._cached_vectors(hashes.values())
        # Longest first: a batch is padded to its longest text, so batches of similar
        # lengths waste less work (about 1.2x less CPU on ESCO descriptions).
        missing = sorted((text for text in unique if hashes[text] not in found), key=len, reverse=True)
        if progress and len(unique) > len(missing):
            progress(len(unique) - len(missing))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self.backend.encode(batch)
            self.texts_encoded += len(batch)
            fresh = {hashes[text]: vector for text, vector in zip(batch, vectors)}
            self._store(fresh)
            found.update(fresh)
            if progress:
                progress(len(batch))
        return np.stack([found[hashes[text]] for text in texts]).astype(np.float32, copy=False)

    def encode_query(self, text: str, *, language: str | None = None, persist: bool = False) -> np.ndarray:
        """One query vector; kept in a small in-process cache, not written to the database,
        since a query is someone's own words.

        `persist`: the text is the product's own (a fixed question such as the library
        pages on a gap), so its vector goes through the database cache like a passage's
        and a fresh process finds it without loading the model. Every backend here encodes
        a query as it encodes a passage; one that does not must keep the two apart.
        `language` is ignored by a single model; CompositeEncoder uses it to pick a model.
        """
        if persist:
            return self.encode([text])[0]
        vector = self._query_cache.get(text)
        if vector is None:
            vector = self.backend.encode([text])[0]
            self.texts_encoded += 1
            if len(self._query_cache) > 4096:
                self._query_cache.clear()
            self._query_cache[text] = vector
        return vector

    def encode_queries(self, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        """Many query vectors at once; a single model ignores the languages."""
        return self.encode(texts)

    @property
    def models(self) -> tuple[str, ...]:
        """The roles a passage may ask for (see core.search.base.Passage.vector_model)."""
        return ("any", "primary")

    def encode_for(self, texts: Sequence[str], model: str, *, progress: ProgressCallback | None = None) -> np.ndarray:
        return self.encode(texts, progress=progress)

    def _cached_dimension(self) -> int | None:
        if self.engine is None:
            return None
        table = EmbeddingCache.__table__
        with self.engine.connect() as connection:
            return connection.execute(
                select(table.c.dimension).where(table.c.model == self.model_name).limit(1)
            ).scalar()

    def _cached_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        if self.engine is None:
            return {}
        wanted = list(hashes)
        found: dict[str, np.ndarray] = {}
        table = EmbeddingCache.__table__
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = connection.execute(
                    select(table.c.text_hash, table.c.vector).where(
                        table.c.model == self.model_name, table.c.text_hash.in_(chunk)
                    )
                )
                for digest, blob in rows:
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        if self.engine is None or not vectors:
            return
        rows = [
            {
                "model": self.model_name,
                "text_hash": digest,
                "dimension": int(vector.shape[0]),
                "vector": np.asarray(vector, dtype=np.float32).tobytes(),
            }
            for digest, vector in vectors.items()
        ]
        insert_ignoring_duplicates(self.engine, EmbeddingCache.__table__, rows)


class CompositeEncoder:
    """Two models in one vector space: a primary model and a multilingual one.

    Why: the default model (English all-MiniLM-L6-v2) ranks English job titles best, but
    is blind to "soudeur" or "سائق شاحنة"; the multilingual Universal Sentence Encoder
    understands those at a small cost on English (bench/README.md, cross-lingual table).
    A passage vector is both models' vectors side by side (or one of them and zeros, when
    the passage asks for one model); a query fills only the half of the model that suits
    its language and leaves the other half zero, so its dot product with a passage is that
    one model's cosine, and English and non-English queries each get the better model
    without a second index.
    """

    def __init__(self, primary: Encoder, multilingual: Encoder) -> None:
        self.primary = primary
        self.multilingual = multilingual
        self.model_name = f"{primary.model_name}+{multilingual.model_name}"

    @property
    def dimension(self) -> int:
        return self.primary.dimension + self.multilingual.dimension

    @property
    def texts_encoded(self) -> int:
        return self.primary.texts_encoded + self.multilingual.texts_encoded

    @property
    def blocks(self) -> tuple[tuple[int, int], ...]:
        """Column ranges of the two models in a vector."""
        return ((0, self.primary.dimension), (self.primary.dimension, self.dimension))

    @property
    def models(self) -> tuple[str, ...]:
        return ("any", "primary", "multilingual")

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        return self.encode_for(texts, "any", progress=progress)

    def encode_for(self, texts: Sequence[str], model: str, *, progress: ProgressCallback | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if model in ("any", "primary"):
            out[:, : self.primary.dimension] = self.primary.encode(texts, progress=progress)
        if model in ("any", "multilingual"):
            out[:, self.primary.dimension :] = self.multilingual.encode(texts)
        return out

    def encode_queries(self, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        """Many query vectors at once, batched per model (evaluations, batch suggestion)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        english = [i for i, language in enumerate(languages) if language in (None, "en")]
        other = [i for i, language in enumerate(languages) if language not in (None, "en")]
        if english:
            out[english, : self.primary.dimension] = self.primary.encode([texts[i] for i in english])
        if other:
            out[other, self.primary.dimension :] = self.multilingual.encode([texts[i] for i in other])
        return out

    def encode_query(self, text: str, *, language: str | None = None, persist: bool = False) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        if language in (None, "en"):
            vector[: self.primary.dimension] = self.primary.encode_query(text, persist=persist)
        else:
            vector[self.primary.dimension :] = self.multilingual.encode_query(text, persist=persist)
        return vector


def make_encoder(model: str, multilingual_model: str | None, *, engine: Engine | None) -> "Encoder | CompositeEncoder":
    """The Encoder the settings ask for: one model, or a primary plus a multilingual one."""
    primary = Encoder(model, engine=engine)
    if not multilingual_model or multilingual_model == model:
        return primary
    return CompositeEncoder(primary, Encoder(multilingual_model, engine=engine))
