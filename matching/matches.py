"""Matches for a profile: the open vacancies, best first, each explained.

Eligible matches come from the worker's vacancy pool (matching/pool_cache.py); asked for
the excluded ones too, every vacancy is explained one by one so that each can say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from core.errors import BadRequest
from core.runtime import Runtime
from matching.matcher import Explanation, Taxonomy, VacancyView, explain
from matching.matcher_input import profile_view, vacancy_view
from matching.models import Vacancy
from matching.pool_cache import pooled_rows, vacancy_pool
from matching.records import get_profile
from matching.taxonomy import load_taxonomy
from matching.texts import concept_uris, encode_texts, profile_text, vacancy_text

MAX_TOP = 100


def check_top(top: int) -> int:
    """`top` if it is a page size people may ask for, else a BadRequest on the field."""
    if not 1 <= top <= MAX_TOP:
        raise BadRequest(f"top must be between 1 and {MAX_TOP}.", field="top")
    return top


@dataclass(frozen=True)
class VacancyMatch:
    vacancy: Vacancy
    explanation: Explanation


def matches_for_profile(
    runtime: Runtime, profile_id: int, *, top: int = 10, include_excluded: bool = False, today: date | None = None
) -> tuple[list[VacancyMatch], Taxonomy]:
    """Open vacancies for a profile, best first, each explained.

    Eligible matches come from the VacancyPool (every open vacancy scored at once, the
    best explained, their rows read then); with `include_excluded`, every vacancy is
    explained one by one so the excluded ones can say why.
    """
    top = check_top(top)
    today = today or date.today()
    if not include_excluded:
        with Session(runtime.engine) as session:
            profile = get_profile(session, profile_id)
            pool, state = vacancy_pool(runtime, session)
            profile_taxonomy = load_taxonomy(session, concept_uris([profile], []))
            session.expunge_all()
        taxonomy = pool.taxonomy.merged(profile_taxonomy)
        vector = encode_texts(runtime, [profile_text(profile, taxonomy)])[0]
        rows: dict[int, Vacancy] = {}

        def views(ids: list[int]) -> dict[int, VacancyView]:
            # Only the vacancies the pool explains (top + a few): their rows, in one query.
            rows.update(pooled_rows(runtime, ids, state.seen))
            return {i: vacancy_view(row, None) for i, row in rows.items()}

        view = profile_view(profile, vector)
        matched = pool.rank_vacancies_for_profile(view, top=top, today=today, taxonomy=taxonomy, views=views)
        return [VacancyMatch(rows[m.vacancy.id], m.explanation) for m in matched], taxonomy
    with Session(runtime.engine) as session:
        profile = get_profile(session, profile_id)
        vacancies = list(session.execute(select(Vacancy)).scalars())
        taxonomy = load_taxonomy(session, concept_uris([profile], vacancies))
        session.expunge_all()
    texts = [profile_text(profile, taxonomy)] + [vacancy_text(v, taxonomy) for v in vacancies]
    vectors = encode_texts(runtime, texts)
    view = profile_view(profile, vectors[0])
    ranked = []
    for vacancy, vector in zip(vacancies, vectors[1:]):
        ranked.append(VacancyMatch(vacancy, explain(view, vacancy_view(vacancy, vector), taxonomy, today=today)))
    ranked.sort(key=lambda m: (m.explanation.excluded, -m.explanation.score, m.vacancy.id))
    return ranked[:top], taxonomy
