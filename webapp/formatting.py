"""Names and descriptions shown on pages, in the reader's language.

Country and language names come from Babel's CLDR data, so they are correct in every
interface language without translating them by hand.
"""

from __future__ import annotations

from babel import Locale
from flask import Flask
from flask_babel import gettext as _

from webapp.i18n import current_language


def _locale() -> Locale:
    return Locale.parse(current_language())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    if code.upper() == "XK":
        return _("Kosovo")
    return _locale().territories.get(code.upper(), code)


def language_name(code: str | None) -> str:
    if not code:
        return ""
    return _locale().languages.get(code.lower(), code)


def cefr_descriptions() -> dict[str, str]:
    """matching.cefr.DESCRIPTIONS in the reader's language (same sentences)."""
    return {
        "A1": _("Understands and uses familiar everyday expressions and very basic phrases."),
        "A2": _("Handles short routine exchanges about familiar tasks, shopping, work and family."),
        "B1": _("Deals with most situations at work and while travelling; describes experiences and plans."),
        "B2": _("Talks with native speakers without strain; understands the main ideas of complex texts."),
        "C1": _("Uses the language flexibly at work and in study; understands long, demanding texts."),
        "C2": _("Understands virtually everything heard or read; expresses nuance precisely."),
    }


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        country_name=country_name, language_name=language_name, cefr_descriptions=cefr_descriptions
    )
