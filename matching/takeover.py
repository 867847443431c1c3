"""A migrant's own account takes over the profile their MRC opened for them.

A practitioner of the holding MRC makes a one-time code (also given as a link); the
migrant, signed in with a migrant account, enters it; from then the profile is theirs
(SkillProfile.owner is their account, mrc_id cleared) and the MRC sees it only through a
consent, which the migrant may give in the same step. A code is short enough to read
out or write on paper, works once, expires after TAKEOVER_DAYS, and a new code replaces
the open one; only its hash is stored. Every step is audited on the profile.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError
from core.organisations.models import N_, Organisation
from matching.access import holds_profile, is_admin
from matching.models import SkillProfile, utcnow
from matching.records import get_profile, grant_consent

TAKEOVER_DAYS = 14
# No 0/O, 1/I/L: a code is read out over the phone or copied from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 31**12, about 59 bits


class ProfileTakeover(SQLModel, table=True):
    __tablename__ = "profile_takeover"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str = Field(default="", max_length=200)
    withdrawn_at: datetime | None = None

    def open(self, now: datetime) -> bool:
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=now.tzinfo)
        return self.used_at is None and self.withdrawn_at is None and expires > now


class TakeoverError(HeadstartError):
    """A code that cannot be used, or a person who may not use it."""


class CodeGone(TakeoverError):
    """A code that worked once: used already, expired or replaced."""


@dataclass(frozen=True)
class NewCode:
    code: str  # shown once, grouped for reading (XXXX-XXXX-XXXX)
    expires_at: datetime


@dataclass(frozen=True)
class Takeover:
    """An open code, with what the migrant is shown before taking the profile over."""

    takeover: ProfileTakeover
    profile: SkillProfile
    centre: Organisation | None


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def _grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def issue_code(engine: Engine, *, actor: User, profile_id: int, now: datetime | None = None) -> NewCode:
    """A new code for the profile; an open earlier code stops working."""
    now = now or utcnow()
    with session_scope(engine) as session:
        profile = get_profile(session, profile_id)
        if not (holds_profile(actor, profile) or (is_admin(actor) and profile.mrc_id is not None)):
            raise TakeoverError(N_("Only a practitioner of the centre holding this profile may make a code for it."), field="profile")
        for earlier in session.exec(select(ProfileTakeover).where(ProfileTakeover.profile_id == profile_id)).all():
            if earlier.open(now):
                earlier.withdrawn_at = now
                session.add(earlier)
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        row = ProfileTakeover(profile_id=profile_id, code_hash=_hash(code), created_by=actor.username, created_at=now,
                              expires_at=now + timedelta(days=TAKEOVER_DAYS))  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(session, actor, "update", "profile", profile_id, f"take-over code {row.id} made")
    return NewCode(_grouped(code), row.expires_at)


def takeover_for(session: Session, code: str, *, now: datetime | None = None) -> Takeover:
    """The open code behind what the migrant typed, or TakeoverError saying why not."""
    now = now or utcnow()
    if not normalise_code(code):
        raise TakeoverError(N_("Type the code your centre gave you."), field="code")
    row = session.exec(select(ProfileTakeover).where(ProfileTakeover.code_hash == _hash(code))).first()
    if row is None:
        raise TakeoverError(N_("This code is not known. Check it, or ask your centre for a new one."), field="code")
    if row.used_at is not None:
        raise CodeGone(N_("This code has been used already."), field="code")
    if not row.open(now):
        raise CodeGone(N_("This code has expired or was replaced. Ask your centre for a new one."), field="code")
    profile = get_profile(session, row.profile_id)
    centre = session.get(Organisation, profile.mrc_id) if profile.mrc_id is not None else None
    return Takeover(row, profile, centre)


def take_over(engine: Engine, *, migrant: User, code: str, share_days: int | None, now: datetime | None = None) -> int:
    """The migrant's account owns the profile from now; `share_days`: keep the centre's
    access through a consent of that many days (None: the centre loses access at once)."""
    now = now or utcnow()
    if migrant.role != "migrant":
        raise TakeoverError(N_("Sign in with your own migrant account to take the profile over."), field="code")
    with session_scope(engine) as session:
        found = takeover_for(session, code, now=now)
        profile, centre = found.profile, found.centre
        found.takeover.used_at, found.takeover.used_by = now, migrant.username
        session.add(found.takeover)
        profile.owner, profile.mrc_id = migrant.username, None
        profile.updated_at = now
        session.add(profile)
        session.flush()
        audit.record(session, migrant, "update", "profile", profile.id, f"taken over with code {found.takeover.id}")
        if share_days and centre is not None and centre.status == "verified":
            grant_consent(session=session, profile_id=profile.id or 0, recipient_kind="mrc", recipient_id=centre.id,
                          days=share_days)  # fmt: skip
            audit.record(session, migrant, "consent_grant", "profile", profile.id, f"mrc: {centre.name}, {share_days} days")
        return profile.id or 0
