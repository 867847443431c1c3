"""Administration: the audit log of personal data (core/accounts/audit.py).

Admins read every event, filtered by actor and object. A profile's owner reads the events
about their profile on the profile page, through the `audit_trail` template global.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Blueprint, request
from flask_babel import gettext as _
from sqlmodel import Session

from core.accounts import audit
from core.accounts.users import User
from webapp.current import current_runtime
from webapp.formatting import moment
from webapp.navigation import role_name
from webapp.rendering import render
from webapp.security import roles_required

blueprint = admin = Blueprint("admin", __name__)

AUDIT_PAGE_SIZE = 200
OWNER_TRAIL_SIZE = 20


def _engine():
    return current_runtime().engine


def action_names() -> dict[str, str]:
    return {
        "view": _("Viewed"),
        "create": _("Created"),
        "update": _("Changed"),
        "delete": _("Deleted"),
        "export": _("Exported"),
        "consent_grant": _("Consent given"),
        "consent_withdraw": _("Consent withdrawn"),
        "erase": _("Account erased"),
    }


def object_type_names() -> dict[str, str]:
    return {"profile": _("Profile"), "account": _("Account"), "vacancy": _("Vacancy")}


def _actor_label(event: audit.AuditEvent, people: dict[str, User]) -> str:
    if event.actor == audit.API_ACTOR:
        return _("the Headstart API")
    if not event.actor:
        return _("a deleted account")
    person = people.get(event.actor)
    return person.name if person else event.actor


@dataclass(frozen=True)
class TrailLine:
    event: audit.AuditEvent
    sentence: str


def _sentence(event: audit.AuditEvent, who: str, role: str, when: str) -> str:
    values = {"name": who, "role": role, "date": when}
    if not role:
        sentences = {
            "view": _("Viewed by %(name)s on %(date)s", **values),
            "update": _("Changed by %(name)s on %(date)s", **values),
            "create": _("Created by %(name)s on %(date)s", **values),
            "consent_grant": _("Consent given by %(name)s on %(date)s", **values),
            "consent_withdraw": _("Consent withdrawn by %(name)s on %(date)s", **values),
        }
    else:
        sentences = {
            "view": _("Viewed by %(role)s %(name)s on %(date)s", **values),
            "update": _("Changed by %(role)s %(name)s on %(date)s", **values),
            "create": _("Created by %(role)s %(name)s on %(date)s", **values),
            "consent_grant": _("Consent given by %(role)s %(name)s on %(date)s", **values),
            "consent_withdraw": _("Consent withdrawn by %(role)s %(name)s on %(date)s", **values),
        }
    return sentences.get(event.action) or _("%(action)s by %(name)s on %(date)s", action=action_names().get(event.action, event.action), name=who, date=when)


@admin.app_template_global("audit_trail")
def audit_trail(profile_id: int, owner: str) -> list[TrailLine]:
    """What others did with this profile, newest first, in words (for its owner)."""
    with Session(_engine()) as db:
        events = audit.events(db, object_type="profile", object_id=str(profile_id), exclude_actor=owner, limit=OWNER_TRAIL_SIZE)
        people = audit.actors(db, (event.actor for event in events))
    lines = []
    for event in events:
        role = role_name(event.actor_role) if event.actor_role and event.actor_role != audit.API_ACTOR else ""
        lines.append(TrailLine(event, _sentence(event, _actor_label(event, people), role, moment(event.at))))
    return lines


def _audit_row(event: audit.AuditEvent, people: dict[str, User]) -> dict[str, object]:
    """One line of the log, in the reader's words."""
    return {
        "event": event,
        "when": moment(event.at),
        "actor": _actor_label(event, people),
        "role": role_name(event.actor_role) if event.actor_role else "",
    }


@admin.get("/admin/audit", endpoint="audit")  # the function is not called audit: core.accounts.audit
@roles_required("admin")
def audit_log():
    filters = audit.log_filters(
        actor=request.args.get("actor"), object_type=request.args.get("object_type"),
        object_id=request.args.get("object_id"), action=request.args.get("action"),
    )  # fmt: skip
    with Session(_engine()) as db:
        page = audit.log_page(db, filters, limit=AUDIT_PAGE_SIZE)
    return render(
        "admin/audit.html",
        rows=[_audit_row(event, page.people) for event in page.events],
        filters=asdict(filters),
        action_names=action_names(),
        object_type_names=object_type_names(),
        page_size=AUDIT_PAGE_SIZE,
    )
