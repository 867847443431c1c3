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

import numpy as np

from kb.search.base import IndexDocument, SearchIndex, SearchQuery
from matching.matcher import ProfileView, Taxonomy, VacancyView, explain
from matching.models import LegalRoute, OccupationHeld

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
    from matching import matcher

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
