"""The inbox, the notification choices (with the e-mail address they go to), saved
searches, and the admins' outbox. The use cases are core/notifications, core/mail and
matching/alerts.py; these views parse, call one, render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from core.accounts.users import AccountError, set_email
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.mail import outbox
from core.mail.models import STATUSES
from core.notifications import service
from core.notifications.kinds import kinds_for
from core.notifications.models import CHANNELS
from matching import alerts, marketplace
from webapp.current import current_runtime
from webapp.formatting import country_name, moment
from webapp.mail_render import renderer
from webapp.notification_texts import notice
from webapp.one_click import flash_outcome
from webapp.rendering import render
from webapp.security import current_user, login_required, roles_required

blueprint = Blueprint("notifications", __name__)
OUTBOX_PAGE = 50


def _engine():
    return current_runtime().engine


@blueprint.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """The menu's count (one indexed count per page a signed-in person opens)."""
    user = current_user()
    if user is None or user.id is None:
        return 0
    if "unread" not in g:
        with Session(_engine()) as session:
            g.unread = service.unread_count(session, user.id)
    return g.unread


def _positive(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None


@blueprint.get("/inbox")
@login_required
def inbox():
    user = current_user()
    before = _positive(request.args.get("before"))
    with Session(_engine()) as session:
        notes = service.inbox(session, user.id or 0, before_id=before, limit=service.PAGE + 1)
    more = len(notes) > service.PAGE
    notes = notes[: service.PAGE]
    items = [(note, notice(note)) for note in notes]
    return render("notifications/inbox.html", "notifications/_items.html", items=items,
                  next_before=notes[-1].id if more and notes else None)  # fmt: skip


@blueprint.get("/inbox/<int:notification_id>")
@login_required
def open_notice(notification_id: int):
    """Mark one read and go where it points."""
    user = current_user()
    with Session(_engine()) as session:
        note = service.get_notification(session, user.id or 0, notification_id)
    if note is None:
        abort(404)
    service.mark_read(_engine(), user_id=user.id or 0, ids=[notification_id])
    return redirect(notice(note).url or url_for("notifications.inbox"))


@blueprint.post("/inbox/read")
@login_required
def mark_read():
    user = current_user()
    chosen = request.form.getlist("id")
    ids = None if request.form.get("all") == "1" else [i for i in map(_positive, chosen) if i is not None]
    count = service.mark_read(_engine(), user_id=user.id or 0, ids=ids)
    flash(_("Marked as read: %(count)d.", count=count))
    return redirect(url_for("notifications.inbox"))


def _preferences_page(*, errors: dict[str, str] | None = None, email: str | None = None, status: int = 200):
    user = current_user()
    with Session(_engine()) as session:
        chosen = service.preferences(session, user)
        searches = alerts.saved_searches(session, user.id or 0)
    return render("notifications/preferences.html", user=user, kinds=kinds_for(user.role), chosen=chosen, channels=CHANNELS,
                  errors=errors or {}, email=user.email or "" if email is None else email, searches=searches,
                  search_labels={s.id: _search_label(s) for s in searches}, status=status)  # fmt: skip


def _search_label(search: alerts.SavedSearch) -> str:
    f = search.vacancy_filters()
    parts = []
    if f.q:
        parts.append(f"“{f.q}”")
    if f.country:
        parts.append(country_name(f.country))
    if f.language:
        parts.append(f.language + (f" ≤ {f.level}" if f.level else ""))
    elif f.level:
        parts.append(f"≤ {f.level}")
    if f.sector:
        parts.append(_("occupation group %(code)s", code=f.sector))
    if f.route:
        parts.append(f.route.replace("_", " "))
    return " · ".join(parts)


@blueprint.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "GET":
        return _preferences_page()
    user = current_user()
    email = request.form.get("email", "")
    choices = {k.name: request.form.get(f"kind-{k.name}", k.default) for k in kinds_for(user.role)}
    try:
        with session_scope(_engine()) as session:
            stored = session.merge(user)
            set_email(session=session, user=stored, email=email)
        service.set_preferences(_engine(), user=stored, choices=choices)
    except AccountError:
        return _preferences_page(errors={"email": _("Give an e-mail address like name@example.org, or leave it empty.")},
                                 email=email, status=422)  # fmt: skip
    except HeadstartError:
        return _preferences_page(errors={"kinds": _("Choose in the app, by e-mail too, or off, for each kind.")}, email=email,
                                 status=422)  # fmt: skip
    g.user = stored
    if any(c == "email" for c in choices.values()) and not stored.email:
        flash(_("Saved. Give an e-mail address to receive the notices you chose by e-mail; until then they stay in the app."))
    else:
        flash(_("Your notification choices are saved."))
    return redirect(url_for("notifications.preferences"))


@blueprint.post("/saved-searches")
@roles_required("migrant")
def save_search():
    filters = marketplace.VacancyFilters.from_args(request.form)
    try:
        alerts.save_search(_engine(), user=current_user(), filters=filters, daily=request.form.get("daily") == "1")
    except HeadstartError as error:
        flash(_(error.message), "error")
    else:
        flash(_("Search saved: you will be told of new vacancies it lists."))
    return redirect(url_for("market.vacancies", **filters.query_args(page=1)))


@blueprint.post("/saved-searches/<int:search_id>/delete")
@roles_required("migrant")
def delete_search(search_id: int):
    try:
        alerts.delete_search(_engine(), user=current_user(), search_id=search_id)
    except NotFound:
        abort(404)
    flash(_("The saved search is deleted."))
    return redirect(url_for("notifications.preferences", _anchor="saved-searches"))


@blueprint.get("/admin/outbox")
@roles_required("admin")
def admin_outbox():
    """What mail is waiting, sent or failed; without SMTP, what would have been sent."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    offset = _positive(request.args.get("offset")) or 0
    runtime = current_runtime()
    with Session(runtime.engine) as session:
        page = outbox.outbox_page(session, status=status, offset=offset, limit=OUTBOX_PAGE)
    words = renderer(current_app._get_current_object())  # type: ignore[attr-defined]
    texts: dict[int, tuple[str, str]] = {}
    for row in page.rows:  # a mail not worded yet is shown as the worker will word it
        if row.subject is not None:
            texts[row.id or 0] = (row.subject, row.text_body or "")
        else:
            try:
                subject, text, _html = words(row)
            except HeadstartError:
                subject, text = _("(its notice is gone: it will not be sent)"), ""
            texts[row.id or 0] = (subject, text)
    return render("notifications/outbox.html", outbox=page, status=status, statuses=STATUSES, texts=texts,
                  smtp=runtime.settings.smtp_config() is not None, moment=moment)  # fmt: skip


@blueprint.post("/admin/outbox/<int:row_id>/resend")
@roles_required("admin")
def resend(row_id: int):
    flash_outcome(lambda: outbox.resend(_engine(), message_id_or_row_id=row_id), _("Queued again: the worker sends it on its next round."))
    return redirect(url_for("notifications.admin_outbox"))
