"""The employer's candidate pipeline (matching/pipeline.py): one entry per vacancy and
candidate, and every move between stages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("pipeline_entry", "pipeline_move")


def _missing_table(table: str) -> bool:
    if context.is_offline_mode():
        return True
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing_table("pipeline_entry"):
        op.create_table(
            "pipeline_entry",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("vacancy_id", sa.Integer(), nullable=False),
            sa.Column("profile_id", sa.Integer(), nullable=False),
            sa.Column("stage", sa.String(length=20), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_by", sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(["profile_id"], ["skill_profile.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["vacancy_id"], ["vacancy.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("uq_pipeline_entry_vacancy_profile", "pipeline_entry", ["vacancy_id", "profile_id"], unique=True)
        op.create_index(op.f("ix_pipeline_entry_profile_id"), "pipeline_entry", ["profile_id"], unique=False)
        op.create_index(op.f("ix_pipeline_entry_vacancy_id"), "pipeline_entry", ["vacancy_id"], unique=False)
    if _missing_table("pipeline_move"):
        op.create_table(
            "pipeline_move",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("from_stage", sa.String(length=20), nullable=False),
            sa.Column("to_stage", sa.String(length=20), nullable=False),
            sa.Column("by", sa.String(length=200), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["entry_id"], ["pipeline_entry.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_pipeline_move_entry_id"), "pipeline_move", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_table("pipeline_move")
    op.drop_table("pipeline_entry")
