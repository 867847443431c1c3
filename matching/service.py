"""What the app, the CLI and the benchmarks ask of matching, on top of a Runtime."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from core.runtime import Runtime
from core.search.base import SearchIndex
from matching import esco
from matching.normalize import ConceptSuggestion, label_vocabulary, suggest_concepts

# concept type in the database -> search collection
TAXONOMY_COLLECTIONS = {"occupation": "occupations", "skill": "skills"}

ProgressFactory = esco.ProgressFactory
logger = logging.getLogger(__name__)


def taxonomy_index(runtime: Runtime, concept_type: str) -> SearchIndex:
    return runtime.index(TAXONOMY_COLLECTIONS[concept_type])


def index_taxonomy(
    runtime: Runtime,
    *,
    uris: set[str] | None = None,
    progress_factory: ProgressFactory | None = None,
) -> dict[str, int]:
    """Bring the ESCO search collections up to date with the database.

    With `uris`, only those concepts are re-indexed (an import passes what changed);
    concepts gone from the database are removed from the index either way.
    """
    changed: dict[str, int] = {}
    for concept_type, collection in TAXONOMY_COLLECTIONS.items():
        index = runtime.index(collection)
        documents = esco.concept_documents(runtime.engine, concept_type, uris=uris)
        progress = progress_factory(f"indexing {collection}", len(documents)) if progress_factory else None
        try:
            changed[collection] = index.upsert(documents, progress=progress.update if progress else None)
        finally:
            if progress:
                progress.close()
        if uris is None:
            stale = index.ids() - {doc.id for doc in documents}
            if stale:
                index.delete(sorted(stale))
    return changed


def import_taxonomy(
    runtime: Runtime,
    directory: Path,
    *,
    languages: set[str] | None = None,
    progress_factory: ProgressFactory | None = None,
) -> esco.EscoImportReport:
    """Import official ESCO CSVs, then index the concepts whose texts changed."""
    report = esco.import_esco(directory, engine=runtime.engine, languages=languages, progress_factory=progress_factory)
    if report.changed_uris:
        index_taxonomy(runtime, uris=set(report.changed_uris), progress_factory=progress_factory)
    return report


def import_core_taxonomy(runtime: Runtime, *, progress_factory: ProgressFactory | None = None) -> esco.EscoImportReport:
    """The small taxonomy shipped in seeds/, for demos without the ESCO files."""
    report = esco.import_core_taxonomy(esco.DEFAULT_CORE_TAXONOMY, engine=runtime.engine, progress_factory=progress_factory)
    if report.changed_uris:
        index_taxonomy(runtime, uris=set(report.changed_uris), progress_factory=progress_factory)
    return report


def _labels_in(runtime: Runtime, language: str) -> list[str]:
    table = esco.EscoConceptText.__table__
    query = select(table.c.preferred_label, table.c.alt_labels, table.c.hidden_labels).where(
        table.c.language == language
    )
    with runtime.engine.connect() as connection:
        return [label for row in connection.execute(query) for field in row for label in field.split("\n") if label]


def english_label_words(runtime: Runtime) -> frozenset[str]:
    """Words of all English ESCO labels, for guessing a query's language; kept until the
    taxonomy changes."""
    key = ("english_label_words", tuple(sorted(esco.counts(runtime.engine).items())))
    cached = runtime.memo.get("english_label_words")
    if cached is None or cached[0] != key:
        cached = (key, label_vocabulary(_labels_in(runtime, "en")))
        runtime.memo["english_label_words"] = cached
    return cached[1]


def suggest(
    runtime: Runtime,
    concept_type: str,
    text: str | None,
    *,
    top: int | str | None = 10,
    language: str | None = None,
) -> list[ConceptSuggestion]:
    return suggest_concepts(
        taxonomy_index(runtime, concept_type),
        text,
        top=top,
        language=language,
        english_words=english_label_words(runtime),
    )


def extract_skills(runtime: Runtime, text: str | None, *, language: str | None = None):
    """ESCO skills mentioned in a CV or job ad, each with the span it was found in."""
    from matching.skill_extraction import extract_skills as run_extraction

    return run_extraction(
        taxonomy_index(runtime, "skill"),
        runtime.encoder,
        text,
        language=language,
        english_words=english_label_words(runtime),
    )


def record_choice(runtime: Runtime, data) -> int:
    """Store a person's confirmation, correction or rejection of a suggestion."""
    from sqlmodel import Session

    from matching.models import SuggestionChoice

    with Session(runtime.engine) as session:
        choice = SuggestionChoice(**data.model_dump())
        session.add(choice)
        session.commit()
        return choice.id or 0


def encode_vacancy_texts(runtime: Runtime, vacancy_ids: Sequence[int]) -> int:
    """Put the vectors of these vacancies' texts into the embedding cache now.

    Called right after the commit that saved an employer's vacancy, so the employer's
    request pays the encoding (tens of milliseconds) once, instead of the next matches
    page in every worker. A failure here loses nothing: the vacancy is saved, and matching
    encodes the text when it first needs it. Returns how many texts were open vacancies.
    """
    from sqlmodel import Session

    from matching.match_service import _uris, load_taxonomy, vacancy_text
    from matching.models import Vacancy

    ids = [int(i) for i in vacancy_ids]
    if not ids:
        return 0
    with Session(runtime.engine) as session:
        query = select(Vacancy).where(Vacancy.id.in_(ids), Vacancy.status == "open")  # type: ignore[union-attr]
        vacancies = list(session.execute(query).scalars())
        taxonomy = load_taxonomy(session, _uris([], vacancies))
        texts = [vacancy_text(vacancy, taxonomy) for vacancy in vacancies]
    if texts:
        try:
            runtime.encoder.encode(texts)
        except Exception:  # noqa: BLE001 - the save succeeded; matching will encode later
            logger.exception("could not encode the texts of vacancies %s now; matching will", ids)
    return len(texts)
