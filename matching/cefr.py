"""CEFR language levels: order, plain-words descriptions, and a profile's usable level.

Europass describes a language by five sub-skills (listening, reading, spoken interaction,
spoken production, writing); a person may also give one overall level. What an employer's
minimum means in practice is the weakest sub-skill the person has stated, so that is the
level the matcher compares (a B2 reader who speaks at A2 does not meet a B1 minimum for a
job in a team).
"""

from __future__ import annotations

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
SUBSKILLS = ("listening", "reading", "spoken_interaction", "spoken_production", "writing")

# Plain words for people choosing their level (the web form shows them).
DESCRIPTIONS = {
    "A1": "Understands and uses familiar everyday expressions and very basic phrases.",
    "A2": "Handles short routine exchanges about familiar tasks, shopping, work and family.",
    "B1": "Deals with most situations at work and while travelling; describes experiences and plans.",
    "B2": "Talks with native speakers without strain; understands the main ideas of complex texts.",
    "C1": "Uses the language flexibly at work and in study; understands long, demanding texts.",
    "C2": "Understands virtually everything heard or read; expresses nuance precisely.",
}


def rank(level: str) -> int:
    """A1 -> 1 ... C2 -> 6."""
    return LEVELS.index(level) + 1


def is_level(value: object) -> bool:
    return isinstance(value, str) and value in LEVELS


def normalise_level(value: str) -> str | None:
    text = value.strip().upper()
    return text if text in LEVELS else None
