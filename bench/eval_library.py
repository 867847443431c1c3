"""Library search quality on judged practitioner queries: each arm, RRF, convex, the product.

    .venv/bin/python bench/eval_library.py [--out bench/out/eval_library.md]

Imports seeds/library into a temporary data dir with the product's models (about 30 s
on 2 cores the first time), runs tests/data/library_queries.jsonl through the lexical and
dense arms, and reports nDCG@10, MRR and Recall@10 for: BM25 alone, vectors alone, RRF,
the convex fusion at the shipped weight, convex tuned by two-fold cross-validation, and
the product's own ranking (search_library: fusion plus the quality signal), overall and by
query language and style.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from kb.evaluation import (  # noqa: E402
    cross_validated_convex,
    dense_only,
    evaluate,
    fused,
    lexical_only,
    load_judged_queries,
    run_arms,
    score,
    tune_alpha,
)
from kb.library_query import parse_search_request  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from core.search.base import Fusion  # noqa: E402
from core.search.factory import COLLECTIONS  # noqa: E402
from kb import service  # noqa: E402
from kb.service import import_library, library_index, library_vocabulary, search_library  # noqa: E402

QUERIES = ROOT / "tests" / "data" / "library_queries.jsonl"


def product_rankings(runtime, queries):
    rankings = []
    for query in queries:
        page = search_library(runtime, parse_search_request(text=query.text, per_page=10))
        rankings.append((query, [hit.entry.record.group_id for hit in page.hits]))
    return rankings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "eval_library.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="headstart-eval-library-"))
    settings = Settings.from_env().with_(data_dir=work, database_url=f"sqlite:///{work / 'headstart.db'}")
    runtime = Runtime(settings)
    runtime.init_database()
    started = time.perf_counter()
    report = import_library(runtime, ROOT / "seeds" / "library")
    assert report.ok, report.failed
    import_seconds = time.perf_counter() - started
    queries = load_judged_queries(QUERIES)
    words = library_vocabulary(runtime)
    runs = run_arms(library_index(runtime), queries, words)
    shipped = COLLECTIONS.get("library", Fusion())
    cv_scores, cv_alphas = cross_validated_convex(runs)
    rows = [
        ("BM25 alone", evaluate(runs, lexical_only)),
        ("vectors alone", evaluate(runs, dense_only)),
        ("RRF (k=60)", evaluate(runs, fused(Fusion(method="rrf")))),
        (f"convex, shipped alpha {shipped.alpha}", evaluate(runs, fused(shipped))),
        (f"convex, 2-fold cross-validated (alphas {cv_alphas[0]}, {cv_alphas[1]})", cv_scores),
        (f"convex, alpha tuned on all queries ({tune_alpha(runs)}; optimistic)", evaluate(runs, fused(Fusion('convex', tune_alpha(runs))))),
        ("product: search_library (shipped fusion + quality signal)", score(product_rankings(runtime, queries))),
    ]
    shipped_weight = service.QUALITY_WEIGHT
    for weight in (0.0, 0.02, 0.1):
        service.QUALITY_WEIGHT = weight
        rows.append((f"product with quality weight {weight} (shipped {shipped_weight})", score(product_rankings(runtime, queries))))
    service.QUALITY_WEIGHT = shipped_weight
    lines = [
        "# Library search quality",
        "",
        f"- {len(queries)} judged queries ({QUERIES.relative_to(ROOT)}); models: {runtime.encoder.model_name}",
        f"- seed library imported in {import_seconds:.0f} s; run at {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| ranking | nDCG@10 | MRR | Recall@10 |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {s.ndcg_at_10:.3f} | {s.mrr:.3f} | {s.recall_at_10:.3f} |" for name, s in rows]
    lines += ["", "## By query group (nDCG@10)", "", "| group | queries | BM25 | vectors | shipped convex | product |", "|---|---:|---:|---:|---:|---:|"]
    product = dict((q.id, r) for q, r in product_rankings(runtime, queries))
    groups = {}
    for run in runs:
        groups.setdefault(f"language {run.query.language}", []).append(run)
        groups.setdefault(f"style {run.query.style}", []).append(run)
    for name, members in sorted(groups.items()):
        lines.append(
            f"| {name} | {len(members)} | {evaluate(members, lexical_only).ndcg_at_10:.3f} | "
            f"{evaluate(members, dense_only).ndcg_at_10:.3f} | {evaluate(members, fused(shipped)).ndcg_at_10:.3f} | "
            f"{score([(r.query, product[r.query.id]) for r in members]).ndcg_at_10:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    runtime.close()


if __name__ == "__main__":
    main()
