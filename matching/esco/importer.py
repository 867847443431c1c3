"""Importing the official ESCO CSV files of a directory (any language).

Imports add and update; they never delete (a concept missing from a newer release keeps
its rows), so a partial file cannot wipe the taxonomy.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from core.errors import ImportFileError
from matching.esco.csv_rows import _parse_broader_file, _parse_concept_file, _parse_occupation_skill_file
from matching.esco.files import EXPECTED_FILES, EscoFile, find_esco_files, normalize_language
from matching.esco.reports import EscoImportReport, FileImportReport, ProgressFactory, _Progress
from matching.esco.tables import _BROADER, _OCC_SKILL
from matching.esco.writer import _write_concepts, _write_relations


def import_esco(
    directory: Path | str,
    *,
    engine: Engine,
    progress_factory: ProgressFactory | None = None,
    languages: set[str] | None = None,
) -> EscoImportReport:
    """Import (or re-import) the ESCO CSV files found in `directory`.

    Each file is read and validated completely, then written in one transaction: a
    malformed file imports nothing and raises ImportFileError naming file, line and column,
    while files imported before it in the same run stay. Re-importing unchanged files
    writes nothing and reports every concept unchanged. `languages` limits the label
    languages imported ("en", "fr" ...); relation files are always imported.
    """
    started = time.perf_counter()
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFileError(str(directory), "not a directory; give the folder that holds the ESCO CSV files")
    wanted = {normalize_language(code) for code in languages} if languages is not None else None
    files, skipped = find_esco_files(directory, wanted)
    if not files:
        raise ImportFileError(
            str(directory), f"no ESCO files found; expected files named like {EXPECTED_FILES}"
        )
    report = EscoImportReport(skipped=skipped)
    for esco_file in files:
        report.files.append(_import_file(esco_file, engine, progress_factory, report.changed_by_type))
    report.seconds = time.perf_counter() - started
    return report


def _import_file(
    esco_file: EscoFile,
    engine: Engine,
    progress_factory: ProgressFactory | None,
    changed: dict[str, set[str]],
) -> FileImportReport:
    started = time.perf_counter()
    if esco_file.kind == "broader":
        relations, records = _parse_broader_file(esco_file)
        return _import_relations(esco_file, engine, _BROADER, relations, records, progress_factory, started)
    if esco_file.kind == "occupation_skills":
        relations, records = _parse_occupation_skill_file(esco_file)
        return _import_relations(esco_file, engine, _OCC_SKILL, relations, records, progress_factory, started)
    parsed = _parse_concept_file(esco_file)
    report = FileImportReport(esco_file.path, esco_file.kind, esco_file.language, len(parsed.concepts))
    progress = _Progress(progress_factory, esco_file.path.name, len(parsed.concepts))
    try:
        assert esco_file.language is not None
        _write_concepts(
            engine,
            parsed,
            language=esco_file.language,
            source=esco_file.source,
            report=report,
            changed=changed,
            progress=progress,
        )
    finally:
        progress.close()
    report.seconds = time.perf_counter() - started
    return report


def _import_relations(
    esco_file: EscoFile,
    engine: Engine,
    table,
    relations: dict[tuple[str, str], dict[str, Any]],
    records: int,
    progress_factory: ProgressFactory | None,
    started: float,
) -> FileImportReport:
    """`records` counts the file's rows; a pair repeated in the file is one relation."""
    report = FileImportReport(esco_file.path, esco_file.kind, None, records, unit="relations")
    progress = _Progress(progress_factory, esco_file.path.name, len(relations))
    try:
        _write_relations(engine, table, relations, report=report, progress=progress)
    finally:
        progress.close()
    report.seconds = time.perf_counter() - started
    return report
