"""SQL conditions that leave out the profiles a vacancy's hard constraints exclude.

An employer's candidate list reads only the profiles that can pass; the rest of the
exclusion check, and the scores, stay in Python (matching/match_service.py). Exactness
matters more than reach: a condition leaves a row out only where SQL can tell what
`matching.matcher.explain` would decide, and keeps it for Python otherwise.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import false, func, text

from matching.matcher import ProfileView, VacancyView, constraint_exclusions
from matching.models import SkillProfile


def candidate_prefilter(dialect: str, vacancy: VacancyView, today: date) -> list:
    """SQL conditions that leave out only profiles `explain` excludes for this vacancy.

    Each mirrors a hard constraint of matching.matcher (`constraint_exclusions`, `_language_gaps`)
    and keeps a row for Python to decide wherever SQL could decide it otherwise (a column
    that is not a JSON array, an entry of another shape than the app writes, a database
    other than SQLite and PostgreSQL). A profile is left out when
    - the vacancy is closed or expired (then every profile is excluded);
    - its destinations are a non-empty list without the vacancy's country (an empty list
      means anywhere); strings compare exactly (case counts), as `in` does in Python;
    - the route names eligible origin countries and none of its origins is one of them;
    - the route asks for an education level above the profile's (none counts as 0).
    JSON strings are compared decoded, as Python reads them. Language levels are left to
    Python (matching/candidates.py screens each row before it is scored): the nested
    entries (native, overall or sub-skill levels) make an exact SQL mirror long and
    fragile, for a small gain over the destination filter.
    """
    nobody = ProfileView(0, (), (), (), frozenset(), {}, None, (), True)
    if any(e.constraint in ("status", "expired") for e in constraint_exclusions(nobody, vacancy, today)):
        return [false()]
    if dialect not in ("sqlite", "postgresql"):
        return []
    conditions: list = []
    route = vacancy.legal_route
    if route.min_education_level is not None:
        conditions.append(func.coalesce(SkillProfile.education_level, 0) >= route.min_education_level)
    table = SkillProfile.__tablename__
    wished, held = f"{table}.destination_countries", f"{table}.origin_countries"
    eligible = {f"hs_origin_{i}": code for i, code in enumerate(route.eligible_origin_countries)}
    if dialect == "sqlite":
        # json_each lists the top-level elements: type 'text' for a JSON string, whose
        # value is the decoded string, compared byte for byte (BINARY collation).
        destination = (
            f"NOT (json_type({wished}) IS 'array' AND json_array_length({wished}) > 0 AND NOT EXISTS "
            f"(SELECT 1 FROM json_each({wished}) AS w WHERE w.type = 'text' AND w.value = :hs_destination))"
        )
        origin = (
            f"NOT (json_type({held}) IS 'array' AND NOT EXISTS (SELECT 1 FROM json_each({held}) AS h "
            f"WHERE h.type = 'text' AND h.value IN ({', '.join(':' + name for name in eligible)})))"
        )
    else:
        # As jsonb, `@>` with a one-element array finds a top-level string element equal
        # to that one (exactly; case counts); a NULL from _pg_array keeps the row.
        wished_array, held_array = _pg_array(wished), _pg_array(held)
        destination = (
            f"NOT COALESCE({wished_array} <> CAST('[]' AS jsonb) "
            f"AND NOT {wished_array} @> jsonb_build_array(CAST(:hs_destination AS text)), false)"
        )
        any_of = " OR ".join(f"{held_array} @> jsonb_build_array(CAST(:{name} AS text))" for name in eligible)
        origin = f"NOT COALESCE(NOT ({any_of}), false)"
    conditions.append(text(destination).bindparams(hs_destination=vacancy.country))
    if eligible:
        conditions.append(text(origin).bindparams(**eligible))
    return conditions


def _pg_array(column: str) -> str:
    """A PostgreSQL `json` column as jsonb when it holds an array, else NULL.

    jsonb reads a JSON text as Python's json module does (escapes decoded; of two equal
    keys the last one counts) but cannot hold the character NUL: a text with the escape
    \\u0000 anywhere is left to Python (NULL) instead of failing the query.
    """
    return f"CASE WHEN {_pg_is_array(column)} THEN CAST({column} AS jsonb) END"


def _pg_is_array(column: str) -> str:
    return f"(json_typeof({column}) = 'array' AND strpos(CAST({column} AS text), '\\u0000') = 0)"
