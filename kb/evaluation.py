"""Judged-query evaluation of library search: nDCG@10 and MRR per arm and per fusion.

Why it is library code: bench/eval_library.py reports the figures and a slow test pins
that the shipped ranking is not below the better single arm; both must measure the same
thing. The queries and graded judgments are in tests/data/library_queries.jsonl (written
by reading the records, not by running the engine). Each query runs each arm once; fusions
are computed from those results with the engine's own `fuse`, so a grid of weights costs
no extra searches. Weights are tuned by two-fold cross-validation (tuned on the odd
queries, graded on the even ones and the other way round), because 60 queries are too few
to tune and grade on the same ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.languages import guess_query_language
from core.search.base import Fusion, SearchIndex, SearchQuery
from core.search.fusion import ArmScores, fuse

CANDIDATES = 100


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    text: str
    language: str
    style: str
    relevant: dict[str, int]  # original record id -> grade (2 answers the need, 1 partly)


@dataclass(frozen=True)
class ArmRun:
    query: JudgedQuery
    lexical: ArmScores
    dense: ArmScores


@dataclass(frozen=True)
class Scores:
    ndcg_at_10: float
    mrr: float
    recall_at_10: float
    queries: int


Method = Callable[[ArmRun], list[str]]


def load_judged_queries(path: Path) -> list[JudgedQuery]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            queries.append(JudgedQuery(item["id"], item["query"], item["language"], item["style"], item["relevant"]))
    return queries


def run_arms(
    index: SearchIndex, queries: Sequence[JudgedQuery], english_words: frozenset[str], *, guess: bool = True
) -> list[ArmRun]:
    """Both arms for every query; the query language is guessed as the product guesses it."""
    runs = []
    for query in queries:
        language = guess_query_language(query.text, english_words) if guess else query.language
        arms = []
        for mode in ("lexical", "dense"):
            result = index.search(
                SearchQuery(text=query.text, k=CANDIDATES, mode=mode, language=language, track_total=False)
            )
            field = "lexical_score" if mode == "lexical" else "dense_score"
            arms.append(ArmScores(scores={hit.id: getattr(hit, field) for hit in result.hits}))
        runs.append(ArmRun(query, arms[0], arms[1]))
    return runs


def ndcg_at(ranking: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    gain = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(rank + 2) for rank, doc in enumerate(ranking[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return gain / best if best else 0.0


def score(rankings: Sequence[tuple[JudgedQuery, list[str]]]) -> Scores:
    ndcg = mrr = recall = 0.0
    for query, ranking in rankings:
        ndcg += ndcg_at(ranking, query.relevant)
        first = next((rank for rank, doc in enumerate(ranking, 1) if query.relevant.get(doc, 0) > 0), None)
        mrr += 1.0 / first if first else 0.0
        found = sum(1 for doc in ranking[:10] if query.relevant.get(doc, 0) > 0)
        recall += found / len(query.relevant)
    n = max(len(rankings), 1)
    return Scores(ndcg / n, mrr / n, recall / n, len(rankings))


def lexical_only(run: ArmRun) -> list[str]:
    return [str(doc) for doc, _ in fuse(run.lexical, None, Fusion())]


def dense_only(run: ArmRun) -> list[str]:
    return [str(doc) for doc, _ in fuse(None, run.dense, Fusion())]


def fused(fusion: Fusion) -> Method:
    def method(run: ArmRun) -> list[str]:
        return [str(doc) for doc, _ in fuse(run.lexical, run.dense, fusion)]

    return method


def evaluate(runs: Sequence[ArmRun], method: Method) -> Scores:
    return score([(run.query, method(run)) for run in runs])


def tune_alpha(runs: Sequence[ArmRun], *, steps: int = 20) -> float:
    """The convex weight with the best nDCG@10 on `runs` (ties: the weight nearest 0.5)."""
    best: tuple[float, float] | None = None
    for step in range(steps + 1):
        alpha = step / steps
        value = evaluate(runs, fused(Fusion(method="convex", alpha=alpha))).ndcg_at_10
        if best is None or value > best[1] + 1e-12 or (abs(value - best[1]) <= 1e-12 and abs(alpha - 0.5) < abs(best[0] - 0.5)):
            best = (alpha, value)
    assert best is not None
    return best[0]


def cross_validated_convex(runs: Sequence[ArmRun]) -> tuple[Scores, tuple[float, float]]:
    """Convex fusion graded on queries it was not tuned on (two folds), and the two weights."""
    odd, even = list(runs[0::2]), list(runs[1::2])
    alpha_odd, alpha_even = tune_alpha(odd), tune_alpha(even)
    rankings = [(run.query, fused(Fusion("convex", alpha_odd))(run)) for run in even]
    rankings += [(run.query, fused(Fusion("convex", alpha_even))(run)) for run in odd]
    return score(rankings), (alpha_odd, alpha_even)
