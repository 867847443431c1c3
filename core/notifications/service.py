"""Telling people things: the inbox, the per-kind choices, and the e-mail hand-over.

`notify` runs in the caller's transaction, so a notification (and its e-mail in the
outbox) exists only if the change it tells of was committed; no network I/O happens
here, the mail worker sends later (core/mail).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from core.accounts.users import User
from core.db import session_scope
from core.errors import HeadstartError
from core.mail.outbox import enqueue
from core.notifications.kinds import kind as kind_of
from core.notifications.kinds import kinds_for
from core.notifications.models import (
    CHANNELS,
    Notification,
    NotificationPreference,
    utcnow,
)

PAGE = 30


def channel_for(session: Session, user_id: int, kind: str) -> str:
    row = session.exec(
        select(NotificationPreference.channel).where(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)
    ).first()
    return row or kind_of(kind).default


def preferences(session: Session, user: User) -> dict[str, str]:
    """kind -> channel, for every kind that concerns this person's role."""
    chosen = dict(
        session.exec(select(NotificationPreference.kind, NotificationPreference.channel).where(NotificationPreference.user_id == user.id)).all()
    )
    return {k.name: chosen.get(k.name, k.default) for k in kinds_for(user.role)}


def set_preferences(engine: Engine, *, user: User, choices: Mapping[str, str]) -> dict[str, str]:
    """Save the person's choices (kinds of their role only; an unknown channel is refused)."""
    allowed = {k.name for k in kinds_for(user.role)}
    for name, channel in choices.items():
        if name not in allowed:
            raise HeadstartError("There is no such kind of notification.", field=name)
        if channel not in CHANNELS:
            raise HeadstartError("Choose in the app, by e-mail too, or off.", field=name)
    with session_scope(engine) as session:
        existing = {p.kind: p for p in session.exec(select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
        for name, channel in choices.items():
            row = existing.get(name) or NotificationPreference(user_id=user.id or 0, kind=name, channel=channel)
            row.channel = channel
            session.add(row)
        session.flush()
        return preferences(session, user)


def notify(session: Session, *, user: User, kind: str, params: Mapping[str, Any] | None = None) -> Notification | None:
    """Tell `user` of something, as they chose for this kind; None when they turned it off.

    An e-mail is queued (without its text: the mail worker words it in the recipient's
    language when it sends) if they chose e-mail and the account has an address."""
    if user.id is None or not user.active:
        return None
    channel = channel_for(session, user.id, kind)
    if channel == "off":
        return None
    note = Notification(user_id=user.id, kind=kind, params=dict(params or {}))
    session.add(note)
    session.flush()
    if channel == "email" and user.email:
        enqueue(session, to_address=user.email, language=user.language, source=f"notification:{note.id}")
    return note


def notify_all(session: Session, users: Iterable[User], *, kind: str, params: Mapping[str, Any] | None = None) -> int:
    """The same notice to several people (each by their own choice); how many got it."""
    told = 0
    seen: set[int] = set()
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id or 0)
        told += notify(session, user=user, kind=kind, params=params) is not None
    return told


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))  # type: ignore[union-attr]
    ).one()


def inbox(session: Session, user_id: int, *, before_id: int | None = None, limit: int = PAGE) -> list[Notification]:
    """The newest first; `before_id` pages on (keyset, stable while new ones arrive)."""
    statement = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        statement = statement.where(Notification.id < before_id)  # type: ignore[operator]
    return list(session.exec(statement.order_by(Notification.id.desc()).limit(limit)))  # type: ignore[union-attr]


def get_notification(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """The notification if it is this person's (someone else's reads as missing)."""
    note = session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user_id else None


def mark_read(engine: Engine, *, user_id: int, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Mark some (or, with ids None, all) of this person's notifications read."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))  # type: ignore[union-attr]
    if ids is not None:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        statement = statement.where(Notification.id.in_(wanted))  # type: ignore[union-attr]
    with session_scope(engine) as session:
        return session.execute(statement.values(read_at=now or utcnow())).rowcount or 0
