"""The inbox and the preferences tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal, get_args

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

Channel = Literal["app", "email", "off"]
CHANNELS: tuple[str, ...] = get_args(Channel)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Notification(SQLModel, table=True):
    """One thing a person is told. `params` holds only what the recipient may see (ids to
    link to, a vacancy title, an organisation's name): the text is written when shown."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None


class NotificationPreference(SQLModel, table=True):
    """A person's choice for one kind; without a row the kind's default holds."""

    __tablename__ = "notification_preference"
    __table_args__ = (Index("uq_notification_preference_user_kind", "user_id", "kind", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=40)
    channel: str = Field(max_length=10)
