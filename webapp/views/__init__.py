"""One blueprint per area of the site; each module exposes `blueprint`."""

from __future__ import annotations

import importlib

from flask import Flask

AREAS = ("home", "vendor", "auth", "library", "profiles", "takeover", "market", "pipeline", "contact", "notifications", "orientation", "organisations", "partnerships", "referrals", "admin")


def register_views(app: Flask) -> None:
    for area in AREAS:
        module = importlib.import_module(f"webapp.views.{area}")
        app.register_blueprint(module.blueprint)
