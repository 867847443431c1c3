"""The outbox table: one row per e-mail, from its enqueueing to its last delivery attempt.

A row is the whole story of a message: what was sent (the content is kept, rendered or
given), to whom, under which Message-ID, and how each attempt ended, so that an admin
can read the mail of an installation that has no SMTP server, and see why one failed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal, get_args

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

MailStatus = Literal["queued", "sending", "sent", "failed", "uncertain"]
STATUSES: tuple[str, ...] = get_args(MailStatus)
# Statuses an admin may requeue: the worker never retries them by itself.
RESENDABLE = ("failed", "uncertain")

MAX_ADDRESS = 320  # RFC 3696 erratum 1690: 64 for the local part, @, 255 for the domain
MAX_SOURCE = 100
MAX_MESSAGE_ID = 255
MAX_WORKER_ID = 100


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class OutboxMessage(SQLModel, table=True):
    """One e-mail. Content None means "render it later" (the sender's render callback)."""

    __tablename__ = "mail_outbox"
    # The worker's one query: the queued rows that are due, oldest first.
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=MAX_ADDRESS)
    language: str = Field(default="en", max_length=5)
    subject: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    html_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The caller's handle on its rows, e.g. "notification:12".
    source: str = Field(default="", max_length=MAX_SOURCE, index=True)
    # The Message-ID header, fixed at enqueue: a requeued message keeps it, so that a
    # receiving system can tell a second copy for what it is.
    message_id: str = Field(max_length=MAX_MESSAGE_ID, unique=True, index=True)
    status: str = Field(default="queued", max_length=12)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    claimed_by: str = Field(default="", max_length=MAX_WORKER_ID)
    # Committed just before the DATA command: from then on the server may have the
    # message, so a crash or a dropped connection leaves the row "uncertain", never resent.
    data_started_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def has_content(self) -> bool:
        return self.subject is not None
