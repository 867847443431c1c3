#!/usr/bin/env python3
"""Check the pins in requirements.lock against the vulnerabilities PyPI lists.

Why this exists: pip-audit (``make audit``) asks PyPI's per-release JSON
(``/pypi/<project>/<version>/json``) or OSV (``api.osv.dev``) about each pinned
release. Where neither answers, as on the development machine that can reach only
package registries, pip-audit cannot check anything. PyPI's *project* JSON
(``/pypi/<project>/json``) does answer there, and its ``vulnerabilities`` list is
real advisory data, but only for the project's latest release (``info.version``).
So this script checks exactly what that data can show and says plainly what it
cannot:

  CHECKED-CLEAN  the pin is the latest release and PyPI lists no vulnerability
  VULNERABLE     the pin is the latest release and PyPI lists vulnerabilities
  NOT COVERED    the pin is not the latest release (the data describes another
                 release), or PyPI has no such project (HTTP 404)
  UNREACHABLE    no usable answer (network error, timeout, other HTTP error)

What it does not do: decide that an older pin is vulnerable from the latest
release's advisories. Those advisories affect the latest release; whether they
also affect an older pin depends on where each affected range *starts*, which
this JSON does not say (``fixed_in`` alone cannot tell), so such pins stay
NOT COVERED rather than being guessed either way. The advisory ids of the latest
release are shown beside them as a hint.

Exit status: 1 if any pin is VULNERABLE; otherwise 0, and with ``--strict`` 2
when any pin is NOT COVERED or UNREACHABLE. When no pin at all could be checked
the output says NOTHING WAS CHECKED (this is not a pass; the exit status is 0
without ``--strict`` so that CI without PyPI still runs its tests). A lock file
that cannot be read or holds a line that is not an exact ``name==version`` pin
exits 2.

Standard library only, so any python3 runs it. The base URL comes from
HEADSTART_AUDIT_PYPI_URL (default https://pypi.org/pypi).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

DEFAULT_BASE_URL = "https://pypi.org/pypi"
BASE_URL_ENV = "HEADSTART_AUDIT_PYPI_URL"
DEFAULT_LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"

CLEAN = "CHECKED-CLEAN"
VULNERABLE = "VULNERABLE"
NOT_COVERED = "NOT COVERED"
UNREACHABLE = "UNREACHABLE"
STATUSES = (VULNERABLE, NOT_COVERED, UNREACHABLE, CLEAN)

EXIT_OK = 0
EXIT_VULNERABLE = 1
EXIT_INCOMPLETE = 2

# name==version, nothing else (what `pip freeze` writes).
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#=<>!~]+)$")


class LockError(Exception):
    """The lock file cannot be read or holds something other than exact pins."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str


@dataclass
class Advisory:
    id: str
    aliases: list[str]
    fixed_in: list[str]
    summary: str

    def describe(self) -> str:
        details = []
        if self.aliases:
            details.append("aliases " + ", ".join(self.aliases))
        details.append("fixed in " + (", ".join(self.fixed_in) if self.fixed_in else "no release yet"))
        return f"{self.id} ({'; '.join(details)})"


@dataclass
class Result:
    pin: Pin
    status: str
    latest: str | None = None
    reason: str = ""
    advisories: list[Advisory] = field(default_factory=list)


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name (what PyPI's URLs use)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def same_version(pinned: str, latest: str) -> bool:
    """True when two version strings name the same release.

    Only equality is needed (never an ordering), and both strings come from the
    release metadata when the pin is the latest release, so a case-insensitive
    comparison that ignores a local label (``2.13.0+cpu`` is a build of 2.13.0) and
    a leading ``v`` is enough. Two spellings of one version (``1.0`` and ``1.0.0``)
    would compare unequal: that errs towards NOT COVERED, never towards clean.
    """

    def norm(version: str) -> str:
        version = version.strip().lower().split("+", 1)[0]
        return version[1:] if version.startswith("v") else version

    return norm(pinned) == norm(latest)


def read_lock(path: Path) -> list[Pin]:
    """The exact pins in a requirements lock file (comments and blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LockError(f"cannot read {path}: {exc}") from exc
    pins: list[Pin] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise LockError(f"{path}:{number}: not an exact name==version pin: {raw.strip()!r}")
        pins.append(Pin(match.group(1), match.group(2)))
    return pins


def _advisories(data: Any) -> list[Advisory]:
    found: list[Advisory] = []
    for item in data.get("vulnerabilities") or []:
        if not isinstance(item, dict) or item.get("withdrawn"):
            continue
        found.append(
            Advisory(
                id=str(item.get("id") or "?"),
                aliases=[str(a) for a in item.get("aliases") or []],
                fixed_in=[str(v) for v in item.get("fixed_in") or []],
                summary=str(item.get("summary") or item.get("details") or "").strip(),
            )
        )
    return found


def classify(pin: Pin, data: Any) -> Result:
    """Classify one pin from its project's JSON document."""
    try:
        latest = str(data["info"]["version"])
    except (KeyError, TypeError) as exc:
        return Result(pin, UNREACHABLE, reason=f"unexpected answer (no info.version: {exc!r})")
    advisories = _advisories(data)
    if not same_version(pin.version, latest):
        return Result(pin, NOT_COVERED, latest=latest, advisories=advisories)
    if advisories:
        return Result(pin, VULNERABLE, latest=latest, advisories=advisories)
    return Result(pin, CLEAN, latest=latest)


class _Breaker:
    """Stops fetching once the first answers all failed at the network level.

    Without it, a machine whose packets vanish would wait out the timeout for
    every pin; with it, the rest are reported UNREACHABLE without being tried.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures = 0
        self.answers = 0
        self.lock = threading.Lock()

    def open(self) -> bool:
        with self.lock:
            return self.answers == 0 and self.failures >= self.limit

    def record(self, answered: bool) -> None:
        with self.lock:
            if answered:
                self.answers += 1
            else:
                self.failures += 1


def fetch(pin: Pin, base_url: str, timeout: float, breaker: _Breaker) -> Result:
    """Fetch and classify one pin; never raises for network trouble."""
    if breaker.open():
        return Result(pin, UNREACHABLE, reason="not tried: every earlier request failed")
    url = f"{base_url.rstrip('/')}/{canonical_name(pin.name)}/json"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        breaker.record(answered=True)
        if exc.code == 404:
            return Result(pin, NOT_COVERED, reason="PyPI has no such project (HTTP 404)")
        return Result(pin, UNREACHABLE, reason=f"HTTP {exc.code}")
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        breaker.record(answered=False)
        reason = getattr(exc, "reason", None) or exc
        return Result(pin, UNREACHABLE, reason=f"{type(exc).__name__}: {reason}")
    breaker.record(answered=True)
    try:
        data = json.loads(body)
    except ValueError as exc:
        return Result(pin, UNREACHABLE, reason=f"invalid JSON: {exc}")
    return classify(pin, data)


def audit(
    pins: list[Pin],
    base_url: str,
    *,
    timeout: float = 15.0,
    workers: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Results for every pin, in the lock file's order."""
    breaker = _Breaker(limit=max(workers, 5))
    done = 0
    done_lock = threading.Lock()

    def one(pin: Pin) -> Result:
        nonlocal done
        result = fetch(pin, base_url, timeout, breaker)
        with done_lock:
            done += 1
            if progress is not None:
                progress(done, len(pins))
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, pins))


def _progress_printer(stream: TextIO) -> Callable[[int, int], None]:
    interactive = stream.isatty()

    def show(done: int, total: int) -> None:
        if interactive:
            stream.write(f"\raudit: fetched {done}/{total}")
            if done == total:
                stream.write("\n")
        elif done % 25 == 0 or done == total:
            stream.write(f"audit: fetched {done}/{total}\n")
        stream.flush()

    return show


def report(results: list[Result], base_url: str, strict: bool, out: TextIO) -> int:
    """Print one line per pin that is not clean, then the summary; return the exit status."""
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    for status in (VULNERABLE, NOT_COVERED, UNREACHABLE):
        for result in (r for r in results if r.status == status):
            pin = f"{result.pin.name}=={result.pin.version}"
            if status == VULNERABLE:
                ids = "; ".join(a.describe() for a in result.advisories)
                out.write(f"{status:<13} {pin}: {ids}\n")
            elif status == NOT_COVERED and result.latest is not None:
                line = f"{status:<13} {pin}: PyPI's latest is {result.latest}; its data describes that release"
                if result.advisories:
                    ids = ", ".join(a.id for a in result.advisories)
                    line += f" (which has advisories {ids}; whether {result.pin.version} is affected is unknown)"
                out.write(line + "\n")
            else:
                out.write(f"{status:<13} {pin}: {result.reason}\n")
    total = len(results)
    checked = counts[CLEAN] + counts[VULNERABLE]
    share = f"{100.0 * checked / total:.0f}%" if total else "0%"
    out.write(
        f"audit: {total} pins from {base_url}: {counts[CLEAN]} checked clean, "
        f"{counts[VULNERABLE]} vulnerable, {counts[NOT_COVERED]} not covered, "
        f"{counts[UNREACHABLE]} unreachable; {checked}/{total} ({share}) actually checked\n"
    )
    if checked == 0:
        out.write(
            "audit: NOTHING WAS CHECKED: no pin could be compared with PyPI's vulnerability data. "
            "This is not a pass.\n"
        )
    if counts[VULNERABLE]:
        out.write(f"audit: FAILED: {counts[VULNERABLE]} locked release(s) with known vulnerabilities\n")
        return EXIT_VULNERABLE
    if strict and (counts[NOT_COVERED] or counts[UNREACHABLE]):
        out.write("audit: FAILED (--strict): some pins could not be checked\n")
        return EXIT_INCOMPLETE
    return EXIT_OK


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("lock", nargs="?", type=Path, default=DEFAULT_LOCK, help="default: %(default)s")
    parser.add_argument("--strict", action="store_true", help="exit 2 when any pin is NOT COVERED or UNREACHABLE")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent requests (default: %(default)s)")
    args = parser.parse_args(argv)
    base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        pins = read_lock(args.lock)
    except LockError as exc:
        err.write(f"audit: {exc}\n")
        return EXIT_INCOMPLETE
    results = audit(pins, base_url, timeout=args.timeout, workers=args.workers, progress=_progress_printer(err))
    return report(results, base_url, args.strict, out)


if __name__ == "__main__":
    sys.exit(main())
