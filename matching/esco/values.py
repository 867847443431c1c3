"""Field values shared by the CSV and core-taxonomy parsers: labels, URIs, codes, notes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from matching.esco.tables import ESCO_URI_PREFIX

_LABEL_SEPARATOR = re.compile(r"[\r\n]+|(?:(?<=\s)|^)\|(?=\s|$)")
_DIGITS = re.compile(r"\d{1,4}")


def split_labels(value: str) -> tuple[str, ...]:
    """Alternative labels from a newline- or " | "-separated field: stripped, unique, non-empty.

    Whitespace inside a label is collapsed; duplicates are compared case-insensitively and
    the first spelling is kept. A "|" without spaces around it is part of a label.
    """
    seen: set[str] = set()
    out: list[str] = []
    for part in _LABEL_SEPARATOR.split(value):
        label = " ".join(part.split())
        key = label.casefold()
        if label and key not in seen:
            seen.add(key)
            out.append(label)
    return tuple(out)


def _without(labels: Iterable[str], preferred: str) -> list[str]:
    """Alternative labels minus the preferred one (ESCO often repeats it among them)."""
    return [label for label in labels if label.casefold() != preferred.casefold()]


def _label(value: str) -> str:
    return " ".join(value.split())


def _description(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def is_esco_uri(value: str) -> bool:
    return value.startswith(ESCO_URI_PREFIX) and len(value) > len(ESCO_URI_PREFIX) and not any(
        ch.isspace() for ch in value
    )


def is_regulated(note: str) -> bool:
    """ESCO marks regulated professions with a note URI ending in /regulated (else /unregulated)."""
    if not note:
        return False
    return note.rstrip("/").rsplit("/", 1)[-1].lower() != "unregulated"
