"""ESCO taxonomy: import the official CSV files (any language) and look concepts up.

ESCO publishes its occupations, skills, ISCO groups and skill groups as one CSV file per
kind and label language (occupations_en.csv, skills_fr.csv ...) plus language-independent
relation files (broaderRelations*.csv, occupationSkillRelations*.csv). Everything here is
keyed on concept URIs, never on labels: labels differ per language and change between
releases, URIs do not.

Storage (SQLModel tables, created by kb.db.create_schema):

- `EscoConcept`: one row per concept URI with what does not depend on language (type,
  ISCO code, skill type, reuse level, regulated profession ...).
- `EscoConceptText`: labels and description per concept, language and *source file
  kind*. The source is part of the key because ESCO states labels of the same concept in
  more than one file (skills_en.csv and languageSkillsCollection_en.csv both list
  "write Hungarian", the collection with alternative labels the skills file lacks). With
  one row per source each file owns its rows, so re-importing the same directory is
  idempotent whatever the file order, and readers merge the sources (`labels`).
- `EscoBroader`, `EscoOccupationSkill`, `EscoCollectionMember`: relations by URI.

Imports add and update; they never delete (a concept missing from a newer release keeps
its rows), so a partial file cannot wipe the taxonomy.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Boolean, Column, Text, func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Session, SQLModel

from kb.errors import ImportFileError
from kb.search.base import IndexDocument, Passage

# Every URI of every ESCO release starts with this. Requiring it (rather than any http(s)
# URI) catches shifted columns and files of other taxonomies at import time: a concept
# with a foreign URI could never match an ESCO-coded vacancy or profile.
ESCO_URI_PREFIX = "http://data.europa.eu/esco/"
CONCEPT_TYPES = ("occupation", "skill", "isco_group", "skill_group")
RELATION_TYPES = ("essential", "optional")
CORE_SOURCE = "core"
DEFAULT_CORE_TAXONOMY = Path(__file__).resolve().parent.parent / "seeds" / "esco_core.jsonl"

_CHUNK = 500  # IN-list size: well under SQLite's and PostgreSQL's parameter limits
_WRITE_BATCH = 1000


# --------------------------------------------------------------------------- tables


class EscoConcept(SQLModel, table=True):
    """What ESCO says about a concept independently of language."""

    __tablename__ = "esco_concept"

    uri: str = Field(primary_key=True, max_length=255)
    concept_type: str = Field(index=True, max_length=20)
    # ISCO-08 code: the group's own code for ISCO groups, the iscoGroup of an occupation.
    code: str | None = Field(default=None, index=True, max_length=20)
    skill_type: str | None = Field(default=None, max_length=64)
    reuse_level: str | None = Field(default=None, max_length=64)
    regulated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    regulated_profession_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str | None = Field(default=None, max_length=32)
    modified_date: str | None = Field(default=None, max_length=40)


class EscoConceptText(SQLModel, table=True):
    """Labels of one concept in one language as stated by one source (file kind)."""

    __tablename__ = "esco_concept_text"

    uri: str = Field(primary_key=True, max_length=255)
    language: str = Field(primary_key=True, max_length=16)
    # "occupations", "skills", "isco_groups", "skill_groups", a collection name
    # ("languageSkillsCollection") or "core" (seeds/esco_core.jsonl).
    source: str = Field(primary_key=True, max_length=64)
    preferred_label: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Newline-joined: labels never contain newlines (the importer splits on them).
    alt_labels: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    hidden_labels: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class EscoBroader(SQLModel, table=True):
    """`uri` is narrower than `broader_uri` (occupation -> ISCO group, skill -> skill group ...)."""

    __tablename__ = "esco_broader"

    uri: str = Field(primary_key=True, max_length=255)
    broader_uri: str = Field(primary_key=True, max_length=255, index=True)


class EscoOccupationSkill(SQLModel, table=True):
    """An occupation's essential or optional skill (one relation type per pair)."""

    __tablename__ = "esco_occupation_skill"

    occupation_uri: str = Field(primary_key=True, max_length=255)
    skill_uri: str = Field(primary_key=True, max_length=255, index=True)
    relation_type: str = Field(max_length=16)
    skill_type: str | None = Field(default=None, max_length=64)


class EscoCollectionMember(SQLModel, table=True):
    """Membership in an ESCO collection (language skills, transversal skills ...)."""

    __tablename__ = "esco_collection_member"

    collection: str = Field(primary_key=True, max_length=64)
    uri: str = Field(primary_key=True, max_length=255, index=True)


_CONCEPT = EscoConcept.__table__
_TEXT = EscoConceptText.__table__
_BROADER = EscoBroader.__table__
_OCC_SKILL = EscoOccupationSkill.__table__
_MEMBER = EscoCollectionMember.__table__
_TEXT_FIELDS = ("preferred_label", "alt_labels", "hidden_labels", "description")
_CONCEPT_FIELDS = tuple(c.name for c in _CONCEPT.columns)


# --------------------------------------------------------------------------- reports


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def close(self) -> Any: ...


ProgressFactory = Callable[..., ProgressBar]


@dataclass
class FileImportReport:
    """What one file did: counts of concepts (or relations) added, changed, unchanged."""

    path: Path
    kind: str
    language: str | None
    rows: int
    unit: str = "concepts"
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.path.name

    def line(self) -> str:
        return (
            f"{self.name}: {self.rows} rows, {self.added} {self.unit} added, {self.changed} changed, "
            f"{self.unchanged} unchanged ({self.seconds:.2f} s)"
        )


@dataclass
class EscoImportReport:
    """The outcome of one import run.

    `changed_by_type` holds the URIs whose indexed content (labels, descriptions, or the
    attributes that become search keywords) was added or changed, so the caller re-indexes
    only those.
    """

    files: list[FileImportReport] = field(default_factory=list)
    changed_by_type: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed_uris(self) -> set[str]:
        return set().union(*self.changed_by_type.values()) if self.changed_by_type else set()

    def file(self, name: str) -> FileImportReport:
        for report in self.files:
            if report.name == name:
                return report
        raise KeyError(name)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.files)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.files)

    @property
    def unchanged(self) -> int:
        return sum(r.unchanged for r in self.files)

    def lines(self) -> list[str]:
        """One line per file and per skipped file, for the CLI."""
        return [r.line() for r in self.files] + [f"skipped {s}" for s in self.skipped]


# --------------------------------------------------------------------------- file discovery

_LANG = r"(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)"


@dataclass(frozen=True)
class _FileSpec:
    kind: str
    pattern: re.Pattern[str]
    order: int


_SPECS = (
    _FileSpec("isco_groups", re.compile(rf"ISCOGroups_{_LANG}\.csv"), 0),
    _FileSpec("occupations", re.compile(rf"occupations_{_LANG}\.csv"), 1),
    _FileSpec("skill_groups", re.compile(rf"skillGroups_{_LANG}\.csv"), 2),
    _FileSpec("skills", re.compile(rf"skills_{_LANG}\.csv"), 3),
    _FileSpec("collection", re.compile(rf"(?P<name>[A-Za-z]+Collection)_{_LANG}\.csv"), 4),
    _FileSpec("broader", re.compile(r"broaderRelations(?:Occ|Skill)Pillar(?:_[A-Za-z-]+)?\.csv"), 5),
    _FileSpec("occupation_skills", re.compile(r"occupationSkillRelations[A-Za-z0-9_-]*\.csv"), 6),
)
EXPECTED_FILES = (
    "occupations_<lang>.csv, skills_<lang>.csv, ISCOGroups_<lang>.csv, skillGroups_<lang>.csv, "
    "<name>Collection_<lang>.csv, broaderRelationsOccPillar.csv, broaderRelationsSkillPillar.csv, "
    "occupationSkillRelations.csv"
)


@dataclass(frozen=True)
class EscoFile:
    """A recognised ESCO file: its kind, label language and text source."""

    path: Path
    kind: str
    language: str | None
    raw_language: str | None
    source: str
    order: int

    def sort_key(self) -> tuple:
        return (self.order, self.language != "en", self.language or "", self.source, self.path.name)


def normalize_language(code: str) -> str:
    """ESCO's file language to the label language we store: "en-us" -> "en", "PT" -> "pt"."""
    return code.strip().lower().split("-")[0]


def _recognise(path: Path) -> EscoFile | None:
    for spec in _SPECS:
        match = spec.pattern.fullmatch(path.name)
        if not match:
            continue
        groups = match.groupdict()
        raw = groups.get("lang")
        source = groups.get("name") or spec.kind
        language = normalize_language(raw) if raw else None
        return EscoFile(path, spec.kind, language, raw, source, spec.order)
    return None


def find_esco_files(
    directory: Path, languages: set[str] | None = None
) -> tuple[list[EscoFile], list[str]]:
    """The ESCO files in `directory` in import order, and why others were skipped.

    When a directory holds both skills_en.csv and skills_en-us.csv they would write the
    same rows (both are language "en"); the file whose name states the plain language wins.
    """
    found: dict[tuple[str, str, str | None], list[EscoFile]] = defaultdict(list)
    skipped: list[str] = []
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        esco_file = _recognise(path)
        if esco_file is None:
            if path.suffix.lower() == ".csv":
                skipped.append(f"{path.name}: not a file kind this importer reads")
            continue
        if languages is not None and esco_file.language is not None and esco_file.language not in languages:
            skipped.append(f"{path.name}: language {esco_file.language} not requested")
            continue
        key = (esco_file.kind, esco_file.source, esco_file.language)
        if esco_file.language is None:
            key = (esco_file.kind, esco_file.source, path.name)
        found[key].append(esco_file)
    chosen: list[EscoFile] = []
    for candidates in found.values():
        candidates.sort(key=lambda f: (f.raw_language != f.language, f.path.name))
        chosen.append(candidates[0])
        skipped += [f"{c.path.name}: {candidates[0].path.name} has the same language" for c in candidates[1:]]
    return sorted(chosen, key=EscoFile.sort_key), skipped


# --------------------------------------------------------------------------- CSV reading


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


# --------------------------------------------------------------------------- value parsing

_LABEL_SEPARATOR = re.compile(r"[\r\n]+|(?:(?<=\s)|^)\|(?=\s|$)")
_DIGITS = re.compile(r"\d{1,4}")


def split_labels(value: str) -> tuple[str, ...]:
    """Alternative labels from a newline- or " | "-separated field: stripped, unique, non-empty.

    Whitespace inside a label is collapsed; duplicates are compared case-insensitively and
    the first spelling is kept. A "|" without spaces around it is part of a label.
    """
    seen: set[str] = set()
    out: list[str] = []
    for part in _LABEL_SEPARATOR.split(value):
        label = " ".join(part.split())
        key = label.casefold()
        if label and key not in seen:
            seen.add(key)
            out.append(label)
    return tuple(out)


def _without(labels: Iterable[str], preferred: str) -> list[str]:
    """Alternative labels minus the preferred one (ESCO often repeats it among them)."""
    return [label for label in labels if label.casefold() != preferred.casefold()]


def _label(value: str) -> str:
    return " ".join(value.split())


def _description(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def is_esco_uri(value: str) -> bool:
    return value.startswith(ESCO_URI_PREFIX) and len(value) > len(ESCO_URI_PREFIX) and not any(
        ch.isspace() for ch in value
    )


def _uri(table: CsvTable, line: int, fields: list[str], column: str) -> str:
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


def is_regulated(note: str) -> bool:
    """ESCO marks regulated professions with a note URI ending in /regulated (else /unregulated)."""
    if not note:
        return False
    return note.rstrip("/").rsplit("/", 1)[-1].lower() != "unregulated"


# --------------------------------------------------------------------------- parsed files

_CONCEPT_TYPE_NAMES = {
    "Occupation": "occupation",
    "KnowledgeSkillCompetence": "skill",
    "ISCOGroup": "isco_group",
    "SkillGroup": "skill_group",
}
_KIND_TYPES = {
    "occupations": "occupation",
    "skills": "skill",
    "isco_groups": "isco_group",
    "skill_groups": "skill_group",
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


def _parse_concept_file(esco_file: EscoFile) -> ParsedConcepts:
    table = read_csv(esco_file.path, _REQUIRED[esco_file.kind])
    concepts: dict[str, dict[str, Any]] = {}
    texts: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, int] = {}
    for line, fields in table.rows:
        uri = _uri(table, line, fields, "conceptUri")
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
        uri = _uri(table, line, fields, "conceptUri")
        broader = _uri(table, line, fields, "broaderUri")
        rows[(uri, broader)] = {"uri": uri, "broader_uri": broader}
    return rows, len(table.rows)


def _parse_occupation_skill_file(esco_file: EscoFile) -> tuple[dict[tuple[str, str], dict[str, Any]], int]:
    """Relations by (occupation, skill); a pair listed as both essential and optional is essential."""
    table = read_csv(esco_file.path, _REQUIRED["occupation_skills"])
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for line, fields in table.rows:
        occupation = _uri(table, line, fields, "occupationUri")
        skill = _uri(table, line, fields, "skillUri")
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


# --------------------------------------------------------------------------- writing


def _insert(connection: Connection, table):
    if connection.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"unsupported database backend {connection.dialect.name}")
    return insert(table)


def upsert(
    connection: Connection, table, rows: list[dict[str, Any]], update: Sequence[str] | None = None
) -> None:
    """Bulk insert; rows whose primary key exists get the `update` columns overwritten.

    `update=None` overwrites every non-key column; an empty `update` leaves existing rows
    alone. Uses INSERT ... ON CONFLICT, which SQLite and PostgreSQL both support.
    """
    if not rows:
        return
    stmt = _insert(connection, table)
    keys = [c.name for c in table.primary_key.columns]
    columns = [c.name for c in table.columns if c.name not in keys] if update is None else list(update)
    if columns:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in columns})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    connection.execute(stmt, rows)


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


class _Progress:
    """Wraps an optional tqdm-like bar so callers never check for None."""

    def __init__(self, factory: ProgressFactory | None, description: str, total: int) -> None:
        self.bar = factory(description, total) if factory else None

    def update(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


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


# --------------------------------------------------------------------------- import entry points


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


# --------------------------------------------------------------------------- core taxonomy

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


# --------------------------------------------------------------------------- lookup

SessionOrEngine = Session | Engine | Connection


@contextmanager
def _connection(source: SessionOrEngine) -> Iterator[Connection]:
    if isinstance(source, Engine):
        with source.connect() as connection:
            yield connection
    elif isinstance(source, Session):
        yield source.connection()
    else:
        yield source


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
        row = connection.execute(select(_CONCEPT).where(_CONCEPT.c.uri == uri)).mappings().first()
    return EscoConcept(**row) if row else None


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


# --------------------------------------------------------------------------- index documents


def concept_documents(
    session_or_engine: SessionOrEngine,
    concept_type: str,
    uris: Iterable[str] | None = None,
) -> list[IndexDocument]:
    """One search document per concept of `concept_type` (all, or those in `uris`), by URI.

    Every distinct label in every imported language is a passage the dense arm embeds;
    descriptions are lexical-only passages. Concepts without any label (a few ESCO rows
    lack a translation) get no document: there is nothing to find them by.
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
    """Label passages (distinct across languages, case-insensitive), then description passages."""
    seen: set[str] = set()
    passages: list[Passage] = []

    def add(anchor: str, text: str, embed: bool) -> None:
        key = text.casefold()
        if text and key not in seen:
            seen.add(key)
            passages.append(Passage(anchor=anchor, text=text, embed=embed))

    for m in merged:
        add(f"pref-{m.language}", m.preferred_label, True)
        for i, label in enumerate(m.alt_labels):
            add(f"alt-{m.language}-{i}", label, True)
        for i, label in enumerate(m.hidden_labels):
            add(f"hidden-{m.language}-{i}", label, True)
    for m in merged:
        add(f"desc-{m.language}", m.description, False)
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
