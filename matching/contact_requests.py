"""Contact requests: an employer asks an anonymous candidate for contact.

The employer writes a short message on a candidate of its pipeline; the migrant (or the
MRC holding the profile) sees it with the vacancy and the employer's verification, and
accepts, which grants the employer a consent of the length they choose, or declines.
The employer learns the answer, and only after an acceptance the identity (the consent
is what matching.access.can_see_identity reads). One open request per candidate and
vacancy (a partial unique index holds it even under concurrent requests); a request not
answered in REQUEST_DAYS expires and the candidate goes back to the shortlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.service import notify_all
from core.organisations.models import N_, Organisation
from matching.access import acts_for_migrant, can_manage_vacancy
from matching.consent_form import CONSENT_DAYS
from matching.models import SkillProfile, Vacancy, utcnow
from matching.notices import people_of, staff_of
from matching.pipeline import ContactRequest, PipelineEntry, record_move
from matching.records import consented_recipients, grant_consent

REQUEST_DAYS = 14
MAX_MESSAGE = 1_000
ASKABLE_STAGES = frozenset({"suggested", "shortlisted"})


class ContactRequestError(HeadstartError):
    """A request the rules do not allow, or an answer that cannot be given."""


def _tidy_message(message: str) -> str:
    message = (message or "").replace("\r\n", "\n").strip()
    if not message:
        raise ContactRequestError(N_("Write a short message: who you are and why you would like to talk."), field="message")
    if len(message) > MAX_MESSAGE:
        raise ContactRequestError(N_("A message may have at most 1,000 characters."), field="message")
    return message


def request_contact(engine: Engine, *, actor: User, vacancy_id: int, entry_id: int, message: str,
                    now: datetime | None = None) -> ContactRequest:  # fmt: skip
    """The employer asks; the candidate moves to "contact requested" and is told."""
    message = _tidy_message(message)
    now = now or utcnow()
    with session_scope(engine) as session:
        vacancy = session.get(Vacancy, vacancy_id)
        if vacancy is None or not can_manage_vacancy(actor, vacancy):
            raise NotFound("There is no such vacancy.", field="vacancy")
        entry = session.get(PipelineEntry, entry_id)
        if entry is None or entry.vacancy_id != vacancy_id:
            raise NotFound("There is no such candidate for this vacancy.", field="candidate")
        expire_requests(session, now=now, vacancy_id=vacancy_id)
        profile = session.get(SkillProfile, entry.profile_id)
        if profile is None or not profile.consent_to_matching or entry.stage == "withdrawn":
            raise ContactRequestError(N_("This candidate has withdrawn: they cannot be asked any more."), field="candidate")
        if vacancy.status != "open":
            raise ContactRequestError(N_("The vacancy is closed: reopen it before you ask candidates."), field="vacancy")
        if vacancy.employer_id in consented_recipients(session, [entry.profile_id]).get(entry.profile_id, set()):
            raise ContactRequestError(N_("This candidate has already shared their contact with you."), field="candidate")
        if entry.stage == "contact_requested":
            raise ContactRequestError(N_("You asked this candidate already; wait for their answer."), field="candidate")
        if entry.stage not in ASKABLE_STAGES:
            raise ContactRequestError(N_("Only a suggested or shortlisted candidate can be asked for contact."), field="candidate")
        request = ContactRequest(entry_id=entry_id, vacancy_id=vacancy_id, profile_id=entry.profile_id,
                                 employer_id=vacancy.employer_id, message=message, created_by=actor.username,
                                 created_at=now, expires_at=now + timedelta(days=REQUEST_DAYS))  # fmt: skip
        session.add(request)
        try:
            session.flush()
        except IntegrityError:
            raise ContactRequestError(N_("You asked this candidate already; wait for their answer."), field="candidate") from None
        record_move(session, entry, "contact_requested", actor)
        audit.record(session, actor, "create", "vacancy", vacancy_id, f"contact request {request.id} to candidate {entry_id}")
        notify_all(session, people_of(session, profile), kind="contact_request",
                   params={"request_id": request.id, "profile_id": profile.id, "vacancy_id": vacancy_id,
                           "vacancy": vacancy.title, "employer": vacancy.employer})  # fmt: skip
        return request


@dataclass(frozen=True)
class RequestView:
    """A request as the migrant's side sees it: no other candidate, no employer note."""

    request: ContactRequest
    vacancy: Vacancy
    employer: Organisation | None

    @property
    def verified(self) -> bool:
        return self.employer is not None and self.employer.status == "verified"


def requests_for_profile(session: Session, profile_id: int, *, now: datetime | None = None) -> list[RequestView]:
    """The profile's requests, open ones first, newest first (expired ones read as such)."""
    now = now or utcnow()
    rows = session.exec(
        select(ContactRequest, Vacancy, Organisation)
        .join(Vacancy, Vacancy.id == ContactRequest.vacancy_id)  # type: ignore[arg-type]
        .join(Organisation, Organisation.id == ContactRequest.employer_id, isouter=True)  # type: ignore[arg-type]
        .where(ContactRequest.profile_id == profile_id)
        .order_by(ContactRequest.id.desc())  # type: ignore[union-attr]
    ).all()
    views = []
    for request, vacancy, employer in rows:
        if request.expired(now):
            request = request.model_copy(update={"status": "expired"})
        views.append(RequestView(request, vacancy, employer))
    views.sort(key=lambda v: v.request.status != "open")
    return views


def open_request_of_entry(session: Session, entry_id: int) -> ContactRequest | None:
    return session.exec(select(ContactRequest).where(ContactRequest.entry_id == entry_id, ContactRequest.status == "open")).first()


def answer_request(engine: Engine, *, actor: User, request_id: int, accept: bool, days: int | None = None,
                   now: datetime | None = None) -> ContactRequest:  # fmt: skip
    """The migrant (or the MRC holding the profile) accepts, for `days` days, or declines.

    Accepting grants the employer a consent and moves the candidate to "in contact";
    declining moves them to "withdrawn" and reveals nothing. The employer's staff are told."""
    now = now or utcnow()
    if accept and days not in CONSENT_DAYS:
        raise ContactRequestError(N_("Choose for how long the employer may see your profile."), field="days")
    with session_scope(engine) as session:
        request = session.get(ContactRequest, request_id)
        profile = session.get(SkillProfile, request.profile_id) if request is not None else None
        if request is None or profile is None or not acts_for_migrant(actor, profile):
            raise NotFound("There is no such contact request.", field="request")
        if request.expired(now):
            _expire(session, request, now)
            raise ContactRequestError(N_("This request has expired; the employer may ask again."), field="request")
        if request.status != "open":
            raise ContactRequestError(N_("This request has been answered already."), field="request")
        entry = session.get(PipelineEntry, request.entry_id)
        request.status, request.answered_at = ("accepted" if accept else "declined"), now
        vacancy = session.get(Vacancy, request.vacancy_id)
        if accept:
            request.consent_days = days
            grant_consent(session=session, profile_id=profile.id or 0, recipient_kind="employer",
                          recipient_id=request.employer_id, days=days or CONSENT_DAYS[0])  # fmt: skip
            audit.record(session, actor, "consent_grant", "profile", profile.id, f"employer: {vacancy.employer if vacancy else ''}, {days} days, contact request {request.id}")
        else:
            audit.record(session, actor, "update", "profile", profile.id, f"declined contact request {request.id}")
        session.add(request)
        if entry is not None and entry.stage == "contact_requested":
            record_move(session, entry, "in_contact" if accept else "withdrawn", actor)
        notify_all(session, staff_of(session, request.employer_id), kind="contact_answer",
                   params={"request_id": request.id, "vacancy_id": request.vacancy_id, "entry_id": request.entry_id,
                           "vacancy": vacancy.title if vacancy else "", "answer": request.status})  # fmt: skip
        return request


def _expire(session: Session, request: ContactRequest, now: datetime) -> None:
    request.status, request.answered_at = "expired", now
    session.add(request)
    entry = session.get(PipelineEntry, request.entry_id)
    if entry is not None and entry.stage == "contact_requested":
        record_move(session, entry, "shortlisted", "system")
    vacancy = session.get(Vacancy, request.vacancy_id)
    notify_all(session, staff_of(session, request.employer_id), kind="contact_answer",
               params={"request_id": request.id, "vacancy_id": request.vacancy_id, "entry_id": request.entry_id,
                       "vacancy": vacancy.title if vacancy else "", "answer": "expired"})  # fmt: skip


def expire_requests(session: Session, *, now: datetime | None = None, vacancy_id: int | None = None) -> int:
    """Expire the open requests past their date (the worker runs it; pages run it for
    their vacancy so nobody waits on the worker); how many."""
    now = now or utcnow()
    statement = select(ContactRequest).where(ContactRequest.status == "open", ContactRequest.expires_at <= now)
    if vacancy_id is not None:
        statement = statement.where(ContactRequest.vacancy_id == vacancy_id)
    due = list(session.exec(statement))
    for request in due:
        _expire(session, request, now)
    return len(due)


def expire_due(engine: Engine, *, now: datetime | None = None, vacancy_id: int | None = None) -> int:
    with session_scope(engine) as session:
        return expire_requests(session, now=now, vacancy_id=vacancy_id)

