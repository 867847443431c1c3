"""Matcher quality on ESCO against BM25 and plain-embedding baselines (matching/match_evaluation.py).

    .venv/bin/python bench/eval_matching.py [--occupations 300] [--seed 7] [--confirm 5]

Uses a copy of bench/out/search-source/headstart.db (ESCO imported, vectors cached; made by
bench/bench_search.py, or imported here from HEADSTART_ESCO_DIR on the first run) with the
product's models. Each vacancy's extracted skills are cached in bench/out, so a second run
takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from matching import esco  # noqa: E402
from matching.match_evaluation import run_evaluation  # noqa: E402

SOURCE = ROOT / "bench" / "out" / "search-source" / "headstart.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occupations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--confirm", type=int, default=5, help="the person picks the right occupation among this many suggestions (1: takes the first)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "eval_matching.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="headstart-eval-matching-"))
    started = time.perf_counter()
    if SOURCE.exists():
        shutil.copy(SOURCE, work / "headstart.db")
    settings = Settings.from_env().with_(data_dir=work, database_url=f"sqlite:///{work / 'headstart.db'}")
    runtime = Runtime(settings)
    runtime.init_database()
    if not SOURCE.exists():
        esco.import_esco(settings.esco_dir, engine=runtime.engine)
    cache = ROOT / "bench" / "out" / f"eval_matching_vacancies-{args.seed}-{args.occupations}.json"
    extracted = json.loads(cache.read_text()) if cache.exists() else {}
    result = run_evaluation(runtime, occupations=args.occupations, seed=args.seed, confirm=args.confirm, work_dir=work, extracted=extracted)
    cache.write_text(json.dumps(extracted))
    lines = [
        "# Matcher quality (ESCO, held-out titles)",
        "",
        f"- {result.vacancies} vacancies and profiles from {result.vacancies // 2} random ISCO unit groups, two occupations each "
        f"(seed {args.seed}); {result.skills_per_vacancy:.1f} extracted skills per vacancy on average",
        f"- occupation of the profile: the right one for {result.right_occupation:.0%} of profiles (the person picks it among "
        f"the first {args.confirm} suggestions of the held-out title, else takes the first)",
        f"- models: {runtime.encoder.model_name}; {time.perf_counter() - started:.0f} s; run at {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| ranking | MRR | Recall@10 |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {s.mrr:.3f} | {s.recall_at_10:.3f} |" for name, s in result.rows]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    runtime.close()


if __name__ == "__main__":
    main()
