"""The one way into the ESCO taxonomy for matching: the concepts' ISCO codes, broader
concepts, labels and regulated-profession notes, read from the database for a set of
concept URIs (never by label), and the labels lookup every caller uses.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from matching.esco.tables import EscoBroader, EscoConcept, EscoConceptText
from matching.matcher import Taxonomy


def load_taxonomy(session: Session, uris: set[str]) -> Taxonomy:
    """ISCO codes, broader concepts, English labels and regulated notes for these URIs."""
    uris = {uri for uri in uris if uri}
    if not uris:
        return Taxonomy()
    chunked = [sorted(uris)[i : i + 500] for i in range(0, len(uris), 500)]
    isco: dict[str, str] = {}
    regulated: dict[str, str] = {}
    broader: dict[str, set[str]] = {}
    for chunk in chunked:
        for concept in session.execute(select(EscoConcept).where(EscoConcept.uri.in_(chunk))).scalars():  # type: ignore[attr-defined]
            if concept.code:
                isco[concept.uri] = concept.code
            if concept.regulated or concept.regulated_profession_note:
                regulated[concept.uri] = concept.regulated_profession_note or "ESCO marks this occupation as regulated."
        for relation in session.execute(select(EscoBroader).where(EscoBroader.uri.in_(chunk))).scalars():  # type: ignore[attr-defined]
            broader.setdefault(relation.uri, set()).add(relation.broader_uri)
    return Taxonomy(
        isco_codes=isco,
        broader={uri: frozenset(values) for uri, values in broader.items()},
        labels=concept_labels(session, uris),
        regulated=regulated,
    )


def concept_labels(session: Session, uris: set[str], language: str = "en") -> dict[str, str]:
    """Preferred labels in `language` where ESCO has them, English otherwise."""
    uris = {uri for uri in uris if uri}
    if not uris:
        return {}
    wanted = [language, "en"] if language != "en" else ["en"]
    found: dict[tuple[str, str], str] = {}
    ordered = sorted(uris)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        rows = session.execute(
            select(EscoConceptText.uri, EscoConceptText.language, EscoConceptText.preferred_label)
            .where(EscoConceptText.uri.in_(chunk), EscoConceptText.language.in_(wanted))  # type: ignore[attr-defined]
            .order_by(EscoConceptText.source)
        )
        for uri, lang, label in rows:
            if label and (uri, lang) not in found:
                found[(uri, lang)] = label
    labels: dict[str, str] = {}
    for uri in uris:
        for lang in wanted:
            if (uri, lang) in found:
                labels[uri] = found[(uri, lang)]
                break
    return labels


def isco_group_labels(session: Session, codes: set[str], language: str = "en") -> dict[str, str]:
    """ISCO code -> group label (ESCO's isco_group concepts)."""
    if not codes:
        return {}
    rows = session.execute(
        select(EscoConcept.code, EscoConcept.uri).where(
            EscoConcept.concept_type == "isco_group", EscoConcept.code.in_(sorted(codes))  # type: ignore[union-attr]
        )
    ).all()
    by_uri = {uri: code for code, uri in rows}
    labels = concept_labels(session, set(by_uri), language)
    return {code: labels[uri] for uri, code in by_uri.items() if uri in labels}
