"""Every search index rebuilt from the database, the source of truth (`headstart index
rebuild`, and `headstart restore` after it replaced the database).

Here, in the highest domain layer, because a rebuild covers the collections of two
layers: the ESCO taxonomy's (matching) and the library's (kb).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.runtime import Runtime
from core.search.base import IndexDocument
from kb.documents import COLLECTION as LIBRARY_COLLECTION
from kb.service import index_library
from matching.taxonomy_index import TAXONOMY_COLLECTIONS, ProgressFactory, index_taxonomy


class DocumentCollector:
    """Stands in for an index during a rebuild: gathers every document, deletes nothing."""

    def __init__(self) -> None:
        self.documents: list[IndexDocument] = []

    def upsert(self, documents: Iterable[IndexDocument], *, progress: Callable[[int], None] | None = None) -> int:
        documents = list(documents)
        self.documents.extend(documents)
        if progress:
            progress(len(documents))
        return len(documents)

    def ids(self) -> set[str]:
        return set()

    def delete(self, ids: Iterable[str]) -> int:
        return 0

    def count(self) -> int:
        return len(self.documents)


def rebuild_search_indexes(runtime: Runtime, *, progress_factory: ProgressFactory | None = None) -> dict[str, int]:
    """Rebuild every collection; no text is encoded twice (the vectors come from the
    embedding cache). Returns the documents indexed per collection.

    Engines that can swap a new index in (Elasticsearch) keep serving the old one while
    the documents are gathered, then switch in one step: no downtime. Others are cleared
    first.
    """
    collections = (*TAXONOMY_COLLECTIONS.values(), LIBRARY_COLLECTION)
    swapping = {name: runtime.index(name) for name in collections if hasattr(runtime.index(name), "rebuild")}
    for collection in collections:
        if collection not in swapping:
            runtime.index(collection).clear()
    collectors = {name: DocumentCollector() for name in swapping}
    with runtime.indexes_standing_in(collectors):  # type: ignore[arg-type]
        changed = index_taxonomy(runtime, progress_factory=progress_factory)
        changed[LIBRARY_COLLECTION] = index_library(runtime, progress_factory=progress_factory)
    for name, index in swapping.items():
        documents = collectors[name].documents
        if progress_factory:
            with progress_factory(f"swapping in {name}", len(documents)) as bar:
                changed[name] = index.rebuild(documents, progress=bar.update)  # type: ignore[attr-defined]
        else:
            changed[name] = index.rebuild(documents)  # type: ignore[attr-defined]
    return changed
