"""Accounts on the pages: register, sign in, throttling, CSRF, language, security headers."""

from __future__ import annotations

import re

import pytest

from core.accounts.users import MAX_FAILURES_PER_ACCOUNT, authenticate, find_user
from core.db import session_scope
from core.errors import HeadstartError
from tests.conftest import TEST_PASSWORD


def form_token(response) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', response.data)
    assert match, "page has no CSRF field"
    return match.group(1).decode()


def test_register_then_sign_out_and_in_again(client, core_runtime):
    page = client.get("/register")
    token = form_token(page)
    response = client.post(
        "/register",
        data={
            "csrf_token": token, "role": "employer", "username": "Nadia.Ops", "display_name": "Nadia",
            "organisation": "Spedition Moosbach GmbH", "password": "a long enough pass", "password_again": "a long enough pass",
        },
    )
    assert response.status_code == 302
    with session_scope(core_runtime.engine) as db:
        user = find_user(db, "nadia.ops")
        assert user.role == "employer" and user.organisation == "Spedition Moosbach GmbH"
        assert user.password_hash.startswith("scrypt:") and "a long enough pass" not in user.password_hash
    account = client.get("/account")
    assert b"Spedition Moosbach GmbH" in account.data
    client.post("/logout", data={"csrf_token": form_token(account)})
    assert client.get("/account").status_code == 302
    login_page = client.get("/login")
    response = client.post("/login", data={"csrf_token": form_token(login_page), "username": "nadia.ops", "password": "a long enough pass"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")


def test_register_errors_are_shown_next_to_fields_and_keep_input(client):
    token = form_token(client.get("/register"))
    response = client.post(
        "/register",
        data={"csrf_token": token, "role": "employer", "username": "ok-name", "display_name": "Kept Name",
              "organisation": "", "password": "short", "password_again": "short"},
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="password-error"' in html and "at least 10 characters" in html
    assert 'value="Kept Name"' in html and 'value="ok-name"' in html
    response = client.post(
        "/register",
        data={"csrf_token": token, "role": "admin", "username": "sneaky", "password": "x" * 12, "password_again": "x" * 12},
    )
    assert response.status_code == 422 and b'id="role-error"' in response.data


def test_practitioner_cannot_self_register_and_duplicate_names_are_refused(client, make_user):
    make_user("migrant", username="taken-name")
    token = form_token(client.get("/register"))
    response = client.post(
        "/register",
        data={"csrf_token": token, "role": "migrant", "username": "Taken-Name", "password": "x" * 12, "password_again": "x" * 12},
    )
    assert response.status_code == 422 and b"taken" in response.data


def test_wrong_password_says_so_without_revealing_which_part(client, make_user):
    make_user("migrant", username="amina")
    token = form_token(client.get("/login"))
    wrong_password = client.post("/login", data={"csrf_token": token, "username": "amina", "password": "nope nope nope"})
    unknown_user = client.post("/login", data={"csrf_token": token, "username": "nobody", "password": "nope nope nope"})
    assert wrong_password.status_code == unknown_user.status_code == 422
    assert b"The user name or the password is wrong." in wrong_password.data
    assert b"The user name or the password is wrong." in unknown_user.data
    assert b'value="amina"' in wrong_password.data  # the name typed is kept


def test_sign_in_is_throttled_after_repeated_failures(client, make_user, core_runtime):
    make_user("migrant", username="target")
    token = form_token(client.get("/login"))
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert client.post("/login", data={"csrf_token": token, "username": "target", "password": "guess guess"}).status_code == 422
    blocked = client.post("/login", data={"csrf_token": token, "username": "target", "password": TEST_PASSWORD})
    assert blocked.status_code == 429 and b"Too many failed sign-ins" in blocked.data
    with session_scope(core_runtime.engine) as db, pytest.raises(HeadstartError):
        authenticate(session=db, username="target", password=TEST_PASSWORD, client="elsewhere")


def test_sign_in_starts_a_new_session(client, make_user):
    make_user("migrant", username="fixation")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    token = form_token(client.get("/login"))
    client.post("/login", data={"csrf_token": token, "username": "fixation", "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session and session["csrf_token"] != token


def test_writes_without_the_csrf_token_are_refused(client, make_user, sign_in):
    user = make_user("migrant")
    sign_in(user)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.post("/language", data={"language": "fr"}, headers={"X-CSRF-Token": "forged"}).status_code == 400
    assert client.get("/account").status_code == 200  # still signed in


def test_next_after_sign_in_stays_on_this_site(client, make_user):
    make_user("migrant", username="redirected")
    token = form_token(client.get("/login"))
    response = client.post(
        "/login", data={"csrf_token": token, "username": "redirected", "password": TEST_PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["Location"].endswith("/account")


def test_language_choice_sticks_and_arabic_is_right_to_left(client, make_user, sign_in, core_runtime):
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert b'<html lang="fr" dir="ltr">' in page.data
    user = make_user("migrant", username="rtl-user")
    token = sign_in(user)
    client.post("/language", data={"csrf_token": token, "language": "ar"})
    page = client.get("/account", headers={"Accept-Language": "en"})
    assert b'<html lang="ar" dir="rtl">' in page.data
    with session_scope(core_runtime.engine) as db:
        assert find_user(db, "rtl-user").language == "ar"


def test_pages_send_security_headers_and_no_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert re.search(rb"<script(?![^>]*\bsrc=)", response.data) is None
    assert b" style=" not in response.data


def test_htmx_is_served_from_the_pip_package(client):
    with client.get("/vendor/htmx.min.js") as response:
        assert response.status_code == 200 and b"htmx" in response.data[:2000]
        assert "max-age" in response.headers["Cache-Control"]
    assert client.get("/vendor/../secret").status_code == 404


def test_demo_accounts_cover_every_role(run_cli, core_runtime):
    result = run_cli("seed", "--demo-users")
    assert result.exit_code == 0, result.output
    assert "password: headstart-demo" in result.output
    with session_scope(core_runtime.engine) as db:
        roles = {find_user(db, name).role for name in ("admin", "practitioner", "demo-migrant-01", "employer", "provider")}
    assert roles == {"admin", "practitioner", "migrant", "employer", "provider"}
    again = run_cli("seed", "--demo-users")
    assert again.exit_code == 0 and "0 consents granted" in again.output


def test_users_create_command(run_cli, core_runtime):
    result = run_cli("users", "create", "mrc-lead", "--role", "practitioner", "--organisation", "MRC Tunis", input="long password 1\nlong password 1\n")
    assert result.exit_code == 0, result.output
    refused = run_cli("users", "create", "x", "--role", "migrant", input="long password 1\nlong password 1\n")
    assert refused.exit_code == 2 and "user name" in refused.output
