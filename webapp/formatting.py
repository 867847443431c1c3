"""Names and descriptions shown on pages, in the reader's language.

Country and language names come from Babel's CLDR data, so they are correct in every
interface language without translating them by hand.
"""

from __future__ import annotations

from datetime import datetime

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


# (token in the User-Agent header, name shown), first match wins: Edge and Opera also say
# "Chrome", Chrome also says "Safari", Android also says "Linux".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))  # fmt: skip


def browser_name(user_agent: str) -> str:
    """A person recognises "Firefox on Windows", not a User-Agent header."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown browser")


def moment(at: datetime) -> str:
    """A date and time as stored (UTC), said to be UTC."""
    return at.strftime("%Y-%m-%d %H:%M") + " UTC"


def stage_names() -> dict[str, str]:
    """The pipeline stages (matching/pipeline.py) as pages and notices name them."""
    return {
        "suggested": _("Suggested"), "shortlisted": _("Shortlisted"), "contact_requested": _("Contact requested"),
        "in_contact": _("In contact"), "interview": _("Interview"), "offer": _("Offer made"), "hired": _("Hired"),
        "not_selected": _("Not selected"), "withdrawn": _("Withdrawn by the candidate"),
    }  # fmt: skip


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        country_name=country_name, language_name=language_name, cefr_descriptions=cefr_descriptions,
        browser_name=browser_name, moment=moment,
    )  # fmt: skip
