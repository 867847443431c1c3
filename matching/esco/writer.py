"""Writing validated concept and relation rows, one transaction per file, with counts.

Rows that did not change are not written; every concept or relation is counted as
added, changed or unchanged in the file's report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from matching.esco.reports import FileImportReport, _Progress
from matching.esco.sql import _chunks, upsert
from matching.esco.tables import _CONCEPT, _MEMBER, _TEXT, _TEXT_FIELDS

_WRITE_BATCH = 1000


@dataclass
class ParsedConcepts:
    """A concept file's rows, validated and ready to write.

    `asserted` are the EscoConcept fields this file is authoritative for: they are updated
    on re-import. Fields outside it are only set when the concept is new (a collection file
    does not override what the skills file says).
    """

    concepts: dict[str, dict[str, Any]]
    texts: dict[str, dict[str, Any]]
    asserted: tuple[str, ...]
    members: list[dict[str, str]] = field(default_factory=list)


def _existing_concepts(connection: Connection, uris: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(list(uris)):
        for row in connection.execute(select(_CONCEPT).where(_CONCEPT.c.uri.in_(chunk))).mappings():
            found[row["uri"]] = dict(row)
    return found


def _existing_texts(connection: Connection, language: str, source: str) -> dict[str, tuple[str, ...]]:
    query = select(_TEXT.c.uri, *(_TEXT.c[name] for name in _TEXT_FIELDS)).where(
        _TEXT.c.language == language, _TEXT.c.source == source
    )
    return {row[0]: tuple(row[1:]) for row in connection.execute(query)}


def _existing_members(connection: Connection, collection: str) -> set[str]:
    return set(connection.scalars(select(_MEMBER.c.uri).where(_MEMBER.c.collection == collection)))


def _write_concepts(
    engine: Engine,
    parsed: ParsedConcepts,
    *,
    language: str,
    source: str,
    report: FileImportReport,
    changed: dict[str, set[str]],
    progress: _Progress,
) -> None:
    """Write one parsed concept file in one transaction, counting per concept."""
    uris = list(parsed.concepts)
    with engine.begin() as connection:
        old_concepts = _existing_concepts(connection, uris)
        old_texts = _existing_texts(connection, language, source)
        old_members = _existing_members(connection, source) if parsed.members else set()
        for batch in _chunks(uris, _WRITE_BATCH):
            concept_rows, text_rows, member_rows = [], [], []
            for uri in batch:
                status = _compare_concept(parsed, uri, old_concepts.get(uri), old_texts.get(uri), old_members)
                _count(report, status)
                if status == "unchanged":
                    continue
                changed[parsed.concepts[uri]["concept_type"]].add(uri)
                concept_rows.append(parsed.concepts[uri])
                text_rows.append(parsed.texts[uri])
                if parsed.members and uri not in old_members:
                    member_rows.append({"collection": source, "uri": uri})
            upsert(connection, _CONCEPT, concept_rows, update=parsed.asserted)
            upsert(connection, _TEXT, text_rows)
            upsert(connection, _MEMBER, member_rows, update=())
            progress.update(len(batch))


def _compare_concept(
    parsed: ParsedConcepts,
    uri: str,
    old_concept: dict[str, Any] | None,
    old_text: tuple[str, ...] | None,
    old_members: set[str],
) -> str:
    """The concept's status for this file's report.

    "added" when this file states the concept (or its text in this language) for the first
    time, "changed" when an asserted field, the text or the collection membership differs.
    """
    if old_concept is None or old_text is None:
        return "added"
    new_concept = parsed.concepts[uri]
    new_text = tuple(parsed.texts[uri][name] for name in _TEXT_FIELDS)
    if any(old_concept[name] != new_concept[name] for name in parsed.asserted):
        return "changed"
    if old_text != new_text or (parsed.members and uri not in old_members):
        return "changed"
    return "unchanged"


def _count(report: FileImportReport, status: str) -> None:
    setattr(report, status, getattr(report, status) + 1)


def _write_relations(
    engine: Engine,
    table,
    rows: dict[tuple[str, str], dict[str, Any]],
    *,
    report: FileImportReport,
    progress: _Progress,
) -> None:
    """Write relation rows in one transaction; existing pairs with other attributes are updated."""
    keys = [c.name for c in table.primary_key.columns]
    attributes = [c.name for c in table.columns if c.name not in keys]
    with engine.begin() as connection:
        existing = {
            tuple(row[:2]): tuple(row[2:])
            for row in connection.execute(select(*(table.c[k] for k in keys), *(table.c[a] for a in attributes)))
        }
        items = list(rows.items())
        for batch in _chunks(items, _WRITE_BATCH):
            to_write = []
            for key, row in batch:
                old = existing.get(key)
                new = tuple(row[a] for a in attributes)
                status = "added" if old is None else ("changed" if old != new else "unchanged")
                _count(report, status)
                if status != "unchanged":
                    to_write.append(row)
            upsert(connection, table, to_write)
            progress.update(len(batch))
