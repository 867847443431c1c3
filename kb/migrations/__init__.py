"""Alembic migrations of the database schema (the SQLModel tables of kb.db.TABLE_MODULES).

Run through `kb.db.upgrade_schema` / `headstart db upgrade`; no alembic.ini is needed,
the configuration is built in code (kb.db.alembic_config). See the README, section Database schema and migrations.
"""
