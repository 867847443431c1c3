"""The library service: import, re-import, edits, search with facets, translations, API, CLI."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from kb import service
from core.errors import BadRequest, HeadstartError, NotFound
from kb.library_query import parse_search_request
from tests.conftest import LIBRARY_SEEDS
from tests.test_library_records import PRACTICE

# Every test here that touches the database or an index runs on each available search
# engine (Elasticsearch when ELASTICSEARCH_URL is set; see pytest_generate_tests in conftest).
RUN_ON_EVERY_ENGINE = True


def search(runtime, text="", **params):
    filters = params.pop("filters", {})
    return service.search_library(runtime, parse_search_request(text=text, filters=filters, **params))


def copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "library"
    shutil.copytree(LIBRARY_SEEDS, target)
    return target


def test_import_then_reimport_changes_nothing_and_encodes_nothing(runtime):
    first = service.import_library(runtime, LIBRARY_SEEDS)
    assert first.ok and first.created >= 60 and first.indexed >= 45
    encoded = runtime.encoder.texts_encoded
    again = service.import_library(runtime, LIBRARY_SEEDS)
    assert (again.created, again.updated, again.unchanged, again.indexed) == (0, 0, first.created, 0)
    assert runtime.encoder.texts_encoded == encoded


def test_reimport_updates_in_place_by_id(runtime, tmp_path):
    library = copy_seeds(tmp_path)
    service.import_library(runtime, library)
    before = service.get_entry(runtime, "ph-pdos")
    path = library / "practices" / "ph-pdos.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Renamed - ", 1), encoding="utf-8")
    report = service.import_library(runtime, library)
    assert (report.created, report.updated) == (0, 1)
    after = service.get_entry(runtime, "ph-pdos")
    assert after.record.title.startswith("Renamed - ") and after.revision == before.revision + 1
    assert search(runtime, "Renamed").hits[0].entry.record.id == "ph-pdos"


def test_a_bad_file_is_skipped_whole_and_the_rest_imported(runtime, tmp_path):
    library = copy_seeds(tmp_path)
    (library / "practices" / "zz-bad.md").write_text(PRACTICE.replace("[SA, AE]", "[SA, QQ]"), encoding="utf-8")
    (library / "practices" / "zz-orphan.fr.md").write_text(
        PRACTICE.replace("id: xx-test-practice", "id: zz-orphan-fr\ntranslation_of: no-such-record").replace("language: en", "language: fr"),
        encoding="utf-8",
    )
    report = service.import_library(runtime, library)
    assert len(report.failed) == 2
    assert any("zz-bad.md, line 9: destination_countries: unknown country code 'QQ'" in m for m in report.failed)
    assert any("zz-orphan.fr.md" in m and "'no-such-record', which is not in the library" in m for m in report.failed)
    ids = {r.id for r in service.list_records(runtime)}
    assert "xx-test-practice" not in ids and "zz-orphan-fr" not in ids and "ph-pdos" in ids


def test_near_duplicates_are_flagged_on_import(runtime, tmp_path):
    service.import_library(runtime, LIBRARY_SEEDS)
    copy = (LIBRARY_SEEDS / "practices" / "us-co.md").read_text(encoding="utf-8").replace("id: us-co", "id: us-co-again", 1)
    (tmp_path / "again.md").write_text(copy, encoding="utf-8")
    report = service.import_library(runtime, tmp_path / "again.md")
    assert [(p.id, p.other_id) for p in report.duplicates] == [("us-co-again", "us-co")]
    assert service.get_entry(runtime, "us-co-again").possible_duplicates == ("us-co",)


def test_edits_based_on_an_old_revision_are_refused(library_runtime):
    entry = service.get_entry(library_runtime, "np-sami")
    edited = replace(entry.record, summary="A shorter summary.")
    saved = service.save_record(library_runtime, edited, expected_revision=entry.revision)
    assert saved.record.summary == "A shorter summary." and saved.revision == entry.revision + 1
    with pytest.raises(HeadstartError, match="changed by someone else"):
        service.save_record(library_runtime, replace(entry.record, title="Stale edit"), expected_revision=entry.revision)
    assert service.get_entry(library_runtime, "np-sami").record.title == entry.record.title


def test_deleting_an_original_removes_its_translations_from_database_and_index(library_runtime):
    assert search(library_runtime, "PDOS").hits[0].entry.record.group_id == "ph-pdos"
    service.delete_record(library_runtime, "ph-pdos")
    with pytest.raises(NotFound):
        service.get_entry(library_runtime, "ph-pdos-fr")
    assert all(hit.entry.record.group_id != "ph-pdos" for hit in search(library_runtime, "PDOS").hits)


def test_filters_and_facets_count_each_record_once(library_runtime):
    everything = search(library_runtime, "", filters={"kind": ["practice", "handbook"]}, per_page=100)
    kinds = {f.value: f.count for f in everything.facets["kind"]}
    assert kinds["practice"] >= 30 and kinds["handbook"] >= 14
    assert everything.total == kinds["practice"] + kinds["handbook"]
    languages = {f.value: f.count for f in everything.facets["language"]}
    assert languages["en"] == everything.total and languages["fr"] >= 10
    philippines = search(library_runtime, "orientation", filters={"country": ["ph"], "kind": ["practice"]})
    assert philippines.hits and all("PH" in (h.entry.record.implementing_countries + h.entry.record.origin_countries) for h in philippines.hits)
    assert philippines.request.filters["country"] == ("PH",)
    strong = search(library_runtime, "", filters={"quality": ["strong"]}, per_page=100)
    assert strong.hits and all(h.entry.quality.level == "strong" for h in strong.hits)


def test_pages_do_not_overlap_and_cover_the_results(library_runtime):
    first = search(library_runtime, "migrant workers", per_page=5)
    second = search(library_runtime, "migrant workers", per_page=5, page=2)
    ids_first = [h.entry.record.group_id for h in first.hits]
    ids_second = [h.entry.record.group_id for h in second.hits]
    assert len(ids_first) == 5 and len(ids_second) == 5 and not set(ids_first) & set(ids_second)
    beyond = search(library_runtime, "migrant workers", per_page=100, page=5)
    assert beyond.hits == [] and beyond.total == first.total


def test_sorting_by_date_puts_the_newest_practice_first(library_runtime):
    page = search(library_runtime, "orientation", sort="date", filters={"kind": ["practice"]}, per_page=20)
    dates = [h.entry.record.period.start or "" for h in page.hits]
    assert dates == sorted(dates, reverse=True) and dates[0]


def test_snippets_mark_query_words_and_escape_html(library_runtime):
    page = search(library_runtime, "remittances", mode="lexical")
    assert page.hits and all("<mark>" in h.snippet.lower() for h in page.hits[:3])
    assert all("<script" not in h.snippet for h in page.hits)


def test_hits_point_to_the_section_that_matched(library_runtime):
    page = search(library_runtime, "terms of reference", mode="lexical")
    top = page.hits[0]
    assert top.entry.record.id == "hb-2-1-institutional-setup"
    assert top.anchor in {s.key for s in top.entry.record.sections} | {"summary"}


def test_a_french_query_finds_the_french_version_and_the_reader_language_wins(library_runtime):
    french = search(library_runtime, "séminaire d'orientation avant le départ philippins", mode="lexical")
    top = french.hits[0]
    assert top.entry.record.id == "ph-pdos-fr" and top.snippet_language == "fr"
    assert ("en", "ph-pdos") in top.entry.versions
    in_english = search(library_runtime, "séminaire d'orientation avant le départ philippins", mode="lexical", reader_language="en")
    assert in_english.hits[0].entry.record.id == "ph-pdos"


def test_related_practices_start_with_the_links_of_a_handbook_section(library_runtime):
    section = service.get_entry(library_runtime, "hb-2-1-institutional-setup").record
    related = service.related_records(library_runtime, "hb-2-1-institutional-setup", k=5)
    linked = list(section.related_practices)
    assert [e.record.id for e in related[: len(linked)]] == linked[:5]
    assert all(e.record.kind == "practice" for e in related)
    assert "ph-pdos" not in [e.record.id for e in service.related_records(library_runtime, "ph-pdos")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"filters": {"measure_type": ["cooking"]}}, "measure_type"),
        ({"filters": {"country": ["Philippines"]}}, "country"),
        ({"filters": {"colour": ["red"]}}, "colour"),
        ({"page": "100000"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"sort": "popularity"}, "sort"),
        ({"text": "x" * 1_001}, "q"),
        ({"reader_language": "klingon"}, "lang"),
        ({"text": "   "}, "q"),
    ],
)
def test_bad_requests_name_the_parameter(params, field):
    params = {"text": "orientation", **params}
    with pytest.raises(BadRequest) as caught:
        parse_search_request(**params)
    assert caught.value.field == field


@pytest.fixture
def library_client(library_runtime):
    from webapp.app import create_app

    app = create_app(runtime=library_runtime)
    app.config.update(TESTING=True)
    return app.test_client()


def test_search_api_returns_hits_facets_and_pages(library_client):
    response = library_client.get("/api/v1/kb/search?q=orientation+for+refugees&kind=practice&per_page=3")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] >= 3 and body["pages"] >= 1 and len(body["hits"]) == 3
    hit = body["hits"][0]
    assert {"id", "title", "kind", "passage", "snippet", "quality", "versions"} <= hit.keys()
    assert {"value": "practice", "count": body["total"], "label": "Good practice"} in body["facets"]["kind"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/kb/search?q=x&target_group=astronauts",
        "/api/v1/kb/search?q=x&page=99999",
        "/api/v1/kb/search?q=x&flavour=1",
        "/api/v1/kb/search?q=",
        "/api/v1/kb/search?q=" + "x" * 5000,
    ],
)
def test_search_api_rejects_bad_parameters_with_json(library_client, url):
    response = library_client.get(url)
    assert response.status_code == 400
    assert "error" in response.get_json() and "Traceback" not in response.get_data(as_text=True)


def test_document_api_and_related(library_client):
    body = library_client.get("/api/v1/kb/documents/kr-eps?lang=fr").get_json()
    assert body["id"] == "kr-eps-fr" and body["language"] == "fr" and body["quality"]["level"]
    assert library_client.get("/api/v1/kb/documents/nope").status_code == 404
    related = library_client.get("/api/v1/kb/documents/kr-eps/related").get_json()["related"]
    assert related and all(item["kind"] == "practice" and item["group_id"] != "kr-eps" for item in related)


def test_cli_import_reports_a_bad_file_and_exits_2(run_cli, tmp_path):
    (tmp_path / "bad.md").write_text(PRACTICE.replace("evaluation_type: external", "evaluation_type: glowing"), encoding="utf-8")
    result = run_cli("kb", "import", str(tmp_path))
    assert result.exit_code == 2
    assert "bad.md, line 17: evaluation_type: unknown term 'glowing'" in result.output
    assert "Traceback" not in result.output


def test_cli_export_then_import_round_trips(run_cli, tmp_path):
    assert run_cli("kb", "import", str(LIBRARY_SEEDS / "practices")).exit_code == 0
    assert run_cli("kb", "export", str(tmp_path / "out"), "--format", "jsonl").exit_code == 0
    lines = (tmp_path / "out" / "library.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 40 and json.loads(lines[0])["sources"]
    result = run_cli("kb", "import", str(tmp_path / "out"))
    assert result.exit_code == 0 and "0 records added, 0 updated" in result.output
    searched = run_cli("kb", "search", "seasonal workers Pacific", "--json")
    assert json.loads(searched.output)["hits"]
