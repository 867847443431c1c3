"""Skill extraction threshold: demo job ads -> the skills their employers listed.

    .venv/bin/python bench/eval_skill_extraction.py

Each demo vacancy (seeds/matching/vacancies.jsonl) has a written description and the
ESCO skills its employer listed (essential and optional). Skills are extracted from the
description with no threshold over the full ESCO skills collection (a copy of
bench/out/search-source/headstart.db), and precision, recall and F1 against the listed
skills are computed for each threshold. The threshold is chosen on the odd vacancies and
graded on the even ones. Precision is a lower bound: a description may name a real skill
the employer did not list.
"""

from __future__ import annotations

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
from matching.skill_extraction import SKILL_THRESHOLD, extract_skills  # noqa: E402

SOURCE = ROOT / "bench" / "out" / "search-source" / "headstart.db"
THRESHOLDS = [round(0.30 + 0.025 * i, 3) for i in range(21)]


def prf(found: list[tuple[set[str], set[str]]]) -> tuple[float, float, float]:
    hits = sum(len(f & t) for f, t in found)
    predicted = sum(len(f) for f, _ in found)
    truth = sum(len(t) for _, t in found)
    precision = hits / predicted if predicted else 0.0
    recall = hits / truth if truth else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="headstart-eval-extraction-"))
    shutil.copy(SOURCE, work / "headstart.db")
    runtime = Runtime(Settings.from_env().with_(data_dir=work, database_url=f"sqlite:///{work / 'headstart.db'}"))
    runtime.init_database()
    index = runtime.index("skills")
    index.upsert(esco.concept_documents(runtime.engine, "skill"))
    vacancies = [json.loads(line) for line in (ROOT / "seeds" / "matching" / "vacancies.jsonl").read_text().splitlines() if line.strip()]
    vacancies = [v for v in vacancies if v.get("description") and (v.get("essential_skills") or v.get("optional_skills"))]
    started = time.perf_counter()
    scored = []
    for vacancy in vacancies:
        found = extract_skills(index, runtime.encoder, vacancy["description"], language="en", threshold=THRESHOLDS[0])
        truth = set(vacancy.get("essential_skills", [])) | set(vacancy.get("optional_skills", []))
        scored.append(({item.uri: item.score for item in found}, truth))
    seconds = time.perf_counter() - started

    def at(threshold: float, rows) -> tuple[float, float, float]:
        return prf([({uri for uri, score in found.items() if score >= threshold}, truth) for found, truth in rows])

    odd, even = scored[1::2], scored[0::2]
    best_odd = max(THRESHOLDS, key=lambda t: at(t, odd)[2])
    best_even = max(THRESHOLDS, key=lambda t: at(t, even)[2])
    lines = [
        "# Skill extraction threshold (demo job ads)",
        "",
        f"- {len(scored)} vacancy descriptions, {sum(len(t) for _, t in scored) / len(scored):.1f} listed skills each; "
        f"extraction {seconds / len(scored) * 1000:.0f} ms per description; run at {time.strftime('%Y-%m-%d %H:%M')}",
        f"- F1-best threshold on the odd half: {best_odd} (graded on the even half: P/R/F1 {'/'.join(f'{v:.3f}' for v in at(best_odd, even))});"
        f" on the even half: {best_even} (graded on the odd half: {'/'.join(f'{v:.3f}' for v in at(best_even, odd))})",
        f"- shipped threshold: {SKILL_THRESHOLD}",
        "",
        "| threshold | precision | recall | F1 | skills kept per ad |",
        "|---:|---:|---:|---:|---:|",
    ]
    for threshold in THRESHOLDS:
        p, r, f = at(threshold, scored)
        kept = sum(sum(1 for s in found.values() if s >= threshold) for found, _ in scored) / len(scored)
        lines.append(f"| {threshold} | {p:.3f} | {r:.3f} | {f:.3f} | {kept:.1f} |")
    text = "\n".join(lines) + "\n"
    out = ROOT / "bench" / "out" / "eval_skill_extraction.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    runtime.close()


if __name__ == "__main__":
    main()
