"""Reading a whole CSV file with structural checks; errors name file, line and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import ImportFileError, refuse_nul


@dataclass
class CsvTable:
    """A CSV file read completely: header and rows with the physical line each starts on."""

    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def __post_init__(self) -> None:
        self.index = {name: i for i, name in enumerate(self.header)}

    def has(self, column: str) -> bool:
        return column in self.index

    def get(self, fields: list[str], column: str) -> str:
        """A field's value, stripped; "" when the file has no such column."""
        i = self.index.get(column)
        return fields[i].strip() if i is not None else ""

    def error(self, message: str, *, line: int | None = None, column: str | None = None) -> ImportFileError:
        return ImportFileError(str(self.path), message, line=line, column=column)


def read_csv(path: Path, required: Sequence[str]) -> CsvTable:
    """Read and check the structure of a whole CSV file before anything is written.

    Checks UTF-8, quoting, the header (required columns present, no duplicates) and that
    every record has as many fields as the header. Errors name the physical line (a record
    with multi-line quoted fields starts on the line reported) and the column.
    """
    raw = path.read_bytes()
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, raw, bom, exc) from None
    refuse_nul(text, str(path))
    header, rows = _parse_records(path, text)
    table = CsvTable(path, header, [])
    _check_header(table, required)
    for line, fields in rows:
        _check_field_count(table, line, fields)
    table.rows = rows
    return table


def _parse_records(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """All records with their first physical line; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_end = 0
    try:
        for fields in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if header is None:
                header = [name.strip() for name in fields]
            else:
                records.append((start, fields))
    except csv.Error as exc:
        raise _quoting_error(path, text, previous_end + 1, header, exc) from None
    if header is None:
        raise ImportFileError(str(path), "the file is empty; the first line must name the columns", line=1)
    return header, records


def _check_header(table: CsvTable, required: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in table.header:
        if name in seen:
            raise table.error(f"the header names column {name!r} twice", line=1, column=name)
        seen.add(name)
    for name in required:
        if name not in seen:
            raise table.error(
                f"the header lacks the required column {name!r} (it has: {', '.join(table.header)})",
                line=1,
                column=name,
            )


def _check_field_count(table: CsvTable, line: int, fields: list[str]) -> None:
    expected = len(table.header)
    if len(fields) == expected:
        return
    if len(fields) < expected:
        missing = table.header[len(fields)]
        raise table.error(
            f"{len(fields)} fields where the header names {expected}; the row ends before this column",
            line=line,
            column=missing,
        )
    raise table.error(
        f"{len(fields)} fields where the header names {expected}: an extra value {fields[expected][:40]!r} "
        "follows this last column (a comma inside a value that is not in quotes?)",
        line=line,
        column=table.header[-1],
    )


def _encoding_error(path: Path, raw: bytes, bom: int, exc: UnicodeDecodeError) -> ImportFileError:
    """Name the first undecodable byte: its offset, physical line and column."""
    offset = bom + exc.start
    line = raw[:offset].count(b"\n") + 1
    column = _column_of_undecodable(raw[bom:])
    return ImportFileError(
        str(path),
        f"not UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset} cannot be decoded; "
        "save the file as UTF-8 (ESCO publishes UTF-8)",
        line=line,
        column=column,
    )


def _column_of_undecodable(data: bytes) -> str | None:
    """The column holding the first undecodable byte, found by parsing with escapes."""
    text = data.decode("utf-8", errors="surrogateescape")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None
    header = rows[0] if rows else []
    for number, fields in enumerate(rows):
        for i, value in enumerate(fields):
            if any("\udc80" <= ch <= "\udcff" for ch in value):
                if number == 0 or i >= len(header):
                    return None
                return header[i].strip()
    return None


def _quoting_error(
    path: Path, text: str, first_line: int, header: list[str] | None, exc: csv.Error
) -> ImportFileError:
    """Turn the csv module's terse error into the line and column where a quote went wrong."""
    lines = io.StringIO(text, newline="").readlines()[first_line - 1 :]
    problem = _locate_quote_problem(lines, first_line)
    if problem is None:
        return ImportFileError(str(path), f"malformed CSV ({exc})", line=first_line)
    line, index, message = problem
    column = header[index] if header and index < len(header) else None
    return ImportFileError(str(path), message, line=line, column=column)


def _locate_quote_problem(lines: list[str], first_line: int) -> tuple[int, int, str] | None:
    """Scan one record from its first line: (line the bad quote opened, field index, problem).

    A quote that is never closed swallows the rest of the file, and one that is closed
    early leaves stray text after it; in both cases the fix belongs where the quote opened.
    """
    field_index, in_quote, after_close, at_start, quote_line = 0, False, False, True, first_line
    for offset, line in enumerate(lines):
        number = first_line + offset
        for ch in line:
            if in_quote:
                if ch == '"':
                    in_quote, after_close = False, True
                continue
            if after_close:
                after_close = False
                if ch == '"':
                    in_quote = True
                    continue
                if ch not in ',\r\n':
                    return (
                        quote_line,
                        field_index,
                        f"the quoted value opened here closes on line {number} and is followed by {ch!r}; "
                        'a quote inside a quoted value must be doubled ("")',
                    )
            if ch == '"' and at_start:
                in_quote, at_start, quote_line = True, False, number
            elif ch == ",":
                field_index, at_start = field_index + 1, True
            elif ch in "\r\n":
                return None
            else:
                at_start = False
    if in_quote:
        return (quote_line, field_index, "a quoted value opened here is never closed (unterminated quote)")
    return None
