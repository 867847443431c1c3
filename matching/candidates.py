"""Candidates for a vacancy: the profiles whose owners consented to matching, best first,
identified only where the migrant consented to show the profile to that employer.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.runtime import Runtime
from matching.candidate_prefilter import candidate_prefilter
from matching.identity import MigrantIdentity, identities_of
from matching.matcher import (
    WEIGHTS,
    Explanation,
    ProfileView,
    Taxonomy,
    VacancyView,
    explain,
    hard_exclusions,
)
from matching.matcher_input import profile_view, vacancy_view
from matching.matches import check_top
from matching.models import SkillProfile
from matching.pipeline import PipelineEntry, enter_candidates
from matching.records import consented_recipients, get_vacancy
from matching.taxonomy import load_taxonomy
from matching.texts import (
    concept_uris,
    encode_texts,
    profile_concepts,
    profile_text,
    vacancy_text,
)

# The runtime cache entry with what the last call read (counts only: tests, benchmarks).
CANDIDATES_READ = "candidates_read"


@dataclass(frozen=True)
class CandidateMatch:
    profile: SkillProfile
    explanation: Explanation
    identified: bool  # the migrant consented to show their profile to this employer


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
    top = check_top(top)
    today = today or date.today()
    ranked: list[tuple[tuple, SkillProfile, Explanation]] = []  # the best so far, by sort key
    loaded = scored = explained = 0
    with Session(runtime.engine) as session:
        vacancy = get_vacancy(session, vacancy_id)
        bare = vacancy_view(vacancy, None)
        concepts = concept_uris([], [vacancy])
        taxonomy = load_taxonomy(session, concepts)
        view = vacancy_view(vacancy, encode_texts(runtime, [vacancy_text(vacancy, taxonomy)])[0])
        statement = select(SkillProfile).where(SkillProfile.consent_to_matching)  # type: ignore[arg-type]
        if not include_excluded:
            statement = statement.where(*candidate_prefilter(session.get_bind().dialect.name, bare, today))
        rows = session.execute(statement.execution_options(yield_per=_CANDIDATE_CHUNK)).scalars()
        for chunk in rows.partitions():
            loaded += len(chunk)
            candidates = []
            for profile in chunk:
                seen = screening_view(profile, bare)
                excluded = bool(hard_exclusions(seen, bare, today))
                if not excluded or (include_excluded and _may_enter(ranked, top, True, None)):
                    candidates.append((profile, seen, excluded))
            if not candidates:
                continue
            new = set().union(*(profile_concepts(seen.skills, seen.occupations) for _, seen, _ in candidates)) - concepts
            if new:
                taxonomy = taxonomy.merged(load_taxonomy(session, new))
                concepts |= new
            scored += len(candidates)
            vectors = encode_texts(runtime, [profile_text(p, taxonomy, seen.occupations) for p, seen, _ in candidates])
            bounds = score_bounds(vectors, view)
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
    runtime.caches.put(CANDIDATES_READ, CandidatesRead(rows_loaded=loaded, scored=scored, explained=explained), personal=False)
    matches = [CandidateMatch(p, e, vacancy.employer_id in consents.get(p.id or 0, set())) for _, p, e in ranked]
    return matches, taxonomy


def score_bounds(vectors: np.ndarray, vacancy: VacancyView) -> np.ndarray:
    """Per profile, a number no score of `explain` for it with this vacancy exceeds.

    The semantic part is the cosine of the two vectors (computed here for a whole chunk
    at once, `explain` computes it per pair: _BOUND_SLACK covers the difference and the
    rounding) times its weight. Every other part is a value in [0, 1] times its weight,
    and some are fixed by the vacancy alone, as `explain` computes them: essential skills
    count 0.5 when it lists none, optional skills 0 when it lists none, occupation and
    experience 0 without an occupation, language surplus 0 without language minimums.
    """
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


def screening_view(profile: SkillProfile, vacancy: VacancyView) -> ProfileView:
    """The parts of a profile that the exclusion check, its text and its concepts read.

    Each JSON part is parsed once: the occupations always, the languages when the vacancy
    asks for some; the qualifications are left out (only `explain` reads them, and the
    profiles it explains get a whole `profile_view`).
    """
    return profile_view(profile, None, languages=bool(vacancy.languages), qualifications=False)


@dataclass(frozen=True)
class CandidateReview:
    """An employer's list of candidates, as handed over: the matches, the labels of every
    concept their profiles name, and the names and contacts of the migrants who chose to
    be identified to this employer (matching/identity.py)."""

    matches: list[CandidateMatch]
    taxonomy: Taxonomy
    labels: Taxonomy  # the candidates' occupations and skills
    identities: dict[int, MigrantIdentity]  # profile id -> name and contact (identified candidates only)
    entries: dict[int, PipelineEntry]  # profile id -> where the candidate stands (matching/pipeline.py)


def review_candidates(
    runtime: Runtime, *, actor: User | str, role: str = "", vacancy_id: int, top: int = 10, include_excluded: bool = False
) -> CandidateReview:
    """Candidates for a vacancy handed to its employer (a page or the JSON API): the audit
    log records each hand-over with how many profiles it showed and which it identified."""
    matches, taxonomy = candidates_for_vacancy(runtime, vacancy_id, top=top, include_excluded=include_excluded)
    with session_scope(runtime.engine) as session:
        uris: set[str] = set()
        for match in matches:
            uris.update(match.profile.skills)
            uris.update(o.uri for o in match.profile.occupations_held() if o.uri)
        identified = [match.profile.id or 0 for match in matches if match.identified]
        identities = identities_of(session, identified)
        entries = enter_candidates(session, vacancy_id, [match.profile.id or 0 for match in matches])
        labels = load_taxonomy(session, uris)
        detail = f"{len(matches)} candidates shown"
        if identified:
            detail += f", identified with name and contact: profiles {', '.join(map(str, identified))}"
        audit.record(session, actor, "view", "vacancy", vacancy_id, detail, role=role)
    return CandidateReview(matches, taxonomy, labels, identities, entries)
