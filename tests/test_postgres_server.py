"""The throwaway PostgreSQL server that the Makefile runs the suite against."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.postgres_server import ENV_VAR, PostgresServer, find_bindir, postgres_server

ROOT = Path(__file__).resolve().parent.parent


def _why_not_runnable() -> str | None:
    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' system user to run PostgreSQL"
    return None


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(_why_not_runnable() is not None, reason=_why_not_runnable() or ""),
]


def _accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_server_answers_select_1_and_is_gone_afterwards() -> None:
    server = PostgresServer()
    with server:
        base_dir, port = server.base_dir, server.port
        assert server.url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/headstart_test"
        engine = create_engine(server.url)
        try:
            with engine.connect() as connection:
                assert connection.execute(text("select 1")).scalar_one() == 1
                assert connection.execute(text("select current_database()")).scalar_one() == "headstart_test"
        finally:
            engine.dispose()
    assert base_dir is not None and not base_dir.exists()
    assert port is not None and not _accepts_connections(port)
    server.stop()  # a second stop is harmless


def test_server_is_stopped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with postgres_server("other_db") as url:
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            assert url.endswith("/other_db")
            raise RuntimeError("boom")
    assert not _accepts_connections(port)


def test_command_line_runs_the_command_with_the_url_and_returns_its_exit_code() -> None:
    child = (
        "import os, sys\n"
        "from sqlalchemy import create_engine, text\n"
        f"url = os.environ[{ENV_VAR!r}]\n"
        "engine = create_engine(url)\n"
        "with engine.connect() as connection:\n"
        "    assert connection.execute(text('select 1')).scalar_one() == 1\n"
        "engine.dispose()\n"
        "sys.exit(7)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.postgres_server", "--", sys.executable, "-c", child],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 7, result.stderr
    assert "postgresql+psycopg://postgres@127.0.0.1:" in result.stderr
