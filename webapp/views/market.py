"""The marketplace: vacancies and service offers to browse, post and manage, and the
candidates an employer may see for a vacancy.

Lists are GET forms whose filters are query parameters (htmx swaps the results and
pushes the URL); posting forms are plain forms that re-render with every problem next to
its field (422). The organisation of a vacancy or an offer is always the poster's own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

from core.db import session_scope
from core.errors import NotFound
from core.organisations.models import Organisation
from core.validation import FieldProblem
from matching import access, contact_requests, esco, marketplace, pipeline, records
from matching.candidates import CandidateMatch, review_candidates
from matching.cefr import LEVELS
from matching.identity import MigrantIdentity
from matching.models import (
    FairRecruitment,
    ServiceOffer,
    ServiceOfferInput,
    Vacancy,
    VacancyInput,
)
from matching.taxonomy import concept_labels, isco_group_labels
from matching.texts import encode_vacancy_texts
from webapp.api_matching import anonymised_profile_json
from webapp.current import current_runtime
from webapp.esco_picker import picker_state
from webapp.formatting import (
    cefr_descriptions,
    country_name,
    language_name,
    stage_names,
)
from webapp.i18n import current_language
from webapp.rendering import render
from webapp.security import current_user, roles_required

blueprint = market = Blueprint("market", __name__)

LANGUAGE_ROWS = 3  # empty language rows offered on the vacancy form (at least)
PICKER_FIELDS = {"occupation": "occupation", "essential_skills": "skill", "optional_skills": "skill", "skills_taught": "skill"}



def _session() -> Session:
    return Session(current_runtime().engine, expire_on_commit=False)


# ---------------------------------------------------------------------------- choices for forms


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, by name in the reader's language."""
    import pycountry

    codes = {country.alpha_2 for country in pycountry.countries} | {"XK"}
    return sorted(((code, country_name(code)) for code in codes), key=lambda item: item[1].casefold())


def language_choices(*extra: str) -> list[tuple[str, str]]:
    codes = set(marketplace.FORM_LANGUAGES) | {code for code in extra if code}
    return sorted(((code, language_name(code)) for code in codes), key=lambda item: item[1].casefold())


def route_names() -> dict[str, str]:
    return {
        "work_permit": _("Work permit"),
        "eu_blue_card": _("EU Blue Card"),
        "seasonal_work": _("Seasonal work permit"),
        "skilled_worker_visa": _("Skilled worker visa"),
        "intra_eu_mobility": _("Free movement within the EU"),
        "other": _("Other route"),
    }


def contract_names() -> dict[str, str]:
    return {
        "permanent": _("Permanent"),
        "fixed_term": _("Fixed term"),
        "seasonal": _("Seasonal"),
        "temporary": _("Temporary"),
        "apprenticeship": _("Apprenticeship"),
    }


def status_names() -> dict[str, str]:
    return {"draft": _("Draft (not shown)"), "open": _("Open"), "filled": _("Filled"), "closed": _("Closed")}


def period_names() -> dict[str, str]:
    return {"hour": _("per hour"), "month": _("per month"), "year": _("per year")}


def offer_kind_names() -> dict[str, str]:
    return {
        "language_course": _("Language course"),
        "skills_assessment": _("Skills assessment"),
        "recognition": _("Recognition of qualifications"),
        "vocational_training": _("Vocational training"),
        "orientation": _("Pre-departure orientation"),
    }


def mode_names() -> dict[str, str]:
    return {"in_person": _("In person"), "online": _("Online"), "blended": _("Online and in person")}




def education_names() -> dict[int, str]:
    """ISCED 2011 levels in plain words."""
    return {
        0: _("Early childhood education"),
        1: _("Primary education"),
        2: _("Lower secondary education"),
        3: _("Upper secondary education"),
        4: _("Post-secondary vocational education"),
        5: _("Short-cycle tertiary education"),
        6: _("Bachelor's degree or equivalent"),
        7: _("Master's degree or equivalent"),
        8: _("Doctorate or equivalent"),
    }


def _names() -> dict[str, Any]:
    return {
        "route_names": route_names(),
        "contract_names": contract_names(),
        "status_names": status_names(),
        "period_names": period_names(),
        "offer_kind_names": offer_kind_names(),
        "mode_names": mode_names(),
        "education_names": education_names(),
        "levels": LEVELS,
    }


# ---------------------------------------------------------------------------- vacancies: browse


@market.get("/vacancies")
def vacancies():
    filters = marketplace.VacancyFilters.from_args(request.args)
    with _session() as session:
        page = marketplace.list_vacancies(session, filters, language=current_language())
    return render("market/vacancies.html", "market/_vacancy_search.html", results=page, filters=page.filters, **_names())


def _visible(session: Session, vacancy: Vacancy) -> bool:
    """Drafts, and the vacancies of an employer not verified (pending or suspended), only to those who manage them."""
    if access.can_manage_vacancy(current_user(), vacancy):
        return True
    employer = session.get(Organisation, vacancy.employer_id) if vacancy.employer_id is not None else None
    return vacancy.status != "draft" and employer is not None and employer.verified


def _load_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    try:
        vacancy = records.get_vacancy(session, vacancy_id)
    except NotFound:
        abort(404)
    if not _visible(session, vacancy):
        abort(404)
    return vacancy


def _managed_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    """The vacancy, if this person manages it: 404 when they cannot see it, 403 otherwise."""
    vacancy = _load_vacancy(session, vacancy_id)
    if not access.can_manage_vacancy(current_user(), vacancy):
        abort(403)
    return vacancy


@market.get("/vacancies/<int:vacancy_id>")
def vacancy(vacancy_id: int):
    with _session() as session:
        item = _load_vacancy(session, vacancy_id)
        uris = set(item.essential_skills + item.optional_skills) | ({item.occupation_uri} if item.occupation_uri else set())
        labels = concept_labels(session, uris, current_language())
        isco = marketplace.occupation_isco_code(session, item.occupation_uri) if item.occupation_uri else None
        group = isco_group_labels(session, {isco}, current_language()).get(isco, "") if isco else ""
        employer = session.get(Organisation, item.employer_id) if item.employer_id is not None else None
        manages = access.can_manage_vacancy(current_user(), item)
        counts = pipeline.stage_counts(session, vacancy_id) if manages else {}
    return render(
        "market/vacancy.html",
        vacancy=item,
        employer=employer,
        labels=labels,
        isco_code=isco,
        isco_group=group,
        route=item.route(),
        fair=FairRecruitment.model_validate(item.fair_recruitment or {}),
        requirements=item.language_requirements(),
        manages=manages,
        stage_counts=counts,
        stage_names=stage_names(),
        today=date.today().isoformat(),
        **_names(),
    )


# ---------------------------------------------------------------------------- vacancies: manage


@market.get("/my/vacancies")
@roles_required("employer")
def my_vacancies():
    user = current_user()
    employer = None if access.is_admin(user) and user.organisation_id is None else user.organisation_id
    with _session() as session:
        items = marketplace.vacancies_for_employer(session, employer)
        organisation = session.get(Organisation, user.organisation_id) if user.organisation_id is not None else None
    return render("market/my_vacancies.html", vacancies=items, organisation=organisation, **_names())


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _codes(text: str) -> list[str]:
    return [part.strip().upper() for part in text.replace(";", ",").replace(" ", ",").split(",") if part.strip()]


def _language_rows(form: MultiDict) -> list[dict[str, Any]]:
    rows = []
    index = 0
    while f"lang-{index}-language" in form or f"lang-{index}-level" in form:
        rows.append(
            {
                "language": form.get(f"lang-{index}-language", "").strip(),
                "min_level": form.get(f"lang-{index}-level", "").strip(),
                "trainable": bool(form.get(f"lang-{index}-trainable")),
            }
        )
        index += 1
    return rows


def _chosen(form: MultiDict, name: str) -> list[str]:
    return [value for value in form.getlist(name) if value.strip()]


def _vacancy_data(form: MultiDict, *, employer: str, existing: Vacancy | None) -> dict[str, Any]:
    """VacancyInput fields from the form; the employer comes from the account, never the form."""
    occupation = _chosen(form, "occupation")
    languages = [row for row in _language_rows(form) if row["language"] or row["min_level"]]
    fair = {
        "no_fees_to_worker": bool(form.get("fair_no_fees")),
        "contract_languages": _chosen(form, "fair_contract_languages"),
        # Only an MRC verifies an employer: the form never sets it and an edit keeps it.
        "verified_by_mrc": (existing.fair_recruitment or {}).get("verified_by_mrc") if existing else None,
    }
    return {
        "external_id": existing.external_id if existing else None,
        "employer": employer,
        "title": form.get("title", "").strip(),
        "occupation_uri": occupation[-1] if occupation else None,
        "description": form.get("description", "").strip(),
        "essential_skills": _chosen(form, "essential_skills"),
        "optional_skills": _chosen(form, "optional_skills"),
        "country": form.get("country", "").strip(),
        "city": form.get("city", "").strip(),
        "languages": languages,
        "education_level": _blank(form.get("education_level")),
        "contract_type": form.get("contract_type", "permanent"),
        "hours_per_week": _blank(form.get("hours_per_week")),
        "salary_min": _blank(form.get("salary_min")),
        "salary_max": _blank(form.get("salary_max")),
        "salary_currency": _blank((form.get("salary_currency") or "").upper()),
        "salary_period": _blank(form.get("salary_period")),
        "legal_route": {
            "type": form.get("route_type", "work_permit"),
            "name": form.get("route_name", "").strip(),
            "employer_sponsors": bool(form.get("route_sponsors")),
            "eligible_origin_countries": _codes(form.get("route_origins", "")),
            "min_education_level": _blank(form.get("route_min_education")),
            "requires_recognised_qualification": bool(form.get("route_recognised")),
        },
        "fair_recruitment": fair,
        "date_posted": existing.date_posted.isoformat() if existing and existing.date_posted else None,
        "valid_through": _blank(form.get("valid_through")),
        "status": form.get("status", "open"),
    }


def _vacancy_values(vacancy: Vacancy) -> MultiDict:
    """A stored vacancy as the form's fields."""
    route = vacancy.route()
    fair = FairRecruitment.model_validate(vacancy.fair_recruitment or {})
    items: list[tuple[str, Any]] = [
        ("title", vacancy.title),
        ("description", vacancy.description),
        ("country", vacancy.country),
        ("city", vacancy.city),
        ("education_level", "" if vacancy.education_level is None else str(vacancy.education_level)),
        ("contract_type", vacancy.contract_type),
        ("hours_per_week", _number(vacancy.hours_per_week)),
        ("salary_min", _number(vacancy.salary_min)),
        ("salary_max", _number(vacancy.salary_max)),
        ("salary_currency", vacancy.salary_currency or ""),
        ("salary_period", vacancy.salary_period or ""),
        ("route_type", route.type),
        ("route_name", route.name),
        ("route_origins", ", ".join(route.eligible_origin_countries)),
        ("route_min_education", "" if route.min_education_level is None else str(route.min_education_level)),
        ("valid_through", vacancy.valid_through.isoformat() if vacancy.valid_through else ""),
        ("status", vacancy.status),
    ]
    if route.employer_sponsors:
        items.append(("route_sponsors", "1"))
    if route.requires_recognised_qualification:
        items.append(("route_recognised", "1"))
    if fair.no_fees_to_worker:
        items.append(("fair_no_fees", "1"))
    items += [("fair_contract_languages", code) for code in fair.contract_languages]
    if vacancy.occupation_uri:
        items.append(("occupation", vacancy.occupation_uri))
    items += [("essential_skills", uri) for uri in vacancy.essential_skills]
    items += [("optional_skills", uri) for uri in vacancy.optional_skills]
    for index, requirement in enumerate(vacancy.language_requirements()):
        items += [(f"lang-{index}-language", requirement.language), (f"lang-{index}-level", requirement.min_level)]
        if requirement.trainable:
            items.append((f"lang-{index}-trainable", "1"))
    return MultiDict(items)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _vacancy_field(location: str) -> str:
    """The form field a problem concerns (input_errors names model fields)."""
    parts = location.split(".")
    head = parts[0]
    if head == "occupation_uri":
        return "occupation"
    if head == "languages":
        return f"lang-{parts[1]}" if len(parts) > 1 and parts[1].isdigit() else "languages"
    if head == "legal_route":
        sub = parts[1] if len(parts) > 1 else ""
        return {"name": "route_name", "eligible_origin_countries": "route_origins", "min_education_level": "route_min_education"}.get(sub, "route_type")
    if head == "fair_recruitment":
        return "fair_contract_languages"
    return head


def _vacancy_messages() -> dict[str, str]:
    return {
        "title": _("Give the job a title (at most 300 characters)."),
        "country": _("Choose the country where the job is."),
        "occupation": _("Choose an occupation from the suggestions."),
        "essential_skills": _("Choose skills from the suggestions."),
        "optional_skills": _("A skill cannot be both essential and optional: untick it in one of the lists."),
        "hours_per_week": _("Hours per week: a number above 0 and at most 80."),
        "salary_min": _("The salary must be a number, 0 or more."),
        "salary_currency": _("Give the salary's currency as a three-letter code such as EUR."),
        "route_origins": _("Use two-letter country codes such as PH or MA, separated by commas."),
        "valid_through": _("Enter a date (YYYY-MM-DD) that is not before the day the vacancy was posted."),
        "languages": _("Each language can be listed once."),
        "contract_type": _("Choose a kind of contract from the list."),
        "status": _("Choose a status from the list."),
    }


def _errors_for_form(raw: dict[str, FieldProblem], field_of, messages: dict[str, str]) -> dict[str, str]:
    """Each problem in the reader's words, next to the form field it concerns."""
    errors: dict[str, str] = {}
    for location, problem in raw.items():
        name = field_of(location)
        if name.startswith("lang-"):
            text = _("Choose a language and its minimum level.")
        elif problem.code == "salary_order":
            text = _("The highest salary is below the lowest.")
        elif name == "salary_max":
            text = messages["salary_min"]
        else:
            text = messages.get(name, problem.message)
        errors.setdefault(name, text)
    return errors


def _vacancy_form(values: MultiDict, errors: dict[str, str], *, vacancy: Vacancy | None, look_up: str = "", status: int = 200):
    runtime = current_runtime()
    pickers = {
        name: picker_state(
            runtime, name, PICKER_FIELDS[name], _chosen(values, name),
            query=values.get(f"{name}_q", ""), look_up=look_up == name,
        )
        for name in ("occupation", "essential_skills", "optional_skills")
    }  # fmt: skip
    occupation = _chosen(values, "occupation")
    can_fill = False
    if occupation and not _chosen(values, "essential_skills") and not _chosen(values, "optional_skills"):
        relations = esco.occupation_skills(runtime.engine, occupation[-1])
        can_fill = bool(relations.get("essential") or relations.get("optional"))
    rows = _language_rows(values)
    rows += [{"language": "", "min_level": "", "trainable": False}] * max(0, LANGUAGE_ROWS - len(rows))
    if len(rows) == len([r for r in rows if r["language"]]):
        rows.append({"language": "", "min_level": "", "trainable": False})
    user = current_user()
    return render(
        "market/vacancy_form.html",
        status=status,
        values=values,
        errors=errors,
        vacancy=vacancy,
        pickers=pickers,
        can_fill_skills=can_fill,
        language_rows=rows,
        countries=country_choices(),
        languages=language_choices(*[r["language"] for r in rows], *values.getlist("fair_contract_languages")),
        cefr=cefr_choices(),
        ask_employer=vacancy is None and not (user and user.organisation),
        **_names(),
    )


def cefr_choices() -> list[tuple[str, str]]:
    descriptions = cefr_descriptions()
    return [(level, descriptions[level]) for level in LEVELS]


def _fill_skills(values: MultiDict) -> MultiDict:
    occupation = _chosen(values, "occupation")
    relations = esco.occupation_skills(current_runtime().engine, occupation[-1]) if occupation else {}
    filled = MultiDict([(k, v) for k, v in values.items(multi=True) if k not in ("essential_skills", "optional_skills")])
    for uri in relations.get("essential", []):
        filled.add("essential_skills", uri)
    for uri in relations.get("optional", []):
        filled.add("optional_skills", uri)
    return filled


def _employer_for(vacancy: Vacancy | None, form: MultiDict) -> str:
    if vacancy is not None:
        return vacancy.employer
    user = current_user()
    if user and user.organisation:
        return user.organisation
    return form.get("employer", "").strip()  # an admin without an organisation names one


def _save_vacancy(vacancy: Vacancy | None):
    form = request.form
    look_up = form.get("look_up", "")
    if look_up in ("occupation", "essential_skills", "optional_skills"):
        return _vacancy_form(form, {}, vacancy=vacancy, look_up=look_up)
    if form.get("fill_skills"):
        return _vacancy_form(_fill_skills(form), {}, vacancy=vacancy)
    data = _vacancy_data(form, employer=_employer_for(vacancy, form), existing=vacancy)
    parsed, raw = marketplace.input_errors(VacancyInput, data)
    if raw:
        messages = _vacancy_messages()
        messages["employer"] = _("Name the employer.")
        return _vacancy_form(form, _errors_for_form(raw, _vacancy_field, messages), vacancy=vacancy, status=422)
    with session_scope(current_runtime().engine) as session:
        if vacancy is None:
            employer = access.posting_organisation(session, current_user())
            saved, created = records.create_vacancy(session=session, data=parsed, employer=employer)  # type: ignore[arg-type]
            if not created:
                flash(_("This vacancy was posted already; the existing one is shown."))
        else:
            saved = records.update_vacancy(session=session, vacancy=session.get(Vacancy, vacancy.id), data=parsed)  # type: ignore[arg-type]
        session.flush()
        saved_id = saved.id
    encode_vacancy_texts(current_runtime(), [saved_id])
    if vacancy is None:
        flash(_("The vacancy is saved."))
    else:
        flash(_("Your changes are saved."))
    return redirect(url_for("market.vacancy", vacancy_id=saved_id))


@market.route("/vacancies/new", methods=["GET", "POST"])
@roles_required("employer")
def new_vacancy():
    if request.method == "POST":
        return _save_vacancy(None)
    return _vacancy_form(MultiDict([("status", "open")]), {}, vacancy=None)


@market.route("/vacancies/<int:vacancy_id>/edit", methods=["GET", "POST"])
@roles_required("employer")
def edit_vacancy(vacancy_id: int):
    with _session() as session:
        item = _managed_vacancy(session, vacancy_id)
    if request.method == "POST":
        return _save_vacancy(item)
    return _vacancy_form(_vacancy_values(item), {}, vacancy=item)


@market.post("/vacancies/<int:vacancy_id>/close")
@roles_required("employer")
def close_vacancy(vacancy_id: int):
    with session_scope(current_runtime().engine) as session:
        marketplace.close_vacancy(session=session, vacancy=_managed_vacancy(session, vacancy_id))
    flash(_("The vacancy is closed: it no longer appears in lists and matches."))
    return redirect(url_for("market.vacancy", vacancy_id=vacancy_id))


@market.get("/vacancies/<int:vacancy_id>/candidates")
@roles_required("employer")
def candidates(vacancy_id: int):
    with _session() as session:
        item = _managed_vacancy(session, vacancy_id)
    contact_requests.expire_due(current_runtime().engine, vacancy_id=vacancy_id)
    review = review_candidates(current_runtime(), actor=current_user(), vacancy_id=vacancy_id, top=20)
    shown = [_candidate_card(match, review.identities, vacancy_id) for match in review.matches]
    for card, match in zip(shown, review.matches):
        card["entry"] = review.entries.get(match.profile.id or 0)
    return render(
        "market/candidates.html", vacancy=item, candidates=shown, taxonomy=review.taxonomy, names=review.labels,
        education_names=education_names(), moves=pipeline.MOVES, needs_consent=pipeline.NEEDS_CONSENT,
        stage_names=stage_names(), requests=_open_requests(review),
    )  # fmt: skip


def _open_requests(review) -> dict[int, Any]:
    """The open contact request of each listed candidate, by pipeline entry."""
    with _session() as session:
        return {entry.id: found for entry in review.entries.values()
                if (found := contact_requests.open_request_of_entry(session, entry.id or 0)) is not None}  # fmt: skip


def _candidate_card(match: CandidateMatch, identities: dict[int, MigrantIdentity], vacancy_id: int) -> dict[str, Any]:
    card: dict[str, Any] = {"identified": match.identified, "explanation": match.explanation}
    # The weakest stated sub-skill is the level that counts (matching.cefr).
    card["languages"] = [
        (item.language, None if item.native else (LEVELS[item.usable_level - 1] if item.usable_level else ""))
        for item in match.profile.language_skills()
    ]
    if match.identified:
        card["identity"] = identities.get(match.profile.id or 0)
        card["summary"] = match.profile.summary
    card["profile"] = anonymised_profile_json(match.profile, vacancy_id)
    return card


# ---------------------------------------------------------------------------- offers


@market.get("/offers")
def offers():
    filters = marketplace.OfferFilters.from_args(request.args)
    with _session() as session:
        page = marketplace.list_offers(session, filters)
        labels = concept_labels(session, {uri for offer in page.offers for uri in offer.skills_taught})
    user = current_user()
    manageable = {offer.id for offer in page.offers if access.can_manage_offer(user, offer)}
    return render(
        "market/offers.html", "market/_offer_search.html", results=page, filters=page.filters,
        skill_labels=labels, manageable=manageable, **_names(),
    )  # fmt: skip


@market.get("/my/offers")
@roles_required("provider")
def my_offers():
    user = current_user()
    provider = None if access.is_admin(user) and user.organisation_id is None else user.organisation_id
    with _session() as session:
        items = marketplace.offers_for_provider(session, provider)
        labels = concept_labels(session, {uri for offer in items for uri in offer.skills_taught})
        organisation = session.get(Organisation, user.organisation_id) if user.organisation_id is not None else None
    return render("market/my_offers.html", offers=items, skill_labels=labels, organisation=organisation, **_names())


def _offer_data(form: MultiDict, *, provider: str, existing: ServiceOffer | None) -> dict[str, Any]:
    return {
        "external_id": existing.external_id if existing else None,
        "provider": provider,
        "kind": form.get("kind", ""),
        "title": form.get("title", "").strip(),
        "description": form.get("description", "").strip(),
        "country": form.get("country", "").strip(),
        "languages": _chosen(form, "languages"),
        "language_taught": _blank(form.get("language_taught")),
        "level_reached": _blank(form.get("level_reached")),
        "skills_taught": _chosen(form, "skills_taught"),
        "destination_countries": _chosen(form, "destination_countries"),
        "mode": form.get("mode", "in_person"),
        "cost": _blank(form.get("cost")) or 0,
        "cost_currency": _blank((form.get("cost_currency") or "").upper()),
        "duration_weeks": _blank(form.get("duration_weeks")),
        "url": form.get("url", "").strip(),
    }


def _offer_values(offer: ServiceOffer) -> MultiDict:
    items: list[tuple[str, Any]] = [
        ("kind", offer.kind),
        ("title", offer.title),
        ("description", offer.description),
        ("country", offer.country),
        ("language_taught", offer.language_taught or ""),
        ("level_reached", offer.level_reached or ""),
        ("mode", offer.mode),
        ("cost", _number(offer.cost)),
        ("cost_currency", offer.cost_currency or ""),
        ("duration_weeks", _number(offer.duration_weeks)),
        ("url", offer.url),
    ]
    items += [("languages", code) for code in offer.languages]
    items += [("skills_taught", uri) for uri in offer.skills_taught]
    items += [("destination_countries", code) for code in offer.destination_countries]
    return MultiDict(items)


def _offer_messages() -> dict[str, str]:
    return {
        "kind": _("Choose what kind of service this is."),
        "title": _("Give the offer a title (at most 300 characters)."),
        "country": _("Choose the country where the provider works."),
        "language_taught": _("A language course names the language it teaches and the level it reaches."),
        "level_reached": _("Choose a CEFR level from the list."),
        "cost": _("The cost must be a number, 0 or more."),
        "cost_currency": _("Give the currency as a three-letter code such as EUR."),
        "duration_weeks": _("The duration in weeks must be a number above 0 and at most 520."),
        "mode": _("Choose how the offer is given."),
        "skills_taught": _("Choose skills from the suggestions."),
        "url": _("The web address may have at most 500 characters."),
        "provider": _("Name the provider."),
    }


def _offer_form(values: MultiDict, errors: dict[str, str], *, offer: ServiceOffer | None, look_up: str = "", status: int = 200):
    picker = picker_state(
        current_runtime(), "skills_taught", "skill", _chosen(values, "skills_taught"),
        query=values.get("skills_taught_q", ""), look_up=look_up == "skills_taught",
    )  # fmt: skip
    user = current_user()
    return render(
        "market/offer_form.html",
        status=status,
        values=values,
        errors=errors,
        offer=offer,
        picker=picker,
        countries=country_choices(),
        languages=language_choices(*values.getlist("languages"), values.get("language_taught", "")),
        cefr=cefr_choices(),
        ask_provider=offer is None and not (user and user.organisation),
        **_names(),
    )


def _managed_offer(session: Session, offer_id: int) -> ServiceOffer:
    try:
        offer = records.get_offer(session, offer_id)
    except NotFound:
        abort(404)
    if not access.can_manage_offer(current_user(), offer):
        abort(403)
    return offer


def _save_offer(offer: ServiceOffer | None):
    form = request.form
    if form.get("look_up") == "skills_taught":
        return _offer_form(form, {}, offer=offer, look_up="skills_taught")
    user = current_user()
    provider = offer.provider if offer else ((user.organisation if user else "") or form.get("provider", "").strip())
    parsed, raw = marketplace.input_errors(ServiceOfferInput, _offer_data(form, provider=provider, existing=offer))
    if raw:
        messages = _offer_messages()
        errors = _errors_for_form(raw, lambda location: location.split(".")[0], messages)
        return _offer_form(form, errors, offer=offer, status=422)
    with session_scope(current_runtime().engine) as session:
        if offer is None:
            provider = access.posting_organisation(session, current_user())
            saved = records.create_offer(session=session, data=parsed, provider=provider)  # type: ignore[arg-type]
        else:
            saved = records.update_offer(session=session, offer=session.get(ServiceOffer, offer.id), data=parsed)  # type: ignore[arg-type]
        session.flush()
        saved_id = saved.id
    flash(_("The offer is saved.") if offer is None else _("Your changes are saved."))
    return redirect(url_for("market.my_offers", _anchor=f"offer-{saved_id}"))


@market.route("/offers/new", methods=["GET", "POST"])
@roles_required("provider")
def new_offer():
    if request.method == "POST":
        return _save_offer(None)
    return _offer_form(MultiDict([("mode", "in_person"), ("cost", "0")]), {}, offer=None)


@market.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@roles_required("provider")
def edit_offer(offer_id: int):
    with _session() as session:
        offer = _managed_offer(session, offer_id)
    if request.method == "POST":
        return _save_offer(offer)
    return _offer_form(_offer_values(offer), {}, offer=offer)
