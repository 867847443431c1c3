"""Search documents (core.search IndexDocuments) for ESCO concepts, one per concept URI."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.search.base import IndexDocument, Passage
from matching.esco.lookup import ConceptLabels, merge_texts
from matching.esco.sql import SessionOrEngine, _chunks, _connection
from matching.esco.tables import _CONCEPT, _MEMBER, _TEXT, CONCEPT_TYPES


def concept_documents(
    session_or_engine: SessionOrEngine,
    concept_type: str,
    uris: Iterable[str] | None = None,
) -> list[IndexDocument]:
    """One search document per concept of `concept_type` (all, or those in `uris`), by URI.

    Every distinct label in every imported language and every description is a passage
    (see `_passages` for what each model embeds). Concepts without any label (a few ESCO
    rows lack a translation) get no document: there is nothing to find them by.
    """
    if concept_type not in CONCEPT_TYPES:
        raise ValueError(f"unknown concept type {concept_type!r}")
    with _connection(session_or_engine) as connection:
        concepts = _concepts_of_type(connection, concept_type, uris)
        texts = _texts_for(connection, concept_type, list(concepts) if uris is not None else None)
        collections = _collections_for(connection, concept_type, list(concepts) if uris is not None else None)
    documents = []
    for uri in sorted(concepts):
        document = _document(concepts[uri], texts.get(uri, []), collections.get(uri, []))
        if document is not None:
            documents.append(document)
    return documents


def _concepts_of_type(
    connection: Connection, concept_type: str, uris: Iterable[str] | None
) -> dict[str, dict[str, Any]]:
    base = select(_CONCEPT).where(_CONCEPT.c.concept_type == concept_type)
    if uris is None:
        return {row["uri"]: dict(row) for row in connection.execute(base).mappings()}
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(uris))):
        for row in connection.execute(base.where(_CONCEPT.c.uri.in_(chunk))).mappings():
            found[row["uri"]] = dict(row)
    return found


def _texts_for(
    connection: Connection, concept_type: str, uris: list[str] | None
) -> dict[str, list[dict[str, Any]]]:
    """Text rows by URI: of every concept of the type (one join), or of `uris` (IN lists)."""
    if uris is None:
        joined = select(_TEXT).join(_CONCEPT, _CONCEPT.c.uri == _TEXT.c.uri)
        queries = [joined.where(_CONCEPT.c.concept_type == concept_type)]
    else:
        queries = [select(_TEXT).where(_TEXT.c.uri.in_(chunk)) for chunk in _chunks(uris)]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for query in queries:
        for row in connection.execute(query).mappings():
            out[row["uri"]].append(dict(row))
    return out


def _collections_for(connection: Connection, concept_type: str, uris: list[str] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    query = select(_MEMBER.c.uri, _MEMBER.c.collection)
    if uris is None:
        query = query.join(_CONCEPT, _CONCEPT.c.uri == _MEMBER.c.uri)
        rows: Iterable = connection.execute(query.where(_CONCEPT.c.concept_type == concept_type)).all()
    else:
        rows = [row for chunk in _chunks(uris) for row in connection.execute(query.where(_MEMBER.c.uri.in_(chunk)))]
    for uri, collection in rows:
        out[uri].append(collection)
    return out


def _languages_in_order(texts: Sequence[dict[str, Any]]) -> list[str]:
    return sorted({row["language"] for row in texts}, key=lambda lang: (lang != "en", lang))


def _document(
    concept: dict[str, Any], texts: Sequence[dict[str, Any]], collections: Sequence[str]
) -> IndexDocument | None:
    merged = [
        merge_texts(language, [t for t in texts if t["language"] == language])
        for language in _languages_in_order(texts)
    ]
    merged = [m for m in merged if m.all_labels or m.description]
    passages = _passages(merged)
    if not any(p.embed for p in passages):
        return None
    title = next((m.preferred_label for m in merged if m.preferred_label), None) or next(
        p.text for p in passages if p.embed
    )
    return IndexDocument(
        id=concept["uri"],
        title=title,
        passages=tuple(passages),
        language="en",
        keywords=_keywords(concept, [m.language for m in merged if m.all_labels], collections),
    )


def _passages(merged: Sequence[ConceptLabels]) -> list[Passage]:
    """Label passages (distinct across languages, case-insensitive), then descriptions.

    What each model embeds follows the measurements in bench/README.md: the English
    model ranks best on one vector of "preferred label. description" (held-out labels:
    MRR 0.69, against 0.48 for the best of all label vectors), the multilingual model on
    the labels themselves (French, Spanish, Arabic and Russian titles). So labels go to
    the multilingual model and to the lexical arm, and each description is embedded by the
    English model together with its preferred label. A concept without a description has
    its preferred label embedded by every model, so it can still be found by meaning.
    """
    seen: set[str] = set()
    passages: list[Passage] = []
    described = {m.language for m in merged if m.description}

    def add(anchor: str, text: str, vector_model: str) -> None:
        key = text.casefold()
        if text and key not in seen:
            seen.add(key)
            passages.append(Passage(anchor=anchor, text=text, vector_model=vector_model))

    for m in merged:
        add(f"pref-{m.language}", m.preferred_label, "multilingual" if m.language in described else "any")
        for i, label in enumerate(m.alt_labels):
            add(f"alt-{m.language}-{i}", label, "multilingual")
        for i, label in enumerate(m.hidden_labels):
            add(f"hidden-{m.language}-{i}", label, "multilingual")
    for m in merged:
        if m.description:
            summary = f"{m.preferred_label}. {m.description}" if m.preferred_label else m.description
            passages.append(
                Passage(anchor=f"desc-{m.language}", text=m.description, vector_text=summary, vector_model="primary")
            )
    return passages


def _keywords(
    concept: dict[str, Any], languages: Sequence[str], collections: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Filter and facet fields; skill_type is split because ESCO has one "skill/competence knowledge"."""
    keywords: dict[str, tuple[str, ...]] = {"concept_type": (concept["concept_type"],)}
    if concept["code"] and concept["concept_type"] in ("occupation", "isco_group"):
        keywords["isco_group"] = (concept["code"],)
    if languages:
        keywords["languages"] = tuple(languages)
    if concept["skill_type"]:
        keywords["skill_type"] = tuple(concept["skill_type"].split())
    if concept["reuse_level"]:
        keywords["reuse_level"] = (concept["reuse_level"],)
    if concept["concept_type"] == "occupation":
        keywords["regulated"] = ("yes" if concept["regulated"] else "no",)
    if collections:
        keywords["collections"] = tuple(sorted(collections))
    return keywords
