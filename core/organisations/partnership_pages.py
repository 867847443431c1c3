"""What the pages read of partnerships (core/organisations/partnerships.py): one thread as
a member of either side sees it, an organisation's requests in and out, and where a
viewer's organisation stands with the organisation whose page they open.

Read only: the writes and their rules are partnerships.py's. A thread or a list is its
organisations' business, so anyone else gets NotFound, as for a thread that never was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from core.accounts.users import User
from core.errors import NotFound
from core.organisations.models import N_, Organisation
from core.organisations.partnerships import (
    Partnership,
    PartnershipMessage,
    between,
    partners_of,
)


@dataclass(frozen=True)
class Thread:
    """A thread for a member of one of its two organisations."""

    partnership: Partnership
    requesting: Organisation
    receiving: Organisation
    messages: list[PartnershipMessage]
    authors: dict[str, str]  # user name -> the name the account shows (erased ones are absent)
    side: str  # the viewer's: "requesting" | "receiving"
    may_write: bool  # the viewer's organisation is verified

    @property
    def open(self) -> bool:
        return self.partnership.status == "requested"

    @property
    def may_reply(self) -> bool:
        return self.may_write and self.partnership.status in ("requested", "accepted")

    @property
    def may_answer(self) -> bool:
        return self.may_write and self.open and self.side == "receiving"

    @property
    def may_withdraw(self) -> bool:
        return self.may_write and self.open and self.side == "requesting"


def thread(session: Session, partnership_id: int, viewer: User | None) -> Thread:
    partnership = session.get(Partnership, partnership_id)
    side = partnership.side_of(viewer.organisation_id) if partnership is not None and viewer is not None else None
    if partnership is None or side is None:
        raise NotFound(N_("There is no such thread."), field="partnership")
    requesting = session.get(Organisation, partnership.requesting_id)
    receiving = session.get(Organisation, partnership.receiving_id)
    assert requesting is not None and receiving is not None  # the foreign keys cascade
    query = select(PartnershipMessage).where(PartnershipMessage.partnership_id == partnership_id)
    messages = list(session.exec(query.order_by(PartnershipMessage.created_at, PartnershipMessage.id)))  # type: ignore[arg-type]
    names = {message.author for message in messages}
    authors = {user.username: user.name for user in session.exec(select(User).where(User.username.in_(names)))}  # type: ignore[attr-defined]
    own = requesting if side == "requesting" else receiving
    return Thread(partnership, requesting, receiving, messages, authors, side, own.verified)


@dataclass(frozen=True)
class PartnershipLine:
    partnership: Partnership
    other: Organisation
    incoming: bool


@dataclass(frozen=True)
class PartnershipList:
    organisation: Organisation
    incoming: list[PartnershipLine]
    outgoing: list[PartnershipLine]


def partnerships_page(session: Session, organisation_id: int, viewer: User | None) -> PartnershipList:
    """An organisation's requests in and out, newest first: for its members only."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or viewer is None or viewer.organisation_id != organisation_id:
        raise NotFound(N_("There is no such organisation."), field="organisation")
    query = select(Partnership, Organisation).join(
        Organisation, or_(  # the other side
            (Partnership.requesting_id == organisation_id) & (Organisation.id == Partnership.receiving_id),  # type: ignore[arg-type]
            (Partnership.receiving_id == organisation_id) & (Organisation.id == Partnership.requesting_id),  # type: ignore[arg-type]
        ),
    ).order_by(Partnership.id.desc())  # type: ignore[union-attr]  # fmt: skip
    lines = [PartnershipLine(item, other, item.receiving_id == organisation_id) for item, other in session.exec(query)]
    return PartnershipList(organisation, [line for line in lines if line.incoming], [line for line in lines if not line.incoming])


@dataclass(frozen=True)
class Standing:
    """Where the viewer's organisation stands with the organisation of the page."""

    partners: list[Organisation]  # the page's organisation's accepted partners (public)
    may_propose: bool  # the viewer's verified organisation may send a request now
    thread_id: int | None  # the viewer's organisation's latest open or accepted thread with it


def standing(session: Session, organisation: Organisation, viewer: User | None) -> Standing:
    partners = partners_of(session, organisation.id or 0)
    own_id = viewer.organisation_id if viewer is not None else None
    if own_id is None or own_id == organisation.id or not organisation.verified:
        return Standing(partners, False, None)
    own = session.get(Organisation, own_id)
    earlier = between(session, own_id, organisation.id or 0)
    current = next((item for item in earlier if item.status in ("requested", "accepted")), None)
    open_or_partners = any(item.status == "requested" or (item.status, item.kind) == ("accepted", "partnership") for item in earlier)
    may_propose = own is not None and own.verified and not open_or_partners
    return Standing(partners, may_propose, current.id if current is not None else None)
