"""The `headstart` command line, through the click runner, on the core taxonomy."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def seeded(run_cli):
    result = run_cli("seed")
    assert result.exit_code == 0, result.output
    assert "core taxonomy" in result.output
    return run_cli


def test_init_creates_the_data_directory(run_cli, settings):
    result = run_cli("init")
    assert result.exit_code == 0
    assert (settings.data_dir / "secret_key").exists()


def test_suggest_prints_json(seeded):
    result = seeded("occupations", "suggest", "welder", "--top", "3", "--json")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["suggestions"][0]["label"] == "welder"
    assert len(body["suggestions"]) == 3


def test_suggest_prints_a_table_for_people(seeded):
    result = seeded("skills", "suggest", "French")
    assert result.exit_code == 0
    assert "1." in result.stdout and "http://data.europa.eu/esco/skill/" in result.stdout


def test_batch_suggest_prints_one_line_per_query_and_flags_bad_lines(seeded, tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"q": "welder", "top": 2}\n"nurse"\nnot json\n{"q": ""}\n', encoding="utf-8")
    result = seeded("occupations", "suggest", "--input", str(queries), "--json")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 3, 4]
    assert len(lines[0]["suggestions"]) == 2
    assert lines[1]["suggestions"]
    assert "not valid JSON" in lines[2]["error"]
    assert "Type a job title" in lines[3]["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("occupations", "suggest", ""), "Type a job title"),
        (("occupations", "suggest", "x" * 10_000_000), "at most 500"),
        (("occupations", "suggest", "nurse", "--lang", "zz"), "Unknown language code"),
        (("occupations", "suggest", "nurse", "--top", "0"), "top must be"),
        (("esco", "import", "/no/such/dir"), "/no/such/dir"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(seeded, args, message):
    result = seeded(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_setting_is_reported_not_raised(run_cli):
    result = run_cli("init", env={"HEADSTART_SEARCH": "solr"})
    assert result.exit_code == 2
    assert "HEADSTART_SEARCH" in result.stderr


def test_index_rebuild_restores_search_from_the_database(seeded, settings):
    import shutil

    shutil.rmtree(settings.search_dir)
    result = seeded("index", "rebuild")
    assert result.exit_code == 0, result.output
    assert "occupations:" in result.stdout
    body = json.loads(seeded("occupations", "suggest", "welder", "--json").stdout)
    assert body["suggestions"][0]["label"] == "welder"


def test_esco_status_counts_concepts(seeded):
    result = seeded("esco", "status")
    assert result.exit_code == 0
    assert "occupation:" in result.stdout


def test_index_rebuild_swaps_in_a_new_index_where_the_engine_can(run_cli, monkeypatch):
    """An engine with `rebuild` (Elasticsearch) gets every document in one call, so it can
    build a new index and swap it in; it is never cleared while it serves searches."""
    from core.search import factory

    real_open = factory.open_index
    calls: dict[str, int] = {}

    class SwappingIndex:
        def __init__(self, inner) -> None:
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def clear(self) -> None:
            raise AssertionError("a swapping index must not be cleared during a rebuild")

        def rebuild(self, documents, *, progress=None) -> int:
            self.inner.clear()
            calls[self.inner.name] = len(documents)
            return self.inner.upsert(list(documents), progress=progress)

    monkeypatch.setattr(factory, "open_index", lambda settings, name, encoder: SwappingIndex(real_open(settings, name, encoder)))
    assert run_cli("seed").exit_code == 0
    result = run_cli("index", "rebuild")
    assert result.exit_code == 0, result.output
    assert calls["library"] > 40 and calls["occupations"] > 10
    search = run_cli("kb", "search", "pre-departure orientation", "--json")
    assert search.exit_code == 0 and '"hits"' in search.output
