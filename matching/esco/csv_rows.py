"""ESCO CSV files to validated rows: concepts and texts, broader and occupation-skill relations.

Each parser reads and checks the whole file before returning, so a malformed file
raises ImportFileError (file, line, column) before anything is written.
"""

from __future__ import annotations

from typing import Any

from matching.esco.csv_table import CsvTable, read_csv
from matching.esco.files import _KIND_TYPES, EscoFile
from matching.esco.tables import ESCO_URI_PREFIX, RELATION_TYPES
from matching.esco.values import (
    _DIGITS,
    _description,
    _label,
    _without,
    is_esco_uri,
    is_regulated,
    split_labels,
)
from matching.esco.writer import ParsedConcepts

_CONCEPT_TYPE_NAMES = {
    "Occupation": "occupation",
    "KnowledgeSkillCompetence": "skill",
    "ISCOGroup": "isco_group",
    "SkillGroup": "skill_group",
}
_REQUIRED = {
    "occupations": ("conceptUri", "preferredLabel"),
    "skills": ("conceptUri", "preferredLabel"),
    "isco_groups": ("conceptUri", "code", "preferredLabel"),
    "skill_groups": ("conceptUri", "preferredLabel"),
    "collection": ("conceptType", "conceptUri", "preferredLabel"),
    "broader": ("conceptUri", "broaderUri"),
    "occupation_skills": ("occupationUri", "relationType", "skillUri"),
}
# CSV column -> EscoConcept fields it states.
_CONCEPT_COLUMNS = {
    "iscoGroup": ("code",),
    "code": ("code",),
    "skillType": ("skill_type",),
    "reuseLevel": ("reuse_level",),
    "regulatedProfessionNote": ("regulated", "regulated_profession_note"),
    "status": ("status",),
    "modifiedDate": ("modified_date",),
}


def checked_concept_uri(table: CsvTable, line: int, fields: list[str], column: str) -> str:
    value = table.get(fields, column)
    if not value:
        raise table.error("the concept URI is empty", line=line, column=column)
    if not is_esco_uri(value):
        raise table.error(
            f"{value[:80]!r} is not an ESCO concept URI (they start with {ESCO_URI_PREFIX})",
            line=line,
            column=column,
        )
    return value


def _isco_code(table: CsvTable, line: int, fields: list[str], column: str, *, required: bool) -> str | None:
    value = table.get(fields, column)
    if not value and not required:
        return None
    if not _DIGITS.fullmatch(value):
        raise table.error(f"{value[:40]!r} is not an ISCO-08 code (1 to 4 digits)", line=line, column=column)
    return value


def _parse_concept_file(esco_file: EscoFile) -> ParsedConcepts:
    table = read_csv(esco_file.path, _REQUIRED[esco_file.kind])
    concepts: dict[str, dict[str, Any]] = {}
    texts: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, int] = {}
    for line, fields in table.rows:
        uri = checked_concept_uri(table, line, fields, "conceptUri")
        if uri in first_seen:
            raise table.error(f"{uri} already appears on line {first_seen[uri]}", line=line, column="conceptUri")
        first_seen[uri] = line
        concepts[uri] = _concept_row(table, esco_file, line, fields, uri)
        texts[uri] = _text_row(table, esco_file, fields, uri)
    if esco_file.kind == "collection":
        asserted: tuple[str, ...] = ()
        members = [{"collection": esco_file.source, "uri": uri} for uri in concepts]
        return ParsedConcepts(concepts, texts, asserted, members)
    asserted = ("concept_type",) + tuple(
        name for column, names in _CONCEPT_COLUMNS.items() if table.has(column) for name in names
    )
    return ParsedConcepts(concepts, texts, asserted)


def _concept_row(table: CsvTable, esco_file: EscoFile, line: int, fields: list[str], uri: str) -> dict[str, Any]:
    concept_type = _KIND_TYPES.get(esco_file.kind) or _collection_concept_type(table, line, fields)
    if esco_file.kind == "isco_groups":
        code = _isco_code(table, line, fields, "code", required=True)
    else:
        code = _isco_code(table, line, fields, "iscoGroup", required=False)
    note = table.get(fields, "regulatedProfessionNote")
    return {
        "uri": uri,
        "concept_type": concept_type,
        "code": code,
        "skill_type": table.get(fields, "skillType") or None,
        "reuse_level": table.get(fields, "reuseLevel") or None,
        "regulated": is_regulated(note),
        "regulated_profession_note": note or None,
        "status": table.get(fields, "status") or None,
        "modified_date": table.get(fields, "modifiedDate") or None,
    }


def _collection_concept_type(table: CsvTable, line: int, fields: list[str]) -> str:
    value = table.get(fields, "conceptType")
    concept_type = _CONCEPT_TYPE_NAMES.get(value)
    if concept_type is None:
        raise table.error(
            f"unknown concept type {value[:40]!r} (expected one of {', '.join(_CONCEPT_TYPE_NAMES)})",
            line=line,
            column="conceptType",
        )
    return concept_type


def _text_row(table: CsvTable, esco_file: EscoFile, fields: list[str], uri: str) -> dict[str, Any]:
    preferred = _label(table.get(fields, "preferredLabel"))
    alt = _without(split_labels(table.get(fields, "altLabels")), preferred)
    return {
        "uri": uri,
        "language": esco_file.language,
        "source": esco_file.source,
        "preferred_label": preferred,
        "alt_labels": "\n".join(alt),
        "hidden_labels": "\n".join(split_labels(table.get(fields, "hiddenLabels"))),
        "description": _description(table.get(fields, "description")),
    }


def _parse_broader_file(esco_file: EscoFile) -> tuple[dict[tuple[str, str], dict[str, str]], int]:
    """Relations by (narrower, broader) and the number of records (ESCO repeats some pairs)."""
    table = read_csv(esco_file.path, _REQUIRED["broader"])
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line, fields in table.rows:
        uri = checked_concept_uri(table, line, fields, "conceptUri")
        broader = checked_concept_uri(table, line, fields, "broaderUri")
        rows[(uri, broader)] = {"uri": uri, "broader_uri": broader}
    return rows, len(table.rows)


def _parse_occupation_skill_file(esco_file: EscoFile) -> tuple[dict[tuple[str, str], dict[str, Any]], int]:
    """Relations by (occupation, skill); a pair listed as both essential and optional is essential."""
    table = read_csv(esco_file.path, _REQUIRED["occupation_skills"])
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for line, fields in table.rows:
        occupation = checked_concept_uri(table, line, fields, "occupationUri")
        skill = checked_concept_uri(table, line, fields, "skillUri")
        relation = table.get(fields, "relationType").lower()
        if relation not in RELATION_TYPES:
            raise table.error(
                f"unknown relation type {relation[:40]!r} (expected essential or optional)",
                line=line,
                column="relationType",
            )
        previous = rows.get((occupation, skill))
        if previous is not None and previous["relation_type"] == "essential":
            continue
        rows[(occupation, skill)] = {
            "occupation_uri": occupation,
            "skill_uri": skill,
            "relation_type": relation,
            "skill_type": table.get(fields, "skillType") or None,
        }
    return rows, len(table.rows)
