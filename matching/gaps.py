"""What closes the gap of a match: service offers (language courses, training,
recognition) and the library's practices and handbook sections on that kind of gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from core.errors import HeadstartError
from core.runtime import Runtime
from kb.library_query import parse_search_request
from kb.service import LibraryHit, search_library
from matching.cefr import rank
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
        offers = list(session.execute(select(ServiceOffer)).scalars())
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


def library_for_gap(runtime: Runtime, explanation: Explanation, *, top: int = 3) -> list[LibraryHit]:
    """Practices and handbook sections on closing this kind of gap (language, recognition, skills)."""
    topics = []
    if explanation.language_gaps:
        languages = ", ".join(sorted({gap.language for gap in explanation.language_gaps}))
        topics.append(f"language training before departure ({languages})")
    if explanation.regulated and not explanation.regulated.recognised:
        topics.append("recognition of qualifications before departure")
    if explanation.essential_missing:
        topics.append("vocational skills training before departure")
    if not topics:
        return []
    request = parse_search_request(text="; ".join(topics), filters={"kind": ["practice", "handbook"]}, per_page=top)
    return search_library(runtime, request).hits


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
    library_by_gap: dict[tuple, tuple[LibraryHit, ...]] = {}
    items = []
    for match in found:
        explanation = match.explanation
        if explanation.ready:
            items.append(MatchWithGaps(match))
            continue
        key = _gap_kind(explanation)
        if key not in library_by_gap:
            try:
                library_by_gap[key] = tuple(library_for_gap(runtime, explanation))
            except HeadstartError:
                library_by_gap[key] = ()
        closing = tuple(rank_offers_for_gap(offers, profile, explanation, taxonomy))
        items.append(MatchWithGaps(match, closing, library_by_gap[key]))
    return items, taxonomy


def _gap_kind(explanation: Explanation) -> tuple:
    """What library_for_gap searches on: the languages, recognition, missing skills."""
    regulated = bool(explanation.regulated and not explanation.regulated.recognised)
    return (tuple(sorted({gap.language for gap in explanation.language_gaps})), regulated, bool(explanation.essential_missing))
