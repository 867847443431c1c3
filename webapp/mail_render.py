"""Words an outbox e-mail (core/mail) from its notification, in the recipient's language:
the subject is the notice's title, the plain text and the HTML say the same, with
absolute links (HEADSTART_BASE_URL). Called by the mail worker when it sends, and by
the admins' outbox page to show what is waiting."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import force_locale
from sqlmodel import Session

from core.errors import HeadstartError
from core.mail.models import OutboxMessage
from core.notifications.models import Notification
from webapp.notification_texts import notice


def notification_id(row: OutboxMessage) -> int | None:
    kind, _, number = (row.source or "").partition(":")
    return int(number) if kind == "notification" and number.isdigit() else None


def _absolute(url: str | None) -> str:
    """A link of the notice (a path, with the script root) as an address from outside."""
    return request.host_url.rstrip("/") + url if url and url.startswith("/") else (url or "")


def renderer(app: Flask):
    """The worker's render callback for this app: (subject, text, html)."""
    runtime = app.extensions["headstart"]
    settings, engine = runtime.settings, runtime.engine

    def render(row: OutboxMessage) -> tuple[str, str, str | None]:
        number = notification_id(row)
        with Session(engine) as session:
            note = session.get(Notification, number) if number is not None else None
        if note is None:
            raise HeadstartError(f"outbox row {row.id}: its notification is gone")
        with app.test_request_context("/", base_url=settings.base_url), force_locale(row.language or "en"):
            words = notice(note)
            context = {"notice": words, "language": row.language or "en", "absolute": _absolute}
            return words.title, render_template("mail/notification.txt", **context), render_template("mail/notification.html", **context)

    return render
