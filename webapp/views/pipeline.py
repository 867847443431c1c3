"""The candidate pipeline's moves: the employer moves a candidate and keeps a note, closes
a vacancy as filled after a hire; the migrant leaves a process. The use cases are
matching/pipeline.py; these views parse, call one, and go back to the page they came from."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from core.db import session_scope
from core.errors import HeadstartError, NotFound
from matching import marketplace, pipeline
from matching.access import can_manage_vacancy
from matching.models import Vacancy
from webapp.current import current_runtime
from webapp.one_click import flash_outcome
from webapp.security import current_user, roles_required

blueprint = Blueprint("pipeline", __name__)


def _back(vacancy_id: int, entry_id: int):
    return redirect(url_for("market.candidates", vacancy_id=vacancy_id, _anchor=f"pipeline-{entry_id}"))


@blueprint.post("/vacancies/<int:vacancy_id>/pipeline/<int:entry_id>/stage", endpoint="move")
@roles_required("employer")
def move(vacancy_id: int, entry_id: int):
    try:
        moved = pipeline.move_candidate(current_runtime().engine, actor=current_user(), vacancy_id=vacancy_id,
                                        entry_id=entry_id, to_stage=request.form.get("stage", ""))  # fmt: skip
    except NotFound:
        abort(404)
    except HeadstartError as error:
        flash(_(error.message), "error")
        return _back(vacancy_id, entry_id)
    if moved.offer_to_close:
        flash(_("Hired. If the vacancy is filled now, close it as filled on its page."))
    return _back(vacancy_id, entry_id)


@blueprint.post("/vacancies/<int:vacancy_id>/pipeline/<int:entry_id>/note", endpoint="note")
@roles_required("employer")
def note(vacancy_id: int, entry_id: int):
    flash_outcome(lambda: pipeline.save_note(current_runtime().engine, actor=current_user(), vacancy_id=vacancy_id,
                                             entry_id=entry_id, note=request.form.get("note", "")))  # fmt: skip
    return _back(vacancy_id, entry_id)


@blueprint.post("/vacancies/<int:vacancy_id>/fill", endpoint="fill")
@roles_required("employer")
def fill(vacancy_id: int):
    with session_scope(current_runtime().engine) as session:
        vacancy = session.get(Vacancy, vacancy_id)
        if vacancy is None or not can_manage_vacancy(current_user(), vacancy):
            abort(404)
        marketplace.close_vacancy(session=session, vacancy=vacancy, status="filled")
    flash(_("The vacancy is filled: it no longer appears in lists and matches."))
    return redirect(url_for("market.vacancy", vacancy_id=vacancy_id))


@blueprint.post("/profiles/<int:profile_id>/processes/<int:vacancy_id>/withdraw", endpoint="withdraw")
@roles_required("migrant", "practitioner")
def withdraw(profile_id: int, vacancy_id: int):
    flash_outcome(lambda: pipeline.withdraw_from(current_runtime().engine, actor=current_user(), profile_id=profile_id,
                                                 vacancy_id=vacancy_id),
                  _("You have left this hiring process. The employer sees it at once."))  # fmt: skip
    return redirect(url_for("profiles.view", profile_id=profile_id, _anchor="processes"))
