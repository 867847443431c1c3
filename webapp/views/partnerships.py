"""Partnerships between organisations: the request sent from an organisation's page, an
organisation's requests in and out, and a thread with its reply, accept, decline and
withdraw forms.

The use cases are core/organisations/partnerships.py (the writes and their rules) and
core/organisations/partnership_pages.py (what the pages read); these views parse, call
one, render. A thread and a list exist only for the two organisations' members (404).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from core.errors import HeadstartError, NotFound
from core.organisations import partnerships
from core.organisations.partnership_pages import partnerships_page, thread
from webapp.current import current_runtime
from webapp.formatting import moment
from webapp.one_click import flash_outcome
from webapp.rendering import render
from webapp.security import current_user, login_required
from webapp.views.organisations import kind_names, page_response

blueprint = Blueprint("partnerships", __name__)


def request_kind_names() -> dict[str, str]:
    return {"partnership": _("Partnership"), "contact": _("Contact")}


def request_status_names() -> dict[str, str]:
    return {"requested": _("Waiting for an answer"), "accepted": _("Accepted"), "declined": _("Declined"),
            "withdrawn": _("Withdrawn")}  # fmt: skip


def _names() -> dict[str, dict[str, str]]:
    return {"kind_names": kind_names(), "request_kind_names": request_kind_names(), "request_status_names": request_status_names()}


def _engine():
    return current_runtime().engine


@blueprint.post("/organisations/<int:organisation_id>/partnerships", endpoint="request_partnership")
@login_required
def request_partnership(organisation_id: int):
    """Sent from the organisation's page; a refusal re-renders it with what was typed."""
    form = request.form
    try:
        made = partnerships.request_partnership(_engine(), actor=current_user(), organisation_id=organisation_id,
                                                kind=form.get("kind", ""), message=form.get("message", ""))  # fmt: skip
    except NotFound:
        abort(404)
    except HeadstartError as error:
        field = "partnership_kind" if error.field == "kind" else "partnership_message"
        return page_response(organisation_id, errors={field: _(error.message)}, values=form.to_dict(), status=422)
    flash(_("Request sent: the organisation's members are told, and you learn their answer here and in your inbox."))
    return redirect(url_for("partnerships.thread", partnership_id=made.id))


@blueprint.get("/organisations/<int:organisation_id>/partnerships", endpoint="index")
@login_required
def index(organisation_id: int):
    with Session(_engine()) as session:
        try:
            listing = partnerships_page(session, organisation_id, current_user())
        except NotFound:
            abort(404)
    return render("partnerships/list.html", listing=listing, moment=moment, **_names())


def _thread_response(partnership_id: int, *, errors: dict[str, str] | None = None, text: str = "", status: int = 200):
    with Session(_engine()) as session:
        try:
            shown = thread(session, partnership_id, current_user())
        except NotFound:
            abort(404)
    return render("partnerships/thread.html", thread=shown, errors=errors or {}, text=text, moment=moment,
                  deleted_author=partnerships.DELETED_AUTHOR, status=status, **_names())  # fmt: skip


@blueprint.get("/partnerships/<int:partnership_id>", endpoint="thread")
@login_required
def show_thread(partnership_id: int):
    return _thread_response(partnership_id)


@blueprint.post("/partnerships/<int:partnership_id>/messages", endpoint="reply")
@login_required
def reply(partnership_id: int):
    text = request.form.get("message", "")
    try:
        partnerships.reply(_engine(), actor=current_user(), partnership_id=partnership_id, message=text)
    except NotFound:
        abort(404)
    except HeadstartError as error:
        return _thread_response(partnership_id, errors={"message": _(error.message)}, text=text, status=422)
    flash(_("Message sent: the other organisation's members are told."))
    return redirect(url_for("partnerships.thread", partnership_id=partnership_id, _anchor="messages"))


def _answer(partnership_id: int, decision: str, done: str):
    """Accept, decline or withdraw; a refusal (answered already, the wrong side) is flashed."""
    flash_outcome(lambda: partnerships.answer(_engine(), actor=current_user(), partnership_id=partnership_id,
                                              decision=decision, message=request.form.get("message", "")), done)  # fmt: skip
    return redirect(url_for("partnerships.thread", partnership_id=partnership_id))


@blueprint.post("/partnerships/<int:partnership_id>/accept", endpoint="accept")
@login_required
def accept(partnership_id: int):
    return _answer(partnership_id, "accepted", _("Accepted: the other organisation is told."))


@blueprint.post("/partnerships/<int:partnership_id>/decline", endpoint="decline")
@login_required
def decline(partnership_id: int):
    return _answer(partnership_id, "declined", _("Declined: the other organisation is told."))


@blueprint.post("/partnerships/<int:partnership_id>/withdraw", endpoint="withdraw")
@login_required
def withdraw(partnership_id: int):
    return _answer(partnership_id, "withdrawn", _("The request is withdrawn: the other organisation is told."))
