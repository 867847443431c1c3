"""Referrals between organisations and their history

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("referral", "referral_event")


def _missing_table(table: str) -> bool:
    """A database made by create_all (before migrations) may have the table already."""
    if context.is_offline_mode():
        return True
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing_table('referral'):
        op.create_table('referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=False),
        sa.Column('from_organisation_id', sa.Integer(), nullable=False),
        sa.Column('to_organisation_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('purpose', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('packet', sa.JSON(), nullable=False),
        sa.Column('departure_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('outcome_note', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['from_organisation_id'], ['organisation.id'], ),
        sa.ForeignKeyConstraint(['profile_id'], ['skill_profile.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_organisation_id'], ['organisation.id'], ),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('referral', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_referral_from_organisation_id'), ['from_organisation_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_referral_profile_id'), ['profile_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_referral_status'), ['status'], unique=False)
            batch_op.create_index(batch_op.f('ix_referral_to_organisation_id'), ['to_organisation_id'], unique=False)
    if _missing_table('referral_event'):
        op.create_table('referral_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('by', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('referral_event', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_referral_event_referral_id'), ['referral_id'], unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
