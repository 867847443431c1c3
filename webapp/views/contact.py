"""Contact requests and job alerts: the employer asks a candidate for contact, the migrant
(or the MRC holding the profile) answers; a migrant turns a profile's alerts on or off.
The use cases are matching/contact_requests.py and matching/alerts.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from core.errors import HeadstartError, NotFound
from matching import alerts, contact_requests
from webapp.current import current_runtime
from webapp.one_click import flash_outcome
from webapp.security import current_user, roles_required

blueprint = Blueprint("contact", __name__)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 6 else None


@blueprint.post("/vacancies/<int:vacancy_id>/pipeline/<int:entry_id>/contact-request", endpoint="ask")
@roles_required("employer")
def ask(vacancy_id: int, entry_id: int):
    flash_outcome(lambda: contact_requests.request_contact(current_runtime().engine, actor=current_user(), vacancy_id=vacancy_id,
                                                           entry_id=entry_id, message=request.form.get("message", "")),
                  _("Request sent. The candidate is told, and you learn their answer here and in your inbox."))  # fmt: skip
    return redirect(url_for("market.candidates", vacancy_id=vacancy_id, _anchor=f"pipeline-{entry_id}"))


@blueprint.post("/contact-requests/<int:request_id>/answer", endpoint="answer")
@roles_required("migrant", "practitioner")
def answer(request_id: int):
    accept = request.form.get("answer") == "accept"
    profile_id = _int(request.form.get("profile_id"))
    try:
        done = contact_requests.answer_request(current_runtime().engine, actor=current_user(), request_id=request_id,
                                               accept=accept, days=_int(request.form.get("days")))  # fmt: skip
    except NotFound:
        abort(404)
    except HeadstartError as error:
        flash(_(error.message), "error")
    else:
        profile_id = done.profile_id
        if accept:
            flash(_("Accepted: the employer now sees your profile with your name and contact, until the date you chose."))
        else:
            flash(_("Declined: the employer does not learn who you are."))
    if profile_id is None:
        return redirect(url_for("profiles.index"))
    return redirect(url_for("profiles.view", profile_id=profile_id, _anchor="contact-requests"))


@blueprint.post("/profiles/<int:profile_id>/alert", endpoint="alert")
@roles_required("migrant", "practitioner")
def alert(profile_id: int):
    on = request.form.get("on") == "1"
    flash_outcome(lambda: alerts.set_alert(current_runtime().engine, actor=current_user(), profile_id=profile_id, on=on,
                                           threshold=request.form.get("threshold", alerts.DEFAULT_THRESHOLD),
                                           daily=request.form.get("daily") == "1"),
                  _("Job alerts are on: you are told of new vacancies that match.") if on else _("Job alerts are off."))  # fmt: skip
    return redirect(url_for("profiles.view", profile_id=profile_id, _anchor="job-alert"))
