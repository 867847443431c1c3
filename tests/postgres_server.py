"""A throwaway PostgreSQL server for tests, built from the machine's own binaries.

    with postgres_server() as url:       # postgresql+psycopg://postgres@127.0.0.1:PORT/headstart_test
        ...

starts a fresh cluster in a temp dir (`initdb`, then `pg_ctl start`), listening on a free
loopback port only, its unix socket inside the temp dir, trust authentication; waits until
it accepts connections, creates the database, and on the way out stops the server and
removes the dir, whatever happened inside the block.

The PostgreSQL binaries refuse to run as root: as root the temp dir is handed to the
`postgres` system user and the binaries run through `su postgres`.

As a command it wraps another command, which is how the Makefile runs the whole suite on
PostgreSQL:

    python -m tests.postgres_server -- python -m pytest

runs the command with HEADSTART_TEST_DATABASE_URL set to the server's URL, stops the
server and exits with the command's exit code. With no command it prints the URL and
keeps the server up until interrupted.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

ENV_VAR = "HEADSTART_TEST_DATABASE_URL"
# Where to look for initdb/pg_ctl/postgres when they are not on PATH (Debian's layout).
BINDIR_ENV_VAR = "HEADSTART_PG_BINDIR"
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
BINARIES = ("initdb", "pg_ctl", "postgres")
SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
DEFAULT_DATABASE = "headstart_test"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30


class PostgresServerError(RuntimeError):
    """The throwaway server could not be found, started or stopped."""


def _has_binaries(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in BINARIES)


def _version_key(directory: str) -> tuple[int, ...]:
    version = Path(directory).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def find_bindir() -> Path | None:
    """The directory that holds initdb, pg_ctl and postgres, or None.

    HEADSTART_PG_BINDIR wins; then the directory of `initdb` on PATH (symlinks resolved,
    so that pg_ctl finds the postgres beside it); then Debian's /usr/lib/postgresql/N/bin,
    newest first.
    """
    if os.environ.get(BINDIR_ENV_VAR):
        chosen = Path(os.environ[BINDIR_ENV_VAR])
        return chosen if _has_binaries(chosen) else None
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
        candidates.append(Path(on_path).parent)
    candidates.extend(Path(d) for d in sorted(glob.glob(DEBIAN_BINDIRS), key=_version_key, reverse=True))
    for directory in candidates:
        if _has_binaries(directory):
            return directory
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _running_as_root() -> bool:
    return os.geteuid() == 0


class PostgresServer:
    """One throwaway cluster: `start()` then `stop()`; or use `postgres_server()`."""

    def __init__(
        self,
        database: str = DEFAULT_DATABASE,
        *,
        bindir: Path | None = None,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresServerError(
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH nor in "
                f"{DEBIAN_BINDIRS}; install them (Debian: apt-get install postgresql) "
                f"or set {BINDIR_ENV_VAR} to their directory"
                + (f" (it is {os.environ[BINDIR_ENV_VAR]!r})" if os.environ.get(BINDIR_ENV_VAR) else "")
            )
        if not _has_binaries(found):
            raise PostgresServerError(f"{found} does not hold all of {', '.join(BINARIES)}")
        self.bindir = found
        self.database = database
        self.start_timeout = start_timeout
        self.as_root = _running_as_root()
        self.base_dir: Path | None = None
        self.port: int | None = None
        self._started = False

    # -- paths and URL -----------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._base / "data"

    @property
    def socket_dir(self) -> Path:
        return self._base / "socket"

    @property
    def log_file(self) -> Path:
        return self._base / "server.log"

    @property
    def _base(self) -> Path:
        if self.base_dir is None:
            raise PostgresServerError("the server has not been started")
        return self.base_dir

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{self.database}"

    def conninfo(self, dbname: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=dbname or self.database,
            connect_timeout=5,
        )

    # -- running the binaries ----------------------------------------------------------

    def _run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one PostgreSQL binary, as the `postgres` system user when we are root."""
        argv = [str(a) for a in args]
        if self.as_root:
            argv = ["su", SYSTEM_USER, "-s", "/bin/sh", "-c", shlex.join(argv)]
        result = subprocess.run(
            argv,
            cwd=self._base,  # readable by the postgres user, unlike root's own cwd perhaps
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self._env(),
        )
        if check and result.returncode != 0:
            raise PostgresServerError(
                f"{shlex.join(str(a) for a in args)} failed with exit code {result.returncode}:\n"
                f"{result.stdout.strip()}{self._log_tail()}"
            )
        return result

    @staticmethod
    def _env() -> dict[str, str]:
        # Libpq variables of the caller must not steer the server's own tools.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        env.pop("LANG", None)
        return env

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- {self.log_file} (last {lines} lines) ---\n{tail}" if tail else ""

    # -- lifecycle ---------------------------------------------------------------------

    def _make_base_dir(self) -> Path:
        if not self.as_root:
            return Path(tempfile.mkdtemp(prefix="headstart-pg-"))
        try:
            account = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresServerError(
                f"running as root needs a {SYSTEM_USER!r} system user to run PostgreSQL "
                "(the server refuses to run as root); install Debian's postgresql package "
                "or run as an ordinary user"
            ) from None
        # The postgres user must be able to reach the dir: TMPDIR may point under /root.
        parent = tempfile.gettempdir()
        probe = subprocess.run(
            ["su", SYSTEM_USER, "-s", "/bin/sh", "-c", f"test -x {shlex.quote(parent)}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
        )
        if probe.returncode != 0:
            parent = "/tmp"
        base = Path(tempfile.mkdtemp(prefix="headstart-pg-", dir=parent))
        os.chown(base, account.pw_uid, account.pw_gid)
        return base

    def start(self) -> str:
        """Create and start the cluster and the database; return the URL."""
        if self._started:
            raise PostgresServerError("the server is already started")
        self.base_dir = self._make_base_dir()
        try:
            self._init_cluster()
            self._start_on_a_free_port()
            self._wait_until_ready()
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self.url

    def _init_cluster(self) -> None:
        self.socket_dir.mkdir(mode=0o700)
        if self.as_root:
            owner = self._base.stat()
            os.chown(self.socket_dir, owner.st_uid, owner.st_gid)
        self._run(
            self.bindir / "initdb",
            "--pgdata", self.data_dir,
            "--username", SUPERUSER,
            "--auth", "trust",
            "--encoding", "UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        )
        # Loopback only, trust: the cluster lives for one test run and holds test data.
        (self.data_dir / "pg_hba.conf").write_text(
            "# TYPE  DATABASE  USER  ADDRESS        METHOD\n"
            "local   all       all                  trust\n"
            "host    all       all   127.0.0.1/32   trust\n"
        )

    def _write_settings(self, port: int) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            # Speed over durability: the data is thrown away.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "log_min_messages": "warning",
        }
        body = "".join(f"{key} = {value}\n" for key, value in settings.items())
        # postgresql.auto.conf is read last and overrides postgresql.conf.
        (self.data_dir / "postgresql.auto.conf").write_text(
            "# written by tests/postgres_server.py\n" + body
        )

    def _start_on_a_free_port(self, attempts: int = 3) -> None:
        for attempt in range(1, attempts + 1):
            self.port = free_port()
            self._write_settings(self.port)
            result = self._run(
                self.bindir / "pg_ctl",
                "start",
                "--pgdata", self.data_dir,
                "--log", self.log_file,
                "--wait",
                "--timeout", str(int(self.start_timeout)),
                check=False,
            )
            if result.returncode == 0:
                self._started = True
                return
            # Another process may have taken the port between free_port() and the bind.
            log = self._log_tail(200)
            port_taken = "could not bind" in log or "already in use" in log
            if not port_taken or attempt == attempts:
                raise PostgresServerError(
                    f"pg_ctl start failed with exit code {result.returncode}:\n"
                    f"{result.stdout.strip()}{self._log_tail()}"
                )
            self._stop_server()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
                    conn.execute("select 1")
                return
            except psycopg.OperationalError as exc:
                last_error = exc
                time.sleep(0.1)
        raise PostgresServerError(
            f"PostgreSQL on 127.0.0.1:{self.port} did not accept connections within "
            f"{self.start_timeout:.0f} s: {last_error}{self._log_tail()}"
        )

    def _create_database(self) -> None:
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def _postmaster_pid(self) -> int | None:
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first_line)
        except (OSError, IndexError, ValueError):
            return None

    def _stop_server(self) -> None:
        """Stop the postmaster: fast shutdown, then immediate, then SIGKILL."""
        if self.base_dir is None or not self.data_dir.exists():
            return
        for mode in ("fast", "immediate"):
            if self._postmaster_pid() is None:
                break
            result = self._run(
                self.bindir / "pg_ctl",
                "stop",
                "--pgdata", self.data_dir,
                "--mode", mode,
                "--wait",
                "--timeout", str(STOP_TIMEOUT_S),
                check=False,
            )
            if result.returncode == 0:
                break
        pid = self._postmaster_pid()
        if pid is None:
            return
        try:
            # pg_ctl makes the postmaster a session leader: its group holds the backends.
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # a stale pid file

    def stop(self) -> None:
        """Stop the server (if it runs) and remove the temp dir. Safe to call twice."""
        if self.base_dir is None:
            return
        try:
            self._stop_server()
        finally:
            self._started = False
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> "PostgresServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


@contextmanager
def postgres_server(database: str = DEFAULT_DATABASE, **kwargs) -> Iterator[str]:
    """Start a throwaway server, yield the SQLAlchemy URL of `database`, always stop it."""
    with PostgresServer(database, **kwargs) as server:
        yield server.url


# -- command line ----------------------------------------------------------------------


def _raise_system_exit(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.postgres_server",
        description=(
            "Start a throwaway PostgreSQL server, run COMMAND with "
            f"{ENV_VAR} set to its URL, stop the server, exit with COMMAND's exit code. "
            "Without COMMAND, print the URL and keep the server up until interrupted."
        ),
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="database to create")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]

    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C so that the server is stopped.
    signal.signal(signal.SIGTERM, _raise_system_exit)
    signal.signal(signal.SIGHUP, _raise_system_exit)
    try:
        with postgres_server(args.database) as url:
            print(f"postgres_server: {url}", file=sys.stderr, flush=True)
            if not command:
                print("postgres_server: running; Ctrl-C stops it", file=sys.stderr, flush=True)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    return 0
            env = {**os.environ, ENV_VAR: url}
            try:
                child = subprocess.Popen(command, env=env)
            except OSError as exc:
                print(f"postgres_server: cannot run {command[0]!r}: {exc}", file=sys.stderr)
                return 127
            try:
                returncode = child.wait()
            except BaseException:
                # Ctrl-C reaches the child too (same process group); give it time to finish.
                if child.poll() is None:
                    child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                raise
            return returncode if returncode >= 0 else 128 - returncode
    except PostgresServerError as exc:
        print(f"postgres_server: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
