"""Fusion of the lexical and dense arms, shared by every engine.

Both methods are here because neither wins everywhere: bench/eval_suggest.py measures
each arm alone, reciprocal rank fusion and the convex combination on ESCO, and the
default `Fusion` in core/search/base.py is the one that won there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

from core.search.base import Fusion


@dataclass
class ArmScores:
    """One arm's candidates: document -> score (higher is better) and best passage."""

    scores: dict[Hashable, float]
    passages: dict[Hashable, Hashable] = field(default_factory=dict)
    total: int = 0


def _min_max(scores: dict[Hashable, float]) -> dict[Hashable, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low < 1e-12:
        return {doc: 1.0 for doc in scores}
    return {doc: (value - low) / (high - low) for doc, value in scores.items()}


def _ranks(scores: dict[Hashable, float]) -> dict[Hashable, int]:
    ordered = sorted(scores, key=lambda doc: -scores[doc])
    return {doc: rank for rank, doc in enumerate(ordered, start=1)}


def fuse(lexical: ArmScores | None, dense: ArmScores | None, fusion: Fusion) -> list[tuple[Hashable, float]]:
    """Documents of both arms, best first, with their fused score.

    With one arm only, its own scores are kept (so a lexical-only search still shows
    BM25 and a dense-only one cosine similarity). Ties break on the dense score, then on
    the document key, so the order is stable.
    """
    arms = [arm for arm in (lexical, dense) if arm is not None and arm.scores]
    if not arms:
        return []
    if len(arms) == 1:
        scores = dict(arms[0].scores)
    elif fusion.method == "rrf":
        scores = {}
        for arm in arms:
            for doc, rank in _ranks(arm.scores).items():
                scores[doc] = scores.get(doc, 0.0) + 1.0 / (fusion.rrf_k + rank)
    else:
        lexical_norm = _min_max(lexical.scores)
        dense_norm = _min_max(dense.scores)
        scores = {
            doc: fusion.alpha * dense_norm.get(doc, 0.0) + (1.0 - fusion.alpha) * lexical_norm.get(doc, 0.0)
            for doc in set(lexical_norm) | set(dense_norm)
        }
    dense_scores = dense.scores if dense else {}
    return sorted(
        scores.items(),
        key=lambda item: (-item[1], -dense_scores.get(item[0], float("-inf")), str(item[0])),
    )
