"""The Elasticsearch index body (settings and mappings) of a Headstart collection.

Kept apart from the engine so the exact JSON is easy to read and to pin in tests
(tests/test_elastic_requests.py). Every parameter below is documented for Elasticsearch
8.11+ and 9.x; nothing removed in 9.0 is used (no `_all`, no types, no `_source.mode`,
no `index_options.type` left to the default).

Layout: one Elasticsearch document per IndexDocument, its passages a `nested` array (see
the module docstring of core/search/elastic.py for why).

- Words: every text field (passage title, heading and text) is analysed by `folded`
  (standard tokenizer, lower case, ASCII folding: "MIGRÁNSOK" finds "Migránsok", like
  the embedded engine's `unicode61 remove_diacritics 2`), and has one sub-field per
  language with Elasticsearch's built-in stemming analyser (`passages.text.fr` ...). A
  passage's language is not always known (a library record holds its translations, an
  ESCO concept its labels in every language), so every passage gets every sub-field and
  the query picks the sub-field of its own language; the folded field is the fallback
  for every other language and for queries whose language is not known.
- Filters and facets: `keywords.<field>` are keyword fields (a dynamic template, since
  each collection has its own fields: country, kind, language ...).
- Vectors: one `dense_vector` per model block of the encoder (`vector_primary`, and
  `vector_multilingual` with a CompositeEncoder), so a query compares with one model's
  half only, as the embedded engine's block-wise dot product does. `index_options.type`
  is set to `hnsw` explicitly: Elasticsearch 9.1+ would otherwise index float vectors of
  384+ dimensions as `bbq_hnsw` (binary quantised), which changes the ranking.
- `boost` (float) and `date` (date, "YYYY", "YYYY-MM" or "YYYY-MM-DD") are plain fields:
  the fused score is computed in Python, which adds the boost and sorts by date.
"""

from __future__ import annotations

from typing import Any

# ISO 639-1 code -> built-in Elasticsearch language analyser (and sub-field name).
LANGUAGE_ANALYZERS: dict[str, str] = {
    "en": "english",
    "fr": "french",
    "ar": "arabic",
    "ru": "russian",
    "es": "spanish",
}

# HNSW graph parameters (Elasticsearch's own defaults, written out so that no server
# version picks another index type or other values).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100

# The passage text fields and their weights in the lexical query, as the embedded
# engine's FTS5 column weights (core/search/embedded.py COLUMN_WEIGHTS).
TEXT_FIELDS: tuple[tuple[str, float], ...] = (("title", 3.0), ("heading", 2.0), ("text", 1.0))

# Bump when the body changes in a way that needs a rebuild.
MAPPING_VERSION = 1

FOLDED = "folded"


def index_settings(*, replicas: int = 0) -> dict[str, Any]:
    """One shard: BM25 statistics are per shard, and one shard keeps scores the same on
    every node and in every test (a collection of a few hundred thousand documents is
    well within one shard). Replicas: 0 keeps a one-node cluster green; set more in
    production."""
    return {
        "number_of_shards": 1,
        "number_of_replicas": replicas,
        "analysis": {
            "analyzer": {
                FOLDED: {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
            },
            "normalizer": {
                FOLDED: {"type": "custom", "filter": ["lowercase", "asciifolding"]},
            },
        },
    }


def _text_field() -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": FOLDED,
        "fields": {code: {"type": "text", "analyzer": analyzer} for code, analyzer in LANGUAGE_ANALYZERS.items()},
    }


def dense_vector_field(dims: int) -> dict[str, Any]:
    return {
        "type": "dense_vector",
        "element_type": "float",
        "dims": dims,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
    }


def index_mappings(*, vector_fields: dict[str, int], meta: dict[str, Any]) -> dict[str, Any]:
    """Mappings for one collection; `vector_fields`: passage vector field -> dimensions."""
    passage_properties: dict[str, Any] = {
        "anchor": {"type": "keyword", "index": False},
        **{name: _text_field() for name, _ in TEXT_FIELDS},
    }
    for field, dims in vector_fields.items():
        passage_properties[field] = dense_vector_field(dims)
    return {
        "dynamic": "strict",
        "_meta": {"headstart": {**meta, "mapping_version": MAPPING_VERSION}},
        # Vectors are derived data (the database is the source of truth and a rebuild
        # re-encodes from its cache), so they are not kept in _source: half the disk, and
        # hits do not carry them back.
        "_source": {"excludes": [f"passages.{field}" for field in vector_fields]},
        "dynamic_templates": [
            {
                "keyword_fields": {
                    "path_match": "keywords.*",
                    "match_mapping_type": "string",
                    "mapping": {"type": "keyword", "ignore_above": 1024},
                }
            }
        ],
        "properties": {
            "doc_id": {"type": "keyword"},
            "title": {"type": "keyword", "normalizer": FOLDED, "ignore_above": 1024},
            "language": {"type": "keyword"},
            "content_hash": {"type": "keyword", "index": False},
            "boost": {"type": "float"},
            "date": {"type": "date", "format": "strict_date||strict_year_month||strict_year", "ignore_malformed": True},
            "keywords": {"type": "object", "dynamic": True},
            "passages": {"type": "nested", "properties": passage_properties},
        },
    }
