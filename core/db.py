"""Database engine and sessions: SQLite (WAL) by default, any SQLAlchemy URL otherwise.

The database is the source of truth; search indexes are derived from it and can be
rebuilt at any time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

from core.errors import HeadstartError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The modules that define table models are named by each distribution in its entry-point
# group "headstart.table_modules" (pyproject.toml): the platform keeps the schema's
# machinery without knowing the domain's tables, and a new layer adds its tables by
# naming its module there. create_schema imports them all, so one call creates every
# table, whichever entry point (CLI, app, tests) asks first.
TABLE_MODULES_GROUP = "headstart.table_modules"


@cache
def table_modules() -> tuple[str, ...]:
    """The modules named in the entry-point group, in the order of their names (read once
    per process: every schema upgrade asks, and the installed distributions do not change)."""
    named = sorted(entry_points(group=TABLE_MODULES_GROUP), key=lambda point: point.name)
    if not named:
        raise HeadstartError(
            f"No table modules are registered (entry points {TABLE_MODULES_GROUP!r}): "
            "install Headstart first (pip install -e . or make venv)."
        )
    return tuple(point.value for point in named)


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web app) go on while an import writes; the busy timeout makes
    # concurrent writers wait for each other instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(database_url, pool_pre_ping=True)


def import_table_modules() -> None:
    """Register every table model with SQLModel.metadata (idempotent)."""
    for module in table_modules():
        importlib.import_module(module)


# ---------------------------------------------------------------------------- migrations
#
# The schema is versioned with Alembic: core/migrations holds the environment and the
# revision files, and ships inside the package, so no alembic.ini is needed at run time.
# Every path that prepares a database (Runtime.init_database, `headstart init`,
# `headstart db upgrade`, create_app, the demo, the tests) goes through upgrade_schema.

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any key, the same in every process: PostgreSQL runs one upgrade at a time under it.
_PG_MIGRATION_LOCK = 0x4845_4144  # "HEAD"


def alembic_config(connection: Connection | None = None, **attributes: Any) -> Config:
    """An Alembic Config built in code; `connection` is what env.py migrates."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    # Parsing the revision files once per process keeps the per-call cost to the SQL.
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _script().get_current_head()
    assert head is not None, "core/migrations/versions holds no revision"
    return head


def revision_tables(revision: str) -> tuple[str, ...]:
    """The tables a revision creates (its module's TABLES), for recognising legacy databases."""
    script = _script().get_revision(revision)
    assert script is not None and script.module is not None
    return tuple(getattr(script.module, "TABLES", ()))


def known_revision(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty (or pre-migration) database."""
    with engine.connect() as connection:
        return _current(connection)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction, safe for migrating.

    SQLite: foreign keys are switched off while tables are copied and moved (batch mode
    would otherwise cascade deletes through ON DELETE CASCADE) and checked afterwards.
    PostgreSQL: an advisory lock makes concurrent upgrades (web workers, the CLI) wait for
    each other. DDL is transactional on both, so an upgrade happens whole or not at all
    (SQLite: BEGIN IMMEDIATE also makes a second upgrader wait for the first).
    """
    with engine.connect() as connection:
        sqlite = is_sqlite(engine)
        if sqlite:
            # Only takes effect outside a transaction: the driver has not begun one yet.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    # The driver does not begin a transaction before DDL by itself: begin
                    # one, so that a migration applies whole or not at all here too.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                if engine.url.get_backend_name() == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
                yield connection
                if sqlite:
                    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if violations:
                        raise RuntimeError(f"the migration left rows that break foreign keys: {violations[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _upgrade(config: Config, revision: str) -> None:
    """`alembic upgrade <revision>` (what command.upgrade does) on the cached ScriptDirectory."""
    from alembic.runtime.environment import EnvironmentContext

    script = _script()

    def steps(current, _context):
        return script._upgrade_revs(revision, current)

    with EnvironmentContext(config, script, fn=steps, destination_rev=revision):
        script.run_env()


def _stamp_legacy(connection: Connection, config: Config) -> None:
    """Stamp a database made by create_all before migrations existed with its revision.

    Such a database has the tables of revision 0001 (the last release) and perhaps some
    or all of those 0002 adds; 0002 creates only the ones it lacks.
    """
    from alembic import command

    present = set(inspect(connection).get_table_names())
    if not present & set(SQLModel.metadata.tables):
        return  # an empty database (for Headstart): nothing to stamp
    first, second = revision_tables("0001"), revision_tables("0002")
    missing = sorted(set(first) - present)
    if missing:
        raise HeadstartError(
            "The database has some Headstart tables but not "
            + ", ".join(missing)
            + ": it is not a Headstart database this version can upgrade."
        )
    command.stamp(config, "0002" if set(second) <= present else "0001")


def upgrade_schema(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """`alembic upgrade <revision>` on this engine; returns (revision before, revision after).

    A database created by SQLModel.metadata.create_all before migrations existed (tables
    but no alembic_version) is stamped with the revision it matches first. Cheap when the
    database is already at head: one query.
    """
    import_table_modules()
    target = head_revision() if revision == "head" else revision
    with engine.connect() as connection:
        before = _current(connection)
    if before == target:
        return before, before
    with migration_connection(engine) as connection:
        config = alembic_config(connection)
        before = _current(connection)  # again, under the lock
        if before is None:
            _stamp_legacy(connection, config)
        elif not known_revision(before):
            raise HeadstartError(
                f"The database is at schema revision {before}, which this version of Headstart does not know: "
                "a newer version has upgraded it. Run that version, or restore a backup."
            )
        _upgrade(config, revision)
        return before, _current(connection)


def schema_differences(connection: Connection, metadata: MetaData | None = None) -> list:
    """What autogenerate would write: the differences between the database and the models.

    Empty when the migrations create exactly what the table models describe.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import_table_modules()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata if metadata is not None else SQLModel.metadata)


def new_revision(message: str, *, empty: bool = False, metadata: MetaData | None = None) -> Path | None:
    """Write the next revision file (0003, 0004 ...) into core/migrations/versions.

    Autogenerated: a scratch SQLite database is brought to head and compared with the
    table models. Returns None (and writes nothing) when there is no difference, unless
    `empty` asks for a blank revision to fill in by hand (data migrations). `metadata`
    replaces the table models (tests).
    """
    import tempfile

    from alembic import command

    numbers = [int(rev.revision) for rev in _script().walk_revisions() if rev.revision.isdigit()]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade_schema(engine)
            with engine.begin() as connection:
                if not empty and not schema_differences(connection, metadata):
                    return None
                attributes = {} if metadata is None else {"target_metadata": metadata}
                script = command.revision(
                    alembic_config(connection, **attributes), message=message, autogenerate=not empty, rev_id=rev_id
                )
        finally:
            engine.dispose()
    _script.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema (migrations; see upgrade_schema)."""
    upgrade_schema(engine)


def drop_schema(engine: Engine) -> None:
    """Drop every table, the migration bookkeeping included."""
    import_table_modules()
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_sqlite(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite"


def insert_ignoring_duplicates(engine: Engine, table, rows: list[dict]) -> None:
    """Bulk insert that skips rows whose primary key exists (SQLite and PostgreSQL)."""
    if not rows:
        return
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif backend == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"unsupported database backend {backend}")
    with engine.begin() as connection:
        connection.execute(insert(table).on_conflict_do_nothing(), rows)
