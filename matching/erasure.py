"""A person's data: exporting all of it, and erasing one profile or a whole account.

Export and erasure sit side by side because they must cover the same records: a table
that holds personal data belongs in both.

What a profile leaves behind, and where it goes:

- the profile row, its consents (profile_consent) and case notes (case_note);
- the cached text vector of the profile (embedding_cache, keyed by a hash of the text
  matching.texts.profile_text builds): a vector of a person's own words is personal
  data too. The row goes unless another profile has exactly the same text (the cache is
  shared by text);
- audit events about the profile (core.accounts.audit): the log must not keep what the person asked
  to be forgotten. One event says that a profile was deleted or an account erased, with
  counts and without the person's name or the profile's id;
- cached matches: none exist. Matches are computed per request (matching/matches.py); the
  only per-process caches (Runtime.caches) hold vacancies, ESCO label words and the
  library vocabulary, never a profile. Each entry says when it is stored whether it may
  hold personal data (the default), and the use cases below drop those after the
  commit, so a per-profile cache added later is cleared too;
- search indexes: profiles are not indexed (the indexes hold the library, ESCO
  occupations and ESCO skills only), so there is nothing to remove there.

An account adds: the user row, every profile it owns, the suggestion choices it made
(suggestion_choice.decided_by), its failed sign-ins (login_failure), and its name on
events and notes about other people's records (blanked: those records are not its own).
Its messages in partnership threads between organisations stay for the two organisations,
signed "(deleted account)" instead of its name; the export lists them.
Vacancies and service offers belong to the employer's or provider's organisation and stay.

Domain code: no Flask. The caller passes its session; everything happens in that one
transaction, the audit event included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, select

from core.accounts.audit import AuditEvent, events_about, record
from core.accounts.login_sessions import close_all_sessions, sessions_of
from core.accounts.users import LoginFailure, User, find_user
from core.db import session_scope
from core.errors import NotFound
from core.mail.models import OutboxMessage
from core.notifications.models import Notification, NotificationPreference
from core.organisations.models import Invitation, Organisation
from core.organisations.partnerships import (
    DELETED_AUTHOR,
    Partnership,
    PartnershipMessage,
)
from core.runtime import Runtime
from matching.alerts import AlertHit, JobAlert, SavedSearch
from matching.case_notes import CaseNote
from matching.identity import MigrantIdentity, identities_of
from matching.models import (
    Consent,
    ServiceOffer,
    SkillProfile,
    SuggestionChoice,
    Vacancy,
)
from matching.pipeline import ContactRequest, PipelineEntry, PipelineMove, processes_of
from matching.referral_models import Referral, ReferralEvent
from matching.referrals import events_of
from matching.takeover import ProfileTakeover
from matching.texts import drop_cached_vectors, profile_texts


@dataclass
class ErasureReport:
    account: bool = False
    profiles: int = 0
    consents: int = 0
    case_notes: int = 0
    suggestion_choices: int = 0
    login_failures: int = 0
    sign_in_sessions: int = 0
    cached_vectors: int = 0
    audit_events: int = 0

    def summary(self) -> str:
        parts = [
            ("profiles", self.profiles),
            ("consents", self.consents),
            ("case notes", self.case_notes),
            ("suggestion choices", self.suggestion_choices),
            ("failed sign-ins", self.login_failures),
            ("sign-in sessions", self.sign_in_sessions),
            ("cached vectors", self.cached_vectors),
            ("audit events", self.audit_events),
        ]
        return ", ".join(f"{name}: {count}" for name, count in parts)


# ---------------------------------------------------------------------------- export

EXPORT_FORMAT = "headstart-personal-data/1"
ORGANISATION_NOTE = (
    "Vacancies and service offers belong to your organisation, not to you as a person: "
    "they are listed here because your account manages them, and they stay when your account goes."
)


def _dump(row, *, exclude: set[str] | None = None) -> dict[str, Any]:
    return row.model_dump(mode="json", exclude=exclude or set())


def _rows(session: Session, table, user_id: int | None) -> list:
    return list(session.exec(select(table).where(table.user_id == user_id).order_by(table.id)).all())


def export_personal_data(session: Session, *, username: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything stored about an account, as JSON-ready data (no password hash)."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"No account {username!r}.", field="username")
    profiles = list(session.exec(select(SkillProfile).where(*_own_profiles(user.username)).order_by(SkillProfile.id)).all())  # type: ignore[arg-type]
    profile_ids = [p.id for p in profiles if p.id is not None]
    consents: dict[int, list[dict]] = {}
    notes: dict[int, list[dict]] = {}
    if profile_ids:
        for consent in session.exec(select(Consent).where(Consent.profile_id.in_(profile_ids)).order_by(Consent.id)).all():  # type: ignore[attr-defined,arg-type]
            consents.setdefault(consent.profile_id, []).append(_dump(consent))
        for note in session.exec(select(CaseNote).where(CaseNote.profile_id.in_(profile_ids)).order_by(CaseNote.id)).all():  # type: ignore[attr-defined,arg-type]
            notes.setdefault(note.profile_id, []).append(_dump(note))
    identities = identities_of(session, profile_ids)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": (now or datetime.now(timezone.utc)).isoformat(),
        "account": _dump(user, exclude={"password_hash"}),
        "profiles": [
            {**_dump(p), "consents": consents.get(p.id or 0, []), "case_notes": notes.get(p.id or 0, []),
             "name_and_contact": _dump(identities[p.id or 0], exclude={"profile_id"}) if (p.id or 0) in identities else None,
             "hiring_processes": [{"vacancy_id": item.vacancy_id, "vacancy": item.title, "employer": item.employer,
                                   "stage": item.stage, "since": item.since.isoformat()} for item in processes_of(session, p.id or 0)]}
            for p in profiles
        ],
        "suggestion_choices": [
            _dump(c) for c in session.exec(
                select(SuggestionChoice).where(SuggestionChoice.decided_by == user.username).order_by(SuggestionChoice.id)  # type: ignore[arg-type]
            ).all()
        ],
        # Notes this person wrote on other people's profiles: when and where, not the text,
        # which is about the other person.
        "case_notes_written": [
            {"id": n.id, "profile_id": n.profile_id, "kind": n.kind, "created_at": n.created_at.isoformat()}
            for n in session.exec(select(CaseNote).where(CaseNote.author == user.username).order_by(CaseNote.id)).all()  # type: ignore[arg-type]
            if n.profile_id not in profile_ids
        ],
        # When someone failed to sign in as this account (not from where: that would be
        # someone else's address).
        "failed_sign_ins": [
            f.at.isoformat()
            for f in session.exec(select(LoginFailure).where(LoginFailure.username == user.username).order_by(LoginFailure.at)).all()  # type: ignore[arg-type]
        ],
        # Where this account is signed in (the address and browser each session started from).
        "sign_in_sessions": [
            _dump(row, exclude={"id", "token_hash", "user_id"}) for row in sessions_of(session=session, user_id=user.id or 0)
        ],
        "audit_events": [_dump(e) for e in events_about(session, username=user.username, profile_ids=profile_ids)],
        "notifications": [_dump(n, exclude={"user_id"}) for n in _rows(session, Notification, user.id)],
        "notification_choices": {p.kind: p.channel for p in _rows(session, NotificationPreference, user.id)},
        "saved_searches": [_dump(s, exclude={"user_id"}) for s in _rows(session, SavedSearch, user.id)],
        "job_alerts": [_dump(a, exclude={"user_id"}) for a in _rows(session, JobAlert, user.id)],
        # What this person wrote to other organisations in partnership threads: their own words.
        "partnership_messages_written": [_dump(m, exclude={"author"}) for m in session.exec(
            select(PartnershipMessage).where(PartnershipMessage.author == user.username).order_by(PartnershipMessage.id)  # type: ignore[arg-type]
        ).all()],
        # Referrals of the person's profiles, with their history (who moved them is staff, left out).
        "referrals": [{**_dump(r, exclude={"created_by"}), "history": [_dump(e, exclude={"by", "referral_id"}) for e in events_of(session, r.id or 0)]}
                      for r in session.exec(select(Referral).where(Referral.profile_id.in_(profile_ids or [-1])).order_by(Referral.id))],  # type: ignore[attr-defined,arg-type]  # fmt: skip
        "contact_requests": [_dump(r, exclude={"created_by"}) for r in session.exec(
            select(ContactRequest).where(ContactRequest.profile_id.in_(profile_ids or [-1])).order_by(ContactRequest.id)  # type: ignore[attr-defined,arg-type]
        ).all()],
    }
    if user.role in ("employer", "provider") and user.organisation_id is not None:
        records: dict[str, Any] = {"organisation": user.organisation, "note": ORGANISATION_NOTE}
        if user.role == "employer":
            records["vacancies"] = [
                _dump(v, exclude={"fingerprint"})
                for v in session.exec(select(Vacancy).where(Vacancy.employer_id == user.organisation_id).order_by(Vacancy.id)).all()  # type: ignore[arg-type]
            ]
        else:
            records["service_offers"] = [
                _dump(o)
                for o in session.exec(select(ServiceOffer).where(ServiceOffer.provider_id == user.organisation_id).order_by(ServiceOffer.id)).all()  # type: ignore[arg-type]
            ]
        data["organisation_records"] = records
    return data


# ---------------------------------------------------------------------------- profiles


def _own_profiles(username: str) -> tuple:
    """The profiles an account owns: not those its practitioner opened for an MRC, which
    are the centre's caseload and stay when the practitioner's account goes."""
    return (SkillProfile.owner == username, SkillProfile.mrc_id.is_(None))  # type: ignore[union-attr]


def _erase_profiles(session: Session, profiles: Sequence[SkillProfile], report: ErasureReport) -> None:
    ids = [profile.id for profile in profiles if profile.id is not None]
    if not ids:
        return
    texts = profile_texts(session, profiles)
    report.case_notes += session.execute(delete(CaseNote).where(CaseNote.profile_id.in_(ids))).rowcount or 0  # type: ignore[attr-defined]
    report.consents += session.execute(delete(Consent).where(Consent.profile_id.in_(ids))).rowcount or 0  # type: ignore[attr-defined]
    session.execute(delete(MigrantIdentity).where(MigrantIdentity.profile_id.in_(ids)))  # type: ignore[attr-defined]
    session.execute(delete(ProfileTakeover).where(ProfileTakeover.profile_id.in_(ids)))  # type: ignore[attr-defined]
    entries = select(PipelineEntry.id).where(PipelineEntry.profile_id.in_(ids))  # type: ignore[attr-defined]
    session.execute(delete(ContactRequest).where(ContactRequest.profile_id.in_(ids)))  # type: ignore[attr-defined]
    referrals = select(Referral.id).where(Referral.profile_id.in_(ids))  # type: ignore[attr-defined]
    session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id.in_(referrals)))  # type: ignore[attr-defined]
    session.execute(delete(Referral).where(Referral.profile_id.in_(ids)))  # type: ignore[attr-defined]
    session.execute(delete(AlertHit).where(AlertHit.profile_id.in_(ids)))  # type: ignore[union-attr]
    session.execute(delete(JobAlert).where(JobAlert.profile_id.in_(ids)))  # type: ignore[attr-defined]
    session.execute(delete(PipelineMove).where(PipelineMove.entry_id.in_(entries)))  # type: ignore[attr-defined]
    session.execute(delete(PipelineEntry).where(PipelineEntry.profile_id.in_(ids)))  # type: ignore[attr-defined]
    report.audit_events += session.execute(
        delete(AuditEvent).where(
            AuditEvent.object_type == "profile", AuditEvent.object_id.in_([str(pid) for pid in ids])  # type: ignore[union-attr]
        )
    ).rowcount or 0
    for profile in profiles:
        session.delete(profile)
    report.profiles += len(ids)
    session.flush()
    report.cached_vectors += drop_cached_vectors(session, texts.values(), keep_profile_ids=ids)


def erase_profile(
    *, session: Session, profile_id: int, actor: User | str | None, role: str = ""
) -> ErasureReport:
    """Delete one profile and everything derived from it (see the module docstring)."""
    profile = session.get(SkillProfile, profile_id)
    if profile is None:
        raise NotFound(f"No profile with id {profile_id}.", field="id")
    report = ErasureReport()
    _erase_profiles(session, [profile], report)
    record(session, actor, "delete", "profile", None, report.summary(), role=role)
    return report


# ---------------------------------------------------------------------------- accounts


def erase_account(*, session: Session, username: str, actor: User | str | None = None, role: str = "") -> ErasureReport:
    """Delete an account and everything stored about it (see the module docstring).

    Every profile the account owns goes: meant for migrants and the other self-service
    accounts; a practitioner's own profiles are ones made for migrants, so the web pages
    do not offer this to practitioners. `actor`: who erases (None: the person themself,
    who is not named in the event that remains).
    """
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"No account {username!r}.", field="username")
    name, user_role = user.username, user.role
    report = ErasureReport(account=True)
    profiles = list(session.exec(select(SkillProfile).where(*_own_profiles(name))).all())
    own_ids = [str(p.id) for p in profiles]
    _erase_profiles(session, profiles, report)
    report.suggestion_choices = session.execute(
        delete(SuggestionChoice).where(SuggestionChoice.decided_by == name)  # type: ignore[arg-type]
    ).rowcount or 0
    report.login_failures = session.execute(delete(LoginFailure).where(LoginFailure.username == name)).rowcount or 0  # type: ignore[arg-type]
    report.sign_in_sessions = close_all_sessions(session=session, user_id=user.id or 0)
    # Events about the account (or its profiles, ids gone above) go; where it acted on
    # other people's records, the record of that stays and only its name is blanked.
    about_account = and_(AuditEvent.object_type == "account", AuditEvent.object_id == name)
    about_profiles = and_(AuditEvent.object_type == "profile", AuditEvent.object_id.in_(own_ids or ["-"]))  # type: ignore[union-attr]
    report.audit_events += session.execute(
        delete(AuditEvent).where(or_(about_account, about_profiles, and_(AuditEvent.actor == name, AuditEvent.object_id.is_(None))))  # type: ignore[union-attr]
    ).rowcount or 0
    session.execute(update(AuditEvent).where(AuditEvent.actor == name).values(actor=""))  # type: ignore[arg-type]
    session.execute(update(CaseNote).where(CaseNote.author == name).values(author=""))  # type: ignore[arg-type]
    session.execute(update(Organisation).where(Organisation.status_by == name).values(status_by=""))  # type: ignore[arg-type]
    session.execute(update(Invitation).where(Invitation.created_by == name).values(created_by=""))  # type: ignore[arg-type]
    session.execute(update(Invitation).where(Invitation.used_by == name).values(used_by=""))  # type: ignore[arg-type]
    session.execute(update(ContactRequest).where(ContactRequest.created_by == name).values(created_by=""))  # type: ignore[arg-type]
    session.execute(update(PipelineMove).where(PipelineMove.by == name).values(by=""))  # type: ignore[arg-type]
    session.execute(update(Referral).where(Referral.created_by == name).values(created_by=""))  # type: ignore[arg-type]
    session.execute(update(ReferralEvent).where(ReferralEvent.by == name).values(by=""))  # type: ignore[arg-type]
    # A partnership thread is both organisations' record: the messages stay, unsigned.
    session.execute(update(PartnershipMessage).where(PartnershipMessage.author == name).values(author=DELETED_AUTHOR))  # type: ignore[arg-type]
    session.execute(update(Partnership).where(Partnership.answered_by == name).values(answered_by=""))  # type: ignore[arg-type]
    # What the account was told, its choices and searches, and mail still addressed to it.
    for table in (AlertHit, SavedSearch, Notification, NotificationPreference):
        session.execute(delete(table).where(table.user_id == user.id))  # type: ignore[attr-defined]
    if user.email:
        session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == user.email))  # type: ignore[arg-type]
    session.delete(user)
    session.flush()
    if actor is None or (isinstance(actor, str) and actor == name) or (isinstance(actor, User) and actor.username == name):
        record(session, "", "erase", "account", None, report.summary(), role=user_role)
    else:
        record(session, actor, "erase", "account", None, report.summary(), role=role)
    return report


# ---------------------------------------------------------------------------- use cases


def erase_profile_everywhere(runtime: Runtime, *, profile_id: int, actor: User | str | None, role: str = "") -> ErasureReport:
    """Erase a profile in its own transaction, then drop every per-process cache entry
    that may hold personal data (core/process_cache.py): what the pages, the API and the
    CLI call."""
    with session_scope(runtime.engine) as session:
        report = erase_profile(session=session, profile_id=profile_id, actor=actor, role=role)
    runtime.caches.forget_personal_data()
    return report


def erase_account_everywhere(
    runtime: Runtime,
    *,
    username: str,
    actor: User | str | None = None,
    role: str = "",
    confirm: Callable[[Session], None] | None = None,
) -> ErasureReport:
    """Erase an account in its own transaction, then the personal entries of the caches.

    `confirm` runs first in the same transaction (the account page re-checks the
    password there): an error it raises leaves everything as it was.
    """
    with session_scope(runtime.engine) as session:
        if confirm is not None:
            confirm(session)
        report = erase_account(session=session, username=username, actor=actor, role=role)
    runtime.caches.forget_personal_data()
    return report
