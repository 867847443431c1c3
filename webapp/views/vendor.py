"""Third-party browser assets served from their pip packages (no CDN: MRCs work offline)."""

from __future__ import annotations

from pathlib import Path

import js_lib_htmx
from flask import Blueprint, abort, send_from_directory

blueprint = vendor = Blueprint("vendor", __name__)

HTMX_DIR = Path(js_lib_htmx.__file__).parent / "static" / "htmx"
ASSETS = {"htmx.min.js": HTMX_DIR}
ONE_YEAR = 365 * 24 * 3600


@vendor.get("/vendor/<name>")
def asset(name: str):
    directory = ASSETS.get(name)
    if directory is None:
        abort(404)
    return send_from_directory(directory, name, max_age=ONE_YEAR)
