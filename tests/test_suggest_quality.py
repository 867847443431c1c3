"""Suggestion quality on the real ESCO set with the real models (slow: run in CI).

These pin what a migrant or counsellor sees: the right occupation near the top for the
ways people actually name their work, in English and in their own languages.
"""

from __future__ import annotations

import pytest

from core.search.base import Fusion
from core.search.embedded import EmbeddedSearchIndex
from matching import esco
from matching.evaluation import dense_only, evaluate, fused, hold_out, lexical_only, run_arms
from matching.normalize import guess_query_language, label_vocabulary
from matching.suggestion import suggest
from matching.taxonomy_index import TAXONOMY_COLLECTIONS

pytestmark = pytest.mark.slow

WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"
NURSE_ASSISTANT = "http://data.europa.eu/esco/occupation/87d0795a-d41f-47ee-979f-0ab7d73836e7"


def top_uris(runtime, text: str, k: int = 10, concept_type: str = "occupation", **kwargs) -> list[str]:
    return [s.uri for s in suggest(runtime, concept_type, text, top=k, **kwargs)]


def test_the_whole_set_is_indexed(esco_runtime):
    counts = esco.counts(esco_runtime.engine)
    assert esco_runtime.index("occupations").count() == counts["occupation"] == 2942
    assert esco_runtime.index("skills").count() >= 13_400


def test_preferred_and_alternative_labels_come_first(esco_runtime):
    assert top_uris(esco_runtime, "nurse assistant", 1) == [NURSE_ASSISTANT]
    assert top_uris(esco_runtime, "nursing assistant", 3)[0] == NURSE_ASSISTANT
    assert top_uris(esco_runtime, "welder", 1) == [WELDER]


def test_a_trade_named_in_other_words_is_found(esco_runtime):
    suggestions = suggest(esco_runtime, "occupation", "wire drawer", top=5)
    assert any("wire" in s.label or "wire" in s.matched_label for s in suggestions[:3])


@pytest.mark.parametrize(
    ("query", "language", "expected", "within"),
    [
        ("сварщик", None, WELDER, 1),
        ("لحام", None, WELDER, 3),
        ("soldador", None, WELDER, 10),
        ("aide-soignante", "fr", NURSE_ASSISTANT, 10),
        # The multilingual model places "soudeur" 18th with English labels only (bench/README.md).
        ("soudeur", None, WELDER, 30),
    ],
)
def test_titles_in_other_languages_find_the_english_concept(esco_runtime, query, language, expected, within):
    assert expected in top_uris(esco_runtime, query, within, language=language)


def test_skills_are_suggested_for_a_plain_description(esco_runtime):
    suggestions = suggest(esco_runtime, "skill", "drive a forklift", top=5)
    assert any("forklift" in s.label.lower() for s in suggestions)


def test_reimport_of_unchanged_files_encodes_nothing(esco_runtime):
    from matching.taxonomy_index import import_taxonomy

    before = esco_runtime.encoder.texts_encoded
    report = import_taxonomy(esco_runtime, esco_runtime.settings.esco_dir)
    assert report.changed_uris == set()
    assert esco_runtime.encoder.texts_encoded == before


def test_shipped_ranking_is_at_least_as_good_as_each_arm_on_held_out_labels(esco_runtime):
    """The product's ranking must not fall below the better single arm (bench/README.md)."""
    documents = esco.concept_documents(esco_runtime.engine, "occupation")
    indexed, queries = hold_out(documents, seed=13)
    queries = [q for q in queries if q.split == "test"][::3]  # a third of the test half keeps this quick
    index = EmbeddedSearchIndex(":memory:", name="held-out", encoder=esco_runtime.encoder)
    index.upsert(indexed)
    words = label_vocabulary([p.text for d in indexed for p in d.passages if not p.anchor.startswith("desc")])
    languages = [guess_query_language(q.text, words) for q in queries]
    vectors = esco_runtime.encoder.encode_queries([q.text for q in queries], languages)
    runs = run_arms(index, queries, vectors)
    lexical = evaluate(runs, lexical_only)
    dense = evaluate(runs, dense_only)
    from core.search.factory import COLLECTIONS

    product = evaluate(runs, fused(COLLECTIONS[TAXONOMY_COLLECTIONS["occupation"]]))
    assert product.mrr >= max(lexical.mrr, dense.mrr)
    assert product.mrr > 0.64  # measured 0.688 on the whole test half
    assert isinstance(COLLECTIONS["occupations"], Fusion)
