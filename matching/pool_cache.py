"""The pool of open vacancies each worker keeps (a VacancyPool in the runtime's cache),
refreshed row by row when vacancies change.

Matches are computed when asked, never stored; what a worker keeps is the open
vacancies' arrays, so that one profile is scored against all of them at once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from core.runtime import Runtime
from matching.listing import LISTED_SQL, listed
from matching.matcher import Taxonomy
from matching.matcher_input import vacancy_view
from matching.models import Vacancy
from matching.taxonomy import load_taxonomy
from matching.texts import concept_uris, encode_texts, vacancy_text
from matching.vacancy_pool import VacancyPool, VacancyPoolBuilder

# The runtime cache entry: (PoolState, VacancyPool). Vacancies only, no personal data.
POOL_CACHE = "vacancy_pool"

# Each pool refresh re-reads only vacancies whose listing entry changed. The listing is
# (id, updated_at, revision) of every open vacancy, read on each matching request.
_POOL_QUERY = LISTED_SQL  # open vacancies of verified employers (matching/listing.py)
# Past this share of changed vacancies, one scan of the open vacancies beats id lists.
_FULL_REBUILD_SHARE = 0.5
# A refresh reads, embeds and turns into arrays this many rows at a time: besides the
# pools' arrays it holds one chunk's rows, texts and views, and the memory those free is
# reused by the next chunk instead of growing the heap (what a worker keeps: README, Sizing).
_REFRESH_CHUNK = 500
_pool_locks: weakref.WeakKeyDictionary[Runtime, threading.Lock] = weakref.WeakKeyDictionary()
_pool_locks_guard = threading.Lock()


@dataclass(frozen=True)
class PoolRefresh:
    """What one refresh of the vacancy pool read (tests and benchmarks look at it)."""

    full: bool  # built from scratch (first request, or most vacancies changed)
    rows_loaded: int  # vacancy rows read from the database
    texts: int  # vacancy texts whose vectors were fetched (embedding cache, or encoded)
    removed: int  # vacancies that left the pool (closed, deleted, no longer open)


@dataclass(frozen=True)
class PoolState:
    listing: list[tuple]  # the open vacancies' (id, updated_at, revision), as last listed
    seen: dict[int, tuple | None]  # per pooled vacancy: the listing entry it was loaded for
    refresh: PoolRefresh


def _pool_lock(runtime: Runtime) -> threading.Lock:
    with _pool_locks_guard:
        lock = _pool_locks.get(runtime)
        if lock is None:
            lock = _pool_locks[runtime] = threading.Lock()
        return lock


def _open_listing(session: Session) -> list[tuple]:
    # The driver's own cursor: SQLAlchemy's rows and type conversions cost twice as much,
    # and the values are only compared with what the same query gave before.
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_POOL_QUERY)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def vacancy_pool(runtime: Runtime, session: Session) -> tuple[VacancyPool, PoolState]:
    """Open vacancies as a VacancyPool (and the state it was refreshed to), refreshed when
    one changed.

    Change detection: each request lists (id, updated_at, revision) of the open
    vacancies and compares the list with the one the pool was built from; any difference
    refreshes the pool. Per row, not a high-water mark: a "changed since the newest
    updated_at seen" query would miss a write committed after a newer one but stamped
    earlier (its transaction took its time first), or two writes in the same clock tick,
    and a count would miss a close plus a post. Here a committed write is missed only
    if it leaves both updated_at and revision of the row exactly as they were (every
    write of the app sets updated_at; edits and closes also count up the revision).
    The cost is one query over the open rows per request: under a millisecond at 500
    open vacancies, about 110 ms at 100,000 on SQLite (the former aggregate key, which
    could miss such writes, took 56 ms). The index ix_vacancy_open_listing (migration
    0005) makes the listing an index-only scan, already in id order.

    Refresh: only new and changed rows are loaded (by id, still open; 500 at a time,
    each chunk turned into arrays and dropped), their texts' vectors fetched, and
    `VacancyPool.combined` copies the unchanged rows; vacancies no longer listed leave. The listing is read before the rows, so a pooled row is never
    older than the entry recorded for it: a write in between only makes the next request
    load that row again. One thread per worker refreshes at a time (the others wait, then
    usually find the new pool); a published pool is never changed, so requests still
    scoring with the previous one are unaffected.

    Memory: the cache entry is `(state, pool)`, and the pool keeps only its arrays (about
    3.7 KB per open vacancy, most of it the 896-float vector; README, Sizing): no
    `Vacancy` row, no view, no second copy of a vector. A request reads the rows of the
    few vacancies it explains (`pooled_rows`).
    """
    listing = _open_listing(session)
    cached = runtime.caches.get(POOL_CACHE)
    if cached is not None and cached[0].listing == listing:
        return cached[1], cached[0]
    with _pool_lock(runtime):
        cached = runtime.caches.get(POOL_CACHE)
        listing = _open_listing(session)  # at least as new as what the last refresh published
        if cached is None or cached[0].listing != listing:
            cached = _refreshed_pool(runtime, session, cached, listing)
            runtime.caches.put(POOL_CACHE, cached, personal=False)  # open vacancies only
    return cached[1], cached[0]


def _refreshed_pool(runtime: Runtime, session: Session, cached, listing: list[tuple]) -> tuple[PoolState, VacancyPool]:
    listed = {entry[0]: entry for entry in listing}
    old_state, pool = cached if cached is not None else (None, None)
    seen: dict[int, tuple | None] = old_state.seen if old_state is not None else {}
    changed = sorted(i for i, entry in listed.items() if seen.get(i) != entry)
    full = pool is None or len(changed) > _FULL_REBUILD_SHARE * max(len(listed), 1)
    taxonomy = Taxonomy() if full else pool.taxonomy
    known = set() if full else pool.concepts()
    # The rows read (all open ones, or the changed ones), a chunk at a time, in id order.
    builder = VacancyPoolBuilder(len(listed) if full else len(changed))
    fresh: dict[int, tuple | None] = {}
    for loaded in _open_rows(session, None if full else changed):
        new_concepts = concept_uris([], loaded) - known
        if new_concepts:
            taxonomy = taxonomy.merged(load_taxonomy(session, new_concepts))
            known |= new_concepts
        vectors = encode_texts(runtime, [vacancy_text(v, taxonomy) for v in loaded])
        # No view is kept: a view holds its own vector beside the pool's matrix (a row of
        # the encoder's batch) and its skills, languages and route beside the arrays.
        builder.add([vacancy_view(v, x) for v, x in zip(loaded, vectors)], taxonomy)
        fresh.update((v.id or 0, listed.get(v.id or 0)) for v in loaded)
        session.expunge_all()  # nor the rows
    if full:
        new_pool, removed = builder.build(taxonomy), 0
    else:
        # Gone from the listing, or changed but no longer open when loaded.
        leaving = (set(seen) - set(listed)) | ((set(changed) & set(seen)) - set(fresh))
        # (Neither: nothing pooled changed; the same rows listed in another order, say.)
        changes = builder.build(taxonomy)
        new_pool = VacancyPool.combined([pool, changes], removed=leaving, taxonomy=taxonomy) if fresh or leaving else pool
        removed = len(leaving)
    # Per pooled vacancy, the listing entry it was loaded for: an unchanged one's entry
    # equals today's, and today's own tuple is kept (one copy, shared with the listing).
    pooled = set(new_pool.ids.tolist())
    new_seen = {i: entry for i, entry in listed.items() if i in pooled} | {i: None for i, entry in fresh.items() if entry is None}
    refresh = PoolRefresh(full=full, rows_loaded=len(fresh), texts=len(fresh), removed=removed)
    return PoolState(listing, new_seen, refresh), new_pool


def _open_rows(session: Session, ids: list[int] | None) -> Iterator[list[Vacancy]]:
    """The open vacancies (all of them, or those of these ids), in id order, a chunk at a time."""
    if ids is not None:
        for start in range(0, len(ids), _REFRESH_CHUNK):
            chunk = ids[start : start + _REFRESH_CHUNK]
            query = select(Vacancy).where(Vacancy.id.in_(chunk), listed()).order_by(Vacancy.id)  # type: ignore[union-attr]
            if rows := list(session.execute(query).scalars()):
                yield rows
        return
    after = None
    while True:
        query = select(Vacancy).where(listed())
        if after is not None:
            query = query.where(Vacancy.id > after)  # type: ignore[operator]
        rows = list(session.execute(query.order_by(Vacancy.id).limit(_REFRESH_CHUNK)).scalars())  # type: ignore[arg-type]
        if rows:
            yield rows
        if len(rows) < _REFRESH_CHUNK:
            return
        after = rows[-1].id


def pooled_rows(runtime: Runtime, ids: Sequence[int], seen: dict[int, tuple | None]) -> dict[int, Vacancy]:
    """The rows of these pooled vacancies, read now in one query, that are as the pool has
    them: still open, at the revision the pool read. One closed, deleted or edited since
    the pool's refresh (in another request, a moment ago) is left out; the next request's
    refresh takes it out of the pool or reads it again."""
    if not ids:
        return {}
    with Session(runtime.engine) as session:
        query = select(Vacancy).where(Vacancy.id.in_(list(ids)), listed())  # type: ignore[union-attr]
        rows = list(session.execute(query).scalars())
        session.expunge_all()
    return {row.id: row for row in rows if (entry := seen.get(row.id or 0)) is not None and entry[2] == row.revision}
