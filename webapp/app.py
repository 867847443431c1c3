"""The Flask app factory: one Runtime per app, blueprints, error handlers."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, jsonify, render_template, request
from werkzeug.exceptions import BadRequest as HTTPBadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from core.config import Settings
from core.errors import HeadstartError
from core.runtime import Runtime
from webapp import formatting, i18n, security
from webapp.api import api
from webapp.api_matching import matching_api
from webapp.api_organisations import organisations_api
from webapp.navigation import menu, role_name
from webapp.rendering import htmx
from webapp.views import register_views

MAX_REQUEST_BYTES = 2 * 1024 * 1024
# Ids in URLs: larger numbers are no row of ours (and overflow SQLite's and PostgreSQL's
# integers, which would be a 500): such an address is simply not found.
MAX_URL_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """`<int:...>` limited to what an id column holds."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_URL_ID)
        super().__init__(map, *args, **kwargs)


class HeadstartRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        """JSON nested too deep to parse is malformed JSON (400), not a crash."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise HTTPBadRequest("The JSON is nested too deeply.") from None


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    runtime = runtime or Runtime(settings)
    runtime.init_database()

    app = Flask(__name__)
    app.request_class = HeadstartRequest
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        SECRET_KEY=settings.load_or_create_secret_key(),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        JSON_SORT_KEYS=False,
    )
    app.extensions["headstart"] = runtime

    htmx.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    formatting.init_app(app)
    app.jinja_env.globals.update(menu=menu, role_name=role_name)
    app.register_blueprint(api)
    app.register_blueprint(matching_api)
    app.register_blueprint(organisations_api)
    register_views(app)
    _register_error_handlers(app)
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _page_error_message(code: int | None) -> str:
    from flask_babel import gettext as _

    messages = {
        400: _("The request could not be understood. Go back and try again."),
        401: _("Please sign in to open this page."),
        403: _("Your account may not open this page."),
        404: _("There is no page at this address."),
        405: _("This page cannot be used that way."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Wait a moment and try again."),
    }
    return messages.get(code or 0, _("That did not work. Please try again."))


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HeadstartError)
    def headstart_error(error: HeadstartError):
        if _wants_json():
            body = {"error": error.message}
            if error.field:
                body["field"] = error.field
            return jsonify(body), error.status_code
        return render_template("error.html", message=error.message, status=error.status_code), error.status_code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify({"error": error.description}), error.code
        message = error.description
        if message == type(error).description:  # werkzeug's English default: say it in the reader's language
            message = _page_error_message(error.code)
        return render_template("error.html", message=message, status=error.code), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        message = "Something went wrong on our side. The error was logged; please try again."
        if _wants_json():
            return jsonify({"error": message}), 500
        from flask_babel import gettext as _

        message = _("Something went wrong on our side. The error was logged; please try again.")
        return render_template("error.html", message=message, status=500), 500
