"""Shared fixtures: settings on a temp data dir, a fresh database per test, encoders.

The database is SQLite unless HEADSTART_TEST_DATABASE_URL names another server (the
PostgreSQL run in CI sets it, see tests/postgres_server.py and the Makefile).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from core.embeddings import encoder as embed, registry
from core.config import Settings
from core.db import create_schema, drop_schema, make_engine
from tests.fakes import FAKE_MODEL_NAME, HashingBackend

ROOT = Path(__file__).resolve().parent.parent
SHARED_ESCO = ROOT.parent / "shared" / "esco"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

registry.register_backend(FAKE_MODEL_NAME, lambda name: HashingBackend(name))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return os.environ.get("HEADSTART_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'headstart.db'}"


@pytest.fixture
def settings(request, tmp_path: Path, database_url: str) -> Settings:
    """Embedded search unless a test module parametrises it over ENGINES (indirect)."""
    backend = getattr(request, "param", "embedded")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        search_backend=backend,
        elasticsearch_url=os.environ.get("ELASTICSEARCH_URL") if backend == "elasticsearch" else None,
        elasticsearch_prefix=f"headstart-test-{os.getpid()}-{tmp_path.name.lower()}-",
        embedding_model=FAKE_MODEL_NAME,
        multilingual_model=None,
        esco_dir=None,
        secret_key="test-secret",
    )


@pytest.fixture
def engine(settings: Settings):
    engine = make_engine(settings.database_url)
    drop_schema(engine)
    create_schema(engine)
    yield engine
    leaked = _end_leaked_transactions(engine)
    drop_schema(engine)
    engine.dispose()
    if leaked:
        pytest.fail(f"the test left {leaked} database transaction(s) open (a Session never closed?)", pytrace=False)


def _end_leaked_transactions(engine) -> int:
    """Terminate PostgreSQL sessions of this database left idle inside a transaction.

    On PostgreSQL such a session holds its table locks, and the DROP of the teardown would
    wait for it for ever (a CI run once hung here for an hour); SQLite has no such wait.
    """
    if engine.url.get_backend_name() != "postgresql":
        return 0
    from sqlalchemy import text

    engine.dispose()  # connections back in the pool are not leaks
    with engine.connect() as connection:
        leaked = len(connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        )).all())  # fmt: skip
    # Finalise the leaked sessions now: left to a later garbage collection, they ran in the
    # middle of pytest's ast parsing and crashed it (CPython 3.11 "AST constructor recursion").
    gc.collect()
    return leaked


@pytest.fixture
def fake_encoder(engine) -> embed.Encoder:
    return embed.Encoder(FAKE_MODEL_NAME, engine=engine)


@pytest.fixture(scope="session")
def real_backend():
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    return registry.load_backend("all-MiniLM-L6-v2")


@pytest.fixture
def real_encoder(engine, real_backend) -> embed.Encoder:
    return embed.Encoder("all-MiniLM-L6-v2", engine=engine, backend=real_backend)


@pytest.fixture(scope="session")
def shared_esco_dir() -> Path:
    if not (SHARED_ESCO / "occupations_en.csv").exists():
        pytest.skip(f"the ESCO files are not at {SHARED_ESCO}")
    return SHARED_ESCO


def _engine_params() -> list:
    params = ["embedded"]
    params.append(
        pytest.param(
            "elasticsearch",
            marks=pytest.mark.skipif(
                not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set: no Elasticsearch server"
            ),
        )
    )
    return params


# Search engines a test module can run on. A module with `RUN_ON_EVERY_ENGINE = True` has
# each of its tests that use `settings` (directly or through runtime, app ...) run once per
# engine; Elasticsearch is skipped with the reason unless ELASTICSEARCH_URL is set.
ENGINES = _engine_params()


def pytest_generate_tests(metafunc) -> None:
    if getattr(metafunc.module, "RUN_ON_EVERY_ENGINE", False) and "settings" in metafunc.fixturenames:
        metafunc.parametrize("settings", ENGINES, indirect=True)


@pytest.fixture(params=_engine_params())
def search_index(request, settings: Settings, fake_encoder):
    """An empty index of every available engine, with the fake encoder."""
    from core.search.factory import open_index

    engine_settings = settings.with_(
        search_backend=request.param,
        elasticsearch_url=os.environ.get("ELASTICSEARCH_URL"),
    )
    index = open_index(engine_settings, f"contract-{os.getpid()}", fake_encoder)
    index.clear()
    yield index
    index.clear()


@pytest.fixture
def runtime(settings: Settings, engine, fake_encoder):
    from core.runtime import Runtime

    runtime = Runtime(settings, encoder=fake_encoder)
    runtime.__dict__["engine"] = engine  # share the per-test database
    yield runtime
    runtime.close()


@pytest.fixture
def core_runtime(runtime):
    """A runtime with the small core taxonomy from seeds/ imported and indexed."""
    from matching.taxonomy_index import import_core_taxonomy

    import_core_taxonomy(runtime)
    return runtime


@pytest.fixture
def app(core_runtime):
    from webapp.app import create_app

    app = create_app(runtime=core_runtime)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Environment for `headstart` commands run through the click runner."""
    return {
        "HEADSTART_DATA_DIR": str(settings.data_dir),
        "HEADSTART_DATABASE_URL": settings.database_url,
        "HEADSTART_EMBEDDING_MODEL": FAKE_MODEL_NAME,
        "HEADSTART_MULTILINGUAL_MODEL": "none",
        "HEADSTART_ESCO_DIR": str(tmp_path / "no-esco-here"),
        "HEADSTART_SEARCH": "embedded",
    }


@pytest.fixture
def run_cli(cli_env, engine):
    """Invoke `headstart ...` in-process; returns the click Result."""
    from click.testing import CliRunner

    from webapp.cli import main

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        runner = CliRunner()
        return runner.invoke(main, list(args), input=input, env={**cli_env, **(env or {})}, catch_exceptions=False)

    return run


def _session_database_url(tmp_path_factory, name: str) -> str:
    """A database for session-scoped data, apart from the one the per-test fixture wipes."""
    base = os.environ.get("HEADSTART_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'headstart.db'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    database = f"{url.database}_{name}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def esco_runtime(tmp_path_factory, shared_esco_dir):
    """The whole ESCO set imported and indexed with the real models, once per session.

    The product's encoder: all-MiniLM-L6-v2 plus the multilingual USE.
    """
    from core.runtime import Runtime
    from matching.taxonomy_index import import_taxonomy

    data_dir = tmp_path_factory.mktemp("esco-data")
    settings = Settings(
        data_dir=data_dir,
        database_url=_session_database_url(tmp_path_factory, "esco"),
        esco_dir=shared_esco_dir,
        secret_key="test-secret",
    )
    runtime = Runtime(settings)
    runtime.init_database()
    import_taxonomy(runtime, shared_esco_dir)
    yield runtime
    runtime.close()


LIBRARY_SEEDS = ROOT / "seeds" / "library"


@pytest.fixture
def library_runtime(runtime):
    """A runtime with the seed library imported and indexed (fake encoder)."""
    from kb.service import import_library

    report = import_library(runtime, LIBRARY_SEEDS)
    assert report.ok, report.failed
    return runtime


@pytest.fixture(scope="session")
def library_real_runtime(tmp_path_factory):
    """The seed library imported and indexed with the product's real models, once per session."""
    from core.runtime import Runtime
    from kb.service import import_library

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("library-data"),
        database_url=_session_database_url(tmp_path_factory, "library"),
        esco_dir=None,
        secret_key="test-secret",
    )
    runtime = Runtime(settings)
    runtime.init_database()
    report = import_library(runtime, LIBRARY_SEEDS)
    assert report.ok, report.failed
    yield runtime
    runtime.close()


# ---------------------------------------------------------------------------- web pages

TEST_PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(core_runtime):
    """Create an account: make_user("employer", organisation="Krankenhaus Kessler GmbH").

    As an admin makes it: a member of the verified organisation of that kind and exact
    name (made if there is none; the first member owns it), the one imports also find."""
    from core.db import session_scope
    from core.organisations.registration import create_member_account

    counter = iter(range(1, 10_000))

    def make(role: str = "migrant", *, username: str | None = None, organisation: str = "", language: str = "en"):
        if role in ("practitioner", "employer", "provider") and not organisation:
            organisation = f"{role.title()} Organisation"
        with session_scope(core_runtime.engine) as db:
            return create_member_account(
                db,
                username=username or f"{role}-{next(counter)}",
                password=TEST_PASSWORD,
                role=role,
                organisation=organisation,
                language=language,
                by="the tests",
            )

    return make


@pytest.fixture
def sign_in(client):
    """Sign `user` in on the test client; returns the CSRF token to send with writes."""

    from tests.signing_in import plant_sign_in

    def sign(user) -> str:
        token = f"csrf-{user.id}"
        plant_sign_in(client, user, token, clear=True)
        return token

    return sign


# ---------------------------------------------------------------------------- real browser

CHROMIUM = os.environ.get("HEADSTART_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT_DIR = Path(os.environ.get("HEADSTART_SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory, real_backend):
    """`make demo` in miniature: the demo content with the real model, served on loopback
    by a real HTTP server in a thread. Yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    from core.runtime import Runtime
    from webapp.app import create_app
    from webapp.demo_seed import seed_demo

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("demo-site"),
        database_url=_session_database_url(tmp_path_factory, "demosite"),
        multilingual_model=None,
        esco_dir=None,
        secret_key="browser-test-secret",
    )
    engine = make_engine(settings.database_url)
    drop_schema(engine)
    create_schema(engine)
    runtime = Runtime(settings, encoder=embed.Encoder("all-MiniLM-L6-v2", engine=engine, backend=real_backend))
    runtime.__dict__["engine"] = engine
    assert seed_demo(runtime, demo_users=True, echo=lambda _message: None)
    app = create_app(runtime=runtime)
    server = make_server("127.0.0.1", 0, _closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    runtime.close()
    engine.dispose()


def _closing_bodies(app):
    """Close each response body as soon as it is sent.

    Werkzeug's development server closes a body only after draining the socket; when
    Chromium drops a connection (a favicon request cancelled by a navigation) the drain
    raises first, the static file stays open and its ResourceWarning fails a later test.
    """

    def send_then_close(body):
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def middleware(environ, start_response):
        return send_then_close(app(environ, start_response))

    return middleware


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set HEADSTART_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class BrowserPage:
    """A fresh browser context on the demo site, recording console errors (CSP included)."""

    def __init__(self, browser, base_url: str, *, width: int = 1280, height: int = 900, locale: str = "en-GB") -> None:
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message) -> None:
        # Pages answer wrong input with 4xx on purpose (422 form errors, 403, 404); Chromium
        # logs those as errors too. Script errors and CSP violations are what must not happen.
        if message.type == "error" and "the server responded with a status of 4" not in message.text:
            self.console_errors.append(message.text)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, username: str, password: str = "headstart-demo") -> None:
        self.goto("/login")
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def screenshot(self, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browser_page(browser, demo_site):
    """One signed-out browser page; fails the test if a page logged a console error."""
    page = BrowserPage(browser, demo_site)
    yield page
    errors = page.console_errors
    page.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def new_browser_page(browser, demo_site):
    """Factory for more pages (another user at the same time, a phone-sized screen)."""
    pages: list[BrowserPage] = []

    def make(**options) -> BrowserPage:
        page = BrowserPage(browser, demo_site, **options)
        pages.append(page)
        return page

    yield make
    errors = [error for page in pages for error in page.console_errors]
    for page in pages:
        page.close()
    assert not errors, f"browser console errors: {errors}"
