"""A referral as one side sees it, packet included where that side may read it.

The packet is read from the records when shown, never copied at sending: the receiver
sees the profile summary, the orientation pack's link, the ticked case notes and the
target vacancy only while the migrant's consent to it lasts (a withdrawn consent hides
them at once), and each look at it is an audit event on the profile. The sender and
the migrant see what was handed over, so the migrant knows what left the centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.organisations.models import Organisation
from matching.case_notes import CaseNote, written_by
from matching.identity import MigrantIdentity, identity_of
from matching.models import OccupationHeld, SkillProfile, Vacancy
from matching.referral_models import Referral, ReferralEvent
from matching.referral_moves import RECEIVER_MOVES, referral_for
from matching.referrals import Packet, events_of, has_consent


@dataclass(frozen=True)
class PacketContents:
    summary: str = ""
    occupations: list[OccupationHeld] = field(default_factory=list)
    languages: list[dict] = field(default_factory=list)
    orientation: tuple[str, str] | None = None  # (country, occupation URI) for the orientation page
    notes: list[CaseNote] = field(default_factory=list)
    vacancy: Vacancy | None = None


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    side: str  # sender | receiver | migrant
    sender: Organisation
    receiver: Organisation
    packet: Packet
    contents: PacketContents | None  # None: this side may not read it (now)
    identity: MigrantIdentity | None
    events: list[ReferralEvent]

    @property
    def receiver_moves(self) -> tuple[str, ...]:
        return RECEIVER_MOVES.get(self.referral.status, ()) if self.side == "receiver" else ()


def _contents(session: Session, referral: Referral, profile: SkillProfile, packet: Packet, country: str | None) -> PacketContents:
    notes = [note for note_id in packet.case_note_ids
             if (note := session.get(CaseNote, note_id)) is not None
             and note.profile_id == referral.profile_id and written_by(session, note, referral.from_organisation_id)]  # fmt: skip
    occupations = profile.occupations_held()
    uri = next((held.uri for held in occupations if held.uri), "")
    return PacketContents(
        summary=profile.summary if packet.summary else "",
        occupations=occupations if packet.summary else [],
        languages=list(profile.languages) if packet.summary else [],
        orientation=(country or "", uri) if packet.orientation and country else None,
        notes=notes,
        vacancy=session.get(Vacancy, packet.vacancy_id) if packet.vacancy_id else None,
    )  # fmt: skip


def referral_view(engine: Engine, *, viewer: User, referral_id: int) -> ReferralView:
    with session_scope(engine) as session:
        referral, side = referral_for(session, viewer, referral_id)
        profile = session.get(SkillProfile, referral.profile_id)
        sender = session.get(Organisation, referral.from_organisation_id)
        receiver = session.get(Organisation, referral.to_organisation_id)
        assert profile is not None and sender is not None and receiver is not None  # foreign keys
        packet = Packet.of(referral)
        readable = side != "receiver" or has_consent(session, profile.id or 0, receiver.id or 0)
        # The pack is for where the person goes: the receiver's country, else the profile's wish (or home, on return).
        wished = profile.destination_countries if referral.direction == "onward" else profile.origin_countries
        destination = receiver.country or next(iter(wished), None)
        contents = _contents(session, referral, profile, packet, destination) if readable else None
        if side == "receiver" and readable:
            audit.record(session, viewer, "view", "profile", profile.id, f"referral {referral.id}, as {receiver.name}")
        view = ReferralView(referral, side, sender, receiver, packet, contents,
                            identity_of(session, profile.id or 0) if readable else None, events_of(session, referral.id or 0))  # fmt: skip
        return view
