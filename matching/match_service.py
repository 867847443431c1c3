"""What the app asks of the matcher: matches for a profile, candidates for a vacancy,
the services and library pages that close a gap, and the early eligibility check.

Matches are computed when asked, from the database, never stored: a new vacancy is
matchable as soon as it is committed, and a deleted profile is in no match at once.
Texts are embedded through the Encoder, whose cache means each text is encoded once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from kb.errors import BadRequest
from kb.runtime import Runtime
from matching.cefr import LEVELS, rank
from matching.esco.tables import EscoBroader, EscoConcept, EscoConceptText
from matching.matcher import Explanation, ProfileView, Taxonomy, VacancyView, explain
from matching.models import LanguageSkill, ServiceOffer, SkillProfile, Vacancy
from matching.records import consented_recipients, get_profile, get_vacancy

MAX_TOP = 100


def _check_top(top: int) -> int:
    if not 1 <= top <= MAX_TOP:
        raise BadRequest(f"top must be between 1 and {MAX_TOP}.", field="top")
    return top


def load_taxonomy(session: Session, uris: set[str]) -> Taxonomy:
    """ISCO codes, broader concepts, English labels and regulated notes for these URIs."""
    uris = {uri for uri in uris if uri}
    if not uris:
        return Taxonomy()
    chunked = [sorted(uris)[i : i + 500] for i in range(0, len(uris), 500)]
    isco: dict[str, str] = {}
    regulated: dict[str, str] = {}
    broader: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for chunk in chunked:
        for concept in session.execute(select(EscoConcept).where(EscoConcept.uri.in_(chunk))).scalars():  # type: ignore[attr-defined]
            if concept.code:
                isco[concept.uri] = concept.code
            if concept.regulated or concept.regulated_profession_note:
                regulated[concept.uri] = concept.regulated_profession_note or "ESCO marks this occupation as regulated."
        for relation in session.execute(select(EscoBroader).where(EscoBroader.uri.in_(chunk))).scalars():  # type: ignore[attr-defined]
            broader.setdefault(relation.uri, set()).add(relation.broader_uri)
        rows = session.execute(
            select(EscoConceptText.uri, EscoConceptText.preferred_label).where(
                EscoConceptText.uri.in_(chunk), EscoConceptText.language == "en"  # type: ignore[attr-defined]
            )
        )
        for uri, label in rows:
            if label and uri not in labels:
                labels[uri] = label
    return Taxonomy(
        isco_codes=isco,
        broader={uri: frozenset(values) for uri, values in broader.items()},
        labels=labels,
        regulated=regulated,
    )


def profile_text(profile: SkillProfile, taxonomy: Taxonomy) -> str:
    occupations = [f"{o.title} ({taxonomy.label(o.uri)})" if o.uri else o.title for o in profile.occupations_held()]
    skills = [taxonomy.label(uri) for uri in profile.skills] + list(profile.free_text_skills)
    return ". ".join(part for part in ("; ".join(occupations), profile.summary, ", ".join(skills)) if part)


def vacancy_text(vacancy: Vacancy, taxonomy: Taxonomy) -> str:
    occupation = taxonomy.label(vacancy.occupation_uri) if vacancy.occupation_uri else ""
    skills = ", ".join(taxonomy.label(uri) for uri in vacancy.essential_skills + vacancy.optional_skills)
    return ". ".join(part for part in (vacancy.title, occupation, vacancy.description, skills) if part)


def _vectors(runtime: Runtime, texts: Sequence[str]) -> np.ndarray:
    return runtime.encoder.encode(list(texts))


def profile_view(profile: SkillProfile, vector: np.ndarray | None) -> ProfileView:
    languages: dict[str, LanguageSkill] = {item.language: item for item in profile.language_skills()}
    return ProfileView(
        id=profile.id or 0,
        origin_countries=tuple(profile.origin_countries),
        destination_countries=tuple(profile.destination_countries),
        occupations=tuple(profile.occupations_held()),
        skills=frozenset(profile.skills),
        languages=languages,
        education_level=profile.education_level,
        qualifications=tuple(profile.qualification_list()),
        consent_to_matching=profile.consent_to_matching,
        vector=vector,
    )


def vacancy_view(vacancy: Vacancy, vector: np.ndarray | None) -> VacancyView:
    return VacancyView(
        id=vacancy.id or 0,
        title=vacancy.title,
        country=vacancy.country,
        status=vacancy.status,
        valid_through=vacancy.valid_through,
        occupation_uri=vacancy.occupation_uri,
        essential_skills=tuple(vacancy.essential_skills),
        optional_skills=tuple(vacancy.optional_skills),
        languages=tuple(vacancy.language_requirements()),
        legal_route=vacancy.route(),
        vector=vector,
    )


def _uris(profiles: Sequence[SkillProfile], vacancies: Sequence[Vacancy]) -> set[str]:
    uris: set[str] = set()
    for profile in profiles:
        uris.update(profile.skills)
        uris.update(o.uri for o in profile.occupations_held() if o.uri)
    for vacancy in vacancies:
        uris.update(vacancy.essential_skills + vacancy.optional_skills)
        if vacancy.occupation_uri:
            uris.add(vacancy.occupation_uri)
    return uris


@dataclass(frozen=True)
class VacancyMatch:
    vacancy: Vacancy
    explanation: Explanation


@dataclass(frozen=True)
class CandidateMatch:
    profile: SkillProfile
    explanation: Explanation
    identified: bool  # the migrant consented to show their profile to this employer


# The pool of open vacancies each worker keeps, refreshed row by row.

# Each pool refresh re-reads only vacancies whose listing entry changed. The listing is
# (id, updated_at, revision) of every open vacancy, read on each matching request.
_POOL_QUERY = f"SELECT id, updated_at, revision FROM {Vacancy.__tablename__} WHERE status = 'open' ORDER BY id"
# Past this share of changed vacancies, one scan of the open vacancies beats id lists.
_FULL_REBUILD_SHARE = 0.5
_pool_locks: weakref.WeakKeyDictionary[Runtime, threading.Lock] = weakref.WeakKeyDictionary()
_pool_locks_guard = threading.Lock()


@dataclass(frozen=True)
class PoolRefresh:
    """What one refresh of the vacancy pool read (tests and benchmarks look at it)."""

    full: bool  # built from scratch (first request, or most vacancies changed)
    rows_loaded: int  # vacancy rows read from the database
    texts: int  # vacancy texts whose vectors were fetched (embedding cache, or encoded)
    removed: int  # vacancies that left the pool (closed, deleted, no longer open)


@dataclass(frozen=True)
class _PoolState:
    listing: list[tuple]  # the open vacancies' (id, updated_at, revision), as last listed
    seen: dict[int, tuple | None]  # per pooled vacancy: the listing entry it was loaded for
    refresh: PoolRefresh


def _pool_lock(runtime: Runtime) -> threading.Lock:
    with _pool_locks_guard:
        lock = _pool_locks.get(runtime)
        if lock is None:
            lock = _pool_locks[runtime] = threading.Lock()
        return lock


def _open_listing(session: Session) -> list[tuple]:
    # The driver's own cursor: SQLAlchemy's rows and type conversions cost twice as much,
    # and the values are only compared with what the same query gave before.
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_POOL_QUERY)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _vacancy_pool(runtime: Runtime, session: Session):
    """Open vacancies as a VacancyPool (and their rows by id), refreshed when one changed.

    Change detection: each request lists (id, updated_at, revision) of the open
    vacancies and compares the list with the one the pool was built from; any difference
    refreshes the pool. Per row, not a high-water mark: a "changed since the newest
    updated_at seen" query would miss a write committed after a newer one but stamped
    earlier (its transaction took its time first), or two writes in the same clock tick,
    and a count would miss a close plus a post. Here a committed write is missed only
    if it leaves both updated_at and revision of the row exactly as they were (every
    write of the app sets updated_at; edits and closes also count up the revision).
    The cost is one query over the open rows per request: under a millisecond at 500
    open vacancies, about 110 ms at 100,000 on SQLite (the former aggregate key, which
    could miss such writes, took 56 ms). The index ix_vacancy_open_listing (migration
    0005) makes the listing an index-only scan, already in id order.

    Refresh: only new and changed rows are loaded (by id, still open), their texts'
    vectors fetched, and `VacancyPool.updated` copies the unchanged rows; vacancies no
    longer listed leave. The listing is read before the rows, so a pooled row is never
    older than the entry recorded for it: a write in between only makes the next request
    load that row again. One thread per worker refreshes at a time (the others wait, then
    usually find the new pool); a published pool is never changed, so requests still
    scoring with the previous one are unaffected.
    """
    listing = _open_listing(session)
    cached = runtime.memo.get("vacancy_pool")
    if cached is not None and cached[0].listing == listing:
        return cached[1], cached[2]
    with _pool_lock(runtime):
        cached = runtime.memo.get("vacancy_pool")
        listing = _open_listing(session)  # at least as new as what the last refresh published
        if cached is None or cached[0].listing != listing:
            cached = _refreshed_pool(runtime, session, cached, listing)
            runtime.memo["vacancy_pool"] = cached
    return cached[1], cached[2]


def _refreshed_pool(runtime: Runtime, session: Session, cached, listing: list[tuple]):
    from matching.vacancy_pool import VacancyPool

    listed = {entry[0]: entry for entry in listing}
    old_state, pool, rows = cached if cached is not None else (None, None, {})
    seen: dict[int, tuple | None] = old_state.seen if old_state is not None else {}
    changed = sorted(i for i, entry in listed.items() if seen.get(i) != entry)
    full = pool is None or len(changed) > _FULL_REBUILD_SHARE * max(len(listed), 1)
    if full:
        loaded = list(session.execute(select(Vacancy).where(Vacancy.status == "open").order_by(Vacancy.id)).scalars())  # type: ignore[arg-type]
        taxonomy = load_taxonomy(session, _uris([], loaded))
    else:
        loaded = []
        for start in range(0, len(changed), 500):
            chunk = changed[start : start + 500]
            query = select(Vacancy).where(Vacancy.id.in_(chunk), Vacancy.status == "open").order_by(Vacancy.id)  # type: ignore[union-attr]
            loaded.extend(session.execute(query).scalars())
        new_concepts = _uris([], loaded) - pool.concepts()
        taxonomy = _merged(pool.taxonomy, load_taxonomy(session, new_concepts)) if new_concepts else pool.taxonomy
    texts = [vacancy_text(v, taxonomy) for v in loaded]
    vectors = _vectors(runtime, texts) if texts else []
    views = [vacancy_view(v, vector) for v, vector in zip(loaded, vectors)]
    session.expunge_all()
    fresh = {v.id: listed.get(v.id) for v in loaded}
    if full:
        new_pool, new_rows, new_seen, removed = VacancyPool(views, taxonomy), {v.id: v for v in loaded}, fresh, 0
    else:
        # Gone from the listing, or changed but no longer open when loaded.
        leaving = (set(seen) - set(listed)) | ((set(changed) & set(seen)) - set(fresh))
        if views or leaving:
            dropped = leaving | set(fresh)
            new_pool = pool.updated(views, removed=leaving, taxonomy=taxonomy)
            new_rows = {i: row for i, row in rows.items() if i not in dropped} | {v.id: v for v in loaded}  # type: ignore[misc]
            new_seen = {i: entry for i, entry in seen.items() if i not in dropped} | fresh
        else:  # nothing pooled changed (the same rows listed in another order, say)
            new_pool, new_rows, new_seen = pool, rows, seen
        removed = len(leaving)
    refresh = PoolRefresh(full=full, rows_loaded=len(loaded), texts=len(texts), removed=removed)
    return _PoolState(listing, new_seen, refresh), new_pool, new_rows


def matches_for_profile(
    runtime: Runtime, profile_id: int, *, top: int = 10, include_excluded: bool = False, today: date | None = None
) -> tuple[list[VacancyMatch], Taxonomy]:
    """Open vacancies for a profile, best first, each explained.

    Eligible matches come from the VacancyPool (every open vacancy scored at once, the
    best explained); with `include_excluded`, every vacancy is explained one by one so the
    excluded ones can say why.
    """
    top = _check_top(top)
    today = today or date.today()
    if not include_excluded:
        with Session(runtime.engine) as session:
            profile = get_profile(session, profile_id)
            pool, rows = _vacancy_pool(runtime, session)
            profile_taxonomy = load_taxonomy(session, _uris([profile], []))
            session.expunge_all()
        taxonomy = _merged(pool.taxonomy, profile_taxonomy)
        vector = _vectors(runtime, [profile_text(profile, taxonomy)])[0]
        matched = pool.rank_vacancies_for_profile(profile_view(profile, vector), top=top, today=today, taxonomy=taxonomy)
        return [VacancyMatch(rows[m.vacancy.id], m.explanation) for m in matched], taxonomy
    with Session(runtime.engine) as session:
        profile = get_profile(session, profile_id)
        vacancies = list(session.execute(select(Vacancy)).scalars())
        taxonomy = load_taxonomy(session, _uris([profile], vacancies))
        session.expunge_all()
    texts = [profile_text(profile, taxonomy)] + [vacancy_text(v, taxonomy) for v in vacancies]
    vectors = _vectors(runtime, texts)
    view = profile_view(profile, vectors[0])
    ranked = []
    for vacancy, vector in zip(vacancies, vectors[1:]):
        ranked.append(VacancyMatch(vacancy, explain(view, vacancy_view(vacancy, vector), taxonomy, today=today)))
    ranked.sort(key=lambda m: (m.explanation.excluded, -m.explanation.score, m.vacancy.id))
    return ranked[:top], taxonomy


def _merged(a: Taxonomy, b: Taxonomy) -> Taxonomy:
    return Taxonomy(
        isco_codes={**a.isco_codes, **b.isco_codes},
        broader={**a.broader, **b.broader},
        labels={**a.labels, **b.labels},
        regulated={**a.regulated, **b.regulated},
    )


def candidates_for_vacancy(
    runtime: Runtime, vacancy_id: int, *, top: int = 10, include_excluded: bool = False, today: date | None = None
) -> tuple[list[CandidateMatch], Taxonomy]:
    """Profiles whose owners consented to matching, best first; identified only where the
    migrant consented to show the profile to this vacancy's employer."""
    top = _check_top(top)
    today = today or date.today()
    with Session(runtime.engine) as session:
        vacancy = get_vacancy(session, vacancy_id)
        profiles = list(session.execute(select(SkillProfile).where(SkillProfile.consent_to_matching)).scalars())  # type: ignore[arg-type]
        taxonomy = load_taxonomy(session, _uris(profiles, [vacancy]))
        consents = consented_recipients(session, [p.id for p in profiles if p.id is not None])
        session.expunge_all()
    texts = [vacancy_text(vacancy, taxonomy)] + [profile_text(p, taxonomy) for p in profiles]
    vectors = _vectors(runtime, texts)
    view = vacancy_view(vacancy, vectors[0])
    ranked = []
    for profile, vector in zip(profiles, vectors[1:]):
        explanation = explain(profile_view(profile, vector), view, taxonomy, today=today)
        if include_excluded or not explanation.excluded:
            identified = vacancy.employer in consents.get(profile.id or 0, set())
            ranked.append(CandidateMatch(profile, explanation, identified))
    ranked.sort(key=lambda m: (m.explanation.excluded, -m.explanation.score, m.profile.id))
    return ranked[:top], taxonomy


# ---------------------------------------------------------------------------- gaps


@dataclass(frozen=True)
class OfferForGap:
    offer: ServiceOffer
    closes: tuple[str, ...]  # what it addresses, in words
    score: float


def offers_for_gap(
    runtime: Runtime, profile: SkillProfile, explanation: Explanation, taxonomy: Taxonomy, *, top: int = 5
) -> list[OfferForGap]:
    """Service offers that close the gap of a match, the ones closing most first.

    A language course counts when it teaches the missing language up to the required
    level; training when it teaches a missing essential skill; a recognition service when
    the occupation is regulated and not yet recognised. Offers in the person's countries
    or online come before others, free ones before paid ones.
    """
    with Session(runtime.engine) as session:
        offers = list(session.execute(select(ServiceOffer)).scalars())
        session.expunge_all()
    home = set(profile.origin_countries) | ({profile.residence_country} if profile.residence_country else set())
    results = []
    for offer in offers:
        closes = []
        for gap in explanation.language_gaps:
            if offer.kind == "language_course" and offer.language_taught == gap.language and offer.level_reached and rank(offer.level_reached) >= rank(gap.required):
                closes.append(f"{gap.language} to {gap.required}")
        for skill in explanation.essential_missing:
            if skill in offer.skills_taught:
                closes.append(taxonomy.label(skill))
        if explanation.regulated and not explanation.regulated.recognised and offer.kind == "recognition":
            if not offer.destination_countries or explanation.regulated.country in offer.destination_countries:
                closes.append(f"recognition of qualifications in {explanation.regulated.country}")
        if not closes:
            continue
        reachable = offer.mode in ("online", "blended") or offer.country in home
        score = len(closes) + (0.5 if reachable else 0.0) + (0.25 if offer.cost == 0 else 0.0)
        results.append(OfferForGap(offer, tuple(closes), score))
    results.sort(key=lambda item: (-item.score, item.offer.id or 0))
    return results[:top]


def library_for_gap(runtime: Runtime, explanation: Explanation, *, top: int = 3):
    """Practices and handbook sections on closing this kind of gap (language, recognition, skills)."""
    from kb.library_query import parse_search_request
    from kb.service import search_library

    topics = []
    if explanation.language_gaps:
        languages = ", ".join(sorted({gap.language for gap in explanation.language_gaps}))
        topics.append(f"language training before departure ({languages})")
    if explanation.regulated and not explanation.regulated.recognised:
        topics.append("recognition of qualifications before departure")
    if explanation.essential_missing:
        topics.append("vocational skills training before departure")
    if not topics:
        return []
    request = parse_search_request(text="; ".join(topics), filters={"kind": ["practice", "handbook"]}, per_page=top)
    return search_library(runtime, request).hits


# ---------------------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class EligibilitySignal:
    colour: str  # green | amber | red
    reasons: tuple[str, ...]
    open_vacancies: int


def eligibility_signal(
    runtime: Runtime,
    *,
    destination: str,
    occupation_uri: str,
    languages: dict[str, str],
    today: date | None = None,
) -> EligibilitySignal:
    """An honest first answer before anyone registers: are there open jobs for this
    occupation there, and does the person's language level reach what they ask?

    Green: open vacancies for the occupation whose language minimum the person meets.
    Amber: vacancies exist but only in related occupations, or the language is below
    the usual minimum, or the profession is regulated there. Red: no open vacancy for
    the occupation or its ISCO group in that country.
    """
    from matching.models import _country, _uri

    try:
        destination = _country(destination, "destination")
        occupation_uri = _uri(occupation_uri, "occupation")
    except ValueError as error:
        raise BadRequest(str(error)) from None
    for language, level in languages.items():
        if level not in LEVELS:
            raise BadRequest(f"Level {level!r} for {language}: use a CEFR level A1-C2.", field="languages")
    today = today or date.today()
    with Session(runtime.engine) as session:
        vacancies = [
            v
            for v in session.execute(select(Vacancy).where(Vacancy.status == "open", Vacancy.country == destination)).scalars()
            if v.valid_through is None or v.valid_through >= today
        ]
        taxonomy = load_taxonomy(session, {occupation_uri} | {v.occupation_uri for v in vacancies if v.occupation_uri})
    same = [v for v in vacancies if v.occupation_uri == occupation_uri]
    related = [v for v in vacancies if v.occupation_uri != occupation_uri and taxonomy.occupation_proximity(occupation_uri, v.occupation_uri) >= 0.75]
    reasons: list[str] = []
    label = taxonomy.label(occupation_uri)
    if not same and not related:
        return EligibilitySignal("red", (f"No open vacancy for {label} or a related occupation in {destination} right now.",), 0)
    pool = same or related
    colour = "green" if same else "amber"
    if same:
        reasons.append(f"{len(same)} open vacancies for {label} in {destination}.")
    else:
        reasons.append(f"No open vacancy for {label} itself, but {len(related)} in related occupations in {destination}.")
    required: dict[str, list[int]] = {}
    for vacancy in pool:
        for requirement in vacancy.language_requirements():
            required.setdefault(requirement.language, []).append(rank(requirement.min_level))
    for language, levels in sorted(required.items()):
        usual = LEVELS[int(median(levels)) - 1]
        has = languages.get(language)
        if has is None or rank(has) < rank(usual):
            colour = "amber" if colour == "green" else colour
            reasons.append(f"Most of these jobs ask for {language} at {usual}; you gave {has or 'no level'}. A language course can close this.")
        else:
            reasons.append(f"Your {language} ({has}) meets the usual minimum ({usual}).")
    if occupation_uri in taxonomy.regulated or any(v.route().requires_recognised_qualification for v in pool):
        colour = "amber" if colour == "green" else colour
        reasons.append(f"{label} is a regulated profession in {destination}: the qualification must be recognised first.")
    return EligibilitySignal(colour, tuple(reasons), len(pool))
