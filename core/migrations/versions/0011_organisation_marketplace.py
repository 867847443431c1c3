"""The marketplace of organisations: services, languages and sectors; partnerships and their messages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organisation_partnership", "partnership_message")
# The organisation's marketplace details: JSON lists, empty for the organisations there are.
LIST_COLUMNS = ("services", "languages", "sectors")


def _missing_table(table: str) -> bool:
    """A database made by create_all (before migrations) may have the table already."""
    if context.is_offline_mode():
        return True
    return not sa.inspect(op.get_bind()).has_table(table)


def _missing_column(table: str, column: str) -> bool:
    if context.is_offline_mode():
        return True
    return column not in {item["name"] for item in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    for column in LIST_COLUMNS:
        if _missing_column("organisation", column):
            with op.batch_alter_table("organisation", schema=None) as batch_op:
                batch_op.add_column(sa.Column(column, sa.JSON(), nullable=False, server_default=sa.text("'[]'")))

    if _missing_table('organisation_partnership'):
        op.create_table('organisation_partnership',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requesting_id', sa.Integer(), nullable=False),
        sa.Column('receiving_id', sa.Integer(), nullable=False),
        sa.Column('pair', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['receiving_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requesting_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('organisation_partnership', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_organisation_partnership_pair'), ['pair'], unique=False)
            batch_op.create_index(batch_op.f('ix_organisation_partnership_receiving_id'), ['receiving_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_organisation_partnership_requesting_id'), ['requesting_id'], unique=False)
            batch_op.create_index('uq_organisation_partnership_open', ['pair'], unique=True,
                                  sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))

    if _missing_table('partnership_message'):
        op.create_table('partnership_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['partnership_id'], ['organisation_partnership.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('partnership_message', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_partnership_message_author'), ['author'], unique=False)
            batch_op.create_index(batch_op.f('ix_partnership_message_partnership_id'), ['partnership_id'], unique=False)


def downgrade() -> None:
    for table in ("partnership_message", "organisation_partnership"):
        op.drop_table(table)
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        for column in reversed(LIST_COLUMNS):
            batch_op.drop_column(column)
