"""The quality profile of a good practice, after the criteria the EU uses for good practices.

A practice is a good practice when its context, objectives and activities are clear, it
has run for at least a year, it was evaluated and its results are stated, it can be
transferred elsewhere and it outlived its first funding. The profile checks what the
record says about each criterion, so it measures how well a practice is documented as
much as how good it is: the missing items tell a curator what to add.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from practices.schema import LibraryRecord


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str


CRITERIA = (
    Criterion("clear_context", "Clear context and objectives"),
    Criterion("clear_activities", "Clear activities"),
    Criterion("running_one_year", "Running for at least a year"),
    Criterion("evaluated", "Evaluated"),
    Criterion("results_stated", "Results stated"),
    Criterion("transferable", "Transferability described"),
    Criterion("sustained", "Sustained beyond its first funding"),
)

# Levels by how many of the seven criteria are met; used as a facet and filter.
LEVELS = (("strong", 6), ("good", 4), ("partial", 0))


@dataclass(frozen=True)
class QualityProfile:
    met: tuple[str, ...]
    missing: tuple[str, ...]  # what a curator should add, in words

    @property
    def score(self) -> float:
        return len(self.met) / len(CRITERIA)

    @property
    def level(self) -> str:
        return next(name for name, minimum in LEVELS if len(self.met) >= minimum)


def quality_profile(record: LibraryRecord, *, today: date | None = None) -> QualityProfile | None:
    """The profile of a practice; None for a handbook section (the criteria do not apply)."""
    if record.kind != "practice":
        return None
    today = today or date.today()
    met: list[str] = []
    missing: list[str] = []

    def check(key: str, ok: bool, what_is_missing: str) -> None:
        (met if ok else missing).append(key if ok else what_is_missing)

    check("clear_context", bool(record.summary and record.section_text("challenge")), "the challenge and goals")
    check("clear_activities", bool(record.section_text("activities")), "how it works")
    years = record.period.years_running(today)
    if years is None:
        check("running_one_year", False, "the start date")
    else:
        check("running_one_year", years >= 1, "a year of operation (it ran less than a year)")
    evaluated = record.evaluation_type in ("external", "internal", "self_assessment") and bool(
        record.section_text("evaluation")
    )
    check("evaluated", evaluated, "an evaluation (its type and what it found)")
    results = any(record.section_text(key) for key in ("results-quantitative", "results-qualitative"))
    check("results_stated", results, "results (in figures or observed)")
    check("transferable", bool(record.section_text("transferability")), "what transferring it would take")
    sustained = record.period.regular_service or bool(
        record.period.start and not record.period.end and (years or 0) >= 3
    )
    check("sustained", sustained, "whether it continued after its first funding")
    return QualityProfile(met=tuple(met), missing=tuple(missing))


def criterion_label(key: str) -> str:
    return next((c.label for c in CRITERIA if c.key == key), key)
