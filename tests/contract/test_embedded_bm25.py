"""The embedded engine's lexical arm computes FTS5's bm25() in numpy: it must rank as FTS5 does.

Embedded engine only. `_lexical` scores from the term positions and the rows' lengths
(core/search/embedded.py: PassageTable, _phrase_bm25); `_lexical_fts` is FTS5's own
`ORDER BY rank`, kept as the fallback. Both are run on the same queries here.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from core.search import IndexDocument, Passage, SearchQuery
from core.search.embedded import (
    EmbeddedSearchIndex,
    _varint_sums,
    fts_match_expression,
    query_words,
    typed_prefix,
)

WORDS = (
    "welder nurse cook driver truck heavy goods vehicles hospital ward patients kitchen meals restaurant "
    "metal electric arc pre departure orientation course language training migrant workers employer "
    "contract visa permit recognition qualification skill prepare prepares preparation prefix"
).split()


def _documents(count: int, seed: int = 3) -> list[IndexDocument]:
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        passages = [Passage(anchor="title", text=" ".join(rng.choices(WORDS, k=rng.randint(1, 4))))]
        for part in range(rng.randint(0, 3)):
            length = rng.choice((3, 12, 60, 200))  # some rows need two-byte lengths
            passages.append(
                Passage(
                    anchor=f"p{part}",
                    heading=" ".join(rng.choices(WORDS, k=rng.randint(0, 3))),
                    text=" ".join(rng.choices(WORDS, k=length)),
                    title=" ".join(rng.choices(WORDS, k=2)) if rng.random() < 0.2 else None,
                )
            )
        documents.append(
            IndexDocument(
                id=f"d{number}",
                title=" ".join(rng.choices(WORDS, k=rng.randint(1, 5))),
                passages=tuple(passages),
                keywords={"kind": (rng.choice(("a", "b", "c")),)},
            )
        )
    return documents


@pytest.fixture
def index(tmp_path, fake_encoder) -> EmbeddedSearchIndex:
    index = EmbeddedSearchIndex(tmp_path / "bm25.sqlite", name="bm25", encoder=fake_encoder)
    index.upsert(_documents(300))
    # Rewrites and deletes leave gaps in the rowids and change N and the average length.
    index.upsert(_documents(40, seed=9))
    index.delete([f"d{n}" for n in range(40, 300, 7)])
    yield index
    index.close()


QUERIES = [
    "welder",
    "truck driver heavy goods",
    "hospital ward patients",
    "pre departure orientation course",
    "prep",  # typed prefix: "prep" OR "prep"*
    "language prepa",
    "electric",
    "unknownword",
    "unknownword welder",
    "PRÉPARATION",  # folded
]


def _both(index: EmbeddedSearchIndex, text: str, allowed, wanted: int = 20):
    words = index._selective_words(query_words(text))
    prefix = typed_prefix(text)
    match = fts_match_expression(words, prefix=prefix)
    with index._lock:
        numpy_arm, matched = index._lexical(words, prefix, match, allowed, wanted)
        fts_arm = index._lexical_fts(match, allowed, wanted)
        sql_matched = index._matching_documents(match, allowed is not None, None)
    return numpy_arm, matched, fts_arm, sql_matched


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("filtered", [False, True])
def test_numpy_bm25_ranks_as_fts5(index: EmbeddedSearchIndex, text: str, filtered: bool):
    allowed = index._allowed_doc_rowids({"kind": ("a", "b")} if filtered else {})
    numpy_arm, matched, fts_arm, sql_matched = _both(index, text, allowed)
    assert matched is not None
    np.testing.assert_array_equal(np.sort(matched), np.sort(sql_matched))
    assert set(numpy_arm.scores) == set(fts_arm.scores) or _ties_at_the_cut(numpy_arm, fts_arm)
    for doc, score in numpy_arm.scores.items():
        if doc in fts_arm.scores:
            assert score == pytest.approx(fts_arm.scores[doc], rel=1e-9, abs=1e-12)
    # The order, best first, is FTS5's (the scores are sorted the same way).
    ours = [numpy_arm.scores[d] for d in numpy_arm.scores]
    assert ours == sorted(ours, reverse=True)
    shared = [d for d in numpy_arm.scores if d in fts_arm.scores]
    for doc in shared:  # the passage shown is a best one of the document
        assert numpy_arm.passages[doc] == fts_arm.passages[doc] or numpy_arm.scores[doc] == pytest.approx(
            fts_arm.scores[doc]
        )


def _ties_at_the_cut(a, b) -> bool:
    """The sets may differ only among documents tied with the last one kept."""
    last = min(a.scores.values())
    differ = set(a.scores) ^ set(b.scores)
    scores = {**a.scores, **b.scores}
    return all(scores[d] == pytest.approx(last, rel=1e-9) for d in differ)


def test_search_results_and_totals_are_unchanged(index: EmbeddedSearchIndex):
    for text in QUERIES:
        query = SearchQuery(text=text, mode="lexical", facets=("kind",), k=10)
        result = index.search(query)
        words = index._selective_words(query_words(text))
        match = fts_match_expression(words, prefix=typed_prefix(text))
        with index._lock:
            expected_total = len(index._matching_documents(match, False, None)) if match else 0
        assert result.total == expected_total
        assert sum(f.count for f in result.facets.get("kind", [])) == expected_total


def test_words_the_tokenizer_may_split_fall_back_to_fts5(index: EmbeddedSearchIndex):
    index.upsert(
        [IndexDocument(id="snake", title="snake_case names", passages=(Passage(anchor="t", text="snake_case"),))]
    )
    result = index.search(SearchQuery(text="snake_case", mode="lexical"))
    assert [hit.id for hit in result.hits] == ["snake"] and result.total == 1


def test_varint_sums_decode_sqlite_varints():
    values = [[0, 5, 127], [128, 300, 0], [16_383, 16_384, 1], [2_000_000]]

    def varint(value: int) -> bytes:
        groups = [value & 0x7F]
        value >>= 7
        while value:
            groups.append(0x80 | (value & 0x7F))
            value >>= 7
        return bytes(reversed(groups))

    blobs = [b"".join(varint(v) for v in row) for row in values]
    sums = _varint_sums(np.array([len(b) for b in blobs]), b"".join(blobs))
    assert sums.tolist() == [sum(row) for row in values]
