"""Library documents in the database, and how they become searchable passages.

The database keeps each record (a practice or a handbook section, in one language) as a
row. The search index keeps one document per *translation group*: the original record
and its translations together, each language version contributing its own passages. So a
French query can match the French version of a record, an English query its English
version, totals and facet counts count each practice once, and the page can show the
version in the reader's language whichever version matched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from core.search.base import IndexDocument, Passage
from practices.quality import quality_profile
from practices.schema import LibraryRecord, record_from_fields

COLLECTION = "library"
PASSAGE_CHARS = 1_200  # about 250 tokens: what all-MiniLM-L6-v2 reads of a passage


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class LibraryDocument(SQLModel, table=True):
    """One record as stored: its fields as JSON plus the columns queries need."""

    __tablename__ = "library_document"

    id: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=20, index=True)
    language: str = Field(max_length=8)
    translation_of: str | None = Field(default=None, max_length=100, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    sort_date: str | None = Field(default=None, max_length=10)  # the practice's start, for "newest first"
    fields: dict = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    # Other records this one looked like on import (ids), for curators to review.
    possible_duplicates: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    revision: int = 1  # bumped on every change; an edit based on an older revision is refused
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def group_id(self) -> str:
        return self.translation_of or self.id

    def record(self) -> LibraryRecord:
        return record_from_fields(self.fields)


def record_hash(record: LibraryRecord) -> str:
    payload = json.dumps(record.to_fields(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sort_date(record: LibraryRecord) -> str | None:
    return record.period.start if record.kind == "practice" else None


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_HEADING_MARK = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """Markdown as the words a reader sees: what search matches and snippets show."""
    text = _LINK.sub(r"\1", markdown)
    text = _EMPHASIS.sub("", text)
    return _HEADING_MARK.sub("", text)


def split_text(text: str, limit: int = PASSAGE_CHARS) -> list[str]:
    """Paragraph-aligned chunks of at most about `limit` characters.

    A paragraph longer than the limit is cut at sentence ends, so no passage is longer
    than the model reads and no match is buried in a page-long passage.
    """
    chunks: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        pieces = [paragraph] if len(paragraph) <= limit else _sentences(paragraph, limit)
        for piece in pieces:
            if current and len(current) + len(piece) + 2 > limit:
                chunks.append(current)
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _sentences(paragraph: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for sentence in paragraph.replace("\n", " ").split(". "):
        sentence = sentence.strip()
        if not sentence:
            continue
        sentence = sentence if sentence.endswith((".", "!", "?", ":")) else sentence + "."
        while len(sentence) > limit:  # one endless sentence: cut it
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        if current and len(current) + len(sentence) + 1 > limit:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def record_passages(record: LibraryRecord, *, vector_model: str, anchor_prefix: str = "") -> list[Passage]:
    """The passages of one language version: its summary and each section, chunked.

    Anchors are the section keys (`activities`, `activities-2` for a second chunk), so a
    hit links to the section; `anchor_prefix` tells translations apart in a group.
    The dense arm reads each chunk with the record's title and the section heading, which
    tell the model what the chunk is about.
    """
    passages: list[Passage] = []
    if record.summary:
        passages.append(
            Passage(
                anchor=f"{anchor_prefix}summary",
                heading=record.title,
                text=plain_text(record.summary),
                vector_text=f"{record.title}. {plain_text(record.summary)}",
                vector_model=vector_model,  # type: ignore[arg-type]
                title=record.title,
            )
        )
    for section in record.sections:
        for number, chunk in enumerate(split_text(plain_text(section.text)), start=1):
            anchor = section.key if number == 1 else f"{section.key}-{number}"
            passages.append(
                Passage(
                    anchor=f"{anchor_prefix}{anchor}",
                    heading=section.heading,
                    text=chunk,
                    vector_text=f"{record.title}. {section.heading}: {chunk}",
                    vector_model=vector_model,  # type: ignore[arg-type]
                    title=record.title,
                )
            )
    if not passages:  # a record with a title only is still findable by its title
        passages.append(Passage(anchor=f"{anchor_prefix}title", text=record.title, title=record.title))
    return passages


def group_index_document(
    original: LibraryRecord, translations: Sequence[LibraryRecord], *, encoder_models: Sequence[str]
) -> IndexDocument:
    """One search document for a record and its translations.

    English passages get both models' vectors when the encoder has two (the English model
    ranks English best, the multilingual one lets other languages find them); other
    languages get the multilingual model's, or the only model's when there is one.
    """
    multilingual = "multilingual" in encoder_models
    passages: list[Passage] = []
    languages: list[str] = []
    for record in (original, *translations):
        prefix = "" if record is original else f"{record.language}:"
        model = "any" if record.language == "en" or not multilingual else "multilingual"
        passages += record_passages(record, vector_model=model, anchor_prefix=prefix)
        languages.append(record.language)
    boost = 0.0
    keywords: dict[str, tuple[str, ...]] = {
        "kind": (original.kind,),
        "language": tuple(dict.fromkeys(languages)),
    }
    if original.kind == "practice":
        keywords["country"] = tuple(dict.fromkeys(original.implementing_countries + original.origin_countries))
        keywords["destination"] = original.destination_countries
        keywords["measure_type"] = original.measure_types
        keywords["measure_subtype"] = original.measure_subtypes
        keywords["target_group"] = original.target_groups
        keywords["delivery_mode"] = original.delivery_modes
        profile = quality_profile(original)
        if profile:
            keywords["quality"] = (profile.level,)
            keywords["criterion"] = profile.met
            boost = profile.score
    else:
        keywords["topic"] = original.topics
    return IndexDocument(
        id=original.id,
        title=original.title,
        passages=tuple(passages),
        language=original.language,
        keywords={name: values for name, values in keywords.items() if values},
        boost=boost,
        date=sort_date(original),
    )


def split_anchor(anchor: str) -> tuple[str | None, str]:
    """'fr:activities-2' -> ('fr', 'activities'); 'summary' -> (None, 'summary')."""
    language, _, rest = anchor.rpartition(":")
    key = rest
    head, _, tail = key.rpartition("-")
    if head and tail.isdigit():
        key = head
    return (language or None), key
