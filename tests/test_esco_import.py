"""ESCO import and lookup: the fixture set in tests/fixtures/esco, malformed files, the core
taxonomy, and (marked slow) the real ESCO files in ../shared/esco.

The fixtures are written for these tests: made-up concept URIs in ESCO's style, labels
chosen to exercise one parsing rule each (see the comments at each test).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core.errors import ImportFileError
from matching import esco
from matching.esco import (
    EscoBroader,
    EscoCollectionMember,
    EscoConcept,
    EscoConceptText,
    EscoOccupationSkill,
    import_core_taxonomy,
    import_esco,
)
from tests.conftest import FIXTURES, ROOT

ESCO_FIXTURES = FIXTURES / "esco"
OCC = "http://data.europa.eu/esco/occupation/f0000000-0000-4000-8000-00000000000"
SKILL = "http://data.europa.eu/esco/skill/e0000000-0000-4000-8000-00000000000"
WELDER, COOK, NURSE, UNDERWATER_WELDER = (OCC + str(i) for i in range(1, 5))
ARC_WELDING, COLD_DISHES, SPEAK_ESPERANTO, UNLABELLED, ESPERANTO, WRITE_ESPERANTO = (
    SKILL + str(i) for i in range(1, 7)
)
TABLES = (EscoConcept, EscoConceptText, EscoBroader, EscoOccupationSkill, EscoCollectionMember)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every ESCO table, sorted: two equal snapshots mean identical data."""
    out = {}
    with engine.connect() as connection:
        for model in TABLES:
            table = model.__table__
            out[table.name] = sorted(tuple(row) for row in connection.execute(select(table)))
    return out


def row_count(engine, model, *where) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model.__table__).where(*where))


def copy_fixtures(target: Path, *names: str) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in names or [p.name for p in ESCO_FIXTURES.glob("*.csv")]:
        shutil.copy(ESCO_FIXTURES / name, target / name)
    return target


# --------------------------------------------------------------------------- the fixture set


def test_import_reads_every_file_kind(engine):
    report = import_esco(ESCO_FIXTURES, engine=engine)

    assert esco.counts(engine) == {"occupation": 4, "skill": 6, "isco_group": 12, "skill_group": 1}
    assert [f.name for f in report.files] == [
        "ISCOGroups_en.csv",
        "occupations_en.csv",
        "occupations_fr.csv",
        "skillGroups_en.csv",
        "skills_en-us.csv",
        "languageSkillsCollection_en.csv",
        "broaderRelationsOccPillar.csv",
        "broaderRelationsSkillPillar.csv",
        "occupationSkillRelations_en.csv",
    ]
    assert all(f.changed == 0 and f.unchanged == 0 for f in report.files)
    assert report.file("occupations_en.csv").added == 4
    # The skill pillar repeats one pair: 5 records, 4 relations.
    pillar = report.file("broaderRelationsSkillPillar.csv")
    assert (pillar.rows, pillar.added) == (5, 4)
    assert report.changed_by_type["occupation"] == {WELDER, COOK, NURSE, UNDERWATER_WELDER}
    assert UNLABELLED in report.changed_uris


def test_occupation_columns_are_stored(engine):
    import_esco(ESCO_FIXTURES, engine=engine)
    with Session(engine) as session:
        welder = esco.get_concept(session, WELDER)
        nurse = esco.get_concept(session, NURSE)
        assert esco.get_concept(session, OCC + "9") is None
    assert (welder.concept_type, welder.code, welder.status, welder.modified_date) == (
        "occupation",
        "7212",
        "released",
        "2020-01-02T03:04:05Z",
    )
    assert welder.regulated is False
    assert nurse.regulated is True
    assert nurse.regulated_profession_note == "http://data.europa.eu/esco/regulated-professions/regulated"


def test_multiline_alt_labels_are_split_stripped_and_deduplicated(engine):
    # The welder's altLabels field repeats the preferred label with padding, has an empty
    # line, a case variant of another label and a run of spaces inside a label.
    import_esco(ESCO_FIXTURES, engine=engine)
    labels = esco.labels(engine, WELDER, "en")
    assert labels.preferred_label == "bench welder"
    assert labels.alt_labels == ("joining welder", "welding operative", "seam welder")
    assert labels.hidden_labels == ("welda",)
    assert labels.description.splitlines() == [
        "Bench welders join metal parts in a workshop.",
        "They read drawings and check their seams.",
    ]


def test_pipe_separated_alt_labels_from_a_collection(engine):
    # The language-skills collection separates labels with " | " and has an empty one, a
    # case duplicate and extra spaces; the skills file states the same concept without them.
    import_esco(ESCO_FIXTURES, engine=engine)
    labels = esco.labels(engine, SPEAK_ESPERANTO, "en")
    assert labels.preferred_label == "interact verbally in Esperanto"
    assert labels.alt_labels == ("speak Esperanto", "converse in Esperanto", "talk Esperanto")
    assert labels.description == "Hold a conversation in Esperanto."
    # A concept only the collection lists is imported with the collection's attributes.
    with Session(engine) as session:
        written = esco.get_concept(session, WRITE_ESPERANTO)
    assert (written.concept_type, written.skill_type, written.reuse_level) == (
        "skill",
        "skill/competence",
        "transversal",
    )
    assert row_count(engine, EscoCollectionMember, EscoCollectionMember.collection == "languageSkillsCollection") == 3


def test_split_labels_rules():
    assert esco.split_labels("a\r\n b \n\nA\n") == ("a", "b")
    assert esco.split_labels("x | y |  | z |") == ("x", "y", "z")
    # A bar without spaces around it belongs to the label.
    assert esco.split_labels("C|C++ | Go") == ("C|C++", "Go")
    assert esco.split_labels("") == ()


def test_en_us_file_is_stored_as_english(engine):
    report = import_esco(ESCO_FIXTURES, engine=engine)
    assert report.file("skills_en-us.csv").language == "en"
    assert esco.labels(engine, COLD_DISHES, "en").alt_labels == ("plate cold dishes", "assemble cold plates")
    assert esco.labels(engine, COLD_DISHES, "en-US") == esco.labels(engine, COLD_DISHES, "en")
    with engine.connect() as connection:
        languages = set(connection.scalars(select(EscoConceptText.language).distinct()))
    assert languages == {"en", "fr"}


def test_plain_language_file_wins_over_regional_variant(engine, tmp_path):
    directory = copy_fixtures(tmp_path / "esco", "skills_en-us.csv")
    (directory / "skills_en.csv").write_text(
        (ESCO_FIXTURES / "skills_en-us.csv").read_text(encoding="utf-8").replace("prepare cold dishes", "make cold dishes"),
        encoding="utf-8",
    )
    report = import_esco(directory, engine=engine)
    assert [f.name for f in report.files] == ["skills_en.csv"]
    assert any(s.startswith("skills_en-us.csv") for s in report.skipped)
    assert esco.labels(engine, COLD_DISHES, "en").preferred_label == "make cold dishes"


def test_french_file_adds_labels_to_the_same_concepts(engine):
    import_esco(ESCO_FIXTURES, engine=engine)
    assert esco.counts(engine)["occupation"] == 4  # no concept per language
    french = esco.labels(engine, WELDER, "fr")
    assert french.preferred_label == "soudeur d'établi"
    assert french.alt_labels == ("soudeuse d'établi", "soudeur")
    assert esco.labels(engine, NURSE, "fr") is None

    documents = {d.id: d for d in esco.concept_documents(engine, "occupation")}
    welder = documents[WELDER]
    assert welder.title == "bench welder"
    assert welder.language == "en"
    assert welder.keywords["languages"] == ("en", "fr")
    assert documents[NURSE].keywords["languages"] == ("en",)
    anchors = {p.anchor: p for p in welder.passages}
    assert anchors["pref-fr"].text == "soudeur d'établi"
    assert anchors["alt-fr-1"].text == "soudeur"
    assert anchors["hidden-en-0"].text == "welda"
    # Descriptions are embedded by the English model with their title; labels by the
    # multilingual one (bench/README.md says why).
    assert anchors["desc-fr"].vector_model == "primary"
    assert anchors["desc-fr"].vector_text == "soudeur d'établi. " + anchors["desc-fr"].text
    assert anchors["alt-fr-1"].vector_model == "multilingual"
    assert all(p.embed for p in welder.passages if not p.anchor.startswith("desc-"))


def test_languages_filter(engine):
    report = import_esco(ESCO_FIXTURES, engine=engine, languages={"EN-us"})
    assert "occupations_fr.csv" not in [f.name for f in report.files]
    assert any(s.startswith("occupations_fr.csv") for s in report.skipped)
    assert esco.labels(engine, WELDER, "fr") is None
    # Relation files do not depend on language and are always read.
    assert row_count(engine, EscoOccupationSkill) == 4


def test_occupation_skill_relations(engine):
    import_esco(ESCO_FIXTURES, engine=engine)
    assert esco.occupation_skills(engine, WELDER) == {
        "essential": [ARC_WELDING],
        "optional": [SPEAK_ESPERANTO],
    }
    # The cook's pair is listed as optional, then essential: essential wins.
    assert esco.occupation_skills(engine, COOK) == {"essential": [COLD_DISHES], "optional": []}
    with Session(engine) as session:
        relation = session.get(EscoOccupationSkill, (NURSE, ESPERANTO))
    assert (relation.relation_type, relation.skill_type) == ("optional", "knowledge")


def test_broader_chain(engine):
    import_esco(ESCO_FIXTURES, engine=engine)
    chain = esco.broader_chain(engine, UNDERWATER_WELDER)
    assert [c.uri for c in chain] == [
        WELDER,
        "http://data.europa.eu/esco/isco/C7212",
        "http://data.europa.eu/esco/isco/C721",
        "http://data.europa.eu/esco/isco/C72",
        "http://data.europa.eu/esco/isco/C7",
    ]
    assert [c.uri for c in esco.broader_chain(engine, WRITE_ESPERANTO)] == [ESPERANTO, "http://data.europa.eu/esco/skill/S9.9.0"]
    assert esco.broader_chain(engine, "http://data.europa.eu/esco/isco/C7") == []


def test_concept_documents(engine):
    import_esco(ESCO_FIXTURES, engine=engine)
    skills = {d.id: d for d in esco.concept_documents(engine, "skill")}
    # The skill without any label has nothing to be found by, so no document.
    assert set(skills) == {ARC_WELDING, COLD_DISHES, SPEAK_ESPERANTO, ESPERANTO, WRITE_ESPERANTO}
    speak = skills[SPEAK_ESPERANTO]
    assert speak.keywords == {
        "concept_type": ("skill",),
        "languages": ("en",),
        "skill_type": ("skill/competence",),
        "reuse_level": ("transversal",),
        "collections": ("languageSkillsCollection",),
    }
    assert [p.text for p in speak.passages if p.vector_model == "multilingual"] == [
        "interact verbally in Esperanto",
        "speak Esperanto",
        "converse in Esperanto",
        "talk Esperanto",
    ]
    nurse = esco.concept_documents(engine, "occupation", uris=[NURSE, ARC_WELDING])
    assert [d.id for d in nurse] == [NURSE]
    assert nurse[0].keywords["isco_group"] == ("2221",)
    assert nurse[0].keywords["regulated"] == ("yes",)
    with Session(engine) as session:
        assert esco.concept_documents(session, "occupation", uris=[NURSE]) == nurse
    with pytest.raises(ValueError):
        esco.concept_documents(engine, "vacancy")


# --------------------------------------------------------------------------- re-import


def test_reimport_is_idempotent(engine):
    import_esco(ESCO_FIXTURES, engine=engine)
    before = snapshot(engine)
    documents = [d.content_hash() for d in esco.concept_documents(engine, "occupation")]

    again = import_esco(ESCO_FIXTURES, engine=engine)

    assert snapshot(engine) == before
    assert [d.content_hash() for d in esco.concept_documents(engine, "occupation")] == documents
    assert again.added == 0 and again.changed == 0
    assert all(f.unchanged > 0 for f in again.files)
    assert again.file("occupations_en.csv").unchanged == 4
    assert again.file("broaderRelationsSkillPillar.csv").unchanged == 4
    assert again.changed_uris == set()


def test_changed_label_is_reported_as_changed(engine, tmp_path):
    directory = copy_fixtures(tmp_path / "esco")
    import_esco(directory, engine=engine)
    path = directory / "occupations_en.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",line cook,", ",line cook (hot station),"), encoding="utf-8")

    report = import_esco(directory, engine=engine)

    occupations = report.file("occupations_en.csv")
    assert (occupations.added, occupations.changed, occupations.unchanged) == (0, 1, 3)
    assert report.changed_uris == {COOK}
    assert esco.labels(engine, COOK, "en").preferred_label == "line cook (hot station)"


def test_changed_relation_type_is_reported_as_changed(engine, tmp_path):
    directory = copy_fixtures(tmp_path / "esco", "occupationSkillRelations_en.csv")
    import_esco(directory, engine=engine)
    path = directory / "occupationSkillRelations_en.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("000000000003,optional", "000000000003,essential"), encoding="utf-8")
    report = import_esco(directory, engine=engine)
    relations = report.file("occupationSkillRelations_en.csv")
    assert (relations.added, relations.changed, relations.unchanged) == (0, 1, 3)
    assert esco.occupation_skills(engine, NURSE)["essential"] == [ESPERANTO]


def test_progress_is_reported_per_file(engine):
    bars = []

    class Bar:
        def __init__(self, description: str, total: int) -> None:
            self.description, self.total, self.done, self.closed = description, total, 0, False
            bars.append(self)

        def update(self, n: int = 1) -> None:
            self.done += n

        def close(self) -> None:
            self.closed = True

    report = import_esco(ESCO_FIXTURES, engine=engine, progress_factory=Bar)
    assert [b.description for b in bars] == [f.name for f in report.files]
    assert all(b.closed and b.done == b.total for b in bars)
    assert bars[1].total == 4


# --------------------------------------------------------------------------- malformed files

HEADER = "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,description\n"
# One good record over two physical lines (2 and 3), so a bad record starts on line 4.
GOOD = f'Occupation,{WELDER},7212,bench welder,"joining welder\nseam welder",Joins metal.\n'
TAIL = f'Occupation,{NURSE},2221,ward nurse,,"Cares for patients."\n'

MALFORMED_OCCUPATIONS = {
    "too few fields": (HEADER + GOOD + f"Occupation,{COOK},5120,line cook\n", 4, "altLabels", "4 fields where the header names 6"),
    "too many fields": (
        HEADER + GOOD + f"Occupation,{COOK},5120,line cook,grill hand,Cooks.,extra\n",
        4,
        "description",
        "7 fields where the header names 6",
    ),
    "missing header column": (
        "conceptType,conceptUri,iscoGroup,altLabels,description\n" + f"Occupation,{COOK},5120,grill hand,Cooks.\n",
        1,
        "preferredLabel",
        "lacks the required column 'preferredLabel'",
    ),
    "unterminated quote": (
        HEADER + GOOD + f'Occupation,{COOK},5120,line cook,"grill hand\nshort-order cook,Cooks.\n' + f"Occupation,{NURSE},2221,ward nurse,,Cares.\n",
        4,
        "altLabels",
        "never closed",
    ),
    "quote closed early": (
        HEADER + GOOD + f'Occupation,{COOK},5120,line cook,"grill" hand,Cooks.\n' + TAIL,
        4,
        "altLabels",
        "must be doubled",
    ),
    "quote closed on a later line": (
        HEADER + GOOD + f'Occupation,{COOK},5120,line cook,"grill hand,Cooks.\n' + TAIL,
        4,
        "altLabels",
        "closes on line 5",
    ),
    "bad URI": (
        HEADER + GOOD + "Occupation,https://example.org/occupation/cook,5120,line cook,,Cooks.\n",
        4,
        "conceptUri",
        "is not an ESCO concept URI",
    ),
    "empty URI": (HEADER + GOOD + "Occupation,,5120,line cook,,Cooks.\n", 4, "conceptUri", "the concept URI is empty"),
    "duplicate URI": (HEADER + GOOD + f"Occupation,{WELDER},7212,welder,,Welds.\n", 4, "conceptUri", "already appears on line 2"),
    "bad ISCO code": (HEADER + GOOD + f"Occupation,{COOK},51x0,line cook,,Cooks.\n", 4, "iscoGroup", "not an ISCO-08 code"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_OCCUPATIONS))
def test_malformed_occupations_file_imports_nothing(engine, tmp_path, case):
    content, line, column, message = MALFORMED_OCCUPATIONS[case]
    directory = copy_fixtures(tmp_path / "esco", "ISCOGroups_en.csv")
    path = directory / "occupations_en.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ImportFileError) as caught:
        import_esco(directory, engine=engine)

    error = caught.value
    assert (error.path, error.line, error.column) == (str(path), line, column)
    assert str(error).startswith(f"{path}, line {line}, column {column}: ")
    assert message in str(error)
    # The file before it in the run (ISCO groups) stays; nothing of the bad file is written.
    assert esco.counts(engine) == {"occupation": 0, "skill": 0, "isco_group": 12, "skill_group": 0}
    assert row_count(engine, EscoConceptText, EscoConceptText.source == "occupations") == 0


def test_non_utf8_bytes_name_offset_line_and_column(engine, tmp_path):
    directory = copy_fixtures(tmp_path / "esco", "ISCOGroups_en.csv", "occupations_en.csv")
    path = directory / "skills_en.csv"
    head = (
        "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\n"
        f'KnowledgeSkillCompetence,{COLD_DISHES},skill/competence,sector-specific,prepare cold dishes,"plate cold dishes\n'
        'assemble cold plates",Cold food.\n'
    ).encode("utf-8")
    bad = f"KnowledgeSkillCompetence,{ARC_WELDING},skill/competence,sector-specific,soudage \xe0 l'arc,,Welding.\n".encode("latin-1")
    path.write_bytes(head + bad)
    offset = len(head) + bad.index(b"\xe0")

    with pytest.raises(ImportFileError) as caught:
        import_esco(directory, engine=engine)

    error = caught.value
    assert (error.path, error.line, error.column) == (str(path), 4, "preferredLabel")
    assert f"byte 0xe0 at byte offset {offset}" in str(error)
    assert str(error).startswith(f"{path}, line 4, column preferredLabel: not UTF-8")
    counts = esco.counts(engine)
    assert (counts["isco_group"], counts["occupation"], counts["skill"]) == (12, 4, 0)


def test_unknown_relation_type(engine, tmp_path):
    directory = copy_fixtures(tmp_path / "esco", "occupations_en.csv")
    path = directory / "occupationSkillRelations.csv"
    path.write_text(
        "occupationUri,relationType,skillType,skillUri\n"
        f"{WELDER},essential,skill/competence,{ARC_WELDING}\n"
        f"{COOK},mandatory,skill/competence,{COLD_DISHES}\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as caught:
        import_esco(directory, engine=engine)
    assert (caught.value.line, caught.value.column) == (3, "relationType")
    assert "unknown relation type 'mandatory'" in str(caught.value)
    assert row_count(engine, EscoOccupationSkill) == 0
    assert esco.counts(engine)["occupation"] == 4


def test_bad_broader_uri(engine, tmp_path):
    directory = copy_fixtures(tmp_path / "esco", "broaderRelationsOccPillar.csv")
    path = directory / "broaderRelationsSkillPillar.csv"
    path.write_text(f"conceptType,conceptUri,broaderType,broaderUri\nKnowledgeSkillCompetence,{ARC_WELDING},SkillGroup,S9.9.0\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_esco(directory, engine=engine)
    assert (caught.value.path, caught.value.line, caught.value.column) == (str(path), 2, "broaderUri")
    assert row_count(engine, EscoBroader) == 13


def test_directory_without_esco_files(engine, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(ImportFileError) as caught:
        import_esco(tmp_path, engine=engine)
    assert caught.value.path == str(tmp_path)
    assert "no ESCO files found" in str(caught.value)
    assert "occupations_<lang>.csv" in str(caught.value)
    with pytest.raises(ImportFileError, match="not a directory"):
        import_esco(tmp_path / "missing", engine=engine)


def test_empty_file(engine, tmp_path):
    (tmp_path / "occupations_en.csv").write_text("")
    with pytest.raises(ImportFileError, match="line 1: the file is empty"):
        import_esco(tmp_path, engine=engine)


# --------------------------------------------------------------------------- core taxonomy

CORE = ROOT / "seeds" / "esco_core.jsonl"


def test_core_taxonomy_import(engine):
    report = import_core_taxonomy(CORE, engine=engine)
    counts = esco.counts(engine)
    assert 40 <= counts["occupation"] <= 50
    assert 75 <= counts["skill"] <= 90
    assert counts["isco_group"] > 0
    assert report.files[0].added == sum(counts.values())
    assert len(report.changed_uris) == sum(counts.values())

    again = import_core_taxonomy(CORE, engine=engine)
    assert (again.added, again.changed, again.changed_uris) == (0, 0, set())

    occupations = esco.concept_documents(engine, "occupation")
    titles = {d.title for d in occupations}
    assert {"welder", "cook", "nurse assistant", "software developer"} <= titles
    welder = next(d for d in occupations if d.title == "welder")
    # No broader relations in the core file: the chain climbs by ISCO code.
    assert [c.code for c in esco.broader_chain(engine, welder.id)] == ["7212", "721", "72", "7"]
    languages = {d.title for d in esco.concept_documents(engine, "skill") if d.keywords.get("skill_type") == ("knowledge",)}
    assert {"English", "German"} <= languages


def test_core_taxonomy_then_full_import_enriches_the_same_concepts(engine, tmp_path):
    uri = WELDER
    core = tmp_path / "core.jsonl"
    core.write_text(
        '{"uri": "%s", "concept_type": "occupation", "preferred_label": "bench welder", '
        '"alt_labels": ["metal joiner"], "code": "7212"}\n' % uri,
        encoding="utf-8",
    )
    import_core_taxonomy(core, engine=engine)
    report = import_esco(ESCO_FIXTURES, engine=engine)
    assert report.file("occupations_en.csv").added == 4
    with Session(engine) as session:
        welder = esco.get_concept(session, uri)
    assert welder.status == "released"
    assert "metal joiner" in esco.labels(engine, uri).alt_labels
    # Re-importing the core file after ESCO does not take ESCO's details away.
    assert import_core_taxonomy(core, engine=engine).changed == 0
    with Session(engine) as session:
        assert esco.get_concept(session, uri).status == "released"


@pytest.mark.parametrize(
    "line, column, message",
    [
        ('{"uri": "urn:x", "concept_type": "skill", "preferred_label": "x"}', "uri", "not an ESCO URI"),
        ('{"uri": "%s", "concept_type": "job", "preferred_label": "x"}' % WELDER, "concept_type", "concept_type must be"),
        ('{"uri": "%s", "concept_type": "skill", "preferred_label": ""}' % WELDER, "preferred_label", "non-empty"),
        ('{"uri": "%s", "concept_type": "skill", "preferred_label": "x", "colour": 1}' % WELDER, "colour", "unknown field"),
        ('{"uri": "%s", "concept_type": "occupation", "preferred_label": "x", "code": 7212}' % WELDER, "code", "ISCO-08"),
        ('{"uri": "%s", "concept_type": "skill", "preferred_label": "x", "alt_labels": "y"}' % WELDER, "alt_labels", "list"),
        ("[1, 2]", None, "one JSON object"),
        ("{not json", None, "not valid JSON"),
    ],
)
def test_core_taxonomy_errors(engine, tmp_path, line, column, message):
    path = tmp_path / "core.jsonl"
    good = '{"uri": "%s", "concept_type": "skill", "preferred_label": "ok"}' % ARC_WELDING
    path.write_text(good + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_core_taxonomy(path, engine=engine)
    assert (caught.value.line, caught.value.column) == (3, column)
    assert message in str(caught.value)
    assert sum(esco.counts(engine).values()) == 0


# --------------------------------------------------------------------------- the real ESCO set


@pytest.mark.slow
def test_full_esco_import(engine, shared_esco_dir):
    started = time.perf_counter()
    report = import_esco(shared_esco_dir, engine=engine)
    first = time.perf_counter() - started

    assert esco.counts(engine) == {"occupation": 2942, "skill": 13485, "isco_group": 619, "skill_group": 673}
    assert row_count(engine, EscoConcept, EscoConcept.regulated.is_(True)) == 15
    assert row_count(engine, EscoBroader) > 10_000
    assert row_count(engine, EscoCollectionMember) == 345 + 107
    occupations = esco.concept_documents(engine, "occupation")
    assert len(occupations) == 2942
    assert esco.broader_chain(engine, occupations[0].id)[-1].concept_type == "isco_group"

    started = time.perf_counter()
    again = import_esco(shared_esco_dir, engine=engine)
    second = time.perf_counter() - started
    assert (again.added, again.changed, again.changed_uris) == (0, 0, set())
    print(f"full ESCO import: {first:.2f} s, re-import: {second:.2f} s")
