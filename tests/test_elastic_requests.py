"""The Elasticsearch engine's requests and its reading of responses, pinned without a server.

The real `elasticsearch` client runs with a fake node (`node_class`): every HTTP request
the engine sends is recorded (method, path, parameters, JSON or NDJSON body), and a small
in-memory stand-in answers index, alias and bulk requests the way Elasticsearch does;
search responses are canned, shaped like real ones (inner hits with `_nested.offset`,
highlight fragments, `hits.total`, terms buckets). What the server would do with the
queries (BM25, HNSW) is the contract suite's job, when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node._base import NodeApiResponse
from elasticsearch import Elasticsearch

from core.embeddings.encoder import CompositeEncoder, Encoder
from core.errors import HeadstartError
from core.search import IndexDocument, Passage, SearchQuery
from core.search.base import FacetCount, Fusion
from core.search.elastic import ElasticsearchIndex, highlight_fragment, index_alias
from core.search.elastic_mappings import LANGUAGE_ANALYZERS, MAPPING_VERSION
from core.search.fusion import ArmScores, fuse
from tests.fakes import HashingBackend

ALIAS = "headstart-library"
NOW = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
CONCRETE = f"{ALIAS}-20250102030405000006"
OLD = f"{ALIAS}-20240101000000000000"
SOURCE = ["title", "boost", "date"]
HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",
    "fields": {"passages.text": {"type": "unified", "number_of_fragments": 1, "fragment_size": 200}},
}
FIELDS = ["passages.title^3", "passages.heading^2", "passages.text"]


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    body: Any


class FakeElasticsearch:
    """The few endpoints the engine uses, in memory; searches answer from queues."""

    def __init__(self, version: str = "9.1.0") -> None:
        self.version = version
        self.requests: list[Request] = []
        self.indices: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, set[str]] = {}
        self.search_responses: list[tuple[int, dict]] = []
        self.msearch_responses: list[dict] = []
        self.bulk_item_statuses: list[int] = []  # statuses for the next bulk items (then 200/201)
        self.bulk_request_statuses: list[int] = []  # statuses for whole _bulk requests
        self.info_response: tuple[int, dict] | None = None

    # -- helpers for tests
    def add_index(self, name: str, *, alias: str | None = ALIAS, encoder: str = "test-hashing-encoder", docs=None):
        self.indices[name] = {
            "mappings": {"_meta": {"headstart": {"encoder": encoder, "mapping_version": MAPPING_VERSION}}},
            "settings": {},
            "docs": dict(docs or {}),
        }
        if alias:
            self.aliases.setdefault(alias, set()).add(name)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def last(self, method: str, suffix: str) -> Request:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)][-1]

    def _resolve(self, name: str) -> list[str]:
        names = []
        for part in name.split(","):
            if part in self.aliases:
                names += sorted(self.aliases[part])
            elif part in self.indices:
                names.append(part)
        return names

    # -- the server
    def handle(self, method: str, target: str, body: bytes | None) -> tuple[int, Any]:
        url = urlsplit(target)
        params = parse_qs(url.query)
        parsed: Any = None
        if body:
            text = body.decode("utf-8")
            lines = [line for line in text.split("\n") if line.strip()]
            parsed = [json.loads(line) for line in lines] if text.endswith("\n") and len(lines) > 1 else json.loads(text)
        self.requests.append(Request(method, url.path, params, parsed))
        parts = [part for part in url.path.split("/") if part]
        if not parts:
            if self.info_response:
                return self.info_response
            return 200, {"name": "fake", "version": {"number": self.version}, "tagline": "You Know, for Search"}
        if parts == ["_aliases"]:
            for action in parsed["actions"]:
                (kind, spec), = action.items()
                if kind == "add":
                    self.aliases.setdefault(spec["alias"], set()).add(spec["index"])
                elif kind == "remove":
                    self.aliases[spec["alias"]].discard(spec["index"])
                elif kind == "remove_index":
                    self.indices.pop(spec["index"], None)
            return 200, {"acknowledged": True}
        if parts[-1] == "_bulk":
            return self._bulk(parsed)
        if parts == ["_msearch"]:
            return 200, {"took": 1, "responses": [self.msearch_responses.pop(0) for _ in range(len(parsed) // 2)]}
        if len(parts) == 1:
            name = parts[0]
            if method == "GET":
                found = self._resolve(name)
                if not found:
                    return 404, {"error": {"type": "index_not_found_exception", "reason": f"no such index [{name}]"}, "status": 404}
                return 200, {
                    index: {
                        "aliases": {a: {} for a, members in self.aliases.items() if index in members},
                        "mappings": self.indices[index]["mappings"],
                        "settings": self.indices[index]["settings"],
                    }
                    for index in found
                }
            if method == "PUT":
                self.indices[name] = {"mappings": parsed["mappings"], "settings": parsed["settings"], "docs": {}}
                for alias in parsed.get("aliases", {}):
                    self.aliases.setdefault(alias, set()).add(name)
                return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}
            if method == "DELETE":
                for index in name.split(","):
                    self.indices.pop(index, None)
                    for members in self.aliases.values():
                        members.discard(index)
                return 200, {"acknowledged": True}
        name, action = parts[0], parts[1]
        docs = {}
        for index in self._resolve(name):
            docs.update(self.indices[index]["docs"])
        if action == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if action == "_count":
            return 200, {"count": len(docs), "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
        if action == "_mget":
            includes = params.get("_source_includes", [""])[0].split(",")
            out = []
            for doc_id in parsed["ids"]:
                if doc_id in docs:
                    source = {key: docs[doc_id][key] for key in includes if key in docs[doc_id]}
                    out.append({"_index": name, "_id": doc_id, "_version": 1, "found": True, "_source": source})
                else:
                    out.append({"_index": name, "_id": doc_id, "found": False})
            return 200, {"docs": out}
        if action == "_search":
            if self.search_responses:
                return self.search_responses.pop(0)
            if parsed.get("sort") == [{"doc_id": "asc"}]:  # ids(): every document id
                ids = sorted(docs)
                if "search_after" in parsed:
                    ids = [i for i in ids if i > parsed["search_after"][0]]
                ids = ids[: parsed["size"]]
                hits = [{"_index": name, "_id": i, "_score": None, "sort": [i]} for i in ids]
                return 200, {"hits": {"total": {"value": len(ids), "relation": "eq"}, "hits": hits}}
            return 200, search_response([])
        raise AssertionError(f"unexpected request {method} {target}")

    def _bulk(self, lines: list[dict]) -> tuple[int, Any]:
        if self.bulk_request_statuses:
            status = self.bulk_request_statuses.pop(0)
            return status, {"error": {"type": "unavailable", "reason": "try later"}, "status": status}
        items = []
        position = 0
        while position < len(lines):
            (op, meta), = lines[position].items()
            position += 1
            index = self._resolve(meta["_index"])[0] if self._resolve(meta["_index"]) else meta["_index"]
            docs = self.indices[index]["docs"]
            status = self.bulk_item_statuses.pop(0) if self.bulk_item_statuses else None
            if op == "index":
                source = lines[position]
                position += 1
                if status and status >= 300:
                    items.append({op: {"_index": index, "_id": meta["_id"], "status": status,
                                       "error": {"type": "es_rejected_execution_exception" if status == 429 else "mapper_parsing_exception",
                                                 "reason": "rejected" if status == 429 else "failed to parse field [date]"}}})
                    continue
                created = meta["_id"] not in docs
                docs[meta["_id"]] = source
                items.append({op: {"_index": index, "_id": meta["_id"], "result": "created" if created else "updated",
                                   "status": 201 if created else 200}})
            elif op == "delete":
                if docs.pop(meta["_id"], None) is None:
                    items.append({op: {"_index": index, "_id": meta["_id"], "result": "not_found", "status": 404}})
                else:
                    items.append({op: {"_index": index, "_id": meta["_id"], "result": "deleted", "status": 200}})
        return 200, {"took": 3, "errors": any(next(iter(i.values()))["status"] >= 300 for i in items), "items": items}


def search_response(hits: list[dict], *, total: int | None = None, aggregations: dict | None = None) -> dict:
    response: dict[str, Any] = {
        "took": 2,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(hits) if total is None else total, "relation": "eq"},
            "max_score": max((h["_score"] or 0 for h in hits), default=None),
            "hits": hits,
        },
    }
    if aggregations is not None:
        response["aggregations"] = aggregations
    return response


def hit(doc_id: str, score: float, title: str, *, offset: int = 0, passage: dict | None = None,
        highlight: list[str] | None = None, boost: float = 0.0, date: str | None = None) -> dict:
    inner: dict[str, Any] = {
        "_index": CONCRETE,
        "_id": doc_id,
        "_nested": {"field": "passages", "offset": offset},
        "_score": score,
        "_source": passage or {"anchor": "title", "heading": "", "text": title, "title": title},
    }
    if highlight:
        inner["highlight"] = {"passages.text": highlight}
    return {
        "_index": CONCRETE,
        "_id": doc_id,
        "_score": score,
        "_source": {"title": title, "boost": boost, "date": date},
        "inner_hits": {"best_passage": {"hits": {"total": {"value": 1, "relation": "eq"}, "max_score": score, "hits": [inner]}}},
    }


def buckets(**counts: int) -> dict:
    return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
            "buckets": [{"key": key, "doc_count": count} for key, count in counts.items()]}


@pytest.fixture
def server() -> FakeElasticsearch:
    return FakeElasticsearch()


def make_client(server: FakeElasticsearch) -> Elasticsearch:
    class Node(BaseNode):
        def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
            status, payload = server.handle(method, target, body)
            headers = HttpHeaders({"content-type": "application/json", "x-elastic-product": "Elasticsearch"})
            meta = ApiResponseMeta(status=status, http_version="1.1", headers=headers, duration=0.0, node=self.config)
            return NodeApiResponse(meta, json.dumps(payload).encode("utf-8"))

    return Elasticsearch("http://es.test:9200", node_class=Node, max_retries=0)


@pytest.fixture
def encoder() -> Encoder:
    return Encoder("test-hashing-encoder", backend=HashingBackend())


def make_index(server, encoder, **options) -> ElasticsearchIndex:
    options.setdefault("fusion", Fusion(method="convex", alpha=0.8))
    return ElasticsearchIndex(make_client(server), name="library", encoder=encoder, url="http://es.test:9200",
                              clock=lambda: NOW, initial_backoff=0.01, **options)


@pytest.fixture
def index(server, encoder) -> ElasticsearchIndex:
    server.add_index(OLD)
    return make_index(server, encoder)


def doc(id: str, title: str, *texts: str, **keywords: tuple[str, ...]) -> IndexDocument:
    passages = [Passage(anchor="title", text=title)]
    passages += [Passage(anchor=f"p{i}", heading=f"Part {i}", text=text) for i, text in enumerate(texts, 1)]
    return IndexDocument(id=id, title=title, passages=tuple(passages), keywords=keywords)


def walk(value: Any):
    """Every (key, value) pair in a JSON body, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


# ---------------------------------------------------------------------- mappings


def test_mappings_analyse_text_per_language_and_fold_diacritics(encoder):
    body = ElasticsearchIndex(None, name="library", encoder=encoder).index_body()
    settings, mappings = body["settings"], body["mappings"]
    assert settings["number_of_shards"] == 1
    assert settings["analysis"]["analyzer"]["folded"] == {
        "type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]
    }
    passages = mappings["properties"]["passages"]
    assert passages["type"] == "nested"
    for field in ("title", "heading", "text"):
        mapping = passages["properties"][field]
        assert mapping["type"] == "text" and mapping["analyzer"] == "folded"
        assert {code: sub["analyzer"] for code, sub in mapping["fields"].items()} == {
            "en": "english", "fr": "french", "ar": "arabic", "ru": "russian", "es": "spanish"
        }
    assert set(LANGUAGE_ANALYZERS) == {"en", "fr", "ar", "ru", "es"}


def test_mappings_keyword_filters_boost_date_and_strictness(encoder):
    mappings = ElasticsearchIndex(None, name="library", encoder=encoder).index_body()["mappings"]
    properties = mappings["properties"]
    assert mappings["dynamic"] == "strict"
    assert properties["keywords"] == {"type": "object", "dynamic": True}
    assert mappings["dynamic_templates"] == [
        {"keyword_fields": {"path_match": "keywords.*", "match_mapping_type": "string",
                            "mapping": {"type": "keyword", "ignore_above": 1024}}}
    ]
    assert properties["doc_id"] == {"type": "keyword"}
    assert properties["title"]["type"] == "keyword" and properties["title"]["normalizer"] == "folded"
    assert properties["boost"] == {"type": "float"}
    assert properties["date"]["type"] == "date"
    assert properties["date"]["format"] == "strict_date||strict_year_month||strict_year"
    assert mappings["_meta"]["headstart"]["encoder"] == "test-hashing-encoder"


def test_dense_vector_sets_hnsw_explicitly_with_the_encoder_dimensions(encoder):
    mappings = ElasticsearchIndex(None, name="library", encoder=encoder).index_body()["mappings"]
    assert mappings["properties"]["passages"]["properties"]["vector_primary"] == {
        "type": "dense_vector",
        "element_type": "float",
        "dims": 256,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100},
    }
    assert mappings["_source"] == {"excludes": ["passages.vector_primary"]}


def test_composite_encoder_gets_one_vector_field_per_model(encoder):
    composite = CompositeEncoder(
        Encoder("english", backend=HashingBackend("english", 8)), Encoder("multi", backend=HashingBackend("multi", 6))
    )
    passages = ElasticsearchIndex(None, name="x", encoder=composite).index_body()["mappings"]["properties"]["passages"]
    assert passages["properties"]["vector_primary"]["dims"] == 8
    assert passages["properties"]["vector_multilingual"]["dims"] == 6


def test_index_body_uses_nothing_removed_in_elasticsearch_9(encoder):
    """Valid for 8.11+ and 9.x: no mapping types, `_all`, `include_in_all`, `string`,
    `_source.mode` (deprecated in 8.x), and every vector has index_options.type hnsw
    (9.1+ would otherwise default to bbq_hnsw)."""
    composite = CompositeEncoder(Encoder("a", backend=HashingBackend("a", 8)), Encoder("b", backend=HashingBackend("b", 6)))
    for enc in (encoder, composite):
        body = ElasticsearchIndex(None, name="x", encoder=enc).index_body()
        assert set(body) == {"settings", "mappings"}
        pairs = list(walk(body))
        keys = {key for key, _ in pairs}
        assert not keys & {"_all", "include_in_all", "_default_", "_type", "_timestamp", "_ttl", "mode", "string"}
        assert ("type", "string") not in pairs
        vectors = [value for key, value in pairs if isinstance(value, dict) and value.get("type") == "dense_vector"]
        assert vectors and all(v["index_options"]["type"] == "hnsw" and v["index"] is True for v in vectors)
        assert all(v["similarity"] == "cosine" for v in vectors)


def test_collection_names_become_valid_index_names():
    assert index_alias("library") == "headstart-library"
    assert index_alias("Contract 123/x") == "headstart-contract-123-x"


# ---------------------------------------------------------------------- index life


def test_first_use_creates_a_timestamped_index_behind_the_alias(server, encoder):
    index = make_index(server, encoder)
    assert index.count() == 0
    assert server.paths() == ["GET /", f"GET /{ALIAS}", f"PUT /{CONCRETE}", f"GET /{ALIAS}", f"POST /{ALIAS}/_count"]
    create = server.last("PUT", CONCRETE).body
    assert create["aliases"] == {ALIAS: {}}
    assert create["mappings"] == index.index_body()["mappings"]
    assert create["settings"] == index.index_body()["settings"]


def test_two_processes_creating_the_alias_at_once_keep_the_older_index(server, encoder):
    handle = server.handle

    def racing(method, target, body):
        if method == "PUT" and CONCRETE in target:  # another process got there a moment earlier
            server.add_index(OLD)
        return handle(method, target, body)

    server.handle = racing
    make_index(server, encoder).count()
    assert server.aliases[ALIAS] == {OLD} and CONCRETE not in server.indices


def test_bulk_index_actions_carry_ids_hashes_and_vector_lists(index, server, encoder):
    hidden = IndexDocument(
        id="cook", title="Cook",
        passages=(Passage(anchor="title", text="Cook"), Passage(anchor="note", text="internal", embed=False)),
        keywords={"country": ("IT", "IT", "AT")}, boost=0.5, date="2020-05",
    )
    nurse = doc("nurse", "Nurse", "cares for patients in a hospital ward", country=("DE",))
    assert index.upsert([nurse, hidden]) == 2
    mget = server.last("POST", "/_mget")
    assert mget.path == f"/{ALIAS}/_mget"
    assert mget.body == {"ids": ["nurse", "cook"]} and mget.params["_source_includes"] == ["content_hash"]
    bulk = server.last("PUT", "/_bulk").body
    assert bulk[0] == {"index": {"_index": ALIAS, "_id": "nurse"}}  # no routing: passages live in their document
    assert bulk[2] == {"index": {"_index": ALIAS, "_id": "cook"}}
    source = bulk[3]
    assert source["content_hash"] == hidden.content_hash()
    assert source["keywords"] == {"country": ["AT", "IT"]}
    assert (source["boost"], source["date"], source["doc_id"], source["title"]) == (0.5, "2020-05", "cook", "Cook")
    first, note = source["passages"]
    assert first["anchor"] == "title" and first["title"] == "Cook"
    vector = first["vector_primary"]
    assert isinstance(vector, list) and len(vector) == 256 and all(isinstance(x, float) for x in vector)
    assert np.allclose(vector, encoder.encode(["Cook"])[0])
    assert "vector_primary" not in note
    assert bulk[1]["passages"][1]["text"] == "cares for patients in a hospital ward"
    assert server.paths()[-1] == f"POST /{ALIAS}/_refresh"


def test_unchanged_documents_are_not_sent_again(index, server):
    nurse = doc("nurse", "Nurse", "cares for patients")
    assert index.upsert([nurse]) == 1
    sent = len([p for p in server.paths() if p.endswith("_bulk")])
    assert index.upsert([nurse]) == 0
    assert len([p for p in server.paths() if p.endswith("_bulk")]) == sent
    assert index.upsert([replace(nurse, title="Head nurse")]) == 1


def test_composite_vectors_go_to_the_block_of_their_model(server):
    composite = CompositeEncoder(Encoder("a", backend=HashingBackend("a", 8)), Encoder("b", backend=HashingBackend("b", 6)))
    index = make_index(server, composite)
    document = IndexDocument(id="x", title="Welder", passages=(
        Passage(anchor="pref-en", text="Welder"),
        Passage(anchor="alt-fr-0", text="soudeur", vector_model="multilingual"),
        Passage(anchor="desc-en", text="joins metal", vector_model="primary"),
    ))
    index.upsert([document])
    passages = server.last("PUT", "/_bulk").body[1]["passages"]
    assert (len(passages[0]["vector_primary"]), len(passages[0]["vector_multilingual"])) == (8, 6)
    assert set(passages[1]) & {"vector_primary", "vector_multilingual"} == {"vector_multilingual"}
    assert set(passages[2]) & {"vector_primary", "vector_multilingual"} == {"vector_primary"}


def test_bulk_retries_rejected_items_with_exponential_backoff(index, server, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr("elasticsearch.helpers.actions.time.sleep", sleeps.append)
    server.bulk_item_statuses = [429, 201, 503]  # first attempt: two of three refused
    server.bulk_request_statuses = []
    documents = [doc(name, name.title()) for name in ("a", "b", "c")]
    assert index.upsert(documents) == 3
    bulks = [r.body for r in server.requests if r.path.endswith("_bulk")]
    assert [line["index"]["_id"] for line in bulks[0][::2]] == ["a", "b", "c"]
    assert [line["index"]["_id"] for line in bulks[1][::2]] == ["a", "c"]  # only the refused ones
    assert sleeps == [0.01]


def test_bulk_retries_a_whole_request_answered_503(index, server, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr("elasticsearch.helpers.actions.time.sleep", sleeps.append)
    server.bulk_request_statuses = [503, 503]
    assert index.upsert([doc("a", "A")]) == 1
    assert len([r for r in server.requests if r.path.endswith("_bulk")]) == 3
    assert sleeps == [0.01, 0.02]  # initial_backoff, doubled


def test_documents_refused_for_good_raise_one_clear_error(index, server):
    server.bulk_item_statuses = [400]
    with pytest.raises(HeadstartError, match=r"refused 1 of the changes.*'a'.*failed to parse field \[date\]"):
        index.upsert([doc("a", "A")])


def test_delete_sends_delete_actions_and_counts_found_documents(index, server):
    index.upsert([doc("welder", "Welder"), doc("nurse", "Nurse")])
    assert index.delete(["welder", "unknown"]) == 1
    bulk = server.last("PUT", "/_bulk").body
    assert bulk == [{"delete": {"_index": ALIAS, "_id": "welder"}}, {"delete": {"_index": ALIAS, "_id": "unknown"}}]
    assert index.ids() == {"nurse"}
    assert index.count() == 1


def test_rebuild_fills_a_new_index_then_swaps_the_alias_atomically(index, server):
    assert index.rebuild([doc("welder", "Welder"), doc("nurse", "Nurse")]) == 2
    assert server.paths() == [
        "GET /",
        f"PUT /{CONCRETE}",
        "PUT /_bulk",
        f"POST /{CONCRETE}/_refresh",
        f"GET /{ALIAS}",
        "POST /_aliases",
        f"DELETE /{OLD}",
    ]
    assert "aliases" not in server.last("PUT", CONCRETE).body  # searches stay on the old index meanwhile
    assert server.last("PUT", "/_bulk").body[0] == {"index": {"_index": CONCRETE, "_id": "welder"}}
    assert server.last("POST", "/_aliases").body == {
        "actions": [
            {"remove": {"index": OLD, "alias": ALIAS}},
            {"add": {"index": CONCRETE, "alias": ALIAS}},
        ]
    }
    assert server.aliases[ALIAS] == {CONCRETE} and OLD not in server.indices
    assert index.count() == 2


def test_a_failed_rebuild_leaves_the_old_index_in_place(index, server):
    server.bulk_item_statuses = [400]
    with pytest.raises(HeadstartError):
        index.rebuild([doc("a", "A")])
    assert "POST /_aliases" not in server.paths()
    assert server.paths()[-1] == f"DELETE /{CONCRETE}"
    assert server.aliases[ALIAS] == {OLD}


def test_clear_is_an_empty_rebuild(index, server):
    index.clear()
    assert server.last("POST", "/_aliases").body["actions"][-1] == {"add": {"index": CONCRETE, "alias": ALIAS}}
    assert index.count() == 0


def test_an_index_built_with_another_model_asks_for_a_rebuild(server, encoder):
    server.add_index(OLD, encoder="other-model", docs={"a": {"content_hash": "x"}})
    index = make_index(server, encoder)
    with pytest.raises(HeadstartError, match="headstart index rebuild"):
        index.search(SearchQuery(text="welder"))
    index.clear()
    index.search(SearchQuery(text="welder", mode="lexical"))  # no error once rebuilt


def test_an_empty_index_of_another_model_is_replaced_silently(server, encoder):
    server.add_index(OLD, encoder="other-model")
    index = make_index(server, encoder)
    assert index.count() == 0
    assert server.aliases[ALIAS] == {CONCRETE}


# ---------------------------------------------------------------------- search bodies


def test_lexical_request_filters_in_bool_filter_and_best_passage_inner_hits(index, server):
    server.search_responses = [(200, search_response([], aggregations={"country": buckets()}))]
    index.search(SearchQuery(text="hospital ward", mode="lexical", filters={"country": ("DE", "AT"), "kind": ("occupation",)},
                             facets=("country",)))
    body = server.last("POST", "/_search").body
    assert body == {
        "size": 100,
        "_source": SOURCE,
        "track_total_hits": True,
        "query": {
            "bool": {
                "must": [
                    {
                        "nested": {
                            "path": "passages",
                            "score_mode": "max",
                            "query": {
                                "bool": {
                                    "should": [
                                        {"multi_match": {"query": "hospital ward", "fields": FIELDS,
                                                         "type": "most_fields", "operator": "or"}},
                                        {"multi_match": {"query": "ward", "fields": FIELDS, "type": "bool_prefix"}},
                                    ],
                                    "minimum_should_match": 1,
                                }
                            },
                            "inner_hits": {"name": "best_passage", "size": 1, "highlight": HIGHLIGHT},
                        }
                    }
                ],
                "filter": [{"terms": {"keywords.country": ["DE", "AT"]}}, {"terms": {"keywords.kind": ["occupation"]}}],
            }
        },
        "aggs": {"country": {"terms": {"field": "keywords.country", "size": 1000,
                                       "order": [{"_count": "desc"}, {"_key": "asc"}]}}},
    }


def test_lexical_request_adds_the_stemmed_fields_of_the_query_language(index, server):
    index.search(SearchQuery(text="soudeurs ", mode="lexical", language="fr", track_total=False, k=5, candidates=20))
    body = server.last("POST", "/_search").body
    should = body["query"]["bool"]["must"][0]["nested"]["query"]["bool"]["should"]
    assert should == [{"multi_match": {
        "query": "soudeurs",
        "fields": FIELDS + ["passages.title.fr^3", "passages.heading.fr^2", "passages.text.fr"],
        "type": "most_fields", "operator": "or"}}]  # a finished word (space after it): no prefix
    assert (body["size"], body["track_total_hits"]) == (20, False) and "aggs" not in body
    assert "filter" not in body["query"]["bool"]


def test_user_syntax_reaches_elasticsearch_as_words_only(index, server):
    index.search(SearchQuery(text='title:nurse AND "(((', mode="lexical"))
    should = server.last("POST", "/_search").body["query"]["bool"]["must"][0]["nested"]["query"]["bool"]["should"]
    assert should[0]["multi_match"]["query"] == "title nurse AND"
    count = len(server.requests)
    result = index.search(SearchQuery(text='"', mode="lexical"))  # no words at all: nothing to send
    assert result.hits == [] and result.total == 0 and len(server.requests) == count


def test_dense_request_has_knn_with_filters_k_and_num_candidates(index, server, encoder):
    server.search_responses = [(200, search_response([]))]
    index.search(SearchQuery(text="electric arc", mode="dense", filters={"country": ("DE",)}, k=5, candidates=50))
    body = server.last("POST", "/_search").body
    knn = body["knn"]
    vector = knn.pop("query_vector")
    assert np.allclose(vector, encoder.encode_query("electric arc"))
    assert knn == {
        "field": "passages.vector_primary",
        "k": 50,
        "num_candidates": 100,
        "filter": {"bool": {"filter": [{"terms": {"keywords.country": ["DE"]}}]}},
        "inner_hits": {"name": "best_passage", "size": 1},
    }
    assert "query" not in body and body["track_total_hits"] is True


def test_a_composite_query_vector_searches_the_block_of_its_language(server):
    composite = CompositeEncoder(Encoder("a", backend=HashingBackend("a", 8)), Encoder("b", backend=HashingBackend("b", 6)))
    index = make_index(server, composite)
    index.search(SearchQuery(text="soudeur", mode="dense", language="fr"))
    knn = server.last("POST", "/_search").body["knn"]
    assert knn["field"] == "passages.vector_multilingual" and len(knn["query_vector"]) == 6
    index.search(SearchQuery(text="welder", mode="dense", language="en"))
    knn = server.last("POST", "/_search").body["knn"]
    assert knn["field"] == "passages.vector_primary" and len(knn["query_vector"]) == 8


def test_hybrid_convex_sends_both_arms_and_their_union_in_one_msearch(index, server):
    lexical = [
        hit("nurse", 6.0, "Nurse", offset=1, highlight=["cares for patients in a <mark>hospital</mark> ward"],
            passage={"anchor": "p1", "heading": "Part 1", "text": "She cares for patients in a hospital ward at night",
                     "title": "Nurse"}),
        hit("cook", 2.0, "Cook"),
        hit("driver", 1.0, "Truck driver"),
    ]
    dense = [
        hit("welder", 0.9, "Welder", offset=1,
            passage={"anchor": "p1", "heading": "Part 1", "text": "a hospital welder", "title": "Welder"}),
        hit("nurse", 0.8, "Nurse", offset=0),
        hit("cook", 0.55, "Cook"),
    ]
    union = search_response([], total=4, aggregations={"country": buckets(DE=2, AT=1, IT=1)})
    server.msearch_responses = [search_response(lexical), search_response(dense), union]
    result = index.search(SearchQuery(text="hospital", facets=("country",), k=3, filters={"kind": ("occupation",)}))

    searches = server.last("POST", "/_msearch").body
    assert [searches[i] for i in (0, 2, 4)] == [{"index": ALIAS}] * 3
    lexical_body, dense_body, union_body = searches[1], searches[3], searches[5]
    assert "knn" not in lexical_body and "query" not in dense_body
    assert lexical_body["track_total_hits"] is False and "aggs" not in lexical_body
    assert union_body["size"] == 0 and union_body["track_total_hits"] is True
    assert "inner_hits" not in union_body["knn"]
    assert "inner_hits" not in union_body["query"]["bool"]["must"][0]["nested"]
    assert union_body["query"]["bool"]["filter"] == [{"terms": {"keywords.kind": ["occupation"]}}]
    assert union_body["knn"]["filter"] == {"bool": {"filter": [{"terms": {"keywords.kind": ["occupation"]}}]}}
    assert union_body["aggs"]["country"]["terms"]["field"] == "keywords.country"

    # Python-side convex fusion, alpha 0.8, on the cosines (2 * score - 1) and BM25 scores.
    expected = fuse(
        ArmScores(scores={"nurse": 6.0, "cook": 2.0, "driver": 1.0}),
        ArmScores(scores={"welder": 0.8, "nurse": 0.6, "cook": 0.1}),
        Fusion(method="convex", alpha=0.8),
    )
    assert [(h.id, h.score) for h in result.hits] == [(d, pytest.approx(s)) for d, s in expected[:3]]
    nurse = next(h for h in result.hits if h.id == "nurse")
    assert (nurse.passage_anchor, nurse.passage_heading) == ("p1", "Part 1")  # the lexical arm's passage
    assert nurse.snippet == "… cares for patients in a <mark>hospital</mark> ward …"
    assert (nurse.lexical_score, nurse.dense_score) == (6.0, pytest.approx(0.6))
    welder = next(h for h in result.hits if h.id == "welder")
    assert welder.snippet == "a <mark>hospital</mark> welder"  # dense passage, marked in Python
    assert welder.lexical_score is None
    assert result.total == 4
    assert result.facets == {"country": [FacetCount("DE", 2), FacetCount("AT", 1), FacetCount("IT", 1)]}


def test_hybrid_without_total_or_facets_sends_two_searches(index, server):
    server.msearch_responses = [search_response([hit("cook", 2.0, "Cook")]), search_response([hit("nurse", 0.9, "Nurse")])]
    result = index.search(SearchQuery(text="meals", track_total=False))
    assert len(server.last("POST", "/_msearch").body) == 4
    assert result.total == 2 and {h.id for h in result.hits} == {"cook", "nurse"}


def test_dense_only_collection_uses_words_only_when_vectors_find_nothing(server, encoder):
    server.add_index(OLD)
    index = make_index(server, encoder, fusion=Fusion(method="convex", alpha=1.0))
    server.search_responses = [(200, search_response([hit("welder", 0.95, "Welder")], total=1,
                                                     aggregations={"kind": buckets(occupation=1)}))]
    result = index.search(SearchQuery(text="welder", facets=("kind",)))
    body = server.last("POST", "/_search").body
    assert "knn" in body and "query" not in body and body["aggs"]["kind"]["terms"]["field"] == "keywords.kind"
    assert [h.id for h in result.hits] == ["welder"] and result.hits[0].score == pytest.approx(0.9)
    assert result.facets == {"kind": [FacetCount("occupation", 1)]} and result.total == 1
    searches = len([r for r in server.requests if r.path.endswith("_search")])

    server.search_responses = [
        (200, search_response([])),
        (200, search_response([hit("welder", 3.0, "Welder")], total=1)),
    ]
    result = index.search(SearchQuery(text="zzz welder"))
    bodies = [r.body for r in server.requests if r.path.endswith("_search")][searches:]
    assert "knn" in bodies[0] and "query" in bodies[1] and "knn" not in bodies[1]
    assert [h.id for h in result.hits] == ["welder"] and result.hits[0].lexical_score == 3.0


def test_rrf_fusion_uses_the_rrf_retriever(server, encoder):
    server.add_index(OLD)
    index = make_index(server, encoder, fusion=Fusion(method="rrf", rrf_k=60))
    rrf_hits = [
        {"_index": CONCRETE, "_id": "nurse", "_score": 1 / 61 + 1 / 62, "_source": {"title": "Nurse", "boost": 0, "date": None}},
        {"_index": CONCRETE, "_id": "welder", "_score": 1 / 61, "_source": {"title": "Welder", "boost": 0, "date": None}},
    ]
    server.search_responses = [(200, search_response(rrf_hits, total=2, aggregations={"country": buckets(DE=2)}))]
    server.msearch_responses = [
        search_response([hit("nurse", 5.0, "Nurse", offset=1, highlight=["<mark>hospital</mark> ward"],
                             passage={"anchor": "p1", "heading": "Part 1", "text": "hospital ward", "title": "Nurse"})]),
        search_response([hit("welder", 0.9, "Welder"), hit("nurse", 0.8, "Nurse")]),
    ]
    result = index.search(SearchQuery(text="hospital", facets=("country",), filters={"country": ("DE",)}))
    body = server.last("POST", "/_search").body
    rrf = body["retriever"]["rrf"]
    assert set(body) == {"retriever", "size", "_source", "track_total_hits", "aggs"}
    assert (rrf["rank_constant"], rrf["rank_window_size"], body["size"]) == (60, 100, 100)
    standard, knn = rrf["retrievers"]
    assert set(standard) == {"standard"} and set(knn) == {"knn"}
    assert standard["standard"]["query"]["bool"]["filter"] == [{"terms": {"keywords.country": ["DE"]}}]
    assert "inner_hits" not in standard["standard"]["query"]["bool"]["must"][0]["nested"]
    assert set(knn["knn"]) == {"field", "query_vector", "k", "num_candidates", "filter"}
    assert [(h.id, h.score) for h in result.hits] == [("nurse", pytest.approx(1 / 61 + 1 / 62)), ("welder", pytest.approx(1 / 61))]
    # The page's passages come from both arms restricted to the page's ids.
    page = server.last("POST", "/_msearch").body
    assert page[1]["query"]["bool"]["filter"][-1] == {"ids": {"values": ["nurse", "welder"]}}
    assert page[3]["knn"]["filter"]["bool"]["filter"][-1] == {"ids": {"values": ["nurse", "welder"]}}
    assert result.hits[0].passage_anchor == "p1" and result.hits[0].snippet == "<mark>hospital</mark> ward"
    assert result.total == 2 and result.facets == {"country": [FacetCount("DE", 2)]}


def test_rrf_refused_by_the_licence_is_computed_in_python(server, encoder):
    server.add_index(OLD)
    index = make_index(server, encoder, fusion=Fusion(method="rrf", rrf_k=60))
    refusal = {"error": {"type": "security_exception",
                         "reason": "current license is non-compliant for [Reciprocal Rank Fusion (RRF)]"}, "status": 403}
    server.search_responses = [(403, refusal)]
    server.msearch_responses = [
        search_response([hit("cook", 2.0, "Cook"), hit("nurse", 1.0, "Nurse")]),
        search_response([hit("nurse", 0.9, "Nurse")]),
        search_response([], total=2),
    ]
    result = index.search(SearchQuery(text="meals"))
    assert [h.id for h in result.hits] == ["nurse", "cook"]
    assert result.hits[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert index.server_rrf is False


def test_boost_and_date_order_apply_after_fusion(index, server):
    server.search_responses = [(200, search_response([
        hit("plain", 2.0, "Course", date="1990"),
        hit("documented", 2.0, "Course", boost=1.0, date="2020-05"),
        hit("undated", 2.0, "Course"),
    ]))]
    result = index.search(SearchQuery(text="course", mode="lexical", boost_weight=0.1))
    assert [h.id for h in result.hits][0] == "documented" and result.hits[0].score == pytest.approx(2.1)
    server.search_responses = [(200, search_response([
        hit("old", 3.0, "Course", date="1990"), hit("new", 1.0, "Course", date="2020-05"), hit("undated", 2.0, "Course"),
    ]))]
    result = index.search(SearchQuery(text="course", mode="lexical", sort="date"))
    assert [h.id for h in result.hits] == ["new", "old", "undated"]


def test_browse_sorts_by_title_or_date_with_total_and_facets(index, server):
    response = search_response(
        [{"_index": CONCRETE, "_id": "cook", "_score": None, "_source": {"title": "Cook"}, "sort": ["cook", "cook"]}],
        total=4, aggregations={"country": buckets(DE=2, AT=2, IT=1)},
    )
    server.search_responses = [(200, response)]
    result = index.search(SearchQuery(text="  ", filters={"kind": ("occupation",)}, facets=("country",), k=2, offset=2))
    body = server.last("POST", "/_search").body
    assert body == {
        "query": {"bool": {"filter": [{"terms": {"keywords.kind": ["occupation"]}}]}},
        "from": 2,
        "size": 2,
        "sort": [{"title": {"order": "asc"}}, {"doc_id": {"order": "asc"}}],
        "_source": ["title"],
        "track_total_hits": True,
        "aggs": {"country": {"terms": {"field": "keywords.country", "size": 1000,
                                       "order": [{"_count": "desc"}, {"_key": "asc"}]}}},
    }
    assert [(h.id, h.title, h.snippet) for h in result.hits] == [("cook", "Cook", "")]
    assert result.total == 4
    assert result.facets["country"] == [FacetCount("AT", 2), FacetCount("DE", 2), FacetCount("IT", 1)]
    index.search(SearchQuery(text="", sort="date"))
    body = server.last("POST", "/_search").body
    assert body["query"] == {"match_all": {}}
    assert body["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}


def test_ids_pages_with_search_after(index, server):
    index.upsert([doc(f"d{i}", f"D{i}") for i in range(3)])
    assert index.ids() == {"d0", "d1", "d2"}
    body = server.last("POST", "/_search").body
    assert body == {"query": {"match_all": {}}, "size": 10000, "sort": [{"doc_id": "asc"}], "_source": False,
                    "track_total_hits": False}


def test_highlight_fragments_become_snippets_with_ellipses():
    text = "Before. <b>Hospital</b> ward & more text after."
    assert highlight_fragment("&lt;b&gt;<mark>Hospital</mark>&lt;&#x2F;b&gt; ward &amp; more", text) == (
        "… &lt;b&gt;<mark>Hospital</mark>&lt;&#x2F;b&gt; ward &amp; more …"
    )
    assert highlight_fragment("whole <mark>text</mark>", "whole text") == "whole <mark>text</mark>"


# ---------------------------------------------------------------------- errors and wiring


def test_an_unreachable_server_is_one_error_naming_elasticsearch_url(encoder):
    index = ElasticsearchIndex.from_url("http://user:secret@127.0.0.1:9", name="library", encoder=encoder)
    with pytest.raises(HeadstartError) as caught:
        index.search(SearchQuery(text="welder"))
    message = str(caught.value)
    assert "ELASTICSEARCH_URL" in message and "127.0.0.1:9" in message and "secret" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_server_of_another_major_version_says_which_client_to_install(server, encoder):
    server.info_response = (400, {"error": {"type": "media_type_header_exception",
                                            "reason": "Invalid media-type value on headers [Accept]"}, "status": 400})
    with pytest.raises(HeadstartError, match="client of the server's major version"):
        make_index(server, encoder).count()


def test_a_server_older_than_8_11_is_refused(server, encoder):
    server.version = "8.9.2"
    with pytest.raises(HeadstartError, match="needs 8.11 or newer"):
        make_index(server, encoder).count()


def test_factory_opens_the_elasticsearch_engine_with_the_collection_fusion(settings, encoder):
    from core.search.factory import COLLECTIONS, open_index

    index = open_index(
        settings.with_(search_backend="elasticsearch", elasticsearch_url="http://localhost:9200", elasticsearch_prefix="headstart-"),
        "library",
        encoder,
    )
    assert isinstance(index, ElasticsearchIndex)
    assert (index.alias, index.fusion) == (ALIAS, COLLECTIONS["library"])
    prefixed = open_index(
        settings.with_(search_backend="elasticsearch", elasticsearch_url="http://localhost:9200", elasticsearch_prefix="mrc-tunis-"),
        "library",
        encoder,
    )
    assert prefixed.alias == "mrc-tunis-library"  # HEADSTART_ES_PREFIX: installations can share a cluster
    prefixed.close()
    index.close()
    with pytest.raises(HeadstartError, match="ELASTICSEARCH_URL"):
        open_index(settings.with_(search_backend="elasticsearch", elasticsearch_url=None), "library", encoder)


def test_an_index_of_an_older_layout_asks_for_a_rebuild(server, encoder):
    server.add_index(OLD, docs={"a": {"content_hash": "x"}})
    server.indices[OLD]["mappings"]["_meta"]["headstart"]["mapping_version"] = MAPPING_VERSION - 1
    with pytest.raises(HeadstartError, match="headstart index rebuild"):
        make_index(server, encoder).upsert([doc("a", "A")])


def test_other_refusals_are_one_error_with_the_reason(index, server):
    server.search_responses = [(400, {"error": {"type": "search_phase_execution_exception", "reason": "all shards failed"},
                                      "status": 400})]
    with pytest.raises(HeadstartError, match=r"refused a request \(400 search_phase_execution_exception: all shards failed\)"):
        index.search(SearchQuery(text="nurse", mode="lexical"))
