"""`headstart backup` and `headstart restore`: round trip, refusals, online copies.

Runs on the database the fixtures give (SQLite, or PostgreSQL in the PostgreSQL run);
checks that only make sense on one of them say so and skip on the other.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from core import backup
from kb import service
from core.accounts.users import User, create_user
from core.db import drop_schema, head_revision, session_scope
from kb.documents import LibraryDocument
from matching import records
from matching.models import SkillProfile, SkillProfileInput, Vacancy, VacancyInput
from tests.conftest import LIBRARY_SEEDS, ROOT

SEEDS = ROOT / "seeds" / "matching"


def first_seed(name: str, index: int = 0) -> dict:
    lines = [line for line in (SEEDS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(lines[index])


def is_postgres(engine) -> bool:
    return engine.url.get_backend_name() == "postgresql"


def snapshot(engine) -> dict:
    """Every row that matters, in a comparable form."""
    engine.dispose()  # a restore may have replaced the tables under pooled connections
    with Session(engine) as session:
        return {
            "vacancies": sorted((v.id, v.external_id, v.title, v.revision) for v in session.exec(select(Vacancy))),
            "profiles": sorted((p.id, p.external_id, p.revision) for p in session.exec(select(SkillProfile))),
            "users": sorted((u.username, u.role, u.password_hash) for u in session.exec(select(User))),
            "library": sorted((d.id, d.content_hash, d.revision) for d in session.exec(select(LibraryDocument))),
        }


def seed(runtime) -> None:
    report = service.import_library(runtime, LIBRARY_SEEDS)
    assert report.ok, report.failed
    with session_scope(runtime.engine) as db:
        records.create_vacancy(session=db, data=VacancyInput.model_validate(first_seed("vacancies.jsonl")))
        records.create_profile(session=db, data=SkillProfileInput.model_validate(first_seed("profiles.jsonl")))
        create_user(session=db, username="amina", password="a long enough password 1", role="practitioner",
                    organisation="MRC Test", display_name="Amina")  # fmt: skip


def search_ids(run_cli, words: str) -> list[str]:
    result = run_cli("kb", "search", words, "--json")
    assert result.exit_code == 0, result.output
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


def test_round_trip_brings_everything_back_and_search_works(runtime, run_cli, tmp_path):
    seed(runtime)
    at_backup = snapshot(runtime.engine)
    assert at_backup["vacancies"] and at_backup["profiles"] and at_backup["users"] and len(at_backup["library"]) >= 60
    assert "au-ausco" in search_ids(run_cli, "Australian Cultural Orientation")

    target = tmp_path / "backups" / "headstart.backup"
    target.parent.mkdir()
    result = run_cli("backup", str(target))
    assert result.exit_code == 0, result.output
    assert f"schema revision {head_revision()}" in result.stdout and str(target) in result.stdout
    header = target.read_bytes()[:16]
    if is_postgres(runtime.engine):
        assert header.startswith(b"PGDMP")
    else:
        assert header == b"SQLite format 3\x00"
        assert not Path(f"{target}-wal").exists()  # one self-contained file
    assert not [p for p in target.parent.iterdir() if p.name != target.name]  # no partial file left

    # Change and delete things after the backup.
    service.delete_record(runtime, "au-ausco")
    with session_scope(runtime.engine) as db:
        vacancy = db.exec(select(Vacancy)).first()
        records.delete_vacancy(session=db, vacancy_id=vacancy.id)
        second = first_seed("vacancies.jsonl", 1)
        records.create_vacancy(session=db, data=VacancyInput.model_validate(second))
        profile = db.exec(select(SkillProfile)).first()
        profile.revision += 5
        db.add(profile)
        create_user(session=db, username="intruder", password="another long password 2", role="admin")
    assert snapshot(runtime.engine) != at_backup
    assert "au-ausco" not in search_ids(run_cli, "Australian Cultural Orientation")

    # The database holds data: no restore without --yes.
    refused = run_cli("restore", str(target))
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert snapshot(runtime.engine) != at_backup

    result = run_cli("restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert "search indexes rebuilt" in result.stdout and "library: " in result.stdout
    assert snapshot(runtime.engine) == at_backup
    assert "au-ausco" in search_ids(run_cli, "Australian Cultural Orientation")
    with Session(runtime.engine) as session:
        assert session.exec(text("SELECT version_num FROM alembic_version")).one()[0] == head_revision()  # type: ignore[call-overload]


def test_restore_into_an_empty_database_needs_no_confirmation(runtime, run_cli, tmp_path, engine):
    seed(runtime)
    at_backup = snapshot(engine)
    target = tmp_path / "copy"
    assert run_cli("backup", str(target)).exit_code == 0
    drop_schema(engine)
    assert not backup.database_has_data(engine)
    result = run_cli("restore", str(target))
    assert result.exit_code == 0, result.output
    assert snapshot(engine) == at_backup


def backup_then_more_work(runtime, run_cli, tmp_path) -> tuple[Path, dict]:
    """A backup on Monday, then Tuesday's work; returns (Monday's file, Tuesday's snapshot)."""
    seed(runtime)
    target = tmp_path / "monday"
    assert run_cli("backup", str(target)).exit_code == 0
    with session_scope(runtime.engine) as db:
        create_user(session=db, username="tuesday-work", password="another long password 2", role="migrant")
    return target, snapshot(runtime.engine)


def test_restore_keeps_the_replaced_database_so_it_can_be_undone(runtime, run_cli, tmp_path, engine, settings):
    """Restoring the wrong (or an old) file over months of work must not lose that work."""
    target, tuesday = backup_then_more_work(runtime, run_cli, tmp_path)

    result = run_cli("restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    (copy,) = (settings.data_dir / "backups").iterdir()
    assert copy.name.startswith("before-restore-") and f"kept in {copy}" in result.stdout
    assert "tuesday-work" not in {name for name, *_ in snapshot(engine)["users"]}

    undo = run_cli("restore", str(copy), "--yes", "--no-copy")
    assert undo.exit_code == 0, undo.output
    assert snapshot(engine) == tuesday
    assert len(list((settings.data_dir / "backups").iterdir())) == 1  # --no-copy kept none


def test_restore_changes_nothing_when_the_copy_cannot_be_kept(runtime, run_cli, tmp_path, engine):
    target, tuesday = backup_then_more_work(runtime, run_cli, tmp_path)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the copies should go")

    result = run_cli("restore", str(target), "--yes", "--keep-copy-in", str(blocked / "sub"))
    assert result.exit_code == 2, result.output
    assert "nothing was changed" in result.stderr and "Traceback" not in result.output
    assert snapshot(engine) == tuesday


def test_backup_into_a_directory_names_a_dated_file(run_cli, tmp_path, engine):
    result = run_cli("backup", str(tmp_path))
    assert result.exit_code == 0, result.output
    made = [p for p in tmp_path.iterdir() if p.name.startswith("headstart-")]
    assert len(made) == 1 and made[0].suffix == (".dump" if is_postgres(engine) else ".db")


def test_restore_refuses_a_file_that_is_not_a_backup(run_cli, tmp_path, engine):
    before = snapshot(engine)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup\n")
    result = run_cli("restore", str(notes), "--yes")
    assert result.exit_code == 2 and "not a Headstart backup" in result.stderr
    missing = run_cli("restore", str(tmp_path / "nothing-here.db"), "--yes")
    assert missing.exit_code == 2 and "no such file" in missing.stderr

    other = tmp_path / "other.db"  # a SQLite database, but not Headstart's
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    connection.commit()
    connection.close()
    result = run_cli("restore", str(other), "--yes")
    assert result.exit_code == 2
    if is_postgres(engine):
        assert "is a SQLite backup and the database is PostgreSQL" in result.stderr
    else:
        assert "no alembic_version table" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert snapshot(engine) == before


def test_restore_refuses_a_backup_from_a_newer_version(run_cli, tmp_path, engine):
    if is_postgres(engine):
        pytest.skip("edits the backup file with sqlite3: SQLite only")
    target = tmp_path / "newer.db"
    assert run_cli("backup", str(target)).exit_code == 0
    connection = sqlite3.connect(target)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    result = run_cli("restore", str(target), "--yes")
    assert result.exit_code == 2 and "9999" in result.stderr and "newer version" in result.stderr


def test_backup_is_a_consistent_snapshot_while_another_connection_writes(runtime, cli_env, tmp_path, engine):
    """Run as a real process (`python -m webapp.cli backup`) while a write transaction is open."""
    with session_scope(engine) as db:
        records.create_vacancy(session=db, data=VacancyInput.model_validate(first_seed("vacancies.jsonl")))
    target = tmp_path / "online.backup"
    with engine.connect() as writer:
        transaction = writer.begin()
        with Session(bind=writer) as db:
            records.create_vacancy(session=db, data=VacancyInput.model_validate(first_seed("vacancies.jsonl", 1)))
            db.flush()
            completed = subprocess.run(
                [sys.executable, "-m", "webapp.cli", "backup", str(target)],
                env={**os.environ, **cli_env}, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
        transaction.commit()
    assert completed.returncode == 0, completed.stderr
    assert len(snapshot(engine)["vacancies"]) == 2
    # Restore the copy: the vacancy committed after the backup started is not in it.
    restore = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "restore", str(target), "--yes"],
        env={**os.environ, **cli_env}, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert restore.returncode == 0, restore.stderr
    assert [v[1] for v in snapshot(engine)["vacancies"]] == [first_seed("vacancies.jsonl")["external_id"]]


def test_postgres_password_goes_through_the_environment_not_the_command_line():
    url = make_url("postgresql+psycopg://kim:s3cret pass@db.example:5433/head start?sslmode=require")
    conninfo, env = backup.pg_connection(url)
    assert "s3cret" not in conninfo
    assert env["PGPASSWORD"] == "s3cret pass"
    assert conninfo == "host=db.example port=5433 user=kim dbname='head start' sslmode=require"


def test_missing_postgres_tools_give_a_clear_message(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(backup, "PG_BINDIRS", "/nonexistent/*/bin")
    with pytest.raises(backup.HeadstartError, match="pg_dump not found .* install the PostgreSQL client tools"):
        backup.find_pg_tool("pg_dump")
