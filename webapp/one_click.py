"""The outcome of a one-click form (a POST that redirects back), said the same way everywhere.

A missing or hidden object is a 404, so nobody learns it exists; a refusal by the rules
(answered already, the wrong side, closed) is flashed as an error on the page the form
redirects to; success flashes what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash
from flask_babel import gettext as _

from core.errors import HeadstartError, NotFound

T = TypeVar("T")


def flash_outcome(action: Callable[[], T], done: str | None = None) -> T | None:
    """Run the use case; None when the rules refused it (the reason is flashed)."""
    try:
        result = action()
    except NotFound:
        abort(404)
    except HeadstartError as error:
        flash(_(error.message), "error")
        return None
    if done:
        flash(done)
    return result
