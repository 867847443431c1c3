"""Open vacancies as arrays, so one profile is scored against 100,000 of them at once.

`explain()` reads one pair at a time: right for the 20 matches a person reads, too slow
for every open vacancy of a national network. A VacancyPool holds what the constraints
and score parts need as numpy arrays (text vectors and their norms, countries, validity,
language minimums, route rules, a sparse essential/optional skill matrix, ISCO codes). For a
profile it computes the same constraints and the same weighted score for every vacancy
in a few vectorised steps, and only the best `top` are then explained by `explain()`,
which gives them exactly the scores the pool computed (tests pin the equality).

What a worker keeps per vacancy is these arrays and nothing else (README, Sizing): the
matrix holds each text vector as it was given (float32, as the encoder gives it) beside
its inverse norm, so the vector `explain()` reads is the matrix row itself, the very
floats of the vacancy's view, and its cosine is the same number to the last bit. A pool
built with `keep_views=False` (the service's) keeps no `VacancyView` at all: the caller
hands the current views of the few vacancies it explains (`rank_vacancies_for_profile`'s
`views`), without vectors, and the pool puts each vector back from its matrix row.

A pool is never changed once built: requests in other threads may be scoring with it.
`updated()` gives a new pool with some vacancies added, replaced or removed, reading
only those: the unchanged rows' arrays (vectors, skill rows, codes) are copied, not
computed again, and the result has exactly the arrays a pool built from scratch on the
same vacancies in id order has (tests compare them array by array); so do `combined()`
(several pools in one) and `VacancyPoolBuilder` (a pool built a chunk of vacancies at a
time, its vectors written straight into the pool's matrix).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
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


def _union_codes(*value_lists: Sequence) -> tuple[list, list[np.ndarray]]:
    """The sorted union of code lists and, per list, code -> union code (code -1 stays -1)."""
    union = sorted(set().union(*value_lists))
    index = {value: i for i, value in enumerate(union)}
    return union, [np.array([index[v] for v in values] + [-1], dtype=np.int64) for values in value_lists]


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
    matrix: np.ndarray  # the text vectors as given, in float32 (zero rows without one)
    inverse_norm: np.ndarray  # 1 / each vector's norm (0: no vector, or a zero one)
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
    route_origin_sets: list[tuple[str, ...]]  # the distinct origin lists of the legal routes, each sorted
    route_origin: np.ndarray  # per vacancy: its route's origin list (-1: open to any origin)
    route_education: np.ndarray

    @classmethod
    def of(cls, vacancies: Sequence[VacancyView], taxonomy: Taxonomy, *, matrix: np.ndarray | None = None) -> _Rows:
        """The arrays of these vacancies, in this order. `matrix`: zeros of the right shape
        (a slice of a larger matrix, say) to write the vectors into instead of a new one."""
        n = len(vacancies)
        vectors = [v.vector for v in vacancies]
        dimension = next((len(x) for x in vectors if x is not None), None)
        if matrix is None:
            matrix = np.zeros((n, dimension or 1), dtype=np.float32)
        elif matrix.shape != (n, dimension or 1) or matrix.dtype != np.float32:
            raise ValueError(f"a matrix of {matrix.shape} {matrix.dtype} for {n} vectors of {dimension}")
        inverse_norm = np.zeros(n, dtype=np.float32)
        for row, vector in enumerate(vectors):
            if vector is not None:
                matrix[row] = np.asarray(vector, dtype=np.float32)
                norm = float(np.linalg.norm(vector))
                if norm:
                    inverse_norm[row] = 1.0 / norm
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
        # Legal routes: the few distinct origin lists, and which one each vacancy has.
        origins = [tuple(sorted(set(v.legal_route.eligible_origin_countries))) for v in vacancies]
        route_origin_sets = sorted({o for o in origins if o})
        origin_code = {o: i for i, o in enumerate(route_origin_sets)}
        return cls(
            ids=np.array([v.id for v in vacancies], dtype=np.int64),
            dimension=dimension,
            has_vector=np.array([x is not None for x in vectors], dtype=bool),
            matrix=matrix,
            inverse_norm=inverse_norm,
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
            route_origin_sets=route_origin_sets,
            route_origin=np.array([origin_code.get(o, -1) for o in origins], dtype=np.int32),
            route_education=np.array(
                [v.legal_route.min_education_level if v.legal_route.min_education_level is not None else -1 for v in vacancies],
                dtype=np.int8,
            ),
        )

    @staticmethod
    def combined(parts: Sequence[tuple[_Rows, np.ndarray]], *, matrix: np.ndarray | None = None) -> tuple[_Rows, np.ndarray]:
        """The rows `selected` of each part, in id order (stable), with the arrays `_Rows.of`
        gives for those vacancies in that order; also the order itself (indices into the
        selected rows, part after part). `matrix`: the result's matrix, already filled (the
        parts' vectors were written into it in place), taken as it is."""
        if not parts:
            raise ValueError("nothing to combine")
        sizes = [len(selected) for _, selected in parts]
        ids = np.concatenate([r.ids[selected] for r, selected in parts])
        n = len(ids)
        order = np.argsort(ids, kind="stable")
        if np.any(np.diff(ids[order]) == 0):
            raise ValueError("a vacancy appears twice in the pool")
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        starts = np.concatenate(([0], np.cumsum(sizes)))

        def rows(arrays: Sequence[np.ndarray]) -> np.ndarray:
            return np.concatenate([x[selected] for x, (_, selected) in zip(arrays, parts)])[order]

        def codes(value_lists: Sequence[Sequence], arrays: Sequence[np.ndarray]) -> tuple[list, np.ndarray]:
            union, lookups = _union_codes(*value_lists)
            values, (code,) = _compact_codes(union, rows([lookup[x] for lookup, x in zip(lookups, arrays)]))
            return values, code.astype(np.int32)

        # Vectors: the first vacancy with one sets the dimension, as in `of`.
        with_vectors = [r.dimension for r, selected in parts if r.has_vector[selected].any()]
        if len(set(with_vectors)) > 1:
            raise ValueError(f"text vectors of different lengths: {sorted(set(with_vectors))}")
        dimension = with_vectors[0] if with_vectors else None
        if matrix is not None:
            if matrix.shape != (n, dimension or 1) or np.any(order != np.arange(n)):
                raise ValueError(f"a matrix of {matrix.shape} for {n} vectors of {dimension}, parts in id order")
        else:
            matrix = np.zeros((n, dimension or 1), dtype=np.float32)
            for (r, selected), first, last in zip(parts, starts[:-1], starts[1:]):
                if r.matrix.shape[1] == matrix.shape[1]:  # otherwise none of these rows has a vector
                    _copy_rows(matrix, position[first:last], r.matrix, selected)
        countries, country = codes([r.countries for r, _ in parts], [r.country for r, _ in parts])
        uris, occupation = codes([r.uris for r, _ in parts], [r.occupation for r, _ in parts])
        union, lookups = _union_codes(*(r.skills for r, _ in parts))
        essential = _gather_csr([(r.essential, selected, lookup) for (r, selected), lookup in zip(parts, lookups)], order, len(union))
        optional = _gather_csr([(r.optional, selected, lookup) for (r, selected), lookup in zip(parts, lookups)], order, len(union))
        skills, (essential_indices, optional_indices) = _compact_codes(union, essential.indices, optional.indices)
        language_min, language_trainable = {}, {}
        for language in sorted(set().union(*(r.languages for r, _ in parts))):
            minimum = rows([r.language_min.get(language, np.zeros(len(r.ids), dtype=np.int8)) for r, _ in parts])
            if minimum.any():  # a requirement always asks for A1 or more
                language_min[language] = minimum
                language_trainable[language] = rows(
                    [r.language_trainable.get(language, np.zeros(len(r.ids), dtype=bool)) for r, _ in parts]
                )
        route_origin_sets, route_origin = codes([r.route_origin_sets for r, _ in parts], [r.route_origin for r, _ in parts])
        combined = _Rows(
            ids=ids[order],
            dimension=dimension,
            has_vector=rows([r.has_vector for r, _ in parts]),
            matrix=matrix,
            inverse_norm=rows([r.inverse_norm for r, _ in parts]),
            countries=countries,
            country=country,
            open=rows([r.open for r, _ in parts]),
            valid_through=rows([r.valid_through for r, _ in parts]),
            skills=skills,
            essential=_csr(essential_indices, essential.indptr, len(skills)),
            optional=_csr(optional_indices, optional.indptr, len(skills)),
            essential_count=rows([r.essential_count for r, _ in parts]),
            optional_count=rows([r.optional_count for r, _ in parts]),
            uris=uris,
            occupation=occupation,
            isco={d: rows([r.isco[d] for r, _ in parts]) for d in (4, 3, 2)},
            languages=sorted(language_min),
            language_min=language_min,
            language_trainable=language_trainable,
            language_count=rows([r.language_count for r, _ in parts]),
            route_origin_sets=route_origin_sets,
            route_origin=route_origin,
            route_education=rows([r.route_education for r, _ in parts]),
        )
        return combined, order


class VacancyPoolBuilder:
    """A pool built from vacancies handed a chunk at a time (in id order), holding only
    arrays between chunks, so the caller can drop each chunk's rows and views at once.

    The vectors are written straight into the pool's matrix, allocated once for
    `capacity` vacancies: building needs about the pool's own memory, not twice it, and
    frees no large temporary that the allocator might keep. (Chunks out of id order, more
    vacancies than `capacity` or vectors of another length still give the right pool,
    through a copy; fewer vacancies cost one copy of the matrix at the end.)
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._matrix: np.ndarray | None = None
        self._parts: list[_Rows] = []
        self._size = 0
        self._in_place = True  # every part's vectors are in self._matrix, in id order
        self._last_id: int | None = None

    def add(self, vacancies: Sequence[VacancyView], taxonomy: Taxonomy) -> None:
        """`taxonomy` must know these vacancies' concepts (it may know more)."""
        vacancies = list(vacancies)
        if not vacancies:
            return
        dimension = next((len(v.vector) for v in vacancies if v.vector is not None), None)
        if self._matrix is None and dimension is not None and self._in_place:
            self._matrix = np.zeros((max(self.capacity, self._size + len(vacancies)), dimension), dtype=np.float32)
        ids = [v.id for v in vacancies]
        end = self._size + len(vacancies)
        fits = self._matrix is not None and end <= len(self._matrix) and dimension in (None, self._matrix.shape[1])
        ordered = ids == sorted(ids) and len(set(ids)) == len(ids) and (self._last_id is None or ids[0] > self._last_id)
        if not ordered or (dimension is not None and not fits):
            self._in_place = False
        into = self._matrix[self._size : end] if self._in_place and dimension is not None else None  # type: ignore[index]
        self._parts.append(_Rows.of(vacancies, taxonomy, matrix=into))
        self._size, self._last_id = end, max(ids) if self._last_id is None else max(self._last_id, *ids)

    def build(self, taxonomy: Taxonomy) -> VacancyPool:
        """The pool (keeping no views), with `taxonomy` restricted to its concepts. The
        builder is empty afterwards."""
        parts, matrix, self._parts, self._matrix = self._parts, self._matrix, [], None
        if not parts:
            parts = [_Rows.of([], taxonomy)]
        if matrix is not None and self._in_place:
            matrix = matrix if len(matrix) == self._size else matrix[: self._size].copy()
        else:
            matrix = None
        rows, _ = _Rows.combined([(r, np.arange(len(r.ids))) for r in parts], matrix=matrix)
        self._size, self._in_place, self._last_id = 0, True, None
        pool = VacancyPool.__new__(VacancyPool)
        pool._publish(None, rows, taxonomy.restricted(set(rows.skills) | set(rows.uris)))
        return pool


@dataclass(frozen=True)
class PooledMatch:
    vacancy: VacancyView
    explanation: Explanation


class VacancyPool:
    """Open vacancies as arrays. `keep_views=False`: the pool keeps nothing but its arrays
    (`vacancies` is None; explaining then needs the caller's `views`), which is what the
    service keeps in every worker."""

    def __init__(self, vacancies: Sequence[VacancyView], taxonomy: Taxonomy, *, keep_views: bool = True) -> None:
        vacancies = list(vacancies)
        self._publish(vacancies if keep_views else None, _Rows.of(vacancies, taxonomy), taxonomy)

    def _publish(self, vacancies: list[VacancyView] | None, rows: _Rows, taxonomy: Taxonomy) -> None:
        self.vacancies = vacancies
        self.taxonomy = taxonomy
        self._rows = rows
        self.ids = rows.ids
        self.has_vector = rows.has_vector
        self.matrix = rows.matrix
        self.inverse_norm = rows.inverse_norm
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
        self.route_origin_sets = rows.route_origin_sets
        self.route_origin = rows.route_origin
        self.route_education = rows.route_education

    def concepts(self) -> set[str]:
        """The ESCO URIs the pool's vacancies use (skills and occupations)."""
        return set(self._rows.skills) | set(self._rows.uris)

    def updated(
        self, changed: Sequence[VacancyView], *, removed: Collection[int] = (), taxonomy: Taxonomy | None = None
    ) -> VacancyPool:
        """A new pool: this one with `changed` added (replacing any vacancy of the same id)
        and the ids in `removed` left out, in id order. This pool is not touched; the new
        one keeps views if this one does.

        Only the changed vacancies are read; the others' rows are copied. The arrays equal
        those of `VacancyPool(the same vacancies in id order, taxonomy)`, and the new
        pool's taxonomy is `taxonomy` (which must know the changed vacancies' concepts;
        default: this pool's) restricted to the new pool's own concepts.
        """
        taxonomy = taxonomy if taxonomy is not None else self.taxonomy
        changes = VacancyPool(sorted(changed, key=lambda v: v.id), taxonomy, keep_views=self.vacancies is not None)
        return VacancyPool.combined([self, changes], removed=removed, taxonomy=taxonomy)

    @staticmethod
    def combined(
        pools: Sequence[VacancyPool], *, removed: Collection[int] = (), taxonomy: Taxonomy | None = None
    ) -> VacancyPool:
        """One pool of the vacancies of `pools`, a later pool's vacancy replacing an earlier
        one's of the same id, and the ids in `removed` left out, in id order. The pools are
        not touched.

        The unchanged rows' arrays are copied, not computed again: the arrays equal those of
        `VacancyPool(the same vacancies in id order, taxonomy)`. The new pool keeps views if
        every pool does; its taxonomy is `taxonomy` (which must know every vacancy's
        concepts; default: the pools' together) restricted to its own concepts.
        """
        if taxonomy is None:
            taxonomy = Taxonomy().merged(*(pool.taxonomy for pool in pools))
        parts: list[tuple[_Rows, np.ndarray]] = []
        later = np.fromiter(set(removed), dtype=np.int64, count=len(set(removed)))
        for pool in reversed(pools):
            parts.append((pool._rows, np.flatnonzero(~np.isin(pool.ids, later))))
            later = np.concatenate([later, pool.ids])
        parts.reverse()
        if not parts:
            parts = [(_Rows.of([], taxonomy), np.zeros(0, dtype=np.int64))]
        rows, order = _Rows.combined(parts)
        views = None
        if pools and all(pool.vacancies is not None for pool in pools):
            kept = [pool.vacancies[i] for pool, (_, selected) in zip(pools, parts) for i in selected]  # type: ignore[index]
            views = [kept[i] for i in order]
        combined = VacancyPool.__new__(VacancyPool)
        combined._publish(views, rows, taxonomy.restricted(set(rows.skills) | set(rows.uris)))
        return combined

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """The bytes of the pool's per-vacancy arrays (what grows with the vacancies)."""
        arrays = [self.ids, self.has_vector, self.matrix, self.inverse_norm, self.country, self.open, self.valid_through,
                  self.essential_count, self.optional_count, self.occupation, self.language_count, self.route_origin,
                  self.route_education, *self.isco.values(), *self.language_min.values(), *self.language_trainable.values()]  # fmt: skip
        skills = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (self.essential, self.optional))
        return sum(a.nbytes for a in arrays) + skills

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
        closed = [code for code, eligible_origins in enumerate(self.route_origin_sets) if origins.isdisjoint(eligible_origins)]
        if closed:
            mask &= ~np.isin(self.route_origin, closed)
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
        n = len(self.ids)
        semantic = np.zeros(n, dtype=np.float32)
        if profile.vector is not None and np.linalg.norm(profile.vector):
            query = np.asarray(profile.vector, dtype=np.float32) / float(np.linalg.norm(profile.vector))
            semantic = np.maximum((self.matrix @ query) * self.inverse_norm, 0.0)
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
        self,
        profile: ProfileView,
        *,
        top: int,
        today: date,
        taxonomy: Taxonomy | None = None,
        views: Callable[[list[int]], Mapping[int, VacancyView]] | None = None,
    ) -> list[PooledMatch]:
        """The `top` eligible vacancies, best first, each explained.

        `views(ids)`: the views of the few pooled vacancies to explain, by id, read when
        asked (required when the pool keeps no views). A vacancy it leaves out is left out
        of the matches (say, one closed since the pool was built). A view without a vector
        gets the pool's back: its matrix row, the very floats the pool was given when they
        were float32 (the encoder's), so explain() scores it exactly as before.
        """
        if not len(self.ids):
            return []
        if views is None and self.vacancies is None:
            raise ValueError("this pool keeps no views: pass views=")
        taxonomy = taxonomy or self.taxonomy
        scores = self.scores(profile, taxonomy)
        eligible = np.flatnonzero(self.eligible(profile, today))
        if not len(eligible):
            return []
        # A few more than asked: rounding may reorder near-ties once explain() rounds.
        wanted = min(len(eligible), top + 10)
        chosen = eligible[np.argpartition(-scores[eligible], wanted - 1)[:wanted]] if wanted < len(eligible) else eligible
        ids = [int(self.ids[i]) for i in chosen]
        current = views(ids) if views is not None else {i: self.vacancies[row] for i, row in zip(ids, chosen)}  # type: ignore[index]
        explained = []
        for vacancy_id, row in zip(ids, chosen):
            view = current.get(vacancy_id)
            if view is None:
                continue
            if view.vector is None and self.has_vector[row]:
                view = replace(view, vector=self.matrix[row].copy())
            explained.append(PooledMatch(view, explain(profile, view, taxonomy, today=today)))
        explained.sort(key=lambda m: (-m.explanation.score, m.vacancy.id))
        return [m for m in explained if not m.explanation.excluded][:top]
