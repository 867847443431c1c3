"""Free text -> ESCO concepts: what a migrant types becomes occupations and skills.

People type job titles in many forms and languages ("soudeur", "nurse assistant", a
misspelt trade); the suggestion searches the ESCO collections with the hybrid engine and
returns concept URIs with scores and the label that matched, for the user to confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import BadRequest
from core.languages import OTHER_LANGUAGE, guess_query_language, normalize_language  # noqa: F401 (re-exported)
from core.search.base import Hit, SearchIndex, SearchQuery

MAX_QUERY_CHARS = 500
MAX_TOP = 100
_WORD = re.compile(r"\w+", re.UNICODE)


def label_vocabulary(labels: list[str]) -> frozenset[str]:
    return frozenset(word for label in labels for word in _WORD.findall(label.lower()))


@dataclass(frozen=True)
class ConceptSuggestion:
    uri: str
    label: str
    score: float
    matched_label: str


def validate_suggest_request(text: str | None, top: int | str | None, language: str | None) -> tuple[str, int, str | None]:
    """Check what a person sent before any work is done; errors say how to fix them."""
    text = (text or "").strip()
    if not text:
        raise BadRequest("Type a job title, a skill or a few words to get suggestions.", field="q")
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"The text is {len(text)} characters long; suggestions take at most {MAX_QUERY_CHARS}.", field="q"
        )
    if top is None or top == "":
        count = 10
    else:
        try:
            count = int(top)
        except (TypeError, ValueError):
            raise BadRequest(f"top must be a whole number from 1 to {MAX_TOP}, not {top!r}.", field="top") from None
    if not 1 <= count <= MAX_TOP:
        raise BadRequest(f"top must be a whole number from 1 to {MAX_TOP}, not {count}.", field="top")
    return text, count, normalize_language(language)


def suggest_concepts(
    index: SearchIndex,
    text: str | None,
    *,
    top: int | str | None = 10,
    language: str | None = None,
    english_words: frozenset[str] = frozenset(),
) -> list[ConceptSuggestion]:
    """Ranked ESCO concepts for a free-text query.

    The query's language (given, else guessed against `english_words`) decides which
    model encodes it when the runtime has a multilingual one.
    """
    text, count, language = validate_suggest_request(text, top, language)
    if language is None:
        language = guess_query_language(text, english_words) if english_words else "en"
    result = index.search(SearchQuery(text=text, k=count, language=language, track_total=False))
    return [
        ConceptSuggestion(uri=hit.id, label=hit.title, score=round(hit.score, 4), matched_label=_matched_label(hit))
        for hit in result.hits
    ]


def _matched_label(hit: Hit) -> str:
    """The label that matched; a match on the description is shown as the concept's title."""
    return hit.title if hit.passage_anchor.startswith("desc") else hit.passage_text
