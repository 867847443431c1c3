"""The employer's candidate pipeline: where each candidate of a vacancy stands, from the
match to the hire, with every move recorded (who, when) and a private note per candidate.

A candidate enters the pipeline at "suggested" when the candidates page first hands
them to the employer (matching.candidates.review_candidates), so that the page refers to
a candidate by the pipeline entry's id, which is per vacancy, and never by the profile's
id, which would let an employer link an anonymous candidate across its vacancies.

Moves follow MOVES; "in contact" and the stages after it need the migrant's consent to
this employer (an employer cannot be in contact with someone it cannot name); "contact
requested" is reserved for the contact requests (not yet built, see the README), and
"withdrawn" is the migrant's own move. The migrant sees their stage in each process,
never the employer's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Index, Text, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, func, select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.service import notify_all
from core.organisations.models import N_, Organisation
from matching.access import acts_for_migrant, can_manage_vacancy
from matching.models import SkillProfile, Vacancy, utcnow
from matching.notices import people_of
from matching.records import consented_recipients

STAGES: tuple[str, ...] = (
    "suggested", "shortlisted", "contact_requested", "in_contact", "interview", "offer", "hired", "not_selected", "withdrawn",
)  # fmt: skip
CLOSED_STAGES = frozenset({"hired", "not_selected", "withdrawn"})
NEEDS_CONSENT = frozenset({"in_contact", "interview", "offer", "hired"})
# The employer's moves from each stage.
MOVES: dict[str, tuple[str, ...]] = {
    "suggested": ("shortlisted", "in_contact", "not_selected"),
    "shortlisted": ("in_contact", "not_selected", "suggested"),
    "contact_requested": (),  # the request's answer or expiry moves on
    "in_contact": ("interview", "offer", "not_selected"),
    "interview": ("offer", "not_selected"),
    "offer": ("hired", "not_selected"),
    "not_selected": ("shortlisted",),
    "hired": (),
    "withdrawn": (),
}
MAX_NOTE = 2_000
# The moves the migrant's side is told of (the shortlist is seen on the profile page).
TOLD_STAGES = frozenset({"in_contact", "interview", "offer", "hired", "not_selected"})


class PipelineEntry(SQLModel, table=True):
    __tablename__ = "pipeline_entry"
    __table_args__ = (Index("uq_pipeline_entry_vacancy_profile", "vacancy_id", "profile_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    vacancy_id: int = Field(foreign_key="vacancy.id", index=True, ondelete="CASCADE")
    profile_id: int = Field(foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    stage: str = Field(default="suggested", max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the employer's, private
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=200)


class PipelineMove(SQLModel, table=True):
    __tablename__ = "pipeline_move"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="pipeline_entry.id", index=True, ondelete="CASCADE")
    from_stage: str = Field(max_length=20)
    to_stage: str = Field(max_length=20)
    by: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)


class ContactRequest(SQLModel, table=True):
    """An employer's request to contact a candidate (the service: matching/contact_requests.py)."""

    __tablename__ = "contact_request"
    __table_args__ = (
        Index("uq_contact_request_open", "vacancy_id", "profile_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="pipeline_entry.id", index=True, ondelete="CASCADE")
    vacancy_id: int = Field(foreign_key="vacancy.id", ondelete="CASCADE")
    profile_id: int = Field(foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    employer_id: int | None = Field(default=None, foreign_key="organisation.id")
    message: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=10)  # open | accepted | declined | expired
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    answered_at: datetime | None = None
    consent_days: int | None = None

    def expired(self, now: datetime) -> bool:
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=now.tzinfo)
        return self.status == "open" and expires <= now


class PipelineError(HeadstartError):
    """A move the rules do not allow, or a candidate that is not in this pipeline."""


def enter_candidates(session: Session, vacancy_id: int, profile_ids: list[int]) -> dict[int, PipelineEntry]:
    """The entries of these candidates, made at "suggested" where missing (in the caller's
    transaction; two hand-overs at once make one entry each)."""
    if profile_ids:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        now = utcnow()
        rows = [{"vacancy_id": vacancy_id, "profile_id": pid, "stage": "suggested", "note": "", "created_at": now,
                 "updated_at": now, "updated_by": ""} for pid in profile_ids]  # fmt: skip
        session.execute(dialect.insert(PipelineEntry).values(rows).on_conflict_do_nothing())
    found = session.exec(
        select(PipelineEntry).where(PipelineEntry.vacancy_id == vacancy_id, PipelineEntry.profile_id.in_(profile_ids))  # type: ignore[attr-defined]
    ).all()
    return {entry.profile_id: entry for entry in found}


def stage_counts(session: Session, vacancy_id: int) -> dict[str, int]:
    rows = session.exec(
        select(PipelineEntry.stage, func.count()).where(PipelineEntry.vacancy_id == vacancy_id).group_by(PipelineEntry.stage)
    ).all()
    counts = dict(rows)
    return {stage: counts.get(stage, 0) for stage in STAGES}


def _managed_vacancy(session: Session, actor: User, vacancy_id: int) -> Vacancy:
    """The vacancy, if the actor manages it; else NotFound (nobody learns it exists)."""
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None or not can_manage_vacancy(actor, vacancy):
        raise NotFound("There is no such vacancy.", field="vacancy")
    return vacancy


def _entry(session: Session, vacancy_id: int, entry_id: int) -> PipelineEntry:
    entry = session.get(PipelineEntry, entry_id)
    if entry is None or entry.vacancy_id != vacancy_id:
        raise NotFound("There is no such candidate for this vacancy.", field="candidate")
    return entry


def record_move(session: Session, entry: PipelineEntry, to_stage: str, actor: User | str) -> None:
    """Move the entry and keep the move (who: an account, or "system" for an expiry)."""
    by = actor if isinstance(actor, str) else actor.username
    session.add(PipelineMove(entry_id=entry.id or 0, from_stage=entry.stage, to_stage=to_stage, by=by))
    entry.stage, entry.updated_at, entry.updated_by = to_stage, utcnow(), by
    session.add(entry)


@dataclass(frozen=True)
class MoveResult:
    stage: str
    offer_to_close: bool  # a hire on a vacancy still open: ask whether it is filled


def move_candidate(engine: Engine, *, actor: User, vacancy_id: int, entry_id: int, to_stage: str) -> MoveResult:
    """The employer moves a candidate, by the rules above; audited on the vacancy."""
    with session_scope(engine) as session:
        vacancy = _managed_vacancy(session, actor, vacancy_id)
        entry = _entry(session, vacancy_id, entry_id)
        if to_stage not in MOVES.get(entry.stage, ()):
            raise PipelineError(N_("This candidate cannot be moved to that stage from where they are."), field="stage")
        if to_stage in NEEDS_CONSENT and vacancy.employer_id not in consented_recipients(session, [entry.profile_id]).get(entry.profile_id, set()):
            raise PipelineError(
                N_("The candidate has not agreed to show you their profile: you cannot be in contact yet."), field="stage"
            )
        before = entry.stage
        record_move(session, entry, to_stage, actor)
        audit.record(session, actor, "update", "vacancy", vacancy_id, f"candidate {entry_id}: {before} -> {to_stage}")
        profile = session.get(SkillProfile, entry.profile_id)
        if to_stage in TOLD_STAGES and profile is not None:
            notify_all(session, people_of(session, profile), kind="pipeline_move",
                       params={"profile_id": profile.id, "vacancy_id": vacancy_id, "vacancy": vacancy.title,
                               "employer": vacancy.employer, "stage": to_stage})  # fmt: skip
        return MoveResult(to_stage, to_stage == "hired" and vacancy.status == "open")


def save_note(engine: Engine, *, actor: User, vacancy_id: int, entry_id: int, note: str) -> None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise PipelineError(N_("A note may have at most 2,000 characters."), field="note")
    with session_scope(engine) as session:
        _managed_vacancy(session, actor, vacancy_id)
        entry = _entry(session, vacancy_id, entry_id)
        entry.note = note
        session.add(entry)
        audit.record(session, actor, "update", "vacancy", vacancy_id, f"candidate {entry_id}: note saved")


@dataclass(frozen=True)
class Process:
    """One hiring process as the migrant sees it: no note, no other candidate."""

    vacancy_id: int
    title: str
    employer: str
    stage: str
    since: datetime
    open: bool


def processes_of(session: Session, profile_id: int) -> list[Process]:
    """The processes an employer moved this profile in (not those where it was only suggested)."""
    rows = session.exec(
        select(PipelineEntry, Vacancy, Organisation)
        .join(Vacancy, Vacancy.id == PipelineEntry.vacancy_id)  # type: ignore[arg-type]
        .join(Organisation, Organisation.id == Vacancy.employer_id, isouter=True)  # type: ignore[arg-type]
        .where(PipelineEntry.profile_id == profile_id, PipelineEntry.stage != "suggested")
        .order_by(PipelineEntry.updated_at.desc())  # type: ignore[attr-defined]
    ).all()
    return [
        Process(vacancy.id or 0, vacancy.title, organisation.name if organisation else vacancy.employer, entry.stage,
                entry.updated_at, entry.stage not in CLOSED_STAGES)  # fmt: skip
        for entry, vacancy, organisation in rows
    ]


def withdraw_from(engine: Engine, *, actor: User, profile_id: int, vacancy_id: int) -> None:
    """The migrant (or whoever acts for them) leaves a process; the employer sees it at once."""
    with session_scope(engine) as session:
        profile = session.get(SkillProfile, profile_id)
        if profile is None or not acts_for_migrant(actor, profile):
            raise NotFound("There is no such profile.", field="profile")
        entry = session.exec(
            select(PipelineEntry).where(PipelineEntry.profile_id == profile_id, PipelineEntry.vacancy_id == vacancy_id)
        ).first()
        if entry is None or entry.stage == "suggested":
            raise NotFound("There is no such process.", field="vacancy")
        if entry.stage in CLOSED_STAGES:
            raise PipelineError(N_("This process has ended already."), field="vacancy")
        record_move(session, entry, "withdrawn", actor)
        session.execute(
            update(ContactRequest)
            .where(ContactRequest.entry_id == entry.id, ContactRequest.status == "open")  # type: ignore[arg-type]
            .values(status="declined", answered_at=utcnow())
        )
        audit.record(session, actor, "update", "profile", profile_id, f"withdrew from vacancy {vacancy_id}")
