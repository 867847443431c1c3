"""Library records: the file formats, validation with located errors, quality, duplicates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.errors import ImportFileError
from practices.duplicates import find_near_duplicates
from practices.files import read_library_file, write_library
from practices.markdown_format import parse_markdown_record, render_markdown_record
from practices.quality import quality_profile
from tests.conftest import LIBRARY_SEEDS

PRACTICE = """---
id: xx-test-practice
kind: practice
language: en
title: Orientation classes for workers bound for the Gulf
summary: Two-day classes on contracts, rights and remittances for first-time workers.
implementing_countries: [PH]
origin_countries: [PH]
destination_countries: [SA, AE]
organisations: [A ministry]
period: {start: "2010", end: null, regular_service: true}
target_groups: [labour_migrants, domestic_workers]
measure_types: [information_orientation]
measure_subtypes: [pre_departure_orientation]
delivery_modes: [in_person]
languages: [en, tl]
evaluation_type: external
tags: [Gulf]
sources: [https://example.org/programme]
---

## Why it exists {#challenge}

Workers left without knowing their contracts.

## How it works {#activities}

Counsellors teach two days of classes.

## Results {#results-quantitative}

Many workers attended.

## Evaluation {#evaluation}

An external review looked at complaints.

## Transferring it {#transferability}

A legal mandate makes attendance compulsory.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_record_reads_front_matter_and_keyed_sections():
    record = parse_markdown_record(PRACTICE)
    assert record.id == "xx-test-practice"
    assert record.destination_countries == ("SA", "AE")
    assert record.period.regular_service is True
    assert [s.key for s in record.sections] == [
        "challenge", "activities", "results-quantitative", "evaluation", "transferability",
    ]  # fmt: skip
    assert record.sections[0].heading == "Why it exists"


def test_markdown_round_trip_keeps_every_field():
    record = parse_markdown_record(PRACTICE)
    assert parse_markdown_record(render_markdown_record(record)) == record


def test_norwegian_is_a_language_not_false():
    record = parse_markdown_record(PRACTICE.replace("languages: [en, tl]", "languages: [no, en]"))
    assert record.languages == ("no", "en")


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        (("destination_countries: [SA, AE]", "destination_countries: [SA, QQ]"), 9, "destination_countries", "unknown country code 'QQ'"),
        (("target_groups: [labour_migrants, domestic_workers]", "target_groups: [labour_migrants, sailors]"), 12, "target_groups", "unknown target group 'sailors'"),
        (("title: Orientation classes for workers bound for the Gulf\n", ""), 2, "title", "is missing"),
        (('period: {start: "2010", end: null, regular_service: true}', 'period: {start: "2010-13", end: null}'), 11, "period.start", "not a real date"),
        (('period: {start: "2010", end: null, regular_service: true}', 'period: {start: "May 2010"}'), 11, "period.start", "is not a date"),
        (("## Transferring it {#transferability}", "## Transferring it {#transfer}"), 38, "transfer", "unknown section"),
    ],
)
def test_an_error_names_the_file_line_and_field(tmp_path, change, line, field, words):
    path = write(tmp_path, "bad.md", PRACTICE.replace(*change))
    with pytest.raises(ImportFileError) as caught:
        read_library_file(path)
    message = caught.value.message
    assert message.startswith(f"{path}")
    if field != "title":
        assert f"line {line}" in message
    assert field in message and words in message


def test_yaml_syntax_errors_are_located(tmp_path):
    path = write(tmp_path, "broken.md", PRACTICE.replace("tags: [Gulf]", "tags: [Gulf"))
    with pytest.raises(ImportFileError, match=r"broken.md, line \d+: the front matter is not valid YAML"):
        read_library_file(path)


def test_csv_errors_name_line_and_column(tmp_path):
    record = parse_markdown_record(PRACTICE)
    (written,) = write_library([record], tmp_path / "out", format="csv")
    text = written.read_text(encoding="utf-8")
    bad = write(tmp_path, "bad.csv", text + text.splitlines()[1].replace("xx-test-practice", "xx-second").replace("SA; AE", "SA; ZZ") + "\n")
    with pytest.raises(ImportFileError, match=r"bad.csv, line 3: destination_countries: unknown country code 'ZZ'"):
        read_library_file(bad)


@pytest.mark.parametrize("format", ["markdown", "csv", "jsonl"])
def test_every_seed_record_survives_export_and_import(tmp_path, format):
    records = [r for p in sorted(LIBRARY_SEEDS.rglob("*.md")) if p.name != "README.md" for r in read_library_file(p).records]
    written = write_library(records, tmp_path / format, format=format)
    again = [r for path in written for r in read_library_file(path).records]
    if format == "csv":  # a practice's CSV columns are its section keys: standard headings and order
        records = [_standard_headings(r) for r in records]
    assert sorted(again, key=lambda r: r.id) == sorted(records, key=lambda r: r.id)


def _standard_headings(record):
    from dataclasses import replace

    from practices.schema import Section
    from practices.vocabulary import PRACTICE_SECTIONS, SECTION_HEADINGS

    if record.kind != "practice":
        return record
    headings = SECTION_HEADINGS.get(record.language, PRACTICE_SECTIONS)
    order = list(PRACTICE_SECTIONS)
    sections = sorted(record.sections, key=lambda s: order.index(s.key))
    return replace(record, sections=tuple(Section(s.key, headings.get(s.key, PRACTICE_SECTIONS[s.key]), s.text) for s in sections))


def test_quality_profile_lists_what_is_missing():
    record = parse_markdown_record(PRACTICE)
    profile = quality_profile(record, today=date(2026, 1, 1))
    assert profile is not None
    assert set(profile.met) == {
        "clear_context", "clear_activities", "running_one_year", "evaluated", "results_stated", "transferable", "sustained",
    }  # fmt: skip
    assert profile.level == "strong"
    sparse = parse_markdown_record(
        PRACTICE.replace('period: {start: "2010", end: null, regular_service: true}', 'period: {start: "2025-10"}')
        .replace("evaluation_type: external", "evaluation_type: unknown")
    )
    sparse_profile = quality_profile(sparse, today=date(2026, 1, 1))
    assert "running_one_year" not in sparse_profile.met and "evaluated" not in sparse_profile.met
    assert "a year of operation (it ran less than a year)" in sparse_profile.missing
    assert sparse_profile.score < profile.score


def test_near_duplicates_are_found_but_translations_are_not():
    original = parse_markdown_record(PRACTICE)
    copy = parse_markdown_record(PRACTICE.replace("xx-test-practice", "yy-copy").replace("Two-day", "Three-day"))
    unrelated = next(read_library_file(p).records[0] for p in sorted((LIBRARY_SEEDS / "practices").glob("us-co.md")))
    pairs = find_near_duplicates([copy], [original, unrelated])
    assert [(p.id, p.other_id) for p in pairs] == [("yy-copy", "xx-test-practice")]
    assert pairs[0].similarity > 0.8
    translation = parse_markdown_record(
        PRACTICE.replace("id: xx-test-practice", "id: xx-test-practice-fr\ntranslation_of: xx-test-practice")
        .replace("language: en", "language: fr")
    )
    assert find_near_duplicates([translation], [original]) == []


def test_seed_library_meets_the_content_brief():
    records = [r for p in sorted(LIBRARY_SEEDS.rglob("*.md")) if p.name != "README.md" for r in read_library_file(p).records]
    practices = [r for r in records if r.kind == "practice" and not r.translation_of]
    translated = {r.translation_of for r in records if r.translation_of and r.language in ("fr", "ar")}
    assert len(practices) >= 30
    assert len(translated & {p.id for p in practices}) * 3 >= len(practices)
    assert all(r.sources for r in records)
    from practices.vocabulary import HANDBOOK_TOPICS

    covered = {topic for r in records if r.kind == "handbook" for topic in r.topics}
    assert covered == set(HANDBOOK_TOPICS.labels)
