"""Open vacancies as arrays, so one profile is scored against 100,000 of them at once.

`explain()` reads one pair at a time: right for the 20 matches a person reads, too slow
for every open vacancy of a national network. A VacancyPool holds what the constraints
and score parts need as numpy arrays (unit text vectors, countries, validity, language
minimums, route rules, a sparse essential/optional skill matrix, ISCO codes). For a
profile it computes the same constraints and the same weighted score for every vacancy
in a few vectorised steps, and only the best `top` are then explained by `explain()`,
which gives them exactly the scores the pool computed (tests pin the equality).

A pool is never changed once built: requests in other threads may be scoring with it.
`updated()` gives a new pool with some vacancies added, replaced or removed, reading
only those: the unchanged rows' arrays (unit vectors, skill rows, codes) are copied, not
computed again, and the result has exactly the arrays a pool built from scratch on the
same vacancies in id order has (tests compare them array by array).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import sparse

from matching import matcher
from matching.cefr import LEVELS
from matching.matcher import Explanation, ProfileView, Taxonomy, VacancyView, explain

_NO_DATE = np.iinfo(np.int64).max
# Copying the kept rows of the vector matrix run by run avoids a gathered temporary (at
# 100,000 vacancies the matrix is 350 MB); past this many runs one fancy copy is faster.
_MAX_COPY_RUNS = 256


def _isco_prefix(code: str, digits: int) -> int:
    return int(code[:digits]) if len(code) >= digits and code[:digits].isdigit() else -1


def _csr(indices: np.ndarray, indptr: np.ndarray, columns: int) -> sparse.csr_matrix:
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices.astype(np.int32, copy=False), indptr), shape=(len(indptr) - 1, columns))


def _skill_matrix(rows: Sequence[Sequence[str]], column: dict[str, int]) -> sparse.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for skills in rows:
        indices.extend(column[s] for s in skills)
        indptr.append(len(indices))
    return _csr(np.array(indices, dtype=np.int32), np.array(indptr), len(column))


def _union_codes(values_a: Sequence[str], values_b: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The sorted union of two code lists and, per side, code -> union code (code -1 stays -1)."""
    union = sorted(set(values_a) | set(values_b))
    index = {value: i for i, value in enumerate(union)}
    lookups = [np.array([index[v] for v in values] + [-1], dtype=np.int64) for values in (values_a, values_b)]
    return union, lookups[0], lookups[1]


def _compact_codes(union: Sequence[str], *codes: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """Only the values some row still uses, sorted, and the codes renumbered to them."""
    present = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    used = present[present >= 0]
    renumber = np.full(len(union) + 1, -1, dtype=np.int64)  # the last slot answers code -1
    renumber[used] = np.arange(len(used))
    return [union[i] for i in used], [renumber[c] for c in codes]


def _copy_rows(out: np.ndarray, destination: np.ndarray, source: np.ndarray, rows: np.ndarray) -> None:
    """out[destination] = source[rows], copied run by run where both are consecutive."""
    if not len(rows):
        return
    breaks = np.flatnonzero((np.diff(destination) != 1) | (np.diff(rows) != 1)) + 1
    if len(breaks) > _MAX_COPY_RUNS:
        out[destination] = source[rows]
        return
    for start, stop in zip(np.concatenate(([0], breaks)), np.concatenate((breaks, [len(rows)]))):
        first, count = int(destination[start]), int(stop - start)
        out[first : first + count] = source[int(rows[start]) : int(rows[start]) + count]


def _gather_csr(parts: Sequence[tuple[sparse.csr_matrix, np.ndarray, np.ndarray]], order: np.ndarray, columns: int) -> sparse.csr_matrix:
    """The rows `rows` of each part (columns renumbered through `lookup`) stacked, then put in `order`."""
    lengths, starts, indices = [], [], []
    offset = 0
    for matrix, rows, lookup in parts:
        lengths.append(np.diff(matrix.indptr)[rows])
        starts.append(matrix.indptr[:-1][rows] + offset)
        indices.append(lookup[matrix.indices])
        offset += len(matrix.indices)
    length = np.concatenate(lengths)[order]
    start = np.concatenate(starts)[order]
    indptr = np.concatenate(([0], np.cumsum(length)))
    gather = np.repeat(start - indptr[:-1], length) + np.arange(indptr[-1])
    return _csr(np.concatenate(indices)[gather], indptr, columns)


@dataclass(frozen=True, eq=False)
class _Rows:
    """Per-vacancy arrays, in the pool's row order; codes index the sorted lists."""

    ids: np.ndarray
    dimension: int | None  # the text vectors' length (None: no vacancy has one)
    has_vector: np.ndarray
    matrix: np.ndarray  # unit text vectors (zero rows without one)
    countries: list[str]
    country: np.ndarray
    open: np.ndarray
    valid_through: np.ndarray
    skills: list[str]
    essential: sparse.csr_matrix
    optional: sparse.csr_matrix
    essential_count: np.ndarray
    optional_count: np.ndarray
    uris: list[str]
    occupation: np.ndarray
    isco: dict[int, np.ndarray]
    languages: list[str]
    language_min: dict[str, np.ndarray]
    language_trainable: dict[str, np.ndarray]
    language_count: np.ndarray
    route_origins: list[tuple[int, frozenset[str]]]
    route_education: np.ndarray

    @classmethod
    def of(cls, vacancies: Sequence[VacancyView], taxonomy: Taxonomy) -> _Rows:
        n = len(vacancies)
        vectors = [v.vector for v in vacancies]
        dimension = next((len(x) for x in vectors if x is not None), None)
        matrix = np.zeros((n, dimension or 1), dtype=np.float32)
        for row, vector in enumerate(vectors):
            if vector is not None:
                norm = float(np.linalg.norm(vector))
                if norm:
                    matrix[row] = np.asarray(vector, dtype=np.float32) / norm
        countries = sorted({v.country for v in vacancies})
        country_code = {c: i for i, c in enumerate(countries)}
        # Skills: one column per skill that any vacancy asks for.
        skills = sorted({s for v in vacancies for s in (*v.essential_skills, *v.optional_skills)})
        column = {s: i for i, s in enumerate(skills)}
        # Occupations: the URI and its ISCO unit, minor and sub-major groups.
        uris = sorted({v.occupation_uri for v in vacancies if v.occupation_uri})
        uri_code = {u: i for i, u in enumerate(uris)}
        codes = [taxonomy.isco_codes.get(v.occupation_uri or "", "") for v in vacancies]
        # Languages: the minimum level per language (0: not asked) and whether it is trained.
        languages = sorted({r.language for v in vacancies for r in v.languages})
        language_min = {lang: np.zeros(n, dtype=np.int8) for lang in languages}
        language_trainable = {lang: np.zeros(n, dtype=bool) for lang in languages}
        language_count = np.zeros(n, dtype=np.float32)
        for row, vacancy in enumerate(vacancies):
            for requirement in vacancy.languages:
                language_min[requirement.language][row] = LEVELS.index(requirement.min_level) + 1
                language_trainable[requirement.language][row] = requirement.trainable
                language_count[row] += 1
        return cls(
            ids=np.array([v.id for v in vacancies], dtype=np.int64),
            dimension=dimension,
            has_vector=np.array([x is not None for x in vectors], dtype=bool),
            matrix=matrix,
            countries=countries,
            country=np.array([country_code[v.country] for v in vacancies], dtype=np.int32),
            open=np.array([v.status == "open" for v in vacancies], dtype=bool),
            valid_through=np.array(
                [v.valid_through.toordinal() if v.valid_through else _NO_DATE for v in vacancies], dtype=np.int64
            ),
            skills=skills,
            essential=_skill_matrix([v.essential_skills for v in vacancies], column),
            optional=_skill_matrix([v.optional_skills for v in vacancies], column),
            essential_count=np.array([len(v.essential_skills) for v in vacancies], dtype=np.float32),
            optional_count=np.array([len(v.optional_skills) for v in vacancies], dtype=np.float32),
            uris=uris,
            occupation=np.array([uri_code.get(v.occupation_uri or "", -1) for v in vacancies], dtype=np.int32),
            isco={d: np.array([_isco_prefix(c, d) for c in codes], dtype=np.int32) for d in (4, 3, 2)},
            languages=languages,
            language_min=language_min,
            language_trainable=language_trainable,
            language_count=language_count,
            # Legal routes: origin lists (few vacancies have one) and minimum education.
            route_origins=[(row, frozenset(v.legal_route.eligible_origin_countries))
                           for row, v in enumerate(vacancies) if v.legal_route.eligible_origin_countries],  # fmt: skip
            route_education=np.array(
                [v.legal_route.min_education_level if v.legal_route.min_education_level is not None else -1 for v in vacancies],
                dtype=np.int8,
            ),
        )

    @staticmethod
    def merged(a: _Rows, keep: np.ndarray, b: _Rows) -> tuple[_Rows, np.ndarray]:
        """Rows `keep` of `a` and every row of `b`, in id order (stable), with the arrays
        `_Rows.of` gives for those vacancies in that order; also the order itself (indices
        into the kept rows followed by b's)."""
        k, m = len(keep), len(b.ids)
        n = k + m
        ids = np.concatenate([a.ids[keep], b.ids])
        order = np.argsort(ids, kind="stable")
        if np.any(np.diff(ids[order]) == 0):
            raise ValueError("a vacancy appears twice in the pool")
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        b_rows = np.arange(m)

        def rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return np.concatenate([x[keep], y])[order]

        # Vectors: the first vacancy with one sets the dimension, as in `of`.
        with_vectors = [r.dimension for r, selected in ((a, keep), (b, b_rows)) if r.has_vector[selected].any()]
        if len(set(with_vectors)) > 1:
            raise ValueError(f"text vectors of different lengths: {sorted(set(with_vectors))}")
        dimension = with_vectors[0] if with_vectors else None
        matrix = np.zeros((n, dimension or 1), dtype=np.float32)
        for r, selected, destination in ((a, keep, position[:k]), (b, b_rows, position[k:])):
            if r.matrix.shape[1] == matrix.shape[1]:  # otherwise none of these rows has a vector
                _copy_rows(matrix, destination, r.matrix, selected)
        union, a_code, b_code = _union_codes(a.countries, b.countries)
        countries, (country,) = _compact_codes(union, rows(a_code[a.country], b_code[b.country]))
        union, a_code, b_code = _union_codes(a.uris, b.uris)
        uris, (occupation,) = _compact_codes(union, rows(a_code[a.occupation], b_code[b.occupation]))
        union, a_code, b_code = _union_codes(a.skills, b.skills)
        essential = _gather_csr([(a.essential, keep, a_code), (b.essential, b_rows, b_code)], order, len(union))
        optional = _gather_csr([(a.optional, keep, a_code), (b.optional, b_rows, b_code)], order, len(union))
        skills, (essential_indices, optional_indices) = _compact_codes(union, essential.indices, optional.indices)
        language_min, language_trainable = {}, {}
        for language in sorted(set(a.languages) | set(b.languages)):
            minimum = rows(a.language_min.get(language, np.zeros(len(a.ids), dtype=np.int8)),
                           b.language_min.get(language, np.zeros(m, dtype=np.int8)))  # fmt: skip
            if minimum.any():  # a requirement always asks for A1 or more
                language_min[language] = minimum
                language_trainable[language] = rows(
                    a.language_trainable.get(language, np.zeros(len(a.ids), dtype=bool)),
                    b.language_trainable.get(language, np.zeros(m, dtype=bool)),
                )
        a_index = np.full(len(a.ids), -1, dtype=np.int64)
        a_index[keep] = np.arange(k)
        origins = [(int(position[a_index[row]]), eligible) for row, eligible in a.route_origins if a_index[row] >= 0]
        origins += [(int(position[k + row]), eligible) for row, eligible in b.route_origins]
        merged = _Rows(
            ids=ids[order],
            dimension=dimension,
            has_vector=rows(a.has_vector, b.has_vector),
            matrix=matrix,
            countries=countries,
            country=country.astype(np.int32),
            open=rows(a.open, b.open),
            valid_through=rows(a.valid_through, b.valid_through),
            skills=skills,
            essential=_csr(essential_indices, essential.indptr, len(skills)),
            optional=_csr(optional_indices, optional.indptr, len(skills)),
            essential_count=rows(a.essential_count, b.essential_count),
            optional_count=rows(a.optional_count, b.optional_count),
            uris=uris,
            occupation=occupation.astype(np.int32),
            isco={d: rows(a.isco[d], b.isco[d]) for d in (4, 3, 2)},
            languages=sorted(language_min),
            language_min=language_min,
            language_trainable=language_trainable,
            language_count=rows(a.language_count, b.language_count),
            route_origins=sorted(origins, key=lambda item: item[0]),
            route_education=rows(a.route_education, b.route_education),
        )
        return merged, order


def _restricted(taxonomy: Taxonomy, concepts: Collection[str]) -> Taxonomy:
    """The taxonomy's entries for these concepts only (what load_taxonomy gives for them)."""
    return Taxonomy(
        isco_codes={k: v for k, v in taxonomy.isco_codes.items() if k in concepts},
        broader={k: v for k, v in taxonomy.broader.items() if k in concepts},
        labels={k: v for k, v in taxonomy.labels.items() if k in concepts},
        regulated={k: v for k, v in taxonomy.regulated.items() if k in concepts},
    )


@dataclass(frozen=True)
class PooledMatch:
    vacancy: VacancyView
    explanation: Explanation


class VacancyPool:
    def __init__(self, vacancies: Sequence[VacancyView], taxonomy: Taxonomy) -> None:
        vacancies = list(vacancies)
        self._publish(vacancies, _Rows.of(vacancies, taxonomy), taxonomy)

    def _publish(self, vacancies: list[VacancyView], rows: _Rows, taxonomy: Taxonomy) -> None:
        self.vacancies = vacancies
        self.taxonomy = taxonomy
        self._rows = rows
        self.ids = rows.ids
        self.matrix = rows.matrix
        self._country_code = {c: i for i, c in enumerate(rows.countries)}
        self.country = rows.country
        self.open = rows.open
        self.valid_through = rows.valid_through
        self.skills = rows.skills
        self.essential = rows.essential
        self.optional = rows.optional
        self.essential_count = rows.essential_count
        self.optional_count = rows.optional_count
        self._skill_broader = [taxonomy.broader.get(s, frozenset()) for s in rows.skills]
        self._uri_code = {u: i for i, u in enumerate(rows.uris)}
        self.occupation = rows.occupation
        self.isco = rows.isco
        self.language_min = rows.language_min
        self.language_trainable = rows.language_trainable
        self.language_count = rows.language_count
        self.route_origins = rows.route_origins
        self.route_education = rows.route_education

    def concepts(self) -> set[str]:
        """The ESCO URIs the pool's vacancies use (skills and occupations)."""
        return set(self._rows.skills) | set(self._rows.uris)

    def updated(
        self, changed: Sequence[VacancyView], *, removed: Collection[int] = (), taxonomy: Taxonomy | None = None
    ) -> VacancyPool:
        """A new pool: this one with `changed` added (replacing any vacancy of the same id)
        and the ids in `removed` left out, in id order. This pool is not touched.

        Only the changed vacancies are read; the others' rows are copied. The arrays equal
        those of `VacancyPool(the same vacancies in id order, taxonomy)`, and the new
        pool's taxonomy is `taxonomy` (which must know the changed vacancies' concepts;
        default: this pool's) restricted to the new pool's own concepts.
        """
        taxonomy = taxonomy if taxonomy is not None else self.taxonomy
        changed = sorted(changed, key=lambda v: v.id)
        dropped = {v.id for v in changed} | set(removed)
        keep = np.flatnonzero(~np.isin(self.ids, np.fromiter(dropped, dtype=np.int64, count=len(dropped))))
        rows, order = _Rows.merged(self._rows, keep, _Rows.of(changed, taxonomy))
        vacancies = [self.vacancies[i] for i in keep] + changed
        pool = VacancyPool.__new__(VacancyPool)
        pool._publish([vacancies[i] for i in order], rows, _restricted(taxonomy, set(rows.skills) | set(rows.uris)))
        return pool

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
