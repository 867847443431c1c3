"""Quality of occupation suggestion on ESCO: each arm alone against their fusions.

Why: the design rule is to measure fusion, not assume it. 20% of the occupations are
held out; their alternative (and hidden) labels are removed from the index and used as
queries, the way a migrant types a title that is not the preferred label. The held-out
occupations are split in two: on the first half the fusion weight is tuned, on the
second half every method is reported, so the tuned weight is not graded on its own data.

Run by hand (takes a few minutes the first time, seconds after: vectors are cached in
bench/out/eval-cache.db):

    .venv/bin/python bench/eval_suggest.py [--esco-dir ../shared/esco] [--seed 13]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.db import create_schema, make_engine  # noqa: E402
from kb.embed import Encoder  # noqa: E402
from kb.search.base import Fusion, IndexDocument, SearchQuery  # noqa: E402
from kb.search.embedded import EmbeddedSearchIndex  # noqa: E402
from matching import esco  # noqa: E402

OUT = ROOT / "bench" / "out"
HIDDEN_ANCHORS = ("alt-", "hidden-")


@dataclass(frozen=True)
class Query:
    text: str
    expected: str
    split: str  # "tune" or "test"


@dataclass(frozen=True)
class Scores:
    mrr: float
    recall_at_1: float
    recall_at_10: float
    queries: int

    def row(self, name: str) -> str:
        return f"| {name} | {self.mrr:.3f} | {self.recall_at_1:.3f} | {self.recall_at_10:.3f} | {self.queries} |"


def load_documents(esco_dir: Path, engine) -> list[IndexDocument]:
    esco.import_esco(esco_dir, engine=engine)
    return esco.concept_documents(engine, "occupation")


def hold_out(documents: list[IndexDocument], *, seed: int, share: float = 0.2):
    """Strip the alternative labels of a random share of occupations; they become queries."""
    rng = random.Random(seed)
    held = set(rng.sample([d.id for d in documents], round(len(documents) * share)))
    held_order = sorted(held)
    rng.shuffle(held_order)
    tune_ids = set(held_order[: len(held_order) // 2])
    indexed, queries = [], []
    for doc in documents:
        if doc.id not in held:
            indexed.append(doc)
            continue
        kept = tuple(p for p in doc.passages if not p.anchor.startswith(HIDDEN_ANCHORS))
        hidden = {p.text for p in doc.passages if p.anchor.startswith(HIDDEN_ANCHORS)}
        indexed.append(replace(doc, passages=kept))
        split = "tune" if doc.id in tune_ids else "test"
        queries += [Query(text, doc.id, split) for text in sorted(hidden) if text.strip()]
    return indexed, queries


def with_embedded_descriptions(documents: list[IndexDocument]) -> list[IndexDocument]:
    return [
        replace(doc, passages=tuple(replace(p, embed=True) if p.anchor.startswith("desc") else p for p in doc.passages))
        for doc in documents
    ]


def evaluate(run: Callable[[Query], list[str]], queries: Sequence[Query]) -> Scores:
    reciprocal, at1, at10 = 0.0, 0, 0
    for query in queries:
        ranked = run(query)
        if query.expected in ranked:
            rank = ranked.index(query.expected) + 1
            reciprocal += 1.0 / rank
            at1 += rank == 1
            at10 += rank <= 10
    n = max(len(queries), 1)
    return Scores(reciprocal / n, at1 / n, at10 / n, len(queries))


def searcher(index: EmbeddedSearchIndex, vectors: dict[str, object], mode: str, fusion: Fusion | None):
    def run(query: Query) -> list[str]:
        result = index.search(
            SearchQuery(text=query.text, k=100, mode=mode, fusion=fusion, vector=vectors[query.text], candidates=100)
        )
        return [hit.id for hit in result.hits]

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esco-dir", type=Path, default=ROOT.parent / "shared" / "esco")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{OUT / 'eval-cache.db'}")
    create_schema(engine)
    encoder = Encoder(args.model, engine=engine)
    documents = load_documents(args.esco_dir, engine)
    indexed, queries = hold_out(documents, seed=args.seed)
    tune = [q for q in queries if q.split == "tune"]
    test = [q for q in queries if q.split == "test"]
    print(f"{len(documents)} occupations, {len(queries)} held-out label queries ({len(tune)} tune, {len(test)} test)")

    started = time.perf_counter()
    vectors = dict(zip([q.text for q in queries], encoder.encode([q.text for q in queries])))
    print(f"queries encoded in {time.perf_counter() - started:.1f}s")

    lines = ["| method | MRR | Recall@1 | Recall@10 | queries |", "|---|---|---|---|---|"]
    report: dict[str, Scores] = {}
    for variant, docs in (("labels", indexed), ("labels+descriptions", with_embedded_descriptions(indexed))):
        index = EmbeddedSearchIndex(":memory:", name=f"eval-{variant}", encoder=encoder)
        started = time.perf_counter()
        index.upsert(docs)
        print(f"[{variant}] indexed in {time.perf_counter() - started:.1f}s")
        lexical = evaluate(searcher(index, vectors, "lexical", None), test)
        dense = evaluate(searcher(index, vectors, "dense", None), test)
        rrf = evaluate(searcher(index, vectors, "hybrid", Fusion(method="rrf")), test)
        best_alpha, best_tune = 0.0, -1.0
        for step in range(0, 21):
            alpha = step / 20
            tuned = evaluate(searcher(index, vectors, "hybrid", Fusion(method="convex", alpha=alpha)), tune)
            if tuned.mrr > best_tune:
                best_alpha, best_tune = alpha, tuned.mrr
        convex = evaluate(searcher(index, vectors, "hybrid", Fusion(method="convex", alpha=best_alpha)), test)
        for name, scores in (
            ("BM25 alone", lexical),
            ("vectors alone", dense),
            ("RRF (k=60)", rrf),
            (f"convex, alpha={best_alpha:.2f} tuned on the tune half (MRR {best_tune:.3f} there)", convex),
        ):
            lines.append(scores.row(f"{variant}: {name}"))
            report[f"{variant}: {name}"] = scores
        index.close()
    table = "\n".join(lines)
    print(table)
    (OUT / "eval_suggest.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
