"""Notifications (inbox, preferences), contact requests, job alerts and saved searches; user e-mail; consent reminders

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:58:43.595847
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("alert_scan", "job_alert", "notification", "notification_preference", "saved_search", "alert_hit", "contact_request")


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
    if _missing_table('alert_scan'):
        op.create_table('alert_scan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scanned_until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
    if _missing_table('job_alert'):
        op.create_table('job_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('daily', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['profile_id'], ['skill_profile.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('profile_id')
        )
        with op.batch_alter_table('job_alert', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_job_alert_user_id'), ['user_id'], unique=False)

    if _missing_table('notification'):
        op.create_table('notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('notification', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
            batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)
            batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)

    if _missing_table('notification_preference'):
        op.create_table('notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('notification_preference', schema=None) as batch_op:
            batch_op.create_index('uq_notification_preference_user_kind', ['user_id', 'kind'], unique=True)

    if _missing_table('saved_search'):
        op.create_table('saved_search',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('daily', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('saved_search', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_saved_search_user_id'), ['user_id'], unique=False)

    if _missing_table('alert_hit'):
        op.create_table('alert_hit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('vacancy_id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=True),
        sa.Column('saved_search_id', sa.Integer(), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['profile_id'], ['skill_profile.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['saved_search_id'], ['saved_search.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('alert_hit', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_alert_hit_notified_at'), ['notified_at'], unique=False)
            batch_op.create_index(batch_op.f('ix_alert_hit_profile_id'), ['profile_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_alert_hit_user_id'), ['user_id'], unique=False)
            batch_op.create_index('uq_alert_hit_user_vacancy', ['user_id', 'vacancy_id'], unique=True)

    if _missing_table('contact_request'):
        op.create_table('contact_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('vacancy_id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('consent_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['employer_id'], ['organisation.id'], ),
        sa.ForeignKeyConstraint(['entry_id'], ['pipeline_entry.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['profile_id'], ['skill_profile.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('contact_request', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_contact_request_entry_id'), ['entry_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_contact_request_profile_id'), ['profile_id'], unique=False)
            batch_op.create_index('uq_contact_request_open', ['vacancy_id', 'profile_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    if _missing_column("profile_consent", "reminded_at"):
        with op.batch_alter_table("profile_consent", schema=None) as batch_op:
            batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))

    if _missing_column("user_account", "email"):
        with op.batch_alter_table("user_account", schema=None) as batch_op:
            batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("profile_consent", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
    for table in ("contact_request", "alert_hit", "saved_search", "notification_preference", "notification", "job_alert", "alert_scan"):
        op.drop_table(table)
