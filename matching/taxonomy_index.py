"""The ESCO search collections (occupations, skills): importing the taxonomy into the
database and bringing its search documents up to date with it."""

from __future__ import annotations

from pathlib import Path

from core.runtime import Runtime
from core.search.base import SearchIndex
from matching import esco

# concept type in the database -> search collection
TAXONOMY_COLLECTIONS = {"occupation": "occupations", "skill": "skills"}

ProgressFactory = esco.ProgressFactory


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
