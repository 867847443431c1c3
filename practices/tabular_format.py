"""Records as rows: CSV (one row per record, lists separated by ';') and JSON Lines.

Spreadsheets are how many centres keep their lists, so CSV is a first-class format. A
practice's narrative sections are columns named by their keys; a handbook section's body
is one Markdown column (`body`) with its '## ' headings.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from practices.markdown_format import MarkdownError, body_sections
from practices.schema import LibraryRecord, RecordError, record_from_fields
from practices.vocabulary import PRACTICE_SECTIONS, SECTION_HEADINGS

LIST_SEPARATOR = ";"
LIST_COLUMNS = frozenset({
    "implementing_countries", "origin_countries", "destination_countries", "organisations", "partners",
    "target_groups", "measure_types", "measure_subtypes", "delivery_modes", "languages", "topics",
    "related_practices", "tags", "sources",
})  # fmt: skip
_SPLIT = re.compile(r"(?<!\\);")


def split_list(cell: str) -> list[str]:
    """'a; b\\; c' -> ['a', 'b; c']: items separated by ';', a literal ';' written '\\;'."""
    return [item.strip().replace("\\;", ";") for item in _SPLIT.split(cell) if item.strip()]


def join_list(items: list[str]) -> str:
    return "; ".join(item.replace(";", "\\;") for item in items)
CSV_COLUMNS = (
    "id", "kind", "language", "translation_of", "title", "summary",
    "implementing_countries", "origin_countries", "destination_countries", "organisations", "partners",
    "period_start", "period_end", "regular_service",
    "target_groups", "measure_types", "measure_subtypes", "delivery_modes", "languages", "evaluation_type",
    "chapter", "section", "topics", "related_practices", "tags", "sources",
    *PRACTICE_SECTIONS, "body",
)  # fmt: skip


class RowError(Exception):
    def __init__(self, line: int, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.column = column


def read_csv_records(text: str) -> Iterator[LibraryRecord]:
    """Records of a CSV file in order; RowError names the line and column of a bad value."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise RowError(1, f"unknown column {unknown[0]!r} (columns: {', '.join(CSV_COLUMNS)})", unknown[0])
    if "id" not in header or "kind" not in header:
        raise RowError(1, "the header must name at least the columns id, kind, language, title and sources")
    for row in reader:
        line = reader.line_num
        if None in row:
            raise RowError(line, "this row has more values than the header has columns")
        yield _record_from_row(row, line)


def _record_from_row(row: dict[str, str], line: int) -> LibraryRecord:
    values: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "") and k in CSV_COLUMNS}
    for column in LIST_COLUMNS & values.keys():
        values[column] = split_list(values[column])
    period = {}
    for column, key in (("period_start", "start"), ("period_end", "end"), ("regular_service", "regular_service")):
        if column in values:
            period[key] = values.pop(column)
    if period:
        values["period"] = period
    language = (values.get("language") or "en").lower()
    headings = SECTION_HEADINGS.get(language, PRACTICE_SECTIONS)
    sections = [
        {"key": key, "heading": headings.get(key, PRACTICE_SECTIONS[key]), "text": values.pop(key)}
        for key in PRACTICE_SECTIONS
        if key in values
    ]
    body = values.pop("body", "")
    if body:
        try:
            parsed, _ = body_sections(body.splitlines(), first_line=1, kind=values.get("kind"))
        except MarkdownError as error:
            raise RowError(line, error.message, "body") from None
        preamble = parsed.pop("", None)
        if preamble and preamble["text"] and not values.get("summary"):
            values["summary"] = preamble["text"]
        sections += list(parsed.values())
    values["sections"] = sections
    try:
        return record_from_fields(values)
    except RecordError as error:
        column = error.field.replace("period.", "period_") if error.field.startswith("period.") else error.field
        if column == "period_regular_service":
            column = "regular_service"
        raise RowError(line, error.message, column) from None


def write_csv_records(records: list[LibraryRecord]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        data = record.to_fields()
        row: dict[str, str] = {}
        for name, value in data.items():
            if name == "sections":
                continue
            if name == "period":
                row["period_start"] = value["start"] or ""
                row["period_end"] = value["end"] or ""
                row["regular_service"] = "true" if value["regular_service"] else ""
            elif isinstance(value, list):
                row[name] = join_list(value)
            elif value is not None:
                row[name] = str(value)
        if record.kind == "practice":
            for section in record.sections:
                row[section.key] = section.text
        else:
            row["body"] = "\n\n".join(f"## {s.heading} {{#{s.key}}}\n\n{s.text}" for s in record.sections)
        writer.writerow(row)
    return out.getvalue()


def read_jsonl_records(text: str) -> Iterator[LibraryRecord]:
    for line, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise RowError(line, f"not valid JSON ({error.msg}, character {error.colno})") from None
        except (ValueError, RecursionError):  # a number of over 4300 digits; nesting too deep
            raise RowError(line, "not valid JSON (a number too long or nesting too deep)") from None
        if not isinstance(data, dict):
            raise RowError(line, "each line must be a JSON object with the record's fields")
        try:
            yield record_from_fields(data)
        except RecordError as error:
            raise RowError(line, error.message, error.field) from None


def write_jsonl_records(records: list[LibraryRecord]) -> str:
    return "".join(json.dumps(record.to_fields(), ensure_ascii=False) + "\n" for record in records)
