"""Who may read and change which record: object-level rules in one place.

The web pages, and later the API, ask these functions instead of comparing roles
themselves, so a rule changes in one spot and the access tests pin every rule.

- A migrant reads and edits the profiles they own.
- A profile a practitioner opens for a migrant belongs to the practitioner's MRC
  (SkillProfile.mrc_id): every practitioner of that MRC reads and edits it and gives its
  consents, the one who opened it no more than the others, and nobody once they leave the
  MRC. When the migrant takes it over with a code (matching/takeover.py) it is theirs, and
  their consents decide what the MRC sees from then on.
- A practitioner also reads and edits the profiles whose owner granted their MRC a
  consent that is still active.
- The migrant's name and contact (matching/identity.py) are seen by whoever acts for the
  migrant (the owner, the holding MRC) and by the organisations the migrant consented to;
  not by admins, who manage accounts, not people.
- An employer manages the vacancies of its organisation and sees, for those vacancies
  only, candidates who consented to matching; a candidate is identified only when they
  consented to show their profile to that employer.
- A provider manages the service offers of its organisation.
- An admin may do everything.

"Its organisation" is the organisation record the account is a member of (by id, see
core/organisations), never a name: an account that typed an existing employer's name
at registration has an organisation of its own, pending review.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from core.accounts.users import User
from core.errors import HeadstartError
from core.organisations.models import Organisation
from matching.models import Consent, ServiceOffer, SkillProfile, Vacancy


def is_admin(user: User | None) -> bool:
    return user is not None and user.role == "admin"


def can_edit_library(user: User | None) -> bool:
    return user is not None and user.role in ("practitioner", "admin")


def can_create_profile(user: User | None) -> bool:
    return user is not None and user.role in ("migrant", "practitioner", "admin")


def _consent_to(session: Session, profile: SkillProfile, kind: str, organisation_id: int | None, now: datetime | None = None) -> bool:
    if organisation_id is None or profile.id is None:
        return False
    consents = session.exec(
        select(Consent).where(
            Consent.profile_id == profile.id,
            Consent.recipient_kind == kind,
            Consent.recipient_id == organisation_id,
        )
    ).all()
    now = now or datetime.now(timezone.utc)
    return any(consent.active(now) for consent in consents)


def holds_profile(user: User | None, profile: SkillProfile) -> bool:
    """The user is a practitioner of the MRC that holds the profile for a migrant."""
    return (
        user is not None and profile.mrc_id is not None and user.role == "practitioner"
        and user.organisation_id == profile.mrc_id
    )  # fmt: skip


def acts_for_migrant(user: User | None, profile: SkillProfile) -> bool:
    """Gives and withdraws the profile's consents and deletes it: the migrant who owns it,
    or the MRC holding it for them; an admin."""
    if user is None:
        return False
    if is_admin(user):
        return True
    if profile.mrc_id is not None:
        return holds_profile(user, profile)
    return profile.owner == user.username


def can_view_profile(session: Session, user: User | None, profile: SkillProfile) -> bool:
    if user is None:
        return False
    if acts_for_migrant(user, profile):
        return True
    if user.role == "practitioner":
        return _consent_to(session, profile, "mrc", user.organisation_id)
    return False


def can_edit_profile(session: Session, user: User | None, profile: SkillProfile) -> bool:
    # Whoever may read a profile on the owner's behalf may also keep it up to date.
    return can_view_profile(session, user, profile)


def can_see_identity(session: Session, user: User | None, profile: SkillProfile) -> bool:
    """The migrant's name and contact: the owner, the holding MRC, consented organisations."""
    if user is None or is_admin(user):
        return False
    if acts_for_migrant(user, profile):
        return True
    if user.role == "practitioner":
        return _consent_to(session, profile, "mrc", user.organisation_id)
    if user.role == "employer":
        return _consent_to(session, profile, "employer", user.organisation_id)
    if user.role == "provider":
        return _consent_to(session, profile, "service", user.organisation_id)
    return False


def visible_profiles(session: Session, user: User) -> list[SkillProfile]:
    """The profiles this person works with, newest change first: their own, their MRC's
    caseload, and those shared with their MRC by a consent."""
    query = select(SkillProfile).order_by(SkillProfile.updated_at.desc())  # type: ignore[attr-defined]
    if is_admin(user):
        return list(session.exec(query).all())
    mine = (SkillProfile.owner == user.username) & SkillProfile.mrc_id.is_(None)  # type: ignore[union-attr]
    if user.role == "practitioner" and user.organisation_id is not None:
        mine = mine | (SkillProfile.mrc_id == user.organisation_id)
    own = list(session.exec(query.where(mine)).all())
    if user.role != "practitioner" or user.organisation_id is None:
        return own
    now = datetime.now(timezone.utc)
    consented_ids = {
        consent.profile_id
        for consent in session.exec(
            select(Consent).where(Consent.recipient_kind == "mrc", Consent.recipient_id == user.organisation_id)
        ).all()
        if consent.active(now)
    }
    seen = {profile.id for profile in own}
    shared = [
        profile
        for profile in session.exec(query.where(SkillProfile.id.in_(consented_ids))).all()  # type: ignore[union-attr]
        if profile.id not in seen
    ] if consented_ids else []
    return own + shared


def can_manage_vacancy(user: User | None, vacancy: Vacancy) -> bool:
    if user is None:
        return False
    if is_admin(user):
        return True
    return user.role == "employer" and user.organisation_id is not None and vacancy.employer_id == user.organisation_id


def can_post_vacancy(user: User | None) -> bool:
    return user is not None and user.role in ("employer", "admin")


def can_manage_offer(user: User | None, offer: ServiceOffer) -> bool:
    if user is None:
        return False
    if is_admin(user):
        return True
    return user.role == "provider" and user.organisation_id is not None and offer.provider_id == user.organisation_id


def can_post_offer(user: User | None) -> bool:
    return user is not None and user.role in ("provider", "admin")


def posting_organisation(session: Session, user: User | None) -> Organisation | None:
    """The organisation a vacancy or offer posted on the pages belongs to: the poster's own.

    None for an admin without one (the admin names the employer, as a trusted caller). An
    account of no organisation (removed from it) may not post: a name it typed would
    otherwise make or reach an organisation."""
    if user is not None and user.organisation_id is not None:
        organisation = session.get(Organisation, user.organisation_id)
        if organisation is not None:
            return organisation
    if is_admin(user):
        return None
    raise HeadstartError("Your account belongs to no organisation, so it cannot post. Ask your organisation for an invitation.")
