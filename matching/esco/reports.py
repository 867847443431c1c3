"""What an import reports: counts per file and per run, and optional progress bars."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def close(self) -> Any: ...


ProgressFactory = Callable[..., ProgressBar]


@dataclass
class FileImportReport:
    """What one file did: counts of concepts (or relations) added, changed, unchanged."""

    path: Path
    kind: str
    language: str | None
    rows: int
    unit: str = "concepts"
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.path.name

    def line(self) -> str:
        return (
            f"{self.name}: {self.rows} rows, {self.added} {self.unit} added, {self.changed} changed, "
            f"{self.unchanged} unchanged ({self.seconds:.2f} s)"
        )


@dataclass
class EscoImportReport:
    """The outcome of one import run.

    `changed_by_type` holds the URIs whose indexed content (labels, descriptions, or the
    attributes that become search keywords) was added or changed, so the caller re-indexes
    only those.
    """

    files: list[FileImportReport] = field(default_factory=list)
    changed_by_type: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed_uris(self) -> set[str]:
        return set().union(*self.changed_by_type.values()) if self.changed_by_type else set()

    def file(self, name: str) -> FileImportReport:
        for report in self.files:
            if report.name == name:
                return report
        raise KeyError(name)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.files)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.files)

    @property
    def unchanged(self) -> int:
        return sum(r.unchanged for r in self.files)

    def lines(self) -> list[str]:
        """One line per file and per skipped file, for the CLI."""
        return [r.line() for r in self.files] + [f"skipped {s}" for s in self.skipped]


class _Progress:
    """Wraps an optional tqdm-like bar so callers never check for None."""

    def __init__(self, factory: ProgressFactory | None, description: str, total: int) -> None:
        self.bar = factory(description, total) if factory else None

    def update(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
