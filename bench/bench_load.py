"""Load test: 50 people at once on one 2-core machine, app served by gunicorn on SQLite.

Practitioners search the library (htmx search-as-you-type requests and record pages),
migrants open their explained matches, employers post vacancies and look at candidates
(bench/load/locustfile.py). The same mix runs first with 1 user (the baseline: latency
without contention) and then with 50, in one run, and the report gives both and their
ratio. Targets (issue 7): zero errors and p95 under 500 ms with 50 users.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/bench_load.py [--users 50] [--seconds 90] [--workers 2 --threads 4]

The data directory bench/out/load-data is seeded once (`headstart seed --demo-users`,
core taxonomy) and reused; --reseed starts over. Cookies are sent over plain HTTP here
(HEADSTART_SECURE_COOKIES=0), since locust's HTTP client, unlike a browser, does not
treat 127.0.0.1 as a secure origin.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DATA = OUT / "load-data"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HEADSTART_DATA_DIR=str(DATA),
        HEADSTART_ESCO_DIR=str(DATA / "no-esco"),  # the core taxonomy: seeding in minutes
        HEADSTART_SECURE_COOKIES="0",
        HEADSTART_SEARCH="embedded",
    )
    env.pop("HEADSTART_DATABASE_URL", None)
    return env


def seed(reseed: bool) -> None:
    marker = DATA / ".seeded"
    if reseed and DATA.exists():
        shutil.rmtree(DATA)
    if marker.exists():
        return
    DATA.mkdir(parents=True, exist_ok=True)
    for args in (["init"], ["seed", "--demo-users"]):
        subprocess.run([str(BIN / "headstart"), *args], env=environment(), check=True)
    marker.touch()


def wait_healthy(url: str, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit("the app did not become healthy")


def warm_up(host: str, workers: int) -> None:
    """Load the model, the indexes and the vacancy pool in every worker before measuring
    (each gunicorn worker builds them on its first request): parallel warm-up requests."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/library?q=orientation", "/api/v1/occupations/suggest?q=nurse", "/api/v1/profiles/1/matches"] * (workers * 3)

    def fetch(path: str) -> None:
        try:
            urllib.request.urlopen(host + path, timeout=300).read()
        except OSError as error:
            print(f"warm-up {path}: {error}", file=sys.stderr)

    with ThreadPoolExecutor(max_workers=workers * 3) as pool:
        list(pool.map(fetch, paths))


def run_locust(host: str, users: int, seconds: int, prefix: Path) -> list[dict[str, str]]:
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s", "--host", host,
        "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
    ]
    subprocess.run(command, check=False)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def row_line(row: dict[str, str]) -> str:
    return (
        f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} | "
        f"{row['50%']} | {row['95%']} | {row['99%']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--baseline-seconds", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seed(args.reseed)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--worker-tmp-dir", "/tmp",
         "--access-logfile", "/dev/null", "webapp.app:create_app()"],
        env=environment(),
    )
    try:
        wait_healthy(host)
        warm_up(host, args.workers)
        baseline = run_locust(host, 1, args.baseline_seconds, OUT / "load-1user")
        loaded = run_locust(host, args.users, args.seconds, OUT / f"load-{args.users}users")
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    total_base = next(row for row in baseline if row["Name"] == "Aggregated")
    total = next(row for row in loaded if row["Name"] == "Aggregated")
    lines = [
        f"# Load test, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"gunicorn {args.workers} workers x {args.threads} threads, SQLite, embedded search, {os.cpu_count()} CPUs.",
        "",
        f"## {args.users} users, {args.seconds} s",
        "",
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[row_line(row) for row in loaded],
        "",
        f"## baseline: 1 user, {args.baseline_seconds} s",
        "",
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[row_line(row) for row in baseline],
        "",
        f"p95 ratio {args.users} users / 1 user: {float(total['95%']) / max(float(total_base['95%']), 1):.2f}x; "
        f"errors {total['Failure Count']} of {total['Request Count']}; throughput {float(total['Requests/s']):.1f} req/s.",
    ]
    report = "\n".join(lines) + "\n"
    (OUT / "load.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
