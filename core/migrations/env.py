"""Alembic environment for Headstart, configured in code (see core.db.alembic_config).

core.db passes an open connection in `config.attributes["connection"]`; the plain `alembic`
command line can be used too, with `-x url=...` or HEADSTART_DATABASE_URL.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from core.config import Settings
from core.db import import_table_modules, make_engine, migration_connection

config = context.config
import_table_modules()
# Tests and `headstart db revision` may compare against another MetaData (e.g. the schema
# of an older release); the product always uses every table model.
target_metadata = config.attributes.get("target_metadata", SQLModel.metadata)


def render_item(type_: str, obj, autogen_context):
    """Write plain SQLAlchemy types into revision files, so that they do not depend on
    SQLModel's own TypeDecorators: AutoString is a String, UTCDateTime a DateTime with
    time zone (the same DDL; the decorators only convert values in Python)."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.impl.length})" if obj.impl.length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False  # default rendering


def _options() -> dict:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": True,  # SQLite cannot ALTER most things: copy-and-move instead
        "compare_type": True,
        "render_item": render_item,
    }


def _database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    return Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    # The plain `alembic` command: the same safeguards as core.db.upgrade_schema (one
    # transaction; SQLite foreign keys off while tables are copied; PostgreSQL lock).
    engine = make_engine(_database_url())
    try:
        with migration_connection(engine) as connection:
            context.configure(connection=connection, **_options())
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
