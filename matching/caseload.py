"""The profiles a person works with, as the profile list and the profile page show them:
whose they are (the migrant's name, for those who may see it), which MRC holds them, who
opened them. Shared by the pages; the MRC's dashboard builds on it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from core.accounts.users import User
from core.organisations.models import Organisation
from matching.access import can_see_identity, visible_profiles
from matching.identity import identities_of
from matching.models import SkillProfile
from matching.profile_builder import Completeness, completeness


@dataclass(frozen=True)
class ProfileHeading:
    profile: SkillProfile
    person: str  # the migrant's name; "" when not given or not for this viewer
    centre: str  # the MRC holding the profile; "" when the migrant owns it
    completeness: Completeness


def _headings(session: Session, user: User | None, profiles: list[SkillProfile]) -> list[ProfileHeading]:
    ids = [p.id or 0 for p in profiles if can_see_identity(session, user, p)]
    names = {pid: row.full_name for pid, row in identities_of(session, ids).items()}
    centre_ids = {p.mrc_id for p in profiles if p.mrc_id is not None}
    centres = dict(session.exec(select(Organisation.id, Organisation.name).where(Organisation.id.in_(centre_ids))).all()) if centre_ids else {}  # type: ignore[union-attr,call-overload]
    return [
        ProfileHeading(p, names.get(p.id or 0, ""), centres.get(p.mrc_id, "") if p.mrc_id else "", completeness(p))
        for p in profiles
    ]


def caseload(session: Session, user: User) -> list[ProfileHeading]:
    """The profile list: own profiles, the MRC's caseload and profiles shared by consent."""
    return _headings(session, user, visible_profiles(session, user))


def heading(session: Session, user: User | None, profile: SkillProfile) -> ProfileHeading:
    return _headings(session, user, [profile])[0]
