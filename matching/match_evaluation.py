"""Evaluation of the matcher on ESCO: can it find a person's job among many vacancies?

Why it is library code: bench/eval_matching.py reports the figures and a slow test pins
that the matcher beats both baselines; they must measure the same thing.

Protocol (built from the ESCO files only; the shared set has no occupation-skill
relations, so skills come from the descriptions):
- Sample occupations with at least one alternative label and a description. Each gets a
  vacancy: its preferred label as title, its description as text, and as essential
  skills the ESCO skills that skill extraction finds in the description.
- Each sampled occupation also gets a profile, as a migrant would fill it: the title they
  typed is one of the occupation's alternative labels, which are removed from the
  occupation index first (held out), so the occupation URI comes from the suggestion of
  that title, right or wrong, as it would in the product; the skills are a random half
  of the vacancy's skills plus two skills from other vacancies (people list skills the
  job does not need).
- The profile's vacancy is the one relevant answer among all vacancies. Languages and
  countries are left out: they are hard constraints, tested on hand-made cases.

Rankings compared, all from the same profile information:
- BM25: the profile's text (title typed, summary, skill labels) against vacancy texts;
- plain embedding: cosine of the same profile and vacancy texts;
- the matcher: its weighted score (semantic, skills, occupation proximity, experience).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
from sqlmodel import Session

from core.search.base import IndexDocument, Passage, SearchIndex, SearchQuery
from core.search.embedded import EmbeddedSearchIndex
from core.search.factory import COLLECTIONS
from matching import esco, matcher
from matching.matcher import ProfileView, Taxonomy, VacancyView, explain
from matching.models import LegalRoute, OccupationHeld
from matching.skill_extraction import extract_skills
from matching.taxonomy import load_taxonomy

HELD_OUT_ANCHORS = ("alt-", "hidden-")


@dataclass(frozen=True)
class EvalVacancy:
    id: int
    uri: str
    title: str
    text: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class EvalProfile:
    expected: int  # the vacancy id
    typed_title: str
    suggested_uri: str | None
    skills: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class RankingScores:
    mrr: float
    recall_at_10: float
    queries: int


def hold_out_titles(documents: Sequence[IndexDocument], uris: set[str]) -> list[IndexDocument]:
    """Occupation documents without the alternative and hidden labels of `uris`."""
    return [
        replace(doc, passages=tuple(p for p in doc.passages if not p.anchor.startswith(HELD_OUT_ANCHORS)))
        if doc.id in uris
        else doc
        for doc in documents
    ]


def typed_titles(documents: Sequence[IndexDocument]) -> dict[str, list[str]]:
    """Alternative labels (English) of each occupation document."""
    out: dict[str, list[str]] = {}
    for doc in documents:
        titles = [p.text for p in doc.passages if p.anchor.startswith("alt-") and p.text.strip()]
        if titles:
            out[doc.id] = titles
    return out


def make_profiles(
    vacancies: Sequence[EvalVacancy],
    titles: dict[str, list[str]],
    suggest: "callable",
    labels: dict[str, str],
    *,
    seed: int = 7,
    sibling_skills: dict[int, tuple[str, ...]] | None = None,
) -> list[EvalProfile]:
    """Profiles as described in the module docstring; the two extra skills come from the
    vacancy's sibling occupation when there is one (the hardest kind of noise)."""
    rng = random.Random(seed)
    all_skills = sorted({s for v in vacancies for s in v.skills})
    profiles = []
    for vacancy in vacancies:
        typed = rng.choice(titles[vacancy.uri])
        kept = [s for s in vacancy.skills if rng.random() < 0.5]
        pool = [s for s in (sibling_skills or {}).get(vacancy.id, ()) if s not in vacancy.skills]
        if len(pool) < 2:
            pool = [s for s in all_skills if s not in vacancy.skills]
        noise = rng.sample(pool, k=min(2, len(pool)))
        skills = tuple(kept + noise)
        skill_words = ", ".join(labels.get(s, "") for s in skills)
        text = f"{typed}. I worked as {typed} for several years. {skill_words}".strip()
        profiles.append(EvalProfile(vacancy.id, typed, suggest(typed), skills, text))
    return profiles


def rank_of(expected: int, ranking: Sequence[int]) -> int | None:
    try:
        return list(ranking).index(expected) + 1
    except ValueError:
        return None


def score(rankings: Sequence[tuple[int, Sequence[int]]]) -> RankingScores:
    reciprocal = recall = 0.0
    for expected, ranking in rankings:
        position = rank_of(expected, ranking)
        if position:
            reciprocal += 1.0 / position
            recall += position <= 10
    n = max(len(rankings), 1)
    return RankingScores(reciprocal / n, recall / n, len(rankings))


def embedding_rankings(profile_vectors: np.ndarray, vacancy_vectors: np.ndarray, vacancies: Sequence[EvalVacancy], profiles: Sequence[EvalProfile]):
    similarities = profile_vectors @ vacancy_vectors.T
    ids = np.array([v.id for v in vacancies])
    return [(p.expected, ids[np.argsort(-row, kind="stable")].tolist()) for p, row in zip(profiles, similarities)]


def bm25_rankings(index: SearchIndex, profiles: Sequence[EvalProfile], k: int):
    out = []
    for profile in profiles:
        result = index.search(SearchQuery(text=profile.text, mode="lexical", k=k, track_total=False))
        out.append((profile.expected, [int(hit.id) for hit in result.hits]))
    return out


def matcher_rankings(
    profiles: Sequence[EvalProfile],
    profile_vectors: np.ndarray,
    vacancies: Sequence[EvalVacancy],
    vacancy_vectors: np.ndarray,
    taxonomy: Taxonomy,
    *,
    weights: dict[str, float] | None = None,
):
    saved = dict(matcher.WEIGHTS)
    if weights:
        matcher.WEIGHTS.update(weights)
    try:
        views = [
            VacancyView(
                id=v.id, title=v.title, country="DE", status="open", valid_through=None, occupation_uri=v.uri,
                essential_skills=v.skills, optional_skills=(), languages=(), legal_route=LegalRoute(), vector=vector,
            )  # fmt: skip
            for v, vector in zip(vacancies, vacancy_vectors)
        ]
        out = []
        today = date(2026, 1, 1)
        for profile, vector in zip(profiles, profile_vectors):
            person = ProfileView(
                id=0, origin_countries=(), destination_countries=(),
                occupations=(OccupationHeld(uri=profile.suggested_uri, title=profile.typed_title, years=3),),
                skills=frozenset(profile.skills), languages={}, education_level=None, qualifications=(),
                consent_to_matching=True, vector=vector,
            )  # fmt: skip
            scored = [(explain(person, view, taxonomy, today=today).score, view.id) for view in views]
            scored.sort(key=lambda item: (-item[0], item[1]))
            out.append((profile.expected, [vacancy_id for _, vacancy_id in scored]))
        return out
    finally:
        matcher.WEIGHTS.clear()
        matcher.WEIGHTS.update(saved)


@dataclass(frozen=True)
class MatchingEvaluation:
    rows: list[tuple[str, RankingScores]]
    vacancies: int
    skills_per_vacancy: float
    right_occupation: float  # share of profiles whose occupation is the right one


def run_evaluation(
    runtime,
    *,
    occupations: int = 300,
    seed: int = 7,
    confirm: int = 5,
    work_dir,
    extracted: dict[str, list[str]] | None = None,
    tune: bool = True,
    weight_sets: Sequence[dict[str, float]] = (),
) -> MatchingEvaluation:
    """Build the evaluation from the ESCO concepts in `runtime`'s database and grade the
    rankings. `extracted` caches each vacancy's skills by occupation URI (filled in)."""
    extracted = {} if extracted is None else extracted
    work_dir = Path(work_dir)
    documents = esco.concept_documents(runtime.engine, "occupation")
    titles = typed_titles(documents)
    descriptions = {d.id: next((p.text for p in d.passages if p.anchor.startswith("desc")), "") for d in documents}
    eligible = sorted(uri for uri in titles if len(descriptions.get(uri, "")) > 80)
    with Session(runtime.engine) as session:
        codes = load_taxonomy(session, set(eligible)).isco_codes
    by_group: dict[str, list[str]] = {}
    for uri in eligible:
        if codes.get(uri):
            by_group.setdefault(codes[uri], []).append(uri)
    rng = random.Random(seed)
    groups = sorted(code for code, members in by_group.items() if len(members) >= 2)
    chosen = rng.sample(groups, min(occupations // 2, len(groups)))
    sample = sorted(uri for code in chosen for uri in rng.sample(sorted(by_group[code]), 2))
    skill_index = runtime.index("skills")
    if skill_index.count() == 0:
        skill_index.upsert(esco.concept_documents(runtime.engine, "skill"))
    held_out = EmbeddedSearchIndex(work_dir / "occupations-held-out.sqlite", name="occupations-held-out",
                                   encoder=runtime.encoder, fusion=COLLECTIONS["occupations"])  # fmt: skip
    held_out.upsert(hold_out_titles(documents, set(sample)))
    by_uri = {d.id: d for d in documents}
    vacancies = []
    for number, uri in enumerate(sample, start=1):
        if uri not in extracted:
            found = extract_skills(skill_index, runtime.encoder, descriptions[uri], language="en")
            extracted[uri] = [s.uri for s in found[:8]]
        text = f"{by_uri[uri].title}. {descriptions[uri]}"
        vacancies.append(EvalVacancy(number, uri, by_uri[uri].title, text, tuple(extracted[uri])))
    with Session(runtime.engine) as session:
        taxonomy = load_taxonomy(session, {s for v in vacancies for s in v.skills} | {d.id for d in documents})
    labels = dict(taxonomy.labels)
    owner_of = {title: v.uri for v in vacancies for title in titles[v.uri]}

    def suggest(title: str) -> str | None:
        """The occupation the person ends up with: the right one when it is among the
        first `confirm` suggestions (they pick it), else the first suggestion."""
        hits = held_out.search(SearchQuery(text=title, k=max(1, confirm), language="en", track_total=False)).hits
        if not hits:
            return None
        if confirm > 1 and owner_of.get(title) in {hit.id for hit in hits}:
            return owner_of[title]
        return hits[0].id

    siblings = {}
    for v in vacancies:
        sibling = next((w for w in vacancies if w.id != v.id and codes.get(w.uri) == codes.get(v.uri)), None)
        siblings[v.id] = sibling.skills if sibling else ()
    profiles = make_profiles(vacancies, titles, suggest, labels, seed=seed, sibling_skills=siblings)
    vacancy_texts = [f"{v.text} {', '.join(labels.get(s, '') for s in v.skills)}" for v in vacancies]
    vacancy_vectors = runtime.encoder.encode(vacancy_texts)
    # Both halves of a composite vector are unit vectors: halve the dot product for a cosine.
    scale = 0.5 if getattr(runtime.encoder, "blocks", None) else 1.0
    profile_vectors = runtime.encoder.encode([p.text for p in profiles]) * scale
    bm25 = EmbeddedSearchIndex(":memory:", name="vacancies", encoder=runtime.encoder)
    bm25.upsert([IndexDocument(id=str(v.id), title=v.title, passages=(Passage(anchor="text", text=t, embed=False),))
                 for v, t in zip(vacancies, vacancy_texts)])  # fmt: skip

    def graded(keep: Sequence[int], weights: dict[str, float] | None = None):
        return matcher_rankings([profiles[i] for i in keep], profile_vectors[list(keep)], vacancies, vacancy_vectors, taxonomy, weights=weights)

    everyone = list(range(len(profiles)))
    rows = [
        ("BM25 (profile text vs vacancy text)", score(bm25_rankings(bm25, profiles, len(vacancies)))),
        ("plain embedding (cosine of the same texts)", score(embedding_rankings(profile_vectors, vacancy_vectors, vacancies, profiles))),
        ("matcher (shipped weights)", score(graded(everyone))),
        ("matcher without the semantic part", score(graded(everyone, {"semantic": 0.0}))),
        ("matcher without occupation proximity", score(graded(everyone, {"occupation": 0.0, "experience": 0.0}))),
    ]
    for weights in weight_sets:
        rows.append((f"matcher {weights}", score(graded(everyone, weights))))
    if tune:
        odd, even = everyone[1::2], everyone[0::2]
        grid = [{"semantic": a, "essential_skills": b, "occupation": c}
                for a in (0.25, 0.4, 0.55, 0.7) for b in (0.1, 0.2, 0.3) for c in (0.1, 0.2, 0.3)]  # fmt: skip
        best_odd = max(grid, key=lambda w: score(graded(odd, w)).mrr)
        best_even = max(grid, key=lambda w: score(graded(even, w)).mrr)
        rows.append((f"matcher, weights tuned on the other half (2-fold: {best_odd} / {best_even})",
                     score(graded(even, best_odd) + graded(odd, best_even))))  # fmt: skip
    return MatchingEvaluation(
        rows=rows,
        vacancies=len(vacancies),
        skills_per_vacancy=float(np.mean([len(v.skills) for v in vacancies])) if vacancies else 0.0,
        right_occupation=float(np.mean([p.suggested_uri == v.uri for p, v in zip(profiles, vacancies)])) if vacancies else 0.0,
    )
