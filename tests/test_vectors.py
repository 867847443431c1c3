"""VectorStore: documents ranked by their best row, exact or through an IVF index."""

from __future__ import annotations

import numpy as np
import pytest

from core.search.vectors import VectorStore


def unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    rows = rng.standard_normal((n, d)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def documents_of(rng: np.random.Generator, n: int, *, most: int = 4) -> np.ndarray:
    """Doc keys for n rows: 1..most rows per document, sparse keys, rows of a doc scattered."""
    sizes = rng.integers(1, most + 1, n)
    keys = np.repeat(np.arange(n) * 3 + 5, sizes)[:n]
    return rng.permutation(keys).astype(np.int64)


def naive(vectors, doc_keys, row_keys, query, wanted, allowed=None):
    """The reference: every row's dot product in float64, max per document, best first."""
    scores = vectors.astype(np.float64) @ query.astype(np.float64)
    best: dict[int, tuple[float, int]] = {}
    for score, doc, row in zip(scores.tolist(), doc_keys.tolist(), row_keys.tolist()):
        if allowed is not None and doc not in allowed:
            continue
        if doc not in best or score > best[doc][0]:
            best[doc] = (score, row)
    ranked = sorted(best.items(), key=lambda item: -item[1][0])[:wanted]
    return {doc: s for doc, (s, _) in ranked}, {doc: r for doc, (_, r) in ranked}


def assert_same(result, reference):
    scores, rows = result
    ref_scores, ref_rows = reference
    assert list(scores) == list(ref_scores)
    assert np.allclose(list(scores.values()), list(ref_scores.values()), atol=1e-5)
    assert rows == ref_rows


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(1)
    n, d = 3000, 32
    vectors = unit_rows(rng, n, d)
    doc_keys = documents_of(rng, n)
    row_keys = np.arange(n, dtype=np.int64) * 10 + 7
    return vectors, doc_keys, row_keys, unit_rows(rng, 8, d)


def clustered(rng: np.random.Generator, n: int, d: int, topics: int, spread: float):
    """Rows around `topics` random directions (a crude stand-in for sentence embeddings)."""
    centers = unit_rows(rng, topics, d)

    def around(count):
        rows = centers[rng.integers(0, topics, count)]
        rows = rows + rng.standard_normal((count, d)).astype(np.float32) * np.float32(spread / np.sqrt(d))
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    return around(n), around


# ---------------------------------------------------------------------- exact


def test_exact_equals_naive_reference(small):
    vectors, doc_keys, row_keys, queries = small
    store = VectorStore(vectors, doc_keys, row_keys)
    assert not store.indexed and len(store) == len(vectors)
    for query in queries:
        for wanted in (1, 10, 100):
            assert_same(store.top_documents(query, wanted, None), naive(vectors, doc_keys, row_keys, query, wanted))


def test_scores_are_the_best_rows_dot_product(small):
    vectors, doc_keys, row_keys, queries = small
    store = VectorStore(vectors, doc_keys, row_keys)
    scores, rows = store.top_documents(queries[0], 20)
    by_key = {int(key): index for index, key in enumerate(row_keys)}
    for doc, score in scores.items():
        index = by_key[rows[doc]]
        assert doc_keys[index] == doc
        assert score == pytest.approx(float(vectors[index] @ queries[0]), abs=1e-5)
    assert list(scores.values()) == sorted(scores.values(), reverse=True)


def test_wanted_larger_than_the_number_of_documents(small):
    vectors, doc_keys, row_keys, queries = small
    store = VectorStore(vectors[:50], doc_keys[:50], row_keys[:50])
    scores, rows = store.top_documents(queries[0], 10_000)
    assert set(scores) == set(doc_keys[:50].tolist()) == set(rows)
    assert_same((scores, rows), naive(vectors[:50], doc_keys[:50], row_keys[:50], queries[0], 10_000))


def test_empty_store_and_empty_asks():
    store = VectorStore(np.zeros((0, 8), dtype=np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert len(store) == 0 and store.documents == 0
    assert store.top_documents(np.ones(8, np.float32), 10) == ({}, {})
    assert store.top_documents(np.ones(8, np.float32), 10, np.array([1, 2])) == ({}, {})
    filled = VectorStore(np.eye(4, dtype=np.float32), np.arange(4), np.arange(4))
    assert filled.top_documents(np.ones(4, np.float32), 0) == ({}, {})
    assert filled.top_documents(np.ones(4, np.float32), 5, np.zeros(0, np.int64)) == ({}, {})
    assert filled.top_documents(np.ones(4, np.float32), 5, np.array([99])) == ({}, {})


def test_zero_query_scores_zero():
    store = VectorStore(np.eye(4, dtype=np.float32), np.arange(4), np.arange(4) + 10)
    scores, _ = store.top_documents(np.zeros(4, np.float32), 10)
    assert sorted(scores) == [0, 1, 2, 3] and set(scores.values()) == {0.0}


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        VectorStore(np.zeros(4, np.float32), np.arange(4), np.arange(4))
    with pytest.raises(ValueError):
        VectorStore(np.zeros((4, 6), np.float32), np.arange(4), np.arange(4), blocks=[(0, 2), (3, 6)])
    with pytest.raises(ValueError):
        VectorStore(np.zeros((4, 6), np.float32), np.arange(3), np.arange(4))
    store = VectorStore(np.zeros((4, 6), np.float32), np.arange(4), np.arange(4))
    with pytest.raises(ValueError):
        store.top_documents(np.zeros(5, np.float32), 3)


# ---------------------------------------------------------------------- filters


def test_filters_apply_before_ranking(small):
    vectors, doc_keys, row_keys, queries = small
    store = VectorStore(vectors, doc_keys, row_keys)
    rng = np.random.default_rng(2)
    docs = np.unique(doc_keys)
    for fraction in (0.01, 0.2, 0.6):  # gathered rows, and the full product masked
        allowed = np.sort(rng.choice(docs, size=int(fraction * len(docs)), replace=False))
        result = store.top_documents(queries[1], 10, allowed)
        assert_same(result, naive(vectors, doc_keys, row_keys, queries[1], 10, set(allowed.tolist())))


def test_a_filter_of_three_low_ranking_documents_returns_those_three(small):
    vectors, doc_keys, row_keys, queries = small
    store = VectorStore(vectors, doc_keys, row_keys)
    ranked, _ = naive(vectors, doc_keys, row_keys, queries[2], 10_000)
    lowest = list(ranked)[-3:]
    allowed = np.array(sorted(lowest), dtype=np.int64)
    scores, rows = store.top_documents(queries[2], 10, allowed)
    assert list(scores) == lowest
    assert set(rows) == set(lowest)
    # unknown keys in the filter are ignored; an unsorted filter or a set works too
    assert list(store.top_documents(queries[2], 10, np.array([10**9, *lowest[::-1], -4]))[0]) == lowest
    assert list(store.top_documents(queries[2], 10, set(lowest))[0]) == lowest


# ---------------------------------------------------------------------- blocks


def composite(rng: np.random.Generator, n: int):
    """Rows like CompositeEncoder's: [first 24 | second 40] each unit, scaled by 1/sqrt(2)."""
    first, second = unit_rows(rng, n, 24), unit_rows(rng, n, 40)
    return np.hstack([first, second]) / np.float32(np.sqrt(2)), [(0, 24), (24, 64)]


def test_a_query_in_one_block_equals_the_full_dot_product(small):
    rng = np.random.default_rng(3)
    vectors, blocks = composite(rng, 2000)
    doc_keys, row_keys = documents_of(rng, 2000), np.arange(2000, dtype=np.int64)
    store = VectorStore(vectors, doc_keys, row_keys, blocks)
    second_only = np.zeros(64, np.float32)
    second_only[24:] = unit_rows(rng, 1, 40)[0]
    first_only = np.zeros(64, np.float32)
    first_only[:24] = unit_rows(rng, 1, 24)[0]
    both = unit_rows(rng, 1, 64)[0]
    for query in (second_only, first_only, both):
        assert_same(store.top_documents(query, 15), naive(vectors, doc_keys, row_keys, query, 15))
        allowed = np.unique(doc_keys)[::7]
        assert_same(
            store.top_documents(query, 15, allowed),
            naive(vectors, doc_keys, row_keys, query, 15, set(allowed.tolist())),
        )


def test_blocks_are_contiguous_copies_and_exact_mode_shares_a_single_block(small):
    vectors, doc_keys, row_keys, _ = small
    store = VectorStore(vectors, doc_keys, row_keys, [(0, 12), (12, 32)])
    for block in store._blocks:
        assert block.matrix.flags.c_contiguous and block.matrix.dtype == np.float32
    single = VectorStore(vectors, doc_keys, row_keys)
    assert np.shares_memory(single._blocks[0].matrix, vectors)  # no copy


# ---------------------------------------------------------------------- IVF


@pytest.fixture(scope="module")
def large():
    """100,000 clustered rows of 64 dims, two rows per document, and queries near them."""
    rng = np.random.default_rng(7)
    vectors, around = clustered(rng, 100_000, 64, topics=1000, spread=0.7)
    doc_keys = np.arange(100_000, dtype=np.int64) // 2 * 5
    row_keys = np.arange(100_000, dtype=np.int64)
    store = VectorStore(vectors, doc_keys, row_keys)
    return store, vectors, doc_keys, row_keys, around(40)


def test_ivf_recall_against_exact(large):
    store, vectors, _, _, queries = large
    assert store.indexed and 0 < store.clusters[0] < len(vectors)
    recalls = []
    for query in queries:
        exact, _ = store.top_documents(query, 10, exact=True)
        approx, _ = store.top_documents(query, 10)
        recalls.append(len(set(exact) & set(approx)) / 10)
    assert np.mean(recalls) >= 0.95


def test_ivf_exact_flag_equals_naive_and_scores_are_true(large):
    store, vectors, doc_keys, row_keys, queries = large
    assert_same(store.top_documents(queries[0], 10, exact=True), naive(vectors, doc_keys, row_keys, queries[0], 10))
    scores, rows = store.top_documents(queries[0], 50)
    for doc, score in scores.items():
        assert doc_keys[rows[doc]] == doc  # row keys are row indexes here
        assert score == pytest.approx(float(vectors[rows[doc]] @ queries[0]), abs=1e-5)


def test_ivf_widens_until_enough_documents(large):
    store, vectors, *_ , queries = large
    scores, rows = store.top_documents(queries[1], 3000, nprobe=1)
    assert len(scores) == 3000 == len(rows)
    everything, _ = store.top_documents(queries[1], 10**6, nprobe=1)
    assert len(everything) == store.documents == len(vectors) // 2


def test_ivf_filters(large):
    store, vectors, doc_keys, row_keys, queries = large
    rng = np.random.default_rng(8)
    docs = np.unique(doc_keys)
    # a narrow filter is answered exactly, even for documents far from the query
    exact_scores, _ = store.top_documents(queries[2], 10**6, exact=True)
    lowest = sorted(list(exact_scores)[-3:])
    assert set(store.top_documents(queries[2], 10, np.array(lowest))[0]) == set(lowest)
    narrow = np.sort(rng.choice(docs, size=500, replace=False))
    assert_same(
        store.top_documents(queries[2], 10, narrow),
        naive(vectors, doc_keys, row_keys, queries[2], 10, set(narrow.tolist())),
    )
    # a wide filter goes through the index: only allowed documents, recall still high
    recalls = []
    for query in queries[:20]:
        wide = np.sort(rng.choice(docs, size=len(docs) // 4, replace=False))
        approx, _ = store.top_documents(query, 10, wide)
        assert set(approx) <= set(wide.tolist()) and len(approx) == 10
        exact, _ = store.top_documents(query, 10, wide, exact=True)
        recalls.append(len(set(exact) & set(approx)) / 10)
    assert np.mean(recalls) >= 0.95


def test_ivf_blocks_and_multi_block_queries():
    rng = np.random.default_rng(9)
    vectors, blocks = composite(rng, 6000)
    doc_keys, row_keys = documents_of(rng, 6000), np.arange(6000, dtype=np.int64) + 1
    store = VectorStore(vectors, doc_keys, row_keys, blocks, ivf_threshold=1000, nprobe=10_000)
    assert store.indexed and len(store.clusters) == 2
    second_only = np.zeros(64, np.float32)
    second_only[24:] = vectors[5, 24:]
    both = unit_rows(rng, 1, 64)[0]
    for query in (second_only, both):  # nprobe >= clusters: IVF must be exact
        assert_same(store.top_documents(query, 12), naive(vectors, doc_keys, row_keys, query, 12))
        allowed = np.unique(doc_keys)[::50]
        assert_same(
            store.top_documents(query, 12, allowed),
            naive(vectors, doc_keys, row_keys, query, 12, set(allowed.tolist())),
        )


def test_ivf_build_leaves_the_callers_array_alone():
    rng = np.random.default_rng(10)
    vectors = unit_rows(rng, 3000, 16)
    before = vectors.copy()
    store = VectorStore(vectors, np.arange(3000), np.arange(3000), ivf_threshold=100)
    assert store.indexed and np.array_equal(vectors, before)
    assert not np.shares_memory(store._blocks[0].matrix, vectors)


def test_from_batches_equals_the_constructor():
    rng = np.random.default_rng(11)
    vectors, blocks = composite(rng, 4000)
    doc_keys, row_keys = documents_of(rng, 4000), np.arange(4000, dtype=np.int64)
    batches = [(vectors[i : i + 700], doc_keys[i : i + 700], row_keys[i : i + 700]) for i in range(0, 4000, 700)]
    query = np.zeros(64, np.float32)
    query[:24] = vectors[3, :24]
    for threshold in (10**9, 500):  # exact, then IVF (reordered in place)
        whole = VectorStore(vectors, doc_keys, row_keys, blocks, ivf_threshold=threshold)
        streamed = VectorStore.from_batches(
            iter(batches), count=4100, dimension=64, blocks=blocks, ivf_threshold=threshold
        )
        assert len(streamed) == 4000 and streamed.indexed == (threshold == 500)
        assert streamed.top_documents(query, 20) == whole.top_documents(query, 20)
    with pytest.raises(ValueError):
        VectorStore.from_batches(iter(batches), count=100, dimension=64)


def test_large_or_negative_document_keys_and_float64_input(small):
    vectors, doc_keys, row_keys, queries = small
    keys = np.where(doc_keys % 2 == 0, doc_keys * 10**9, -doc_keys)  # no lookup table
    store = VectorStore(vectors.astype(np.float64), keys, row_keys)
    assert store._key_index is None and store.nbytes > vectors.nbytes
    assert_same(store.top_documents(queries[3], 10), naive(vectors, keys, row_keys, queries[3], 10))
    allowed = np.unique(keys)[::9]
    assert_same(
        store.top_documents(queries[3], 10, allowed),
        naive(vectors, keys, row_keys, queries[3], 10, set(allowed.tolist())),
    )


def test_documents_with_many_rows_widen_the_candidate_rows():
    rng = np.random.default_rng(12)
    doc_keys = np.arange(4000, dtype=np.int64) % 40  # 40 documents of 100 similar rows:
    vectors = unit_rows(rng, 40, 16)[doc_keys] + 0.05 * unit_rows(rng, 4000, 16)  # the top rows are few docs'
    store = VectorStore(vectors, doc_keys, np.arange(4000))
    query = unit_rows(rng, 1, 16)[0]
    assert_same(store.top_documents(query, 30), naive(vectors, doc_keys, np.arange(4000), query, 30))


def test_ivf_on_degenerate_data_stays_exact_with_every_cluster_probed():
    """Few distinct vectors (empty k-means clusters, tiny coarse groups), one dimension
    that is all zero: probing every cluster must still give the exact answer."""
    rng = np.random.default_rng(13)
    distinct = unit_rows(rng, 3, 8)
    vectors = distinct[rng.integers(0, 3, 600)]
    vectors[:, 0] = 0
    vectors = np.vstack([vectors, unit_rows(rng, 20, 8)])
    doc_keys, row_keys = documents_of(rng, len(vectors)), np.arange(len(vectors))
    store = VectorStore(vectors, doc_keys, row_keys, ivf_threshold=100, nprobe=10**6)
    assert store.indexed and store.nbytes > 0
    query = unit_rows(rng, 1, 8)[0]
    scores, _ = store.top_documents(query, 25)
    reference, _ = naive(vectors, doc_keys, row_keys, query, 25)
    assert np.allclose(list(scores.values()), list(reference.values()), atol=1e-5)  # ties: order of equals may differ


# ---------------------------------------------------------------------- sparse blocks, float16


def assert_same_up_to_ties(result, reference):
    """Same scores in the same order; same documents and best rows wherever a score is
    not 0 (rows a block leaves out score exactly 0, so zero-score documents tie)."""
    scores, rows = result
    ref_scores, ref_rows = reference
    assert np.allclose(list(scores.values()), list(ref_scores.values()), atol=1e-5)
    nonzero = {doc for doc, score in ref_scores.items() if abs(score) > 1e-6}
    assert {doc for doc, score in scores.items() if abs(score) > 1e-6} == nonzero
    assert all(rows[doc] == ref_rows[doc] for doc in nonzero)


def one_block_rows(rng: np.random.Generator, n: int):
    """CompositeEncoder-like rows where most rows fill one block only (the other block's
    columns are zero), some fill both and a few are zero everywhere."""
    vectors, blocks = composite(rng, n)
    kind = rng.choice(4, size=n, p=[0.45, 0.45, 0.08, 0.02])  # first, second, both, none
    vectors[kind == 0, 24:] = 0
    vectors[kind == 1, :24] = 0
    vectors[kind == 3] = 0
    return vectors, blocks, kind


def sparse_block_queries(rng: np.random.Generator) -> list[np.ndarray]:
    first_only = np.zeros(64, np.float32)
    first_only[:24] = unit_rows(rng, 1, 24)[0]
    second_only = np.zeros(64, np.float32)
    second_only[24:] = unit_rows(rng, 1, 40)[0]
    return [first_only, second_only, unit_rows(rng, 1, 64)[0]]


@pytest.mark.parametrize("threshold", [10**9, 500], ids=["exact", "ivf"])
@pytest.mark.parametrize("streamed", [False, True], ids=["constructor", "from_batches"])
def test_blocks_keep_only_their_non_zero_rows_and_stay_exact(threshold, streamed):
    rng = np.random.default_rng(21)
    n = 5000
    vectors, blocks, kind = one_block_rows(rng, n)
    doc_keys, row_keys = documents_of(rng, n), np.arange(n, dtype=np.int64) * 3 + 1
    if streamed:
        batches = ((vectors[i : i + 600], doc_keys[i : i + 600], row_keys[i : i + 600]) for i in range(0, n, 600))
        store = VectorStore.from_batches(
            batches, count=n + 77, dimension=64, blocks=blocks, ivf_threshold=threshold, nprobe=10**6
        )
    else:
        store = VectorStore(vectors, doc_keys, row_keys, blocks, ivf_threshold=threshold, nprobe=10**6)
    assert store.indexed == (threshold == 500) and len(store) == n
    assert store.block_rows == [int(np.sum((kind == 0) | (kind == 2))), int(np.sum((kind == 1) | (kind == 2)))]
    docs = np.unique(doc_keys)
    for query in sparse_block_queries(rng):  # one block, the other, both
        for wanted in (1, 15, 200):
            assert_same_up_to_ties(store.top_documents(query, wanted), naive(vectors, doc_keys, row_keys, query, wanted))
            for allowed in (docs[::40], docs[::3], docs[1::2]):  # gathered, probed/masked
                assert_same_up_to_ties(
                    store.top_documents(query, wanted, allowed),
                    naive(vectors, doc_keys, row_keys, query, wanted, set(allowed.tolist())),
                )
        assert_same_up_to_ties(
            store.top_documents(query, 15, exact=True), naive(vectors, doc_keys, row_keys, query, 15)
        )


def test_rows_a_block_leaves_out_score_zero_for_it():
    """A document whose rows are all zero in the query's block (or everywhere) is still a
    candidate scoring 0: above documents that score below 0, as with the full matrix."""
    vectors = np.array(
        [[1, 0, 0, 0], [0, 0, 1, 0], [-1, 0, 0, 0], [0, 0, 0, 0], [0.5, 0, 0.5, 0]], dtype=np.float32
    )
    doc_keys, row_keys = np.array([1, 2, 3, 4, 5]), np.array([10, 20, 30, 40, 50])
    query = np.array([1, 0, 0, 0], dtype=np.float32)
    for threshold in (10**9, 2):
        store = VectorStore(vectors, doc_keys, row_keys, [(0, 2), (2, 4)], ivf_threshold=threshold, nprobe=10**6)
        assert store.block_rows == [3, 2]
        scores, rows = store.top_documents(query, 10)
        assert list(scores)[:2] == [1, 5] and list(scores)[-1] == 3
        assert set(list(scores)[2:4]) == {2, 4} and scores[2] == scores[4] == 0.0 and scores[3] == -1.0
        assert store.top_documents(query, 10, [2, 3]) == ({2: 0.0, 3: -1.0}, {2: 20, 3: 30})
        assert store.top_documents(-query, 1, [1, 4]) == ({4: 0.0}, {4: 40})


def test_nbytes_counts_only_the_rows_each_block_stores():
    rng = np.random.default_rng(22)
    vectors, blocks, kind = one_block_rows(rng, 4000)
    doc_keys, row_keys = documents_of(rng, 4000), np.arange(4000, dtype=np.int64)
    dense = VectorStore(np.where(vectors == 0, np.float32(1e-3), vectors), doc_keys, row_keys, blocks)
    sparse = VectorStore(vectors, doc_keys, row_keys, blocks)
    batches = iter([(vectors, doc_keys, row_keys)])
    streamed = VectorStore.from_batches(batches, count=10_000, dimension=64, blocks=blocks)
    stored = sum(rows * (stop - start) * 4 for rows, (start, stop) in zip(sparse.block_rows, blocks))
    assert stored < 0.6 * vectors.nbytes
    # each block that leaves rows out keeps per stored row its document (int32), key
    # (int64) and original row (int32), and per original row its position (int32)
    bookkeeping = sum(rows * 16 + 4000 * 4 for rows in sparse.block_rows)
    assert dense.nbytes - sparse.nbytes == vectors.nbytes - stored - bookkeeping
    # from_batches keeps a view of the filled prefix of a matrix allocated for `count` rows
    assert streamed.nbytes == sparse.nbytes
    for block, rows in zip(streamed._blocks, sparse.block_rows):
        assert block.matrix.shape[0] == rows and block.matrix.base is not None and block.matrix.flags.c_contiguous
    half = VectorStore(vectors, doc_keys, row_keys, blocks, float16_above=0)
    assert sparse.nbytes - half.nbytes == stored // 2


@pytest.mark.parametrize("threshold", [10**9, 2000], ids=["exact", "ivf"])
def test_float16_blocks_score_within_a_tolerance_of_float32(threshold):
    rng = np.random.default_rng(23)
    vectors, around = clustered(rng, 20_000, 64, topics=300, spread=0.7)
    vectors = np.hstack([vectors, unit_rows(rng, 20_000, 32)]) / np.float32(np.sqrt(2))
    vectors[::3, 64:] = 0
    doc_keys, row_keys = np.arange(20_000, dtype=np.int64) // 2, np.arange(20_000, dtype=np.int64)
    blocks = [(0, 64), (64, 96)]
    full = VectorStore(vectors, doc_keys, row_keys, blocks, ivf_threshold=threshold)
    batches = ((vectors[i : i + 3000], doc_keys[i : i + 3000], row_keys[i : i + 3000]) for i in range(0, 20_000, 3000))
    half = VectorStore.from_batches(
        batches, count=20_000, dimension=96, blocks=blocks, ivf_threshold=threshold, float16_above=10_000
    )
    assert [block.matrix.dtype for block in half._blocks] == [np.float16, np.float16]
    assert [block.centroids is not None for block in half._blocks] == [full.indexed] * 2
    assert half.nbytes < 0.7 * full.nbytes
    queries = np.zeros((30, 96), np.float32)
    queries[:, :64] = around(30)
    queries[20:, 64:] = unit_rows(rng, 10, 32)  # two blocks
    recalls = []
    for query in queries:
        exact, _ = full.top_documents(query, 10, exact=True)
        approx, rows = half.top_documents(query, 10)
        recalls.append(len(set(exact) & set(approx)) / 10)
        for doc, score in approx.items():  # reported scores: the float32 ones, within 1e-3
            assert score == pytest.approx(float(vectors[rows[doc]] @ query), abs=1e-3)
        filtered, _ = half.top_documents(query, 10, np.arange(0, 10_000, 7))
        assert set(filtered) <= set(range(0, 10_000, 7)) and len(filtered) == 10
    assert np.mean(recalls) >= 0.97
    # a query too large to scale by 2**112 takes numpy's float16 cast: same products
    big = queries[0] * np.float32(1e5)
    scores, _ = half.top_documents(big, 10, exact=True)
    small_scores, _ = half.top_documents(queries[0], 10, exact=True)
    assert list(scores) == list(small_scores)
    assert np.allclose(np.array(list(scores.values())) / 1e5, list(small_scores.values()), atol=1e-6)


def test_grouped_sums_equal_segment_sums_of_the_sorted_rows():
    """The k-means update sums each cluster's rows without a sorted copy of all rows:
    the sums must be the same floats, bit for bit (the clustering must not change)."""
    from core.search.vectors import _grouped_sums, _segment_sums

    rng = np.random.default_rng(5)
    rows = unit_rows(rng, 3_000, 48)
    labels = rng.integers(0, 40, len(rows))
    labels[labels == 7] = 8  # an empty cluster
    order = np.argsort(labels, kind="stable")
    offsets = np.zeros(41, dtype=np.int64)
    np.cumsum(np.bincount(labels, minlength=40), out=offsets[1:])
    np.testing.assert_array_equal(_grouped_sums(rows, order, offsets), _segment_sums(rows[order], offsets))

