"""One blueprint per area of the site; each module exposes `blueprint`."""

from __future__ import annotations

import importlib
import importlib.util

from flask import Flask

AREAS = ("home", "vendor", "auth", "library", "profiles", "market", "orientation")


def register_views(app: Flask) -> None:
    for area in AREAS:
        if importlib.util.find_spec(f"webapp.views.{area}") is None:  # TODO strict once all areas exist
            continue
        module = importlib.import_module(f"webapp.views.{area}")
        app.register_blueprint(module.blueprint)
