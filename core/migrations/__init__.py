"""Alembic migrations of the database schema (the SQLModel tables of the modules named in the entry-point group headstart.table_modules).

Run through `core.db.upgrade_schema` / `headstart db upgrade`; no alembic.ini is needed,
the configuration is built in code (core.db.alembic_config). See the README, section Database schema and migrations.
"""
