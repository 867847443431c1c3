"""What closes the gap of a match: service offers (language courses, training,
recognition) and the library's practices and handbook sections on that kind of gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlmodel import Session

from core.errors import HeadstartError
from core.runtime import Runtime
from kb.library_query import parse_search_request
from kb.service import LibraryHit, search_library
from matching.cefr import rank
from matching.listing import verified_provider
from matching.matcher import Explanation, Taxonomy
from matching.matches import VacancyMatch, matches_for_profile
from matching.models import ServiceOffer, SkillProfile
from matching.records import get_profile


@dataclass(frozen=True)
class OfferForGap:
    offer: ServiceOffer
    closes: tuple[str, ...]  # what it addresses, in words
    score: float


def offers_for_gap(
    runtime: Runtime, profile: SkillProfile, explanation: Explanation, taxonomy: Taxonomy, *, top: int = 5
) -> list[OfferForGap]:
    """Service offers that close the gap of a match, the ones closing most first.

    A language course counts when it teaches the missing language up to the required
    level; training when it teaches a missing essential skill; a recognition service when
    the occupation is regulated and not yet recognised. Offers in the person's countries
    or online come before others, free ones before paid ones.
    """
    return rank_offers_for_gap(_all_offers(runtime), profile, explanation, taxonomy, top=top)


def _all_offers(runtime: Runtime) -> list[ServiceOffer]:
    with Session(runtime.engine) as session:
        offers = list(session.execute(select(ServiceOffer).where(verified_provider())).scalars())
        session.expunge_all()
    return offers


def rank_offers_for_gap(
    offers: Sequence[ServiceOffer], profile: SkillProfile, explanation: Explanation, taxonomy: Taxonomy, *, top: int = 5
) -> list[OfferForGap]:
    """offers_for_gap on offers already read (one read serves every match of a page)."""
    home = set(profile.origin_countries) | ({profile.residence_country} if profile.residence_country else set())
    results = []
    for offer in offers:
        closes = []
        for gap in explanation.language_gaps:
            if offer.kind == "language_course" and offer.language_taught == gap.language and offer.level_reached and rank(offer.level_reached) >= rank(gap.required):
                closes.append(f"{gap.language} to {gap.required}")
        for skill in explanation.essential_missing:
            if skill in offer.skills_taught:
                closes.append(taxonomy.label(skill))
        if explanation.regulated and not explanation.regulated.recognised and offer.kind == "recognition":
            if not offer.destination_countries or explanation.regulated.country in offer.destination_countries:
                closes.append(f"recognition of qualifications in {explanation.regulated.country}")
        if not closes:
            continue
        reachable = offer.mode in ("online", "blended") or offer.country in home
        score = len(closes) + (0.5 if reachable else 0.0) + (0.25 if offer.cost == 0 else 0.0)
        results.append(OfferForGap(offer, tuple(closes), score))
    results.sort(key=lambda item: (-item.score, item.offer.id or 0))
    return results[:top]


# The library question for each kind of gap. A match's question joins the topics of its
# gaps in this order, so there are seven questions in all: few enough for seeding to
# encode them beforehand (warm_gap_questions), and a fresh process answers a matches page
# without loading the model. They name no language: a code such as "de" means nothing
# to the model and is a common word to the lexical arm.
GAP_TOPICS = (
    ("language", "language training before departure"),
    ("recognition", "recognition of qualifications before departure"),
    ("skills", "vocational skills training before departure"),
)
_GAP_FILTERS = {"kind": ["practice", "handbook"]}


def gap_question(kinds: Sequence[str]) -> str:
    """The library question for gaps of these kinds ("" for none)."""
    return "; ".join(text for kind, text in GAP_TOPICS if kind in kinds)


def gap_kinds(explanation: Explanation) -> list[str]:
    kinds = []
    if explanation.language_gaps:
        kinds.append("language")
    if explanation.regulated and not explanation.regulated.recognised:
        kinds.append("recognition")
    if explanation.essential_missing:
        kinds.append("skills")
    return kinds


def library_for_gap(runtime: Runtime, explanation: Explanation, *, top: int = 3) -> list[LibraryHit]:
    """Practices and handbook sections on closing this kind of gap (language, recognition, skills)."""
    question = gap_question(gap_kinds(explanation))
    if not question:
        return []
    request = parse_search_request(text=question, filters=_GAP_FILTERS, per_page=top, query_language="en")
    # The product's own question, never a person's words: its vector may be kept.
    return search_library(runtime, replace(request, persist_query_vector=True)).hits


def warm_gap_questions(runtime: Runtime) -> int:
    """Encode every gap question into the embedding cache (seeding calls it); returns how many."""
    kinds = [kind for kind, _ in GAP_TOPICS]
    questions = [
        gap_question([kind for bit, kind in enumerate(kinds) if mask >> bit & 1]) for mask in range(1, 2 ** len(kinds))
    ]
    for question in questions:
        runtime.encoder.encode_query(question, language="en", persist=True)
    return len(questions)


# ---------------------------------------------------------------------------- matches with their gaps


@dataclass(frozen=True)
class MatchWithGaps:
    """One match and, when it is not ready, what would close its gap."""

    match: VacancyMatch
    offers: tuple[OfferForGap, ...] = ()
    library: tuple[LibraryHit, ...] = ()


def matches_with_gaps(
    runtime: Runtime, profile_id: int, *, top: int = 10, include_excluded: bool = False, gaps: bool = True
) -> tuple[list[MatchWithGaps], Taxonomy]:
    """A profile's matches, each one that is not ready with the service offers and the
    library pages that close its gap (the matches page and the JSON API alike).

    Matches with the same kind of gap share one library search. A library that cannot be
    searched now (an engine away) leaves the pages out; the matches and offers stand.
    """
    found, taxonomy = matches_for_profile(runtime, profile_id, top=top, include_excluded=include_excluded)
    if not gaps or all(match.explanation.ready for match in found):
        return [MatchWithGaps(match) for match in found], taxonomy
    with Session(runtime.engine) as session:
        profile = get_profile(session, profile_id)
        session.expunge(profile)
    offers = _all_offers(runtime)
    library_by_gap: dict[tuple[str, ...], tuple[LibraryHit, ...]] = {}
    items = []
    for match in found:
        explanation = match.explanation
        if explanation.ready:
            items.append(MatchWithGaps(match))
            continue
        key = tuple(gap_kinds(explanation))  # what the library question depends on
        if key not in library_by_gap:
            try:
                library_by_gap[key] = tuple(library_for_gap(runtime, explanation))
            except HeadstartError:
                library_by_gap[key] = ()
        closing = tuple(rank_offers_for_gap(offers, profile, explanation, taxonomy))
        items.append(MatchWithGaps(match, closing, library_by_gap[key]))
    return items, taxonomy
