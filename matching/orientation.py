"""The orientation pack: what an MRC hands someone preparing to work in one country in
one occupation, gathered on one printable page.

It brings together the handbook sections and practices on that destination and kind of
work (library search), the open vacancies there for the occupation or its ISCO group, and
the service offers preparing for the destination (those naming it, and online language
courses in its languages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from babel.languages import get_official_languages
from sqlmodel import Session

from core.errors import HeadstartError
from core.runtime import Runtime
from kb.library_query import parse_search_request
from kb.service import search_library
from matching.marketplace import offers_preparing_for, vacancies_for_occupation
from matching.models import ServiceOffer, Vacancy
from matching.suggestion import suggest
from matching.taxonomy import concept_labels
from practices.vocabulary import country_name, is_country

HANDBOOK_SECTIONS = 5
PRACTICES = 5
VACANCIES = 15
OFFERS = 15
# The handbook is written for centres, not for one destination or trade: the pack takes the
# sections on the services themselves and on the link with the destination.
HANDBOOK_TOPICS = ("service_design", "post_arrival_link")
HANDBOOK_QUERY = "pre-departure orientation before work abroad: language training, recognition of qualifications, work contract, arrival"


@dataclass(frozen=True)
class OrientationPack:
    country: str
    occupation_uri: str | None
    occupation_label: str  # the ESCO label, or the words typed when none was found
    occupation_guessed: bool  # the occupation was read from free text
    typed_occupation: str
    languages: tuple[str, ...]  # the destination's official languages
    handbook: list = field(default_factory=list)  # kb.service.LibraryHit
    practices: list = field(default_factory=list)  # kb.service.LibraryHit
    vacancies: list[Vacancy] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # occupation and skill URI -> label
    offers: list[ServiceOffer] = field(default_factory=list)
    library_error: str | None = None
    made_on: date = field(default_factory=date.today)


def destination_languages(country: str) -> tuple[str, ...]:
    try:
        return tuple(code for code in get_official_languages(country) if len(code) == 2)
    except Exception:  # babel knows no such territory
        return ()


def _occupation(runtime: Runtime, uri: str | None, text: str, language: str) -> tuple[str | None, str, bool]:
    """(URI, label, guessed): the chosen occupation, or the best ESCO match for the words typed."""
    guessed = False
    if not uri and text.strip():
        try:
            found = suggest(runtime, "occupation", text, top=1)
        except HeadstartError:
            found = []
        if found:
            uri, guessed = found[0].uri, True
    if not uri:
        return None, text.strip(), False
    with Session(runtime.engine) as session:
        label = concept_labels(session, {uri}, language).get(uri)
    if label is None:  # not an occupation this installation knows
        return None, text.strip(), False
    return uri, label, guessed


def _library(runtime: Runtime, text: str, filters: dict[str, list[str]], top: int, language: str | None, *, persist: bool = False):
    """`persist`: the text is the product's own question (kb.library_query.LibrarySearchRequest)."""
    request = parse_search_request(text=text, filters=filters, per_page=top, reader_language=language)
    return search_library(runtime, replace(request, persist_query_vector=persist)).hits


def orientation_pack(
    runtime: Runtime,
    *,
    country: str,
    occupation_uri: str | None = None,
    occupation_text: str = "",
    language: str = "en",
    today: date | None = None,
) -> OrientationPack:
    """Gather the pack for a destination country and an occupation (URI or free text)."""
    country = (country or "").strip().upper()
    if not is_country(country):
        raise HeadstartError("Choose a destination country.", field="country")
    uri, label, guessed = _occupation(runtime, occupation_uri, occupation_text, language)
    languages = destination_languages(country)
    place = country_name(country)
    handbook, practices, library_error = [], [], None
    try:
        handbook = _library(runtime, HANDBOOK_QUERY, {"kind": ["handbook"], "topic": list(HANDBOOK_TOPICS)}, HANDBOOK_SECTIONS, language, persist=True)
        practices = _library(runtime, f"{label} {place}".strip(), {"kind": ["practice"], "destination": [country]}, PRACTICES, language)
    except HeadstartError as error:
        library_error = error.message
    with Session(runtime.engine) as session:
        vacancies = vacancies_for_occupation(session, country=country, occupation_uri=uri, limit=VACANCIES, today=today)
        offers = offers_preparing_for(session, country, languages, limit=OFFERS)
        uris = {v.occupation_uri for v in vacancies if v.occupation_uri} | {uri for o in offers for uri in o.skills_taught}
        labels = concept_labels(session, uris, language)
        session.expunge_all()
    return OrientationPack(
        country=country,
        occupation_uri=uri,
        occupation_label=label,
        occupation_guessed=guessed,
        typed_occupation=occupation_text.strip(),
        languages=languages,
        handbook=handbook,
        practices=practices,
        vacancies=vacancies,
        labels=labels,
        offers=offers,
        library_error=library_error,
        made_on=today or date.today(),
    )


# ---------------------------------------------------------------------------- the pack's page


@dataclass(frozen=True)
class PackRequest:
    """The pack page's parameters, tidied: the page is a GET form, so loose strings."""

    country: str
    occupation_uris: list[str]  # the occupation chosen: the last one given, or none
    occupation_text: str  # the words typed for it
    look_up: bool  # only the occupations for the words typed are wanted (the form without JavaScript)
    asked: bool  # the form was sent for a pack

    @property
    def occupation_uri(self) -> str | None:
        return self.occupation_uris[0] if self.occupation_uris else None


def pack_request(*, country: str | None, occupations: Sequence[str], occupation_text: str | None, look_up: bool) -> PackRequest:
    """Tidy the page's parameters; `country` is None when the form has not been sent."""
    return PackRequest(
        country=(country or "").strip().upper(),
        occupation_uris=[uri for uri in occupations if uri.strip()][-1:],
        occupation_text=(occupation_text or "").strip()[:300],
        look_up=look_up,
        asked=country is not None and not look_up,
    )


@dataclass(frozen=True)
class PackAnswer:
    """The pack asked for, or why there is none (HeadstartError.field names the parameter)."""

    pack: OrientationPack | None = None
    error: HeadstartError | None = None


def answer_pack_request(runtime: Runtime, asked: PackRequest, *, language: str) -> PackAnswer:
    """Gather the pack when one was asked for; a request that cannot be met gives its error."""
    if not asked.asked:
        return PackAnswer()
    try:
        pack = orientation_pack(
            runtime, country=asked.country, occupation_uri=asked.occupation_uri,
            occupation_text=asked.occupation_text, language=language,
        )  # fmt: skip
    except HeadstartError as error:
        return PackAnswer(error=error)
    return PackAnswer(pack=pack)
