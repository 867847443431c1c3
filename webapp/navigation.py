"""The main menu: which links a person sees, by role.

Entries name endpoints; an entry whose blueprint is not registered is left out, so the
menu never shows a link that leads nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from core.accounts.users import User

ANYONE = None


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translated string
    roles: tuple[str, ...] | None = ANYONE  # None: everyone, signed in or not


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("library.search", _l("Library")),
    NavItem("library.handbook", _l("Handbook")),
    NavItem("market.vacancies", _l("Vacancies")),
    NavItem("market.offers", _l("Service offers")),
    NavItem("orientation.pack", _l("Orientation pack")),
    NavItem("organisations.index", _l("Organisations")),
    NavItem("profiles.index", _l("Profiles"), ("migrant", "practitioner", "admin")),
    NavItem("market.my_vacancies", _l("My vacancies"), ("employer", "admin")),
    NavItem("market.my_offers", _l("My offers"), ("provider", "admin")),
    NavItem("referrals.index", _l("Referrals"), ("practitioner", "provider")),
)


def menu(user: User | None) -> list[tuple[str, str, str]]:
    """(endpoint, url, label) for the entries this person may use."""
    items = []
    for item in NAV_ITEMS:
        if item.endpoint not in current_app.view_functions:
            continue
        if item.roles is not ANYONE and (user is None or user.role not in item.roles):
            continue
        items.append((item.endpoint, url_for(item.endpoint), str(item.label)))
    return items


ROLE_NAMES = {
    "migrant": _l("Migrant"),
    "practitioner": _l("MRC practitioner"),
    "employer": _l("Employer"),
    "provider": _l("Service provider"),
    "admin": _l("Administrator"),
}


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))
