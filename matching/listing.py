"""Which vacancies migrants see and the matcher scores (open ones of a verified employer),
and which service offers they see (a verified provider's).

A pending employer's vacancies wait for its review; a suspended employer's leave every
list and every match at once (the pool's listing reads the organisation's status on each
request, so no cache has to be told).
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.sql.elements import ColumnElement

from core.organisations.models import Organisation
from matching.models import ServiceOffer, Vacancy

# The same condition for the pool's listing, written for the driver's own cursor
# (matching/pool_cache.py): index-only on ix_vacancy_open_listing, then a semi-join.
LISTED_SQL = (
    f"SELECT id, updated_at, revision FROM {Vacancy.__tablename__} "
    f"WHERE status = 'open' AND employer_id IN (SELECT id FROM {Organisation.__tablename__} WHERE status = 'verified') "
    "ORDER BY id"
)


def verified_employer() -> ColumnElement[bool]:
    """The vacancy's employer is a verified organisation."""
    verified = select(Organisation.id).where(Organisation.status == "verified")
    return Vacancy.employer_id.in_(verified.scalar_subquery())  # type: ignore[union-attr]


def listed() -> ColumnElement[bool]:
    """Open, and its employer verified (expiry is the marketplace's and the matcher's own check)."""
    return and_(Vacancy.status == "open", verified_employer())


def verified_provider() -> ColumnElement[bool]:
    """The offer's provider is a verified organisation (offers are listed and matched only then)."""
    verified = select(Organisation.id).where(Organisation.status == "verified")
    return ServiceOffer.provider_id.in_(verified.scalar_subquery())  # type: ignore[union-attr]
