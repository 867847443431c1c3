"""deploy/audit_dependencies.py against a local stand-in for PyPI, and the lock file itself.

No network: a local http.server thread answers with canned project JSON.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import socket
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def _load_script() -> ModuleType:
    path = ROOT / "deploy" / "audit_dependencies.py"
    spec = importlib.util.spec_from_file_location("headstart_audit_dependencies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


audit_script = _load_script()

VULNERABILITY = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001", "GHSA-xxxx-yyyy-zzzz"],
    "fixed_in": ["2.0.1"],
    "summary": "remote code execution",
    "details": "",
    "link": "https://osv.dev/vulnerability/PYSEC-2099-1",
    "source": "osv",
    "withdrawn": None,
}
WITHDRAWN = dict(VULNERABILITY, id="PYSEC-2099-2", withdrawn="2099-01-02T00:00:00Z")

# Project JSON as PyPI's /pypi/<project>/json gives it (the parts the script reads).
PROJECTS: dict[str, dict[str, object]] = {
    "clean-pkg": {"info": {"version": "1.0"}, "vulnerabilities": [WITHDRAWN]},
    "vuln-pkg": {"info": {"version": "2.0"}, "vulnerabilities": [VULNERABILITY]},
    "old-pkg": {"info": {"version": "3.1"}, "vulnerabilities": [VULNERABILITY]},
}

CLEAN_PIN = "Clean_Pkg==1.0"  # not the canonical spelling: the script must normalise it
VULN_PIN = "vuln-pkg==2.0"
OLD_PIN = "old-pkg==3.0"
MISSING_PIN = "missing-pkg==0.1"


class _FakePyPI(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        match = re.fullmatch(r"/pypi/([^/]+)/json", self.path)
        document = PROJECTS.get(match.group(1)) if match else None
        if document is None:
            self.send_error(404)
            return
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass


@pytest.fixture(scope="module")
def pypi_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakePyPI)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def down_url() -> str:
    """A base URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pypi"


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, pins: list[str], *flags: str) -> tuple[int, str]:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# a comment\n\n" + "\n".join(pins) + "\n", encoding="utf-8")
    monkeypatch.setenv(audit_script.BASE_URL_ENV, url)
    out, err = io.StringIO(), io.StringIO()
    code = audit_script.main([str(lock), "--timeout", "5", *flags], out=out, err=err)
    assert "fetched" in err.getvalue()
    return code, out.getvalue()


def test_each_pin_is_classified(pypi_url: str) -> None:
    pins = [audit_script.Pin(*line.split("==")) for line in (CLEAN_PIN, VULN_PIN, OLD_PIN, MISSING_PIN)]
    results = audit_script.audit(pins, pypi_url, timeout=5, workers=4)
    assert [r.status for r in results] == [
        audit_script.CLEAN,
        audit_script.VULNERABLE,
        audit_script.NOT_COVERED,
        audit_script.NOT_COVERED,
    ]
    assert results[1].advisories[0].id == "PYSEC-2099-1"
    assert results[2].latest == "3.1"
    assert "404" in results[3].reason


def test_a_vulnerable_latest_release_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pypi_url: str) -> None:
    code, out = _run(tmp_path, monkeypatch, pypi_url, [CLEAN_PIN, VULN_PIN, OLD_PIN, MISSING_PIN])
    assert code == 1
    vulnerable = next(line for line in out.splitlines() if line.startswith("VULNERABLE"))
    for text in ("vuln-pkg==2.0", "PYSEC-2099-1", "CVE-2099-0001", "GHSA-xxxx-yyyy-zzzz", "fixed in 2.0.1"):
        assert text in vulnerable
    # A clean pin gets no line of its own, and a withdrawn advisory does not count.
    assert "Clean_Pkg" not in out and "PYSEC-2099-2" not in out
    assert "1 checked clean, 1 vulnerable, 2 not covered, 0 unreachable; 2/4 (50%) actually checked" in out
    assert "NOTHING WAS CHECKED" not in out


def test_an_older_pin_is_not_covered_and_not_guessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pypi_url: str
) -> None:
    code, out = _run(tmp_path, monkeypatch, pypi_url, [CLEAN_PIN, OLD_PIN, MISSING_PIN])
    assert code == 0
    old = next(line for line in out.splitlines() if "old-pkg==3.0" in line)
    assert old.startswith("NOT COVERED") and "latest is 3.1" in old and "PYSEC-2099-1" in old
    missing = next(line for line in out.splitlines() if "missing-pkg==0.1" in line)
    assert missing.startswith("NOT COVERED") and "404" in missing
    assert "1/3 (33%) actually checked" in out

    code, out = _run(tmp_path, monkeypatch, pypi_url, [CLEAN_PIN, OLD_PIN, MISSING_PIN], "--strict")
    assert code == 2
    assert "FAILED (--strict)" in out


def test_all_clean_passes_even_when_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pypi_url: str) -> None:
    code, out = _run(tmp_path, monkeypatch, pypi_url, [CLEAN_PIN], "--strict")
    assert code == 0
    assert "1 checked clean, 0 vulnerable, 0 not covered, 0 unreachable; 1/1 (100%) actually checked" in out


def test_nothing_reachable_says_nothing_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, down_url: str
) -> None:
    pins = [CLEAN_PIN, VULN_PIN, OLD_PIN] + [f"pkg-{n}==1.{n}" for n in range(10)]
    code, out = _run(tmp_path, monkeypatch, down_url, pins, "--workers", "2")
    assert code == 0  # CI without PyPI still runs its tests ...
    assert "NOTHING WAS CHECKED" in out and "This is not a pass" in out  # ... but says so
    assert "13 unreachable; 0/13 (0%) actually checked" in out
    assert all(line.startswith(("UNREACHABLE", "audit:")) for line in out.splitlines())
    # After the first failures (5 with 2 workers) the rest are not tried: no timeout per pin.
    assert "not tried" in out

    code, out = _run(tmp_path, monkeypatch, down_url, pins, "--strict")
    assert code == 2
    assert "NOTHING WAS CHECKED" in out


def test_a_lock_line_that_is_not_an_exact_pin_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("flask>=3\n", encoding="utf-8")
    err = io.StringIO()
    assert audit_script.main([str(lock)], out=io.StringIO(), err=err) == 2
    assert "not an exact name==version pin" in err.getvalue()


def test_the_lock_pins_every_declared_dependency() -> None:
    pins = {canonicalize_name(p.name): p.version for p in audit_script.read_lock(LOCK)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared.extend(extra)
    assert {"test", "deploy", "bench"} <= set(project["optional-dependencies"])
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock (run make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside pyproject.toml's {requirement} (run make lock)"
        )
    assert "headstart" not in pins
    # The CPU wheel on disk; written without its local label so that == matches it.
    assert re.search(r"(?m)^torch==2\.13\.0$", LOCK.read_text(encoding="utf-8"))
