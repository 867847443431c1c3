"""Held-out evaluation of concept suggestion: how often the right concept comes first.

Why it is library code: the benchmark (bench/eval_suggest.py) reports the figures and a
slow test pins that the shipped fusion beats each arm alone, and both must measure the
same thing. 20% of the occupations are held out; their alternative and hidden labels are
removed from the index and become the queries, the way a migrant types a title that is
not the preferred label. The held-out occupations are split in two halves: fusion
weights are tuned on one and graded on the other.

Each query runs each arm once (k = candidates); fusions are then computed from those
arm results with the engine's own `fuse`, so a grid of weights costs no extra searches.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from core.search.base import Fusion, IndexDocument, SearchIndex, SearchQuery
from core.search.fusion import ArmScores, fuse

HIDDEN_ANCHORS = ("alt-", "hidden-")


@dataclass(frozen=True)
class LabelQuery:
    text: str
    expected: str
    split: str  # "tune" or "test"


@dataclass(frozen=True)
class RankingScores:
    mrr: float
    recall_at_1: float
    recall_at_10: float
    queries: int


@dataclass(frozen=True)
class ArmRuns:
    """Each arm's candidates for one query, as the engine ranked them."""

    query: LabelQuery
    lexical: ArmScores
    dense: ArmScores


def hold_out(
    documents: Sequence[IndexDocument], *, seed: int = 13, share: float = 0.2
) -> tuple[list[IndexDocument], list[LabelQuery]]:
    """Strip the alternative labels of a random share of documents; they become queries."""
    rng = random.Random(seed)
    held = sorted(rng.sample([d.id for d in documents], round(len(documents) * share)))
    rng.shuffle(held)
    tune_ids = set(held[: len(held) // 2])
    held_ids = set(held)
    indexed: list[IndexDocument] = []
    queries: list[LabelQuery] = []
    for doc in documents:
        if doc.id not in held_ids:
            indexed.append(doc)
            continue
        kept = tuple(p for p in doc.passages if not p.anchor.startswith(HIDDEN_ANCHORS))
        hidden = {p.text for p in doc.passages if p.anchor.startswith(HIDDEN_ANCHORS)}
        indexed.append(replace(doc, passages=kept))
        split = "tune" if doc.id in tune_ids else "test"
        queries += [LabelQuery(text, doc.id, split) for text in sorted(hidden) if text.strip()]
    return indexed, queries


def run_arms(
    index: SearchIndex,
    queries: Sequence[LabelQuery],
    vectors: Sequence[np.ndarray],
    *,
    candidates: int = 100,
) -> list[ArmRuns]:
    """Both arms for every query, with precomputed query vectors."""
    runs = []
    for query, vector in zip(queries, vectors):
        arms = []
        for mode in ("lexical", "dense"):
            result = index.search(SearchQuery(text=query.text, k=candidates, mode=mode, vector=vector, track_total=False))
            field = "lexical_score" if mode == "lexical" else "dense_score"
            arms.append(ArmScores(scores={hit.id: getattr(hit, field) for hit in result.hits}))
        runs.append(ArmRuns(query, arms[0], arms[1]))
    return runs


def score_rankings(rankings: Sequence[tuple[LabelQuery, list[str]]]) -> RankingScores:
    reciprocal, at1, at10 = 0.0, 0, 0
    for query, ranked in rankings:
        if query.expected in ranked:
            rank = ranked.index(query.expected) + 1
            reciprocal += 1.0 / rank
            at1 += rank == 1
            at10 += rank <= 10
    n = max(len(rankings), 1)
    return RankingScores(reciprocal / n, at1 / n, at10 / n, len(rankings))


Method = Callable[[ArmRuns], list[str]]


def lexical_only(run: ArmRuns) -> list[str]:
    return [doc for doc, _ in fuse(run.lexical, None, Fusion())]


def dense_only(run: ArmRuns) -> list[str]:
    return [doc for doc, _ in fuse(None, run.dense, Fusion())]


def fused(fusion: Fusion) -> Method:
    def method(run: ArmRuns) -> list[str]:
        return [doc for doc, _ in fuse(run.lexical, run.dense, fusion)]

    return method


def evaluate(runs: Sequence[ArmRuns], method: Method, split: str | None = None) -> RankingScores:
    return score_rankings([(run.query, method(run)) for run in runs if split is None or run.query.split == split])


def tune_convex_alpha(runs: Sequence[ArmRuns], *, steps: int = 20) -> tuple[float, RankingScores]:
    """The convex weight with the best MRR on the tune half (ties: the smaller weight)."""
    best: tuple[float, RankingScores] | None = None
    for step in range(steps + 1):
        alpha = step / steps
        scores = evaluate(runs, fused(Fusion(method="convex", alpha=alpha)), "tune")
        if best is None or scores.mrr > best[1].mrr + 1e-12:
            best = (alpha, scores)
    assert best is not None
    return best
