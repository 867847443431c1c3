"""Backing up the database and restoring a backup.

SQLite: an online copy through SQLite's backup API. It reads one consistent snapshot
(the WAL included) while the web app goes on reading and writing, and writes a single
self-contained file (rollback journal, no -wal/-shm beside it). Restoring copies the
backup into the live database through the same API, so SQLite's locks apply: it waits
for writers (busy timeout) and never leaves a half-copied file.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists
--single-transaction` (all or nothing). The binaries are found on PATH or in Debian's
/usr/lib/postgresql/N/bin; the password in the database URL reaches them through the
PGPASSWORD environment variable, never on their command line.

A restore checks the file first (the right kind for this database, a Headstart database
with an alembic_version table, a schema revision this version knows), then replaces the
database and brings it to the newest schema (core.db.upgrade_schema). The search indexes
are derived data and not in a backup: the caller rebuilds them (`headstart index
rebuild`). The secret key (the data dir's secret_key file) is not in the database either.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine
from sqlmodel import SQLModel

from core.db import import_table_modules, known_revision, upgrade_schema
from core.errors import HeadstartError

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SUFFIXES = {"sqlite": ".db", "postgresql": ".dump"}
PG_BINDIRS = "/usr/lib/postgresql/*/bin"

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    revision: str
    size: int  # bytes


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds, checked before anything is replaced."""

    path: Path
    kind: str
    revision: str
    tables: frozenset[str]  # PostgreSQL: the tables in the dump (SQLite: every table)


@dataclass(frozen=True)
class RestoreResult:
    info: BackupInfo
    revision: str  # the schema revision after the upgrade
    upgraded: bool
    replaced_copy: Path | None = None  # a backup of the database as it was before the restore


def _quiet(_message: str) -> None:
    pass


def database_kind(engine: Engine) -> str:
    backend = engine.url.get_backend_name()
    if backend not in KINDS:
        raise HeadstartError(f"backup and restore work on SQLite and PostgreSQL databases, not {backend}")
    return backend


def describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def default_backup_name(kind: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    return f"headstart-{stamp}{SUFFIXES[kind]}"


def database_has_data(engine: Engine) -> bool:
    """Whether the database holds Headstart tables (a restore would replace them)."""
    if database_kind(engine) == "sqlite":
        path = _sqlite_path(engine)
        if not path.exists() or path.stat().st_size == 0:
            return False
    import_table_modules()
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
    return bool(present & (set(SQLModel.metadata.tables) | {"alembic_version"}))


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


def _target(path: Path, kind: str) -> Path:
    path = path.expanduser()
    if path.is_dir():
        path = path / default_backup_name(kind)
    if not path.parent.is_dir():
        raise HeadstartError(f"{path.parent}: no such directory")
    return path


# ---------------------------------------------------------------------------- backup


def backup_database(engine: Engine, path: Path, *, echo: Echo = _quiet) -> BackupResult:
    """Write a backup of the database to `path` (a file, or a directory for a dated file).

    The file appears only when complete (written beside it, then renamed), so an
    interrupted backup never leaves a truncated file under the name, nor replaces an
    older backup of that name.
    """
    kind = database_kind(engine)
    target = _target(path, kind)
    partial = _partial(target)
    echo(f"backing up the {KINDS[kind]} database {describe(engine)}")
    try:
        if kind == "sqlite":
            revision = _sqlite_backup(_sqlite_path(engine), partial)
        else:
            revision = _pg_backup(engine.url, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, kind, revision, target.stat().st_size)


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise HeadstartError(f"cannot back up or restore the SQLite database {database or ':memory:'!r}: it is not a file")
    return Path(database).expanduser().resolve()


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _sqlite_backup(source_path: Path, partial: Path) -> str:
    if not source_path.is_file():
        raise HeadstartError(f"{source_path}: no database here, nothing to back up (run `headstart init` first)")
    source = sqlite3.connect(source_path, timeout=30)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        revision = _revision(source)
        if revision is None:
            raise HeadstartError(f"{source_path}: not a Headstart database (no schema revision): nothing to back up")
        destination = sqlite3.connect(partial)
        try:
            # One step (pages=-1): one read transaction, so the copy is one consistent
            # snapshot; in WAL mode writers go on meanwhile. Stepping in chunks would
            # restart the copy whenever another connection writes.
            source.backup(destination, pages=-1)
            # A single self-contained file: the copy is not in WAL mode.
            destination.execute("PRAGMA journal_mode=DELETE")
            check = destination.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise HeadstartError(f"the copy of {source_path} failed its integrity check: {check}")
            destination.commit()
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise HeadstartError(f"could not back up {source_path}: {error}") from None
    finally:
        source.close()
    return revision


# ---------------------------------------------------------------------------- checking a backup


def backup_file_kind(path: Path) -> str:
    """"sqlite" or "postgresql", from the first bytes of the file."""
    if not path.is_file():
        raise HeadstartError(f"{path}: no such file")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_HEADER))
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PG_DUMP_HEADER):
        return "postgresql"
    raise HeadstartError(f"{path}: not a Headstart backup (neither a SQLite database nor a pg_dump custom-format file)")


def check_backup(path: Path, engine: Engine) -> BackupInfo:
    """What the backup holds; refuses a file that cannot be restored into this database."""
    kind = database_kind(engine)
    path = path.expanduser()
    found = backup_file_kind(path)
    if found != kind:
        raise HeadstartError(
            f"{path} is a {KINDS[found]} backup and the database is {KINDS[kind]}: "
            f"restore it into a {KINDS[found]} database"
        )
    info = _check_sqlite_backup(path) if kind == "sqlite" else _check_pg_backup(path)
    if not known_revision(info.revision):
        raise HeadstartError(
            f"{path} is at schema revision {info.revision}, which this version of Headstart does not know: "
            "it was made by a newer version; restore it with that version"
        )
    return info


def _check_sqlite_backup(path: Path) -> BackupInfo:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = frozenset(
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
            revision = _revision(connection) if "alembic_version" in tables else None
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise HeadstartError(f"{path}: not a readable SQLite database ({error})") from None
    if revision is None:
        raise HeadstartError(f"{path}: a SQLite database but not a Headstart backup (no alembic_version table)")
    return BackupInfo(path, "sqlite", revision, tables)


_LIST_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")


def _check_pg_backup(path: Path) -> BackupInfo:
    listing = _run_pg("pg_restore", ["--list", str(path)], env=os.environ.copy(), what=f"reading {path}")
    tables = frozenset(
        match.group(2) for line in listing.splitlines() if (match := _LIST_TABLE.match(line))
    )
    if "alembic_version" not in tables:
        raise HeadstartError(f"{path}: a pg_dump file but not a Headstart backup (no alembic_version table)")
    data = _run_pg(
        "pg_restore",
        ["--data-only", "--table=alembic_version", "--file=-", str(path)],
        env=os.environ.copy(),
        what=f"reading {path}",
    )
    lines = data.splitlines()
    revision = None
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            revision = value if value and value != "\\." else None
            break
    if revision is None:
        raise HeadstartError(f"{path}: a pg_dump file but its alembic_version table is empty: not a Headstart backup")
    return BackupInfo(path, "postgresql", revision, tables)


# ---------------------------------------------------------------------------- restore


def restore_database(
    engine: Engine,
    path: Path,
    *,
    echo: Echo = _quiet,
    info: BackupInfo | None = None,
    keep_copy_in: Path | None = None,
) -> RestoreResult:
    """Replace the database by the backup at `path`, then bring it to the newest schema.

    Asking before replacing a database that holds data is the caller's business
    (database_has_data). With `keep_copy_in`, a database that holds data is first backed
    up into that directory, so restoring the wrong file (or an old one over months of
    work) can be undone; if that copy cannot be made, nothing is replaced. The search
    indexes are not touched: rebuild them afterwards.
    """
    info = info or check_backup(path, engine)
    echo(f"{info.path}: {KINDS[info.kind]} backup at schema revision {info.revision}")
    replaced_copy = None
    if keep_copy_in is not None and database_has_data(engine):
        replaced_copy = _keep_copy(engine, keep_copy_in, echo)
    echo(f"restoring into {describe(engine)}")
    engine.dispose()  # hold no connection while the database is replaced
    if info.kind == "sqlite":
        _sqlite_restore(info.path, _sqlite_path(engine))
    else:
        _pg_restore(engine, info)
    engine.dispose()
    before, after = upgrade_schema(engine)
    if after is None:  # pragma: no cover - upgrade_schema always ends at a revision
        raise HeadstartError("the restored database has no schema revision")
    if before != after:
        echo(f"schema upgraded from revision {before} to {after}")
    return RestoreResult(info, after, before != after, replaced_copy)


def _keep_copy(engine: Engine, directory: Path, echo: Echo) -> Path:
    kind = database_kind(engine)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HeadstartError(f"could not keep a copy of the current database in {directory}: {error} (nothing was changed)") from None
    target = directory / f"before-restore-{stamp}{SUFFIXES[kind]}"
    echo(f"keeping a copy of the current database in {target}")
    try:
        return backup_database(engine, target).path
    except HeadstartError as error:
        raise HeadstartError(f"{error.message}; the restore was not started, nothing was changed") from None
    except OSError as error:  # a full disk, say
        raise HeadstartError(f"could not keep a copy of the current database in {target}: {error}; nothing was changed") from None


def _sqlite_restore(backup: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(target, timeout=30)
            try:
                destination.execute("PRAGMA busy_timeout=30000")
                # One step: the whole database is replaced in one write transaction, which
                # readers of the old one (the web app) see either before or after.
                source.backup(destination, pages=-1)
            finally:
                destination.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise HeadstartError(f"could not restore {backup} into {target}: {error} (nothing was changed)") from None


# ---------------------------------------------------------------------------- PostgreSQL


def find_pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: on PATH, else the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(directory: str) -> tuple[int, ...]:
        return tuple(int(part) for part in Path(directory).parent.name.split(".") if part.isdigit())

    for directory in sorted(glob.glob(PG_BINDIRS), key=version, reverse=True):
        candidate = Path(directory) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise HeadstartError(
        f"{name} not found (neither on PATH nor in {PG_BINDIRS}): install the PostgreSQL client tools "
        "of your server's version (Debian/Ubuntu: apt-get install postgresql-client)"
    )


def _conninfo_value(value: str) -> str:
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    parts: dict[str, str] = {}
    if url.host:
        parts["host"] = url.host
    if url.port:
        parts["port"] = str(url.port)
    if url.username:
        parts["user"] = url.username
    if url.database:
        parts["dbname"] = url.database
    for key, value in url.query.items():
        if key == "password":
            continue
        parts[key] = value if isinstance(value, str) else value[-1]
    env = os.environ.copy()
    password = url.password or url.query.get("password")
    if password:
        env["PGPASSWORD"] = password if isinstance(password, str) else password[-1]
    conninfo = " ".join(f"{key}={_conninfo_value(value)}" for key, value in parts.items())
    return conninfo, env


def _run_pg(tool: str, arguments: list[str], *, env: dict[str, str], what: str) -> str:
    command = [find_pg_tool(tool), *arguments]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        detail = "; ".join(lines[-3:]) or f"exit code {completed.returncode}"
        raise HeadstartError(f"{tool} failed {what}: {detail}")
    return completed.stdout


def _pg_backup(url: URL, partial: Path) -> str:
    conninfo, env = pg_connection(url)
    _run_pg(
        "pg_dump",
        ["--format=custom", f"--file={partial}", f"--dbname={conninfo}"],
        env=env,
        what=f"backing up {url.render_as_string(hide_password=True)}",
    )
    return _check_pg_backup(partial).revision


def _pg_restore(engine: Engine, info: BackupInfo) -> None:
    conninfo, env = pg_connection(engine.url)
    _run_pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # all or nothing
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(info.path),
        ],
        env=env,
        what=f"restoring {info.path} (nothing was changed)",
    )
    # --clean replaces the tables in the dump; Headstart tables it does not hold (made by
    # a migration newer than the backup) would keep today's rows: drop them, and the
    # upgrade that follows creates them again, empty, as they were at backup time.
    import_table_modules()
    with engine.begin() as connection:
        present = set(inspect(connection).get_table_names())
        for table in sorted(present & set(SQLModel.metadata.tables) - info.tables):
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
