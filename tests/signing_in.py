"""Sign a user in on a Flask test client without going through the sign-in form.

Pages trust a session only while the database knows its token (core/accounts/login_sessions.py),
so a test that plants a signed-in cookie must open a real session row as well.
"""

from __future__ import annotations

from core.db import session_scope
from core.accounts.login_sessions import open_session
from webapp.security import SESSION_KEY


def plant_sign_in(client, user, csrf_token: str, *, clear: bool = False) -> str:
    """Put `user` (None: nobody) and `csrf_token` into the client's session; returns the sign-in token."""
    token = ""
    if user is not None:
        with session_scope(client.application.extensions["headstart"].engine) as db:
            token = open_session(session=db, user=user, client="127.0.0.1", user_agent="test client")
    with client.session_transaction() as session:
        if clear:
            session.clear()
        session["csrf_token"] = csrf_token
        if token:
            session[SESSION_KEY] = token
        else:
            session.pop(SESSION_KEY, None)
    return token
