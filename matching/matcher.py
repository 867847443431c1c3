"""Profile <-> vacancy matching that explains itself.

A match is decided in two steps, the way a counsellor would reason:

1. Hard constraints exclude: the vacancy is not open or has expired, it is not in a
   country the person wants to go to, a required language is below the minimum (unless
   the employer trains it), or the legal route is closed to the person (origin country
   not eligible for the scheme, education below the route's minimum).
2. Soft signals rank what is left, each a number in [0, 1] with a weight, so the score is
   a sum of visible parts: semantic similarity of the two texts, essential and optional
   skills met (a skill one step away in the ESCO hierarchy counts half), occupation
   proximity through the ISCO-08 groups, years of experience in that occupation group,
   and language levels above the minimum.

Every result carries an Explanation: the parts, the skills met and missing, the language
gaps, why it was excluded, and whether the occupation is regulated at the destination
(then the match is not ready until the qualification is recognised).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from matching.cefr import LEVELS
from matching.models import LanguageSkill, LegalRoute, OccupationHeld, Qualification, VacancyLanguage

# Weights of the soft signals, from the ESCO evaluation (bench/eval_matching.py): a grid
# over two samples of held-out profiles (300 and 160), keeping the weights whose worst
# margin over the plain-embedding baseline was largest, then checked on a third sample.
# The text similarity leads because its differences are small (cosines of related jobs
# sit close together) while skill coverage and occupation proximity jump in steps: with
# larger weights those steps outvote the text and promote the sibling occupation whose
# skills overlap. Experience and language surplus cannot be measured there; they are
# kept small, to order otherwise equal candidates.
WEIGHTS: dict[str, float] = {
    "semantic": 0.70,
    "essential_skills": 0.10,
    "optional_skills": 0.05,
    "occupation": 0.10,
    "experience": 0.03,
    "language_surplus": 0.02,
}
NEAR_SKILL_CREDIT = 0.5
FULL_EXPERIENCE_YEARS = 5.0


@dataclass(frozen=True)
class Taxonomy:
    """What the matcher needs to know of ESCO, for the concepts at hand."""

    isco_codes: Mapping[str, str] = field(default_factory=dict)  # occupation URI -> ISCO-08 code
    broader: Mapping[str, frozenset[str]] = field(default_factory=dict)  # skill URI -> its broader concepts
    labels: Mapping[str, str] = field(default_factory=dict)  # URI -> preferred label
    regulated: Mapping[str, str] = field(default_factory=dict)  # occupation URI -> regulated-profession note

    def label(self, uri: str) -> str:
        return self.labels.get(uri, uri.rsplit("/", 1)[-1])

    def merged(self, *others: Taxonomy) -> Taxonomy:
        """This taxonomy and `others` in one; a later one's entry wins for the same concept."""
        parts = (self, *others)
        return Taxonomy(
            isco_codes={k: v for t in parts for k, v in t.isco_codes.items()},
            broader={k: v for t in parts for k, v in t.broader.items()},
            labels={k: v for t in parts for k, v in t.labels.items()},
            regulated={k: v for t in parts for k, v in t.regulated.items()},
        )

    def restricted(self, concepts: Collection[str]) -> Taxonomy:
        """Only the entries of these concepts (what load_taxonomy gives for them)."""
        return Taxonomy(
            isco_codes={k: v for k, v in self.isco_codes.items() if k in concepts},
            broader={k: v for k, v in self.broader.items() if k in concepts},
            labels={k: v for k, v in self.labels.items() if k in concepts},
            regulated={k: v for k, v in self.regulated.items() if k in concepts},
        )

    def near(self, a: str, b: str) -> bool:
        """One step apart: one is the other's broader concept, or they share one."""
        above_a, above_b = self.broader.get(a, frozenset()), self.broader.get(b, frozenset())
        return b in above_a or a in above_b or bool(above_a & above_b)

    def occupation_proximity(self, a: str | None, b: str | None) -> float:
        """1 for the same occupation, then 0.75 / 0.5 / 0.25 for the same ISCO unit,
        minor or sub-major group, 0 otherwise."""
        if not a or not b:
            return 0.0
        if a == b:
            return 1.0
        code_a, code_b = self.isco_codes.get(a, ""), self.isco_codes.get(b, "")
        for digits, value in ((4, 0.75), (3, 0.5), (2, 0.25)):
            if len(code_a) >= digits and code_a[:digits] == code_b[:digits]:
                return value
        return 0.0


@dataclass(frozen=True)
class ProfileView:
    """The parts of a skill profile the matcher reads."""

    id: int
    origin_countries: tuple[str, ...]
    destination_countries: tuple[str, ...]
    occupations: tuple[OccupationHeld, ...]
    skills: frozenset[str]
    languages: Mapping[str, LanguageSkill]
    education_level: int | None
    qualifications: tuple[Qualification, ...]
    consent_to_matching: bool
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class VacancyView:
    id: int
    title: str
    country: str
    status: str
    valid_through: date | None
    occupation_uri: str | None
    essential_skills: tuple[str, ...]
    optional_skills: tuple[str, ...]
    languages: tuple[VacancyLanguage, ...]
    legal_route: LegalRoute
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class ScorePart:
    name: str
    weight: float
    value: float  # in [0, 1]
    detail: str

    @property
    def points(self) -> float:
        return self.weight * self.value


@dataclass(frozen=True)
class LanguageGap:
    language: str
    required: str  # CEFR minimum
    has: str | None  # the person's usable level, None when the language is missing
    trainable: bool

    def describe(self) -> str:
        has = f"has {self.has}" if self.has else "does not speak it"
        train = " (the employer trains it)" if self.trainable else ""
        return f"{self.language}: needs {self.required}, {has}{train}"


@dataclass(frozen=True)
class Exclusion:
    constraint: str  # status | expired | destination | language | legal_route | consent
    message: str


@dataclass(frozen=True)
class SkillMatch:
    required: str  # the vacancy's skill
    via: str  # the profile's skill that meets it (the same URI, or a near one)

    @property
    def exact(self) -> bool:
        return self.required == self.via


@dataclass(frozen=True)
class RegulatedNote:
    occupation_uri: str
    country: str
    note: str
    recognised: bool  # the person has a qualification recognised in that country

    def describe(self) -> str:
        if self.recognised:
            return f"Regulated profession in {self.country}: a qualification is already recognised there."
        return (
            f"Regulated profession in {self.country}: the qualification must be recognised there before "
            "the person can work in it. Start the recognition procedure (see the recognition services below)."
        )


@dataclass(frozen=True)
class Explanation:
    score: float
    parts: tuple[ScorePart, ...]
    skills_met: tuple[SkillMatch, ...]
    essential_missing: tuple[str, ...]
    optional_missing: tuple[str, ...]
    language_gaps: tuple[LanguageGap, ...]
    exclusions: tuple[Exclusion, ...]
    regulated: RegulatedNote | None

    @property
    def excluded(self) -> bool:
        return bool(self.exclusions)

    @property
    def ready(self) -> bool:
        """Eligible, nothing essential missing, no language to train, nothing to recognise."""
        return (
            not self.excluded
            and not self.essential_missing
            and not self.language_gaps
            and (self.regulated is None or self.regulated.recognised)
        )


def hard_exclusions(
    profile: ProfileView, vacancy: VacancyView, today: date, gaps: Sequence[LanguageGap] | None = None
) -> list[Exclusion]:
    """The hard constraints the pair fails (none: it may match), without scoring it.

    `gaps`: the pair's language gaps, when the caller has them already."""
    gaps = tuple(_language_gaps(profile, vacancy)) if gaps is None else gaps
    return constraint_exclusions(profile, vacancy, today) + [
        Exclusion("language", f"Language below the minimum: {gap.describe()}.") for gap in gaps if not gap.trainable
    ]


def explain(profile: ProfileView, vacancy: VacancyView, taxonomy: Taxonomy, *, today: date) -> Explanation:
    """Constraints and score parts of one pair; the same function serves both directions."""
    gaps = tuple(_language_gaps(profile, vacancy))
    exclusions = hard_exclusions(profile, vacancy, today, gaps)
    met, essential_missing, essential_value = _skills(profile.skills, vacancy.essential_skills, taxonomy)
    optional_met, optional_missing, optional_value = _skills(profile.skills, vacancy.optional_skills, taxonomy)
    occupation_value, best_held = _occupation(profile, vacancy, taxonomy)
    years = best_held.years if best_held else 0.0
    experience_value = min(years / FULL_EXPERIENCE_YEARS, 1.0) if occupation_value >= 0.5 else 0.0
    semantic_value = _cosine(profile.vector, vacancy.vector)
    surplus_value = _language_surplus(profile, vacancy)
    parts = (
        ScorePart("semantic", WEIGHTS["semantic"], semantic_value, "similarity of the profile and vacancy texts"),
        ScorePart(
            "essential_skills",
            WEIGHTS["essential_skills"],
            essential_value,
            f"{len(met)} of {len(vacancy.essential_skills)} essential skills met" if vacancy.essential_skills else "no essential skills listed",
        ),
        ScorePart(
            "optional_skills",
            WEIGHTS["optional_skills"],
            optional_value,
            f"{len(optional_met)} of {len(vacancy.optional_skills)} optional skills met" if vacancy.optional_skills else "no optional skills listed",
        ),
        ScorePart(
            "occupation",
            WEIGHTS["occupation"],
            occupation_value,
            f"worked as {best_held.title}" if best_held and occupation_value > 0 else "no related occupation held",
        ),
        ScorePart("experience", WEIGHTS["experience"], experience_value, f"{years:g} years in a related occupation"),
        ScorePart("language_surplus", WEIGHTS["language_surplus"], surplus_value, "language levels above the minimum"),
    )
    if not vacancy.essential_skills:  # nothing to check: neither reward nor punish
        parts = tuple(replace_value(p, 0.5) if p.name == "essential_skills" else p for p in parts)
    return Explanation(
        score=round(sum(part.points for part in parts), 4),
        parts=parts,
        skills_met=tuple(met + optional_met),
        essential_missing=essential_missing,
        optional_missing=optional_missing,
        language_gaps=gaps,
        exclusions=tuple(exclusions),
        regulated=_regulated(profile, vacancy, taxonomy),
    )


def replace_value(part: ScorePart, value: float) -> ScorePart:
    return ScorePart(part.name, part.weight, value, part.detail)


def constraint_exclusions(profile: ProfileView, vacancy: VacancyView, today: date) -> list[Exclusion]:
    """The hard constraints other than language levels (status, expiry, destination, legal route)."""
    out: list[Exclusion] = []
    if vacancy.status != "open":
        out.append(Exclusion("status", f"The vacancy is {vacancy.status}, not open."))
    if vacancy.valid_through is not None and vacancy.valid_through < today:
        out.append(Exclusion("expired", f"The vacancy closed on {vacancy.valid_through.isoformat()}."))
    if profile.destination_countries and vacancy.country not in profile.destination_countries:
        wished = ", ".join(profile.destination_countries)
        out.append(Exclusion("destination", f"The job is in {vacancy.country}; the person wants to go to {wished}."))
    route = vacancy.legal_route
    if route.eligible_origin_countries and not set(profile.origin_countries) & set(route.eligible_origin_countries):
        eligible = ", ".join(route.eligible_origin_countries)
        name = route.name or route.type.replace("_", " ")
        out.append(Exclusion("legal_route", f"The route ({name}) is open to nationals of {eligible} only."))
    if route.min_education_level is not None and (profile.education_level or 0) < route.min_education_level:
        out.append(
            Exclusion(
                "legal_route",
                f"The route needs education at ISCED level {route.min_education_level} or above; "
                f"the profile states {profile.education_level if profile.education_level is not None else 'none'}.",
            )
        )
    return out


def _language_gaps(profile: ProfileView, vacancy: VacancyView):
    for requirement in vacancy.languages:
        skill = profile.languages.get(requirement.language)
        level = skill.usable_level if skill else 0
        if level < LEVELS.index(requirement.min_level) + 1:
            yield LanguageGap(
                language=requirement.language,
                required=requirement.min_level,
                has=LEVELS[level - 1] if level else None,
                trainable=requirement.trainable,
            )


def _language_surplus(profile: ProfileView, vacancy: VacancyView) -> float:
    if not vacancy.languages:
        return 0.0
    values = []
    for requirement in vacancy.languages:
        skill = profile.languages.get(requirement.language)
        level = skill.usable_level if skill else 0
        surplus = level - (LEVELS.index(requirement.min_level) + 1)
        values.append(min(max(surplus, 0), 2) / 2)
    return sum(values) / len(values)


def _skills(
    held: frozenset[str], required: Sequence[str], taxonomy: Taxonomy
) -> tuple[list[SkillMatch], tuple[str, ...], float]:
    met: list[SkillMatch] = []
    missing: list[str] = []
    credit = 0.0
    for skill in required:
        if skill in held:
            met.append(SkillMatch(skill, skill))
            credit += 1.0
            continue
        near = next((other for other in sorted(held) if taxonomy.near(skill, other)), None)
        if near is not None:
            met.append(SkillMatch(skill, near))
            credit += NEAR_SKILL_CREDIT
        else:
            missing.append(skill)
    value = credit / len(required) if required else 0.0
    return met, tuple(missing), value


def _occupation(profile: ProfileView, vacancy: VacancyView, taxonomy: Taxonomy) -> tuple[float, OccupationHeld | None]:
    best: tuple[float, float, OccupationHeld | None] = (0.0, 0.0, None)
    for held in profile.occupations:
        value = taxonomy.occupation_proximity(held.uri, vacancy.occupation_uri)
        if (value, held.years) > best[:2]:
            best = (value, held.years, held)
    return best[0], best[2]


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return max(0.0, float(a @ b) / norm) if norm else 0.0


def _regulated(profile: ProfileView, vacancy: VacancyView, taxonomy: Taxonomy) -> RegulatedNote | None:
    note = taxonomy.regulated.get(vacancy.occupation_uri or "")
    if note is None and not vacancy.legal_route.requires_recognised_qualification:
        return None
    recognised = any(
        q.recognition in ("recognised", "not_required") and vacancy.country in q.recognised_in
        for q in profile.qualifications
    )
    text = note or "The legal route asks for a recognised qualification."
    return RegulatedNote(vacancy.occupation_uri or "", vacancy.country, text, recognised)


@dataclass(frozen=True)
class RankedPair:
    profile_id: int
    vacancy_id: int
    explanation: Explanation


def rank_pairs(
    pairs: Sequence[tuple[ProfileView, VacancyView]],
    taxonomy: Taxonomy,
    *,
    today: date,
    include_excluded: bool = False,
) -> list[RankedPair]:
    """Explained pairs, eligible ones by score first; excluded ones after, when asked for."""
    ranked = [RankedPair(p.id, v.id, explain(p, v, taxonomy, today=today)) for p, v in pairs]
    eligible = sorted((r for r in ranked if not r.explanation.excluded), key=lambda r: -r.explanation.score)
    if not include_excluded:
        return eligible
    excluded = sorted((r for r in ranked if r.explanation.excluded), key=lambda r: -r.explanation.score)
    return eligible + excluded
