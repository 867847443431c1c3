"""Sign-in sessions kept in the database (core/accounts/login_sessions.py), so a sign-out ends them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Sessions started before this revision lived only in their cookie; they are not carried
over, so everyone signs in once more after the upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("login_session",)


def _missing(table: str) -> bool:
    if context.is_offline_mode():  # `alembic upgrade --sql`: write the whole DDL
        return True
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if not _missing("login_session"):
        return
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_login_session_expires_at"), "login_session", ["expires_at"], unique=False)
    op.create_index(op.f("ix_login_session_token_hash"), "login_session", ["token_hash"], unique=True)
    op.create_index(op.f("ix_login_session_user_id"), "login_session", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_session_user_id"), table_name="login_session")
    op.drop_index(op.f("ix_login_session_token_hash"), table_name="login_session")
    op.drop_index(op.f("ix_login_session_expires_at"), table_name="login_session")
    op.drop_table("login_session")
