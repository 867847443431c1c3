"""ISO 639-1 language codes, for validating what users and files name as a language."""

from __future__ import annotations

import re
import unicodedata

from core.errors import BadRequest

ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()
)


def normalize_language(code: str | None, *, field: str = "lang") -> str | None:
    """'FR', 'fr', 'fr-CA', 'en_US' -> 'fr' / 'en'; None or '' -> None; unknown -> BadRequest."""
    if code is None or not code.strip():
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    if primary not in ISO_639_1:
        raise BadRequest(f"Unknown language code {code!r}: use a two-letter ISO 639-1 code such as en, fr or ar.", field=field)
    return primary


# Stands for "some language other than English" when the language was guessed, not given.
OTHER_LANGUAGE = "mul"


def guess_query_language(text: str, english_words: frozenset[str]) -> str:
    """'en' unless the query is written in another script or most of its words are not
    words of the English labels; then OTHER_LANGUAGE.

    Job titles are too short for statistical language identification, but words tell:
    "soudeur" and "enfermera" are no English label words, "сварщик" is not even Latin.
    A majority rule (rather than "any unknown word") keeps English titles with one rare
    word ("shotfirer assistant") on the English model, which ranks them better
    (bench/README.md).
    """
    words = _WORD.findall(text.lower())
    if not words:
        return "en"
    if any(not _is_latin(ch) for word in words for ch in word if ch.isalpha()):
        return OTHER_LANGUAGE
    unknown = sum(word not in english_words for word in words)
    return OTHER_LANGUAGE if unknown * 2 > len(words) else "en"


def _is_latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


_WORD = re.compile(r"\w+", re.UNICODE)
