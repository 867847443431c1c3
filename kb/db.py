"""Database engine and sessions: SQLite (WAL) by default, any SQLAlchemy URL otherwise.

The database is the source of truth; search indexes are derived from it and can be
rebuilt at any time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

# Modules that define table models. create_schema imports them so that one call creates
# every table, whichever entry point (CLI, app, tests) asks first.
TABLE_MODULES = (
    "kb.accounts",
    "kb.embed",
    "kb.documents",
    "matching.esco",
    "matching.models",
    "matching.case_notes",
)


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


def create_schema(engine: Engine) -> None:
    for module in TABLE_MODULES:
        importlib.import_module(module)
    SQLModel.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    for module in TABLE_MODULES:
        importlib.import_module(module)
    SQLModel.metadata.drop_all(engine)


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
