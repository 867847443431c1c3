"""Near-duplicate records: the same practice entered twice, by two centres or two imports.

Records are compared by the word trigrams of their title, summary and text (Jaccard
similarity), estimated with MinHash and found through banded hashing, so a library of
tens of thousands of records is checked without comparing every pair. A record and its
translations are never duplicates of each other (they differ in language, and are
linked on purpose).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from practices.schema import LibraryRecord

SIMILARITY_THRESHOLD = 0.6
_PERMUTATIONS = 64
_BANDS = 16  # 16 bands of 4 rows: pairs above about 0.5 similarity become candidates
_WORD = re.compile(r"\w+", re.UNICODE)
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20150521)
_A = _rng.integers(1, _PRIME, size=_PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=_PERMUTATIONS, dtype=np.uint64)


@dataclass(frozen=True)
class DuplicatePair:
    id: str
    other_id: str
    similarity: float


def shingles(record: LibraryRecord) -> frozenset[int]:
    text = " ".join([record.title, record.summary, *(section.text for section in record.sections)])
    words = _WORD.findall(text.lower())
    grams = (" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2)))
    return frozenset(int.from_bytes(hashlib.blake2b(g.encode(), digest_size=7).digest(), "big") for g in grams)


def _signature(hashed: frozenset[int]) -> np.ndarray:
    if not hashed:
        return np.full(_PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    values = np.fromiter(hashed, dtype=np.uint64, count=len(hashed))
    # (a * x + b) mod p on 64-bit integers: x < 2^56 and a < 2^61 would overflow, so the
    # product wraps; the wrapped value is still a fixed pseudo-random function of x, which
    # is all MinHash needs.
    with np.errstate(over="ignore"):
        permuted = (values[None, :] * _A[:, None] + _B[:, None]) % np.uint64(_PRIME)
    return permuted.min(axis=1)


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_near_duplicates(
    incoming: Iterable[LibraryRecord],
    existing: Iterable[LibraryRecord],
    *,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[DuplicatePair]:
    """Pairs (incoming record, other record) at or above `threshold` similarity.

    Other records are the existing ones and the other incoming ones; a record replaced by
    an incoming one of the same id is not compared with itself.
    """
    incoming = list(incoming)
    incoming_ids = {record.id for record in incoming}
    pool = {record.id: record for record in existing if record.id not in incoming_ids}
    pool.update({record.id: record for record in incoming})
    grams = {record_id: shingles(record) for record_id, record in pool.items()}
    rows = _PERMUTATIONS // _BANDS
    buckets: dict[tuple[int, bytes], list[str]] = {}
    for record_id, hashed in grams.items():
        signature = _signature(hashed)
        for band in range(_BANDS):
            buckets.setdefault((band, signature[band * rows : (band + 1) * rows].tobytes()), []).append(record_id)
    candidates: set[tuple[str, str]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        for record_id in members:
            if record_id in incoming_ids:
                candidates.update((record_id, other) for other in members if other != record_id)
    pairs: dict[frozenset[str], DuplicatePair] = {}
    for record_id, other_id in sorted(candidates):
        a, b = pool[record_id], pool[other_id]
        if a.group_id == b.group_id or a.language != b.language:
            continue
        similarity = jaccard(grams[record_id], grams[other_id])
        key = frozenset((record_id, other_id))
        if similarity >= threshold and key not in pairs:
            pairs[key] = DuplicatePair(record_id, other_id, round(similarity, 3))
    return sorted(pairs.values(), key=lambda pair: (-pair.similarity, pair.id))
