"""The Runtime of the app serving the current request (set by webapp.app.create_app)."""

from __future__ import annotations

from flask import current_app

from core.runtime import Runtime


def current_runtime() -> Runtime:
    return current_app.extensions["headstart"]
