"""The library pages: search, a record, the handbook's contents, and the record form.

The views parse the request, call kb.service and render; the rules of a record live in
practices.schema (record_from_fields) and the search in kb.service. Snippets and
narrative text go through webapp.markdown_render, so nothing stored is trusted as HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import HeadstartError, NotFound
from core.languages import ISO_639_1, normalize_language
from kb.library_page import LibraryPage, library_page, library_page_request
from kb.library_query import FACETS, FILTERS
from kb.service import LibraryEntry, get_entry, handbook_contents, related_records, save_record
from matching.access import can_edit_library
from practices.markdown_format import slugify
from practices.quality import criterion_label
from practices.schema import ID_PATTERN, LibraryRecord, RecordError, record_from_fields
from practices.vocabulary import (
    DELIVERY_MODES,
    DOCUMENT_KINDS,
    EVALUATION_TYPES,
    HANDBOOK_TOPICS,
    MEASURE_SUBTYPES,
    MEASURE_TYPES,
    PRACTICE_SECTIONS,
    SECTION_HEADINGS,
    TARGET_GROUPS,
    Vocabulary,
)
from webapp.current import current_runtime
from webapp.formatting import country_name, language_name
from webapp.i18n import current_language
from webapp.markdown_render import render_markdown, safe_snippet
from webapp.rendering import htmx, render
from webapp.security import current_user, roles_required

blueprint = library = Blueprint("library", __name__)

PER_PAGE = 10
MORE_TRIGGER = "library-more"  # id of the infinite-scroll sentinel


def N_(message: str) -> str:
    """Marks a string for the translation catalog; translated where it is shown."""
    return message


# The controlled vocabularies' English labels and the quality criteria, listed here so the
# catalog picks them up; term_label() translates them when a page shows them.
# tests/test_web_library.py checks this list stays complete.
_TERM_LABELS = (
    N_("Good practice"),
    N_("Handbook section"),
    N_("Pre-departure information and orientation"),
    N_("Skills development: language and vocational"),
    N_("Job matching"),
    N_("Recognition of skills and qualifications"),
    N_("Pre-departure orientation"),
    N_("Cultural orientation"),
    N_("Migrant resource centre services"),
    N_("Safe-migration awareness"),
    N_("Financial literacy"),
    N_("Legal counselling"),
    N_("Language training"),
    N_("Vocational training"),
    N_("Job-matching services"),
    N_("Fair recruitment"),
    N_("Skills assessment"),
    N_("Recognition of qualifications"),
    N_("Link with the post-arrival stage"),
    N_("Reintegration"),
    N_("Support to families"),
    N_("Labour migrants"),
    N_("Seasonal workers"),
    N_("Domestic workers"),
    N_("Highly skilled migrants"),
    N_("Family migrants"),
    N_("Students"),
    N_("Resettled refugees"),
    N_("Returnees"),
    N_("People considering migration"),
    N_("Women"),
    N_("Young people"),
    N_("Vulnerable groups"),
    N_("In person"),
    N_("Online"),
    N_("Blended"),
    N_("Printed material"),
    N_("Mobile outreach"),
    N_("Hotline"),
    N_("External evaluation"),
    N_("Internal evaluation"),
    N_("Self-assessment"),
    N_("Not evaluated"),
    N_("Not known"),
    N_("Introduction"),
    N_("Institutional set-up and terms of reference"),
    N_("Legal basis"),
    N_("Service design and delivery"),
    N_("Standard operating procedures"),
    N_("Coordination with other stakeholders"),
    N_("Resources"),
    N_("Staff competences and training"),
    N_("Data collection"),
    N_("Monitoring and evaluation"),
    N_("Quality control"),
    N_("Communication and outreach"),
    N_("Link with the destination and the post-arrival stage"),
    N_("Long-term sustainability"),
    N_("Clear context and objectives"),
    N_("Clear activities"),
    N_("Running for at least a year"),
    N_("Evaluated"),
    N_("Results stated"),
    N_("Transferability described"),
    N_("Sustained beyond its first funding"),
    N_("the challenge and goals"),
    N_("how it works"),
    N_("the start date"),
    N_("a year of operation (it ran less than a year)"),
    N_("an evaluation (its type and what it found)"),
    N_("results (in figures or observed)"),
    N_("what transferring it would take"),
    N_("whether it continued after its first funding"),
    N_("The challenge and the goals"),
    N_("How it works"),
    N_("Results in figures"),
    N_("Results observed"),
    N_("What participants said"),
    N_("Evaluation"),
    N_("Who benefits and coverage"),
    N_("Funding and resources"),
    N_("Transferability"),
    N_("Lessons learned"),
)

_VOCABULARIES: dict[str, Vocabulary] = {
    "kind": DOCUMENT_KINDS,
    "measure_type": MEASURE_TYPES,
    "measure_types": MEASURE_TYPES,
    "measure_subtype": MEASURE_SUBTYPES,
    "measure_subtypes": MEASURE_SUBTYPES,
    "target_group": TARGET_GROUPS,
    "target_groups": TARGET_GROUPS,
    "delivery_mode": DELIVERY_MODES,
    "delivery_modes": DELIVERY_MODES,
    "evaluation_type": EVALUATION_TYPES,
    "topic": HANDBOOK_TOPICS,
    "topics": HANDBOOK_TOPICS,
}


def _quality_level_names() -> dict[str, str]:
    return {"strong": _("Strong"), "good": _("Good"), "partial": _("Partial")}


def _facet_legends() -> dict[str, str]:
    return {
        "kind": _("Kind of document"),
        "measure_type": _("Type of measure"),
        "target_group": _("Target group"),
        "country": _("Country"),
        "destination": _("Destination country"),
        "language": _("Language"),
        "quality": _("Quality of documentation"),
        "topic": _("Handbook topic"),
    }


def term_label(name: str, value: str) -> str:
    """A facet value or vocabulary term in words, in the reader's language."""
    if name in ("country", "destination", "implementing_countries", "origin_countries", "destination_countries"):
        return country_name(value)
    if name in ("language", "languages"):
        return language_name(value)
    if name == "quality":
        return _quality_level_names().get(value, value)
    vocabulary = _VOCABULARIES.get(name)
    return _(vocabulary.label(value)) if vocabulary else value


def record_error_message(error: RecordError) -> str:
    """A record rule broken, said in the reader's language (the English text otherwise)."""
    p = error.params
    messages = {
        "missing": lambda: _("This field is required."),
        "too_long": lambda: _("This text has %(length)d characters; at most %(limit)d are allowed.", length=p["length"], limit=p["limit"]),
        "item_too_long": lambda: _("One line is longer than %(limit)d characters.", limit=p["limit"]),
        "unknown_country": lambda: _("“%(value)s” is not a country code. Use two-letter ISO codes such as PH, DE or MA.", value=p["value"]),
        "unknown_language": lambda: _("“%(value)s” is not a language code. Use two-letter ISO codes such as en, fr or ar.", value=p["value"]),
        "invalid_id": lambda: _("“%(value)s” is not a valid id: use 2 to 100 lower-case letters, digits and hyphens.", value=p["value"]),
        "sources_missing": lambda: _("Name at least one source: a web address or a reference."),
        "not_whole_number": lambda: _("Enter a whole number."),
        "out_of_range": lambda: _("Enter a number between %(low)d and %(high)d.", low=p["low"], high=p["high"]),
        "not_a_date": lambda: _("“%(value)s” is not a date: write YYYY, YYYY-MM or YYYY-MM-DD.", value=p["value"]),
        "not_a_real_date": lambda: _("“%(value)s” is not a date that exists.", value=p["value"]),
        "ends_before_start": lambda: _("The end (%(end)s) comes before the start (%(start)s).", end=p["end"], start=p["start"]),
    }
    message = messages.get(error.code or "")
    return message() if message else error.message


@library.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "term_label": term_label,
        "safe_snippet": safe_snippet,
        "render_markdown": render_markdown,
        "criterion_label": lambda key: _(criterion_label(key)),
        "quality_level_name": lambda level: _quality_level_names().get(level, level),
        "can_edit_library": can_edit_library(current_user()),
        "translate_term": lambda text: _(text),
    }



def _reader_language() -> str:
    """?lang= when given (checked), else the interface language."""
    return normalize_language(request.args.get("lang"), field="lang") or current_language()


# ---------------------------------------------------------------------------- search


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool
    id: str


@dataclass(frozen=True)
class FacetGroup:
    name: str
    legend: str
    options: list[FacetOption]

    @property
    def open(self) -> bool:
        return self.name in ("kind", "measure_type") or any(option.checked for option in self.options)


def _facet_groups(facets: dict[str, Any], chosen: dict[str, tuple[str, ...]]) -> list[FacetGroup]:
    legends = _facet_legends()
    groups = []
    for name in FACETS:
        counts = {facet.value: facet.count for facet in facets.get(name, [])}
        for value in chosen.get(name, ()):
            counts.setdefault(value, 0)
        if not counts:
            continue
        options = [
            FacetOption(value, term_label(name, value), count, value in chosen.get(name, ()), f"facet-{name}-{value}")
            for value, count in counts.items()
        ]
        options.sort(key=lambda option: (not option.checked, -option.count, option.label.casefold()))
        groups.append(FacetGroup(name, legends.get(name, name), options))
    return groups


def _search_params(page: LibraryPage) -> dict[str, Any]:
    """The parameters that ask for this search again, for the links to its other pages."""
    params: dict[str, Any] = {name: list(values) for name, values in page.filters.items() if values}
    if page.request.text:
        params["q"] = page.request.text
    if page.request.sort != "relevance":
        params["sort"] = page.request.sort
    if request.args.get("lang"):
        params["lang"] = request.args["lang"]
    return params


def _page_links(page: LibraryPage) -> dict[str, str | None]:
    params = _search_params(page)
    number = page.page_number
    return {
        "next_url": url_for("library.search", **params, page=number + 1) if page.has_next else None,
        "previous_url": url_for("library.search", **params, page=number - 1) if number > 1 else None,
        "first_url": url_for("library.search", **params) if number > 1 else None,
    }


@library.get("/library")
def search():
    asked = library_page_request(
        text=request.args.get("q"), sort=request.args.get("sort"),
        filters={name: request.args.getlist(name) for name in FILTERS}, page=request.args.get("page"),
        per_page=PER_PAGE, reader_language=request.args.get("lang"), interface_language=current_language(),
    )  # fmt: skip
    page = library_page(current_runtime(), asked)
    context = {
        "text": asked.text,
        "sort": asked.sort,
        "browse": asked.browse,
        "error": page.error,
        "result": page.result,
        "facet_groups": _facet_groups(page.result.facets if page.result else {}, page.filters),
        "page_number": page.page_number,
        "first": page.first,
        "last": page.last,
        **_page_links(page),
        "reader_language": request.args.get("lang", ""),
    }
    fragment = "library/_more.html" if htmx.trigger == MORE_TRIGGER else "library/_results.html"
    return render("library/search.html", fragment, status=400 if page.error else 200, **context)


# ---------------------------------------------------------------------------- reading


@library.get("/library/<record_id>")
def document(record_id: str):
    runtime = current_runtime()
    language = normalize_language(request.args.get("lang"), field="lang")
    entry = get_entry(runtime, record_id, language=language)
    record = entry.record
    related = related_records(runtime, record.id, language=language or current_language())
    originals = [get_entry(runtime, record.group_id).record] if record.translation_of else []
    return render(
        "library/document.html",
        entry=entry,
        record=record,
        related=related,
        original=originals[0] if originals else None,
    )


@library.get("/handbook")
def handbook():
    sections = handbook_contents(current_runtime(), language=_reader_language())
    chapters: dict[int, list[LibraryRecord]] = {}
    for section in sections:
        chapters.setdefault(section.chapter or 0, []).append(section)
    return render("library/handbook.html", chapters=sorted(chapters.items()))


# ---------------------------------------------------------------------------- the form

_COUNTRY_FIELDS = ("implementing_countries", "origin_countries", "destination_countries")
_LINE_FIELDS = ("organisations", "partners", "sources")
_CHECKBOX_FIELDS = {
    "practice": ("target_groups", "measure_types", "measure_subtypes", "delivery_modes"),
    "handbook": ("topics",),
}
_TEXT_FIELDS = {
    "practice": ("implementing_countries", "origin_countries", "destination_countries", "organisations", "partners",
                 "period_start", "period_end", "languages", "evaluation_type"),
    "handbook": ("chapter", "section", "related_practices"),
}  # fmt: skip
# Fields the form checks one by one as the user leaves them.
CHECKED_ONE_BY_ONE = frozenset({"title", "id", *_COUNTRY_FIELDS, "languages", "period_start", "period_end", "chapter", "section"})


def _codes(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _commas(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def _section_heading(key: str, language: str) -> str:
    return SECTION_HEADINGS.get(language, {}).get(key) or PRACTICE_SECTIONS.get(key, key)


def _values_from_record(record: LibraryRecord, revision: int | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "title": record.title,
        "language": record.language,
        "summary": record.summary,
        "sources": "\n".join(record.sources),
        "tags": ", ".join(record.tags),
        "revision": "" if revision is None else str(revision),
        "implementing_countries": ", ".join(record.implementing_countries),
        "origin_countries": ", ".join(record.origin_countries),
        "destination_countries": ", ".join(record.destination_countries),
        "organisations": "\n".join(record.organisations),
        "partners": "\n".join(record.partners),
        "period_start": record.period.start or "",
        "period_end": record.period.end or "",
        "period_regular": record.period.regular_service,
        "languages": ", ".join(record.languages),
        "evaluation_type": record.evaluation_type,
        "chapter": "" if record.chapter is None else str(record.chapter),
        "section": "" if record.section is None else str(record.section),
        "related_practices": ", ".join(record.related_practices),
        "section_keys": [s.key for s in record.sections] if record.kind == "handbook" else list(PRACTICE_SECTIONS),
        "new_heading": "",
        "new_text": "",
    }
    for name in _CHECKBOX_FIELDS["practice"] + _CHECKBOX_FIELDS["handbook"]:
        values[name] = list(getattr(record, name))
    for key in values["section_keys"]:
        values[f"heading-{key}"] = next((s.heading for s in record.sections if s.key == key), _section_heading(key, record.language))
        values[f"section-{key}"] = record.section_text(key)
    return values


def _values_from_form(kind: str, stored: LibraryRecord | None) -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {
        name: form.get(name, "")
        for name in ("id", "title", "language", "summary", "sources", "tags", "revision",
                     *_TEXT_FIELDS["practice"], *_TEXT_FIELDS["handbook"], "new_heading", "new_text")
    }  # fmt: skip
    values["kind"] = kind
    if stored is not None:  # what a record is and which it translates are not edited here
        values["id"] = stored.id
    values["period_regular"] = form.get("period_regular") == "yes"
    for name in _CHECKBOX_FIELDS["practice"] + _CHECKBOX_FIELDS["handbook"]:
        values[name] = form.getlist(name)
    if kind == "practice":
        keys = list(PRACTICE_SECTIONS)
    else:
        keys = [key for key in form.getlist("section_keys") if re.fullmatch(r"[a-z0-9][a-z0-9-]*", key)]
    values["section_keys"] = list(dict.fromkeys(keys))
    for key in values["section_keys"]:
        values[f"heading-{key}"] = form.get(f"heading-{key}", "").strip() or _section_heading(key, values["language"])
        values[f"section-{key}"] = form.get(f"section-{key}", "")
    return values


def _record_fields(values: dict[str, Any], translation_of: str | None) -> dict[str, Any]:
    kind = values["kind"]
    sections = [
        {"key": key, "heading": values[f"heading-{key}"], "text": values[f"section-{key}"]} for key in values["section_keys"]
    ]
    if kind == "handbook" and values["new_text"].strip():
        heading = values["new_heading"].strip() or _("New section")
        key = slugify(heading)
        while key in values["section_keys"]:
            key += "-2"
        sections.append({"key": key, "heading": heading, "text": values["new_text"]})
    fields: dict[str, Any] = {
        "id": values["id"].strip(),
        "kind": kind,
        "language": values["language"],
        "translation_of": translation_of,
        "title": values["title"],
        "summary": values["summary"],
        "sources": _lines(values["sources"]),
        "tags": _commas(values["tags"]),
        "sections": sections,
    }
    if kind == "practice":
        fields.update({name: _codes(values[name]) for name in _COUNTRY_FIELDS})
        fields.update({name: _lines(values[name]) for name in ("organisations", "partners")})
        fields["period"] = {"start": values["period_start"].strip(), "end": values["period_end"].strip(),
                            "regular_service": bool(values["period_regular"])}  # fmt: skip
        fields["languages"] = _codes(values["languages"])
        fields["evaluation_type"] = values["evaluation_type"]
    else:
        fields["chapter"] = values["chapter"]
        fields["section"] = values["section"]
        fields["related_practices"] = [item.lower() for item in _codes(values["related_practices"])]
    for name in _CHECKBOX_FIELDS[kind]:
        fields[name] = values[name]
    return fields


def _form_field(error_field: str | None, values: dict[str, Any]) -> str:
    """The form field an error from the domain belongs to ("form" when none fits)."""
    if not error_field:
        return "form"
    mapped = {
        "period": "period_start",
        "period.start": "period_start",
        "period.end": "period_end",
        "period.regular_service": "period_regular",
        "translation_of": "language",
        "kind": "form",
    }.get(error_field, error_field)
    if mapped in values.get("section_keys", ()):
        return f"section-{mapped}"
    if mapped == "sections" or mapped not in values:
        return "form"
    return mapped


def _exists(record_id: str) -> bool:
    try:
        get_entry(current_runtime(), record_id)
    except NotFound:
        return False
    return True


def _new_id(values: dict[str, Any], errors: dict[str, str]) -> str:
    given = values["id"].strip().lower()
    if given:
        if given == "new":
            errors["id"] = _("“new” is reserved for this form’s address; choose another id.")
        elif ID_PATTERN.match(given) and _exists(given):
            errors["id"] = _("A record with this id exists already; choose another id.")
        return given
    base = slugify(values["title"])[:60].strip("-")
    if len(base) < 2 or base == "new":
        base = f"practice-{base}".strip("-")
    candidate, number = base, 2
    while _exists(candidate):
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _language_choices() -> list[tuple[str, str]]:
    return sorted(((code, language_name(code)) for code in ISO_639_1), key=lambda item: item[1].casefold())


def _form_context(values: dict[str, Any], errors: dict[str, str], entry: LibraryEntry | None) -> dict[str, Any]:
    kind = values["kind"]
    return {
        "values": values,
        "errors": errors,
        "entry": entry,
        "kind": kind,
        "checkbox_fields": [(name, _VOCABULARIES[name]) for name in _CHECKBOX_FIELDS[kind]],
        "evaluation_types": list(EVALUATION_TYPES.labels.items()),
        "language_choices": _language_choices(),
        "checked_one_by_one": CHECKED_ONE_BY_ONE,
    }


def _save(values: dict[str, Any], entry: LibraryEntry | None):
    """Check and save; returns a response (redirect or the form again with errors)."""
    errors: dict[str, str] = {}
    status = 422
    if entry is None:
        values["id"] = _new_id(values, errors)
    expected: int | None = None
    if entry is not None:
        try:
            expected = int(values["revision"])
        except ValueError:
            expected = entry.revision
    record = None
    try:
        record = record_from_fields(_record_fields(values, entry.record.translation_of if entry else None))
    except RecordError as error:
        errors.setdefault(_form_field(error.field, values), record_error_message(error))
    if record is not None and not errors:
        try:
            saved = save_record(current_runtime(), record, expected_revision=expected)
        except HeadstartError as error:
            if error.field == "revision":
                current = get_entry(current_runtime(), record.id)
                values["revision"] = str(current.revision)  # sending again replaces their version, knowingly
                errors["revision"] = _(
                    "Someone else saved this record after you opened it. Your text is kept below. "
                    "Open the current version in another tab to compare; if you send this form again, "
                    "your version replaces theirs."
                )
                status = 409
            else:
                errors[_form_field(error.field, values)] = error.message
        else:
            if entry is None:
                flash(_("The practice “%(title)s” was added to the library.", title=saved.record.title))
            else:
                flash(_("Your changes to “%(title)s” were saved.", title=saved.record.title))
            return redirect(url_for("library.document", record_id=saved.record.id))
    return render("library/form.html", status=status, **_form_context(values, errors, entry))


def _require_editor() -> None:
    if not can_edit_library(current_user()):
        abort(403)


@library.route("/library/new", methods=["GET", "POST"])
@roles_required("practitioner")
def new():
    _require_editor()
    if request.method == "POST":
        return _save(_values_from_form("practice", None), None)
    blank = LibraryRecord(id="new-practice", kind="practice", title="", language=current_language())
    values = _values_from_record(blank, None)
    values["id"] = ""
    return render("library/form.html", **_form_context(values, {}, None))


@library.route("/library/<record_id>/edit", methods=["GET", "POST"])
@roles_required("practitioner")
def edit(record_id: str):
    _require_editor()
    entry = get_entry(current_runtime(), record_id)
    if request.method == "POST":
        return _save(_values_from_form(entry.record.kind, entry.record), entry)
    return render("library/form.html", **_form_context(_values_from_record(entry.record, entry.revision), {}, entry))


@library.post("/library/check")
@roles_required("practitioner")
def check_field():
    """One field of the form checked as the user leaves it: the field again, with its error."""
    _require_editor()
    name = htmx.trigger_name or request.form.get("field", "")
    if name not in CHECKED_ONE_BY_ONE:
        abort(400)
    kind = request.form.get("kind") if request.form.get("kind") in DOCUMENT_KINDS.labels else "practice"
    values = _values_from_form(kind, None)
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {"id": "checked-record", "kind": kind, "title": "-", "language": "en", "sources": ["-"]}
    complete = _record_fields(values, None)
    if name in ("period_start", "period_end"):
        fields["period"] = {"start": complete["period"]["start"], "end": complete["period"]["end"]} if kind == "practice" else None
    elif name == "id":
        if values["id"].strip():
            fields["id"] = values["id"].strip().lower()
            if request.form.get("is_new") == "yes":
                _new_id(values, errors)
    elif name in complete:
        fields[name] = complete[name]
    if not errors:
        try:
            record_from_fields({key: value for key, value in fields.items() if value is not None})
        except RecordError as error:
            if _form_field(error.field, values) == name:
                errors[name] = record_error_message(error)
    return render_template("library/_check_field.html", name=name, **_form_context(values, errors, None)), (
        422 if errors else 200
    )
