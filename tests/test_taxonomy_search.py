"""ESCO import feeds the search collections: labels of every language become searchable."""

from __future__ import annotations

from tests.conftest import FIXTURES

from core.search.base import SearchQuery
from matching.suggestion import suggest
from matching.taxonomy_index import import_taxonomy, index_taxonomy

BENCH_WELDER = "http://data.europa.eu/esco/occupation/f0000000-0000-4000-8000-000000000001"


def test_labels_of_further_languages_are_searchable(runtime):
    import_taxonomy(runtime, FIXTURES / "esco")
    french = suggest(runtime, "occupation", "soudeuse d'établi", top=3, language="fr")
    assert french[0].uri == BENCH_WELDER
    assert french[0].label == "bench welder"  # shown in English, found through French
    words = runtime.index("occupations").search(SearchQuery(text="soudeuse", mode="lexical"))
    assert words.hits[0].id == BENCH_WELDER
    assert "<mark>soudeuse</mark>" in words.hits[0].snippet


def test_import_indexes_only_what_changed(runtime):
    import_taxonomy(runtime, FIXTURES / "esco")
    encoded = runtime.encoder.texts_encoded
    report = import_taxonomy(runtime, FIXTURES / "esco")
    assert report.changed_uris == set()
    assert runtime.encoder.texts_encoded == encoded
    assert index_taxonomy(runtime) == {"occupations": 0, "skills": 0}


def test_diacritics_are_folded_in_suggestions(runtime):
    import_taxonomy(runtime, FIXTURES / "esco")
    assert suggest(runtime, "occupation", "soudeuse d etabli", top=1)[0].uri == BENCH_WELDER
