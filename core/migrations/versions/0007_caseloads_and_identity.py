"""Caseloads held by the MRC, the migrant's name and contact, take-over codes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Data: a profile whose owner is a practitioner account that belongs to an organisation
(0006 gave every practitioner one) is a profile that practitioner opened for a migrant;
it now belongs to that MRC (skill_profile.mrc_id), so that the practitioner's colleagues
see it and it is no longer lost when the practitioner leaves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("migrant_identity", "profile_takeover")


def _inspector():
    return sa.inspect(op.get_bind())


def _missing_table(table: str) -> bool:
    if context.is_offline_mode():
        return True
    return not _inspector().has_table(table)


def _missing_column(table: str, column: str) -> bool:
    if context.is_offline_mode():
        return True
    return column not in {item["name"] for item in _inspector().get_columns(table)}


def upgrade() -> None:
    if _missing_column("skill_profile", "mrc_id"):
        with op.batch_alter_table("skill_profile") as batch:
            batch.add_column(sa.Column("mrc_id", sa.Integer(), nullable=True))
            batch.create_index(op.f("ix_skill_profile_mrc_id"), ["mrc_id"], unique=False)
            batch.create_foreign_key("fk_skill_profile_mrc_id_organisation", "organisation", ["mrc_id"], ["id"])
    if _missing_table("migrant_identity"):
        op.create_table(
            "migrant_identity",
            sa.Column("profile_id", sa.Integer(), nullable=False),
            sa.Column("full_name", sa.String(length=200), nullable=False),
            sa.Column("phone", sa.String(length=40), nullable=False),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("messaging_app", sa.String(length=20), nullable=False),
            sa.Column("messaging_handle", sa.String(length=100), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["profile_id"], ["skill_profile.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("profile_id"),
        )
    if _missing_table("profile_takeover"):
        op.create_table(
            "profile_takeover",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("profile_id", sa.Integer(), nullable=False),
            sa.Column("code_hash", sa.String(length=64), nullable=False),
            sa.Column("created_by", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("used_by", sa.String(length=200), nullable=False),
            sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["profile_id"], ["skill_profile.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("code_hash"),
        )
        op.create_index(op.f("ix_profile_takeover_profile_id"), "profile_takeover", ["profile_id"], unique=False)
    _profiles_to_their_centre()


PROFILE = sa.table("skill_profile", sa.column("id"), sa.column("owner"), sa.column("mrc_id"))
USER = sa.table("user_account", sa.column("username"), sa.column("role"), sa.column("organisation_id"))


def _profiles_to_their_centre() -> None:
    if context.is_offline_mode():
        return  # the SQL script has no rows to read: run the upgrade online to move caseloads
    connection = op.get_bind()
    centres = dict(
        connection.execute(
            sa.select(USER.c.username, USER.c.organisation_id).where(USER.c.role == "practitioner", USER.c.organisation_id.is_not(None))
        ).all()
    )
    rows = connection.execute(sa.select(PROFILE.c.id, PROFILE.c.owner).where(PROFILE.c.mrc_id.is_(None))).all()
    for profile_id, owner in rows:
        if owner in centres:
            connection.execute(PROFILE.update().where(PROFILE.c.id == profile_id).values(mrc_id=centres[owner]))


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    with op.batch_alter_table("skill_profile") as batch:
        batch.drop_constraint("fk_skill_profile_mrc_id_organisation", type_="foreignkey")
        batch.drop_index(op.f("ix_skill_profile_mrc_id"))
        batch.drop_column("mrc_id")
