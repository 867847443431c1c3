"""Open vacancies as arrays, so one profile is scored against 100,000 of them at once.

`explain()` reads one pair at a time: right for the 20 matches a person reads, too slow
for every open vacancy of a national network. A VacancyPool holds what the constraints
and score parts need as numpy arrays (unit text vectors, countries, validity, language
minimums, route rules, a sparse essential/optional skill matrix, ISCO codes). For a
profile it computes the same constraints and the same weighted score for every vacancy
in a few vectorised steps, and only the best `top` are then explained by `explain()`,
which gives them exactly the scores the pool computed (tests pin the equality).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import sparse

from matching import matcher
from matching.cefr import LEVELS
from matching.matcher import Explanation, ProfileView, Taxonomy, VacancyView, explain

_NO_DATE = np.iinfo(np.int64).max


def _isco_prefix(code: str, digits: int) -> int:
    return int(code[:digits]) if len(code) >= digits and code[:digits].isdigit() else -1


@dataclass(frozen=True)
class PooledMatch:
    vacancy: VacancyView
    explanation: Explanation


class VacancyPool:
    def __init__(self, vacancies: Sequence[VacancyView], taxonomy: Taxonomy) -> None:
        self.vacancies = list(vacancies)
        self.taxonomy = taxonomy
        n = len(self.vacancies)
        vectors = [v.vector for v in self.vacancies]
        dimension = next((len(x) for x in vectors if x is not None), 1)
        matrix = np.zeros((n, dimension), dtype=np.float32)
        for row, vector in enumerate(vectors):
            if vector is not None:
                norm = float(np.linalg.norm(vector))
                if norm:
                    matrix[row] = np.asarray(vector, dtype=np.float32) / norm
        self.matrix = matrix
        countries = sorted({v.country for v in self.vacancies})
        self._country_code = {c: i for i, c in enumerate(countries)}
        self.country = np.array([self._country_code[v.country] for v in self.vacancies], dtype=np.int32)
        self.open = np.array([v.status == "open" for v in self.vacancies], dtype=bool)
        self.valid_through = np.array(
            [v.valid_through.toordinal() if v.valid_through else _NO_DATE for v in self.vacancies], dtype=np.int64
        )
        # Skills: one column per skill that any vacancy asks for.
        skills = sorted({s for v in self.vacancies for s in (*v.essential_skills, *v.optional_skills)})
        self.skills = skills
        column = {s: i for i, s in enumerate(skills)}
        self.essential = self._skill_matrix([v.essential_skills for v in self.vacancies], column, n)
        self.optional = self._skill_matrix([v.optional_skills for v in self.vacancies], column, n)
        self.essential_count = np.array([len(v.essential_skills) for v in self.vacancies], dtype=np.float32)
        self.optional_count = np.array([len(v.optional_skills) for v in self.vacancies], dtype=np.float32)
        self._skill_broader = [taxonomy.broader.get(s, frozenset()) for s in skills]
        # Occupations: the URI and its ISCO unit, minor and sub-major groups.
        uris = sorted({v.occupation_uri for v in self.vacancies if v.occupation_uri})
        self._uri_code = {u: i for i, u in enumerate(uris)}
        self.occupation = np.array([self._uri_code.get(v.occupation_uri or "", -1) for v in self.vacancies], dtype=np.int32)
        codes = [taxonomy.isco_codes.get(v.occupation_uri or "", "") for v in self.vacancies]
        self.isco = {d: np.array([_isco_prefix(c, d) for c in codes], dtype=np.int32) for d in (4, 3, 2)}
        # Languages: the minimum level per language (0: not asked) and whether it is trained.
        languages = sorted({r.language for v in self.vacancies for r in v.languages})
        self.language_min = {lang: np.zeros(n, dtype=np.int8) for lang in languages}
        self.language_trainable = {lang: np.zeros(n, dtype=bool) for lang in languages}
        self.language_count = np.zeros(n, dtype=np.float32)
        for row, vacancy in enumerate(self.vacancies):
            for requirement in vacancy.languages:
                self.language_min[requirement.language][row] = LEVELS.index(requirement.min_level) + 1
                self.language_trainable[requirement.language][row] = requirement.trainable
                self.language_count[row] += 1
        # Legal routes: origin lists (few vacancies have one) and minimum education.
        self.route_origins = [(row, frozenset(v.legal_route.eligible_origin_countries))
                              for row, v in enumerate(self.vacancies) if v.legal_route.eligible_origin_countries]  # fmt: skip
        self.route_education = np.array(
            [v.legal_route.min_education_level if v.legal_route.min_education_level is not None else -1 for v in self.vacancies],
            dtype=np.int8,
        )

    @staticmethod
    def _skill_matrix(rows: Sequence[Sequence[str]], column: dict[str, int], n: int) -> sparse.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        for skills in rows:
            indices.extend(column[s] for s in skills)
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix((data, np.array(indices, dtype=np.int32), np.array(indptr)), shape=(n, len(column)))

    def __len__(self) -> int:
        return len(self.vacancies)

    # ------------------------------------------------------------------ scoring

    def eligible(self, profile: ProfileView, today: date) -> np.ndarray:
        """The hard constraints of explain(), for every vacancy at once."""
        mask = self.open & (self.valid_through >= today.toordinal())
        if profile.destination_countries:
            wanted = [self._country_code[c] for c in profile.destination_countries if c in self._country_code]
            mask &= np.isin(self.country, wanted)
        for language, minimum in self.language_min.items():
            skill = profile.languages.get(language)
            level = skill.usable_level if skill else 0
            mask &= (minimum <= level) | self.language_trainable[language]
        origins = set(profile.origin_countries)
        for row, eligible_origins in self.route_origins:
            if not origins & eligible_origins:
                mask[row] = False
        mask &= self.route_education <= (profile.education_level or 0)
        return mask

    def _skill_credit(self, held: frozenset[str], taxonomy: Taxonomy) -> np.ndarray:
        """Per pool skill: 1 if held, 0.5 if one step away from a held skill, else 0."""
        above_held: set[str] = set()
        for skill in held:
            above_held |= taxonomy.broader.get(skill, frozenset())
        near_targets = held | above_held
        credit = np.zeros(len(self.skills), dtype=np.float32)
        for i, skill in enumerate(self.skills):
            if skill in held:
                credit[i] = 1.0
            elif skill in above_held or self._skill_broader[i] & near_targets:
                credit[i] = matcher.NEAR_SKILL_CREDIT
        return credit

    def scores(self, profile: ProfileView, taxonomy: Taxonomy | None = None) -> np.ndarray:
        """explain()'s weighted score for every vacancy (constraints not applied).

        `taxonomy` must know the profile's concepts too (the pool's knows the vacancies').
        """
        taxonomy = taxonomy or self.taxonomy
        weights = matcher.WEIGHTS
        n = len(self.vacancies)
        semantic = np.zeros(n, dtype=np.float32)
        if profile.vector is not None and np.linalg.norm(profile.vector):
            query = np.asarray(profile.vector, dtype=np.float32) / float(np.linalg.norm(profile.vector))
            semantic = np.maximum(self.matrix @ query, 0.0)
        credit = self._skill_credit(profile.skills, taxonomy)
        with np.errstate(invalid="ignore", divide="ignore"):
            essential = np.where(self.essential_count > 0, (self.essential @ credit) / self.essential_count, 0.5)
            optional = np.where(self.optional_count > 0, (self.optional @ credit) / self.optional_count, 0.0)
        occupation = np.zeros(n, dtype=np.float32)
        years = np.zeros(n, dtype=np.float32)
        for held in profile.occupations:
            value = np.zeros(n, dtype=np.float32)
            if held.uri:
                code = taxonomy.isco_codes.get(held.uri, "")
                for digits, proximity in ((2, 0.25), (3, 0.5), (4, 0.75)):
                    prefix = _isco_prefix(code, digits)
                    if prefix >= 0:
                        value = np.where(self.isco[digits] == prefix, np.float32(proximity), value)
                value = np.where(self.occupation == self._uri_code.get(held.uri, -2), np.float32(1.0), value)
            better = (value > occupation) | ((value == occupation) & (held.years > years))
            occupation = np.where(better, value, occupation)
            years = np.where(better, np.float32(held.years), years)
        experience = np.where(occupation >= 0.5, np.minimum(years / matcher.FULL_EXPERIENCE_YEARS, 1.0), 0.0)
        surplus = np.zeros(n, dtype=np.float32)
        for language, minimum in self.language_min.items():
            skill = profile.languages.get(language)
            level = skill.usable_level if skill else 0
            asked = minimum > 0
            surplus += np.where(asked, np.clip(level - minimum.astype(np.float32), 0, 2) / 2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            surplus = np.where(self.language_count > 0, surplus / self.language_count, 0.0)
        return (
            weights["semantic"] * semantic
            + weights["essential_skills"] * essential
            + weights["optional_skills"] * optional
            + weights["occupation"] * occupation
            + weights["experience"] * experience
            + weights["language_surplus"] * surplus
        )

    def rank_vacancies_for_profile(
        self, profile: ProfileView, *, top: int, today: date, taxonomy: Taxonomy | None = None
    ) -> list[PooledMatch]:
        """The `top` eligible vacancies, best first, each explained."""
        if not self.vacancies:
            return []
        taxonomy = taxonomy or self.taxonomy
        scores = self.scores(profile, taxonomy)
        eligible = np.flatnonzero(self.eligible(profile, today))
        if not len(eligible):
            return []
        # A few more than asked: rounding may reorder near-ties once explain() rounds.
        wanted = min(len(eligible), top + 10)
        chosen = eligible[np.argpartition(-scores[eligible], wanted - 1)[:wanted]] if wanted < len(eligible) else eligible
        explained = [PooledMatch(self.vacancies[i], explain(profile, self.vacancies[i], taxonomy, today=today)) for i in chosen]
        explained.sort(key=lambda m: (-m.explanation.score, m.vacancy.id))
        return [m for m in explained if not m.explanation.excluded][:top]
