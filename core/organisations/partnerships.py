"""Partnerships between organisations, the marketplace's handshake: one organisation asks
another for a partnership (or only for contact) with a message, both sides write in the
thread, the receiving side accepts or declines, the requesting side may withdraw while it
waits; accepted partners are listed on both organisations' pages.

Only verified organisations ask and are asked. A suspended one still reads its threads
but sends, writes and answers nothing until a reviewer verifies it again. A thread is its
two organisations' business: to anyone else it does not exist (NotFound). Between two
organisations one request is open at a time, in either direction: `pair` (the two ids,
smaller first) carries a partial unique index, so two requests sent at the same moment
cannot both be saved.

Each use case owns its transaction, its audit event (object type "organisation", on the
acting side) and the notice to the other side's members.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Column, Index, Text, or_, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import NotFound
from core.organisations.models import N_, Organisation, utcnow
from core.organisations.notices import tell_partnership
from core.organisations.service import OrganisationError

PartnershipKind = Literal["partnership", "contact"]
PARTNERSHIP_KINDS: tuple[str, ...] = get_args(PartnershipKind)
PartnershipStatus = Literal["requested", "accepted", "declined", "withdrawn"]
PARTNERSHIP_STATUSES: tuple[str, ...] = get_args(PartnershipStatus)
MAX_MESSAGE = 2_000
# What a message of an erased account says instead of its author: the other side keeps
# the thread (it is theirs too), not the name.
DELETED_AUTHOR = "(deleted account)"
OPEN_ALREADY = N_("A request between your organisations is open already: write in it, or answer it.")


class Partnership(SQLModel, table=True):
    """A request between two organisations and, once answered, their standing."""

    __tablename__ = "organisation_partnership"
    __table_args__ = (
        Index("uq_organisation_partnership_open", "pair", unique=True,
              sqlite_where=text("status = 'requested'"), postgresql_where=text("status = 'requested'")),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    requesting_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    receiving_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    pair: str = Field(max_length=40, index=True)  # "smaller id:larger id", the same both ways
    kind: str = Field(max_length=12)  # partnership | contact
    status: str = Field(default="requested", max_length=10)  # requested | accepted | declined | withdrawn
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
    answered_by: str = Field(default="", max_length=200)  # the user name who accepted, declined or withdrew

    def side_of(self, organisation_id: int | None) -> str | None:
        """"requesting", "receiving", or None for an organisation that is neither."""
        if organisation_id is not None and organisation_id == self.requesting_id:
            return "requesting"
        if organisation_id is not None and organisation_id == self.receiving_id:
            return "receiving"
        return None


class PartnershipMessage(SQLModel, table=True):
    """One message in a thread, signed by its author's account and organisation."""

    __tablename__ = "partnership_message"

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="organisation_partnership.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    author: str = Field(max_length=200, index=True)  # a user name, or DELETED_AUTHOR
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


def pair_of(first: int, second: int) -> str:
    low, high = sorted((first, second))
    return f"{low}:{high}"


def _tidy(message: str) -> str:
    message = (message or "").replace("\r\n", "\n").strip()
    if not message:
        raise OrganisationError(N_("Write a message: who you are and what you propose."), field="message")
    if len(message) > MAX_MESSAGE:
        raise OrganisationError(N_("A message may have at most 2,000 characters."), field="message")
    return message


def _acting(session: Session, actor: User) -> Organisation:
    """The actor's organisation, if it may write: verified, not suspended or pending."""
    own = session.get(Organisation, actor.organisation_id) if actor.organisation_id is not None else None
    if own is None:
        raise OrganisationError(N_("Only members of an organisation may do this."), field="organisation")
    if own.status == "suspended":
        raise OrganisationError(N_("Your organisation is suspended: it may read its threads, but not write or answer."),
                                field="organisation")  # fmt: skip
    if not own.verified:
        raise OrganisationError(N_("Your organisation is waiting for review: it may ask other organisations once it is verified."),
                                field="organisation")  # fmt: skip
    return own


def _message(session: Session, partnership: Partnership, actor: User, message: str, now: datetime) -> PartnershipMessage:
    row = PartnershipMessage(partnership_id=partnership.id or 0, organisation_id=actor.organisation_id or 0,
                             author=actor.username, text=message, created_at=now)  # fmt: skip
    session.add(row)
    return row


def between(session: Session, first: int, second: int) -> list[Partnership]:
    """Every request between the two organisations, either way, newest first."""
    query = select(Partnership).where(Partnership.pair == pair_of(first, second)).order_by(Partnership.id.desc())  # type: ignore[union-attr]
    return list(session.exec(query))


def _refusal(earlier: Iterable[Partnership], kind: str) -> str | None:
    """Why a new request between the same two organisations cannot be made, if it cannot."""
    for item in earlier:
        if item.status == "requested":
            return OPEN_ALREADY
        if item.status == "accepted" and item.kind == "partnership":
            return N_("Your organisations are partners already: write in your thread.")
        if item.status == "accepted" and kind == "contact":
            return N_("Your organisations are in contact already: write in your thread.")
    return None


def request_partnership(engine: Engine, *, actor: User, organisation_id: int, kind: str, message: str,
                        now: datetime | None = None) -> Partnership:  # fmt: skip
    """The actor's organisation asks another verified one; its members are told."""
    if kind not in PARTNERSHIP_KINDS:
        raise OrganisationError(N_("Choose a partnership or a contact."), field="kind")
    message, now = _tidy(message), now or utcnow()
    with session_scope(engine) as session:
        other = session.get(Organisation, organisation_id)
        if other is None or not other.verified:
            raise NotFound(N_("There is no such organisation."), field="organisation")
        own = _acting(session, actor)
        if other.id == own.id:
            raise OrganisationError(N_("An organisation cannot ask itself."), field="organisation")
        refusal = _refusal(between(session, own.id or 0, other.id or 0), kind)
        if refusal:
            raise OrganisationError(refusal, field="message")
        partnership = Partnership(requesting_id=own.id or 0, receiving_id=other.id or 0, pair=pair_of(own.id or 0, other.id or 0),
                                  kind=kind, created_at=now)  # fmt: skip
        session.add(partnership)
        try:
            session.flush()
        except IntegrityError:
            raise OrganisationError(OPEN_ALREADY, field="message") from None  # a request sent at the same moment
        _message(session, partnership, actor, message, now)
        audit.record(session, actor, "create", "organisation", own.id, f"{kind} request {partnership.id} to organisation {other.id}")
        tell_partnership(session, "partnership_request", partnership.id or 0, sender=own, recipient=other, request_kind=kind)
        return partnership


def _thread_for(session: Session, actor: User, partnership_id: int) -> tuple[Partnership, str]:
    partnership = session.get(Partnership, partnership_id)
    side = partnership.side_of(actor.organisation_id) if partnership is not None else None
    if partnership is None or side is None:
        raise NotFound(N_("There is no such thread."), field="partnership")
    return partnership, side


def _other(session: Session, partnership: Partnership, side: str) -> Organisation:
    other_id = partnership.receiving_id if side == "requesting" else partnership.requesting_id
    other = session.get(Organisation, other_id)
    assert other is not None  # the foreign key cascades
    return other


def reply(engine: Engine, *, actor: User, partnership_id: int, message: str, now: datetime | None = None) -> PartnershipMessage:
    """A message from either side while the request is open or accepted; the other side is told."""
    message, now = _tidy(message), now or utcnow()
    with session_scope(engine) as session:
        partnership, side = _thread_for(session, actor, partnership_id)
        own = _acting(session, actor)
        if partnership.status not in ("requested", "accepted"):
            raise OrganisationError(N_("This request is closed: send a new one from the organisation's page."), field="message")
        row = _message(session, partnership, actor, message, now)
        session.flush()
        tell_partnership(session, "partnership_message", partnership.id or 0, sender=own, recipient=_other(session, partnership, side))
        return row


def answer(engine: Engine, *, actor: User, partnership_id: int, decision: str, message: str = "",
           now: datetime | None = None) -> Partnership:  # fmt: skip
    """The receiving side accepts or declines (with a message, if it writes one); the
    requesting side withdraws. The other side is told."""
    if decision not in ("accepted", "declined", "withdrawn"):
        raise OrganisationError(N_("Choose to accept, to decline or to withdraw."), field="decision")
    now = now or utcnow()
    text_ = _tidy(message) if message.strip() else ""
    with session_scope(engine) as session:
        partnership, side = _thread_for(session, actor, partnership_id)
        own = _acting(session, actor)
        if (side == "requesting") != (decision == "withdrawn"):
            raise OrganisationError(N_("Only the organisation that was asked accepts or declines; only the one that asked withdraws."),
                                    field="decision")  # fmt: skip
        if partnership.status != "requested":
            raise OrganisationError(N_("This request has been answered already."), field="decision")
        partnership.status, partnership.answered_at, partnership.answered_by = decision, now, actor.username
        session.add(partnership)
        if text_:
            _message(session, partnership, actor, text_, now)
        audit.record(session, actor, "update", "organisation", own.id, f"{partnership.kind} request {partnership.id} {decision}")
        tell_partnership(session, "partnership_answer", partnership.id or 0, sender=own,
                         recipient=_other(session, partnership, side), answer=decision, request_kind=partnership.kind)  # fmt: skip
        return partnership


def partners_of(session: Session, organisation_id: int) -> list[Organisation]:
    """The verified organisations that accepted a partnership with this one (or whose
    request it accepted), by name."""
    query = select(Partnership).where(
        Partnership.status == "accepted", Partnership.kind == "partnership",
        or_(Partnership.requesting_id == organisation_id, Partnership.receiving_id == organisation_id),  # type: ignore[arg-type]
    )  # fmt: skip
    ids = {p.receiving_id if p.requesting_id == organisation_id else p.requesting_id for p in session.exec(query)}
    if not ids:
        return []
    found = session.exec(select(Organisation).where(Organisation.id.in_(ids), Organisation.status == "verified"))  # type: ignore[union-attr]
    return sorted(found, key=lambda organisation: (organisation.name.casefold(), organisation.id))
