"""A job ad or a CV in plain text -> the ESCO skills it mentions, with the words they came from.

The text is cut into short spans (sentences, then clauses at commas, semicolons, "and",
"or", bullets; long clauses into overlapping windows of a few words), every span is
encoded once in a batch, and the skills collection is searched with each span's vector.
A skill is kept when its best span scores at least SKILL_THRESHOLD; the span's
character offsets let a form highlight where each suggestion came from, for the person
to confirm or reject it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from core.errors import BadRequest
from core.languages import guess_query_language, normalize_language
from core.search.base import SearchIndex, SearchQuery

MAX_TEXT_CHARS = 20_000
# Minimum cosine of a span with a skill. Tuned on the 260 demo vacancies (description ->
# the skills their employers listed, over all 13,900 ESCO skills): both halves chose 0.575
# as the F1-best threshold when graded on the other (bench/README.md, skill extraction).
# The absolute figures are low (F1 0.11 on exact URIs), so suggestions are for people to
# confirm, never applied silently.
SKILL_THRESHOLD = 0.575
WINDOW_WORDS = 6
_SENTENCE = re.compile(r"[^.;!?\n•·]+")
_PUNCTUATION = re.compile(r"[,:/()]")
_CONJUNCTION = re.compile(r"\b(?:and|or|et|ou|und|oder|y|o)\b", re.IGNORECASE)
_WORD = re.compile(r"\w[\w'-]*", re.UNICODE)


def _split(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    pieces, last = [], start
    for cut in separator.finditer(text, start, end):
        pieces.append((last, cut.start()))
        last = cut.end()
    pieces.append((last, end))
    return pieces if len(pieces) > 1 else []


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ExtractedSkill:
    uri: str
    label: str
    score: float
    span: Span  # the words the skill was found in


def candidate_spans(text: str) -> list[Span]:
    """Sentences, clauses and word windows of a text, with their character offsets."""
    spans: dict[tuple[int, int], Span] = {}

    def add(start: int, end: int) -> None:
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        words = _WORD.findall(text[start:end])
        if 1 <= len(words) <= 3 * WINDOW_WORDS and (len(words) > 1 or len(words[0]) > 3):
            spans.setdefault((start, end), Span(start, end, text[start:end]))

    def add_piece(a: int, b: int) -> None:
        words = list(_WORD.finditer(text, a, b))
        if len(words) <= WINDOW_WORDS * 2:
            add(a, b)
            return
        step = max(1, WINDOW_WORDS // 2)
        for first in range(0, len(words) - step, step):
            last_word = words[min(first + WINDOW_WORDS, len(words)) - 1]
            add(words[first].start(), last_word.end())

    # Three granularities, because a skill may be a whole clause ("follow health and
    # safety rules") or one item of a list ("MIG and arc welding"): sentences, clauses
    # between punctuation, and the parts of a clause joined by "and" / "or".
    for sentence in _SENTENCE.finditer(text):
        add_piece(sentence.start(), sentence.end())
        clauses = _split(text, sentence.start(), sentence.end(), _PUNCTUATION)
        for clause in clauses or [(sentence.start(), sentence.end())]:
            if clauses:
                add_piece(*clause)
            for part in _split(text, clause[0], clause[1], _CONJUNCTION):
                add_piece(*part)
    return sorted(spans.values(), key=lambda span: (span.start, span.end))


def extract_skills(
    index: SearchIndex,
    encoder,
    text: str | None,
    *,
    language: str | None = None,
    english_words: frozenset[str] = frozenset(),
    threshold: float = SKILL_THRESHOLD,
    top_per_span: int = 3,
) -> list[ExtractedSkill]:
    """ESCO skills found in the text, best first, each with the span it came from."""
    text = (text or "").strip()
    if not text:
        raise BadRequest("Paste the text of a CV or a job ad.", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRequest(f"The text is {len(text):,} characters long; at most {MAX_TEXT_CHARS:,}.", field="text")
    language = normalize_language(language, field="lang")
    if language is None:
        language = guess_query_language(text, english_words) if english_words else "en"
    spans = candidate_spans(text)
    if not spans:
        return []
    vectors = encoder.encode_queries([span.text for span in spans], [language] * len(spans))
    best: dict[str, ExtractedSkill] = {}
    for span, vector in zip(spans, np.asarray(vectors)):
        result = index.search(
            SearchQuery(text=span.text, vector=vector, mode="dense", k=top_per_span, language=language, track_total=False)
        )
        for hit in result.hits:
            score = float(hit.dense_score if hit.dense_score is not None else hit.score)
            if score < threshold:
                continue
            current = best.get(hit.id)
            if current is None or score > current.score:
                best[hit.id] = ExtractedSkill(hit.id, hit.title, round(score, 4), span)
    return sorted(best.values(), key=lambda item: (-item.score, item.span.start))
