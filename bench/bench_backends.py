"""The same search and matching workloads on SQLite and on PostgreSQL, in one run, as ratios.

    .venv/bin/python bench/bench_backends.py [--rounds 3] [--writes 200] [--import-size 500]

Two Runtimes side by side, each with the embedded search engine (its own data dir) and
its own database: SQLite (a file) and a throwaway PostgreSQL 15 server started from the
machine's binaries (tests/postgres_server.py, loopback TCP, fsync off as in the tests).
Both get the same content: the small core ESCO taxonomy, the seed library
(seeds/library) and the demo marketplace (seeds/matching, through
matching.records.import_*). The workloads run in rounds, alternating the two databases
within each round, so the machine's load hits both alike:

- library search: `kb.service.search_library` for the 62 judged practitioner queries
  (tests/data/library_queries.jsonl), first page as the web page asks for it;
- `matches_for_profile` (top 20) for each demo profile;
- `candidates_for_vacancy` (top 20) for 40 demo vacancies;
- profile writes: `create_profile` + commit, one transaction each;
- vacancy import: `import_vacancies` of a JSON Lines file of --import-size new
  synthetic vacancies (one transaction, a look-up per record), per round.

Encoder: a hashing bag of words with the product's dimensions (384 + 512 floats,
CompositeEncoder), not the real models: the comparison is about the database, and the
real models would cost minutes of encoding per database and the same in both. Query
vectors are cached per process after the first round, as in the product.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sizing import stand_in_encoder, synthetic_profiles, synthetic_vacancies  # noqa: E402
from sqlalchemy import select  # noqa: E402

from core.config import Settings  # noqa: E402
from core.db import session_scope  # noqa: E402
from kb.evaluation import load_judged_queries  # noqa: E402
from kb.library_query import parse_search_request  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from kb.service import import_library, search_library  # noqa: E402
from matching import records  # noqa: E402
from matching.candidates import candidates_for_vacancy  # noqa: E402
from matching.matches import matches_for_profile  # noqa: E402
from matching.models import SkillProfile, SkillProfileInput, Vacancy  # noqa: E402
from matching.taxonomy_index import import_core_taxonomy  # noqa: E402

QUERIES = ROOT / "tests" / "data" / "library_queries.jsonl"
SEEDS = ROOT / "seeds" / "matching"


class Samples:
    def __init__(self) -> None:
        self.ms: list[float] = []

    def timed(self, work) -> None:
        started = time.perf_counter()
        work()
        self.ms.append((time.perf_counter() - started) * 1000)

    @property
    def p50(self) -> float:
        return float(np.percentile(self.ms, 50))

    @property
    def p95(self) -> float:
        return float(np.percentile(self.ms, 95))


def prepare(name: str, url: str) -> tuple[Runtime, dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix=f"headstart-bench-backends-{name}-"))
    runtime = Runtime(Settings.from_env().with_(data_dir=work, database_url=url, search_backend="embedded"))
    runtime._encoder = stand_in_encoder(runtime.engine)
    runtime.init_database()
    timings = {}
    started = time.perf_counter()
    import_core_taxonomy(runtime)
    timings["core taxonomy import (s)"] = time.perf_counter() - started
    started = time.perf_counter()
    assert import_library(runtime, ROOT / "seeds" / "library").ok
    timings["library import (s)"] = time.perf_counter() - started
    started = time.perf_counter()
    for importer, path in ((records.import_vacancies, "vacancies"), (records.import_profiles, "profiles"), (records.import_offers, "offers")):
        importer(runtime, SEEDS / f"{path}.jsonl")
    timings["demo marketplace import (s)"] = time.perf_counter() - started
    return runtime, timings


def ids(runtime: Runtime, column) -> list[int]:
    with runtime.engine.connect() as connection:
        return [row[0] for row in connection.execute(select(column).order_by(column))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writes", type=int, default=200, help="profile writes per round and database")
    parser.add_argument("--import-size", type=int, default=500, help="vacancies per import file")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "bench_backends.md")
    args = parser.parse_args()

    from tests.postgres_server import PostgresServer

    started_at = time.strftime("%Y-%m-%d %H:%M")
    with PostgresServer("bench_backends") as server:
        sqlite_dir = Path(tempfile.mkdtemp(prefix="headstart-bench-backends-db-"))
        backends = {}
        setup = {}
        for name, url in (("SQLite", f"sqlite:///{sqlite_dir / 'headstart.db'}"), ("PostgreSQL", server.url)):
            backends[name], setup[name] = prepare(name, url)
        queries = load_judged_queries(QUERIES)
        workloads = ("library search (search_library, first page)", "matches_for_profile (top 20)",
                     "candidates_for_vacancy (top 20)", "profile write (create_profile + commit)")  # fmt: skip
        samples = {(w, b): Samples() for w in workloads for b in backends}
        import_rates: dict[str, list[float]] = {b: [] for b in backends}
        profile_ids = {b: ids(rt, SkillProfile.id) for b, rt in backends.items()}
        vacancy_ids = {b: ids(rt, Vacancy.id)[:40] for b, rt in backends.items()}
        requests = [parse_search_request(text=q.text, query_language=q.language) for q in queries]

        # Warm-up: vector stores, the VacancyPool, query vectors, connection pools.
        for b, runtime in backends.items():
            for request in requests:
                search_library(runtime, request)
            matches_for_profile(runtime, profile_ids[b][0], top=20)
            candidates_for_vacancy(runtime, vacancy_ids[b][0], top=20)

        profile_template = synthetic_profiles(1)[0]
        serial = 0
        work_dir = Path(tempfile.mkdtemp(prefix="headstart-bench-backends-files-"))
        for round_number in range(args.rounds):
            # Each round's import file: new vacancies (new external ids and titles).
            path = work_dir / f"round-{round_number}.jsonl"
            offset = 1_000_000 + round_number * args.import_size
            path.write_text("\n".join(json.dumps(v, ensure_ascii=False) for v in synthetic_vacancies(args.import_size, offset)) + "\n")
            for b, runtime in backends.items():
                for request in requests:
                    samples[(workloads[0], b)].timed(lambda: search_library(runtime, request))
                for pid in profile_ids[b]:
                    samples[(workloads[1], b)].timed(lambda: matches_for_profile(runtime, pid, top=20))
                for vid in vacancy_ids[b]:
                    samples[(workloads[2], b)].timed(lambda: candidates_for_vacancy(runtime, vid, top=20))
                for _ in range(args.writes):
                    serial += 1
                    data = SkillProfileInput.model_validate(
                        {**profile_template, "external_id": f"bench-write-{serial}", "owner": f"bench-owner-{serial}"}
                    )

                    def write() -> None:
                        with session_scope(runtime.engine) as session:
                            records.create_profile(session=session, data=data)

                    samples[(workloads[3], b)].timed(write)
                started = time.perf_counter()
                report = records.import_vacancies(runtime, path)
                elapsed = time.perf_counter() - started
                assert report.created == args.import_size, report.summary()
                import_rates[b].append(args.import_size / elapsed)
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr, flush=True)
        for runtime in backends.values():
            runtime.close()
            shutil.rmtree(runtime.settings.data_dir, ignore_errors=True)
        shutil.rmtree(sqlite_dir, ignore_errors=True)
        shutil.rmtree(work_dir, ignore_errors=True)

    lines = [
        "# SQLite vs PostgreSQL (embedded search engine on both)",
        "",
        f"Run at {started_at}, {args.rounds} rounds alternating the databases; PostgreSQL 15 on loopback TCP "
        "(fsync off, as in the tests), SQLite in WAL mode; hashing stand-in encoder (384 + 512 floats); "
        f"{len(queries)} library queries, {len(profile_ids['SQLite'])} demo profiles, {len(vacancy_ids['SQLite'])} vacancies "
        f"for candidates, {args.writes} profile writes and one import of {args.import_size} vacancies per round and database.",
        "",
        "| workload | SQLite p50 ms | SQLite p95 ms | PostgreSQL p50 ms | PostgreSQL p95 ms | PG / SQLite p50 | PG / SQLite p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        s, p = samples[(w, "SQLite")], samples[(w, "PostgreSQL")]
        lines.append(f"| {w} | {s.p50:.1f} | {s.p95:.1f} | {p.p50:.1f} | {p.p95:.1f} | {p.p50 / s.p50:.2f}x | {p.p95 / s.p95:.2f}x |")
    s_rate, p_rate = float(np.median(import_rates["SQLite"])), float(np.median(import_rates["PostgreSQL"]))
    s_w = 1000 / samples[(workloads[3], "SQLite")].p50
    p_w = 1000 / samples[(workloads[3], "PostgreSQL")].p50
    lines += [
        "",
        "| throughput (median of rounds) | SQLite | PostgreSQL | PG / SQLite |",
        "|---|---:|---:|---:|",
        f"| vacancy import (`import_vacancies`, {args.import_size} per file), vacancies/s | {s_rate:,.0f} | {p_rate:,.0f} | {p_rate / s_rate:.2f}x |",
        f"| profile writes, one transaction each (1000 / p50), writes/s | {s_w:,.0f} | {p_w:,.0f} | {p_w / s_w:.2f}x |",
        "",
        "Set-up (once, not in the ratios):",
        "",
        "| step | SQLite s | PostgreSQL s |",
        "|---|---:|---:|",
    ]
    for step in setup["SQLite"]:
        lines.append(f"| {step.replace(' (s)', '')} | {setup['SQLite'][step]:.1f} | {setup['PostgreSQL'][step]:.1f} |")
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
