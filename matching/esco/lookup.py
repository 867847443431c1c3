"""Looking concepts up by URI: the concept, its merged labels, counts, broader chain, skills."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from matching.esco.files import _KIND_TYPES, normalize_language
from matching.esco.sql import SessionOrEngine, _connection
from matching.esco.tables import (
    _BROADER,
    _CONCEPT,
    _OCC_SKILL,
    _TEXT,
    CONCEPT_TYPES,
    CORE_SOURCE,
    RELATION_TYPES,
    EscoConcept,
)
from matching.esco.values import split_labels


@dataclass(frozen=True)
class ConceptLabels:
    """A concept's labels in one language, merged over the files that state them."""

    language: str
    preferred_label: str
    alt_labels: tuple[str, ...]
    hidden_labels: tuple[str, ...]
    description: str

    @property
    def all_labels(self) -> tuple[str, ...]:
        return tuple(l for l in (self.preferred_label, *self.alt_labels, *self.hidden_labels) if l)


def _source_rank(source: str) -> tuple[int, str]:
    """The concept's own file first, then the core seed, then collections."""
    if source in _KIND_TYPES:
        return (0, source)
    return (1, source) if source == CORE_SOURCE else (2, source)


def merge_texts(language: str, rows: Iterable[dict[str, Any]]) -> ConceptLabels:
    """Merge one language's text rows: the best-ranked non-empty preferred label and
    description win; every other label (including other sources' preferred labels) becomes
    an alternative label, de-duplicated case-insensitively."""
    ordered = sorted(rows, key=lambda r: _source_rank(r["source"]))
    preferred = next((r["preferred_label"] for r in ordered if r["preferred_label"]), "")
    description = next((r["description"] for r in ordered if r["description"]), "")
    seen = {preferred.casefold()}
    alt: list[str] = []
    for row in ordered:
        for label in (row["preferred_label"], *row["alt_labels"].split("\n")):
            if label and label.casefold() not in seen:
                seen.add(label.casefold())
                alt.append(label)
    hidden = split_labels("\n".join(r["hidden_labels"] for r in ordered))
    hidden = tuple(h for h in hidden if h.casefold() not in seen)
    return ConceptLabels(language, preferred, tuple(alt), hidden, description)


def get_concept(session: SessionOrEngine, uri: str) -> EscoConcept | None:
    """The concept row for a URI, or None when it was never imported."""
    with _connection(session) as connection:
        return _concept_row_by_uri(connection, uri)


def labels(session: SessionOrEngine, uri: str, language: str = "en") -> ConceptLabels | None:
    """A concept's merged labels in `language` ("en-US" counts as "en"), or None if it has none."""
    language = normalize_language(language)
    with _connection(session) as connection:
        rows = connection.execute(
            select(_TEXT).where(_TEXT.c.uri == uri, _TEXT.c.language == language)
        ).mappings().all()
    return merge_texts(language, rows) if rows else None


def counts(session: SessionOrEngine) -> dict[str, int]:
    """Concepts per type (every type present, zero when none were imported)."""
    with _connection(session) as connection:
        query = select(_CONCEPT.c.concept_type, func.count()).group_by(_CONCEPT.c.concept_type)
        found = dict(connection.execute(query).all())
    return {concept_type: int(found.get(concept_type, 0)) for concept_type in CONCEPT_TYPES}


def broader_chain(session: SessionOrEngine, uri: str, *, max_depth: int = 32) -> list[EscoConcept]:
    """The concepts above `uri`, nearest first (occupation -> ... -> ISCO major group).

    Follows the broader relations; where a concept has several (skills often do), the
    first by URI is taken so the chain is stable. Where no relation was imported (the core
    taxonomy has none), occupations and ISCO groups climb by ISCO code instead.
    """
    chain: list[EscoConcept] = []
    seen = {uri}
    with _connection(session) as connection:
        current = _concept_row_by_uri(connection, uri)
        current_uri = uri
        for _ in range(max_depth):
            parent_uri = _first_broader(connection, current_uri) or _isco_parent(connection, current)
            if parent_uri is None or parent_uri in seen:
                break
            seen.add(parent_uri)
            current, current_uri = _concept_row_by_uri(connection, parent_uri), parent_uri
            if current is not None:
                chain.append(current)
    return chain


def _concept_row_by_uri(connection: Connection, uri: str) -> EscoConcept | None:
    row = connection.execute(select(_CONCEPT).where(_CONCEPT.c.uri == uri)).mappings().first()
    return EscoConcept(**row) if row else None


def _first_broader(connection: Connection, uri: str) -> str | None:
    query = select(_BROADER.c.broader_uri).where(_BROADER.c.uri == uri).order_by(_BROADER.c.broader_uri).limit(1)
    return connection.scalars(query).first()


def _isco_parent(connection: Connection, concept: EscoConcept | None) -> str | None:
    if concept is None or not concept.code:
        return None
    if concept.concept_type == "occupation":
        code = concept.code
    elif concept.concept_type == "isco_group" and len(concept.code) > 1:
        code = concept.code[:-1]
    else:
        return None
    query = select(_CONCEPT.c.uri).where(_CONCEPT.c.concept_type == "isco_group", _CONCEPT.c.code == code)
    return connection.scalars(query.order_by(_CONCEPT.c.uri).limit(1)).first()


def occupation_skills(session: SessionOrEngine, occupation_uri: str) -> dict[str, list[str]]:
    """An occupation's skill URIs by relation type: {"essential": [...], "optional": [...]}."""
    out: dict[str, list[str]] = {relation: [] for relation in RELATION_TYPES}
    query = (
        select(_OCC_SKILL.c.relation_type, _OCC_SKILL.c.skill_uri)
        .where(_OCC_SKILL.c.occupation_uri == occupation_uri)
        .order_by(_OCC_SKILL.c.skill_uri)
    )
    with _connection(session) as connection:
        for relation, skill in connection.execute(query):
            out.setdefault(relation, []).append(skill)
    return out
