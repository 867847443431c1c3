"""User accounts, failed sign-ins and case notes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A database made by SQLModel.metadata.create_all before migrations existed is stamped 0001
when it lacks some of these tables (core.db.upgrade_schema); such a database may already
hold the others, so each table is created only where it is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user_account", "login_failure", "case_note")


def _missing(table: str) -> bool:
    if context.is_offline_mode():  # `alembic upgrade --sql`: write the whole DDL
        return True
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("user_account"):
        op.create_table(
            "user_account",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=60), nullable=False),
            sa.Column("display_name", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("organisation", sa.String(length=200), nullable=False),
            sa.Column("language", sa.String(length=5), nullable=False),
            sa.Column("password_hash", sa.Text(), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_user_account_username"), "user_account", ["username"], unique=True)

    if _missing("login_failure"):
        op.create_table(
            "login_failure",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=60), nullable=False),
            sa.Column("client", sa.String(length=100), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_login_failure_at"), "login_failure", ["at"], unique=False)
        op.create_index(op.f("ix_login_failure_client"), "login_failure", ["client"], unique=False)
        op.create_index(op.f("ix_login_failure_username"), "login_failure", ["username"], unique=False)

    if _missing("case_note"):
        op.create_table(
            "case_note",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("profile_id", sa.Integer(), nullable=False),
            sa.Column("author", sa.String(length=200), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("due", sa.Date(), nullable=True),
            sa.Column("done", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["profile_id"], ["skill_profile.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_case_note_profile_id"), "case_note", ["profile_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_note_profile_id"), table_name="case_note")
    op.drop_table("case_note")
    op.drop_index(op.f("ix_login_failure_username"), table_name="login_failure")
    op.drop_index(op.f("ix_login_failure_client"), table_name="login_failure")
    op.drop_index(op.f("ix_login_failure_at"), table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index(op.f("ix_user_account_username"), table_name="user_account")
    op.drop_table("user_account")
