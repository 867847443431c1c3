"""What the app, the API and the CLI ask of the knowledge base.

The database is the source of truth: every write goes to the database in one transaction,
then the search index is brought up to date for the translation groups that changed. The
index can be rebuilt from the database at any time (`index_library`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from core.errors import HeadstartError, ImportFileError, NotFound
from core.languages import guess_query_language
from core.runtime import Runtime
from core.search.base import FacetCount, Hit, SearchIndex, SearchQuery
from kb.documents import (
    COLLECTION,
    LibraryDocument,
    group_index_document,
    record_hash,
    sort_date,
    split_anchor,
    utcnow,
)
from kb.library_query import FACETS, LibrarySearchRequest
from practices.duplicates import DuplicatePair, find_near_duplicates
from practices.files import library_files, read_library_file, write_library
from practices.quality import QualityProfile, quality_profile
from practices.schema import LibraryRecord

ProgressFactory = Callable[[str, int], object]

DEFAULT_LIBRARY_SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "library"

# Added to a practice's fused score per unit of quality (0..1): enough to order practices
# of near-equal relevance by how well they are documented, too little to lift an
# off-topic one. On the judged queries 0.02 was best (nDCG@10 0.808 against 0.807
# without it; 0.05 and 0.1 cost relevance): bench/README.md, library evaluation.
QUALITY_WEIGHT = 0.02
# "Newest first" orders this many of the most relevant records (a date order over every
# record that shares a word with the query would bury the relevant ones).
DATE_SORT_WINDOW = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def library_index(runtime: Runtime) -> SearchIndex:
    return runtime.index(COLLECTION)


# ---------------------------------------------------------------------------- reading


def _rows(session: Session, ids: Iterable[str] | None = None) -> list[LibraryDocument]:
    statement = select(LibraryDocument)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        statement = statement.where(LibraryDocument.id.in_(ids))  # type: ignore[attr-defined]
    return list(session.execute(statement).scalars())


def _group_rows(session: Session, group_ids: Iterable[str]) -> dict[str, list[LibraryDocument]]:
    """Each group's rows, original first."""
    group_ids = list(dict.fromkeys(group_ids))
    groups: dict[str, list[LibraryDocument]] = {group_id: [] for group_id in group_ids}
    for start in range(0, len(group_ids), 500):
        chunk = group_ids[start : start + 500]
        statement = select(LibraryDocument).where(
            LibraryDocument.id.in_(chunk) | LibraryDocument.translation_of.in_(chunk)  # type: ignore[attr-defined,union-attr]
        )
        for row in session.execute(statement).scalars():
            groups[row.group_id].append(row)
    for rows in groups.values():
        rows.sort(key=lambda row: (row.translation_of is not None, row.language))
    return groups


@dataclass(frozen=True)
class LibraryEntry:
    """A record as a reader sees it: the version in their language and what surrounds it."""

    record: LibraryRecord
    revision: int
    versions: tuple[tuple[str, str], ...]  # (language, id) of every version, original first
    quality: QualityProfile | None
    possible_duplicates: tuple[str, ...]
    updated_at: str


def _pick_version(rows: Sequence[LibraryDocument], language: str | None) -> LibraryDocument:
    if language:
        for row in rows:
            if row.language == language:
                return row
    return rows[0]


def _entry(rows: Sequence[LibraryDocument], chosen: LibraryDocument) -> LibraryEntry:
    original = rows[0].record()
    return LibraryEntry(
        record=chosen.record(),
        revision=chosen.revision,
        versions=tuple((row.language, row.id) for row in rows),
        quality=quality_profile(original),
        possible_duplicates=tuple(chosen.possible_duplicates or ()),
        updated_at=chosen.updated_at.isoformat(timespec="seconds"),
    )


def get_entry(runtime: Runtime, record_id: str, *, language: str | None = None) -> LibraryEntry:
    """The record with this id; with `language`, its version in that language if one exists."""
    with Session(runtime.engine) as session:
        row = session.get(LibraryDocument, record_id)
        if row is None:
            raise NotFound(f"No library record with id {record_id!r}.", field="id")
        rows = _group_rows(session, [row.group_id])[row.group_id]
        chosen = _pick_version(rows, language) if language and language != row.language else row
        return _entry(rows, chosen)


def list_records(runtime: Runtime, *, kind: str | None = None) -> list[LibraryRecord]:
    with Session(runtime.engine) as session:
        rows = _rows(session)
    records = [row.record() for row in rows if kind is None or row.kind == kind]
    return sorted(records, key=lambda r: (r.kind, r.chapter or 0, r.section or 0, r.group_id, r.translation_of is not None, r.id))


def handbook_contents(runtime: Runtime, *, language: str | None = None) -> list[LibraryRecord]:
    """The handbook's sections in chapter order, each in `language` when translated."""
    with Session(runtime.engine) as session:
        originals = [
            row
            for row in session.execute(select(LibraryDocument).where(LibraryDocument.kind == "handbook")).scalars()
            if row.translation_of is None
        ]
        groups = _group_rows(session, [row.id for row in originals])
        records = [_pick_version(groups[row.id], language).record() for row in originals]
    return sorted(records, key=lambda r: (r.chapter or 0, r.section or 0, r.title))


# ---------------------------------------------------------------------------- writing


@dataclass
class LibraryImportReport:
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    indexed: int = 0
    failed: list[str] = field(default_factory=list)  # one message per file not imported
    duplicates: list[DuplicatePair] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _check_references(records: Sequence[LibraryRecord], known: dict[str, LibraryRecord]) -> str | None:
    """The first broken link between records (translations, related practices), or None."""
    for record in records:
        if record.translation_of:
            original = known.get(record.translation_of)
            if original is None:
                return f"{record.id}: translation_of names {record.translation_of!r}, which is not in the library"
            if original.translation_of:
                return f"{record.id}: {record.translation_of!r} is itself a translation; link to the original record"
            if original.kind != record.kind:
                return f"{record.id}: a {record.kind} cannot translate a {original.kind}"
            if original.language == record.language:
                return f"{record.id}: a translation must be in another language than its original ({record.language})"
        for related in record.related_practices:
            target = known.get(related)
            if target is None:
                return f"{record.id}: related_practices names {related!r}, which is not in the library"
            if target.kind != "practice":
                return f"{record.id}: related_practices names {related!r}, which is not a practice"
    return None


def import_library(
    runtime: Runtime,
    path: Path,
    *,
    progress_factory: ProgressFactory | None = None,
    dry_run: bool = False,
) -> LibraryImportReport:
    """Import every library file under `path`; a bad file is reported and skipped whole.

    Records are matched by id: a new id is added, a known one updated in place, an
    unchanged one left alone (and not re-encoded). Links between records are checked
    against the library and the files being imported together.
    """
    report = LibraryImportReport()
    files = library_files(path)
    report.files = len(files)
    parsed = []
    bar = progress_factory("reading library files", len(files)) if progress_factory else None
    for file in files:
        try:
            parsed.append(read_library_file(file))
        except ImportFileError as error:
            report.failed.append(error.message)
        if bar:
            bar.update(1)  # type: ignore[attr-defined]
    if bar:
        bar.close()  # type: ignore[attr-defined]
    with Session(runtime.engine) as session:
        stored = {row.id: row for row in _rows(session)}
        stored_records = {record_id: row.record() for record_id, row in stored.items()}
        known = dict(stored_records)
        incoming_ids: dict[str, Path] = {}
        accepted = []
        for item in parsed:
            clash = next((record.id for record in item.records if record.id in incoming_ids), None)
            if clash:
                report.failed.append(f"{item.path}: id {clash!r} is also in {incoming_ids[clash]}")
                continue
            accepted.append(item)
            for record in item.records:
                incoming_ids[record.id] = item.path
                known[record.id] = record
        good = []
        for item in accepted:
            problem = _check_references(item.records, known)
            if problem:
                report.failed.append(f"{item.path}: {problem}")
                for record in item.records:
                    known.pop(record.id, None)
                    if record.id in stored_records:
                        known[record.id] = stored_records[record.id]
            else:
                good.append(item)
        records = [record for item in good for record in item.records]
        report.duplicates = find_near_duplicates(records, stored_records.values())
        if dry_run:
            return report
        changed_groups = _write_records(session, records, stored, report)
        session.commit()
    # The unchanged records' groups too: an import killed after its commit, while it
    # indexed, left some out of the index, and running it again must put them in. The
    # index skips documents it holds unchanged (content hash), so this encodes nothing.
    groups = changed_groups | {record.group_id for record in records}
    if groups:
        report.indexed = index_library(runtime, group_ids=groups, progress_factory=progress_factory)
    return report


def _write_records(
    session: Session,
    records: Sequence[LibraryRecord],
    stored: dict[str, LibraryDocument],
    report: LibraryImportReport,
) -> set[str]:
    duplicates: dict[str, list[str]] = {}
    for pair in report.duplicates:
        duplicates.setdefault(pair.id, []).append(pair.other_id)
    changed_groups: set[str] = set()
    for record in records:
        digest = record_hash(record)
        row = stored.get(record.id)
        if row is not None and row.content_hash == digest:
            report.unchanged += 1
            continue
        if row is None:
            row = LibraryDocument(id=record.id, kind=record.kind, language=record.language, title=record.title,
                                  fields={}, content_hash="")  # fmt: skip
            session.add(row)
            report.created += 1
        else:
            changed_groups.add(row.group_id)  # the old group, if the record moved
            row.revision += 1
            report.updated += 1
        _fill_row(row, record, digest)
        row.possible_duplicates = duplicates.get(record.id, [])
        changed_groups.add(record.group_id)
    return changed_groups


def _fill_row(row: LibraryDocument, record: LibraryRecord, digest: str) -> None:
    row.kind = record.kind
    row.language = record.language
    row.translation_of = record.translation_of
    row.title = record.title
    row.sort_date = sort_date(record)
    row.fields = record.to_fields()
    row.content_hash = digest
    row.updated_at = utcnow()


def save_record(runtime: Runtime, record: LibraryRecord, *, expected_revision: int | None = None) -> LibraryEntry:
    """Add a record, or replace the one with its id (an edit).

    An edit names the revision it started from; if someone saved the record since, the
    edit is refused rather than silently overwriting their work.
    """
    with Session(runtime.engine) as session:
        row = session.get(LibraryDocument, record.id)
        if row is not None and expected_revision is not None and row.revision != expected_revision:
            raise HeadstartError(
                f"{record.id!r} was changed by someone else since you opened it (revision {row.revision}, "
                f"yours {expected_revision}); reload it and apply your changes again.",
                field="revision",
            )
        if row is None and expected_revision is not None:
            raise NotFound(f"No library record with id {record.id!r}; it may have been deleted.", field="id")
        stored = {r.id: r for r in _rows(session, {record.id, record.translation_of or record.id, *record.related_practices})}
        known = {record_id: r.record() for record_id, r in stored.items()}
        known[record.id] = record
        problem = _check_references([record], known)
        if problem:
            raise HeadstartError(problem.split(": ", 1)[1], field="translation_of" if "translation" in problem else "related_practices")
        others = [r.record() for r in _rows(session) if r.id != record.id]
        report = LibraryImportReport(duplicates=find_near_duplicates([record], others))
        changed = _write_records(session, [record], {record.id: row} if row else {}, report)
        session.commit()
    if changed:
        index_library(runtime, group_ids=changed)
    return get_entry(runtime, record.id)


def delete_record(runtime: Runtime, record_id: str) -> None:
    """Delete a record; deleting an original deletes its translations with it."""
    with Session(runtime.engine) as session:
        row = session.get(LibraryDocument, record_id)
        if row is None:
            raise NotFound(f"No library record with id {record_id!r}.", field="id")
        group = row.group_id
        rows = _group_rows(session, [group])[group] if row.translation_of is None else [row]
        for item in rows:
            session.delete(item)
        session.commit()
    index_library(runtime, group_ids={group})


def export_library(runtime: Runtime, directory: Path, *, format: str = "markdown") -> list[Path]:
    return write_library(list_records(runtime), directory, format=format)


def index_library(
    runtime: Runtime,
    *,
    group_ids: Iterable[str] | None = None,
    progress_factory: ProgressFactory | None = None,
) -> int:
    """Bring the library index up to date with the database (all groups, or these)."""
    index = library_index(runtime)
    models = tuple(getattr(runtime.encoder, "models", ("any",)))
    with Session(runtime.engine) as session:
        if group_ids is None:
            rows = _rows(session)
            groups: dict[str, list[LibraryDocument]] = {}
            for row in rows:
                groups.setdefault(row.group_id, []).append(row)
            for members in groups.values():
                members.sort(key=lambda row: (row.translation_of is not None, row.language))
        else:
            groups = _group_rows(session, group_ids)
    documents = []
    gone = []
    for group_id, rows in groups.items():
        if not rows or rows[0].id != group_id:  # deleted, or translations whose original is gone
            gone.append(group_id)
            continue
        records = [row.record() for row in rows]
        documents.append(group_index_document(records[0], records[1:], encoder_models=models))
    bar = progress_factory("indexing the library", len(documents)) if progress_factory and documents else None
    try:
        changed = index.upsert(documents, progress=bar.update if bar else None)  # type: ignore[attr-defined]
    finally:
        if bar:
            bar.close()  # type: ignore[attr-defined]
    if group_ids is None:
        gone += sorted(index.ids() - {doc.id for doc in documents})
    if gone:
        index.delete(sorted(set(gone)))
    return changed


# ---------------------------------------------------------------------------- search


@dataclass(frozen=True)
class LibraryHit:
    entry: LibraryEntry
    score: float
    anchor: str  # section of the shown version the match points to
    heading: str
    snippet: str  # HTML-safe, query words in <mark>
    snippet_language: str  # the language of the passage that matched
    lexical_score: float | None = None
    dense_score: float | None = None


@dataclass(frozen=True)
class LibrarySearchPage:
    request: LibrarySearchRequest
    hits: list[LibraryHit]
    total: int
    facets: dict[str, list[FacetCount]]
    query_language: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def library_vocabulary(runtime: Runtime) -> frozenset[str]:
    """Words of the English records, for guessing whether a query is English."""
    with Session(runtime.engine) as session:
        # Every change adds, removes or re-stamps a row: count and latest update tell,
        # with one aggregate instead of reading every row on each search.
        key = tuple(session.execute(select(func.count(LibraryDocument.id), func.max(LibraryDocument.updated_at))).one())
        cached = runtime.caches.get("library_vocabulary")
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[index,return-value]
        words: set[str] = set()
        for row in _rows(session):
            if row.language == "en":
                record = row.record()
                for text in (record.title, record.summary, *(s.text for s in record.sections)):
                    words.update(_WORD.findall(text.lower()))
    vocabulary = frozenset(words)
    runtime.caches.put("library_vocabulary", (key, vocabulary), personal=False)  # published records' words only
    return vocabulary


def search_library(runtime: Runtime, request: LibrarySearchRequest) -> LibrarySearchPage:
    """Hybrid search over the library: hits with snippets, facet counts, one hit per record.

    A record and its translations are one search document, so a query in one language
    finds records written in another; each hit is shown in the reader's language when a
    version exists in it.
    """
    index = library_index(runtime)
    query_language = request.query_language
    if request.text and query_language is None:
        query_language = guess_query_language(request.text, library_vocabulary(runtime))
    result = index.search(
        SearchQuery(
            text=request.text,
            filters=dict(request.filters),
            facets=FACETS,
            mode=request.mode,
            language=query_language,
            k=request.per_page,
            offset=request.offset,
            candidates=max(DATE_SORT_WINDOW if request.sort == "date" else 100, request.offset + request.per_page),
            boost_weight=QUALITY_WEIGHT,
            sort=request.sort,
            persist_query_vector=request.persist_query_vector,
        )
    )
    with Session(runtime.engine) as session:
        groups = _group_rows(session, [hit.id for hit in result.hits])
    hits = [hit for hit in result.hits if groups.get(hit.id)]
    page_hits = [_library_hit(hit, groups[hit.id], request.reader_language) for hit in hits]
    return LibrarySearchPage(
        request=request, hits=page_hits, total=result.total, facets=result.facets, query_language=query_language
    )


def _library_hit(hit: Hit, rows: list[LibraryDocument], language: str | None) -> LibraryHit:
    passage_language, key = split_anchor(hit.passage_anchor)
    matched_language = passage_language or rows[0].language
    chosen = _pick_version(rows, language or matched_language)
    entry = _entry(rows, chosen)
    headings = {section.key: section.heading for section in entry.record.sections}
    anchor = key if key in headings or key == "summary" else ""
    return LibraryHit(
        entry=entry,
        score=hit.score,
        anchor=anchor,
        heading=headings.get(key, hit.passage_heading if matched_language == chosen.language else ""),
        snippet=hit.snippet,
        snippet_language=matched_language,
        lexical_score=hit.lexical_score,
        dense_score=hit.dense_score,
    )


def related_records(
    runtime: Runtime, record_id: str, *, k: int = 5, language: str | None = None
) -> list[LibraryEntry]:
    """Practices related to a record: those it links to first, then the nearest by meaning."""
    entry = get_entry(runtime, record_id)
    original_id = entry.record.group_id
    original = get_entry(runtime, original_id).record
    linked = [practice for practice in original.related_practices]
    text = f"{original.title}. {original.summary}".strip()
    result = library_index(runtime).search(
        SearchQuery(
            text=text,
            filters={"kind": ("practice",)},
            mode="dense",
            k=k + len(linked) + 1,
            language=original.language,
            track_total=False,
        )
    )
    ordered = list(dict.fromkeys([*linked, *(hit.id for hit in result.hits)]))
    ordered = [group for group in ordered if group != original_id][:k]
    with Session(runtime.engine) as session:
        groups = _group_rows(session, ordered)
    return [_entry(groups[g], _pick_version(groups[g], language)) for g in ordered if groups.get(g)]
