"""A practitioner's recommendations and next steps for a migrant's profile.

Written in caseworker mode, shown on the profile and on its printable page. A note
belongs to one profile and goes when the profile goes (foreign key ON DELETE CASCADE,
and `delete_notes_for_profile` for deletes done through the ORM).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import Column, Text, delete
from sqlmodel import Field, Session, SQLModel, select

from core.accounts.users import User
from core.errors import HeadstartError, NotFound
from matching.models import utcnow

NoteKind = Literal["recommendation", "next_step"]
NOTE_KINDS: tuple[str, ...] = ("recommendation", "next_step")
MAX_NOTE_CHARS = 4_000


class CaseNote(SQLModel, table=True):
    __tablename__ = "case_note"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="skill_profile.id", index=True, ondelete="CASCADE")
    author: str = Field(max_length=200)  # the practitioner's user name
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)  # the author's MRC
    kind: str = Field(max_length=20)  # recommendation | next_step
    text: str = Field(sa_column=Column(Text, nullable=False))
    due: date | None = None
    done: bool = False
    created_at: datetime = Field(default_factory=utcnow)


def add_note(
    *, session: Session, profile_id: int, author: str, kind: str, text: str, due: date | None = None,
    organisation_id: int | None = None,
) -> CaseNote:
    """A new note; errors name the form field (kind, text)."""
    if kind not in NOTE_KINDS:
        raise HeadstartError("Choose a recommendation or a next step.", field="kind")
    text = (text or "").strip()
    if not text:
        raise HeadstartError("Write the recommendation or the next step.", field="text")
    if len(text) > MAX_NOTE_CHARS:
        raise HeadstartError(f"A note may have at most {MAX_NOTE_CHARS} characters.", field="text")
    note = CaseNote(profile_id=profile_id, author=author, kind=kind, text=text, due=due, organisation_id=organisation_id)
    session.add(note)
    session.flush()
    return note


def list_notes(session: Session, profile_id: int) -> list[CaseNote]:
    """Open notes first (earliest due date first, undated after), then done ones."""
    notes = list(session.exec(select(CaseNote).where(CaseNote.profile_id == profile_id)).all())
    notes.sort(key=lambda n: (n.done, n.due is None, n.due or date.max, n.created_at, n.id or 0))
    return notes


def get_note(session: Session, profile_id: int, note_id: int) -> CaseNote:
    note = session.get(CaseNote, note_id)
    if note is None or note.profile_id != profile_id:
        raise NotFound(f"No note with id {note_id} on this profile.", field="id")
    return note


def set_done(*, session: Session, profile_id: int, note_id: int, done: bool = True) -> CaseNote:
    note = get_note(session, profile_id, note_id)
    note.done = done
    session.add(note)
    return note


def delete_notes_for_profile(*, session: Session, profile_id: int) -> int:
    result = session.exec(delete(CaseNote).where(CaseNote.profile_id == profile_id))  # type: ignore[call-overload]
    return result.rowcount or 0


def written_by(session: Session, note: CaseNote, organisation_id: int) -> bool:
    """Whether the note is that organisation's: by the column, or, for notes written before
    it was filled in, by the author's organisation."""
    if note.organisation_id is not None:
        return note.organisation_id == organisation_id
    author = session.exec(select(User).where(User.username == note.author)).first()
    return author is not None and author.organisation_id == organisation_id
