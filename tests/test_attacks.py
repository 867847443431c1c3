"""Specific attacks: SQL and FTS5 injection, path traversal, oversized requests, uploads,
security headers, session fixation and CSRF on every POST route."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import TEST_PASSWORD
from tests.test_access_matrix import MATRIX, build_world, signed_in_client
from tests.test_hostile_input import LIBRARY_SEEDS, MATCHING_SEEDS, TRACEBACK, table_counts
from webapp.security import SESSION_KEY

ROOT = Path(__file__).resolve().parents[1]

SQL_INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE vacancy; --",
    '" OR ""="',
    "1; DELETE FROM user_account",
    "x') UNION SELECT username, password_hash FROM user_account --",
    "%' AND 1=0 UNION SELECT sqlite_version() --",
    "\\'; UPDATE service_offer SET cost=0; --",
    "1 OR 1=1",
    "DE' --",
]
FTS_SYNTAX = ['"', '""', '"unclosed', "*", "care*", "NEAR(", "NEAR(a b", "a OR", "OR", "AND", "NOT", "a NOT", "^", "^care",
              "title:", "title:care", "{title summary}: care", "-care", "+", "(", ")", "care)", "a : b", "col:*", "\x00",
              "'", "a''b", "care AND (orientation OR", "NEAR/3", "\\"]  # fmt: skip

SEARCH_URLS = [
    "/library?q={v}",
    "/library?q=care&country={v}",
    "/library?q=care&measure_type={v}&target_group={v}&language={v}&kind={v}&quality={v}&destination={v}",
    "/library?q=care&sort={v}&page={v}",
    "/handbook?lang={v}",
    "/vacancies?q={v}",
    "/vacancies?country={v}&sector={v}&language={v}&level={v}&route={v}&page={v}",
    "/offers?kind={v}&country={v}&language={v}&mode={v}&destination={v}&free={v}&page={v}",
    "/orientation?country={v}&occupation={v}&occupation_q={v}",
    "/?q={v}",
    "/?q={v}&type=skill",
    "/esco/options?type=skill&field=skills&skills_q={v}",
    "/api/v1/occupations/suggest?q={v}",
    "/api/v1/skills/suggest?q={v}&lang={v}",
    "/api/v1/kb/search?q={v}",
    "/api/v1/kb/search?q=care&country={v}&measure_type={v}&sort={v}&mode={v}",
    "/api/v1/vacancies?country={v}&status={v}",
    "/api/v1/offers?kind={v}",
    "/api/v1/eligibility?destination={v}&occupation={v}",
]


@pytest.fixture
def seeded(app, core_runtime):
    from kb.service import import_library
    from matching import records

    import_library(core_runtime, LIBRARY_SEEDS)
    for kind in ("vacancies", "profiles", "offers"):
        getattr(records, f"import_{kind}")(core_runtime, MATCHING_SEEDS / f"{kind}.jsonl")
    return app


def _clean(response, where: str) -> None:
    assert response.status_code in (200, 400, 422), f"{where}: {response.status_code}"
    body = response.get_data()
    assert not TRACEBACK.search(body), where
    lowered = body.lower()
    assert b"operationalerror" not in lowered and b"sqlite3." not in lowered and b"fts5: syntax error" not in lowered, where
    assert b"psycopg" not in lowered and b"sqlalchemy" not in lowered, where
    if response.status_code == 400 and response.is_json:
        assert response.get_json()["error"], where


def test_sql_injection_in_every_search_and_filter_changes_nothing(seeded, core_runtime):
    client = seeded.test_client()
    before = table_counts(core_runtime.engine)
    for template in SEARCH_URLS:
        for attack in SQL_INJECTIONS:
            url = template.format(v=quote(attack, safe=""))
            _clean(client.get(url), url)
    after = table_counts(core_runtime.engine)
    changed = {name for name in before if before[name] != after[name] and name not in ("suggestion_log", "embedding_cache")}
    assert not changed, changed


def test_injection_returns_no_more_than_the_honest_query(seeded):
    client = seeded.test_client()
    honest = client.get("/api/v1/vacancies?country=DE").get_json()["vacancies"]
    injected = client.get("/api/v1/vacancies?country=" + quote("DE' OR '1'='1")).get_json()["vacancies"]
    assert len(injected) <= len(honest)
    assert client.get("/api/v1/offers?kind=" + quote("x' OR 1=1 --")).get_json()["offers"] == []


def test_fts5_syntax_in_search_boxes_gives_results_or_a_clear_400(seeded):
    client = seeded.test_client()
    for query, template in itertools.product(FTS_SYNTAX,  ("/library?q={v}", "/api/v1/kb/search?q={v}", "/api/v1/occupations/suggest?q={v}",
                     "/api/v1/skills/suggest?q={v}", "/vacancies?q={v}", "/?q={v}",
                     "/esco/options?type=occupation&field=occupation&occupation_q={v}")):  # fmt: skip
        url = template.format(v=quote(query, safe=""))
        response = client.get(url)
        _clean(response, url)
        if response.status_code == 400 and not response.is_json:
            assert b'role="alert"' in response.data or b"error" in response.data, url


# ---------------------------------------------------------------------------- paths


def test_kb_import_of_a_directory_outside_is_harmless(run_cli, core_runtime, tmp_path):
    before = table_counts(core_runtime.engine)
    for target in ("../../etc", "/etc", "../../../../../../../../etc/passwd", "/proc/self/environ", "/dev/zero"):
        result = run_cli("kb", "import", target)
        assert result.exit_code != 0, (target, result.output)
        assert "Traceback" not in result.output
    assert table_counts(core_runtime.engine) == before


def test_kb_import_does_not_follow_links_out_of_the_directory(core_runtime, tmp_path):
    from kb.service import import_library

    outside = tmp_path / "outside"
    outside.mkdir()
    secret = LIBRARY_SEEDS / "practices" / "au-palm.md"
    (outside / "au-palm.md").write_text(secret.read_text(encoding="utf-8"), encoding="utf-8")
    library = tmp_path / "library"
    (library / "practices").mkdir(parents=True)
    (library / "practices" / "linked.md").symlink_to(outside / "au-palm.md")
    (library / "practices" / "dir-link").symlink_to(outside, target_is_directory=True)
    (library / "practices" / "etc.md").symlink_to("/etc/passwd")
    (library / "practices" / "..evil..md").write_text("not a record", encoding="utf-8")
    report = import_library(core_runtime, library)
    assert report.created == 0
    assert all("passwd" not in message and "au-palm" not in message for message in report.failed), report.failed
    with pytest.raises(Exception):
        from kb.service import get_entry

        get_entry(core_runtime, "au-palm")


def test_record_ids_cannot_name_paths(tmp_path):
    from practices.schema import RecordError, record_from_fields

    for bad in ("../../etc/passwd", "..", "a/b", "a\\b", "/abs", "x\x00y"):
        with pytest.raises(RecordError):
            record_from_fields({"id": bad, "kind": "practice", "language": "en", "title": "t", "sources": ["s"]})


def test_library_page_ids_with_dots_and_slashes_are_not_found(seeded):
    client = seeded.test_client()
    for path in ("/library/..%2F..%2Fetc%2Fpasswd", "/library/%2e%2e", "/library/..%5c..%5cwin.ini", "/static/..%2F__init__.py",
                 "/static/../webapp/__init__.py", "/vendor/..%2F..%2Fsetup.py"):  # fmt: skip
        response = client.get(path)
        assert response.status_code in (404, 400), path
        assert b"create_app" not in response.data


# ---------------------------------------------------------------------------- size and uploads


def test_a_3mb_form_gets_413_with_a_friendly_page(seeded):
    client = seeded.test_client()
    response = client.post("/login", data={"username": "x" * (3 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413
    assert b"too large" in response.data and b"<html" in response.data
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("path", ["/api/v1/skills/extract", "/api/v1/profiles", "/api/v1/suggestions/choices"])
def test_a_3mb_api_body_gets_413_as_json(seeded, path):
    body = '{"text": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = seeded.test_client().post(path, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.is_json and response.get_json()["error"]


def test_there_is_no_upload_endpoint():
    """No form takes a file: imports are command-line only (`headstart ... import`)."""
    templates = list((ROOT / "webapp" / "templates").rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert 'type="file"' not in text and "multipart/form-data" not in text, template
    for source in (ROOT / "webapp").rglob("*.py"):
        assert "request.files" not in source.read_text(encoding="utf-8"), source


# ---------------------------------------------------------------------------- headers


def _security_headers_ok(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no CSP"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "script-src 'self'" in csp, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where
    assert response.headers.get("X-Frame-Options") == "DENY", where


@pytest.fixture
def world(app, core_runtime, make_user):
    return build_world(core_runtime, make_user)


def test_every_html_route_sends_the_security_headers(app, world):
    for actor in ("anonymous", "admin", "migrant", "practitioner"):
        client, _ = signed_in_client(app, world.user(actor))
        for endpoint, cases in MATRIX.items():
            for case in cases:
                if case.get is None:
                    continue
                path = case.path(world)
                response = client.get(path)
                _security_headers_ok(response, f"GET {path} as {actor}")
                if actor != "anonymous" and response.status_code == 200 and response.mimetype == "text/html":
                    assert response.headers.get("Cache-Control") == "no-store", path
                response.close()


def test_error_pages_send_the_security_headers(core_runtime, make_user):
    from webapp.app import create_app

    app = create_app(runtime=core_runtime)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    cases = [
        (client.get("/no-such-page"), 404),
        (client.get("/logout"), 405),
        (client.post("/language", data={"language": "fr"}), 400),
        (client.post("/login", data={"username": "x" * (3 * 1024 * 1024)}), 413),
        (client.get("/api/v1/nothing-here"), 404),
        (client.get("/boom-for-test"), 500),
    ]
    for response, status in cases:
        assert response.status_code == status
        _security_headers_ok(response, f"error {status}")
        assert not TRACEBACK.search(response.data) and b"a bug" not in response.data


# ---------------------------------------------------------------------------- sessions and CSRF


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_sign_in_replaces_the_session_cookie_and_logout_forgets_the_user(client, make_user):
    from tests.test_web_auth import form_token

    make_user("migrant", username="fixation-cookie")
    token = form_token(client.get("/login"))
    before = _session_cookie(client)
    assert before
    response = client.post("/login", data={"csrf_token": token, "username": "fixation-cookie", "password": TEST_PASSWORD})
    assert response.status_code == 302
    after = _session_cookie(client)
    assert after and after != before
    # The cookie from before the sign-in, replayed, is still signed out.
    stranger = client.application.test_client()
    stranger.set_cookie("session", before)
    assert stranger.get("/account").status_code == 302
    # Signing out leaves no user in the session.
    with client.session_transaction() as session:
        new_token = session["csrf_token"]
    client.post("/logout", data={"csrf_token": new_token})
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        assert SESSION_KEY not in session


def test_registration_starts_a_fresh_session_too(client):
    from tests.test_web_auth import form_token

    token = form_token(client.get("/register"))
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/register", data={"csrf_token": token, "username": "fresh-one", "password": TEST_PASSWORD,
                                   "password_again": TEST_PASSWORD, "role": "migrant"})  # fmt: skip
    with client.session_transaction() as session:
        assert session.get(SESSION_KEY) and "planted" not in session and session["csrf_token"] != token


def test_every_post_route_refuses_a_request_without_the_csrf_token(app, world):
    """Admin passes every role check, so the only thing stopping these is the token."""
    admin = world.user("admin")
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and not rule.rule.startswith("/api/")]
    assert len(rules) >= 15
    for rule in rules:
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(_id_for(m.group(1), world)), rule.rule)
        for tokens in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
            client, real = signed_in_client(app, admin)
            response = client.post(path, data={**tokens, "language": "fr", "done": "1", "text": "x", "kind": "next_step"})
            assert response.status_code == 400, f"POST {path} with {tokens}: {response.status_code}"
            assert b"expired" in response.data
        # With the right token in the header (htmx) the same request is not refused for CSRF.
        client, real = signed_in_client(app, admin)
        response = client.post(path, data={"language": "en"}, headers={"X-CSRF-Token": real})
        assert b"This form has expired" not in response.data, path


def _id_for(name: str, world) -> object:
    return {"profile_id": world.ids["profile"], "note_id": world.ids["note"], "vacancy_id": world.ids["vacancy"],
            "offer_id": world.ids["offer"], "record_id": world.ids["record"], "step": "about",
            "organisation_id": world.ids["employer_org"], "invitation_id": world.ids["invitation_withdrawn_id"],
            "username": world.users["employer"].username, "token": world.ids["invitation_post"],
            "entry_id": world.ids["entry"], "request_id": world.ids["request"], "consent_id": 999999,
            "search_id": 999999, "row_id": 999999, "notification_id": 999999,
            "partnership_id": world.ids["partnership"], "referral_id": world.ids["referral"]}[name]  # fmt: skip


def test_cookies_are_httponly_and_samesite(client, make_user):
    response = client.get("/login")
    header = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_export_writes_only_inside_the_named_directory(library_runtime, run_cli, tmp_path):
    target = tmp_path / "export"
    result = run_cli("kb", "export", str(target), "--format", "markdown")
    assert result.exit_code == 0, result.output
    written = [p for p in target.rglob("*") if p.is_file()]
    assert written and all(p.resolve().is_relative_to(target.resolve()) for p in written)
