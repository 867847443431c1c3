"""SQL helpers of the ESCO modules, alike on SQLite and PostgreSQL.

Connections from whatever the caller holds (session, engine or connection), IN-lists in
chunks, and a bulk upsert (INSERT ... ON CONFLICT).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

SessionOrEngine = Session | Engine | Connection


@contextmanager
def _connection(source: SessionOrEngine) -> Iterator[Connection]:
    if isinstance(source, Engine):
        with source.connect() as connection:
            yield connection
    elif isinstance(source, Session):
        yield source.connection()
    else:
        yield source


_CHUNK = 500  # IN-list size: well under SQLite's and PostgreSQL's parameter limits


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(connection: Connection, table):
    if connection.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"unsupported database backend {connection.dialect.name}")
    return insert(table)


def upsert(
    connection: Connection, table, rows: list[dict[str, Any]], update: Sequence[str] | None = None
) -> None:
    """Bulk insert; rows whose primary key exists get the `update` columns overwritten.

    `update=None` overwrites every non-key column; an empty `update` leaves existing rows
    alone. Uses INSERT ... ON CONFLICT, which SQLite and PostgreSQL both support.
    """
    if not rows:
        return
    stmt = _insert(connection, table)
    keys = [c.name for c in table.primary_key.columns]
    columns = [c.name for c in table.columns if c.name not in keys] if update is None else list(update)
    if columns:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in columns})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    connection.execute(stmt, rows)
