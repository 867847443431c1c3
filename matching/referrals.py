"""Referrals: an organisation hands a migrant over to another for a purpose.

An origin MRC refers someone to a destination-side service ("German B2 course in
Munich"), or, on the way back, a destination-side organisation or a return programme
refers a returnee to an MRC at home. Nothing leaves the sender without the migrant's
consent to the receiving organisation: when there is none, the referral waits
("awaiting_consent") and the migrant is asked in the app, and the receiver learns of
it only once the consent is given; the MRC holding a profile for a migrant without an
account records that consent in the same step, on the migrant's word. The packet is the
ticks the practitioner made (profile summary, orientation pack, some of their own
centre's case notes, a target vacancy); each hand-over is an audit event on the profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.service import notify_all
from core.organisations.models import N_, Organisation
from matching.access import acts_for_migrant, can_see_identity
from matching.case_notes import CaseNote, written_by
from matching.consent_form import CONSENT_DAYS
from matching.models import SkillProfile, Vacancy, utcnow
from matching.notices import acting_for, staff_of
from matching.records import consent_kind_of, consented_recipients, grant_consent
from matching.referral_models import MAX_PURPOSE, Referral, ReferralEvent


class ReferralError(HeadstartError):
    """A referral the rules do not allow, or a move that cannot be made."""


@dataclass(frozen=True)
class Packet:
    """What the sender ticked to hand over; nothing else leaves their organisation."""

    summary: bool = False
    orientation: bool = False
    case_note_ids: tuple[int, ...] = ()
    vacancy_id: int | None = None

    def as_json(self) -> dict:
        return {"summary": self.summary, "orientation": self.orientation,
                "case_note_ids": list(self.case_note_ids), "vacancy_id": self.vacancy_id}  # fmt: skip

    @classmethod
    def of(cls, referral: Referral) -> "Packet":
        data = referral.packet or {}
        return cls(bool(data.get("summary")), bool(data.get("orientation")),
                   tuple(int(i) for i in data.get("case_note_ids") or ()), data.get("vacancy_id"))  # fmt: skip

    def describe(self) -> str:
        """The audit line: which parts went, by id, never their content."""
        parts = (["profile summary"] if self.summary else []) + (["orientation pack"] if self.orientation else [])
        if self.case_note_ids:
            parts.append("case notes " + ", ".join(map(str, self.case_note_ids)))
        if self.vacancy_id:
            parts.append(f"vacancy {self.vacancy_id}")
        return ", ".join(parts) or "nothing but the purpose"


@dataclass(frozen=True)
class ReferralRequest:
    """A referral as the sender asks for it (the form, the API)."""

    profile_id: int
    to_organisation_id: int
    purpose: str
    packet: Packet = Packet()
    departure_on: date | None = None
    consent_days: int | None = None  # the MRC holding the profile records the migrant's consent


def sender_organisation(session: Session, actor: User, profile: SkillProfile) -> Organisation:
    """The actor's organisation, if it may refer this person: verified, and the actor sees
    the migrant's identity (the MRC holding the profile, or an organisation they consented to)."""
    organisation = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    if organisation is None or not organisation.verified or not can_see_identity(session, actor, profile):
        raise NotFound("There is no such profile.", field="profile")
    return organisation


def may_refer(session: Session, actor: User | None, profile: SkillProfile) -> bool:
    if actor is None:
        return False
    try:
        sender_organisation(session, actor, profile)
    except NotFound:
        return False
    return True


def _checked_purpose(purpose: str) -> str:
    purpose = " ".join((purpose or "").split())
    if len(purpose) < 3:
        raise ReferralError(N_("Say what the person is referred for, e.g. “German B2 course in Munich”."), field="purpose")
    if len(purpose) > MAX_PURPOSE:
        raise ReferralError(N_("The purpose may have at most 300 characters."), field="purpose")
    return purpose


def _check_packet(session: Session, packet: Packet, *, profile_id: int, organisation_id: int) -> None:
    for note_id in packet.case_note_ids:
        note = session.get(CaseNote, note_id)
        if note is None or note.profile_id != profile_id or not written_by(session, note, organisation_id):
            raise ReferralError(N_("A packet may carry only the notes your organisation wrote on this person's case."),
                                field="case_note_ids")  # fmt: skip
    if packet.vacancy_id is not None and session.get(Vacancy, packet.vacancy_id) is None:
        raise ReferralError(N_("Choose the target vacancy from the list."), field="vacancy_id")


def _receiver(session: Session, organisation_id: int, sender: Organisation) -> Organisation:
    receiver = session.get(Organisation, organisation_id)
    if receiver is None or not receiver.verified:
        raise ReferralError(N_("Choose a verified organisation from the directory."), field="to_organisation_id")
    if receiver.id == sender.id:
        raise ReferralError(N_("Refer the person to another organisation than your own."), field="to_organisation_id")
    return receiver


def has_consent(session: Session, profile_id: int, organisation_id: int) -> bool:
    return organisation_id in consented_recipients(session, [profile_id]).get(profile_id, set())


def _event(session: Session, referral: Referral, actor: User, note: str = "") -> None:
    session.add(ReferralEvent(referral_id=referral.id or 0, status=referral.status, by=actor.username,
                              organisation_id=actor.organisation_id, note=note))  # fmt: skip


def hand_over(session: Session, referral: Referral, actor: User | str) -> None:
    """The moment personal data leaves: audited on the profile, the receiver told."""
    receiver = session.get(Organisation, referral.to_organisation_id)
    packet = Packet.of(referral)
    audit.record(session, actor, "handover", "profile", referral.profile_id,
                 f"referral {referral.id} to {receiver.name if receiver else '?'}: {packet.describe()}")  # fmt: skip
    sender = session.get(Organisation, referral.from_organisation_id)
    notify_all(session, staff_of(session, referral.to_organisation_id), kind="referral_received",
               params={"referral_id": referral.id, "purpose": referral.purpose,
                       "organisation": sender.name if sender else ""})  # fmt: skip


def create_referral(engine: Engine, *, actor: User, asked: ReferralRequest, direction: str = "onward") -> Referral:
    """Refer the person; sent at once with a consent, else waiting for it (see the module)."""
    purpose = _checked_purpose(asked.purpose)
    with session_scope(engine) as session:
        profile = session.get(SkillProfile, asked.profile_id)
        if profile is None:
            raise NotFound("There is no such profile.", field="profile")
        sender = sender_organisation(session, actor, profile)
        receiver = _receiver(session, asked.to_organisation_id, sender)
        _check_packet(session, asked.packet, profile_id=profile.id or 0, organisation_id=sender.id or 0)
        if asked.departure_on is not None and asked.departure_on.year < 2000:
            raise ReferralError(N_("Give the departure date as a real date."), field="departure_on")
        consented = has_consent(session, profile.id or 0, receiver.id or 0)
        if not consented and asked.consent_days is not None:
            if not acts_for_migrant(actor, profile) or asked.consent_days not in CONSENT_DAYS:
                raise ReferralError(N_("Choose one of the periods shown."), field="consent_days")
            kind = consent_kind_of(receiver)
            grant_consent(session=session, profile_id=profile.id or 0, recipient_kind=kind, recipient_id=receiver.id,
                          days=asked.consent_days)  # fmt: skip
            audit.record(session, actor, "consent_grant", "profile", profile.id,
                         f"{kind}: {receiver.name}, {asked.consent_days} days, recorded with a referral")  # fmt: skip
            consented = True
        migrant = [user for user in acting_for(session, profile) if user.role == "migrant"]
        if not consented and not migrant:
            raise ReferralError(N_("Without the person's consent to this organisation nothing can be handed over: "
                                   "ask them, then tick that they agreed and for how long."), field="consent_days")  # fmt: skip
        referral = Referral(
            profile_id=profile.id or 0, from_organisation_id=sender.id or 0, to_organisation_id=receiver.id or 0,
            direction=direction, purpose=purpose, status="sent" if consented else "awaiting_consent",
            packet=asked.packet.as_json(), departure_on=asked.departure_on, created_by=actor.username,
        )  # fmt: skip
        session.add(referral)
        session.flush()
        _event(session, referral, actor)
        if consented:
            hand_over(session, referral, actor)
        else:
            notify_all(session, migrant, kind="referral_consent",
                       params={"referral_id": referral.id, "profile_id": profile.id, "purpose": purpose,
                               "organisation": receiver.name, "sender": sender.name})  # fmt: skip
        return referral


def release_waiting(session: Session, *, profile_id: int, organisation_id: int, actor: User | str) -> int:
    """A consent was given: the referrals to that organisation waiting for it are sent now
    (called in the consent's own transaction). Returns how many."""
    waiting = session.exec(select(Referral).where(
        Referral.profile_id == profile_id, Referral.to_organisation_id == organisation_id,
        Referral.status == "awaiting_consent")).all()  # fmt: skip
    for referral in waiting:
        referral.status, referral.updated_at = "sent", utcnow()
        session.add(referral)
        session.add(ReferralEvent(referral_id=referral.id or 0, status="sent",
                                  by=actor if isinstance(actor, str) else actor.username, note="consent given"))  # fmt: skip
        hand_over(session, referral, actor)
    return len(waiting)


def referrals_of_profile(session: Session, profile_id: int) -> list[Referral]:
    return list(session.exec(select(Referral).where(Referral.profile_id == profile_id).order_by(Referral.id.desc())))  # type: ignore[union-attr]


def referrals_of_organisation(session: Session, organisation_id: int, *, statuses: Sequence[str] | None = None
                              ) -> tuple[list[Referral], list[Referral]]:  # fmt: skip
    """(received, sent) by the organisation, newest first; a receiver never sees one that
    still waits for the migrant's consent."""
    newest = Referral.id.desc()  # type: ignore[union-attr]
    received = select(Referral).where(Referral.to_organisation_id == organisation_id, Referral.status != "awaiting_consent")
    sent = select(Referral).where(Referral.from_organisation_id == organisation_id)
    if statuses:
        received, sent = received.where(Referral.status.in_(statuses)), sent.where(Referral.status.in_(statuses))  # type: ignore[attr-defined]
    return list(session.exec(received.order_by(newest))), list(session.exec(sent.order_by(newest)))


def events_of(session: Session, referral_id: int) -> list[ReferralEvent]:
    return list(session.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)))  # type: ignore[arg-type]


def get_referral(session: Session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("There is no such referral.", field="referral")
    return referral


@dataclass(frozen=True)
class ReferralLists:
    """What one person's referrals page lists: their organisation's received and sent
    referrals, or a migrant's own; with the organisations' names."""

    received: list[Referral]
    sent: list[Referral]
    own: list[Referral]
    names: dict[int, str]


def referral_lists(session: Session, user: User) -> ReferralLists:
    received: list[Referral] = []
    sent: list[Referral] = []
    organisation = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if organisation is not None and organisation.verified:
        received, sent = referrals_of_organisation(session, organisation.id or 0)
    own: list[Referral] = []
    if user.role == "migrant":
        mine = select(SkillProfile.id).where(SkillProfile.owner == user.username, SkillProfile.mrc_id.is_(None))  # type: ignore[union-attr]
        own = list(session.exec(select(Referral).where(Referral.profile_id.in_(mine)).order_by(Referral.id.desc())))  # type: ignore[attr-defined,union-attr]
    ids = {r.from_organisation_id for r in received + sent + own} | {r.to_organisation_id for r in received + sent + own}
    rows = session.exec(select(Organisation).where(Organisation.id.in_(ids))).all() if ids else []  # type: ignore[union-attr]
    return ReferralLists(received, sent, own, {o.id or 0: o.name for o in rows})
