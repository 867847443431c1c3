"""What the app asks of the matcher: matches for a profile, candidates for a vacancy,
the services and library pages that close a gap, and the early eligibility check.

Matches are computed when asked, from the database, never stored: a new vacancy is
matchable as soon as it is committed, and a deleted profile is in no match at once.
Texts are embedded through the Encoder, whose cache means each text is encoded once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from core.errors import BadRequest
from core.runtime import Runtime
from matching.cefr import LEVELS, rank
from matching.esco.tables import EscoBroader, EscoConcept, EscoConceptText
from matching.matcher import Explanation, ProfileView, Taxonomy, VacancyView, explain, hard_exclusions
from matching.candidate_prefilter import candidate_prefilter
from matching.models import LanguageSkill, OccupationHeld, ServiceOffer, SkillProfile, Vacancy
from matching.records import consented_recipients, get_profile, get_vacancy

if TYPE_CHECKING:
    from matching.vacancy_pool import VacancyPool

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


def profile_text(profile: SkillProfile, taxonomy: Taxonomy, held: Sequence[OccupationHeld] | None = None) -> str:
    """The text matching encodes for a profile. `held`: its occupations, already parsed."""
    held = profile.occupations_held() if held is None else held
    occupations = [f"{o.title} ({taxonomy.label(o.uri)})" if o.uri else o.title for o in held]
    skills = [taxonomy.label(uri) for uri in profile.skills] + list(profile.free_text_skills)
    return ". ".join(part for part in ("; ".join(occupations), profile.summary, ", ".join(skills)) if part)


def vacancy_text(vacancy: Vacancy, taxonomy: Taxonomy) -> str:
    occupation = taxonomy.label(vacancy.occupation_uri) if vacancy.occupation_uri else ""
    skills = ", ".join(taxonomy.label(uri) for uri in vacancy.essential_skills + vacancy.optional_skills)
    return ". ".join(part for part in (vacancy.title, occupation, vacancy.description, skills) if part)


def _vectors(runtime: Runtime, texts: Sequence[str]) -> np.ndarray:
    return runtime.encoder.encode(list(texts))


def profile_view(
    profile: SkillProfile, vector: np.ndarray | None, *, languages: bool = True, qualifications: bool = True
) -> ProfileView:
    """What the matcher reads of a profile. Screening many profiles can leave out the parts
    it does not need (`languages`, `qualifications`: their JSON is then not parsed)."""
    spoken: dict[str, LanguageSkill] = {item.language: item for item in profile.language_skills()} if languages else {}
    return ProfileView(
        id=profile.id or 0,
        origin_countries=tuple(profile.origin_countries),
        destination_countries=tuple(profile.destination_countries),
        occupations=tuple(profile.occupations_held()),
        skills=frozenset(profile.skills),
        languages=spoken,
        education_level=profile.education_level,
        qualifications=tuple(profile.qualification_list()) if qualifications else (),
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


def _profile_uris(skills: Collection[str], occupations: Sequence[OccupationHeld]) -> set[str]:
    return set(skills) | {o.uri for o in occupations if o.uri}


def _uris(profiles: Sequence[SkillProfile], vacancies: Sequence[Vacancy]) -> set[str]:
    uris: set[str] = set()
    for profile in profiles:
        uris |= _profile_uris(profile.skills, profile.occupations_held())
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
# A refresh reads, embeds and turns into arrays this many rows at a time: besides the
# pools' arrays it holds one chunk's rows, texts and views, and the memory those free is
# reused by the next chunk instead of growing the heap (what a worker keeps: README, Sizing).
_REFRESH_CHUNK = 500
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


def _vacancy_pool(runtime: Runtime, session: Session) -> tuple[VacancyPool, _PoolState]:
    """Open vacancies as a VacancyPool (and the state it was refreshed to), refreshed when
    one changed.

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

    Refresh: only new and changed rows are loaded (by id, still open; 500 at a time,
    each chunk turned into arrays and dropped), their texts' vectors fetched, and
    `VacancyPool.combined` copies the unchanged rows; vacancies no longer listed leave. The listing is read before the rows, so a pooled row is never
    older than the entry recorded for it: a write in between only makes the next request
    load that row again. One thread per worker refreshes at a time (the others wait, then
    usually find the new pool); a published pool is never changed, so requests still
    scoring with the previous one are unaffected.

    Memory: the memo entry is `(state, pool)`, and the pool keeps only its arrays (about
    3.7 KB per open vacancy, most of it the 896-float vector; README, Sizing): no
    `Vacancy` row, no view, no second copy of a vector. A request reads the rows of the
    few vacancies it explains (`_pooled_rows`).
    """
    listing = _open_listing(session)
    cached = runtime.memo.get("vacancy_pool")
    if cached is not None and cached[0].listing == listing:
        return cached[1], cached[0]
    with _pool_lock(runtime):
        cached = runtime.memo.get("vacancy_pool")
        listing = _open_listing(session)  # at least as new as what the last refresh published
        if cached is None or cached[0].listing != listing:
            cached = _refreshed_pool(runtime, session, cached, listing)
            runtime.memo["vacancy_pool"] = cached
    return cached[1], cached[0]


def _refreshed_pool(runtime: Runtime, session: Session, cached, listing: list[tuple]) -> tuple[_PoolState, VacancyPool]:
    from matching.vacancy_pool import VacancyPool, VacancyPoolBuilder

    listed = {entry[0]: entry for entry in listing}
    old_state, pool = cached if cached is not None else (None, None)
    seen: dict[int, tuple | None] = old_state.seen if old_state is not None else {}
    changed = sorted(i for i, entry in listed.items() if seen.get(i) != entry)
    full = pool is None or len(changed) > _FULL_REBUILD_SHARE * max(len(listed), 1)
    taxonomy = Taxonomy() if full else pool.taxonomy
    known = set() if full else pool.concepts()
    # The rows read (all open ones, or the changed ones), a chunk at a time, in id order.
    builder = VacancyPoolBuilder(len(listed) if full else len(changed))
    fresh: dict[int, tuple | None] = {}
    for loaded in _open_rows(session, None if full else changed):
        new_concepts = _uris([], loaded) - known
        if new_concepts:
            taxonomy = taxonomy.merged(load_taxonomy(session, new_concepts))
            known |= new_concepts
        vectors = _vectors(runtime, [vacancy_text(v, taxonomy) for v in loaded])
        # No view is kept: a view holds its own vector beside the pool's matrix (a row of
        # the encoder's batch) and its skills, languages and route beside the arrays.
        builder.add([vacancy_view(v, x) for v, x in zip(loaded, vectors)], taxonomy)
        fresh.update((v.id or 0, listed.get(v.id or 0)) for v in loaded)
        session.expunge_all()  # nor the rows
    if full:
        new_pool, removed = builder.build(taxonomy), 0
    else:
        # Gone from the listing, or changed but no longer open when loaded.
        leaving = (set(seen) - set(listed)) | ((set(changed) & set(seen)) - set(fresh))
        # (Neither: nothing pooled changed; the same rows listed in another order, say.)
        changes = builder.build(taxonomy)
        new_pool = VacancyPool.combined([pool, changes], removed=leaving, taxonomy=taxonomy) if fresh or leaving else pool
        removed = len(leaving)
    # Per pooled vacancy, the listing entry it was loaded for: an unchanged one's entry
    # equals today's, and today's own tuple is kept (one copy, shared with the listing).
    pooled = set(new_pool.ids.tolist())
    new_seen = {i: entry for i, entry in listed.items() if i in pooled} | {i: None for i, entry in fresh.items() if entry is None}
    refresh = PoolRefresh(full=full, rows_loaded=len(fresh), texts=len(fresh), removed=removed)
    return _PoolState(listing, new_seen, refresh), new_pool


def _open_rows(session: Session, ids: list[int] | None) -> Iterator[list[Vacancy]]:
    """The open vacancies (all of them, or those of these ids), in id order, a chunk at a time."""
    if ids is not None:
        for start in range(0, len(ids), _REFRESH_CHUNK):
            chunk = ids[start : start + _REFRESH_CHUNK]
            query = select(Vacancy).where(Vacancy.id.in_(chunk), Vacancy.status == "open").order_by(Vacancy.id)  # type: ignore[union-attr]
            if rows := list(session.execute(query).scalars()):
                yield rows
        return
    after = None
    while True:
        query = select(Vacancy).where(Vacancy.status == "open")  # type: ignore[arg-type]
        if after is not None:
            query = query.where(Vacancy.id > after)  # type: ignore[operator]
        rows = list(session.execute(query.order_by(Vacancy.id).limit(_REFRESH_CHUNK)).scalars())  # type: ignore[arg-type]
        if rows:
            yield rows
        if len(rows) < _REFRESH_CHUNK:
            return
        after = rows[-1].id


def _pooled_rows(runtime: Runtime, ids: Sequence[int], seen: dict[int, tuple | None]) -> dict[int, Vacancy]:
    """The rows of these pooled vacancies, read now in one query, that are as the pool has
    them: still open, at the revision the pool read. One closed, deleted or edited since
    the pool's refresh (in another request, a moment ago) is left out; the next request's
    refresh takes it out of the pool or reads it again."""
    if not ids:
        return {}
    with Session(runtime.engine) as session:
        query = select(Vacancy).where(Vacancy.id.in_(list(ids)), Vacancy.status == "open")  # type: ignore[union-attr]
        rows = list(session.execute(query).scalars())
        session.expunge_all()
    return {row.id: row for row in rows if (entry := seen.get(row.id or 0)) is not None and entry[2] == row.revision}


def matches_for_profile(
    runtime: Runtime, profile_id: int, *, top: int = 10, include_excluded: bool = False, today: date | None = None
) -> tuple[list[VacancyMatch], Taxonomy]:
    """Open vacancies for a profile, best first, each explained.

    Eligible matches come from the VacancyPool (every open vacancy scored at once, the
    best explained, their rows read then); with `include_excluded`, every vacancy is
    explained one by one so the excluded ones can say why.
    """
    top = _check_top(top)
    today = today or date.today()
    if not include_excluded:
        with Session(runtime.engine) as session:
            profile = get_profile(session, profile_id)
            pool, state = _vacancy_pool(runtime, session)
            profile_taxonomy = load_taxonomy(session, _uris([profile], []))
            session.expunge_all()
        taxonomy = pool.taxonomy.merged(profile_taxonomy)
        vector = _vectors(runtime, [profile_text(profile, taxonomy)])[0]
        rows: dict[int, Vacancy] = {}

        def views(ids: list[int]) -> dict[int, VacancyView]:
            # Only the vacancies the pool explains (top + a few): their rows, in one query.
            rows.update(_pooled_rows(runtime, ids, state.seen))
            return {i: vacancy_view(row, None) for i, row in rows.items()}

        view = profile_view(profile, vector)
        matched = pool.rank_vacancies_for_profile(view, top=top, today=today, taxonomy=taxonomy, views=views)
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


@dataclass(frozen=True)
class CandidatesRead:
    """What one candidates_for_vacancy call did (tests and benchmarks look at it)."""

    rows_loaded: int  # profile rows read from the database (what the SQL prefilter left)
    scored: int  # of those, profiles that got a text and a vector (the ones that can be listed)
    explained: int  # of those, profiles that `explain` scored (the others could not reach the top)


# Profiles are read and scored this many at a time: the request holds one chunk and the
# best `top` so far, not every consenting profile.
_CANDIDATE_CHUNK = 500
# Slack on the bound of a score (it is rounded to 4 decimals; cosines in float32).
_BOUND_SLACK = 1e-3


def candidates_for_vacancy(
    runtime: Runtime, vacancy_id: int, *, top: int = 10, include_excluded: bool = False, today: date | None = None
) -> tuple[list[CandidateMatch], Taxonomy]:
    """Profiles whose owners consented to matching, best first; identified only where the
    migrant consented to show the profile to this vacancy's employer.

    The result is exactly that of explaining every consenting profile and sorting, done
    with less work: without `include_excluded` the database leaves out the profiles that
    a hard constraint excludes wherever SQL can tell exactly (matching/candidate_prefilter.py), and
    of the rows read the ones `explain` would exclude get no text or vector. The rows
    are streamed in chunks, each profile's JSON parts parsed once; a profile is explained
    only if its score could still reach the best `top` (the semantic part is known from
    the vectors, the other parts are at most their weights). Nothing of the profiles is
    kept after the request (no per-process cache: erasure leaves nothing behind).
    """
    from bisect import insort

    top = _check_top(top)
    today = today or date.today()
    ranked: list[tuple[tuple, SkillProfile, Explanation]] = []  # the best so far, by sort key
    loaded = scored = explained = 0
    with Session(runtime.engine) as session:
        vacancy = get_vacancy(session, vacancy_id)
        bare = vacancy_view(vacancy, None)
        concepts = _uris([], [vacancy])
        taxonomy = load_taxonomy(session, concepts)
        view = vacancy_view(vacancy, _vectors(runtime, [vacancy_text(vacancy, taxonomy)])[0])
        statement = select(SkillProfile).where(SkillProfile.consent_to_matching)  # type: ignore[arg-type]
        if not include_excluded:
            statement = statement.where(*candidate_prefilter(session.get_bind().dialect.name, bare, today))
        rows = session.execute(statement.execution_options(yield_per=_CANDIDATE_CHUNK)).scalars()
        for chunk in rows.partitions():
            loaded += len(chunk)
            candidates = []
            for profile in chunk:
                seen = _screening_view(profile, bare)
                excluded = bool(hard_exclusions(seen, bare, today))
                if not excluded or (include_excluded and _may_enter(ranked, top, True, None)):
                    candidates.append((profile, seen, excluded))
            if not candidates:
                continue
            new = set().union(*(_profile_uris(seen.skills, seen.occupations) for _, seen, _ in candidates)) - concepts
            if new:
                taxonomy = taxonomy.merged(load_taxonomy(session, new))
                concepts |= new
            scored += len(candidates)
            vectors = _vectors(runtime, [profile_text(p, taxonomy, seen.occupations) for p, seen, _ in candidates])
            bounds = _score_bounds(vectors, view)
            for i in sorted(range(len(candidates)), key=lambda i: (candidates[i][2], -bounds[i])):
                profile, seen, excluded = candidates[i]
                if not _may_enter(ranked, top, excluded, bounds[i]):
                    continue
                explanation = explain(profile_view(profile, vectors[i]), view, taxonomy, today=today)
                explained += 1
                key = (explanation.excluded, -explanation.score, profile.id)
                insort(ranked, (key, profile, explanation), key=lambda item: item[0])
                del ranked[top:]
        consents = consented_recipients(session, [p.id for _, p, _ in ranked if p.id is not None])
        session.expunge_all()
    runtime.memo["candidates_read"] = CandidatesRead(rows_loaded=loaded, scored=scored, explained=explained)
    matches = [CandidateMatch(p, e, vacancy.employer in consents.get(p.id or 0, set())) for _, p, e in ranked]
    return matches, taxonomy


def _score_bounds(vectors: np.ndarray, vacancy: VacancyView) -> np.ndarray:
    """Per profile, a number no score of `explain` for it with this vacancy exceeds.

    The semantic part is the cosine of the two vectors (computed here for a whole chunk
    at once, `explain` computes it per pair: _BOUND_SLACK covers the difference and the
    rounding) times its weight. Every other part is a value in [0, 1] times its weight,
    and some are fixed by the vacancy alone, as `explain` computes them: essential skills
    count 0.5 when it lists none, optional skills 0 when it lists none, occupation and
    experience 0 without an occupation, language surplus 0 without language minimums.
    """
    from matching.matcher import WEIGHTS

    most = {
        "essential_skills": 1.0 if vacancy.essential_skills else 0.5,
        "optional_skills": 1.0 if vacancy.optional_skills else 0.0,
        "occupation": 1.0 if vacancy.occupation_uri else 0.0,
        "experience": 1.0 if vacancy.occupation_uri else 0.0,
        "language_surplus": 1.0 if vacancy.languages else 0.0,
    }
    others = sum(weight * most.get(name, 1.0) for name, weight in WEIGHTS.items() if name != "semantic")
    if vacancy.vector is None or not len(vectors):
        return np.full(len(vectors), WEIGHTS["semantic"] + others + _BOUND_SLACK)
    norms = np.linalg.norm(vectors, axis=1).astype(np.float64) * float(np.linalg.norm(vacancy.vector))
    dots = (vectors @ vacancy.vector).astype(np.float64)
    cosines = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0).clip(0.0, None)
    return WEIGHTS["semantic"] * cosines + others + _BOUND_SLACK


def _may_enter(ranked: list, top: int, excluded: bool, bound: float | None) -> bool:
    """Whether a profile with this exclusion and score bound could enter the best `top`:
    eligible ones sort before excluded ones, then by score (the id breaks ties)."""
    if len(ranked) < top:
        return True
    last_excluded, last_score = ranked[-1][0][0], -ranked[-1][0][1]
    if excluded != last_excluded:
        return not excluded
    return bound is None or bound >= last_score


def _screening_view(profile: SkillProfile, vacancy: VacancyView) -> ProfileView:
    """The parts of a profile that the exclusion check, its text and its concepts read.

    Each JSON part is parsed once: the occupations always, the languages when the vacancy
    asks for some; the qualifications are left out (only `explain` reads them, and the
    profiles it explains get a whole `profile_view`).
    """
    return profile_view(profile, None, languages=bool(vacancy.languages), qualifications=False)


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
