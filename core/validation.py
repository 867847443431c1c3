"""Problems in submitted records, keyed on codes rather than on message text.

A record's own checks (pydantic validators in the domain's models) raise `record_problem`
with a code and the field it concerns, so every caller (a form placing the problem next to
its input, the JSON API naming the field, an import naming the line) reads the same code
and field instead of parsing the English sentence. Pydantic's own problems keep its codes
("missing", "string_too_long", ...) and their location.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class FieldProblem:
    code: str  # pydantic's error type, or the record_problem code
    location: str  # dotted ("title", "languages.1.min_level"); a whole-record problem: its field
    message: str  # English, prefixed with the location where it does not name it already


def record_problem(code: str, field: str, message: str) -> PydanticCustomError:
    """A whole-record problem (salary order, a skill listed twice) that concerns `field`."""
    return PydanticCustomError(code, "{message}", {"message": message, "field": field})


def field_problems(error: ValidationError) -> list[FieldProblem]:
    """Every problem of a failed validation, in the order pydantic found them."""
    problems = []
    for item in error.errors():
        parts = [str(part) for part in item["loc"]]
        message = str(item["msg"]).removeprefix("Value error, ")
        if parts and message.split(":", 1)[0] not in parts:
            message = f"{'.'.join(parts)}: {message}"
        context = item.get("ctx") or {}
        location = ".".join(parts) or str(context.get("field") or "")
        problems.append(FieldProblem(code=str(item["type"]), location=location, message=message))
    return problems
