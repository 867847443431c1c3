"""A migrant's account takes over the profile their MRC opened for them: the practitioner
makes the code on the profile page, the migrant enters it (or follows its link), sees
which profile and which centre, and confirms. The use case is matching/takeover.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from core.errors import HeadstartError
from matching.access import can_view_profile
from matching.consent_form import CONSENT_DAYS
from matching.models import SkillProfile
from matching.takeover import CodeGone, issue_code, take_over, takeover_for
from webapp.current import current_runtime
from webapp.formatting import moment
from webapp.rendering import render
from webapp.security import current_user, roles_required

blueprint = takeover = Blueprint("takeover", __name__)


def _render_form(code: str, *, error: str = "", status: int = 200):
    """The code form, and what the code would hand over once it is a good one."""
    found = None
    if code and not error:
        with Session(current_runtime().engine) as session:
            try:
                found = takeover_for(session, code)
            except HeadstartError as problem:
                error, status = _(problem.message), 410 if isinstance(problem, CodeGone) else 422
    return render("profiles/takeover.html", code=code, found=found, error=error, consent_days=CONSENT_DAYS,
                  moment=moment, status=status)  # fmt: skip


@takeover.post("/profiles/<int:profile_id>/takeover-code")
@roles_required("practitioner")
def make_code(profile_id: int):
    with Session(current_runtime().engine) as session:
        profile = session.get(SkillProfile, profile_id)
        if profile is None or not can_view_profile(session, current_user(), profile):
            abort(404)
    try:
        made = issue_code(current_runtime().engine, actor=current_user(), profile_id=profile_id)
    except HeadstartError as problem:
        abort(403, _(problem.message))
    link = url_for("takeover.enter", code=made.code, _external=True)
    return render("profiles/takeover_code.html", profile_id=profile_id, made=made, link=link, moment=moment)


@takeover.get("/take-over", endpoint="enter")
@takeover.get("/take-over/<code>", endpoint="enter_link")
@roles_required("migrant")
def enter(code: str = ""):
    return _render_form(request.args.get("code", code))


@takeover.post("/take-over")
@roles_required("migrant")
def confirm():
    code = request.form.get("code", "")
    if request.form.get("confirm") != "1":
        return _render_form(code)
    days_text = request.form.get("share_days", "")
    share_days = int(days_text) if days_text in {str(days) for days in CONSENT_DAYS} else None
    try:
        profile_id = take_over(current_runtime().engine, migrant=current_user(), code=code, share_days=share_days)
    except HeadstartError as problem:
        return _render_form(code, error=_(problem.message), status=422)
    flash(_("The profile is yours now. You decide who sees it."))
    return redirect(url_for("profiles.view", profile_id=profile_id))
