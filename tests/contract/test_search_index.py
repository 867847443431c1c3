"""The rules every SearchIndex engine must follow, run against each available engine.

The embedded engine always runs; the Elasticsearch engine runs when ELASTICSEARCH_URL is
set (see the `search_index` fixture).
"""

from __future__ import annotations

import pytest

from core.search import IndexDocument, Passage, SearchIndex, SearchQuery


def doc(id: str, title: str, *texts: str, **keywords: tuple[str, ...]) -> IndexDocument:
    passages = [Passage(anchor="title", text=title)]
    passages += [Passage(anchor=f"p{i}", heading=f"Part {i}", text=text) for i, text in enumerate(texts, 1)]
    return IndexDocument(id=id, title=title, passages=tuple(passages), keywords=keywords)


LIBRARY = [
    doc("welder", "Welder", "joins metal parts with an electric arc", country=("DE",), kind=("occupation",)),
    doc("nurse", "Nurse", "cares for patients in a hospital ward", country=("DE", "AT"), kind=("occupation",)),
    doc("cook", "Cook", "prepares meals in a restaurant kitchen", country=("IT",), kind=("occupation",)),
    doc("hu", "Migránsok tájékoztatása", "információ a migránsok számára indulás előtt", country=("HU",), kind=("practice",)),
    doc("driver", "Truck driver", "drives heavy goods vehicles across Europe", country=("AT",), kind=("occupation",)),
]


@pytest.fixture
def index(search_index: SearchIndex) -> SearchIndex:
    search_index.upsert(LIBRARY)
    return search_index


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def test_upsert_counts_new_and_changed_documents_only(search_index: SearchIndex):
    assert search_index.upsert(LIBRARY) == len(LIBRARY)
    assert search_index.upsert(LIBRARY) == 0
    changed = doc("cook", "Chef", "prepares meals in a restaurant kitchen", country=("IT",), kind=("occupation",))
    assert search_index.upsert([changed]) == 1
    assert search_index.count() == len(LIBRARY)
    assert search_index.search(SearchQuery(text="chef", mode="lexical")).hits[0].title == "Chef"


def test_lexical_search_folds_diacritics(index: SearchIndex):
    result = index.search(SearchQuery(text="migransok", mode="lexical"))
    assert ids(result) == ["hu"]
    result = index.search(SearchQuery(text="MIGRÁNSOK", mode="lexical"))
    assert ids(result) == ["hu"]


def test_hit_points_to_the_passage_that_matched(index: SearchIndex):
    hit = index.search(SearchQuery(text="hospital ward", mode="lexical")).hits[0]
    assert (hit.id, hit.passage_anchor, hit.passage_heading) == ("nurse", "p1", "Part 1")
    assert "<mark>hospital</mark>" in hit.snippet


def test_snippets_escape_html(search_index: SearchIndex):
    search_index.upsert([doc("x", "Script", "<script>alert(1)</script> orientation")])
    hit = search_index.search(SearchQuery(text="orientation", mode="lexical")).hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_dense_search_finds_documents_without_shared_words_in_the_title(index: SearchIndex):
    result = index.search(SearchQuery(text="electric arc metal", mode="dense", k=1))
    assert ids(result) == ["welder"]
    assert result.hits[0].dense_score is not None


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_filters_apply_to_every_arm(index: SearchIndex, mode: str):
    result = index.search(SearchQuery(text="nurse patients hospital", filters={"country": ("IT",)}, mode=mode))
    assert set(ids(result)) <= {"cook"}
    result = index.search(SearchQuery(text="meals", filters={"country": ("DE",), "kind": ("occupation",)}, mode=mode))
    assert set(ids(result)) <= {"welder", "nurse"}


def test_filter_values_of_one_field_are_alternatives(index: SearchIndex):
    result = index.search(SearchQuery(filters={"country": ("IT", "HU")}, k=10))
    assert set(ids(result)) == {"cook", "hu"}


def test_empty_query_browses_filtered_documents_with_facets(index: SearchIndex):
    result = index.search(SearchQuery(text="  ", filters={"kind": ("occupation",)}, facets=("country",), k=2))
    assert result.total == 4
    assert len(result.hits) == 2
    counts = {f.value: f.count for f in result.facets["country"]}
    assert counts == {"DE": 2, "AT": 2, "IT": 1}


def test_facet_counts_cover_all_lexical_matches(index: SearchIndex):
    result = index.search(SearchQuery(text="drives cares", mode="lexical", facets=("country", "kind"), k=1))
    assert result.total == 2
    assert len(result.hits) == 1
    assert {f.value: f.count for f in result.facets["country"]} == {"AT": 2, "DE": 1}
    assert {f.value: f.count for f in result.facets["kind"]} == {"occupation": 2}


def test_offset_pages_through_results_without_overlap(index: SearchIndex):
    first = index.search(SearchQuery(text="", k=2, offset=0))
    second = index.search(SearchQuery(text="", k=2, offset=2))
    third = index.search(SearchQuery(text="", k=2, offset=4))
    pages = ids(first) + ids(second) + ids(third)
    assert sorted(pages) == sorted(d.id for d in LIBRARY)


def test_hybrid_ranks_exact_title_first(index: SearchIndex):
    assert ids(index.search(SearchQuery(text="truck driver", k=3)))[0] == "driver"


def test_delete_removes_from_both_arms(index: SearchIndex):
    assert index.delete(["welder", "unknown"]) == 1
    assert "welder" not in ids(index.search(SearchQuery(text="welder electric arc", mode="lexical")))
    assert "welder" not in ids(index.search(SearchQuery(text="welder electric arc", mode="dense", k=10)))
    assert index.ids() == {"nurse", "cook", "hu", "driver"}


def test_clear_empties_the_index(index: SearchIndex):
    index.clear()
    assert index.count() == 0
    assert index.search(SearchQuery(text="nurse")).hits == []


@pytest.mark.parametrize(
    "text",
    ['"', "nurse AND", "title:nurse", "NEAR(a b)", "*", "a OR", "'; DROP TABLE docs; --", "(((", "^nurse", "-", "\x00"],
)
def test_query_syntax_from_users_is_taken_as_words(index: SearchIndex, text: str):
    result = index.search(SearchQuery(text=text))
    assert result.total >= 0
    assert index.count() == len(LIBRARY)


def test_prefix_of_the_last_word_matches_while_typing(index: SearchIndex):
    assert ids(index.search(SearchQuery(text="weld", mode="lexical"))) == ["welder"]


def test_index_built_with_another_model_asks_for_a_rebuild(settings, engine, fake_encoder):
    """Embedded engine only: the vectors live in its file, with the model's name."""
    from core.embeddings.encoder import Encoder
    from core.errors import HeadstartError
    from core.search.embedded import EmbeddedSearchIndex
    from tests.fakes import HashingBackend

    path = settings.search_dir / "model-change.sqlite"
    EmbeddedSearchIndex(path, name="jobs", encoder=fake_encoder).upsert(LIBRARY)
    other = Encoder("other-model", engine=engine, backend=HashingBackend("other-model"))
    reopened = EmbeddedSearchIndex(path, name="jobs", encoder=other)
    with pytest.raises(HeadstartError, match="headstart index rebuild"):
        reopened.search(SearchQuery(text="welder"))
    reopened.clear()
    assert reopened.upsert(LIBRARY) == len(LIBRARY)
    assert ids(reopened.search(SearchQuery(text="welder", k=1))) == ["welder"]


def test_lexical_mode_ignores_a_given_vector(index: SearchIndex, fake_encoder):
    vector = fake_encoder.encode_query("electric arc metal")
    result = index.search(SearchQuery(text="meals", mode="lexical", vector=vector))
    assert ids(result) == ["cook"]
    assert result.hits[0].dense_score is None


def test_boost_lifts_documents_of_equal_relevance(search_index: SearchIndex):
    from dataclasses import replace

    twins = [
        replace(doc("plain", "Orientation course", "a course before departure"), boost=0.0),
        replace(doc("documented", "Orientation course", "a course before departure"), boost=1.0),
    ]
    search_index.upsert(twins)
    plain = search_index.search(SearchQuery(text="orientation course", mode="lexical"))
    boosted = search_index.search(SearchQuery(text="orientation course", mode="lexical", boost_weight=0.1))
    assert ids(boosted)[0] == "documented"
    assert boosted.hits[0].score > plain.hits[0].score


def test_date_sort_orders_relevant_documents_newest_first(search_index: SearchIndex):
    from dataclasses import replace

    search_index.upsert(
        [
            replace(doc("old", "Language course 1990", "language course"), date="1990"),
            replace(doc("new", "Language course 2020", "language course"), date="2020-05"),
            replace(doc("mid", "Language course 2005", "language course"), date="2005-01-31"),
            doc("undated", "Language course", "language course"),
            doc("other", "Truck driver", "heavy goods"),
        ]
    )
    result = search_index.search(SearchQuery(text="language course", mode="lexical", sort="date"))
    assert ids(result) == ["new", "mid", "old", "undated"]
    browse = search_index.search(SearchQuery(text="", sort="date", k=3))
    assert ids(browse) == ["new", "mid", "old"] and browse.total == 5
