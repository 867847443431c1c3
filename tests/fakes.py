"""A deterministic stand-in for the embedding model, for fast unit tests.

Texts that share words get similar vectors (hashed bag of words), which is enough to test
plumbing; tests of search and matching quality use the real model instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

FAKE_MODEL_NAME = "test-hashing-encoder"


class HashingBackend:
    def __init__(self, name: str = FAKE_MODEL_NAME, dimension: int = 256) -> None:
        self.name = name
        self.dimension = dimension
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out
