"""Reading library records from files and writing them back, in the three formats.

A file is read whole before anything from it is used: one bad record makes the whole
file fail with an error naming the file, line and field, so a file is imported entirely
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.errors import ImportFileError, refuse_nul
from practices.markdown_format import (
    MarkdownError,
    parse_markdown_record,
    render_markdown_record,
)
from practices.schema import LibraryRecord
from practices.tabular_format import (
    RowError,
    read_csv_records,
    read_jsonl_records,
    write_csv_records,
    write_jsonl_records,
)

SUFFIXES = (".md", ".markdown", ".csv", ".jsonl")
MAX_FILE_BYTES = 20 * 1024 * 1024
EXPORT_FORMATS = ("markdown", "csv", "jsonl")


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    records: tuple[LibraryRecord, ...]


def library_files(path: Path) -> list[Path]:
    """The files to import under `path` (itself, when it is a file), in a stable order."""
    if not path.exists():
        raise ImportFileError(str(path), "no such file or directory")
    if path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise ImportFileError(str(path), f"unsupported file type; use {', '.join(SUFFIXES)}")
        return [path]
    root = path.resolve()
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and p.name.lower() != "readme.md"
        # A link to a file outside the directory is not part of the library being imported.
        and p.resolve().is_relative_to(root)
    )
    if not files:
        raise ImportFileError(str(path), f"no library files ({', '.join(SUFFIXES)}) in this directory")
    return files


def read_library_file(path: Path) -> ParsedFile:
    """Every record of one file, or ImportFileError for the first problem in it."""
    name = str(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(name, f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ImportFileError(name, f"not UTF-8 text (byte {error.start})") from None
    refuse_nul(text, name, json_escapes=path.suffix.lower() not in (".md", ".markdown", ".csv"))
    suffix = path.suffix.lower()
    try:
        if suffix in (".md", ".markdown"):
            records: Iterable[LibraryRecord] = [parse_markdown_record(text)]
        elif suffix == ".csv":
            records = list(read_csv_records(text))
        else:
            records = list(read_jsonl_records(text))
    except MarkdownError as error:
        message = f"{error.field}: {error.message}" if error.field and not error.message.startswith(error.field) else error.message
        raise ImportFileError(name, message, line=error.line) from None
    except RowError as error:
        message = f"{error.column}: {error.message}" if error.column else error.message
        raise ImportFileError(name, message, line=error.line) from None
    records = tuple(records)
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise ImportFileError(name, f"id {record.id!r} appears twice in this file")
        seen.add(record.id)
    return ParsedFile(path=path, records=records)


def write_library(records: list[LibraryRecord], directory: Path, *, format: str = "markdown") -> list[Path]:
    """Write records under `directory` in a format import reads back to the same records."""
    if format not in EXPORT_FORMATS:
        raise ImportFileError(str(directory), f"unknown export format {format!r}; use {', '.join(EXPORT_FORMATS)}")
    if directory.exists() and not directory.is_dir():
        raise ImportFileError(str(directory), "exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if format == "markdown":
        for record in records:
            folder = directory / ("practices" if record.kind == "practice" else "handbook")
            folder.mkdir(exist_ok=True)
            target = folder / f"{record.id}.md"
            target.write_text(render_markdown_record(record), encoding="utf-8")
            written.append(target)
    elif format == "csv":
        for kind, name in (("practice", "practices.csv"), ("handbook", "handbook.csv")):
            chosen = [record for record in records if record.kind == kind]
            if chosen:
                target = directory / name
                target.write_text(write_csv_records(chosen), encoding="utf-8")
                written.append(target)
    else:
        target = directory / "library.jsonl"
        target.write_text(write_jsonl_records(records), encoding="utf-8")
        written.append(target)
    return written
