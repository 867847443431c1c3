"""Country codes (ISO 3166-1 alpha-2, plus Kosovo's user-assigned XK) and their English
names: the one list every layer checks countries against."""

from __future__ import annotations

from functools import lru_cache

import pycountry

EXTRA_COUNTRIES = {"XK": "Kosovo"}


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    names = {country.alpha_2: getattr(country, "common_name", country.name) for country in pycountry.countries}
    names.update(EXTRA_COUNTRIES)
    return names


def is_country(code: str) -> bool:
    return code in _countries()


def country_name(code: str) -> str:
    return _countries().get(code, code)


def country_codes() -> tuple[str, ...]:
    return tuple(sorted(_countries()))
