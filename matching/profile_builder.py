"""The profile builder's steps: form fields -> SkillProfileInput fields, and completeness.

The web pages ask people for their profile in five short steps (about, work, skills,
languages, consent); caseworker mode shows the first four on one page. This module
turns what a step's form sent into the profile fields it changes, with problems keyed by
form field so a page can show each message next to its input, and says how complete a
profile is. It knows nothing of Flask: a form is anything with `get` and `getlist`.

Messages are English templates marked with `N_` (for the translation catalogue); the
web layer translates them with their `params`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from babel import Locale

from core.errors import HeadstartError
from core.languages import ISO_639_1
from matching.cefr import LEVELS, SUBSKILLS
from matching.models import (
    SkillProfile,
    SkillProfileInput,
    SuggestionChoiceInput,
)
from matching.records import parse_input
from practices.vocabulary import is_country

STEPS: tuple[str, ...] = ("about", "work", "skills", "languages", "consent")
CASEWORKER_STEPS: tuple[str, ...] = ("about", "work", "skills", "languages")
RECOGNITION_STATUSES: tuple[str, ...] = ("not_started", "in_progress", "recognised", "partial", "refused", "not_required")
ISCED_LEVELS: tuple[int, ...] = tuple(range(0, 9))
MAX_ROWS = 30
MAX_COUNTRIES = 30
MIN_SKILLS = 3


def N_(message: str) -> str:
    """Marks a message for translation; the web layer translates it when shown."""
    return message


class FormData(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class Problem:
    message: str  # English template with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)


Errors = dict[str, Problem]


# ---------------------------------------------------------------------------- steps


def step_number(step: str) -> int:
    return STEPS.index(step) + 1


def next_step(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def previous_step(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


# ---------------------------------------------------------------------------- countries and languages


@lru_cache(maxsize=8)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name in `language`) of every country, sorted by name."""
    territories = Locale.parse(language).territories
    english = Locale.parse("en").territories
    codes = {code for code in english if len(code) == 2 and code.isalpha() and is_country(code)}
    codes.add("XK")
    names = {code: territories.get(code) or english.get(code) or code for code in codes}
    return tuple(sorted(names.items(), key=lambda item: item[1].casefold()))


@lru_cache(maxsize=8)
def _country_lookup(language: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for lang in dict.fromkeys(("en", language)):
        for code, name in country_choices(lang):
            lookup.setdefault(name.casefold(), code)
    for code, _name in country_choices("en"):
        lookup[code.casefold()] = code
    return lookup


def country_label(code: str | None, language: str) -> str:
    if not code:
        return ""
    return dict(country_choices(language)).get(code.upper(), code)


def parse_country(text: str, language: str) -> str | None:
    """A country code from a code or a name (in `language` or English); None if unknown."""
    key = (text or "").strip().casefold()
    return _country_lookup(language).get(key) if key else None


@lru_cache(maxsize=8)
def language_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(ISO 639-1 code, name in `language`) of every language, sorted by name."""
    names = Locale.parse(language).languages
    english = Locale.parse("en").languages
    pairs = {code: names.get(code) or english.get(code) or code for code in ISO_639_1}
    return tuple(sorted(pairs.items(), key=lambda item: item[1].casefold()))


@lru_cache(maxsize=8)
def _language_lookup(language: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for lang in dict.fromkeys(("en", language)):
        for code, name in language_choices(lang):
            lookup.setdefault(name.casefold(), code)
    for code in ISO_639_1:
        lookup[code] = code
    return lookup


def language_label(code: str | None, language: str) -> str:
    if not code:
        return ""
    return dict(language_choices(language)).get(code.lower(), code)


def parse_language(text: str, language: str) -> str | None:
    key = (text or "").strip().casefold()
    return _language_lookup(language).get(key) if key else None


# ---------------------------------------------------------------------------- form values
# A step's values have the same shape whether they come from the profile (to show it) or
# from the form (to show again what was typed, with the problems found).


def _clean(value: Any) -> str:
    return str(value or "").strip()


def _rows(form: FormData, name: str) -> int:
    try:
        return max(0, min(int(form.get(f"{name}_rows") or 0), MAX_ROWS))
    except ValueError:
        return 0


def profile_values(profile: SkillProfile | None, step: str, language: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """What a step's form shows for a saved profile (or a new one)."""
    labels = labels or {}
    if step == "about":
        return {
            "origin_countries": [country_label(c, language) for c in (profile.origin_countries if profile else [])],
            "residence_country": country_label(profile.residence_country if profile else None, language),
            "destination_countries": [country_label(c, language) for c in (profile.destination_countries if profile else [])],
            "available_from": profile.available_from.isoformat() if profile and profile.available_from else "",
            "summary": profile.summary if profile else "",
        }
    if step == "work":
        occupations = [
            {"uri": o.uri or "", "query": "", "title": o.title, "years": _number_text(o.years)}
            for o in (profile.occupations_held() if profile else [])
        ]
        qualifications = [
            {
                "title": q.title,
                "isced": "" if q.isced_level is None else str(q.isced_level),
                "country": country_label(q.country, language),
                "recognition": q.recognition,
                "recognised_in": ", ".join(country_label(c, language) for c in q.recognised_in),
            }
            for q in (profile.qualification_list() if profile else [])
        ]
        values = {
            "occupations": occupations,
            "qualifications": qualifications,
            "education_level": "" if not profile or profile.education_level is None else str(profile.education_level),
        }
        add_row(values, "occupation")  # an empty row to fill in
        add_row(values, "qualification")
        return values
    if step == "skills":
        return {
            "skills": list(profile.skills) if profile else [],
            "skills_q": "",
            "free_text_skills": "\n".join(profile.free_text_skills) if profile else "",
            "cv_text": "",
            "cv_offers": [],
        }
    if step == "languages":
        rows = []
        for item in profile.language_skills() if profile else []:
            rows.append({
                "language": language_label(item.language, language),
                "level": item.overall or "",
                "native": item.native,
                "subskills": {s: getattr(item, s) for s in SUBSKILLS if getattr(item, s)},
            })
        values = {"languages": rows}
        add_row(values, "language")  # an empty row to fill in
        return values
    if step == "consent":
        return {"consent_to_matching": bool(profile and profile.consent_to_matching)}
    raise ValueError(f"unknown step {step!r}")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def form_values(form: FormData, step: str) -> dict[str, Any]:
    """What a step's form sent, as typed, in the shape of `profile_values`."""
    if step == "about":
        return {
            "origin_countries": [_clean(v) for v in form.getlist("origin_countries")][:MAX_COUNTRIES],
            "residence_country": _clean(form.get("residence_country")),
            "destination_countries": [_clean(v) for v in form.getlist("destination_countries")][:MAX_COUNTRIES],
            "available_from": _clean(form.get("available_from")),
            "summary": str(form.get("summary") or "").strip(),
        }
    if step == "work":
        occupations = []
        for i in range(_rows(form, "occ")):
            uris = [u for u in form.getlist(f"occ{i}_uri") if u]
            occupations.append({
                "uri": uris[-1] if uris else "",
                "query": _clean(form.get(f"occ{i}_uri_q")),
                "title": _clean(form.get(f"occ{i}_title")),
                "years": _clean(form.get(f"occ{i}_years")),
            })
        qualifications = []
        for i in range(_rows(form, "qual")):
            qualifications.append({
                "title": _clean(form.get(f"qual{i}_title")),
                "isced": _clean(form.get(f"qual{i}_isced")),
                "country": _clean(form.get(f"qual{i}_country")),
                "recognition": _clean(form.get(f"qual{i}_recognition")) or "not_started",
                "recognised_in": _clean(form.get(f"qual{i}_recognised_in")),
            })
        return {"occupations": occupations, "qualifications": qualifications, "education_level": _clean(form.get("education_level"))}
    if step == "skills":
        offers = []
        try:
            count = max(0, min(int(form.get("cv_count") or 0), 100))
        except ValueError:
            count = 0
        for i in range(count):
            uri = _clean(form.get(f"cv{i}_uri"))
            if uri:
                offers.append({
                    "uri": uri,
                    "label": _clean(form.get(f"cv{i}_label")),
                    "span": _clean(form.get(f"cv{i}_span")),
                    "ok": bool(form.get(f"cv{i}_ok")),
                })
        return {
            "skills": list(dict.fromkeys(u for u in form.getlist("skills") if u)),
            "skills_q": _clean(form.get("skills_q")),
            "free_text_skills": str(form.get("free_text_skills") or "").strip(),
            "cv_text": str(form.get("cv_text") or "").strip(),
            "cv_offers": offers,
        }
    if step == "languages":
        rows = []
        for i in range(_rows(form, "lang")):
            rows.append({
                "language": _clean(form.get(f"lang{i}_code")),
                "level": _clean(form.get(f"lang{i}_level")),
                "native": bool(form.get(f"lang{i}_native")),
                "subskills": {},
            })
        return {"languages": rows}
    if step == "consent":
        return {"consent_to_matching": bool(form.get("consent_to_matching"))}
    raise ValueError(f"unknown step {step!r}")


def add_row(values: dict[str, Any], what: str) -> None:
    """One more empty row (the no-JavaScript "Add a language" and similar buttons)."""
    if what == "language" and len(values.get("languages", [])) < MAX_ROWS:
        values["languages"].append({"language": "", "level": "", "native": False, "subskills": {}})
    elif what == "occupation" and len(values.get("occupations", [])) < MAX_ROWS:
        values["occupations"].append({"uri": "", "query": "", "title": "", "years": ""})
    elif what == "qualification" and len(values.get("qualifications", [])) < MAX_ROWS:
        values["qualifications"].append({"title": "", "isced": "", "country": "", "recognition": "not_started", "recognised_in": ""})
    elif what == "destination" and len(values.get("destination_countries", [])) < MAX_COUNTRIES:
        values["destination_countries"].append("")


# ---------------------------------------------------------------------------- parsing


def _countries(texts: list[str], language: str, name: str, errors: Errors) -> list[str]:
    codes = []
    for text in texts:
        if not text:
            continue
        code = parse_country(text, language)
        if code is None:
            errors.setdefault(name, Problem(N_("“%(text)s” is not a country we know. Choose one from the list."), {"text": text}))
        else:
            codes.append(code)
    return list(dict.fromkeys(codes))


def parse_step(
    step: str,
    values: dict[str, Any],
    *,
    language: str,
    current: SkillProfile | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[dict[str, Any], Errors]:
    """The SkillProfileInput fields a step changes, and the problems by form field."""
    errors: Errors = {}
    labels = labels or {}
    if step == "about":
        changes: dict[str, Any] = {
            "origin_countries": _countries(values["origin_countries"], language, "origin_countries", errors),
            "destination_countries": _countries(values["destination_countries"], language, "destination_countries", errors),
            "summary": values["summary"],
        }
        residence = _countries([values["residence_country"]], language, "residence_country", errors)
        changes["residence_country"] = residence[0] if residence else None
        changes["available_from"] = None
        if values["available_from"]:
            try:
                changes["available_from"] = date.fromisoformat(values["available_from"])
            except ValueError:
                errors["available_from"] = Problem(N_("Give a date such as 2027-03-01 (year-month-day)."))
        if len(values["summary"]) > 10_000:
            errors["summary"] = Problem(N_("At most %(count)d characters."), {"count": 10_000})
        return changes, errors
    if step == "work":
        occupations = []
        for i, row in enumerate(values["occupations"]):
            if not row["uri"] and not row["title"]:
                if row["years"]:
                    errors[f"occ{i}_title"] = Problem(N_("Type the job title, or choose the occupation."))
                continue
            years = 0.0
            if row["years"]:
                try:
                    years = float(row["years"].replace(",", "."))
                except ValueError:
                    years = -1
                if not 0 <= years <= 60:
                    errors[f"occ{i}_years"] = Problem(N_("Give the years as a number from 0 to 60."))
                    continue
            title = row["title"] or labels.get(row["uri"], "")
            if not title:
                errors[f"occ{i}_title"] = Problem(N_("Type the job title as you would say it."))
                continue
            occupations.append({"uri": row["uri"] or None, "title": title, "years": years})
        qualifications = []
        for i, row in enumerate(values["qualifications"]):
            filled = row["isced"] or row["country"] or row["recognised_in"] or row["recognition"] not in ("", "not_started")
            if not row["title"]:
                if filled:
                    errors[f"qual{i}_title"] = Problem(N_("Name the qualification, for example the diploma’s title."))
                continue
            item: dict[str, Any] = {"title": row["title"], "recognition": row["recognition"]}
            if row["recognition"] not in RECOGNITION_STATUSES:
                errors[f"qual{i}_recognition"] = Problem(N_("Choose one of the statuses shown."))
            if row["isced"]:
                if row["isced"].isdigit() and int(row["isced"]) in ISCED_LEVELS:
                    item["isced_level"] = int(row["isced"])
                else:
                    errors[f"qual{i}_isced"] = Problem(N_("Choose one of the levels shown."))
            country = _countries([row["country"]], language, f"qual{i}_country", errors)
            item["country"] = country[0] if country else None
            parts = [p.strip() for p in re.split(r"[,;]", row["recognised_in"]) if p.strip()]
            item["recognised_in"] = _countries(parts, language, f"qual{i}_recognised_in", errors)
            qualifications.append(item)
        changes = {"occupations": occupations, "qualifications": qualifications, "education_level": None}
        if values["education_level"]:
            if values["education_level"].isdigit() and int(values["education_level"]) in ISCED_LEVELS:
                changes["education_level"] = int(values["education_level"])
            else:
                errors["education_level"] = Problem(N_("Choose one of the levels shown."))
        return changes, errors
    if step == "skills":
        confirmed = [offer["uri"] for offer in values["cv_offers"] if offer["ok"]]
        free = [line.strip() for line in values["free_text_skills"].splitlines() if line.strip()]
        if len(free) > 200:
            errors["free_text_skills"] = Problem(N_("At most %(count)d skills in your own words."), {"count": 200})
        if any(len(line) > 300 for line in free):
            errors["free_text_skills"] = Problem(N_("Write one skill a line, each at most %(count)d characters."), {"count": 300})
        return {"skills": list(dict.fromkeys(values["skills"] + confirmed)), "free_text_skills": list(dict.fromkeys(free))}, errors
    if step == "languages":
        existing = {item.language: item for item in (current.language_skills() if current else [])}
        items = []
        seen: dict[str, int] = {}
        for i, row in enumerate(values["languages"]):
            if not row["language"]:
                if row["level"] or row["native"]:
                    errors[f"lang{i}_code"] = Problem(N_("Name the language."))
                continue
            code = parse_language(row["language"], language)
            if code is None:
                errors[f"lang{i}_code"] = Problem(N_("“%(text)s” is not a language we know. Choose one from the list."), {"text": row["language"]})
                continue
            if code in seen:
                errors[f"lang{i}_code"] = Problem(N_("This language is listed twice."))
                continue
            seen[code] = i
            level = row["level"] or None
            if level is not None and level not in LEVELS:
                errors[f"lang{i}_level"] = Problem(N_("Choose one of the levels shown."))
                continue
            item = {"language": code, "overall": level, "native": row["native"]}
            kept = existing.get(code)
            if kept is not None:  # sub-skill levels given elsewhere (API, import) stay
                item.update({s: getattr(kept, s) for s in SUBSKILLS if getattr(kept, s)})
            if not level and not row["native"] and not any(item.get(s) for s in SUBSKILLS):
                errors[f"lang{i}_level"] = Problem(N_("Choose a level, or tick “my mother tongue”."))
                continue
            items.append(item)
        return {"languages": items}, errors
    if step == "consent":
        return {"consent_to_matching": values["consent_to_matching"]}, errors
    raise ValueError(f"unknown step {step!r}")


def form_values_of_steps(form: FormData, steps: Sequence[str]) -> dict[str, Any]:
    """What a form of several steps sent (the caseworker form)."""
    values: dict[str, Any] = {}
    for step in steps:
        values.update(form_values(form, step))
    return values


def parse_steps(
    steps: Sequence[str],
    values: dict[str, Any],
    *,
    language: str,
    current: SkillProfile | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[dict[str, Any], Errors]:
    """parse_step over several steps: their changes together, and every problem."""
    changes: dict[str, Any] = {}
    problems: Errors = {}
    for step in steps:
        step_changes, step_problems = parse_step(step, values, language=language, current=current, labels=labels)
        changes.update(step_changes)
        problems.update(step_problems)
    return changes, problems


def cv_choices(values: dict[str, Any], decided_by: str) -> list[SuggestionChoiceInput]:
    """The person's decisions on the skills suggested from their CV (kept for review)."""
    choices = []
    for offer in values.get("cv_offers", []):
        try:
            choices.append(SuggestionChoiceInput(
                concept_type="skill",
                text=(offer["span"] or offer["label"] or offer["uri"])[:2_000],
                suggested_uri=offer["uri"],
                chosen_uri=offer["uri"] if offer["ok"] else None,
                decided_by=decided_by,
            ))
        except ValueError:
            continue  # a tampered URI: nothing to record
    return choices


def cv_offers(extracted: list[Any], exclude: set[str]) -> list[dict[str, Any]]:
    """Skills found in a CV (matching.skill_extraction.ExtractedSkill) as form rows."""
    return [
        {"uri": skill.uri, "label": skill.label, "span": skill.span.text, "ok": False}
        for skill in extracted
        if skill.uri not in exclude
    ]


# ---------------------------------------------------------------------------- the input model

_INPUT_FIELDS = tuple(name for name in SkillProfileInput.model_fields if name != "owner")


def profile_input(current: SkillProfile | None, owner: str, changes: dict[str, Any]) -> SkillProfileInput:
    """The whole profile as SkillProfileInput: the saved fields with a step's changes.

    Raises HeadstartError naming the model field if the combination is invalid.
    """
    data: dict[str, Any] = {"owner": owner}
    if current is not None:
        data["owner"] = current.owner
        for name in _INPUT_FIELDS:
            data[name] = getattr(current, name)
    data.update(changes)
    return parse_input(SkillProfileInput, data)


def check_revision(profile: SkillProfile, submitted: str | None) -> None:
    """Refuse a save made from a page opened before someone else saved the profile."""
    if submitted and submitted != str(profile.revision):
        raise HeadstartError(
            N_("Someone saved this profile after you opened the page. Open it again and redo your changes."),
            field="revision",
        )


# ---------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class CompletenessItem:
    key: str  # destination | occupation | skills | language | qualification | consent
    done: bool
    step: str  # where to complete it


@dataclass(frozen=True)
class Completeness:
    items: tuple[CompletenessItem, ...]

    @property
    def percent(self) -> int:
        return round(100 * sum(item.done for item in self.items) / len(self.items))

    @property
    def missing(self) -> tuple[CompletenessItem, ...]:
        return tuple(item for item in self.items if not item.done)


def completeness(profile: SkillProfile) -> Completeness:
    languages = profile.language_skills()
    return Completeness((
        CompletenessItem("destination", bool(profile.destination_countries), "about"),
        CompletenessItem("occupation", bool(profile.occupations), "work"),
        CompletenessItem("skills", len(profile.skills) >= MIN_SKILLS, "skills"),
        CompletenessItem("language", any(item.usable_level > 0 for item in languages), "languages"),
        CompletenessItem("qualification", bool(profile.qualifications), "work"),
        CompletenessItem("consent", profile.consent_to_matching, "consent"),
    ))
