"""The texts that matching encodes for profiles and vacancies, the ESCO concepts they
name, their vectors, and the clean-up of a profile's cached vector when its text goes.

A vector of a person's own words is personal data: an edited profile's old text and an
erased profile's text leave the embedding cache with it (unless another profile has
exactly the same text: the cache is shared by text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete
from sqlmodel import Session, select

from core.embeddings.encoder import EmbeddingCache, text_hash
from core.runtime import Runtime
from matching.matcher import Taxonomy
from matching.models import OccupationHeld, SkillProfile, Vacancy
from matching.taxonomy import load_taxonomy

logger = logging.getLogger(__name__)

ProgressFactory = Callable[[str, int], object]  # (description, total) -> a bar with update() and close()


def profile_text(profile: SkillProfile, taxonomy: Taxonomy, held: Sequence[OccupationHeld] | None = None) -> str:
    """The text matching encodes for a profile. `held`: its occupations, already parsed."""
    held = profile.occupations_held() if held is None else held
    occupations = [f"{o.title} ({taxonomy.label(o.uri)})" if o.uri else o.title for o in held]
    skills = [taxonomy.label(uri) for uri in profile.skills] + list(profile.free_text_skills)
    return ". ".join(part for part in ("; ".join(occupations), profile.summary, ", ".join(skills)) if part)


def vacancy_text(vacancy: Vacancy, taxonomy: Taxonomy) -> str:
    occupation = taxonomy.label(vacancy.occupation_uri) if vacancy.occupation_uri else ""
    skills = ", ".join(taxonomy.label(uri) for uri in vacancy.essential_skills + vacancy.optional_skills)
    return ". ".join(part for part in (vacancy.title, occupation, vacancy.description, skills) if part)


def profile_concepts(skills: Collection[str], occupations: Sequence[OccupationHeld]) -> set[str]:
    return set(skills) | {o.uri for o in occupations if o.uri}


def concept_uris(profiles: Sequence[SkillProfile], vacancies: Sequence[Vacancy]) -> set[str]:
    """Every ESCO concept that the texts of these profiles and vacancies name."""
    uris: set[str] = set()
    for profile in profiles:
        uris |= profile_concepts(profile.skills, profile.occupations_held())
    for vacancy in vacancies:
        uris.update(vacancy.essential_skills + vacancy.optional_skills)
        if vacancy.occupation_uri:
            uris.add(vacancy.occupation_uri)
    return uris


def encode_texts(runtime: Runtime, texts: Sequence[str]) -> np.ndarray:
    """Vectors of these texts through the runtime's Encoder (cached by text: each distinct
    text is encoded once)."""
    return runtime.encoder.encode(list(texts))


def encode_vacancy_texts(runtime: Runtime, vacancy_ids: Sequence[int], *, progress_factory: ProgressFactory | None = None) -> int:
    """Put the vectors of these vacancies' texts into the embedding cache now.

    Called right after the commit that saved an employer's vacancy (or an import), so the
    one who saved pays the encoding once, instead of the next matches page in every
    worker: 255 demo vacancies encoded on the first matches page took 5 to 15 s. A
    failure here loses nothing: the vacancy is saved, and matching encodes the text when
    it first needs it. Returns how many texts were open vacancies.
    """
    ids = [int(i) for i in vacancy_ids]
    if not ids:
        return 0
    with Session(runtime.engine) as session:
        query = select(Vacancy).where(Vacancy.id.in_(ids), Vacancy.status == "open")  # type: ignore[union-attr]
        vacancies = list(session.execute(query).scalars())
        taxonomy = load_taxonomy(session, concept_uris([], vacancies))
        texts = [vacancy_text(vacancy, taxonomy) for vacancy in vacancies]
    _encode_now(runtime, texts, "encoding vacancy texts", progress_factory)
    return len(texts)


def encode_profile_texts(runtime: Runtime, profile_ids: Sequence[int], *, progress_factory: ProgressFactory | None = None) -> int:
    """Put the vectors of these profiles' texts into the embedding cache now (after an
    import), so that the first matches or candidates page finds them there. As with
    encode_vacancy_texts, a failure loses nothing. Returns how many texts there were."""
    ids = [int(i) for i in profile_ids]
    if not ids:
        return 0
    with Session(runtime.engine) as session:
        profiles = list(session.execute(select(SkillProfile).where(SkillProfile.id.in_(ids))).scalars())  # type: ignore[union-attr]
        taxonomy = load_taxonomy(session, concept_uris(profiles, []))
        texts = [profile_text(profile, taxonomy) for profile in profiles]
    _encode_now(runtime, texts, "encoding profile texts", progress_factory)
    return len(texts)


def _encode_now(runtime: Runtime, texts: list[str], description: str, progress_factory: ProgressFactory | None) -> None:
    if not texts:
        return
    bar = progress_factory(description, len(texts)) if progress_factory else None
    try:
        runtime.encoder.encode(texts, progress=bar.update if bar else None)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - the records are saved; matching will encode later
        logger.exception("could not encode %d texts now (%s); matching will", len(texts), description)
    finally:
        if bar:
            bar.close()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- cached vectors


@dataclass(frozen=True)
class ProfileText:
    """The embedding-cache key of a profile's text, and the summary that is part of it."""

    text_hash: str
    summary: str


def profile_texts(session: Session, profiles: Sequence[SkillProfile]) -> dict[int, ProfileText]:
    """Each profile's text as matching encodes it, by profile id, as cache keys."""
    if not profiles:
        return {}
    taxonomy = load_taxonomy(session, concept_uris(profiles, []))
    return {p.id or 0: ProfileText(text_hash(profile_text(p, taxonomy)), p.summary or "") for p in profiles}


def profile_text_hashes(session: Session, profiles: Sequence[SkillProfile]) -> dict[int, str]:
    return {pid: text.text_hash for pid, text in profile_texts(session, profiles).items()}


def drop_cached_vectors(session: Session, texts: Iterable[ProfileText], *, keep_profile_ids: Iterable[int] = ()) -> int:
    """Delete the cached vectors (every model) of these profile texts, except those another
    profile's text still has. `keep_profile_ids`: profiles not to count as "another" (the
    ones being erased). Used for erased profiles and for the old text of an edited one.

    Only profiles with the same summary are compared (the summary is part of the text), so
    this costs one indexed query, not a pass over every profile. A twin whose text came
    out equal from differently split parts would lose the shared vector and have it
    encoded again on its next match: time, not data, is lost.
    """
    wanted = {text.text_hash: text for text in texts}
    if not wanted:
        return 0
    leaving = set(keep_profile_ids)
    summaries = sorted({text.summary for text in wanted.values()})
    query = select(SkillProfile).where(SkillProfile.summary.in_(summaries))  # type: ignore[attr-defined]
    if leaving:
        query = query.where(SkillProfile.id.not_in(leaving))  # type: ignore[union-attr]
    still_used = {text.text_hash for text in profile_texts(session, session.exec(query).all()).values()}
    doomed = sorted(set(wanted) - still_used)
    if not doomed:
        return 0
    table = EmbeddingCache.__table__
    result = session.execute(delete(table).where(table.c.text_hash.in_(doomed)))  # type: ignore[attr-defined]
    return result.rowcount or 0


def forget_replaced_text(session: Session, before: ProfileText | None, profile: SkillProfile) -> int:
    """After an edit: drop the vector of the profile's old text if nothing uses it now.

    The old text is personal data the person has replaced; its vector would otherwise stay
    in the cache, tied to no profile, until the database is wiped.
    """
    if before is None:
        return 0
    session.flush()
    after = profile_texts(session, [profile]).get(profile.id or 0)
    if after is not None and after.text_hash == before.text_hash:
        return 0
    return drop_cached_vectors(session, [before])
