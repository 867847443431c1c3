"""Derived data that services keep per process, each entry saying whether it may hold
personal data.

Erasure must leave no copy of a person's data behind, also in memory. Rather than a list
of the entries known to be safe that erasure keeps (and a new cache forgets to join),
every entry declares itself when it is stored: `personal=True` is the default, so an
entry nobody thought about is dropped by `forget_personal_data` after every erasure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any


class ProcessCache:
    """A small named store of derived values (the vacancy pool, label words, vocabularies).

    A value is replaced whole, never changed in place, so readers need no lock; the lock
    only keeps `put` and `forget_personal_data` from interleaving.
    """

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._personal: set[str] = set()
        self._lock = threading.Lock()

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._values))

    def put(self, name: str, value: Any, *, personal: bool = True) -> None:
        """Keep `value` under `name`. `personal=False` only for data that can never hold a
        person's data (vacancies, taxonomy words, the library's vocabulary)."""
        with self._lock:
            self._values[name] = value
            if personal:
                self._personal.add(name)
            else:
                self._personal.discard(name)

    def forget_personal_data(self) -> list[str]:
        """Drop every entry that may hold personal data; the names dropped, sorted."""
        with self._lock:
            dropped = sorted(self._personal & set(self._values))
            for name in dropped:
                del self._values[name]
            self._personal.clear()
            return dropped

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._personal.clear()
