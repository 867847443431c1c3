"""ESCO storage: the SQLModel tables (created by core.db.create_schema) and shared constants.

Everything is keyed on concept URIs, never on labels: labels differ per language and
change between releases, URIs do not.

- `EscoConcept`: one row per concept URI with what does not depend on language (type,
  ISCO code, skill type, reuse level, regulated profession ...).
- `EscoConceptText`: labels and description per concept, language and *source file
  kind*. The source is part of the key because ESCO states labels of the same concept in
  more than one file (skills_en.csv and languageSkillsCollection_en.csv both list
  "write Hungarian", the collection with alternative labels the skills file lacks). With
  one row per source each file owns its rows, so re-importing the same directory is
  idempotent whatever the file order, and readers merge the sources (`labels`).
- `EscoBroader`, `EscoOccupationSkill`, `EscoCollectionMember`: relations by URI.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Boolean, Column, Text
from sqlmodel import Field, SQLModel

# Every URI of every ESCO release starts with this. Requiring it (rather than any http(s)
# URI) catches shifted columns and files of other taxonomies at import time: a concept
# with a foreign URI could never match an ESCO-coded vacancy or profile.
ESCO_URI_PREFIX = "http://data.europa.eu/esco/"
CONCEPT_TYPES = ("occupation", "skill", "isco_group", "skill_group")
RELATION_TYPES = ("essential", "optional")
CORE_SOURCE = "core"
DEFAULT_CORE_TAXONOMY = Path(__file__).resolve().parents[2] / "seeds" / "esco_core.jsonl"


class EscoConcept(SQLModel, table=True):
    """What ESCO says about a concept independently of language."""

    __tablename__ = "esco_concept"

    uri: str = Field(primary_key=True, max_length=255)
    concept_type: str = Field(index=True, max_length=20)
    # ISCO-08 code: the group's own code for ISCO groups, the iscoGroup of an occupation.
    code: str | None = Field(default=None, index=True, max_length=20)
    skill_type: str | None = Field(default=None, max_length=64)
    reuse_level: str | None = Field(default=None, max_length=64)
    regulated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    regulated_profession_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str | None = Field(default=None, max_length=32)
    modified_date: str | None = Field(default=None, max_length=40)


class EscoConceptText(SQLModel, table=True):
    """Labels of one concept in one language as stated by one source (file kind)."""

    __tablename__ = "esco_concept_text"

    uri: str = Field(primary_key=True, max_length=255)
    language: str = Field(primary_key=True, max_length=16)
    # "occupations", "skills", "isco_groups", "skill_groups", a collection name
    # ("languageSkillsCollection") or "core" (seeds/esco_core.jsonl).
    source: str = Field(primary_key=True, max_length=64)
    preferred_label: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Newline-joined: labels never contain newlines (the importer splits on them).
    alt_labels: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    hidden_labels: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class EscoBroader(SQLModel, table=True):
    """`uri` is narrower than `broader_uri` (occupation -> ISCO group, skill -> skill group ...)."""

    __tablename__ = "esco_broader"

    uri: str = Field(primary_key=True, max_length=255)
    broader_uri: str = Field(primary_key=True, max_length=255, index=True)


class EscoOccupationSkill(SQLModel, table=True):
    """An occupation's essential or optional skill (one relation type per pair)."""

    __tablename__ = "esco_occupation_skill"

    occupation_uri: str = Field(primary_key=True, max_length=255)
    skill_uri: str = Field(primary_key=True, max_length=255, index=True)
    relation_type: str = Field(max_length=16)
    skill_type: str | None = Field(default=None, max_length=64)


class EscoCollectionMember(SQLModel, table=True):
    """Membership in an ESCO collection (language skills, transversal skills ...)."""

    __tablename__ = "esco_collection_member"

    collection: str = Field(primary_key=True, max_length=64)
    uri: str = Field(primary_key=True, max_length=255, index=True)


_CONCEPT = EscoConcept.__table__
_TEXT = EscoConceptText.__table__
_BROADER = EscoBroader.__table__
_OCC_SKILL = EscoOccupationSkill.__table__
_MEMBER = EscoCollectionMember.__table__
_TEXT_FIELDS = ("preferred_label", "alt_labels", "hidden_labels", "description")
