"""The early eligibility check (green, amber, red), before anyone registers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import select
from sqlmodel import Session

from core.errors import BadRequest
from core.runtime import Runtime
from matching.cefr import LEVELS, rank
from matching.listing import listed
from matching.models import Vacancy, checked_concept_uri, checked_country
from matching.taxonomy import load_taxonomy


@dataclass(frozen=True)
class EligibilitySignal:
    colour: str  # green | amber | red
    reasons: tuple[str, ...]
    open_vacancies: int


def eligibility_signal(
    runtime: Runtime,
    *,
    destination: str,
    occupation_uri: str,
    languages: dict[str, str],
    today: date | None = None,
) -> EligibilitySignal:
    """An honest first answer before anyone registers: are there open jobs for this
    occupation there, and does the person's language level reach what they ask?

    Green: open vacancies for the occupation whose language minimum the person meets.
    Amber: vacancies exist but only in related occupations, or the language is below
    the usual minimum, or the profession is regulated there. Red: no open vacancy for
    the occupation or its ISCO group in that country.
    """
    try:
        destination = checked_country(destination, "destination")
        occupation_uri = checked_concept_uri(occupation_uri, "occupation")
    except ValueError as error:
        raise BadRequest(str(error)) from None
    for language, level in languages.items():
        if level not in LEVELS:
            raise BadRequest(f"Level {level!r} for {language}: use a CEFR level A1-C2.", field="languages")
    today = today or date.today()
    with Session(runtime.engine) as session:
        vacancies = [
            v
            for v in session.execute(select(Vacancy).where(listed(), Vacancy.country == destination)).scalars()
            if v.valid_through is None or v.valid_through >= today
        ]
        taxonomy = load_taxonomy(session, {occupation_uri} | {v.occupation_uri for v in vacancies if v.occupation_uri})
    same = [v for v in vacancies if v.occupation_uri == occupation_uri]
    related = [v for v in vacancies if v.occupation_uri != occupation_uri and taxonomy.occupation_proximity(occupation_uri, v.occupation_uri) >= 0.75]
    reasons: list[str] = []
    label = taxonomy.label(occupation_uri)
    if not same and not related:
        return EligibilitySignal("red", (f"No open vacancy for {label} or a related occupation in {destination} right now.",), 0)
    pool = same or related
    colour = "green" if same else "amber"
    if same:
        reasons.append(f"{len(same)} open vacancies for {label} in {destination}.")
    else:
        reasons.append(f"No open vacancy for {label} itself, but {len(related)} in related occupations in {destination}.")
    required: dict[str, list[int]] = {}
    for vacancy in pool:
        for requirement in vacancy.language_requirements():
            required.setdefault(requirement.language, []).append(rank(requirement.min_level))
    for language, levels in sorted(required.items()):
        usual = LEVELS[int(median(levels)) - 1]
        has = languages.get(language)
        if has is None or rank(has) < rank(usual):
            colour = "amber" if colour == "green" else colour
            reasons.append(f"Most of these jobs ask for {language} at {usual}; you gave {has or 'no level'}. A language course can close this.")
        else:
            reasons.append(f"Your {language} ({has}) meets the usual minimum ({usual}).")
    if occupation_uri in taxonomy.regulated or any(v.route().requires_recognised_qualification for v in pool):
        colour = "amber" if colour == "green" else colour
        reasons.append(f"{label} is a regulated profession in {destination}: the qualification must be recognised first.")
    return EligibilitySignal(colour, tuple(reasons), len(pool))
