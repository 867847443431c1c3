"""An import killed midway (SIGKILL) leaves the database as it was; run again, it completes.

The imports run as real `headstart` processes on the fixtures' database (SQLite or
PostgreSQL). A vacancy import is killed while its write transaction is provably open:
SQLite holds the write lock (another connection's BEGIN IMMEDIATE fails at once),
PostgreSQL shows the backend with a transaction id. A library import writes its rows in
well under a second, so its process is stopped inside the transaction on purpose (every
row flushed, COMMIT not yet sent) and killed there; a second one is killed while it
indexes, after its commit, and the next run must still leave every record searchable.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from core.db import session_scope
from kb.documents import LibraryDocument
from matching import records
from matching.models import Vacancy, VacancyInput
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SEED_VACANCIES = ROOT / "seeds" / "matching" / "vacancies.jsonl"

# Runs `headstart` with the tests' fake encoder (a subprocess cannot use the one conftest
# registers). With CRASH_TEST_STALL_MARKER set, the library import stops inside its
# write transaction, after flushing every row, and waits there to be killed.
BOOTSTRAP = """
import os, sys, time
from pathlib import Path
from core.embeddings import encoder as embed, registry
from tests.fakes import FAKE_MODEL_NAME, HashingBackend
registry.register_backend(FAKE_MODEL_NAME, lambda name: HashingBackend(name))
marker = os.environ.get("CRASH_TEST_STALL_MARKER")
if marker:
    from sqlalchemy import func, select
    from sqlmodel import Session
    from kb.documents import LibraryDocument
    commit = Session.commit
    def stalling_commit(self):
        if any(isinstance(row, LibraryDocument) for row in self.new):
            self.flush()
            rows = self.execute(select(func.count()).select_from(LibraryDocument)).scalar()
            Path(marker + ".tmp").write_text(str(rows))  # what this transaction sees: all of them
            os.replace(marker + ".tmp", marker)
            time.sleep(600)
        return commit(self)
    Session.commit = stalling_commit
from webapp.cli import main
main(sys.argv[1:], prog_name="headstart")
"""


def seed_lines() -> list[dict]:
    return [json.loads(line) for line in SEED_VACANCIES.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_vacancies(path: Path, count: int) -> list[str]:
    """`count` distinct vacancies (own external ids and titles, so no two share a fingerprint)."""
    seeds = seed_lines()
    ids = []
    with path.open("w", encoding="utf-8") as file:
        for n in range(count):
            item = dict(seeds[n % len(seeds)])
            item["external_id"] = f"crash-{n:06d}"
            item["title"] = f"{item['title']} (crash test {n})"
            ids.append(item["external_id"])
            file.write(json.dumps(item, ensure_ascii=False) + "\n")
    return ids


def write_library(path: Path, count: int, prefix: str = "zz-crash") -> list[str]:
    """`count` practices of random words (unlike each other: no near-duplicates), as JSON Lines."""
    rng = random.Random(count)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 9))) for _ in range(20000)]

    def words(n: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(n))

    ids = []
    with path.open("w", encoding="utf-8") as file:
        for n in range(count):
            record_id = f"{prefix}-{n:05d}"
            ids.append(record_id)
            record = {
                "id": record_id, "kind": "practice", "language": "en", "translation_of": None,
                "title": f"Practice {words(4)}", "summary": words(20),
                "implementing_countries": ["PH"], "origin_countries": ["PH"], "destination_countries": ["SA"],
                "organisations": ["A ministry"], "partners": [],
                "period": {"start": "2010", "end": None, "regular_service": True},
                "target_groups": ["labour_migrants"], "measure_types": ["information_orientation"],
                "measure_subtypes": ["pre_departure_orientation"], "delivery_modes": ["in_person"],
                "languages": ["en"], "evaluation_type": "external", "tags": [], "sources": ["https://example.org/p"],
                "sections": [
                    {"key": "challenge", "heading": "Why it exists", "text": words(60)},
                    {"key": "activities", "heading": "How it works", "text": words(60)},
                ],
            }  # fmt: skip
            file.write(json.dumps(record) + "\n")
    return ids


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_process_left_behind(engine):
    """A failed assertion must not leave an import holding the database's locks.

    (Depends on `engine` so that it ends first, before the schema is dropped.)
    """
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def start(cli_env: dict[str, str], tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    script = tmp_path / "headstart_with_fake_encoder.py"
    script.write_text(BOOTSTRAP, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        env={**os.environ, **cli_env, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _STARTED.append(process)
    return process


def run_to_end(cli_env, tmp_path, *args: str) -> str:
    process = start(cli_env, tmp_path, *args)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return out.decode()


def write_transaction_open(engine) -> bool:
    """Whether another connection holds an open write transaction on the database."""
    if engine.url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            assert "locked" in str(error) or "busy" in str(error), error
            return True
        finally:
            probe.close()
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            ).scalar()
        )


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # waits, and closes the pipes
    assert process.returncode == -signal.SIGKILL


def vacancy_ids(engine) -> list[tuple[int, str | None]]:
    engine.dispose()
    with Session(engine) as session:
        return sorted((v.id, v.external_id) for v in session.exec(select(Vacancy)))


def test_a_vacancy_import_killed_midway_writes_nothing_and_a_rerun_completes(engine, cli_env, tmp_path):
    with session_scope(engine) as db:
        for item in seed_lines()[:10]:
            records.create_vacancy(session=db, data=VacancyInput.model_validate(item))
    before = vacancy_ids(engine)
    count = 800
    while True:
        big = tmp_path / f"vacancies-{count}.jsonl"
        ids = write_vacancies(big, count)
        process = start(cli_env, tmp_path, "vacancies", "import", str(big))
        deadline = time.monotonic() + 120
        while process.poll() is None and not write_transaction_open(engine) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # well inside the transaction: rows are being written
        if process.poll() is None and write_transaction_open(engine):
            kill(process)
            break
        process.kill()
        process.communicate()
        assert count < 50_000, "the import never showed an open write transaction"
        # It finished (or committed) before it could be caught: start over with more.
        assert len(vacancy_ids(engine)) in (len(before), len(before) + count)
        with session_scope(engine) as db:
            for vacancy in db.exec(select(Vacancy).where(Vacancy.external_id.startswith("crash-"))):  # type: ignore[union-attr]
                db.delete(vacancy)
        count *= 2

    assert vacancy_ids(engine) == before  # exactly the rows from before the import

    out = run_to_end(cli_env, tmp_path, "vacancies", "import", str(big))
    assert f"{count} records read, {count} added" in out
    after = vacancy_ids(engine)
    assert len(after) == len(before) + count
    assert {external_id for _, external_id in after} >= set(ids)


def library_rows(engine) -> list[tuple[str, str]]:
    engine.dispose()
    with Session(engine) as session:
        return sorted((d.id, d.content_hash) for d in session.exec(select(LibraryDocument)))


def indexed_practices(run_cli) -> int:
    result = run_cli("kb", "search", "", "--filter", "kind=practice", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["total"]


def test_a_library_import_killed_midway_writes_nothing_and_a_rerun_completes(engine, cli_env, tmp_path, run_cli):
    seeds = tmp_path / "seeds.jsonl"
    seeded = write_library(seeds, 5, prefix="zz-before")
    run_to_end(cli_env, tmp_path, "kb", "import", str(seeds))
    before = library_rows(engine)
    assert [record_id for record_id, _ in before] == seeded

    count = 600  # more than one index chunk (500): killed after the first one
    library = tmp_path / "library"
    library.mkdir()
    ids = write_library(library / "big.jsonl", count)

    # 1. Killed inside the write transaction, every row flushed: nothing is written.
    marker = tmp_path / "stalled"
    process = start(cli_env, tmp_path, "kb", "import", str(library), env={"CRASH_TEST_STALL_MARKER": str(marker)})
    deadline = time.monotonic() + 240
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), process.communicate(timeout=5)[1].decode()[-2000:]
    assert marker.read_text() == str(len(seeded) + count)
    assert write_transaction_open(engine)
    kill(process)
    assert library_rows(engine) == before
    assert indexed_practices(run_cli) == len(seeded)

    # 2. Killed while indexing, after the commit: the rows are there, the index is behind.
    size = count
    while True:
        process = start(cli_env, tmp_path, "kb", "import", str(library))
        os.set_blocking(process.stderr.fileno(), False)  # type: ignore[union-attr]
        seen = b""
        deadline = time.monotonic() + 240
        while process.poll() is None and time.monotonic() < deadline:
            seen += process.stderr.read() or b""  # type: ignore[union-attr]
            if b"indexing the library" in seen and f"500/{size}".encode() in seen:
                break
            time.sleep(0.01)
        if process.poll() is None:
            kill(process)
            break
        # Done before it could be caught: a bigger library.
        assert size < 20_000 and process.returncode == 0
        size *= 2
        ids = write_library(library / "big.jsonl", size)
    assert len(library_rows(engine)) == len(seeded) + size
    assert len(seeded) < indexed_practices(run_cli) < len(seeded) + size

    # 3. Run again: it completes, and every record is in the index.
    out = run_to_end(cli_env, tmp_path, "kb", "import", str(library))
    assert "0 files not imported" in out
    assert {record_id for record_id, _ in library_rows(engine)} == set(seeded) | set(ids)
    assert indexed_practices(run_cli) == len(seeded) + size
    word = json.loads((library / "big.jsonl").read_text(encoding="utf-8").splitlines()[-1])["title"].split()[1]
    result = run_cli("kb", "search", word, "--json")
    assert ids[-1] in [hit["id"] for hit in json.loads(result.stdout)["hits"]]
