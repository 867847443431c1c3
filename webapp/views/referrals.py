"""Referrals: a practitioner refers a migrant to another organisation; the receiver
answers, works and closes it; the migrant follows it. The use cases are
matching/referrals.py, referral_moves.py and referral_view.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from core.errors import HeadstartError, NotFound
from matching import referral_moves
from matching.consent_form import CONSENT_DAYS
from matching.referral_form import parse_referral_form, referral_form_for
from matching.referral_models import DIRECTIONS, OUTCOMES, STATUS_NAMES
from matching.referral_view import referral_view
from matching.referrals import create_referral, referral_lists
from webapp.current import current_runtime
from webapp.one_click import flash_outcome
from webapp.rendering import render
from webapp.security import current_user, login_required

blueprint = Blueprint("referrals", __name__)
NAMES = {"status_names": STATUS_NAMES, "outcomes": OUTCOMES, "directions": DIRECTIONS}


def _form_page(profile_id: int, values: dict, errors: dict[str, str], status: int = 200):
    with Session(current_runtime().engine) as session:
        try:
            profile, sender, choices = referral_form_for(session, actor=current_user(), profile_id=profile_id)
        except NotFound:
            abort(404)
        return render("referrals/new.html", profile=profile, sender=sender, choices=choices, values=values,
                      errors={k: _(v) for k, v in errors.items()}, consent_days=CONSENT_DAYS, status=status, **NAMES)  # fmt: skip


@blueprint.get("/profiles/<int:profile_id>/refer", endpoint="new")
@login_required
def new(profile_id: int):
    values = {key: request.args.get(key, "") for key in ("to_organisation_id", "vacancy_id", "purpose")}
    return _form_page(profile_id, {**values, "summary": "1", "orientation": "1"}, {})


@blueprint.post("/profiles/<int:profile_id>/refer", endpoint="create")
@login_required
def create(profile_id: int):
    with Session(current_runtime().engine) as session:
        try:
            choices = referral_form_for(session, actor=current_user(), profile_id=profile_id)[2]
        except NotFound:
            abort(404)
    asked, errors = parse_referral_form(request.form, request.form.getlist, profile_id=profile_id, choices=choices)
    if asked is not None:
        try:
            referral = create_referral(current_runtime().engine, actor=current_user(), asked=asked,
                                       direction="return" if request.form.get("direction") == "return" else "onward")  # fmt: skip
        except HeadstartError as error:
            errors = {error.field or "purpose": error.message}
        else:
            flash(_("Referral sent.") if referral.status == "sent" else
                  _("Saved. The person is asked in the app for their consent; nothing is handed over before it."))  # fmt: skip
            return redirect(url_for("referrals.page", referral_id=referral.id))
    return _form_page(profile_id, {**request.form.to_dict(), "case_note_ids": request.form.getlist("case_note_ids")}, errors, 422)


@blueprint.get("/referrals", endpoint="index")
@login_required
def index():
    with Session(current_runtime().engine) as session:
        lists = referral_lists(session, current_user())
    return render("referrals/index.html", lists=lists, **NAMES)


@blueprint.get("/referrals/<int:referral_id>", endpoint="page")
@login_required
def page(referral_id: int):
    try:
        view = referral_view(current_runtime().engine, viewer=current_user(), referral_id=referral_id)
    except NotFound:
        abort(404)
    return render("referrals/page.html", view=view, referral=view.referral, **NAMES)


def _move(referral_id: int, move, done: str, **arguments):
    flash_outcome(lambda: move(current_runtime().engine, actor=current_user(), referral_id=referral_id, **arguments), done)
    return redirect(url_for("referrals.page", referral_id=referral_id))


@blueprint.post("/referrals/<int:referral_id>/answer", endpoint="answer")
@login_required
def answer(referral_id: int):
    accept = request.form.get("answer") == "accept"
    return _move(referral_id, referral_moves.answer_referral, _("Accepted.") if accept else _("Declined."),
                 accept=accept, reason=request.form.get("reason", ""))  # fmt: skip


@blueprint.post("/referrals/<int:referral_id>/start", endpoint="start")
@login_required
def start(referral_id: int):
    return _move(referral_id, referral_moves.start_referral, _("Marked as in progress."))


@blueprint.post("/referrals/<int:referral_id>/close", endpoint="close")
@login_required
def close(referral_id: int):
    return _move(referral_id, referral_moves.close_referral, _("The referral is closed."),
                 outcome=request.form.get("outcome", ""), note=request.form.get("note", ""))  # fmt: skip

