"""Sign-in sessions kept in the database, so signing out really ends them.

The session cookie is signed but not secret to its holder: if it carried the user id
alone, a copy taken from a shared MRC computer would stay valid for its whole lifetime
after the person signed out. So the cookie carries a random token, and the database keeps
only the token's SHA-256 with its user, when it started, when it was last used and where
from. A request is signed in only while that row exists and has not expired, which lets
a sign-out, "sign out everywhere else", an account's deletion or an administrator end
sessions at once, in every worker process.

Sessions end at the latest LIFETIME after the sign-in, or IDLE_TIMEOUT after the last
request. `last_seen_at` is written at most once per TOUCH_INTERVAL so an ordinary page
view costs no write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, select

from core.accounts.users import User

LIFETIME = timedelta(hours=12)
IDLE_TIMEOUT = timedelta(hours=2)
TOUCH_INTERVAL = timedelta(minutes=5)
MAX_CLIENT = 100
MAX_USER_AGENT = 200


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class LoginSession(SQLModel, table=True):
    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    client: str = Field(default="", max_length=MAX_CLIENT)
    user_agent: str = Field(default="", max_length=MAX_USER_AGENT)

    def ends_at(self) -> datetime:
        """When this session stops working if nothing else happens."""
        return min(_aware(self.expires_at), _aware(self.last_seen_at) + IDLE_TIMEOUT)


@dataclass(frozen=True)
class SignedIn:
    user: User
    login_session: LoginSession


def open_session(
    *, session: Session, user: User, client: str = "", user_agent: str = "", now: datetime | None = None
) -> str:
    """Start a session for `user` and return its token (to be put in the cookie only).

    Expired sessions of anyone are removed on the way, so the table holds live ones.
    """
    if user.id is None:
        raise ValueError("the user must be saved before a session can start")
    now = now or utcnow()
    session.exec(delete(LoginSession).where(LoginSession.expires_at < now))  # type: ignore[call-overload]
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + LIFETIME,
            client=(client or "")[:MAX_CLIENT],
            user_agent=(user_agent or "")[:MAX_USER_AGENT],
        )
    )
    session.flush()
    return token


def signed_in(*, session: Session, token: str, now: datetime | None = None) -> SignedIn | None:
    """The user and session a token stands for, or None when it ended or never existed.

    Refreshes `last_seen_at` when it is older than TOUCH_INTERVAL (the caller commits).
    """
    if not token or not isinstance(token, str):
        return None
    now = now or utcnow()
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == token_digest(token))).first()
    if row is None:
        return None
    if row.ends_at() <= now:
        session.delete(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
    return SignedIn(user, row)


def close_session(*, session: Session, token: str) -> bool:
    """End the session of this token; False when there was none."""
    if not token or not isinstance(token, str):
        return False
    result = session.exec(delete(LoginSession).where(LoginSession.token_hash == token_digest(token)))  # type: ignore[call-overload]
    return bool(result.rowcount)


def close_all_sessions(*, session: Session, user_id: int, keep_token: str | None = None) -> int:
    """End every session of a user (all but `keep_token`'s, when given); returns how many."""
    statement = delete(LoginSession).where(LoginSession.user_id == user_id)  # type: ignore[arg-type]
    if keep_token:
        statement = statement.where(LoginSession.token_hash != token_digest(keep_token))  # type: ignore[arg-type]
    return session.exec(statement).rowcount or 0  # type: ignore[call-overload]


def sessions_of(*, session: Session, user_id: int, now: datetime | None = None) -> list[LoginSession]:
    """The user's live sessions, the most recently used first."""
    now = now or utcnow()
    rows = session.exec(select(LoginSession).where(LoginSession.user_id == user_id)).all()
    live = [row for row in rows if row.ends_at() > now]
    return sorted(live, key=lambda row: _aware(row.last_seen_at), reverse=True)
