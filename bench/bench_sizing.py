"""Sizing: database bytes, vector bytes and matcher memory per vacancy (and per profile),
measured on SQLite and on a throwaway PostgreSQL, extrapolated linearly to one million.

    .venv/bin/python bench/bench_sizing.py [--sizes 10000 50000] [--profiles 10000] [--no-postgres]

For each database and size, a child process (so that each RSS figure starts clean):
- builds N synthetic open vacancies from seeds/matching/vacancies.jsonl (the 260 demo
  vacancies replicated, each copy with its own external id, a numbered title and one of
  a few description variations, so no two share a fingerprint or a text) and writes them
  in batches of 1,000 (the rows `headstart vacancies import` writes, without its
  per-record look-ups);
- measures the database growth per vacancy (SQLite: the file after a WAL checkpoint;
  PostgreSQL: pg_total_relation_size of the table, indexes and TOAST included);
- builds the matcher's VacancyPool through the service (`_vacancy_pool`, as the first
  matching request of a worker does): the texts are encoded once (the embedding cache in
  the database grows by one vector per vacancy and model), then the pool is dropped and
  built again from the cache, as after a restart, measuring the retained RSS, the peak
  RSS during the build (VmHWM reset through /proc/self/clear_refs) and the build time;
- with --profiles, writes that many synthetic profiles (the 60 demo profiles
  replicated) and measures their bytes and one `candidates_for_vacancy` call (it loads
  every consenting profile per request).

The encoder is a stand-in with the product's dimensions: a hashing bag of words of 384
floats in place of all-MiniLM-L6-v2 and 512 in place of multilingual USE, combined as the
product combines them (CompositeEncoder, 896 floats per vector). Byte counts depend only
on the dimensions; the real models would take hours for 120,000 texts on this machine
and add their own ~700 MiB per process (bench/README.md), which is stated, not measured here.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import HashingBackend  # noqa: E402

SEEDS = ROOT / "seeds" / "matching"
MILLION = 1_000_000
VARIATIONS = (
    "",
    "Start date to be agreed. ",
    "Accommodation can be arranged for the first months. ",
    "Shift work, including some weekends. ",
    "Relocation support and a language course are offered. ",
)


# ---------------------------------------------------------------------------- stand-in encoder


class DenseHashingBackend(HashingBackend):
    """The tests' hashed bag of words, made dense like a real model's vector (a sparse one
    would shrink under PostgreSQL's TOAST compression and understate the bytes)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = super().encode(texts)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[row] += np.random.default_rng(seed).normal(0.0, 0.05, self.dimension).astype(np.float32)
            out[row] /= np.linalg.norm(out[row])
        return out


def stand_in_encoder(engine):
    from core.embeddings.encoder import CompositeEncoder, Encoder

    return CompositeEncoder(
        Encoder("sizing-stand-in-384", engine=engine, backend=DenseHashingBackend("sizing-stand-in-384", 384)),
        Encoder("sizing-stand-in-512", engine=engine, backend=DenseHashingBackend("sizing-stand-in-512", 512)),
    )


# ---------------------------------------------------------------------------- synthetic records


def synthetic_vacancies(n: int, offset: int = 0) -> list[dict]:
    base = [json.loads(line) for line in (SEEDS / "vacancies.jsonl").read_text().splitlines() if line.strip()]
    items = []
    for i in range(offset, offset + n):
        item = json.loads(json.dumps(base[i % len(base)]))
        item["external_id"] = f"{item.get('external_id', 'vac')}-syn-{i}"
        item["title"] = f"{item['title']} (ref. {i:07d})"
        item["description"] = VARIATIONS[i % len(VARIATIONS)] + item.get("description", "")
        item["valid_through"] = None
        item["status"] = "open"
        items.append(item)
    return items


def synthetic_profiles(n: int) -> list[dict]:
    base = [json.loads(line) for line in (SEEDS / "profiles.jsonl").read_text().splitlines() if line.strip()]
    items = []
    for i in range(n):
        item = json.loads(json.dumps(base[i % len(base)]))
        item["external_id"] = f"{item.get('external_id', 'prof')}-syn-{i}"
        item["owner"] = f"sizing-owner-{i:07d}"
        item["summary"] = f"{item.get('summary') or ''} Candidate {i:07d}.".strip()
        item["consent_to_matching"] = True
        items.append(item)
    return items


# ---------------------------------------------------------------------------- measuring


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


def peak_mib() -> float:
    return _status_kib("VmHWM") / 1024


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_kib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return 0.0


def database_bytes(engine, tables: Sequence[str]) -> dict[str, int]:
    """Bytes of each table (indexes included) and of the whole database."""
    from sqlalchemy import text

    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes = {}
            for table in tables:
                # dbstat: every page of the table and of its indexes.
                row = connection.execute(
                    text(
                        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = :t OR name IN "
                        "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t)"
                    ),
                    {"t": table},
                ).scalar()
                sizes[table] = int(row)
            path = engine.url.database
            sizes["(database file)"] = os.path.getsize(path)
            return sizes
        connection.exec_driver_sql("ANALYZE")
        sizes = {table: int(connection.execute(text("SELECT pg_total_relation_size(:t)"), {"t": table}).scalar()) for table in tables}
        sizes["(database)"] = int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar())
        return sizes


def insert_rows(engine, table_model, rows: list[dict], values) -> float:
    from sqlmodel import Session

    started = time.perf_counter()
    with Session(engine) as session:
        for start in range(0, len(rows), 1_000):
            session.add_all(table_model(**values(item)) for item in rows[start : start + 1_000])
            session.commit()
    return time.perf_counter() - started


def pool_breakdown(pool) -> dict[str, int]:
    arrays = {
        "text vectors (float32 matrix)": pool.matrix.nbytes,
        "skill matrices (sparse)": sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (pool.essential, pool.optional)),
    }
    other = [pool.country, pool.open, pool.valid_through, pool.essential_count, pool.optional_count, pool.occupation,
             pool.language_count, pool.route_education, *pool.isco.values(), *pool.language_min.values(),
             *pool.language_trainable.values()]  # fmt: skip
    arrays["other arrays"] = sum(a.nbytes for a in other)
    return arrays


# ---------------------------------------------------------------------------- one measurement (child)


def measure(database_url: str, size: int, profiles: int) -> dict:
    from sqlmodel import Session

    from core.config import Settings
    from core.embeddings.encoder import EmbeddingCache
    from core.runtime import Runtime
    from matching import pool_cache
    from matching.candidates import candidates_for_vacancy
    from matching.matches import matches_for_profile
    from matching.models import SkillProfile, SkillProfileInput, Vacancy, VacancyInput
    from matching.records import _profile_values, _vacancy_values
    from matching.taxonomy_index import import_core_taxonomy

    work = Path(tempfile.mkdtemp(prefix="headstart-sizing-"))
    settings = Settings.from_env().with_(data_dir=work, database_url=database_url)
    runtime = Runtime(settings)
    runtime._encoder = stand_in_encoder(runtime.engine)
    runtime.init_database()
    import_core_taxonomy(runtime)
    tables = [Vacancy.__tablename__, EmbeddingCache.__tablename__, SkillProfile.__tablename__]
    result: dict = {"size": size, "backend": runtime.engine.dialect.name, "rss_start_mib": rss_mib()}
    before = database_bytes(runtime.engine, tables)

    vacancies = synthetic_vacancies(size)
    result["vacancy_json_bytes"] = sum(len(json.dumps(v, ensure_ascii=False).encode()) for v in vacancies) / size
    result["insert_s"] = insert_rows(runtime.engine, Vacancy, vacancies, lambda item: _vacancy_values(VacancyInput.model_validate(item)))
    del vacancies
    after_rows = database_bytes(runtime.engine, tables)

    # First build: encodes every vacancy text once (fills the embedding cache).
    started = time.perf_counter()
    with Session(runtime.engine) as session:
        pool, _ = pool_cache.vacancy_pool(runtime, session)
    result["first_build_s"] = time.perf_counter() - started
    after_cache = database_bytes(runtime.engine, tables)
    result["pool_vacancies"] = len(pool)
    result["pool_arrays"] = pool_breakdown(pool)
    result["vector_dims"] = int(pool.matrix.shape[1])
    del pool
    runtime.caches.clear()
    gc.collect()

    # Second build from the cache, as after a restart: what a worker holds, and its peak.
    rss_before = rss_mib()
    peak_reset = reset_peak()
    started = time.perf_counter()
    with Session(runtime.engine) as session:
        pool, rows = pool_cache.vacancy_pool(runtime, session)
    result["cached_build_s"] = time.perf_counter() - started
    gc.collect()
    result["pool_rss_delta_mib"] = rss_mib() - rss_before
    result["pool_peak_delta_mib"] = (peak_mib() - rss_before) if peak_reset else None
    result["rss_with_pool_mib"] = rss_mib()

    # Matching latency at this size (the pool is cached in the runtime now).
    with Session(runtime.engine) as session:
        one = {**synthetic_profiles(1)[0], "external_id": "sizing-matching-probe", "owner": "sizing-probe"}
        profile = SkillProfile(**_profile_values(SkillProfileInput.model_validate(one)))
        session.add(profile)
        session.commit()
        profile_id = profile.id
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        matches_for_profile(runtime, profile_id, top=20)
        samples.append((time.perf_counter() - started) * 1000)
    result["matches_for_profile_ms"] = float(np.median(samples))

    result["db_before"] = before
    result["db_after_rows"] = after_rows
    result["db_after_cache"] = after_cache

    if profiles:
        del pool, rows
        runtime.caches.clear()
        gc.collect()
        items = synthetic_profiles(profiles)
        before_profiles = database_bytes(runtime.engine, tables)
        result["profile_insert_s"] = insert_rows(runtime.engine, SkillProfile, items, lambda item: _profile_values(SkillProfileInput.model_validate(item)))
        after_profiles = database_bytes(runtime.engine, tables)
        vacancy_id = 1
        candidates_for_vacancy(runtime, vacancy_id, top=20)  # encodes the profile texts once
        after_profile_cache = database_bytes(runtime.engine, tables)
        samples = []
        for _ in range(3):
            started = time.perf_counter()
            candidates_for_vacancy(runtime, vacancy_id, top=20)
            samples.append((time.perf_counter() - started) * 1000)
        # Python-level peak of one call (profiles, their vectors, explanations).
        gc.collect()
        tracemalloc.start()
        candidates_for_vacancy(runtime, vacancy_id, top=20)
        result["candidates_peak_delta_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        result["profiles"] = profiles
        result["candidates_ms"] = float(np.median(samples))
        result["db_before_profiles"] = before_profiles
        result["db_after_profiles"] = after_profiles
        result["db_after_profile_cache"] = after_profile_cache
    result["rss_end_mib"] = rss_mib()
    result["peak_end_mib"] = peak_mib()
    runtime.close()
    shutil.rmtree(work, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------- report (parent)


def per_item(result: dict, after: str, before: str, table: str, count: int) -> float:
    return (result[after][table] - result[before][table]) / count


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB" if value < 2**30 else f"{value / 2**30:,.2f} GiB"


def report(results: list[dict], args) -> str:
    lines = [
        "# Sizing (measured)",
        "",
        f"Run at {time.strftime('%Y-%m-%d %H:%M')} on this machine ({os.cpu_count()} cores); stand-in encoder with the product's "
        "dimensions (384 + 512 floats per vector); see the script's docstring.",
        "",
        "## Per vacancy",
        "",
        "| database | vacancies | vacancy rows (table + indexes) | embedding cache (both models) | database total growth | "
        "VacancyPool arrays | worker RSS retained (pool + rows) | peak during build | build from cache | matches_for_profile p50 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        n = r["size"]
        vac_table = "vacancy"
        cache_table = "embedding_cache"
        total_key = "(database file)" if r["backend"] == "sqlite" else "(database)"
        rows_b = per_item(r, "db_after_rows", "db_before", vac_table, n)
        cache_b = per_item(r, "db_after_cache", "db_after_rows", cache_table, n)
        total_b = per_item(r, "db_after_cache", "db_before", total_key, n)
        arrays_b = sum(r["pool_arrays"].values()) / n
        retained_b = r["pool_rss_delta_mib"] * 2**20 / n
        peak = r["pool_peak_delta_mib"]
        peak_b = f"{peak * 2**20 / n:,.0f} B" if peak is not None else "n/a"
        lines.append(
            f"| {r['backend']} | {n:,} | {rows_b:,.0f} B | {cache_b:,.0f} B | {total_b:,.0f} B | {arrays_b:,.0f} B | "
            f"{retained_b:,.0f} B | {peak_b} | {r['cached_build_s']:.1f} s | {r['matches_for_profile_ms']:.0f} ms |"
        )
    lines += ["", "VacancyPool arrays in detail (bytes per vacancy, largest size):", ""]
    largest = max(results, key=lambda r: r["size"])
    for name, value in largest["pool_arrays"].items():
        lines.append(f"- {name}: {value / largest['size']:,.0f} B")
    lines += [
        f"- vector width: {largest['vector_dims']} floats (float32) = {largest['vector_dims'] * 4:,} B; the JSON of one synthetic "
        f"vacancy is {largest['vacancy_json_bytes']:,.0f} B",
        "",
        "## Extrapolated to 1,000,000 vacancies (linear, from the largest size of each database)",
        "",
        "| database | vacancy rows | embedding cache | database total | worker RSS retained (each worker) | peak during build | build from cache |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for backend in sorted({r["backend"] for r in results}):
        r = max((x for x in results if x["backend"] == backend), key=lambda x: x["size"])
        n = r["size"]
        total_key = "(database file)" if backend == "sqlite" else "(database)"
        scale = MILLION / n
        peak = r["pool_peak_delta_mib"]
        lines.append(
            f"| {backend} | {mib(per_item(r, 'db_after_rows', 'db_before', 'vacancy', n) * MILLION)} | "
            f"{mib(per_item(r, 'db_after_cache', 'db_after_rows', 'embedding_cache', n) * MILLION)} | "
            f"{mib(per_item(r, 'db_after_cache', 'db_before', total_key, n) * MILLION)} | "
            f"{mib(r['pool_rss_delta_mib'] * 2**20 * scale)} | {mib(peak * 2**20 * scale) if peak is not None else 'n/a'} | "
            f"{r['cached_build_s'] * scale:,.0f} s |"
        )
    with_profiles = [r for r in results if r.get("profiles")]
    if with_profiles:
        lines += [
            "",
            "## Per profile",
            "",
            "| database | profiles | profile rows | embedding cache | candidates_for_vacancy p50 | its Python peak (tracemalloc) | "
            "per 1M profiles: rows + cache | per 1M: one candidates_for_vacancy call |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in with_profiles:
            p = r["profiles"]
            rows_b = per_item(r, "db_after_profiles", "db_before_profiles", "skill_profile", p)
            cache_b = per_item(r, "db_after_profile_cache", "db_after_profiles", "embedding_cache", p)
            scale = MILLION / p
            lines.append(
                f"| {r['backend']} | {p:,} | {rows_b:,.0f} B | {cache_b:,.0f} B | {r['candidates_ms']:,.0f} ms | "
                f"{r['candidates_peak_delta_mib']:,.0f} MiB | {mib((rows_b + cache_b) * MILLION)} | "
                f"~{r['candidates_ms'] * scale / 1000:,.0f} s, ~{mib(r['candidates_peak_delta_mib'] * 2**20 * scale)} |"
            )
    lines += ["", "Raw figures: " + args.out.with_suffix(".json").name, ""]
    return "\n".join(lines)


def run_child(url: str, size: int, profiles: int) -> dict:
    command = [sys.executable, __file__, "--child", url, "--child-size", str(size), "--child-profiles", str(profiles)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed ({url.split('@')[-1]}, {size}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--profiles", type=int, default=10_000, help="profiles measured with the smallest size (0: none)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "bench_sizing.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-profiles", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.child_size, args.child_profiles)))
        return

    results = []
    smallest = min(args.sizes)
    work = Path(tempfile.mkdtemp(prefix="headstart-sizing-sqlite-"))
    for size in args.sizes:
        url = f"sqlite:///{work / f'sizing-{size}.db'}"
        print(f"sqlite, {size:,} vacancies ...", file=sys.stderr, flush=True)
        results.append(run_child(url, size, args.profiles if size == smallest else 0))
        for leftover in work.glob(f"sizing-{size}.db*"):
            leftover.unlink()
    shutil.rmtree(work, ignore_errors=True)
    if not args.no_postgres:
        import psycopg
        from psycopg import sql

        from tests.postgres_server import PostgresServer

        with PostgresServer("sizing") as server:
            for size in args.sizes:
                name = f"sizing_{size}"
                with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                url = server.url.rsplit("/", 1)[0] + f"/{name}"
                print(f"postgresql, {size:,} vacancies ...", file=sys.stderr, flush=True)
                results.append(run_child(url, size, args.profiles if size == smallest else 0))
                with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
    text = report(results, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
