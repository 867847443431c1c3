"""Interface languages: which one a request gets, and text in a second one.

The choice order is the signed-in user's saved language, then the language picked on
this browser (kept in the session), then the browser's Accept-Language, then English.
Caseworker mode shows a form in two languages at once, so templates can also ask for a
message in a named language (`gettext_in`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import Babel, force_locale, get_locale
from flask_babel import gettext as _gettext

from core.accounts.users import UI_LANGUAGES

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


def select_locale() -> str:
    user = g.get("user")
    if user is not None and user.language in UI_LANGUAGES:
        return user.language
    chosen = session.get("lang")
    if chosen in UI_LANGUAGES:
        return chosen
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def text_direction(language: str | None = None) -> str:
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


def gettext_in(language: str, message: str, **variables: object) -> str:
    """`message` translated into `language`, whatever the request's language is."""
    if language not in UI_LANGUAGES:
        language = "en"
    with force_locale(language):
        return _gettext(message, **variables)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        text_direction=text_direction,
        gettext_in=gettext_in,
        UI_LANGUAGES=UI_LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
