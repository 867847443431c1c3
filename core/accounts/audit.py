"""Audit log: who looked at or changed which personal record, and when.

Each event is written with `record` in the same session (and so the same transaction)
as the change it describes, so a change is never saved without its event nor an event
without its change. Reads (a profile page, an employer's candidate list) are recorded in
a short transaction of their own.

Events name their actor by user name and their object by type and id (a profile id, a
vacancy id, a user name for an account). When an account or a profile is erased, the
events about it are erased with it (see matching/erasure.py): the log must not keep what
the person asked to be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, get_args

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel, select

from core.accounts.users import User

AuditAction = Literal["view", "create", "update", "delete", "export", "consent_grant", "consent_withdraw", "erase", "handover"]
ACTIONS: tuple[str, ...] = get_args(AuditAction)
OBJECT_TYPES: tuple[str, ...] = ("profile", "account", "vacancy", "organisation")
MAX_DETAIL = 300
API_ACTOR = "api"  # the JSON API's trusted client (token or loopback), which has no account


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(default="", max_length=200, index=True)  # user name; "" once the actor is erased
    actor_role: str = Field(default="", max_length=20)
    action: str = Field(max_length=20)
    object_type: str = Field(max_length=20)
    object_id: str | None = Field(default=None, max_length=200, index=True)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


def record(
    session: Session,
    actor: User | str | None,
    action: str,
    object_type: str,
    object_id: int | str | None,
    detail: str = "",
    *,
    role: str = "",
) -> AuditEvent:
    """Add one event to `session` (committed with the caller's transaction).

    `actor` is the account acting, or a name (API_ACTOR for the JSON API, with `role`),
    or None for nobody signed in.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(ACTIONS)}")
    if actor is None:
        name, actor_role = "", role
    elif isinstance(actor, str):
        name, actor_role = actor, role
    else:
        name, actor_role = actor.username, role or actor.role
    event = AuditEvent(
        actor=name[:200],
        actor_role=actor_role[:20],
        action=action,
        object_type=object_type[:20],
        object_id=None if object_id is None else str(object_id)[:200],
        detail=(detail or "")[:MAX_DETAIL],
    )
    session.add(event)
    return event


def events(
    session: Session,
    *,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    exclude_actor: str | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Events newest first, filtered by whatever is given."""
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == str(object_id))
    if action:
        query = query.where(AuditEvent.action == action)
    if exclude_actor:
        query = query.where(AuditEvent.actor != exclude_actor)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(max(1, min(limit, 1000)))  # type: ignore[attr-defined,union-attr]
    return list(session.exec(query).all())


def events_about(session: Session, *, username: str, profile_ids: Sequence[int]) -> list[AuditEvent]:
    """Every event by this person, about their account, or about one of their profiles."""
    from sqlalchemy import and_, or_

    conditions = [
        AuditEvent.actor == username,
        and_(AuditEvent.object_type == "account", AuditEvent.object_id == username),
    ]
    if profile_ids:
        conditions.append(
            and_(AuditEvent.object_type == "profile", AuditEvent.object_id.in_([str(pid) for pid in profile_ids]))  # type: ignore[union-attr]
        )
    query = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    return list(session.exec(query).all())


# ---------------------------------------------------------------------------- the admins' log


@dataclass(frozen=True)
class LogFilters:
    """What an admin filters the log by, tidied; "" for no filter (an unknown type or action is none)."""

    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""


def log_filters(*, actor: str | None = None, object_type: str | None = None, object_id: str | None = None,
                action: str | None = None) -> LogFilters:
    """Tidy loose filter values (a form's or a command line's) the way the log reads them."""
    object_type, action = (object_type or "").strip(), (action or "").strip()
    return LogFilters(
        actor=(actor or "").strip()[:200],
        object_type=object_type if object_type in OBJECT_TYPES else "",
        object_id=(object_id or "").strip()[:200],
        action=action if action in ACTIONS else "",
    )  # fmt: skip


@dataclass(frozen=True)
class LogPage:
    events: list[AuditEvent]  # newest first
    people: dict[str, User]  # the accounts of the events' actors, by user name (erased ones and the API have none)


def actors(session: Session, names: Iterable[str]) -> dict[str, User]:
    """The accounts behind these actor names, by user name, to show who acted by their name."""
    wanted = {name for name in names if name and name != API_ACTOR}
    if not wanted:
        return {}
    found = session.exec(select(User).where(User.username.in_(wanted))).all()  # type: ignore[attr-defined]
    return {user.username: user for user in found}


def log_page(session: Session, filters: LogFilters, *, limit: int) -> LogPage:
    """The latest `limit` events that pass the filters, with their actors' accounts."""
    found = events(
        session, actor=filters.actor or None, object_type=filters.object_type or None,
        object_id=filters.object_id or None, action=filters.action or None, limit=limit,
    )  # fmt: skip
    return LogPage(found, actors(session, (event.actor for event in found)))
