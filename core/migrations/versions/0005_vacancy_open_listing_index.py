"""An index for the matcher's listing of open vacancies (matching/pool_cache.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Every matching request lists (id, updated_at, revision) of the open vacancies to see
which changed since the worker's pool was built; with this index that is an index-only
scan in id order instead of a pass over the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES: tuple[str, ...] = ()
INDEX = "ix_vacancy_open_listing"


def _missing() -> bool:
    if context.is_offline_mode():
        return True
    return INDEX not in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("vacancy")}


def upgrade() -> None:
    if _missing():
        op.create_index(INDEX, "vacancy", ["status", "id", "updated_at", "revision"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="vacancy")
