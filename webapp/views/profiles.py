"""Skill profiles: the step-by-step builder, caseworker mode, the printable page, matches.

Views only read the form, call matching/profile_builder.py and matching/records.py, and
render. Every profile is loaded through `_load`, which answers 404 to anyone who may not
see it (matching/access.py), so nobody learns that someone else's profile exists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext
from sqlmodel import Session

from core.accounts import audit
from core.accounts.users import UI_LANGUAGES, find_user
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from matching import (
    alerts,
    case_notes,
    consent_reminders,
    contact_requests,
    erasure,
    profile_builder,
)
from matching.access import (
    acts_for_migrant,
    can_create_profile,
    can_edit_profile,
    can_see_identity,
    can_view_profile,
    holds_profile,
    is_admin,
)
from matching.caseload import caseload, heading
from matching.consent_form import (
    CONSENT_DAYS,
    active_consents,
    consent_recipients,
    parse_consent_form,
)
from matching.gaps import matches_with_gaps
from matching.identity import (
    MESSAGING_APPS,
    identity_form_values,
    identity_of,
    identity_values,
    parse_identity,
)
from matching.models import SkillProfile
from matching.pipeline import processes_of
from matching.profile_builder import CASEWORKER_STEPS, STEPS, Errors
from matching.profile_service import (
    grant_profile_consent,
    save_profile_changes,
    withdraw_profile_consent,
)
from matching.referral_models import STATUS_NAMES
from matching.referral_moves import referrals_seen_by
from matching.referrals import may_refer
from matching.suggestion import extract_skills
from webapp.current import current_runtime
from webapp.esco_picker import concept_labels, picker_state
from webapp.formatting import stage_names
from webapp.i18n import current_language
from webapp.rendering import render
from webapp.security import current_user, roles_required

blueprint = profiles = Blueprint("profiles", __name__)

PROFILE_ROLES = ("migrant", "practitioner")  # and admin, who passes every role check
TOP_MATCHES = 10

# Form fields of each step, so that an error the model names lands next to its input.
STEP_FIELDS = {
    "about": {"origin_countries", "residence_country", "destination_countries", "available_from", "summary",
              "full_name", "phone", "email", "messaging_app", "messaging_handle"},
    "work": {"occupations", "qualifications", "education_level"},
    "skills": {"skills", "free_text_skills", "cv_text"},
    "languages": {"languages"},
    "consent": {"consent_to_matching"},
}
CASEWORKER_FIELDS = set().union(*(STEP_FIELDS[step] for step in CASEWORKER_STEPS))



def _engine():
    return current_runtime().engine


def _messages(problems: Errors) -> dict[str, str]:
    return {name: gettext(problem.message, **problem.params) for name, problem in problems.items()}


def _load(db: Session, profile_id: int) -> SkillProfile:
    profile = db.get(SkillProfile, profile_id)
    if profile is None or not can_view_profile(db, current_user(), profile):
        abort(404)
    return profile


def _load_editable(db: Session, profile_id: int) -> SkillProfile:
    profile = _load(db, profile_id)
    if not can_edit_profile(db, current_user(), profile):
        abort(403)
    return profile


def _read(profile_id: int) -> SkillProfile:
    with Session(_engine(), expire_on_commit=False) as db:
        profile = _load(db, profile_id)
        db.expunge(profile)
    return profile


def _audit_view(profile_id: int, detail: str = "") -> None:
    """Record that the signed-in person read this profile (core/accounts/audit.py)."""
    with session_scope(_engine()) as db:
        audit.record(db, current_user(), "view", "profile", profile_id, detail)


def _profile_labels(profile: SkillProfile) -> dict[str, str]:
    uris = list(profile.skills) + [o.uri for o in profile.occupations_held() if o.uri]
    return concept_labels(current_runtime(), uris) if uris else {}


def _is_practitioner(user) -> bool:
    return user is not None and (user.role == "practitioner" or is_admin(user))


def _owns(profile: SkillProfile) -> bool:
    """Only the migrant owning it, or the MRC holding it for them (or an admin), deletes a
    profile or gives and withdraws its consents; a practitioner who sees it through an MRC
    consent may not consent for the person."""
    return acts_for_migrant(current_user(), profile)


def _identity_shown(profile: SkillProfile | None) -> bool:
    """Whether the name and contact fields are on the form: for those who may see them
    (a new profile: whoever makes it, an admin excepted)."""
    user = current_user()
    if profile is None:
        return user is not None and not is_admin(user)
    with Session(_engine()) as db:
        return can_see_identity(db, user, profile)


def _stored_values(profile: SkillProfile | None, steps: tuple[str, ...]) -> dict[str, Any]:
    """What the form shows for these steps: the profile's values, and on the first step
    the migrant's name and contact for those who may see them."""
    values: dict[str, Any] = {}
    for step in steps:
        values.update(profile_builder.profile_values(profile, step, current_language()))
    if "about" in steps and _identity_shown(profile):
        with Session(_engine()) as db:
            values.update(identity_values(identity_of(db, profile.id or 0) if profile else None), show_identity=True)
    return values


def _sent_identity(profile: SkillProfile | None, steps: tuple[str, ...], values: dict[str, Any]):
    """The name and contact the form sent (None: not on this form), with their problems."""
    if "about" not in steps or not _identity_shown(profile):
        return None, {}
    values.update(identity_form_values(request.form), show_identity=True)
    return parse_identity(values)


def _messaging_apps() -> list[tuple[str, str]]:
    names = {"whatsapp": "WhatsApp", "signal": "Signal", "telegram": "Telegram", "viber": "Viber", "other": gettext("Another app")}
    return [(app, names[app]) for app in MESSAGING_APPS]


_may_delete = _owns


# ---------------------------------------------------------------------------- list


@profiles.get("/profiles")
@roles_required(*PROFILE_ROLES)
def index():
    user = current_user()
    with Session(_engine(), expire_on_commit=False) as db:
        items = caseload(db, user)
    return render("profiles/index.html", items=items, practitioner=_is_practitioner(user))


# ---------------------------------------------------------------------------- the steps


def _step_context(step: str, values: dict[str, Any], look_up: str | None) -> dict[str, Any]:
    """Picker states for the ESCO fields of a step (with options after a Look up)."""
    runtime = current_runtime()
    context: dict[str, Any] = {}
    if step == "work":
        context["occ_pickers"] = [
            picker_state(
                runtime, f"occ{i}_uri", "occupation", [row["uri"]] if row["uri"] else [],
                query=row["query"], look_up=look_up == f"occ{i}_uri",
            )
            for i, row in enumerate(values["occupations"])
        ]
    elif step == "skills":
        context["skills_picker"] = picker_state(
            runtime, "skills", "skill", values["skills"], query=values["skills_q"], look_up=look_up == "skills"
        )
    return context


def _render_step(step: str, profile: SkillProfile | None, values: dict[str, Any], errors: dict[str, str], *,
                 status: int = 200, look_up: str | None = None, notice: str | None = None, grant: dict | None = None,
                 grant_errors: dict[str, str] | None = None):
    language = current_language()
    context = _step_context(step, values, look_up)
    if step == "consent" and profile is not None:
        with Session(_engine()) as db:
            context["consents"] = active_consents(db, profile.id or 0)
            context["recipients"] = consent_recipients(db)
        context["grant"] = grant or {"recipient_id": "", "days": "180"}
        context["grant_errors"] = grant_errors or {}
        context["may_consent"] = _owns(profile)
    action = url_for("profiles.edit", profile_id=profile.id, step=step) if profile else url_for("profiles.new")
    back = None
    previous = profile_builder.previous_step(step)
    if profile is not None and previous:
        back = url_for("profiles.edit", profile_id=profile.id, step=previous)
    elif profile is not None:
        back = url_for("profiles.view", profile_id=profile.id)
    else:
        back = url_for("profiles.index")
    return render(
        "profiles/step.html",
        step=step,
        steps=STEPS,
        step_number=profile_builder.step_number(step),
        profile=profile,
        values=values,
        errors=errors,
        action=action,
        back=back,
        notice=notice,
        countries=profile_builder.country_choices(language),
        languages=profile_builder.language_choices(language),
        recognition_statuses=profile_builder.RECOGNITION_STATUSES,
        isced_levels=profile_builder.ISCED_LEVELS,
        consent_days=CONSENT_DAYS,
        messaging_apps=_messaging_apps(),
        second_lang=None,
        status=status,
        **context,
    )


def _place_error(error: HeadstartError, fields: set[str]) -> dict[str, str]:
    message = gettext(error.message)
    return {error.field if error.field in fields else "_form": message}


def _redirect_after_save(step: str, profile_id: int):
    action = request.form.get("action", "next")
    if action == "stay":
        return redirect(url_for("profiles.edit", profile_id=profile_id, step=step))
    following = profile_builder.next_step(step)
    if action == "finish" or following is None:
        return redirect(url_for("profiles.view", profile_id=profile_id))
    return redirect(url_for("profiles.edit", profile_id=profile_id, step=following))


def _step_post(step: str, profile: SkillProfile | None):
    """Look up, add a row, suggest from a CV (re-render), or save the step."""
    user = current_user()
    language = current_language()
    values = profile_builder.form_values(request.form, step)
    identity, identity_problems = _sent_identity(profile, (step,), values)
    look_up = request.form.get("look_up")
    action = request.form.get("action", "next")
    if look_up:
        return _render_step(step, profile, values, {}, look_up=look_up)
    if action.startswith("add_"):
        profile_builder.add_row(values, action.removeprefix("add_"))
        return _render_step(step, profile, values, {})
    if step == "skills" and action == "suggest":
        return _suggest_from_cv(profile, values)
    labels = concept_labels(current_runtime(), [row["uri"] for row in values["occupations"] if row["uri"]]) if step == "work" else {}
    changes, problems = profile_builder.parse_step(step, values, language=language, current=profile, labels=labels)
    problems.update(identity_problems)
    if problems:
        return _render_step(step, profile, values, _messages(problems), status=422)
    try:
        saved_id = save_profile_changes(
            current_runtime(), actor=user, profile_id=profile.id if profile else None, changes=changes,
            detail=f"step {step}", revision=request.form.get("revision"),
            choices=profile_builder.cv_choices(values, user.username) if step == "skills" else (), identity=identity,
        )  # fmt: skip
    except HeadstartError as error:
        status = 409 if error.field == "revision" else 422
        return _render_step(step, profile, values, _place_error(error, STEP_FIELDS[step]), status=status)
    if profile is None:
        flash(gettext("Your profile is started. Go on with the next step."))
    return _redirect_after_save(step, saved_id)


def _suggest_from_cv(profile: SkillProfile | None, values: dict[str, Any]):
    try:
        found = extract_skills(current_runtime(), values["cv_text"])
    except HeadstartError as error:
        message = gettext("Paste the text of your CV first.") if error.field == "text" and not values["cv_text"] else gettext(error.message)
        return _render_step("skills", profile, values, {"cv_text": message}, status=422)
    offers = profile_builder.cv_offers(found, exclude=set(values["skills"]))
    kept = [offer for offer in values["cv_offers"] if offer["uri"] not in {o["uri"] for o in offers}]
    values["cv_offers"] = offers + [offer for offer in kept if offer["ok"]]
    notice = None if offers else gettext("No skills were recognised in this text. Choose them in the list above instead.")
    return _render_step("skills", profile, values, {}, notice=notice)


@profiles.route("/profiles/new", methods=["GET", "POST"])
@roles_required(*PROFILE_ROLES)
def new():
    if not can_create_profile(current_user()):
        abort(403)
    if request.method == "POST":
        return _step_post("about", None)
    return _render_step("about", None, _stored_values(None, ("about",)), {})


@profiles.route("/profiles/<int:profile_id>/edit/<step>", methods=["GET", "POST"])
@roles_required(*PROFILE_ROLES)
def edit(profile_id: int, step: str):
    if step not in STEPS:
        abort(404)
    with Session(_engine(), expire_on_commit=False) as db:
        profile = _load_editable(db, profile_id)
        db.expunge(profile)
    if step == "consent" and request.method == "POST" and not _owns(profile):
        abort(403)
    if request.method == "POST":
        return _step_post(step, profile)
    return _render_step(step, profile, _stored_values(profile, (step,)), {})


# ---------------------------------------------------------------------------- consents


@profiles.post("/profiles/<int:profile_id>/consents")
@roles_required(*PROFILE_ROLES)
def grant(profile_id: int):
    profile = _owned_profile(profile_id)
    with Session(_engine()) as db:
        form, problems = parse_consent_form(request.form, consent_recipients(db))
    errors = _messages(problems)
    if form.recipient is not None and not errors:
        try:
            grant_profile_consent(current_runtime(), actor=current_user(), profile_id=profile_id, days=form.days,
                                  recipient_kind=form.recipient.kind, recipient_id=form.recipient.id)
        except HeadstartError as error:
            errors["recipient_id" if error.field == "recipient" else error.field or "recipient_id"] = gettext(error.message)
    if errors or form.recipient is None:
        values = _stored_values(profile, ("consent",))
        return _render_step("consent", profile, values, {}, status=422, grant=form.as_values(), grant_errors=errors)
    flash(gettext("%(recipient)s may now see your profile.", recipient=form.recipient.name))
    return redirect(url_for("profiles.edit", profile_id=profile_id, step="consent"))


@profiles.post("/profiles/<int:profile_id>/consents/<int:consent_id>/renew")
@roles_required(*PROFILE_ROLES)
def renew_consent(profile_id: int, consent_id: int):
    """One click from the reminder: the consent runs again for as long as it was given."""
    _owned_profile(profile_id)
    try:
        consent = consent_reminders.renew_consent(_engine(), actor=current_user(), profile_id=profile_id, consent_id=consent_id)
    except NotFound:
        abort(404)
    except HeadstartError as error:
        flash(gettext(error.message), "error")
    else:
        flash(gettext("Renewed: %(recipient)s may see your profile until %(date)s.", recipient=consent.recipient,
                      date=consent.expires_at.date().isoformat()))  # fmt: skip
    return redirect(url_for("profiles.edit", profile_id=profile_id, step="consent"))


def _owned_profile(profile_id: int) -> SkillProfile:
    """The profile, if the signed-in person may give and withdraw its consents (else 404 or 403)."""
    with Session(_engine(), expire_on_commit=False) as db:
        profile = _load_editable(db, profile_id)
        db.expunge(profile)
    if not _owns(profile):
        abort(403)
    return profile


@profiles.post("/profiles/<int:profile_id>/consents/withdraw")
@roles_required(*PROFILE_ROLES)
def withdraw(profile_id: int):
    _owned_profile(profile_id)
    recipient_id = request.form.get("recipient_id", "")
    recipient = request.form.get("recipient", "")  # a consent given before organisations were records
    count, name = withdraw_profile_consent(
        current_runtime(), actor=current_user(), profile_id=profile_id, recipient=recipient,
        recipient_id=int(recipient_id) if recipient_id.isascii() and recipient_id.isdigit() else None,
    )  # fmt: skip
    if count:
        flash(gettext("Consent withdrawn: %(recipient)s can no longer see your profile, from now on.", recipient=name))
    return redirect(url_for("profiles.edit", profile_id=profile_id, step="consent"))


# ---------------------------------------------------------------------------- the profile page


def _notes(profile_id: int) -> list[case_notes.CaseNote]:
    with Session(_engine(), expire_on_commit=False) as db:
        notes = case_notes.list_notes(db, profile_id)
        for note in notes:
            db.expunge(note)
    return notes


def _page_context(profile: SkillProfile) -> dict[str, Any]:
    user = current_user()
    with Session(_engine(), expire_on_commit=False) as db:
        shown = heading(db, user, profile)
        identity_shown = can_see_identity(db, user, profile)
        identity = identity_of(db, profile.id or 0) if identity_shown else None
        processes = processes_of(db, profile.id or 0)
        requests = contact_requests.requests_for_profile(db, profile.id or 0) if acts_for_migrant(user, profile) else []
        alert = alerts.alert_of(db, profile.id or 0)
        referrals = referrals_seen_by(db, user, profile.id or 0)
        refer = may_refer(db, user, profile)
    return {
        "referrals": referrals,
        "may_refer": refer,
        "referral_status_names": STATUS_NAMES,
        "contact_requests": requests,
        "consent_days": CONSENT_DAYS,
        "job_alert": alert,
        "alert_threshold": alerts.threshold_name(alert.threshold) if alert else alerts.DEFAULT_THRESHOLD,
        "may_act": acts_for_migrant(user, profile),
        "processes": processes,
        "stage_names": stage_names(),
        "profile": profile,
        "heading": shown,
        "identity_shown": identity_shown,
        "identity": identity,
        "may_hand_over": holds_profile(user, profile),
        "labels": _profile_labels(profile),
        "completeness": profile_builder.completeness(profile),
        "notes": _notes(profile.id or 0),
        "steps": STEPS,
    }


@profiles.get("/profiles/<int:profile_id>")
@roles_required(*PROFILE_ROLES)
def view(profile_id: int):
    profile = _read(profile_id)
    user = current_user()
    _audit_view(profile_id)
    return render(
        "profiles/view.html",
        practitioner=_is_practitioner(user),
        may_delete=_may_delete(profile),
        second_lang=None,
        **_page_context(profile),
    )


def _second_language(profile: SkillProfile) -> str:
    """The migrant's language for caseworker mode: ?lang=, else the owner's account language."""
    chosen = request.args.get("lang", "")
    if chosen in UI_LANGUAGES:
        return chosen
    user = current_user()
    if profile.owner != (user.username if user else None):
        with Session(_engine()) as db:
            owner = find_user(db, profile.owner)
            if owner is not None and owner.language in UI_LANGUAGES:
                return owner.language
    return "en"


@profiles.get("/profiles/<int:profile_id>/print", endpoint="print")
@roles_required(*PROFILE_ROLES)
def print_page(profile_id: int):
    profile = _read(profile_id)
    _audit_view(profile_id, "printable page")
    second = request.args.get("lang", "")
    return render(
        "profiles/print.html",
        second_lang=second if second in UI_LANGUAGES else None,
        **_page_context(profile),
    )


@profiles.route("/profiles/<int:profile_id>/delete", methods=["GET", "POST"])
@roles_required(*PROFILE_ROLES)
def delete(profile_id: int):
    profile = _read(profile_id)
    if not _may_delete(profile):
        abort(403)
    if request.method == "POST":
        erasure.erase_profile_everywhere(current_runtime(), profile_id=profile_id, actor=current_user())
        flash(gettext("The profile is deleted, with its consents and notes."))
        return redirect(url_for("profiles.index"))
    return render("profiles/delete.html", profile=profile)


# ---------------------------------------------------------------------------- matches


@profiles.get("/profiles/<int:profile_id>/matches")
@roles_required(*PROFILE_ROLES)
def matches(profile_id: int):
    profile = _read(profile_id)
    _audit_view(profile_id, "matches")
    if not profile.consent_to_matching:
        return render("profiles/matches.html", profile=profile, consented=False, items=[], taxonomy=None)
    items, taxonomy = matches_with_gaps(current_runtime(), profile_id, top=TOP_MATCHES)
    return render(
        "profiles/matches.html", profile=profile, consented=True, items=items, taxonomy=taxonomy,
        vacancy_link="market.vacancy" in current_app.view_functions,
        library_link="library.document" in current_app.view_functions,
    )


# ---------------------------------------------------------------------------- caseworker mode


def _caseworker_values(profile: SkillProfile) -> dict[str, Any]:
    return _stored_values(profile, CASEWORKER_STEPS)


def _render_caseworker(profile: SkillProfile, values: dict[str, Any], errors: dict[str, str], *, status: int = 200,
                       look_up: str | None = None, note: dict | None = None, note_errors: dict[str, str] | None = None):
    language = current_language()
    context: dict[str, Any] = {}
    for step in CASEWORKER_STEPS:
        context.update(_step_context(step, values, look_up))
    second = _second_language(profile)
    return render(
        "profiles/caseworker.html",
        profile=profile,
        values=values,
        errors=errors,
        second_lang=second,
        notes=_notes(profile.id or 0),
        note=note or {"kind": "next_step", "text": "", "due": ""},
        note_errors=note_errors or {},
        countries=profile_builder.country_choices(language),
        languages=profile_builder.language_choices(language),
        recognition_statuses=profile_builder.RECOGNITION_STATUSES,
        isced_levels=profile_builder.ISCED_LEVELS,
        messaging_apps=_messaging_apps(),
        completeness=profile_builder.completeness(profile),
        status=status,
        **context,
    )


def _caseworker_profile(profile_id: int) -> SkillProfile:
    if not _is_practitioner(current_user()):
        abort(403)
    with Session(_engine(), expire_on_commit=False) as db:
        profile = _load_editable(db, profile_id)
        db.expunge(profile)
    return profile


@profiles.route("/profiles/<int:profile_id>/caseworker", methods=["GET", "POST"])
@roles_required("practitioner")
def caseworker(profile_id: int):
    profile = _caseworker_profile(profile_id)
    if request.method == "GET":
        _audit_view(profile_id, "caseworker mode")
        return _render_caseworker(profile, _caseworker_values(profile), {})
    values = profile_builder.form_values_of_steps(request.form, CASEWORKER_STEPS)
    identity, identity_problems = _sent_identity(profile, CASEWORKER_STEPS, values)
    look_up = request.form.get("look_up")
    action = request.form.get("action", "save")
    if look_up:
        return _render_caseworker(profile, values, {}, look_up=look_up)
    if action.startswith("add_"):
        profile_builder.add_row(values, action.removeprefix("add_"))
        return _render_caseworker(profile, values, {})
    labels = concept_labels(current_runtime(), [row["uri"] for row in values["occupations"] if row["uri"]])
    changes, problems = profile_builder.parse_steps(CASEWORKER_STEPS, values, language=current_language(), current=profile, labels=labels)
    problems.update(identity_problems)
    if problems:
        return _render_caseworker(profile, values, _messages(problems), status=422)
    try:
        save_profile_changes(current_runtime(), actor=current_user(), profile_id=profile_id, changes=changes,
                             detail="caseworker mode", revision=request.form.get("revision"), identity=identity)
    except HeadstartError as error:
        status = 409 if error.field == "revision" else 422
        return _render_caseworker(profile, values, _place_error(error, CASEWORKER_FIELDS), status=status)
    flash(gettext("The profile is saved."))
    return redirect(url_for("profiles.caseworker", profile_id=profile_id, lang=_second_language(profile)))


@profiles.post("/profiles/<int:profile_id>/notes")
@roles_required("practitioner")
def add_note(profile_id: int):
    profile = _caseworker_profile(profile_id)
    note = {
        "kind": request.form.get("kind", ""),
        "text": request.form.get("text", ""),
        "due": request.form.get("due", "").strip(),
    }
    errors: dict[str, str] = {}
    due = None
    if note["due"]:
        try:
            due = date.fromisoformat(note["due"])
        except ValueError:
            errors["due"] = gettext("Give a date such as 2027-03-01 (year-month-day).")
    if not errors:
        try:
            with session_scope(_engine()) as db:
                case_notes.add_note(session=db, profile_id=profile_id, author=current_user().username,
                                    kind=note["kind"], text=note["text"], due=due,
                                    organisation_id=current_user().organisation_id)
                audit.record(db, current_user(), "update", "profile", profile_id, f"case note added ({note['kind']})")
        except HeadstartError as error:
            errors[error.field or "text"] = gettext(error.message)
    if errors:
        return _render_caseworker(profile, _caseworker_values(profile), {}, status=422, note=note, note_errors=errors)
    flash(gettext("The note is saved."))
    return redirect(url_for("profiles.caseworker", profile_id=profile_id, lang=_second_language(profile), _anchor="notes"))


@profiles.post("/profiles/<int:profile_id>/notes/<int:note_id>/done")
@roles_required("practitioner")
def note_done(profile_id: int, note_id: int):
    profile = _caseworker_profile(profile_id)
    done = request.form.get("done") == "1"
    with session_scope(_engine()) as db:
        case_notes.set_done(session=db, profile_id=profile_id, note_id=note_id, done=done)
        audit.record(db, current_user(), "update", "profile", profile_id, "case note done" if done else "case note reopened")
    return redirect(url_for("profiles.caseworker", profile_id=profile_id, lang=_second_language(profile), _anchor="notes"))
