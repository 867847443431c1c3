"""The small bundled taxonomy (seeds/esco_core.jsonl): validated and loaded like an ESCO file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from core.errors import ImportFileError, refuse_nul
from matching.esco.reports import EscoImportReport, FileImportReport, ProgressFactory, _Progress
from matching.esco.tables import CONCEPT_TYPES, CORE_SOURCE, DEFAULT_CORE_TAXONOMY, ESCO_URI_PREFIX
from matching.esco.values import _DIGITS, _description, _label, _without, is_esco_uri, split_labels
from matching.esco.writer import ParsedConcepts, _write_concepts

_CORE_FIELDS = {
    "uri",
    "concept_type",
    "preferred_label",
    "alt_labels",
    "code",
    "isco_group",
    "skill_type",
    "reuse_level",
    "regulated",
    "description",
}
# The core file states these concept fields; an ESCO import may add status and dates.
_CORE_ASSERTED = ("concept_type", "code", "skill_type", "reuse_level", "regulated")


def import_core_taxonomy(
    path: Path | str = DEFAULT_CORE_TAXONOMY,
    *,
    engine: Engine,
    progress_factory: ProgressFactory | None = None,
) -> EscoImportReport:
    """Load the small bundled taxonomy (seeds/esco_core.jsonl) for demos without ESCO files.

    Same tables and URIs as the real ESCO import (labels go in as source "core", English),
    so a later full import enriches the same concepts instead of duplicating them.
    Validated completely, written in one transaction, idempotent.
    """
    started = time.perf_counter()
    path = Path(path)
    parsed = _parse_core_file(path)
    report = EscoImportReport()
    file_report = FileImportReport(path, "core", "en", len(parsed.concepts))
    progress = _Progress(progress_factory, path.name, len(parsed.concepts))
    try:
        _write_concepts(
            engine,
            parsed,
            language="en",
            source=CORE_SOURCE,
            report=file_report,
            changed=report.changed_by_type,
            progress=progress,
        )
    finally:
        progress.close()
    file_report.seconds = time.perf_counter() - started
    report.files.append(file_report)
    report.seconds = file_report.seconds
    return report


def _parse_core_file(path: Path) -> ParsedConcepts:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ImportFileError(str(path), "file not found") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(str(path), f"not UTF-8 (byte offset {exc.start})") from None
    refuse_nul("\n".join(lines), str(path), json_escapes=True)
    concepts: dict[str, dict[str, Any]] = {}
    texts: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _core_record(path, number, line)
        uri = record["uri"]
        if uri in concepts:
            raise ImportFileError(str(path), f"{uri} appears twice", line=number, column="uri")
        concepts[uri], texts[uri] = _core_rows(record)
    if not concepts:
        raise ImportFileError(str(path), "no concepts in the file")
    return ParsedConcepts(concepts, texts, _CORE_ASSERTED)


def _core_record(path: Path, number: int, line: str) -> dict[str, Any]:
    """One validated JSON object of the core taxonomy file."""

    def fail(message: str, column: str | None = None) -> ImportFileError:
        return ImportFileError(str(path), message, line=number, column=column)

    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError):  # a number of over 4300 digits; nesting too deep
        raise fail("not valid JSON (a number too long or nesting too deep)") from None
    if not isinstance(record, dict):
        raise fail("each line must be one JSON object")
    for key in record:
        if key not in _CORE_FIELDS:
            raise fail(f"unknown field {key!r}", key)
    if not is_esco_uri(str(record.get("uri", ""))):
        raise fail(f"missing or not an ESCO URI (they start with {ESCO_URI_PREFIX})", "uri")
    if record.get("concept_type") not in CONCEPT_TYPES:
        raise fail(f"concept_type must be one of {', '.join(CONCEPT_TYPES)}", "concept_type")
    if not isinstance(record.get("preferred_label"), str) or not record["preferred_label"].strip():
        raise fail("preferred_label must be a non-empty string", "preferred_label")
    alt = record.get("alt_labels", [])
    if not isinstance(alt, list) or not all(isinstance(a, str) for a in alt):
        raise fail("alt_labels must be a list of strings", "alt_labels")
    code = record.get("code", record.get("isco_group"))
    if code is not None and not (isinstance(code, str) and _DIGITS.fullmatch(code)):
        raise fail("code must be an ISCO-08 code of 1 to 4 digits, as a string", "code")
    if not isinstance(record.get("regulated", False), bool):
        raise fail("regulated must be true or false", "regulated")
    return record


def _core_rows(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    uri = record["uri"]
    preferred = _label(record["preferred_label"])
    alt = _without(split_labels("\n".join(record.get("alt_labels", []))), preferred)
    concept = {
        "uri": uri,
        "concept_type": record["concept_type"],
        "code": record.get("code", record.get("isco_group")),
        "skill_type": record.get("skill_type"),
        "reuse_level": record.get("reuse_level"),
        "regulated": bool(record.get("regulated", False)),
        "regulated_profession_note": None,
        "status": None,
        "modified_date": None,
    }
    text = {
        "uri": uri,
        "language": "en",
        "source": CORE_SOURCE,
        "preferred_label": preferred,
        "alt_labels": "\n".join(alt),
        "hidden_labels": "",
        "description": _description(record.get("description", "")),
    }
    return concept, text
