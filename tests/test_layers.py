"""The layer rule (README, Architecture): core <- practices <- kb <- matching <- webapp,
no import circles at any depth, and no module reaching into another's private names.

The layers and the circles are import-linter's contracts in pyproject.toml (function-local
imports count; `if TYPE_CHECKING:` ones do not); this test runs them in every `make test`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "practices", "kb", "matching", "webapp")


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _same_subpackage(importer: str, imported: str) -> bool:
    """Both in one subpackage such as matching.esco: its modules share package-private
    helpers, and its __init__ is the face the rest of the project sees."""
    package = importer.rsplit(".", 1)[0]
    return package.count(".") >= 1 and (imported == package or imported.startswith(package + "."))


def test_no_module_imports_another_modules_private_names():
    """`from x import _name` across modules couples one module to another's internals
    (within a subpackage such as matching.esco, its modules may share them)."""
    modules = _project_modules()
    offences = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules and node.module != name:
                if _same_subpackage(name, node.module):
                    continue
                offences += [f"{name}: from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")]
    assert not offences, "\n".join(offences)


def _has_reason(lines: list[str], node: ast.stmt) -> bool:
    """A comment on the import's own line or on the line just above it."""
    own = lines[node.lineno - 1]
    above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
    return "#" in own or above.startswith("#")


def test_function_local_imports_of_the_project_say_why():
    """An import inside a function hides a dependency from the top of the module (and was
    how circles used to be dodged): allowed only with a comment giving the reason."""
    offences = []
    for name, path in _project_modules().items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    target = "." if node.level else (node.module or "")
                elif isinstance(node, ast.Import):
                    target = node.names[0].name
                else:
                    continue
                if (target == "." or target.split(".")[0] in PACKAGES) and not _has_reason(lines, node):
                    offences.append(f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not offences, "\n".join(offences)


VIEW_DECORATORS = {"route", "get", "post", "put", "delete", "patch"}
MAX_VIEW_LINES = 30


def test_views_parse_call_one_service_and_render():
    """A view over 30 lines is doing a use case's work (README, Architecture): move it
    into a service the JSON API and the CLI can call too."""
    long_views = []
    for name, path in _project_modules().items():
        if not name.startswith("webapp."):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            routed = isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in VIEW_DECORATORS
                for d in node.decorator_list
            )
            if routed and node.end_lineno - node.lineno + 1 > MAX_VIEW_LINES:
                long_views.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not long_views, "\n".join(long_views)
