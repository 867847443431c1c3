"""Sessions, CSRF protection, role checks and security headers for the pages.

Pages authenticate with a signed session cookie holding a sign-in token that the
database must still know (core/accounts/login_sessions.py: signing out ends a session for good); the JSON API keeps its own rule (loopback
or bearer token, see webapp/api_matching.py) and is exempt from the CSRF check because a
browser never sends it credentials it could be tricked into using.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_babel import gettext as _

from core.accounts import login_sessions
from core.accounts.users import User
from core.db import session_scope
from webapp.current import current_runtime

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline scripts or styles anywhere, so the policy needs no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Files served as they are: they need no account, and their requests (several per page)
# should not each cost a database query.
ASSET_ENDPOINTS = frozenset({"static", "vendor.asset"})


def current_user() -> User | None:
    return g.get("user")


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


SESSION_KEY = "sid"  # the cookie's sign-in token (core/accounts/login_sessions.py)


def _engine():
    return current_runtime().engine


def login_user(user: User) -> None:
    """Start a fresh session: nothing from before the sign-in survives (no fixation).

    The cookie gets a new random token; the database keeps its hash, so a sign-out (or
    an administrator) can end the session for good.
    """
    with session_scope(_engine()) as db:
        token = login_sessions.open_session(
            session=db,
            user=user,
            client=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""),
        )
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = token
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    if language:
        session["lang"] = language


def logout_user() -> None:
    """End the session in the database too, so a copy of the cookie signs no one in."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        with session_scope(_engine()) as db:
            login_sessions.close_session(session=db, token=token)
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def session_token() -> str | None:
    """The signed-in session's token (to tell it apart from the user's other sessions)."""
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) and g.get("user") is not None else None


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.headers.get("HX-Request"):
                abort(401, _("Please sign in again."))
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None or (user.role not in roles and user.role != "admin"):
                abort(403, _("Your account may not open this page."))
            return view(*args, **kwargs)

        return wrapped

    return decorate


def safe_next(target: str | None) -> str | None:
    """Only local paths may follow a sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _exempt(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz"


def init_app(app: Flask) -> None:
    @app.before_request
    def load_user() -> None:
        g.user = None
        token = session.get(SESSION_KEY)
        if isinstance(token, str) and token and request.endpoint not in ASSET_ENDPOINTS:
            with session_scope(_engine()) as db:
                found = login_sessions.signed_in(session=db, token=token)
                g.user = found.user if found else None
            if g.user is None:
                session.pop(SESSION_KEY, None)

    @app.before_request
    def refuse_nul_characters() -> None:
        """NUL is never text a person typed; PostgreSQL cannot even store it."""
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            abort(400, _("The address contains a character that is not allowed."))
        if request.method in UNSAFE_METHODS:
            if request.is_json:
                body = request.get_data(cache=True)
                if b"\\u0000" in body or b"\x00" in body:
                    abort(400, _("The request contains a character that is not allowed."))
            elif any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
                abort(400, _("The form contains a character that is not allowed."))

    @app.before_request
    def check_csrf() -> None:
        if request.method not in UNSAFE_METHODS or _exempt(request.path):
            return
        expected = session.get(CSRF_FIELD)
        given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
        if not expected or not given or not hmac.compare_digest(str(expected), str(given)):
            abort(400, _("This form has expired. Reload the page and send it again."))

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if session.get(SESSION_KEY) and request.endpoint not in ASSET_ENDPOINTS:
            # Pages with personal data must not stay in a shared computer's cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user, CSRF_FIELD=CSRF_FIELD)
