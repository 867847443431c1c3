"""The kinds of notification, registered by the layer that raises them.

The platform knows no domain: each package that tells people things registers its kinds
(name, the label of the preferences page, the default channel) when it is imported, and
the preferences page lists what is registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import HeadstartError


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # an N_-marked message: the page translates it
    default: str  # "app" | "email" | "off"
    roles: tuple[str, ...] = ()  # the account roles it concerns ((): every role)


_KINDS: dict[str, Kind] = {}


def register_kind(name: str, label: str, *, default: str = "app", roles: tuple[str, ...] = ()) -> Kind:
    if default not in ("app", "email", "off"):
        raise ValueError(f"unknown channel {default!r}")
    kind = Kind(name, label, default, roles)
    _KINDS[name] = kind
    return kind


def kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise HeadstartError(f"There is no notification kind {name!r}.", field="kind") from None


def kinds_for(role: str) -> list[Kind]:
    return [k for k in _KINDS.values() if not k.roles or role in k.roles]
