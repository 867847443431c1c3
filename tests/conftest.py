"""Shared fixtures: settings on a temp data dir, a fresh database per test, encoders.

The database is SQLite unless HEADSTART_TEST_DATABASE_URL names another server (the
PostgreSQL run in CI sets it, see tests/postgres_server.py and the Makefile).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import embed
from kb.config import Settings
from kb.db import create_schema, drop_schema, make_engine
from tests.fakes import FAKE_MODEL_NAME, HashingBackend

ROOT = Path(__file__).resolve().parent.parent
SHARED_ESCO = ROOT.parent / "shared" / "esco"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

embed.register_backend(FAKE_MODEL_NAME, lambda name: HashingBackend(name))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return os.environ.get("HEADSTART_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'headstart.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
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
    drop_schema(engine)
    engine.dispose()


@pytest.fixture
def fake_encoder(engine) -> embed.Encoder:
    return embed.Encoder(FAKE_MODEL_NAME, engine=engine)


@pytest.fixture(scope="session")
def real_backend():
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    return embed.load_backend("all-MiniLM-L6-v2")


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


@pytest.fixture(params=_engine_params())
def search_index(request, settings: Settings, fake_encoder):
    """An empty index of every available engine, with the fake encoder."""
    from kb.search.factory import open_index

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
    from kb.runtime import Runtime

    runtime = Runtime(settings, encoder=fake_encoder)
    runtime.__dict__["engine"] = engine  # share the per-test database
    yield runtime
    runtime.close()


@pytest.fixture
def core_runtime(runtime):
    """A runtime with the small core taxonomy from seeds/ imported and indexed."""
    from matching.service import import_core_taxonomy

    import_core_taxonomy(runtime)
    return runtime


@pytest.fixture
def app(core_runtime):
    from webapp import create_app

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
    from kb.runtime import Runtime
    from matching.service import import_taxonomy

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
    from kb.runtime import Runtime
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
    """Create an account: make_user("employer", organisation="Krankenhaus Kessler GmbH")."""
    from kb.accounts import create_user
    from kb.db import session_scope

    counter = iter(range(1, 10_000))

    def make(role: str = "migrant", *, username: str | None = None, organisation: str = "", language: str = "en"):
        if role in ("practitioner", "employer", "provider") and not organisation:
            organisation = f"{role.title()} Organisation"
        with session_scope(core_runtime.engine) as db:
            return create_user(
                session=db,
                username=username or f"{role}-{next(counter)}",
                password=TEST_PASSWORD,
                role=role,
                organisation=organisation,
                language=language,
            )

    return make


@pytest.fixture
def sign_in(client):
    """Sign `user` in on the test client; returns the CSRF token to send with writes."""

    def sign(user) -> str:
        token = f"csrf-{user.id}"
        with client.session_transaction() as session:
            session.clear()
            session["uid"] = user.id
            session["csrf_token"] = token
        return token

    return sign
