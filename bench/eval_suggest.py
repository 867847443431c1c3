"""Quality of occupation suggestion on ESCO: each arm alone against their fusions.

Why: the design rule is to measure fusion, not assume it. See matching/evaluation.py for
the protocol (20% of occupations held out, their alternative labels hidden from the index
and used as queries; weights tuned on one half of them, everything graded on the other).

Variants: the product's configuration (all-MiniLM-L6-v2 plus the multilingual USE in one
composite space: "preferred label. description" embedded by MiniLM, labels by USE, all
text in the lexical arm), MiniLM alone (labels then lexical only), and the first design
(every label embedded by MiniLM, descriptions lexical only).

Run by hand; the first run encodes about 40k labels (a few minutes on 2 cores), later
runs take seconds for encoding because vectors are cached in bench/out/eval-cache.db:

    .venv/bin/python bench/eval_suggest.py [--esco-dir ../shared/esco] [--seed 13]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.db import create_schema, make_engine  # noqa: E402
from kb.embed import make_encoder  # noqa: E402
from kb.search.base import Fusion, IndexDocument, SearchQuery  # noqa: E402
from kb.search.embedded import EmbeddedSearchIndex  # noqa: E402
from kb.search.factory import COLLECTIONS  # noqa: E402
from matching import esco  # noqa: E402
from matching.evaluation import (  # noqa: E402
    LabelQuery,
    RankingScores,
    dense_only,
    evaluate,
    fused,
    hold_out,
    lexical_only,
    run_arms,
    score_rankings,
    tune_convex_alpha,
)
from matching.normalize import guess_query_language, label_vocabulary  # noqa: E402

OUT = ROOT / "bench" / "out"
CROSSLINGUAL = ROOT / "bench" / "data" / "crosslingual_queries.jsonl"


def every_label_embedded(documents: list[IndexDocument]) -> list[IndexDocument]:
    """The first design: every label a vector of the English model, descriptions lexical only."""
    return [
        replace(
            doc,
            passages=tuple(
                replace(p, embed=False) if p.anchor.startswith("desc") else replace(p, vector_model="any")
                for p in doc.passages
            ),
        )
        for doc in documents
    ]


def row(name: str, scores: RankingScores) -> str:
    return f"| {name} | {scores.mrr:.3f} | {scores.recall_at_1:.3f} | {scores.recall_at_10:.3f} | {scores.queries} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esco-dir", type=Path, default=ROOT.parent / "shared" / "esco")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--multilingual-model", default="use-multilingual-v3")
    parser.add_argument("--variants", type=int, default=3, help="how many of the variants to run (product first)")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{OUT / 'eval-cache.db'}")
    create_schema(engine)
    esco.import_esco(args.esco_dir, engine=engine)
    documents = esco.concept_documents(engine, "occupation")
    indexed, queries = hold_out(documents, seed=args.seed)
    n_tune = sum(q.split == "tune" for q in queries)
    print(f"{len(documents)} occupations; {len(queries)} held-out label queries ({n_tune} tune, {len(queries) - n_tune} test)")
    english_words = label_vocabulary([p.text for d in indexed for p in d.passages if not p.anchor.startswith("desc")])

    variants = [
        ("product: MiniLM+USE", make_encoder(args.model, args.multilingual_model, engine=engine), indexed),
        ("MiniLM alone", make_encoder(args.model, None, engine=engine), indexed),
        ("MiniLM, every label embedded", make_encoder(args.model, None, engine=engine), every_label_embedded(indexed)),
    ]
    lines = [
        "| variant: method | MRR | Recall@1 | Recall@10 | queries |",
        "|---|---|---|---|---|",
    ]
    for name, encoder, docs in variants[: args.variants]:
        started = time.perf_counter()
        index = EmbeddedSearchIndex(":memory:", name="eval", encoder=encoder)
        index.upsert(docs)
        indexed_s = time.perf_counter() - started
        started = time.perf_counter()
        languages = [guess_query_language(q.text, english_words) for q in queries]
        vectors = encoder.encode_queries([q.text for q in queries], languages)
        runs = run_arms(index, queries, vectors)
        searched_s = time.perf_counter() - started
        routed = sum(lang != "en" for lang in languages)
        print(f"[{name}] indexed in {indexed_s:.1f}s; {len(queries)} queries x 2 arms in {searched_s:.1f}s; {routed} routed as non-English")
        alpha, tuned = tune_convex_alpha(runs)
        for method_name, method in (
            ("BM25 alone", lexical_only),
            ("vectors alone", dense_only),
            ("RRF k=60", fused(Fusion(method="rrf", rrf_k=60))),
            (f"convex alpha={alpha:.2f} (tune MRR {tuned.mrr:.3f})", fused(Fusion(method="convex", alpha=alpha))),
            ("shipped fusion", fused(COLLECTIONS["occupations"])),
        ):
            lines.append(row(f"{name}: {method_name}", evaluate(runs, method, "test")))
        index.close()
    lines += ["", crosslingual_table(documents, variants[0][1], english_words)]
    table = "\n".join(lines)
    print(table)
    (OUT / "eval_suggest.md").write_text(table + "\n")
    return 0


def crosslingual_table(documents: list[IndexDocument], encoder, english_words: frozenset[str]) -> str:
    """The hand-written titles of bench/data/crosslingual_queries.jsonl through the whole
    product (every label indexed, hybrid search, language guessed), per language."""
    queries = [json.loads(line) for line in CROSSLINGUAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    index = EmbeddedSearchIndex(":memory:", name="crosslingual", encoder=encoder)
    index.upsert(documents)
    by_language: dict[str, list[tuple[LabelQuery, list[str]]]] = {}
    for item in queries:
        language = guess_query_language(item["query"], english_words)
        result = index.search(SearchQuery(text=item["query"], k=10, language=language, track_total=False))
        ranked = [hit.id for hit in result.hits]
        expected = next((uri for uri in ranked if uri in item["expected"]), item["expected"][0])
        by_language.setdefault(item["lang"], []).append((LabelQuery(item["query"], expected, "test"), ranked))
    index.close()
    lines = [
        "Hand-written titles through the product (all labels indexed; hit = any expected occupation):",
        "",
        "| language | MRR@10 | Recall@1 | Recall@10 | queries |",
        "|---|---|---|---|---|",
    ]
    for language in sorted(by_language):
        scores = score_rankings(by_language[language])
        lines.append(row(language, scores))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
