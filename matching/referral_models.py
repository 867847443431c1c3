"""The referral tables: a migrant referred by one organisation to another, and its history.

A referral is the link with the post-arrival stage (and, the other way, with return): an
origin MRC hands a migrant over to a destination-side service for a purpose, with a
packet of what the practitioner ticked; the receiving organisation answers and reports
how it went. The packet is stored as the ticks, never as copies: what the receiver sees
is read from the profile when shown, so a correction or an erasure reaches it at once,
and a withdrawn consent hides it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from core.organisations.models import N_
from matching.models import utcnow

ReferralStatus = Literal["awaiting_consent", "sent", "accepted", "declined", "in_progress", "closed"]
STATUSES: tuple[str, ...] = get_args(ReferralStatus)
OPEN_STATUSES = frozenset({"awaiting_consent", "sent", "accepted", "in_progress"})
STATUS_NAMES = {
    "awaiting_consent": N_("Waiting for the migrant's consent"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "in_progress": N_("In progress"),
    "closed": N_("Closed"),
}
# How a closed referral ended (the receiving or the sending side says so).
OUTCOMES = {
    "completed": N_("Done: the person got what they were referred for"),
    "partly_completed": N_("Partly done"),
    "not_completed": N_("Not done"),
    "withdrawn": N_("Withdrawn by the sending organisation"),
    "migrant_left": N_("The person left the programme"),
    "lost_contact": N_("Contact lost"),
}
DIRECTIONS = {"onward": N_("Towards the destination"), "return": N_("Return and reintegration")}
MAX_PURPOSE = 300
MAX_REASON = 1_000


class Referral(SQLModel, table=True):
    __tablename__ = "referral"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    from_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    to_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    direction: str = Field(default="onward", max_length=10)
    purpose: str = Field(max_length=MAX_PURPOSE)
    status: str = Field(default="sent", max_length=20, index=True)
    # The packet as ticked: {"summary": bool, "orientation": bool, "case_note_ids": [..], "vacancy_id": int | None}
    packet: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    departure_on: date | None = None
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why it was declined
    outcome: str = Field(default="", max_length=30)
    outcome_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReferralEvent(SQLModel, table=True):
    """One change of a referral's status: who, for which organisation, when, and why."""

    __tablename__ = "referral_event"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    status: str = Field(max_length=20)
    by: str = Field(max_length=200)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(default_factory=utcnow)
