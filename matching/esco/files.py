"""Recognising ESCO files by name: kind, label language and text source.

ESCO publishes its occupations, skills, ISCO groups and skill groups as one CSV file per
kind and label language (occupations_en.csv, skills_fr.csv ...) plus language-independent
relation files (broaderRelations*.csv, occupationSkillRelations*.csv).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

_LANG = r"(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)"


@dataclass(frozen=True)
class _FileSpec:
    kind: str
    pattern: re.Pattern[str]
    order: int


_SPECS = (
    _FileSpec("isco_groups", re.compile(rf"ISCOGroups_{_LANG}\.csv"), 0),
    _FileSpec("occupations", re.compile(rf"occupations_{_LANG}\.csv"), 1),
    _FileSpec("skill_groups", re.compile(rf"skillGroups_{_LANG}\.csv"), 2),
    _FileSpec("skills", re.compile(rf"skills_{_LANG}\.csv"), 3),
    _FileSpec("collection", re.compile(rf"(?P<name>[A-Za-z]+Collection)_{_LANG}\.csv"), 4),
    _FileSpec("broader", re.compile(r"broaderRelations(?:Occ|Skill)Pillar(?:_[A-Za-z-]+)?\.csv"), 5),
    _FileSpec("occupation_skills", re.compile(r"occupationSkillRelations[A-Za-z0-9_-]*\.csv"), 6),
)
EXPECTED_FILES = (
    "occupations_<lang>.csv, skills_<lang>.csv, ISCOGroups_<lang>.csv, skillGroups_<lang>.csv, "
    "<name>Collection_<lang>.csv, broaderRelationsOccPillar.csv, broaderRelationsSkillPillar.csv, "
    "occupationSkillRelations.csv"
)
# Concept file kind -> the concept type its rows state (also the text source of those rows).
_KIND_TYPES = {
    "occupations": "occupation",
    "skills": "skill",
    "isco_groups": "isco_group",
    "skill_groups": "skill_group",
}


@dataclass(frozen=True)
class EscoFile:
    """A recognised ESCO file: its kind, label language and text source."""

    path: Path
    kind: str
    language: str | None
    raw_language: str | None
    source: str
    order: int

    def sort_key(self) -> tuple:
        return (self.order, self.language != "en", self.language or "", self.source, self.path.name)


def normalize_language(code: str) -> str:
    """ESCO's file language to the label language we store: "en-us" -> "en", "PT" -> "pt"."""
    return code.strip().lower().split("-")[0]


def _recognise(path: Path) -> EscoFile | None:
    for spec in _SPECS:
        match = spec.pattern.fullmatch(path.name)
        if not match:
            continue
        groups = match.groupdict()
        raw = groups.get("lang")
        source = groups.get("name") or spec.kind
        language = normalize_language(raw) if raw else None
        return EscoFile(path, spec.kind, language, raw, source, spec.order)
    return None


def find_esco_files(
    directory: Path, languages: set[str] | None = None
) -> tuple[list[EscoFile], list[str]]:
    """The ESCO files in `directory` in import order, and why others were skipped.

    When a directory holds both skills_en.csv and skills_en-us.csv they would write the
    same rows (both are language "en"); the file whose name states the plain language wins.
    """
    found: dict[tuple[str, str, str | None], list[EscoFile]] = defaultdict(list)
    skipped: list[str] = []
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        esco_file = _recognise(path)
        if esco_file is None:
            if path.suffix.lower() == ".csv":
                skipped.append(f"{path.name}: not a file kind this importer reads")
            continue
        if languages is not None and esco_file.language is not None and esco_file.language not in languages:
            skipped.append(f"{path.name}: language {esco_file.language} not requested")
            continue
        key = (esco_file.kind, esco_file.source, esco_file.language)
        if esco_file.language is None:
            key = (esco_file.kind, esco_file.source, path.name)
        found[key].append(esco_file)
    chosen: list[EscoFile] = []
    for candidates in found.values():
        candidates.sort(key=lambda f: (f.raw_language != f.language, f.path.name))
        chosen.append(candidates[0])
        skipped += [f"{c.path.name}: {candidates[0].path.name} has the same language" for c in candidates[1:]]
    return sorted(chosen, key=EscoFile.sort_key), skipped
