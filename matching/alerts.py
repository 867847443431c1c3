"""Job alerts: a migrant is told once of a new vacancy that matches an alerting profile
above its threshold, or that a saved vacancy search lists.

Incremental by construction: a scan takes the vacancies opened or changed since the last
scan (a watermark) and scores only those against the alerting profiles, never every
vacancy against every profile. The scoring is the matcher's own (`explain`, the score
the migrant's matches page shows); as for an employer's candidates, SQL leaves out the
profiles a hard constraint excludes, vectors come from the cache, and a profile is
explained only where the bound of its score (matching.candidates.score_bounds) reaches
its threshold. A hit is kept once per person and vacancy (a unique index), so a vacancy
changed, closed and reopened, or found by a profile and a search both, is told once.
Those who chose the daily digest get their hits together, at most once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Column, Index
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, func, select

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.models import Notification
from core.notifications.service import notify
from core.organisations.models import N_
from core.runtime import Runtime
from matching.access import acts_for_migrant
from matching.candidate_prefilter import candidate_prefilter
from matching.candidates import score_bounds, screening_view
from matching.listing import listed
from matching.marketplace import VacancyFilters, vacancies_fitting
from matching.matcher import explain, hard_exclusions
from matching.matcher_input import profile_view, vacancy_view
from matching.models import SkillProfile, Vacancy, utcnow
from matching.taxonomy import load_taxonomy
from matching.texts import (
    concept_uris,
    encode_texts,
    profile_concepts,
    profile_text,
    vacancy_text,
)

# The thresholds a person chooses from (the matcher's score, 0 to 1).
THRESHOLDS: dict[str, float] = {"broad": 0.4, "good": 0.55, "close": 0.7}
DEFAULT_THRESHOLD = "good"
DIGEST_EVERY = timedelta(days=1)
DIGEST_MAX_LISTED = 20
MAX_SAVED_SEARCHES = 20
# A scan reads vacancies changed since the last one, less this overlap: a transaction that
# committed late with an earlier timestamp is still seen (hits are unique, so twice is harmless).
OVERLAP = timedelta(minutes=5)
_CHUNK = 500
# Up to this many vacancies in a scan are scored one by one, each with its SQL prefilter.
PER_VACANCY_UP_TO = 8


class JobAlert(SQLModel, table=True):
    """A profile's alert: who is told (the account that turned it on), from which score, how often."""

    __tablename__ = "job_alert"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="skill_profile.id", unique=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    threshold: float = 0.55
    daily: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class SavedSearch(SQLModel, table=True):
    __tablename__ = "saved_search"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    filters: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    daily: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    def vacancy_filters(self) -> VacancyFilters:
        return VacancyFilters.from_args(self.filters)


class AlertHit(SQLModel, table=True):
    """A vacancy a person was (or, in a digest, will be) told of: once per person and vacancy."""

    __tablename__ = "alert_hit"
    __table_args__ = (Index("uq_alert_hit_user_vacancy", "user_id", "vacancy_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    vacancy_id: int = Field(foreign_key="vacancy.id", ondelete="CASCADE")
    profile_id: int | None = Field(default=None, foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    saved_search_id: int | None = Field(default=None, foreign_key="saved_search.id", ondelete="CASCADE")
    score: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    notified_at: datetime | None = Field(default=None, index=True)  # None: waiting for the digest


class AlertScan(SQLModel, table=True):
    """The watermark: vacancies changed up to here were scanned."""

    __tablename__ = "alert_scan"

    id: int | None = Field(default=None, primary_key=True)
    scanned_until: datetime


class AlertError(HeadstartError):
    pass


# ---------------------------------------------------------------------------- settings


def alert_of(session: Session, profile_id: int) -> JobAlert | None:
    return session.exec(select(JobAlert).where(JobAlert.profile_id == profile_id)).first()


def set_alert(engine: Engine, *, actor: User, profile_id: int, on: bool, threshold: str = DEFAULT_THRESHOLD,
              daily: bool = False) -> JobAlert | None:  # fmt: skip
    """Turn a profile's alert on (told from now on) or off; whoever acts for the migrant."""
    if on and threshold not in THRESHOLDS:
        raise AlertError(N_("Choose how close a vacancy must match."), field="threshold")
    with session_scope(engine) as session:
        profile = session.get(SkillProfile, profile_id)
        if profile is None or not acts_for_migrant(actor, profile):
            raise NotFound("There is no such profile.", field="profile")
        if on and not profile.consent_to_matching:
            raise AlertError(N_("Alerts need the profile to be open to matching: allow matching first."), field="alert")
        alert = alert_of(session, profile_id)
        if not on:
            if alert is not None:
                session.delete(alert)
                audit.record(session, actor, "update", "profile", profile_id, "job alert off")
            return None
        alert = alert or JobAlert(profile_id=profile_id, user_id=actor.id or 0)
        alert.user_id, alert.threshold, alert.daily = actor.id or 0, THRESHOLDS[threshold], daily
        session.add(alert)
        audit.record(session, actor, "update", "profile", profile_id, f"job alert on ({threshold}{', daily' if daily else ''})")
        session.flush()
        return alert


def threshold_name(value: float) -> str:
    return min(THRESHOLDS, key=lambda name: abs(THRESHOLDS[name] - value))


def saved_searches(session: Session, user_id: int) -> list[SavedSearch]:
    return list(session.exec(select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)))  # type: ignore[arg-type]


def save_search(engine: Engine, *, user: User, filters: VacancyFilters, daily: bool = False) -> SavedSearch:
    """Keep a vacancy search (its filters, not its page) to be told of new vacancies it lists."""
    if user.role != "migrant":
        raise AlertError(N_("Saved searches are for migrant accounts."), field="search")
    args = {k: v for k, v in filters.query_args().items() if k != "page"}
    if not args:
        raise AlertError(N_("Choose at least one filter or word before you save a search."), field="search")
    with session_scope(engine) as session:
        mine = saved_searches(session, user.id or 0)
        if any(s.filters == args for s in mine):
            raise AlertError(N_("You saved this search already."), field="search")
        if len(mine) >= MAX_SAVED_SEARCHES:
            raise AlertError(N_("You can keep at most 20 searches: delete one first."), field="search")
        search = SavedSearch(user_id=user.id or 0, filters=args, daily=daily)
        session.add(search)
        session.flush()
        return search


def delete_search(engine: Engine, *, user: User, search_id: int) -> None:
    with session_scope(engine) as session:
        search = session.get(SavedSearch, search_id)
        if search is None or search.user_id != user.id:
            raise NotFound("There is no such saved search.", field="search")
        session.delete(search)


# ---------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class Hit:
    user_id: int
    vacancy_id: int
    profile_id: int | None
    saved_search_id: int | None
    score: float | None
    daily: bool


@dataclass(frozen=True)
class ScanReport:
    vacancies: int  # scanned
    profiles_read: int  # alerting profiles the SQL prefilter left
    explained: int  # (profile, vacancy) pairs explain() scored
    hits: int  # new hits kept (told now or in a digest)
    told: int  # notifications made now


def _profile_hits(runtime: Runtime, session: Session, vacancies: list[Vacancy], today: date) -> tuple[list[Hit], int, int]:
    """Alerting profiles whose score for one of these vacancies reaches their threshold.

    A few vacancies are scanned one by one, each with the SQL prefilter of its hard
    constraints (usually most profiles wish to go elsewhere); many (a feed's import) in
    one pass over every alerting profile, each profile scored for all of them."""
    if len(vacancies) <= PER_VACANCY_UP_TO:
        hits, read, explained = [], 0, 0
        for vacancy in vacancies:
            found, rows, scored = _hits_of(runtime, session, [vacancy], today, prefilter=True)
            hits, read, explained = hits + found, read + rows, explained + scored
        return hits, read, explained
    return _hits_of(runtime, session, vacancies, today, prefilter=False)


def _hits_of(runtime: Runtime, session: Session, vacancies: list[Vacancy], today: date, *,
             prefilter: bool) -> tuple[list[Hit], int, int]:  # fmt: skip
    concepts = concept_uris([], vacancies)
    taxonomy = load_taxonomy(session, concepts)
    vectors = encode_texts(runtime, [vacancy_text(v, taxonomy) for v in vacancies])
    views = [vacancy_view(v, vectors[i]) for i, v in enumerate(vacancies)]
    bare = [vacancy_view(v, None) for v in vacancies]
    statement = (
        select(SkillProfile, JobAlert)
        .join(JobAlert, JobAlert.profile_id == SkillProfile.id)  # type: ignore[arg-type]
        .where(SkillProfile.consent_to_matching)  # type: ignore[arg-type]
    )
    if prefilter:
        statement = statement.where(*candidate_prefilter(session.get_bind().dialect.name, bare[0], today))
    hits: list[Hit] = []
    read = explained = 0
    rows = session.execute(statement.execution_options(yield_per=_CHUNK))
    for chunk in rows.partitions():
        read += len(chunk)
        screened = [(profile, alert, [screening_view(profile, v) for v in bare]) for profile, alert in chunk]
        new = set().union(*(profile_concepts(seen[0].skills, seen[0].occupations) for _, _, seen in screened)) - concepts
        if new:
            taxonomy = taxonomy.merged(load_taxonomy(session, new))
            concepts |= new
        texts = [profile_text(profile, taxonomy, seen[0].occupations) for profile, _, seen in screened]
        profile_vectors = encode_texts(runtime, texts)
        for j, (view, vacancy) in enumerate(zip(views, vacancies)):
            bounds = score_bounds(profile_vectors, view)
            for i, (profile, alert, seen) in enumerate(screened):
                if bounds[i] < alert.threshold or hard_exclusions(seen[j], bare[j], today):
                    continue
                explained += 1
                explanation = explain(profile_view(profile, profile_vectors[i]), view, taxonomy, today=today)
                if not explanation.excluded and explanation.score >= alert.threshold:
                    hits.append(Hit(alert.user_id, vacancy.id or 0, profile.id, None, explanation.score, alert.daily))
    return hits, read, explained


def _search_hits(session: Session, vacancies: list[Vacancy], today: date) -> list[Hit]:
    ids = [v.id or 0 for v in vacancies]
    hits = []
    for search in session.exec(select(SavedSearch).order_by(SavedSearch.id)):  # type: ignore[arg-type]
        for vacancy_id in sorted(vacancies_fitting(session, search.vacancy_filters(), ids, today=today)):
            hits.append(Hit(search.user_id, vacancy_id, None, search.id, None, search.daily))
    return hits


def _due_vacancies(session: Session, now: datetime) -> tuple[list[Vacancy], AlertScan]:
    mark = session.exec(select(AlertScan)).first()
    if mark is None:
        # The first scan starts now: alerts tell of what is new, not of the whole register.
        mark = AlertScan(scanned_until=now)
        session.add(mark)
        return [], mark
    since = mark.scanned_until - OVERLAP
    found = list(session.exec(select(Vacancy).where(listed(), Vacancy.updated_at > since).order_by(Vacancy.id)))  # type: ignore[arg-type,operator]
    return found, mark


def scan(runtime: Runtime, *, vacancy_ids: list[int] | None = None, now: datetime | None = None,
         today: date | None = None) -> ScanReport:  # fmt: skip
    """Score the vacancies opened or changed since the last scan (or these ones) against the
    alerting profiles and saved searches; keep the new hits and tell who wants it now."""
    now = now or utcnow()
    today = today or now.date()
    with session_scope(runtime.engine) as session:
        if vacancy_ids is None:
            vacancies, mark = _due_vacancies(session, now)
            mark.scanned_until = now
            session.add(mark)
        else:
            vacancies = list(session.exec(select(Vacancy).where(listed(), Vacancy.id.in_(vacancy_ids))))  # type: ignore[union-attr]
    if not vacancies:
        return ScanReport(0, 0, 0, 0, 0)
    with session_scope(runtime.engine) as session:
        profile_hits, read, explained = _profile_hits(runtime, session, vacancies, today)
        hits = profile_hits + _search_hits(session, vacancies, today)
        kept = _keep(session, hits, now)
        told = _tell_now(session, [h for h in kept if not h.daily], {v.id: v for v in vacancies})
    return ScanReport(len(vacancies), read, explained, len(kept), told)


def _keep(session: Session, hits: list[Hit], now: datetime) -> list[Hit]:
    """Insert the hits not kept before (one per person and vacancy); the ones inserted."""
    best: dict[tuple[int, int], Hit] = {}
    for hit in hits:  # a profile's hit before a search's; the best score first
        key = (hit.user_id, hit.vacancy_id)
        if key not in best or (best[key].score or -1) < (hit.score or -1):
            best[key] = hit
    if not best:
        return []
    known = set(session.exec(select(AlertHit.user_id, AlertHit.vacancy_id).where(
        AlertHit.vacancy_id.in_({k[1] for k in best}), AlertHit.user_id.in_({k[0] for k in best}))).all())  # type: ignore[attr-defined]  # fmt: skip
    fresh = [hit for key, hit in best.items() if key not in known]
    if fresh:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        rows = [{"user_id": h.user_id, "vacancy_id": h.vacancy_id, "profile_id": h.profile_id, "saved_search_id": h.saved_search_id,
                 "score": h.score, "created_at": now, "notified_at": None if h.daily else now} for h in fresh]  # fmt: skip
        inserted = session.execute(
            dialect.insert(AlertHit).values(rows).on_conflict_do_nothing().returning(AlertHit.user_id, AlertHit.vacancy_id)
        ).all()
        done = set(map(tuple, inserted))
        fresh = [h for h in fresh if (h.user_id, h.vacancy_id) in done]
    return fresh


def _tell_now(session: Session, hits: list[Hit], vacancies: dict) -> int:
    told = 0
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_({h.user_id for h in hits})))} if hits else {}  # type: ignore[union-attr]
    for hit in hits:
        user, vacancy = users.get(hit.user_id), vacancies.get(hit.vacancy_id)
        if user is None or vacancy is None:
            continue
        params = {"vacancy_id": vacancy.id, "vacancy": vacancy.title, "employer": vacancy.employer, "country": vacancy.country}
        if hit.profile_id is not None:
            params |= {"profile_id": hit.profile_id, "score": round(hit.score or 0, 2)}
            kind = "new_match"
        else:
            params |= {"search_id": hit.saved_search_id}
            kind = "search_hit"
        told += notify(session, user=user, kind=kind, params=params) is not None
    return told


def send_digests(engine: Engine, *, now: datetime | None = None) -> int:
    """One notice per person with hits waiting, if their last digest is a day old; how many."""
    now = now or utcnow()
    sent = 0
    with session_scope(engine) as session:
        waiting = session.exec(select(AlertHit.user_id).where(AlertHit.notified_at.is_(None)).distinct()).all()  # type: ignore[union-attr]
        for user_id in waiting:
            last = session.exec(
                select(func.max(Notification.created_at)).where(Notification.user_id == user_id, Notification.kind == "alert_digest")
            ).one()
            if last is not None and (last if last.tzinfo else last.replace(tzinfo=now.tzinfo)) > now - DIGEST_EVERY:
                continue
            user = session.get(User, user_id)
            rows = session.exec(
                select(AlertHit, Vacancy).join(Vacancy, Vacancy.id == AlertHit.vacancy_id)  # type: ignore[arg-type]
                .where(AlertHit.user_id == user_id, AlertHit.notified_at.is_(None)).order_by(AlertHit.id)  # type: ignore[union-attr]
            ).all()
            listed_now = [{"vacancy_id": v.id, "vacancy": v.title, "employer": v.employer, "country": v.country}
                          for _, v in rows[:DIGEST_MAX_LISTED]]  # fmt: skip
            for hit, _ in rows:
                hit.notified_at = now
                session.add(hit)
            if user is not None and rows:
                note = notify(session, user=user, kind="alert_digest", params={"count": len(rows), "vacancies": listed_now})
                if note is not None:
                    note.created_at = now
                    session.add(note)
                sent += 1
    return sent

