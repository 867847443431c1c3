"""Organisations as records (core/organisations): the organisation and invitation tables,
membership on the account, and the vacancies, offers, consents and case notes pointing at
organisations by id.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Data: every free-text organisation name of the earlier version (on accounts, vacancies,
offers and consents) becomes one organisation row per kind and exact name, and the rows
point at it. The carried-over organisations are verified, so that nothing an installation
shows or matches today disappears with the upgrade; each says so in its status note, and
its members should be reviewed: before this revision anyone could register under any name.
The first account of an organisation (lowest id) becomes its owner, the others staff.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organisation", "organisation_invitation")
# (table, column): the columns pointing at an organisation.
LINKS = (
    ("user_account", "organisation_id"),
    ("vacancy", "employer_id"),
    ("service_offer", "provider_id"),
    ("profile_consent", "recipient_id"),
    ("case_note", "organisation_id"),
)
KIND_OF_ROLE = {"practitioner": "mrc", "employer": "employer", "provider": "service_provider"}
NOTE = (
    "Carried over at the upgrade to schema 0006 from the organisation names of an earlier "
    "version, where anyone could register under any name: review its members."
)
# Frozen copy of core.organisations.models.name_key as of this revision.
_LEGAL_FORMS = frozenset(
    "gmbh ag kg ug ltd limited llc inc plc sa sarl sas srl spa bv nv oy ab as aps co corp company the e v ev".split()
)


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(word for word in re.findall(r"[a-z0-9]+", text) if word not in _LEGAL_FORMS)


def _inspector():
    return sa.inspect(op.get_bind())


def _missing_table(table: str) -> bool:
    if context.is_offline_mode():  # `alembic upgrade --sql`: write the whole DDL
        return True
    return not _inspector().has_table(table)


def _missing_column(table: str, column: str) -> bool:
    if context.is_offline_mode():
        return True
    return column not in {item["name"] for item in _inspector().get_columns(table)}


def _create_tables() -> None:
    if _missing_table("organisation"):
        op.create_table(
            "organisation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=30), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("name_key", sa.String(length=200), nullable=False),
            sa.Column("country", sa.String(length=2), nullable=True),
            sa.Column("city", sa.String(length=200), nullable=False),
            sa.Column("website", sa.String(length=500), nullable=False),
            sa.Column("registration_number", sa.String(length=100), nullable=False),
            sa.Column("contact", sa.String(length=500), nullable=False),
            sa.Column("description", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("status_by", sa.String(length=200), nullable=False),
            sa.Column("status_by_organisation", sa.String(length=200), nullable=False),
            sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("status_note", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        for column in ("kind", "name", "name_key", "status"):
            op.create_index(op.f(f"ix_organisation_{column}"), "organisation", [column], unique=False)
    if _missing_table("organisation_invitation"):
        op.create_table(
            "organisation_invitation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("note", sa.String(length=200), nullable=False),
            sa.Column("created_by", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("used_by", sa.String(length=200), nullable=False),
            sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_organisation_invitation_organisation_id"), "organisation_invitation", ["organisation_id"], unique=False
        )
        op.create_index(op.f("ix_organisation_invitation_token_hash"), "organisation_invitation", ["token_hash"], unique=True)


def _add_links() -> None:
    for table, column in LINKS:
        if not _missing_column(table, column):
            continue
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_index(op.f(f"ix_{table}_{column}"), [column], unique=False)
            batch.create_foreign_key(f"fk_{table}_{column}_organisation", "organisation", [column], ["id"])
    if _missing_column("user_account", "organisation_role"):
        with op.batch_alter_table("user_account") as batch:
            batch.add_column(sa.Column("organisation_role", sa.String(length=10), nullable=False, server_default=""))


ORGANISATION = sa.table(
    "organisation",
    *(sa.column(name) for name in ("id", "kind", "name", "name_key", "city", "website", "registration_number")),
    *(sa.column(name) for name in ("contact", "description", "status", "status_by", "status_by_organisation", "status_note")),
    sa.column("status_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
USER = sa.table("user_account", *(sa.column(n) for n in ("id", "username", "role", "organisation", "organisation_id", "organisation_role")))
VACANCY = sa.table("vacancy", sa.column("id"), sa.column("employer"), sa.column("employer_id"))
OFFER = sa.table("service_offer", sa.column("id"), sa.column("provider"), sa.column("provider_id"))
CONSENT = sa.table("profile_consent", sa.column("id"), sa.column("recipient_kind"), sa.column("recipient"), sa.column("recipient_id"))
NOTE_TABLE = sa.table("case_note", sa.column("id"), sa.column("author"), sa.column("organisation_id"))


class _Organisations:
    """The organisation ids by (kind, exact name), made as the rows ask for them."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.now = datetime.now(timezone.utc)
        self.ids = {
            (kind, name): id_ for id_, kind, name in connection.execute(sa.select(ORGANISATION.c.id, ORGANISATION.c.kind, ORGANISATION.c.name))
        }

    def id(self, kind: str, name: str) -> int:
        name = " ".join(name.split())[:200]
        if (kind, name) not in self.ids:
            row = {
                "kind": kind, "name": name, "name_key": _name_key(name)[:200], "city": "", "website": "",
                "registration_number": "", "contact": "", "description": "", "status": "verified",
                "status_by": "upgrade 0006", "status_by_organisation": "", "status_note": NOTE, "status_at": self.now, "created_at": self.now,
            }  # fmt: skip
            self.connection.execute(ORGANISATION.insert(), row)
            self.ids[(kind, name)] = self.connection.execute(
                sa.select(ORGANISATION.c.id).where(ORGANISATION.c.kind == kind, ORGANISATION.c.name == name)
            ).scalar_one()
        return self.ids[(kind, name)]


def _carry_names_over() -> None:
    if context.is_offline_mode():
        return  # the SQL script has no rows to read: run the upgrade online to carry names over
    connection = op.get_bind()
    organisations = _Organisations(connection)
    owners = {
        org for (org,) in connection.execute(sa.select(USER.c.organisation_id).where(USER.c.organisation_role == "owner"))
    }
    users = connection.execute(
        sa.select(USER.c.id, USER.c.role, USER.c.organisation)
        .where(USER.c.organisation_id.is_(None), USER.c.organisation != "", USER.c.role.in_(tuple(KIND_OF_ROLE)))
        .order_by(USER.c.id)
    ).all()
    for user_id, role, name in users:
        org = organisations.id(KIND_OF_ROLE[role], name)
        member_role = "staff" if org in owners else "owner"
        owners.add(org)
        connection.execute(USER.update().where(USER.c.id == user_id).values(organisation_id=org, organisation_role=member_role))
    for table, name_column, id_column, kind in ((VACANCY, "employer", "employer_id", "employer"), (OFFER, "provider", "provider_id", "service_provider")):
        rows = connection.execute(sa.select(table.c.id, table.c[name_column]).where(table.c[id_column].is_(None))).all()
        for row_id, name in rows:
            if name and name.strip():
                connection.execute(table.update().where(table.c.id == row_id).values({id_column: organisations.id(kind, name)}))
    consents = connection.execute(
        sa.select(CONSENT.c.id, CONSENT.c.recipient_kind, CONSENT.c.recipient).where(CONSENT.c.recipient_id.is_(None))
    ).all()
    for consent_id, recipient_kind, name in consents:
        if name and name.strip():
            kind = "mrc" if recipient_kind == "mrc" else "employer"
            connection.execute(CONSENT.update().where(CONSENT.c.id == consent_id).values(recipient_id=organisations.id(kind, name)))
    authors = dict(connection.execute(sa.select(USER.c.username, USER.c.organisation_id)).all())
    for note_id, author in connection.execute(sa.select(NOTE_TABLE.c.id, NOTE_TABLE.c.author).where(NOTE_TABLE.c.organisation_id.is_(None))).all():
        if authors.get(author) is not None:
            connection.execute(NOTE_TABLE.update().where(NOTE_TABLE.c.id == note_id).values(organisation_id=authors[author]))


LISTING_INDEX = "ix_vacancy_open_listing"
LISTING_COLUMNS = ["status", "id", "updated_at", "revision", "employer_id"]


def _widen_listing_index() -> None:
    """The matcher's listing now asks for the employer too: the index carries it, so the
    listing stays an index-only scan."""
    if not context.is_offline_mode():
        found = {index["name"]: index["column_names"] for index in _inspector().get_indexes("vacancy")}
        if found.get(LISTING_INDEX) == LISTING_COLUMNS:
            return
        if LISTING_INDEX not in found:
            op.create_index(LISTING_INDEX, "vacancy", LISTING_COLUMNS, unique=False)
            return
    op.drop_index(LISTING_INDEX, table_name="vacancy")
    op.create_index(LISTING_INDEX, "vacancy", LISTING_COLUMNS, unique=False)


def upgrade() -> None:
    _create_tables()
    _add_links()
    _widen_listing_index()
    _carry_names_over()


def downgrade() -> None:
    op.drop_index(LISTING_INDEX, table_name="vacancy")
    op.create_index(LISTING_INDEX, "vacancy", LISTING_COLUMNS[:-1], unique=False)
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("organisation_role")
    for table, column in reversed(LINKS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_{column}_organisation", type_="foreignkey")
            batch.drop_index(op.f(f"ix_{table}_{column}"))
            batch.drop_column(column)
    op.drop_index(op.f("ix_organisation_invitation_token_hash"), table_name="organisation_invitation")
    op.drop_index(op.f("ix_organisation_invitation_organisation_id"), table_name="organisation_invitation")
    op.drop_table("organisation_invitation")
    for column in ("status", "name_key", "name", "kind"):
        op.drop_index(op.f(f"ix_organisation_{column}"), table_name="organisation")
    op.drop_table("organisation")
