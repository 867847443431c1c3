"""Organisations: the directory of verified ones (filtered by kind, country, service,
language, sector and words; htmx swaps the results), an organisation's page (its services,
offers and partners for anyone, the partnership form for members of another verified
organisation, members and invitations for its owners, the review for MRC reviewers and
admins), the review queue, and the invitation link with which staff join.

The use cases are core/organisations' (membership.py, service.py, registration.py);
these views parse, call one, render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from core.countries import country_codes
from core.db import session_scope
from core.errors import HeadstartError
from core.languages import ISO_639_1
from core.organisations import membership
from core.organisations.models import KINDS, SECTORS, SERVICES
from core.organisations.partnership_pages import standing
from core.organisations.partnerships import PARTNERSHIP_KINDS
from core.organisations.service import (
    OrganisationDetails,
    can_review_organisations,
    directory,
    get_organisation,
    organisation_page,
    review_queue,
)
from matching.marketplace import offers_of_organisation
from webapp.current import current_runtime
from webapp.formatting import moment
from webapp.rendering import render
from webapp.security import current_user, login_required
from webapp.views.market import (
    country_choices,
    language_choices,
    mode_names,
    offer_kind_names,
)

blueprint = organisations = Blueprint("organisations", __name__)


def kind_names() -> dict[str, str]:
    return {
        "mrc": _("Migrant Resource Centre"),
        "employer": _("Employer"),
        "service_provider": _("Service provider"),
        "public_employment_service": _("Public employment service"),
        "integration_service": _("Integration service in the destination"),
    }


def status_names() -> dict[str, str]:
    return {"pending": _("Waiting for review"), "verified": _("Verified"), "suspended": _("Suspended")}


def service_names() -> dict[str, str]:
    """The services in the reader's language, in the vocabulary's order."""
    return {code: _(label) for code, label in SERVICES.items()}


def sector_names() -> dict[str, str]:
    return {code: _(label) for code, label in SECTORS.items()}


def marketplace_names() -> dict[str, dict[str, str]]:
    return {"service_names": service_names(), "sector_names": sector_names(), "kind_names": kind_names()}


def _engine():
    return current_runtime().engine


def page_response(organisation_id: int, *, errors: dict[str, str] | None = None, new_link: str = "", status: int = 200,
                  values: dict[str, str] | None = None):
    """The organisation's page: its details, offers and partners, and what the viewer may do
    there (a form that failed re-renders it, with its `errors` and the `values` typed)."""
    viewer = current_user()
    with Session(_engine()) as session:
        try:
            page = organisation_page(session, organisation_id, viewer)
        except HeadstartError:
            abort(404)
        invitations = membership.open_invitations(session, organisation_id) if page.is_owner else []
        offers = offers_of_organisation(session, organisation_id)
        where = standing(session, page.organisation, viewer)
    return render(
        "organisations/page.html", view=page, org=page.organisation, invitations=invitations, errors=errors or {},
        new_link=new_link, status_names=status_names(), moment=moment, status=status, offers=offers, standing=where,
        offer_kind_names=offer_kind_names(), mode_names=mode_names(), values=values or {}, partnership_kinds=PARTNERSHIP_KINDS,
        **marketplace_names(),
    )  # fmt: skip


def _choice(name: str, allowed) -> str:
    """A filter's value if it is one of `allowed`, else none (never an error: a bookmark may be old)."""
    value = request.args.get(name, "").strip()
    return value if value in allowed else ""


def directory_filters() -> dict[str, str]:
    """The directory's filters from the query string, each checked against its vocabulary."""
    return {
        "kind": _choice("kind", KINDS), "country": _choice("country", country_codes()), "service": _choice("service", SERVICES),
        "language": _choice("language", ISO_639_1), "sector": _choice("sector", SECTORS),
        "text": request.args.get("q", "").strip()[:200],
    }  # fmt: skip


@organisations.get("/organisations")
def index():
    filters = directory_filters()
    with Session(_engine()) as session:
        found = directory(session, **{name: value or None for name, value in filters.items() if name != "text"}, text=filters["text"])
        may_review = can_review_organisations(session, current_user())
    return render(
        "organisations/directory.html", "organisations/_directory_results.html", organisations=found, filters=filters,
        countries=country_choices(), languages=language_choices(filters["language"]), may_review=may_review,
        active=any(filters.values()), **marketplace_names(),
    )  # fmt: skip


@organisations.get("/organisations/<int:organisation_id>")
def page(organisation_id: int):
    return page_response(organisation_id)


def _require_owner(organisation_id: int) -> None:
    """403 for anyone but the organisation's owners and admins (membership.may_manage)."""
    if not membership.may_manage(current_user(), organisation_id):
        abort(403)


@organisations.post("/organisations/<int:organisation_id>/invitations")
@login_required
def invite(organisation_id: int):
    _require_owner(organisation_id)
    try:
        made = membership.invite(_engine(), owner=current_user(), organisation_id=organisation_id, note=request.form.get("note", ""))
    except HeadstartError as error:
        return page_response(organisation_id, errors={"note": _(error.message)}, status=422)
    link = url_for("organisations.invitation", token=made.token, _external=True)
    return page_response(organisation_id, new_link=link)


DETAIL_FIELDS = ("organisation", "country", "city", "website", "registration_number", "contact", "description")
LIST_FIELDS = ("services", "languages", "sectors")  # checkboxes and a multiple select: every value sent


def _sent_details() -> OrganisationDetails:
    form = {name: request.form.get(name, "") for name in DETAIL_FIELDS}
    lists = {name: tuple(request.form.getlist(name)) for name in LIST_FIELDS}
    return OrganisationDetails(kind="", name=form.pop("organisation"), **form, **lists)


def _sent_values() -> dict:
    return {**request.form.to_dict(), **{name: request.form.getlist(name) for name in LIST_FIELDS}}


@organisations.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    _require_owner(organisation_id)
    with Session(_engine()) as session:
        try:
            organisation = get_organisation(session, organisation_id)
        except HeadstartError:
            abort(404)
    values, errors, status = organisation.model_dump(), {}, 200
    values["organisation"] = organisation.name
    if request.method == "POST":
        values.update(_sent_values())
        try:
            membership.update_details(_engine(), owner=current_user(), organisation_id=organisation_id, details=_sent_details())
        except HeadstartError as error:
            errors, status = {error.field or "organisation": _(error.message)}, 422
        else:
            flash(_("The organisation's details are saved."))
            return redirect(url_for("organisations.page", organisation_id=organisation_id))
    return render("organisations/edit.html", org=organisation, values=values, errors=errors, countries=country_choices(),
                  languages=language_choices(*values.get("languages", [])), status=status, **marketplace_names())  # fmt: skip


def _owner_action(organisation_id: int, action, message: str, **arguments):
    """Run a member change; a refusal is shown on the page, next to the members."""
    _require_owner(organisation_id)
    try:
        action(_engine(), owner=current_user(), organisation_id=organisation_id, **arguments)
    except HeadstartError as error:
        return page_response(organisation_id, errors={"member": _(error.message)}, status=422)
    flash(message)
    return redirect(url_for("organisations.page", organisation_id=organisation_id, _anchor="members"))


@organisations.post("/organisations/<int:organisation_id>/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw_invitation(organisation_id: int, invitation_id: int):
    return _owner_action(organisation_id, membership.withdraw_invitation, _("The invitation is withdrawn."), invitation_id=invitation_id)


@organisations.post("/organisations/<int:organisation_id>/members/<username>/remove")
@login_required
def remove_member(organisation_id: int, username: str):
    return _owner_action(organisation_id, membership.remove_member, _("The member is removed."), username=username)


@organisations.post("/organisations/<int:organisation_id>/members/<username>/owner")
@login_required
def hand_over(organisation_id: int, username: str):
    return _owner_action(organisation_id, membership.hand_over, _("Ownership is handed over."), username=username)


@organisations.post("/organisations/<int:organisation_id>/review")
@login_required
def review(organisation_id: int):
    with Session(_engine()) as session:
        if not can_review_organisations(session, current_user()):
            abort(403)
    decision, note = request.form.get("decision", ""), request.form.get("note", "")
    try:
        membership.review(_engine(), reviewer=current_user(), organisation_id=organisation_id, decision=decision, note=note)
    except HeadstartError as error:
        return page_response(organisation_id, errors={error.field or "note": _(error.message)}, status=422)
    flash(_("The organisation is verified.") if decision == "verified" else _("The organisation is suspended."))
    return redirect(url_for("organisations.queue"))


@organisations.get("/organisations/review")
@login_required
def queue():
    with Session(_engine()) as session:
        if not can_review_organisations(session, current_user()):
            abort(403)
        waiting = [organisation_page(session, item.id or 0, current_user()) for item in review_queue(session)]
    return render("organisations/queue.html", pages=waiting, kind_names=kind_names(), moment=moment)


@organisations.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The link an owner sent: join with the signed-in account, or create one through it."""
    user = current_user()
    with session_scope(_engine()) as session:
        try:
            organisation = membership.invitation_for(session, token)[1]
        except HeadstartError as error:  # unknown, used, expired or withdrawn
            return render("organisations/invitation.html", error=_(error.message), token=token, organisation=None, status=410)
        if request.method == "POST" and user is not None:
            try:
                membership.accept_invitation(session, token, session.merge(user))
            except HeadstartError as error:  # this account cannot join
                session.rollback()
                return render("organisations/invitation.html", error=_(error.message), token=token, organisation=None, status=422)
            flash(_("You are now a member of %(name)s.", name=organisation.name))
            return redirect(url_for("organisations.page", organisation_id=organisation.id))
    return render("organisations/invitation.html", error="", token=token, organisation=organisation, user=user,
                  kind_names=kind_names())  # fmt: skip
