"""Passage vectors in memory, searched by document: exact when small, IVF when large.

The embedded engine keeps every passage vector in memory and scores a document as its
best passage. A brute-force `matrix @ query` reads the whole matrix for every query: at
300,000 passages of 384 floats that is 460 MB and about 75-100 ms on a two-core laptop,
too slow for a 30 ms search. `VectorStore` does two things about it:

* Column blocks. With `CompositeEncoder` a passage vector is [primary | multilingual] and
  a query fills only one half. Each block of columns is its own C-contiguous matrix, and
  a query multiplies only the blocks where it is non-zero, so an English query reads
  384 of 896 columns.
* An inverted file (IVF) above `ivf_threshold` rows. Each block is clustered by spherical
  k-means (about 4 * sqrt(n) centroids, trained two-level so that building takes seconds
  on 300k rows), its rows are stored sorted by cluster so a cluster is one contiguous
  slice, and a query scores the centroids, then only the rows of the `nprobe` clusters
  nearest to it. That is approximate: bench numbers and the chosen `nprobe` are in the
  class docstring.

Filters apply before top-k: a filter that allows few rows is answered exactly over just
those rows; a wider one masks the probed rows and probes more clusters the fewer rows it
allows, and any search that finds fewer than `wanted` documents probes further, up to
every cluster (which is exact).

The store is read-only once built (the engine rebuilds it when the index changes), so
concurrent queries need no lock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# Rows per chunk when assigning rows to centroids (bounds the temporary score matrix).
_ASSIGN_CHUNK = 8192
# Floats per temporary column strip when reordering a block in place (64 MB).
_REORDER_FLOATS = 1 << 24
# Floats per matrix-vector product at query time (see _matvec).
_MATVEC_FLOATS = 1 << 18
# Fine k-means: training rows per centroid, Lloyd iterations.
_FINE_SAMPLE = 32
_FINE_ITERATIONS = 6


@dataclass
class _Block:
    """One block of columns [start, stop): its matrix, and its IVF if it has one."""

    start: int
    stop: int
    matrix: np.ndarray  # (n, stop - start) float32, C-contiguous, rows in block order
    row_doc: np.ndarray  # (n,) int32: dense document index of each row, block order
    row_keys: np.ndarray  # (n,) int64: row key of each row, block order
    order: np.ndarray | None = None  # (n,) original row of each block position; None = identity
    inverse: np.ndarray | None = None  # (n,) block position of each original row
    centroids: np.ndarray | None = None  # (nlist, width) float32, unit rows
    offsets: np.ndarray | None = None  # (nlist + 1,) int64: cluster c is rows offsets[c]:offsets[c+1]

    @property
    def nlist(self) -> int:
        return 0 if self.centroids is None else len(self.centroids)


class VectorStore:
    """Row vectors grouped into documents; top documents by their best row's dot product.

    Built from `vectors` (n, d) float32, `doc_keys` (n,) int64 (the document of each row;
    a document may have several rows), `row_keys` (n,) int64 (e.g. passage ids) and
    `blocks`, column ranges that partition [0, d) (default: one block). With more than
    `ivf_threshold` rows each block gets an IVF index and searches are approximate.

    Measured on 300,000 rows made from real all-MiniLM-L6-v2 vectors (bench/README.md,
    `bench/bench_vectors.py`), defaults: ivf_threshold 50,000, nprobe 32 of ~2,200
    clusters: see the report there for recall and latency.

    In exact mode with a single block the store may share memory with `vectors` (no copy):
    do not modify that array afterwards. With an IVF index the blocks are always copies.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        doc_keys: np.ndarray,
        row_keys: np.ndarray,
        blocks: Sequence[tuple[int, int]] | None = None,
        *,
        ivf_threshold: int = 50_000,
        nprobe: int = 32,
        clusters_per_sqrt: float = 4.0,
        exact_filter_fraction: float = 0.05,
        seed: int = 0,
    ) -> None:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        count, dimension = vectors.shape
        self._configure(dimension, blocks, ivf_threshold, nprobe, clusters_per_sqrt, exact_filter_fraction, seed)
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        # Views of the caller's columns: an IVF build copies them in cluster order, exact
        # mode copies a block only when it is not already contiguous.
        parts = [vectors[:, start:stop] for start, stop in self._ranges]
        self._build(parts, np.asarray(doc_keys), np.asarray(row_keys), owned=False)

    @classmethod
    def from_batches(
        cls,
        batches: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]],
        *,
        count: int,
        dimension: int,
        blocks: Sequence[tuple[int, int]] | None = None,
        **settings,
    ) -> "VectorStore":
        """Build from (vectors, doc_keys, row_keys) batches without holding an (n, d) copy.

        `count` is the number of rows the batches hold at most (e.g. a SELECT COUNT(*) in
        the same read transaction); each block matrix is allocated once and filled batch
        by batch, so peak memory is the store plus one batch (plus one 64 MB strip while
        an IVF build reorders rows). More rows than `count` is an error; fewer is fine.
        """
        store = cls.__new__(cls)
        store._configure(
            dimension,
            blocks,
            settings.pop("ivf_threshold", 50_000),
            settings.pop("nprobe", 32),
            settings.pop("clusters_per_sqrt", 4.0),
            settings.pop("exact_filter_fraction", 0.05),
            settings.pop("seed", 0),
        )
        if settings:
            raise TypeError(f"unexpected settings: {', '.join(settings)}")
        matrices = [np.empty((count, stop - start), dtype=np.float32) for start, stop in store._ranges]
        doc_keys = np.empty(count, dtype=np.int64)
        row_keys = np.empty(count, dtype=np.int64)
        filled = 0
        for vectors, docs, rows in batches:
            vectors = np.asarray(vectors, dtype=np.float32)
            size = len(vectors)
            if vectors.ndim != 2 or vectors.shape[1] != dimension:
                raise ValueError(f"batch of shape {vectors.shape}, expected (m, {dimension})")
            if filled + size > count:
                raise ValueError(f"batches hold more than count={count} rows")
            for matrix, (start, stop) in zip(matrices, store._ranges):
                matrix[filled : filled + size] = vectors[:, start:stop]
            doc_keys[filled : filled + size] = docs
            row_keys[filled : filled + size] = rows
            filled += size
        if filled < count:
            matrices = [matrix[:filled] for matrix in matrices]
            doc_keys, row_keys = doc_keys[:filled], row_keys[:filled]
        store._build(matrices, doc_keys, row_keys, owned=True)
        return store

    # ------------------------------------------------------------------ building

    def _configure(
        self,
        dimension: int,
        blocks: Sequence[tuple[int, int]] | None,
        ivf_threshold: int,
        nprobe: int,
        clusters_per_sqrt: float,
        exact_filter_fraction: float,
        seed: int,
    ) -> None:
        ranges = [(0, dimension)] if not blocks else sorted((int(a), int(b)) for a, b in blocks)
        edge = 0
        for start, stop in ranges:
            if start != edge or stop <= start:
                raise ValueError(f"blocks {list(blocks or [])} must partition [0, {dimension}) into non-empty ranges")
            edge = stop
        if edge != dimension:
            raise ValueError(f"blocks {list(blocks or [])} must partition [0, {dimension})")
        if nprobe < 1:
            raise ValueError("nprobe must be at least 1")
        self.dimension = dimension
        self._ranges = ranges
        self.ivf_threshold = ivf_threshold
        self.nprobe = nprobe
        self.clusters_per_sqrt = clusters_per_sqrt
        self.exact_filter_fraction = exact_filter_fraction
        self.seed = seed

    def _build(self, parts: list[np.ndarray], doc_keys: np.ndarray, row_keys: np.ndarray, *, owned: bool) -> None:
        """Blocks from `parts` (each block's columns, original row order).

        `owned`: the parts are the store's own contiguous arrays (reordered in place);
        otherwise they are views of the caller's array and are copied.
        """
        count = len(parts[0])
        if doc_keys.shape != (count,) or row_keys.shape != (count,):
            raise ValueError(f"doc_keys and row_keys must have shape ({count},)")
        self._count = count
        # Documents as dense indexes 0..D-1 (sorted keys), and each document's rows.
        self._docs, row_doc = np.unique(doc_keys.astype(np.int64, copy=False), return_inverse=True)
        self._row_doc = row_doc.astype(np.int32).reshape(-1)
        self._row_keys = row_keys.astype(np.int64, copy=True)
        self._doc_rows = np.argsort(self._row_doc, kind="stable")
        self._doc_counts = np.bincount(self._row_doc, minlength=len(self._docs))
        self._doc_starts = np.zeros(len(self._docs) + 1, dtype=np.int64)
        np.cumsum(self._doc_counts, out=self._doc_starts[1:])
        indexed = count > self.ivf_threshold
        self._blocks = []
        for number, ((start, stop), part) in enumerate(zip(self._ranges, parts)):
            if indexed:
                block = self._indexed_block(start, stop, part, owned, np.random.default_rng(self.seed + number))
            else:
                block = _Block(start, stop, np.ascontiguousarray(part), self._row_doc, self._row_keys)
            self._blocks.append(block)

    def _indexed_block(self, start: int, stop: int, part: np.ndarray, owned: bool, rng: np.random.Generator) -> _Block:
        """Cluster the block's rows, store them sorted by cluster, centroids = cluster means."""
        count = len(part)
        nlist = int(min(count, max(1, round(self.clusters_per_sqrt * math.sqrt(count)))))
        labels = _two_level_kmeans(part, nlist, rng)
        order = np.argsort(labels, kind="stable")
        sizes = np.bincount(labels)  # labels are 0..k-1 with no empty cluster
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        if owned:
            _permute_rows_in_place(part, order)
            matrix = part
        else:
            matrix = np.ascontiguousarray(part[order])
        block = _Block(start, stop, matrix, self._row_doc, self._row_keys)
        block.centroids = _normalise(_segment_sums(matrix, offsets))
        block.offsets = offsets
        block.order = order.astype(np.int32 if count < 2**31 else np.int64)
        inverse = np.empty_like(block.order)
        inverse[block.order] = np.arange(count, dtype=inverse.dtype)
        block.inverse = inverse
        block.row_doc = self._row_doc[order]
        block.row_keys = self._row_keys[order]
        return block

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return self._count

    @property
    def documents(self) -> int:
        """How many distinct documents the rows belong to."""
        return len(self._docs)

    @property
    def indexed(self) -> bool:
        """True when searches go through the IVF index (approximate)."""
        return any(block.centroids is not None for block in self._blocks)

    @property
    def clusters(self) -> list[int]:
        """Number of IVF clusters of each block (0 without an index)."""
        return [block.nlist for block in self._blocks]

    @property
    def nbytes(self) -> int:
        """Memory held by the store's arrays."""
        arrays = [self._docs, self._row_doc, self._row_keys, self._doc_rows, self._doc_counts, self._doc_starts]
        for block in self._blocks:
            arrays.append(block.matrix)
            if block.centroids is not None:
                arrays += [block.centroids, block.offsets, block.order, block.inverse, block.row_doc, block.row_keys]
        return int(sum(array.nbytes for array in arrays))

    def top_documents(
        self,
        query: np.ndarray,
        wanted: int,
        allowed_docs: np.ndarray | Iterable[int] | None = None,
        *,
        exact: bool = False,
        nprobe: int | None = None,
    ) -> tuple[dict[int, float], dict[int, int]]:
        """Up to `wanted` documents with the highest score, best first.

        A document's score is the largest dot product of the query with one of its rows;
        returns ({doc_key: score}, {doc_key: row_key of that best row}), both in score
        order. `allowed_docs` (doc keys; sorted or not) restricts the candidates before
        ranking. `exact=True` skips the IVF index (for evaluation); `nprobe` overrides the
        store's default for this query.
        """
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if q.shape != (self.dimension,):
            raise ValueError(f"query has {q.size} dimensions, the store {self.dimension}")
        if wanted <= 0 or self._count == 0:
            return {}, {}
        active = [block for block in self._blocks if np.any(q[block.start : block.stop])]
        if not active:  # a zero query: every row scores 0
            active = self._blocks[:1]
        doc_mask = None
        allowed_fraction = 1.0
        if allowed_docs is not None:
            doc_mask = self._doc_mask(allowed_docs)
            allowed_rows = int(self._doc_counts[doc_mask].sum())
            if allowed_rows == 0:
                return {}, {}
            allowed_fraction = allowed_rows / self._count
            if allowed_fraction <= self.exact_filter_fraction or (exact and allowed_fraction < 0.5):
                return self._gathered(q, active, doc_mask, wanted)
        if not exact and len(active) == 1 and active[0].centroids is not None:
            probes = nprobe or self.nprobe
            if allowed_fraction < 1.0:
                # The best allowed rows rank lower among all rows the fewer are allowed.
                probes = math.ceil(probes / math.sqrt(allowed_fraction))
            return self._probed(q, active[0], doc_mask, wanted, probes)
        return self._exhaustive(q, active, doc_mask, wanted)

    def _doc_mask(self, allowed_docs: np.ndarray | Iterable[int]) -> np.ndarray:
        if isinstance(allowed_docs, np.ndarray):
            allowed = allowed_docs.astype(np.int64, copy=False).reshape(-1)
        else:
            allowed = np.fromiter(allowed_docs, dtype=np.int64)
        mask = np.zeros(len(self._docs), dtype=bool)
        if len(allowed) and len(self._docs):
            positions = np.searchsorted(self._docs, allowed)
            inside = positions < len(self._docs)
            positions = positions[inside]
            mask[positions[self._docs[positions] == allowed[inside]]] = True
        return mask

    def _result(self, scores: np.ndarray, docs: np.ndarray, keys: np.ndarray, best: np.ndarray):
        doc_keys = self._docs[docs[best]].tolist()
        values = scores[best].tolist()
        row_keys = keys[best].tolist()
        return dict(zip(doc_keys, values)), dict(zip(doc_keys, row_keys))

    def _exhaustive(self, q: np.ndarray, active: list[_Block], doc_mask: np.ndarray | None, wanted: int):
        """Every row: blocks in their stored order when that is the original order."""
        if all(block.order is None for block in active):
            scores = None
            for block in active:
                part = _matvec(block.matrix, q[block.start : block.stop])
                scores = part if scores is None else scores + part
            docs, keys = active[0].row_doc, active[0].row_keys
        elif len(active) == 1:  # one IVF block read in full: its own order is fine
            block = active[0]
            scores = _matvec(block.matrix, q[block.start : block.stop])
            docs, keys = block.row_doc, block.row_keys
        else:  # several blocks, each clustered differently: back to the original order
            scores = np.zeros(self._count, dtype=np.float32)
            for block in active:
                part = _matvec(block.matrix, q[block.start : block.stop])
                if block.order is None:
                    scores += part
                else:
                    scores[block.order] += part
            docs, keys = self._row_doc, self._row_keys
        if doc_mask is not None:
            scores[~doc_mask[docs]] = -np.inf
        return self._result(scores, docs, keys, _best_rows(scores, docs, wanted))

    def _gathered(self, q: np.ndarray, active: list[_Block], doc_mask: np.ndarray, wanted: int):
        """Exact over just the allowed documents' rows (copied out): for narrow filters."""
        allowed = np.flatnonzero(doc_mask)
        rows = self._doc_rows[_concatenated_ranges(self._doc_starts[allowed], self._doc_counts[allowed])]
        scores = None
        for block in active:
            positions = rows if block.inverse is None else block.inverse[rows]
            part = _matvec(block.matrix.take(positions, axis=0), q[block.start : block.stop])
            scores = part if scores is None else scores + part
        docs = self._row_doc[rows]
        return self._result(scores, docs, self._row_keys[rows], _best_rows(scores, docs, wanted))

    def _probed(self, q: np.ndarray, block: _Block, doc_mask: np.ndarray | None, wanted: int, nprobe: int):
        """IVF: rows of the clusters nearest the query, more clusters until `wanted` docs."""
        qb = q[block.start : block.stop]
        nearest = np.argsort(-_matvec(block.centroids, qb), kind="stable")
        nlist = len(nearest)
        probes = min(nlist, nprobe)
        done = 0
        scores_parts: list[np.ndarray] = []
        position_parts: list[np.ndarray] = []
        while True:
            clusters = np.sort(nearest[done:probes])
            # Clusters with consecutive numbers are one slice: fewer, larger products.
            breaks = np.flatnonzero(np.diff(clusters) != 1) + 1
            run_first = clusters[np.r_[0, breaks]]
            run_last = clusters[np.r_[breaks - 1, len(clusters) - 1]]
            starts = block.offsets[run_first]
            stops = block.offsets[run_last + 1]
            sizes = stops - starts
            scores = np.empty(int(sizes.sum()), dtype=np.float32)
            at = 0
            for start, stop in zip(starts.tolist(), stops.tolist()):
                _matvec(block.matrix[start:stop], qb, out=scores[at : at + stop - start])
                at += stop - start
            scores_parts.append(scores)
            position_parts.append(_concatenated_ranges(starts, sizes))
            done = probes
            scores = np.concatenate(scores_parts) if len(scores_parts) > 1 else scores_parts[0]
            positions = np.concatenate(position_parts) if len(position_parts) > 1 else position_parts[0]
            docs = block.row_doc[positions]
            if doc_mask is not None:
                scores = np.where(doc_mask[docs], scores, np.float32(-np.inf))
            best = _best_rows(scores, docs, wanted)
            if len(best) >= wanted or probes >= nlist:
                break
            probes = min(nlist, probes * 2)
        return self._result(scores, docs, block.row_keys[positions], best)


# ---------------------------------------------------------------------- helpers


def _matvec(matrix: np.ndarray, vector: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """matrix @ vector, in pieces small enough that OpenBLAS runs each on one thread.

    OpenBLAS splits a larger matrix-vector product over all cores; on a laptop whose
    cores are busy (web workers, an import) the threads wait for each other and a 5,000
    row product took 15 ms instead of 0.2 ms (p50, two busy cores). Pieces of at most
    2**18 floats stay single-threaded; the product is memory-bound anyway.
    """
    rows = len(matrix)
    if out is None:
        out = np.empty(rows, dtype=np.float32)
    step = max(1, _MATVEC_FLOATS // max(1, matrix.shape[1]))
    if rows <= step:
        np.dot(matrix, vector, out=out)
        return out
    for start in range(0, rows, step):
        np.dot(matrix[start : start + step], vector, out=out[start : start + step])
    return out


def _segment_sums(rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of rows[offsets[i]:offsets[i+1]] for each i, float32 (empty segments: 0)."""
    sums = np.zeros((len(offsets) - 1, rows.shape[1]), dtype=np.float32)
    for index, (start, stop) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist())):
        if stop > start:
            rows[start:stop].sum(axis=0, out=sums[index])
    return sums


def _best_rows(scores: np.ndarray, docs: np.ndarray, wanted: int) -> np.ndarray:
    """Indexes into `scores` of each document's best row, best first, at most `wanted`.

    Rows scoring -inf are excluded (filtered out). Takes the top 4 * wanted rows and
    widens the slice while documents repeat so much that fewer than `wanted` remain.
    """
    total = len(scores)
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    take = min(total, max(4 * wanted, 32))
    while True:
        if take < total:
            top = np.argpartition(scores, total - take)[total - take :]
        else:
            top = np.arange(total)
        top = top[np.argsort(-scores[top], kind="stable")]
        finite = scores[top] > -np.inf
        exhausted = take >= total or not finite[-1]
        top = top[finite]
        _, first = np.unique(docs[top], return_index=True)
        if len(first) >= wanted or exhausted:
            break
        take = min(total, take * 4)
    first.sort()
    return top[first[:wanted]]


def _concatenated_ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """np.concatenate([np.arange(s, s + n) for s, n in zip(starts, sizes)]), vectorised."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(sizes)
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - sizes), sizes)
    return np.arange(total, dtype=np.int64) + shift


def _nearest(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the centroid with the largest dot product, for every row (chunked)."""
    labels = np.empty(len(rows), dtype=np.int64)
    transposed = np.ascontiguousarray(centroids.T)
    for start in range(0, len(rows), _ASSIGN_CHUNK):
        chunk = rows[start : start + _ASSIGN_CHUNK]
        labels[start : start + len(chunk)] = (chunk @ transposed).argmax(axis=1)
    return labels


def _spherical_kmeans(rows: np.ndarray, k: int, rng: np.random.Generator, iterations: int) -> np.ndarray:
    """k unit centroids of `rows` (cosine k-means, Lloyd iterations, random start)."""
    k = min(k, len(rows))
    centroids = _normalise(rows[np.sort(rng.choice(len(rows), size=k, replace=False))].astype(np.float32))
    for _ in range(iterations):
        labels = _nearest(rows, centroids)
        counts = np.bincount(labels, minlength=k)
        offsets = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        centroids = _segment_sums(rows[np.argsort(labels, kind="stable")], offsets)
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # restart empty clusters on random rows
            centroids[empty] = rows[rng.choice(len(rows), size=len(empty), replace=False)]
        centroids = _normalise(centroids)
    return centroids


def _two_level_kmeans(matrix: np.ndarray, nlist: int, rng: np.random.Generator) -> np.ndarray:
    """Cluster labels 0..k-1 (k <= nlist, none empty) of every row, in seconds.

    Flat k-means with ~2,200 centroids on 300k rows costs 300k x 2,200 dot products per
    pass (half a minute here). Instead: ~sqrt(nlist) coarse clusters, then each coarse
    cluster split into a share of nlist proportional to its size; a row meets about
    2 * sqrt(nlist) centroids. A row near a coarse border may miss its globally nearest
    fine centroid; searches probe several clusters, which absorbs that.
    """
    count = len(matrix)
    coarse_k = max(1, round(math.sqrt(nlist)))
    sample = matrix[np.sort(rng.choice(count, size=min(count, coarse_k * 256), replace=False))]
    coarse = _spherical_kmeans(sample, coarse_k, rng, iterations=8)
    coarse_labels = _nearest(matrix, coarse)
    by_coarse = np.argsort(coarse_labels, kind="stable")
    bounds = np.zeros(coarse_k + 1, dtype=np.int64)
    np.cumsum(np.bincount(coarse_labels, minlength=coarse_k), out=bounds[1:])
    labels = np.empty(count, dtype=np.int64)
    next_label = 0
    for group in range(coarse_k):
        members = by_coarse[bounds[group] : bounds[group + 1]]
        if len(members) == 0:
            continue
        rows = matrix[members]
        k = int(min(len(members), max(1, round(nlist * len(members) / count))))
        if k == 1:
            fine = np.zeros(len(members), dtype=np.int64)
        else:
            train = rows[np.sort(rng.choice(len(rows), size=min(len(rows), k * _FINE_SAMPLE), replace=False))]
            fine = _nearest(rows, _spherical_kmeans(train, k, rng, iterations=_FINE_ITERATIONS))
        used, fine = np.unique(fine, return_inverse=True)
        labels[members] = next_label + fine.reshape(-1)
        next_label += len(used)
    return labels


def _normalise(rows: np.ndarray) -> np.ndarray:
    """`rows` scaled to unit length in place (zero rows stay zero); returns it."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    rows /= np.maximum(norms, 1e-12)
    return rows


def _permute_rows_in_place(matrix: np.ndarray, order: np.ndarray) -> None:
    """matrix[:] = matrix[order], one column strip at a time (temporary: one strip)."""
    rows, width = matrix.shape
    strip = max(1, min(width, _REORDER_FLOATS // max(rows, 1)))
    for start in range(0, width, strip):
        matrix[:, start : start + strip] = matrix[order, start : start + strip]
