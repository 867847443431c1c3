"""Profile and vacancy rows as the matcher reads them (ProfileView, VacancyView)."""

from __future__ import annotations

import numpy as np

from matching.matcher import ProfileView, VacancyView
from matching.models import LanguageSkill, SkillProfile, Vacancy


def profile_view(
    profile: SkillProfile, vector: np.ndarray | None, *, languages: bool = True, qualifications: bool = True
) -> ProfileView:
    """What the matcher reads of a profile. Screening many profiles can leave out the parts
    it does not need (`languages`, `qualifications`: their JSON is then not parsed)."""
    spoken: dict[str, LanguageSkill] = {item.language: item for item in profile.language_skills()} if languages else {}
    return ProfileView(
        id=profile.id or 0,
        origin_countries=tuple(profile.origin_countries),
        destination_countries=tuple(profile.destination_countries),
        occupations=tuple(profile.occupations_held()),
        skills=frozenset(profile.skills),
        languages=spoken,
        education_level=profile.education_level,
        qualifications=tuple(profile.qualification_list()) if qualifications else (),
        consent_to_matching=profile.consent_to_matching,
        vector=vector,
    )


def vacancy_view(vacancy: Vacancy, vector: np.ndarray | None) -> VacancyView:
    return VacancyView(
        id=vacancy.id or 0,
        title=vacancy.title,
        country=vacancy.country,
        status=vacancy.status,
        valid_through=vacancy.valid_through,
        occupation_uri=vacancy.occupation_uri,
        essential_skills=tuple(vacancy.essential_skills),
        optional_skills=tuple(vacancy.optional_skills),
        languages=tuple(vacancy.language_requirements()),
        legal_route=vacancy.route(),
        vector=vector,
    )
