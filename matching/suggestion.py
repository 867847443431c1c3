"""ESCO concepts suggested for what a person typed (a job title, a skill, a CV or a job
ad), and the record of what people chose among the suggestions."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from core.runtime import Runtime
from matching import esco
from matching.models import SuggestionChoice
from matching.normalize import ConceptSuggestion, label_vocabulary, suggest_concepts
from matching.skill_extraction import extract_skills as run_extraction
from matching.taxonomy_index import taxonomy_index

LABEL_WORDS_CACHE = "english_label_words"


def _labels_in(runtime: Runtime, language: str) -> list[str]:
    table = esco.EscoConceptText.__table__
    query = select(table.c.preferred_label, table.c.alt_labels, table.c.hidden_labels).where(
        table.c.language == language
    )
    with runtime.engine.connect() as connection:
        return [label for row in connection.execute(query) for field in row for label in field.split("\n") if label]


def english_label_words(runtime: Runtime) -> frozenset[str]:
    """Words of all English ESCO labels, for guessing a query's language; kept until the
    taxonomy changes."""
    key = (LABEL_WORDS_CACHE, tuple(sorted(esco.counts(runtime.engine).items())))
    cached = runtime.caches.get(LABEL_WORDS_CACHE)
    if cached is None or cached[0] != key:
        cached = (key, label_vocabulary(_labels_in(runtime, "en")))
        runtime.caches.put(LABEL_WORDS_CACHE, cached, personal=False)  # taxonomy words only
    return cached[1]


def suggest(
    runtime: Runtime,
    concept_type: str,
    text: str | None,
    *,
    top: int | str | None = 10,
    language: str | None = None,
) -> list[ConceptSuggestion]:
    return suggest_concepts(
        taxonomy_index(runtime, concept_type),
        text,
        top=top,
        language=language,
        english_words=english_label_words(runtime),
    )


def extract_skills(runtime: Runtime, text: str | None, *, language: str | None = None):
    """ESCO skills mentioned in a CV or job ad, each with the span it was found in."""
    return run_extraction(
        taxonomy_index(runtime, "skill"),
        runtime.encoder,
        text,
        language=language,
        english_words=english_label_words(runtime),
    )


def record_choice(runtime: Runtime, data) -> int:
    """Store a person's confirmation, correction or rejection of a suggestion."""
    with Session(runtime.engine) as session:
        choice = SuggestionChoice(**data.model_dump())
        session.add(choice)
        session.commit()
        return choice.id or 0
