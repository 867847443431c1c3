"""Passage vectors in memory, searched by document: exact when small, IVF when large.

The embedded engine keeps every passage vector in memory and scores a document as its
best passage. A brute-force `matrix @ query` reads the whole matrix for every query: at
300,000 passages of 384 floats that is 460 MB and 45-100 ms on a busy two-core machine,
too slow for a 30 ms search. `VectorStore` does two things about it:

* Column blocks. With `CompositeEncoder` a passage vector is [primary | multilingual] and
  a query fills only one half. Each block of columns is its own C-contiguous matrix, and
  a query multiplies only the blocks where it is non-zero, so an English query reads
  384 of 896 columns.
* Per-block row subsets. Most passages fill one block only (ESCO descriptions the
  English model's, labels the multilingual model's; the other block's columns are
  zeros): at 300,000 ESCO documents 46% of a full (1,209,070 x 896) float32 matrix was
  zeros. A block stores only the rows that are not all zero in its columns (with their
  original row numbers); a row a block leaves out scores 0 in it, so every search still
  equals the full matrix's: a query on several blocks adds each block's scores into the
  original row order, and a one-block search that finds too few documents, or a negative
  score among the best, is answered over every row.
* float16 storage (`float16_above`, which the engine sets to the exact-search
  threshold): half the bytes again. Products widen bounded pieces (2**18 values) to
  float32 on the fly by bit operations, about 1.3x the time of a float32 product;
  scores move by up to ~1e-4 (a unit vector's components round to 11 bits).
  Together: the 300,000-document ESCO store fell from 4,217 MiB to 1,177 MiB and the
  search process's peak RSS from 5,346 MiB to 2,125 MiB (models ~700 MiB of it). That
  peak was the build's temporaries (the IVF k-means), not the queries'; building with
  less held at once and handing freed heap back (_release_free_heap) brought it to
  1,978 MiB (2026-11-23).
* An inverted file (IVF) for a block that stores more than `ivf_threshold` rows (a
  smaller block, e.g. the English block at 30,000 ESCO documents, stays exact). Each block is clustered by spherical
  k-means (about 4 * sqrt(n) centroids, trained two-level so that building takes seconds
  on 300k rows), its rows are stored sorted by cluster so a cluster is one contiguous
  slice, and a query scores the centroids, then only the rows of the `nprobe` clusters
  nearest to it. That is approximate: bench numbers and the chosen `nprobe` are in the
  class docstring.

Filters apply before top-k: a filter that allows few rows (a few percent, the break-even
is computed per query) is answered exactly over just those rows; a wider one masks the
probed rows and probes more clusters the fewer rows it allows, and any search that finds
fewer than `wanted` documents probes further, up to every cluster (which is exact).

The store is read-only once built (the engine rebuilds it when the index changes), so
concurrent queries need no lock.
"""

from __future__ import annotations

import ctypes
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
# A row copied out of place (a filter's rows) costs about 3 rows read in one sweep and
# 1.5 rows of probed clusters (measured): which is why a filter allowing at most a third
# of the rows, or (with an index) fewer rows than probing would read / 1.5, is answered
# exactly by copying the allowed rows out (see top_documents).
_GATHER_FRACTION = 1 / 3
_GATHER_VS_PROBED = 1.5
# A filter allowing a fraction f of the rows multiplies nprobe by f ** -exponent.
_FILTER_PROBE_EXPONENT = 0.25
# Fine k-means: training rows per centroid, Lloyd iterations.
_FINE_SAMPLE = 32
_FINE_ITERATIONS = 6
# Coarse clusters whose fine centroids each row is compared with (see _two_level_kmeans).
_SPREAD = 3
_SPREAD_MARGIN = 0.1


@dataclass
class _Block:
    """One block of columns [start, stop): the rows that are not all zero in it, and its IVF.

    `order` maps block positions to original rows (None: every row, original order);
    `inverse` maps original rows to block positions, -1 for a row the block leaves out
    (None: identity). A left-out row scores 0 in this block.
    """

    start: int
    stop: int
    matrix: np.ndarray  # (m, stop - start) float32 or float16, C-contiguous, rows in block order
    row_doc: np.ndarray  # (m,) int32: dense document index of each row, block order
    row_keys: np.ndarray  # (m,) int64: row key of each row, block order
    order: np.ndarray | None = None  # (m,) original row of each block position; None = identity
    inverse: np.ndarray | None = None  # (n,) block position of each original row (-1: absent)
    complete: bool = True  # the block holds every row of the store
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

    Defaults (ivf_threshold 50,000 rows, 4 * sqrt(n) clusters, nprobe 64), measured on
    300,000 rows made from 37k real all-MiniLM-L6-v2 vectors (each repeated with noise,
    1-3 rows per document) on a busy two-core machine, exact and IVF in the same run:
    recall@10 of documents against exact search 0.989 (recall@100 0.965), a query
    2.3 ms p50 instead of 64 ms, build 5-7 s (about 3 s with OPENBLAS_NUM_THREADS=1);
    with a filter 7-12 ms and recall@10 0.97-1.0. Below the threshold exact search costs
    at most ~11 ms (50,000 x 384).

    Each block keeps only the rows that are not all zero in its columns (see the module
    docstring); results are those of the full matrix, where a left-out row scores 0.
    With `float16_above` set, a store of more rows keeps its block matrices as float16
    (centroids stay float32). Scores then differ from float32 arithmetic by up to ~1e-4
    (tests: within 1e-3, recall@10 against exact float32 >= 0.97). ESCO benchmark
    (bench/bench_search.py, 2026-11-22): at 30,000 documents every returned document was
    one of the exact top 10 (recall@10 by document 1.000; by reported score, with a 1e-5
    tolerance, 0.965 because of the rounding). At 300,000 documents (replicated concepts,
    so many equal exact scores) the score-based recall fell from 0.980 to 0.710 while
    recall@10 by document stayed 0.980: the rounding moves reported scores, not documents.
    The default (None) keeps float32, whose scores equal float32 arithmetic on the
    caller's vectors.

    In exact mode with a single block that has no all-zero row, stored as float32, the
    store may share memory with `vectors` (no copy): do not modify that array afterwards.
    With an IVF index the blocks are always copies.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        doc_keys: np.ndarray,
        row_keys: np.ndarray,
        blocks: Sequence[tuple[int, int]] | None = None,
        *,
        ivf_threshold: int = 50_000,
        nprobe: int = 64,
        clusters_per_sqrt: float = 4.0,
        seed: int = 0,
        float16_above: int | None = None,
    ) -> None:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        count, dimension = vectors.shape
        self._configure(dimension, blocks, ivf_threshold, nprobe, clusters_per_sqrt, seed, float16_above)
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        dtype = self._storage_dtype(count)
        # Views of the caller's columns while a block holds every row (an IVF build copies
        # them in cluster order, exact mode copies a block only when it is not already
        # contiguous or not float32); a block's non-zero rows copied out otherwise.
        parts: list[np.ndarray] = []
        subsets: list[np.ndarray | None] = []
        for start, stop in self._ranges:
            part = vectors[:, start:stop]
            rows = np.flatnonzero(part.any(axis=1))
            if len(rows) == count:
                parts.append(part if dtype == np.float32 else _to_storage(part, dtype))
                subsets.append(None)
            else:
                parts.append(_to_storage(part[rows], dtype))
                subsets.append(rows.astype(_index_dtype(count)))
        self._build(parts, subsets, np.asarray(doc_keys), np.asarray(row_keys), owned=False)

    @classmethod
    def from_batches(
        cls,
        batches: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]],
        *,
        count: int,
        dimension: int,
        blocks: Sequence[tuple[int, int]] | None = None,
        ivf_threshold: int = 50_000,
        nprobe: int = 64,
        clusters_per_sqrt: float = 4.0,
        seed: int = 0,
        float16_above: int | None = None,
    ) -> "VectorStore":
        """Build from (vectors, doc_keys, row_keys) batches without holding an (n, d) copy.

        `count` is the number of rows the batches hold at most (e.g. a SELECT COUNT(*) in
        the same read transaction). Each block matrix is allocated once for `count` rows
        (np.empty: address space, no memory yet) and filled batch by batch with just the
        rows that are not all zero in that block, at the block's own cursor; the store
        keeps a view of the filled prefix, so the untouched tail never becomes resident
        and peak memory is the stored rows plus one batch (plus one 64 MB strip while an
        IVF build reorders rows). More rows than `count` is an error; fewer is fine.
        The other arguments are the constructor's.
        """
        store = cls.__new__(cls)
        store._configure(dimension, blocks, ivf_threshold, nprobe, clusters_per_sqrt, seed, float16_above)
        dtype = store._storage_dtype(count)
        index_dtype = _index_dtype(count)
        matrices = [np.empty((count, stop - start), dtype=dtype) for start, stop in store._ranges]
        cursors = [0] * len(matrices)
        row_parts: list[list[np.ndarray]] = [[] for _ in matrices]
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
            for number, (matrix, (start, stop)) in enumerate(zip(matrices, store._ranges)):
                part = vectors[:, start:stop]
                present = np.flatnonzero(part.any(axis=1))
                at = cursors[number]
                if len(present) == size:
                    matrix[at : at + size] = _to_storage(part, dtype)
                else:
                    matrix[at : at + len(present)] = _to_storage(part[present], dtype)
                row_parts[number].append((present + filled).astype(index_dtype))
                cursors[number] = at + len(present)
            doc_keys[filled : filled + size] = docs
            row_keys[filled : filled + size] = rows
            filled += size
        parts: list[np.ndarray] = []
        subsets: list[np.ndarray | None] = []
        final_dtype = store._storage_dtype(filled)
        for matrix, cursor, pieces in zip(matrices, cursors, row_parts):
            part = matrix[:cursor]  # a view: the pages past the cursor were never touched
            if final_dtype != dtype:  # fewer rows than `count`, below float16_above
                part = part.astype(final_dtype)
            parts.append(part)
            subsets.append(None if cursor == filled else (np.concatenate(pieces) if pieces else np.zeros(0, index_dtype)))
        if filled < count:
            doc_keys, row_keys = doc_keys[:filled], row_keys[:filled]
        del matrices, row_parts
        store._build(parts, subsets, doc_keys, row_keys, owned=True)
        del parts, doc_keys, row_keys
        _release_free_heap()
        return store

    # ------------------------------------------------------------------ building

    def _configure(
        self,
        dimension: int,
        blocks: Sequence[tuple[int, int]] | None,
        ivf_threshold: int,
        nprobe: int,
        clusters_per_sqrt: float,
        seed: int,
        float16_above: int | None,
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
        self.seed = seed
        self.float16_above = float16_above

    def _storage_dtype(self, count: int) -> np.dtype:
        """float16 for a store of more than `float16_above` rows, else float32."""
        if self.float16_above is not None and count > self.float16_above:
            return np.dtype(np.float16)
        return np.dtype(np.float32)

    def _build(
        self,
        parts: list[np.ndarray],
        subsets: list[np.ndarray | None],
        doc_keys: np.ndarray,
        row_keys: np.ndarray,
        *,
        owned: bool,
    ) -> None:
        """Blocks from `parts`: each block's stored rows, the original rows `subsets[b]`
        (ascending; None: every row) in original order.

        `owned`: the parts are the store's own contiguous arrays (reordered in place);
        otherwise they may be views of the caller's array and are copied.
        """
        count = len(doc_keys)
        if doc_keys.shape != (count,) or row_keys.shape != (count,):
            raise ValueError(f"doc_keys and row_keys must have shape ({count},)")
        for part, rows in zip(parts, subsets):
            if len(part) != (count if rows is None else len(rows)):
                raise ValueError(f"doc_keys and row_keys must have shape ({len(part)},)")
        self._count = count
        # Documents as dense indexes 0..D-1 (sorted keys), and each document's rows.
        self._docs, row_doc = np.unique(doc_keys.astype(np.int64, copy=False), return_inverse=True)
        self._row_doc = row_doc.astype(np.int32).reshape(-1)
        # (a copy unless the caller handed its own array over: `owned`)
        self._row_keys = row_keys.astype(np.int64, copy=not owned)
        self._doc_rows = np.argsort(self._row_doc, kind="stable")
        self._doc_counts = np.bincount(self._row_doc, minlength=len(self._docs))
        self._doc_starts = np.zeros(len(self._docs) + 1, dtype=np.int64)
        np.cumsum(self._doc_counts, out=self._doc_starts[1:])
        # Document keys are usually SQLite rowids: small non-negative integers. Then a
        # key -> index table turns a filter into a mask with one gather.
        self._key_index = None
        if len(self._docs) and self._docs[0] >= 0 and self._docs[-1] < 4 * len(self._docs) + 1_000_000:
            self._key_index = np.full(int(self._docs[-1]) + 1, -1, dtype=np.int32)
            self._key_index[self._docs] = np.arange(len(self._docs), dtype=np.int32)
        self._blocks = []
        for number, ((start, stop), part, rows) in enumerate(zip(self._ranges, parts, subsets)):
            if len(part) > self.ivf_threshold:
                block = self._indexed_block(start, stop, part, rows, owned, np.random.default_rng(self.seed + number))
            elif rows is None:
                block = _Block(start, stop, np.ascontiguousarray(part), self._row_doc, self._row_keys)
            else:
                inverse = np.full(count, -1, dtype=rows.dtype)
                inverse[rows] = np.arange(len(rows), dtype=rows.dtype)
                block = _Block(
                    start, stop, np.ascontiguousarray(part), self._row_doc[rows], self._row_keys[rows],
                    order=rows, inverse=inverse, complete=False,
                )
            self._blocks.append(block)

    def _indexed_block(
        self, start: int, stop: int, part: np.ndarray, rows: np.ndarray | None, owned: bool, rng: np.random.Generator
    ) -> _Block:
        """Cluster the block's rows, store them sorted by cluster, centroids = cluster means."""
        size = len(part)
        nlist = int(min(size, max(1, round(self.clusters_per_sqrt * math.sqrt(size)))))
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
        original = order if rows is None else rows[order]
        original = original.astype(_index_dtype(self._count))
        inverse = np.full(self._count, -1, dtype=original.dtype)
        inverse[original] = np.arange(size, dtype=original.dtype)
        block = _Block(
            start, stop, matrix, self._row_doc[original], self._row_keys[original],
            order=original, inverse=inverse, complete=rows is None,
        )
        block.centroids = _normalise(_segment_sums(matrix, offsets))
        block.offsets = offsets
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
        if self._key_index is not None:
            arrays.append(self._key_index)
        for block in self._blocks:
            arrays += [block.matrix, block.centroids, block.offsets, block.order, block.inverse]
            if block.row_doc is not self._row_doc:
                arrays += [block.row_doc, block.row_keys]
        return int(sum(array.nbytes for array in arrays if array is not None))

    @property
    def block_rows(self) -> list[int]:
        """Rows each block stores (those not all zero in its columns)."""
        return [len(block.matrix) for block in self._blocks]

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
        probing = not exact and len(active) == 1 and active[0].centroids is not None
        probes = nprobe or self.nprobe
        if allowed_docs is not None:
            doc_mask = self._doc_mask(allowed_docs)
            allowed_rows = int(self._doc_counts[doc_mask].sum())
            if allowed_rows == 0:
                return {}, {}
            allowed_fraction = allowed_rows / self._count
            if probing:
                # The best allowed rows rank lower among all rows the fewer are allowed:
                # probe more clusters, or copy the allowed rows out when that reads less.
                probes = min(active[0].nlist, math.ceil(probes / allowed_fraction**_FILTER_PROBE_EXPONENT))
                gather = allowed_rows * _GATHER_VS_PROBED <= probes * len(active[0].matrix) / active[0].nlist
            else:
                gather = allowed_fraction <= _GATHER_FRACTION
            if gather:
                return self._gathered(q, active, doc_mask, wanted)
        if probing:
            return self._probed(q, active[0], doc_mask, wanted, probes)
        return self._exhaustive(q, active, doc_mask, wanted)

    def _doc_mask(self, allowed_docs: np.ndarray | Iterable[int]) -> np.ndarray:
        if isinstance(allowed_docs, np.ndarray):
            allowed = allowed_docs.astype(np.int64, copy=False).reshape(-1)
        else:
            allowed = np.fromiter(allowed_docs, dtype=np.int64)
        mask = np.zeros(len(self._docs), dtype=bool)
        if self._key_index is not None:  # small keys: a lookup table, no search
            allowed = allowed[(allowed >= 0) & (allowed < len(self._key_index))]
            found = self._key_index[allowed]
            mask[found[found >= 0]] = True
        elif len(allowed) and len(self._docs):
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
        """Every row: blocks in their stored order when that is the original order.

        Blocks that leave rows out or are clustered differently are scattered back into
        the original order (rows a block leaves out score 0 in it), so every row of the
        store is a candidate, as with the full matrix.
        """
        if all(block.order is None for block in active):
            scores = None
            for block in active:
                part = _matvec(block.matrix, q[block.start : block.stop])
                scores = part if scores is None else scores + part
            docs, keys = self._row_doc, self._row_keys
        elif len(active) == 1:  # one block read in full: its own order is fine
            block = active[0]
            scores = _matvec(block.matrix, q[block.start : block.stop])
            docs, keys = block.row_doc, block.row_keys
            if doc_mask is not None:
                scores[~doc_mask[docs]] = -np.inf
            best = _best_rows(scores, docs, wanted)
            # Rows the block leaves out score 0: they matter only with too few documents
            # or a negative score among the best. Not scattering them in otherwise also
            # spares argpartition the ties of many zeros (17 ms at 124k rows, 93k zeros).
            if block.complete or not (len(best) < wanted or scores[best[-1]] < 0):
                return self._result(scores, docs, keys, best)
            return self._scattered(q, active, doc_mask, wanted)
        else:
            return self._scattered(q, active, doc_mask, wanted)
        if doc_mask is not None:
            scores[~doc_mask[docs]] = -np.inf
        return self._result(scores, docs, keys, _best_rows(scores, docs, wanted))

    def _scattered(self, q: np.ndarray, active: list[_Block], doc_mask: np.ndarray | None, wanted: int):
        """Every row in the original order, each block's scores added at its rows (a row
        a block leaves out scores 0 in it): the full matrix's answer."""
        scores = np.zeros(self._count, dtype=np.float32)
        for block in active:
            part = _matvec(block.matrix, q[block.start : block.stop])
            if block.order is None:
                scores += part
            else:
                scores[block.order] += part  # order holds distinct rows
        docs, keys = self._row_doc, self._row_keys
        if doc_mask is not None:
            scores[~doc_mask[docs]] = -np.inf
        return self._result(scores, docs, keys, _best_rows(scores, docs, wanted))

    def _gathered(self, q: np.ndarray, active: list[_Block], doc_mask: np.ndarray, wanted: int):
        """Exact over just the allowed documents' rows (copied out): for narrow filters."""
        allowed = np.flatnonzero(doc_mask)
        rows = self._doc_rows[_concatenated_ranges(self._doc_starts[allowed], self._doc_counts[allowed])]
        if len(active) == 1 and active[0].complete:  # rows in the block's own order: ascending addresses
            block = active[0]
            positions = rows if block.inverse is None else np.sort(block.inverse[rows])
            scores = _gathered_matvec(block.matrix, positions, q[block.start : block.stop])
            docs, keys = block.row_doc[positions], block.row_keys[positions]
        else:  # several blocks, or one that leaves rows out: rows in the original order
            scores = np.zeros(len(rows), dtype=np.float32)
            for block in active:
                if block.inverse is None:
                    scores += _gathered_matvec(block.matrix, rows, q[block.start : block.stop])
                    continue
                positions = block.inverse[rows]
                present = np.flatnonzero(positions >= 0)  # absent rows score 0 here
                ascending = np.argsort(positions[present], kind="stable")
                present = present[ascending]
                scores[present] += _gathered_matvec(block.matrix, positions[present], q[block.start : block.stop])
            docs, keys = self._row_doc[rows], self._row_keys[rows]
        return self._result(scores, docs, keys, _best_rows(scores, docs, wanted))

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
        if not block.complete and (len(best) < wanted or scores[best[-1]] < 0):
            # Rows this block leaves out score 0: with too few documents, or a negative
            # score among the best, they count. Rare (cosine top scores are positive):
            # answer exactly over every row.
            return self._scattered(q, [block], doc_mask, wanted)
        return self._result(scores, docs, block.row_keys[positions], best)


# ---------------------------------------------------------------------- helpers


def _matvec(matrix: np.ndarray, vector: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """matrix @ vector, in pieces small enough that OpenBLAS runs each on one thread.

    OpenBLAS splits a larger matrix-vector product over all cores; on a laptop whose
    cores are busy (web workers, an import) the threads wait for each other and a 5,000
    row product took 15 ms instead of 0.2 ms (p50, two busy cores). Pieces of at most
    2**18 floats stay single-threaded; the product is memory-bound anyway. A float16
    matrix is widened one piece at a time into a 1 MB buffer (see _widen_half).
    """
    rows = len(matrix)
    if out is None:
        out = np.empty(rows, dtype=np.float32)
    step = max(1, _MATVEC_FLOATS // max(1, matrix.shape[1]))
    if matrix.dtype == np.float16:
        scaled, widen = _half_product(vector)
        buffer = np.empty((min(step, rows), matrix.shape[1]), dtype=np.int32)
        for start in range(0, rows, step):
            piece = matrix[start : start + step]
            wide = widen(piece, buffer[: len(piece)])
            np.dot(wide, scaled, out=out[start : start + len(piece)])
        return out
    if rows <= step:
        np.dot(matrix, vector, out=out)
        return out
    for start in range(0, rows, step):
        np.dot(matrix[start : start + step], vector, out=out[start : start + step])
    return out


def _gathered_matvec(matrix: np.ndarray, positions: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix[positions] @ vector without copying all those rows out at once.

    Rows are copied a few hundred at a time into a small buffer that stays in cache:
    15,000 scattered rows of 384 floats took 9 ms instead of 22 ms for take-then-multiply.
    """
    out = np.empty(len(positions), dtype=np.float32)
    step = max(1, _MATVEC_FLOATS // max(1, matrix.shape[1]))
    buffer = np.empty((min(step, len(positions)), matrix.shape[1]), dtype=matrix.dtype)
    if matrix.dtype == np.float16:
        scaled, widen = _half_product(vector)
        wide_buffer = np.empty(buffer.shape, dtype=np.int32)
    for start in range(0, len(positions), step):
        chunk = positions[start : start + step]
        rows = buffer[: len(chunk)]
        np.take(matrix, chunk, axis=0, out=rows)
        if matrix.dtype == np.float16:
            np.dot(widen(rows, wide_buffer[: len(chunk)]), scaled, out=out[start : start + len(chunk)])
        else:
            np.dot(rows, vector, out=out[start : start + len(chunk)])
    return out


# float16 -> float32 by bits: (int32(h) << 13) & 0x8FFFE000 is a float32 with h's sign,
# exponent and mantissa, its value h * 2**-112 (a float16 subnormal becomes a float32
# subnormal: still exact). Scaling the query by 2**112 instead makes the dot product
# exact. Two integer passes over a cached buffer: 400,000 x 384 took 64 ms against 50 ms
# for float32 and 270 ms for numpy's own float16 cast (2026, AVX2 laptop core).
_HALF_MASK = np.int32(-0x70002000)  # 0x8FFFE000
_HALF_SCALE = np.float32(2.0**112)
_HALF_QUERY_LIMIT = 2.0**14  # |q| above this would overflow once scaled: plain cast instead


def _widen_bits(piece: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    np.left_shift(piece.view(np.int16), 13, out=buffer, dtype=np.int32)
    np.bitwise_and(buffer, _HALF_MASK, out=buffer)
    return buffer.view(np.float32)


def _widen_cast(piece: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    wide = buffer.view(np.float32)
    wide[...] = piece
    return wide


def _half_product(vector: np.ndarray):
    """(query to multiply by, widening function) for a float16 matrix."""
    if len(vector) and float(np.max(np.abs(vector))) >= _HALF_QUERY_LIMIT:
        return vector, _widen_cast
    return vector * _HALF_SCALE, _widen_bits


def _to_storage(rows: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`rows` as `dtype`; float16 with subnormals flushed to zero (|x| < 6.1e-5: no slow
    subnormal arithmetic in the products; the error is below float16's own rounding of a
    0.1 component)."""
    if dtype != np.float16:
        return rows.astype(dtype, copy=False)
    half = rows.astype(np.float16)
    bits = half.view(np.int16)
    bits[(bits & 0x7C00) == 0] = 0
    return half


def _as_float32(rows: np.ndarray) -> np.ndarray:
    return rows if rows.dtype == np.float32 else rows.astype(np.float32)


def _release_free_heap() -> None:
    """Hand the C heap's free pages back to the operating system (glibc's malloc_trim).

    Building a store frees hundreds of megabytes of temporaries (the batches read from
    SQLite, k-means work arrays). glibc keeps freed blocks below its mmap threshold in
    the heap, and at 1.2 million passages about 70 MB of them stayed resident after the
    build, on top of which every query's temporaries came. A no-op where malloc_trim
    does not exist (macOS, musl).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def _index_dtype(count: int) -> type:
    return np.int32 if count < 2**31 else np.int64


def _segment_sums(rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of rows[offsets[i]:offsets[i+1]] for each i, float32 (empty segments: 0)."""
    sums = np.zeros((len(offsets) - 1, rows.shape[1]), dtype=np.float32)
    for index, (start, stop) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist())):
        if stop > start:
            rows[start:stop].sum(axis=0, dtype=np.float32, out=sums[index])
    return sums


def _grouped_sums(rows: np.ndarray, order: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """_segment_sums(rows[order], offsets) without copying every row at once (one
    segment's rows at a time): the same float32 sums, bit for bit."""
    sums = np.zeros((len(offsets) - 1, rows.shape[1]), dtype=np.float32)
    for index, (start, stop) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist())):
        if stop > start:
            rows[order[start:stop]].sum(axis=0, dtype=np.float32, out=sums[index])
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
        labels[start : start + _ASSIGN_CHUNK] = (_as_float32(rows[start : start + _ASSIGN_CHUNK]) @ transposed).argmax(axis=1)
    return labels


def _nearest_few(rows: np.ndarray, centroids: np.ndarray, many: int) -> tuple[np.ndarray, np.ndarray]:
    """The `many` best centroids of every row, best first: (indexes, scores), (rows, many)."""
    labels = np.empty((len(rows), many), dtype=np.int32)  # (centroids: far fewer than 2**31)
    scores = np.empty((len(rows), many), dtype=np.float32)
    transposed = np.ascontiguousarray(centroids.T)
    for start in range(0, len(rows), _ASSIGN_CHUNK):
        chunk = _as_float32(rows[start : start + _ASSIGN_CHUNK]) @ transposed
        if many < chunk.shape[1]:
            top = np.argpartition(-chunk, many - 1, axis=1)[:, :many]
        else:
            top = np.broadcast_to(np.arange(chunk.shape[1]), chunk.shape)
        top_scores = np.take_along_axis(chunk, top, axis=1)
        ranks = np.argsort(-top_scores, axis=1, kind="stable")
        labels[start : start + len(chunk)] = np.take_along_axis(top, ranks, axis=1)
        scores[start : start + len(chunk)] = np.take_along_axis(top_scores, ranks, axis=1)
    return labels, scores


def _spherical_kmeans(rows: np.ndarray, k: int, rng: np.random.Generator, iterations: int) -> np.ndarray:
    """k unit centroids of `rows` (cosine k-means, Lloyd iterations, random start)."""
    k = min(k, len(rows))
    centroids = _normalise(rows[np.sort(rng.choice(len(rows), size=k, replace=False))].astype(np.float32))
    for _ in range(iterations):
        labels = _nearest(rows, centroids)
        counts = np.bincount(labels, minlength=k)
        offsets = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        centroids = _grouped_sums(rows, np.argsort(labels, kind="stable"), offsets)
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # restart empty clusters on random rows
            centroids[empty] = rows[rng.choice(len(rows), size=len(empty), replace=False)]
        centroids = _normalise(centroids)
    return centroids


def _two_level_kmeans(matrix: np.ndarray, nlist: int, rng: np.random.Generator) -> np.ndarray:
    """Cluster labels 0..k-1 (k <= nlist, none empty) of every row, in seconds.

    Flat k-means with ~2,200 centroids on 300k rows costs 300k x 2,200 dot products per
    pass (half a minute here). Instead: ~sqrt(nlist) coarse clusters trained on a sample,
    each split into a share of nlist fine centroids proportional to its size (trained on
    a sample of its rows), then every row goes to its nearest fine centroid among those
    of its _SPREAD nearest coarse clusters (the ones within _SPREAD_MARGIN of the nearest):
    a row meets about 2.5 * sqrt(nlist) centroids. Looking beyond the nearest coarse
    cluster matters: with the nearest only, 18% of the rows of the real-vector benchmark
    sat in a cluster whose centroid was not their nearest (11% with), and recall@10 at
    nprobe 64 was 0.983 instead of 0.989.
    """
    count = len(matrix)
    coarse_k = max(1, round(math.sqrt(nlist)))
    sample = _as_float32(matrix[np.sort(rng.choice(count, size=min(count, coarse_k * 256), replace=False))])
    coarse = _spherical_kmeans(sample, coarse_k, rng, iterations=8)
    del sample  # (the build's peak memory is in this function: nothing held longer than needed)
    spread = min(_SPREAD, len(coarse))
    near, near_scores = _nearest_few(matrix, coarse, spread)  # (count, spread), nearest first
    # Fine centroids per coarse cluster, trained on a sample of the rows nearest to it.
    by_first = np.argsort(near[:, 0], kind="stable")
    bounds = np.zeros(len(coarse) + 1, dtype=np.int64)
    np.cumsum(np.bincount(near[:, 0], minlength=len(coarse)), out=bounds[1:])
    fine: list[np.ndarray] = []
    for group in range(len(coarse)):
        members = by_first[bounds[group] : bounds[group + 1]]
        if len(members) == 0:  # nearest to no row: rows may still see it as 2nd or 3rd
            fine.append(np.zeros((0, matrix.shape[1]), dtype=np.float32))
            continue
        k = int(min(len(members), max(1, round(nlist * len(members) / count))))
        train = _as_float32(matrix[np.sort(rng.choice(members, size=min(len(members), k * _FINE_SAMPLE), replace=False))])
        if k == 1:
            fine.append(_normalise(train.sum(axis=0, keepdims=True, dtype=np.float32)))
        else:
            fine.append(_spherical_kmeans(train, k, rng, iterations=_FINE_ITERATIONS))
    del by_first
    first_label = np.zeros(len(fine) + 1, dtype=np.int64)
    np.cumsum([len(f) for f in fine], out=first_label[1:])
    # Each row: best fine centroid among its `spread` nearest coarse clusters, skipping
    # those clearly farther than the nearest (halves the work, same clusters). A coarse
    # cluster's rows are found by one comparison over `near` each (int32, the far ones
    # marked -1) instead of sorting every (row, rank) pair: at 1.2 million passages the
    # pairs and their sort held ~90 MB, the largest part of the search process's peak.
    near[near_scores < near_scores[:, :1] - _SPREAD_MARGIN] = -1
    del near_scores
    best = np.full(count, -np.inf, dtype=np.float32)
    labels = np.zeros(count, dtype=np.int32)
    for group in range(len(coarse)):
        if len(fine[group]) == 0:
            continue
        members = np.flatnonzero((near == group).any(axis=1))  # ascending rows
        for start in range(0, len(members), _ASSIGN_CHUNK):
            chunk = members[start : start + _ASSIGN_CHUNK]
            scores = _as_float32(matrix[chunk]) @ fine[group].T
            nearest = scores.argmax(axis=1)
            top = scores[np.arange(len(chunk)), nearest]
            better = top > best[chunk]
            best[chunk[better]] = top[better]
            labels[chunk[better]] = first_label[group] + nearest[better]
    _, labels = np.unique(labels, return_inverse=True)
    return labels.reshape(-1)


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
