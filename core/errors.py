"""The one error type for mistakes people can make.

The web layer turns a `HeadstartError` into a 400/422 with the message shown to the user,
the CLI into one line on stderr and exit code 2. Anything else is a bug and may crash.
"""

from __future__ import annotations


class HeadstartError(Exception):
    """An error caused by input, with a message written for the person who gave it."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class BadRequest(HeadstartError):
    """Malformed request parameters (empty or oversized query, unknown language ...)."""

    status_code = 400


class NotFound(HeadstartError):
    status_code = 404


class ImportFileError(HeadstartError):
    """A file that cannot be imported; names the file, line and column so it can be fixed."""

    def __init__(self, path: str, message: str, *, line: int | None = None, column: str | None = None) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column


def refuse_nul(text: str, path: str, *, json_escapes: bool = False) -> None:
    """NUL characters are never content (often a binary file), and PostgreSQL cannot store
    them: refuse the file with its line, as for any other malformed input."""
    for marker in ("\x00", "\\u0000") if json_escapes else ("\x00",):
        position = text.find(marker)
        if position >= 0:
            raise ImportFileError(path, "contains a NUL character (is it a binary file?)", line=text.count("\n", 0, position) + 1)
