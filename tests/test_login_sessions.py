"""Sign-in sessions live in the database: signing out ends them for every copy of the cookie.

Before core/accounts/login_sessions.py the cookie carried the user id, so a copy of it (a shared MRC
computer, a stolen laptop) kept working for 12 hours after the person signed out.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlmodel import select

from core.accounts import login_sessions
from core.accounts.audit import AuditEvent
from core.db import session_scope
from core.accounts.login_sessions import IDLE_TIMEOUT, LIFETIME, TOUCH_INTERVAL, LoginSession
from matching import erasure
from tests.conftest import TEST_PASSWORD
from tests.test_web_auth import form_token
from webapp.formatting import browser_name
from webapp.security import SESSION_KEY

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"


def sign_in_with_form(app, username: str, user_agent: str = FIREFOX_WINDOWS):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    response = client.post("/login", data={"csrf_token": form_token(client.get("/login")), "username": username,
                                           "password": TEST_PASSWORD})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def cookie(client) -> str:
    return client.get_cookie("session").value


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie(client))
    return thief


def csrf(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]


# ---------------------------------------------------------------------------- through the pages


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, make_user):
    make_user("migrant", username="amina")
    owner = sign_in_with_form(app, "amina")
    thief = copy_of(app, owner)
    assert thief.get("/account").status_code == 200  # a copy works while the session lives

    owner.post("/logout", data={"csrf_token": csrf(owner)})

    refused = thief.get("/account")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert thief.get("/account/export").status_code == 302


def test_signing_out_everywhere_else_keeps_this_browser(app, make_user, core_runtime):
    make_user("migrant", username="amina")
    laptop = sign_in_with_form(app, "amina", FIREFOX_WINDOWS)
    phone = sign_in_with_form(app, "amina", CHROME_ANDROID)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Firefox on Windows" in page and "Chrome on Android" in page and "(this browser)" in page

    response = laptop.post("/account/sessions/end-others", data={"csrf_token": csrf(laptop)}, follow_redirects=True)
    assert "Signed out of 1 other session." in response.get_data(as_text=True)
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert "end-other-sessions" not in laptop.get("/account").get_data(as_text=True)  # nothing left to end


def test_ending_other_sessions_needs_the_csrf_token(app, make_user):
    make_user("migrant", username="amina")
    laptop = sign_in_with_form(app, "amina")
    phone = sign_in_with_form(app, "amina")
    assert laptop.post("/account/sessions/end-others").status_code == 400
    assert phone.get("/account").status_code == 200


def test_the_cookie_holds_a_token_the_database_only_knows_hashed(app, make_user, core_runtime):
    make_user("employer", username="hr-kessler", organisation="Kessler")
    client = sign_in_with_form(app, "hr-kessler")
    with client.session_transaction() as session:
        token = session[SESSION_KEY]
    assert "uid" not in session and len(token) >= 40
    with core_runtime.engine.connect() as connection:
        stored = [tuple(row) for row in connection.execute(text("SELECT token_hash, client, user_agent FROM login_session"))]
    assert stored == [(login_sessions.token_digest(token), "127.0.0.1", FIREFOX_WINDOWS)]
    assert token not in repr(stored)


def test_a_session_whose_row_is_gone_is_signed_out_and_forgotten(app, make_user, core_runtime):
    make_user("migrant", username="amina")
    client = sign_in_with_form(app, "amina")
    with session_scope(core_runtime.engine) as db:
        db.exec(text("DELETE FROM login_session"))
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        assert SESSION_KEY not in session


def test_deleting_the_account_ends_all_its_sessions(app, make_user, core_runtime):
    make_user("migrant", username="amina")
    laptop = sign_in_with_form(app, "amina")
    phone = sign_in_with_form(app, "amina")
    response = laptop.post("/account/delete", data={"csrf_token": csrf(laptop), "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert phone.get("/account").status_code == 302
    with session_scope(core_runtime.engine) as db:
        assert db.exec(select(LoginSession)).all() == []


def test_the_export_lists_where_the_account_is_signed_in(app, make_user, core_runtime):
    make_user("migrant", username="amina")
    sign_in_with_form(app, "amina", CHROME_ANDROID)
    with session_scope(core_runtime.engine) as db:
        data = erasure.export_personal_data(db, username="amina")
    (only,) = data["sign_in_sessions"]
    assert only["user_agent"] == CHROME_ANDROID and only["client"] == "127.0.0.1"
    assert "token_hash" not in only


def test_users_sign_out_command_ends_every_session(app, make_user, run_cli):
    make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    laptop = sign_in_with_form(app, "ana.rusu")
    result = run_cli("users", "sign-out", "ana.rusu")
    assert result.exit_code == 0 and "ended 1 session of ana.rusu" in result.output
    assert laptop.get("/account").status_code == 302
    unknown = run_cli("users", "sign-out", "nobody-here")
    assert unknown.exit_code == 2 and "No account 'nobody-here'" in unknown.output


# ---------------------------------------------------------------------------- the rules, by the clock


def open_at(engine, user, moment: datetime) -> str:
    with session_scope(engine) as db:
        return login_sessions.open_session(session=db, user=user, now=moment)


def user_at(engine, token: str, moment: datetime):
    with session_scope(engine) as db:
        found = login_sessions.signed_in(session=db, token=token, now=moment)
        return found.user.username if found else None


def test_a_session_ends_after_two_idle_hours(core_runtime, make_user):
    user = make_user("migrant", username="amina")
    token = open_at(core_runtime.engine, user, T0)
    assert user_at(core_runtime.engine, token, T0 + IDLE_TIMEOUT - timedelta(minutes=1)) == "amina"
    # That use moved the idle clock on: two more hours from it are fine, not from the start.
    assert user_at(core_runtime.engine, token, T0 + 2 * IDLE_TIMEOUT - timedelta(minutes=2)) == "amina"
    later = T0 + 3 * IDLE_TIMEOUT
    assert user_at(core_runtime.engine, token, later) is None
    assert user_at(core_runtime.engine, token, T0 + timedelta(minutes=1)) is None  # gone, not just refused


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(core_runtime, make_user):
    user = make_user("migrant", username="amina")
    token = open_at(core_runtime.engine, user, T0)
    moment = T0
    while moment < T0 + LIFETIME - timedelta(hours=1):
        moment += timedelta(hours=1)
        assert user_at(core_runtime.engine, token, moment) == "amina"
    assert user_at(core_runtime.engine, token, T0 + LIFETIME) is None


def test_last_use_is_written_at_most_every_few_minutes(core_runtime, make_user):
    user = make_user("migrant", username="amina")
    token = open_at(core_runtime.engine, user, T0)

    def last_seen():
        with session_scope(core_runtime.engine) as db:
            return db.exec(select(LoginSession.last_seen_at)).one().replace(tzinfo=timezone.utc)

    user_at(core_runtime.engine, token, T0 + TOUCH_INTERVAL - timedelta(seconds=1))
    assert last_seen() == T0
    user_at(core_runtime.engine, token, T0 + TOUCH_INTERVAL)
    assert last_seen() == T0 + TOUCH_INTERVAL


def test_a_deactivated_account_is_signed_out(core_runtime, make_user):
    user = make_user("employer", username="hr-kessler", organisation="Kessler")
    token = open_at(core_runtime.engine, user, T0)
    with session_scope(core_runtime.engine) as db:
        stored = db.merge(user)
        stored.active = False
    assert user_at(core_runtime.engine, token, T0 + timedelta(minutes=1)) is None


def test_expired_sessions_are_removed_when_someone_signs_in(core_runtime, make_user):
    first = make_user("migrant", username="amina")
    second = make_user("migrant", username="omar")
    open_at(core_runtime.engine, first, T0)
    open_at(core_runtime.engine, second, T0 + LIFETIME + timedelta(minutes=1))
    with session_scope(core_runtime.engine) as db:
        assert [row.user_id for row in db.exec(select(LoginSession)).all()] == [second.id]


def test_tokens_that_are_not_strings_or_unknown_sign_in_no_one(core_runtime, make_user):
    make_user("migrant", username="amina")
    with session_scope(core_runtime.engine) as db:
        for token in ("", "x" * 43, None, 17, ["a"]):
            assert login_sessions.signed_in(session=db, token=token) is None  # type: ignore[arg-type]
            assert login_sessions.close_session(session=db, token=token) is False  # type: ignore[arg-type]


def test_browser_names_people_recognise(app):
    with app.test_request_context():
        check_browser_names()


def check_browser_names() -> None:
    assert browser_name(FIREFOX_WINDOWS) == "Firefox on Windows"
    assert browser_name(CHROME_ANDROID) == "Chrome on Android"
    edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0"
    assert browser_name(edge) == "Edge on Windows"
    assert browser_name("curl/8.5.0") == "Unknown browser"


# ---------------------------------------------------------------------------- changing the password


NEW_PASSWORD = "a brand new passphrase"


def test_changing_the_password_ends_every_other_session(app, make_user, core_runtime):
    make_user("migrant", username="amina")
    laptop = sign_in_with_form(app, "amina")
    phone = sign_in_with_form(app, "amina", CHROME_ANDROID)
    assert 'id="link-change-password"' in laptop.get("/account").get_data(as_text=True)
    response = laptop.post("/account/password", data={"csrf_token": csrf(laptop), "current_password": TEST_PASSWORD,
                                                      "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})  # fmt: skip
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    # The old password no longer signs in; the new one does.
    stranger = app.test_client()
    old = stranger.post("/login", data={"csrf_token": form_token(stranger.get("/login")), "username": "amina", "password": TEST_PASSWORD})
    assert old.status_code == 422
    new = stranger.post("/login", data={"csrf_token": form_token(stranger.get("/login")), "username": "amina", "password": NEW_PASSWORD})
    assert new.status_code == 302
    with session_scope(core_runtime.engine) as db:
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.object_id == "amina", AuditEvent.action == "update")).all()
    assert "password changed; 1 other sessions ended" in event.detail


def test_a_password_change_needs_the_current_password_and_a_good_new_one(app, make_user):
    make_user("migrant", username="amina")
    client = sign_in_with_form(app, "amina")
    cases = [
        ({"current_password": "wrong wrong wrong", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, "The password is wrong."),
        ({"current_password": TEST_PASSWORD, "password": "short", "password_again": "short"}, "at least 10 characters"),
        ({"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"}, "The two passwords differ."),
    ]
    for fields, message in cases:
        response = client.post("/account/password", data={"csrf_token": csrf(client), **fields})
        assert response.status_code == 422 and message in response.get_data(as_text=True), fields
    assert client.post("/account/password", data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD,
                                                  "password_again": NEW_PASSWORD}).status_code == 400  # no CSRF token  # fmt: skip
    fresh = app.test_client()
    assert fresh.post("/login", data={"csrf_token": form_token(fresh.get("/login")), "username": "amina",
                                      "password": TEST_PASSWORD}).status_code == 302  # unchanged  # fmt: skip


def test_users_set_password_command_resets_and_signs_out(app, make_user, run_cli):
    make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    laptop = sign_in_with_form(app, "ana.rusu")
    result = run_cli("users", "set-password", "ana.rusu", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0 and "new password set for ana.rusu; 1 session ended" in result.output
    assert laptop.get("/account").status_code == 302
    short = run_cli("users", "set-password", "ana.rusu", input="short\nshort\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output


def test_guessing_the_current_password_is_throttled_like_a_sign_in(app, make_user):
    make_user("migrant", username="amina")
    client = sign_in_with_form(app, "amina")
    wrong = {"current_password": "guess guess guess", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    statuses = [client.post("/account/password", data={"csrf_token": csrf(client), **wrong}).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    right = client.post("/account/password", data={"csrf_token": csrf(client), **wrong, "current_password": TEST_PASSWORD})
    assert right.status_code == 429 and "Wait 15 minutes" in right.get_data(as_text=True)
