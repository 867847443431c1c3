"""Sign in, register, sign out, the interface language, and a person's own data
(export it all, delete the account)."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from core.accounts import audit, login_sessions
from core.accounts.users import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ORGANISATION_ROLES,
    SELF_SERVICE_ROLES,
    UI_LANGUAGES,
    AccountError,
    TooManyAttempts,
    authenticate,
    password_problem,
    set_language,
    set_password,
)
from core.db import session_scope
from core.errors import HeadstartError
from core.organisations.registration import Registration, register_account
from core.organisations.service import OrganisationError
from matching import erasure
from webapp.current import current_runtime
from webapp.i18n import current_language
from webapp.rendering import render
from webapp.security import (
    current_user,
    login_required,
    login_user,
    logout_user,
    safe_next,
    session_token,
)

blueprint = auth = Blueprint("auth", __name__)


def _engine():
    return current_runtime().engine


def _signed_in_person_again(db, user, password: str):
    """The signed-in person's password once more (a change or an erasure), through the
    same throttled check as the sign-in, so it cannot be used to guess passwords."""
    return authenticate(session=db, username=user.username, password=password, client=request.remote_addr or "unknown")


def _password_refusal(error: HeadstartError) -> tuple[str, int]:
    """What to say, and the status, when that check fails."""
    if isinstance(error, TooManyAttempts):
        return _("Too many failed sign-ins. Wait 15 minutes and try again."), 429
    return _("The password is wrong."), 422


@auth.route("/login", methods=["GET", "POST"])
def login():
    values = {"username": request.values.get("username", "")}
    next_url = safe_next(request.values.get("next"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            with session_scope(_engine()) as db:
                user = authenticate(
                    session=db,
                    username=request.form.get("username", ""),
                    password=request.form.get("password", ""),
                    client=request.remote_addr or "unknown",
                )
        except TooManyAttempts:
            errors["password"] = _("Too many failed sign-ins. Wait 15 minutes and try again.")
            status = 429
        except HeadstartError:
            errors["password"] = _("The user name or the password is wrong.")
            status = 422
        else:
            login_user(user)
            return redirect(next_url or url_for("auth.account"))
    return render("auth/login.html", values=values, errors=errors, next_url=next_url, status=status)


ROLE_LABELS = {
    "migrant": "I am preparing to work abroad",
    "employer": "I hire workers for my organisation",
    "provider": "I offer training or services to migrants",
}


@auth.route("/register", methods=["GET", "POST"])
def register():
    fields = ("username", "display_name", "role", "organisation")
    values = {name: request.form.get(name, "") for name in fields}
    values["role"] = values["role"] or request.args.get("role", "migrant")
    invitation = (request.values.get("invitation") or "").strip()[:100] or None
    errors: dict[str, str] = {}
    if request.method == "POST":
        registration = Registration(
            **values, password=request.form.get("password", ""), password_again=request.form.get("password_again", "")
        )
        try:
            user = register_account(_engine(), registration, language=_language_now(), invitation=invitation)
        except AccountError as error:
            messages = account_problem_messages()
            errors.update({field: messages[code] for field, code in error.problems.items()})
        except OrganisationError as error:  # the invitation was used or expired meanwhile
            errors["invitation"] = _(error.message)
        else:
            login_user(user)
            flash(_("Welcome to Headstart. Your account is ready."))
            return redirect(url_for("auth.account"))
    return render(
        "auth/register.html",
        values=values,
        errors=errors,
        roles=[(role, ROLE_LABELS[role]) for role in SELF_SERVICE_ROLES],
        organisation_roles=ORGANISATION_ROLES,
        invitation=invitation,
        status=422 if errors else 200,
    )


def _language_now() -> str:
    return current_language()


def account_problem_messages() -> dict[str, str]:
    """core.accounts.users.ACCOUNT_PROBLEMS in the reader's language (same sentences)."""
    return {
        "username_format": _(
            "A user name has 3 to 60 characters: lower-case letters, digits, and . _ @ - "
            "(starting with a letter or digit)."
        ),
        "username_taken": _("This user name is taken; choose another."),
        "role_unknown": _("Choose one of the kinds of account shown."),
        "organisation_missing": _("Name the organisation this account works for."),
        "name_too_long": _("Names may have at most 200 characters."),
        "password_short": _("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
        "password_long": _("The password may have at most %(count)d characters.", count=MAX_PASSWORD_LENGTH),
        "role_not_self_service": _("Choose one of the kinds of account shown."),
        "email_invalid": _("Give an e-mail address like name@example.org, or leave it empty."),
        "passwords_differ": _("The two passwords differ."),
    }


@auth.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("home.index"))


@auth.get("/account")
def account():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=url_for("auth.account")))
    this_one = login_sessions.token_digest(session_token() or "")
    with session_scope(_engine()) as db:
        sessions = login_sessions.sessions_of(session=db, user_id=user.id or 0)
    return render("auth/account.html", user=user, sessions=sessions, this_session=this_one)


@auth.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password; every other session ends, since a changed password often means a
    shared or stolen one."""
    user = current_user()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        status = 422  # unless it succeeds
        password = request.form.get("password", "")
        if (problem := password_problem(password)) is not None:
            errors["password"] = account_problem_messages()[problem]
        elif password != request.form.get("password_again", ""):
            errors["password_again"] = _("The two passwords differ.")
        if not errors:
            try:
                with session_scope(_engine()) as db:
                    stored = _signed_in_person_again(db, user, request.form.get("current_password", ""))
                    set_password(session=db, user=stored, password=password)
                    ended = login_sessions.close_all_sessions(session=db, user_id=stored.id or 0, keep_token=session_token())
                    audit.record(db, user, "update", "account", user.username, f"password changed; {ended} other sessions ended")
            except HeadstartError as error:
                errors["current_password"], status = _password_refusal(error)
            else:
                flash(_("Your password is changed. Every other session of your account has ended."))
                return redirect(url_for("auth.account"))
    return render("auth/password.html", errors=errors, values={}, status=status)


@auth.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every other browser, e.g. after using a shared or lost computer."""
    user = current_user()
    with session_scope(_engine()) as db:
        ended = login_sessions.close_all_sessions(session=db, user_id=user.id or 0, keep_token=session_token())
    if ended:
        flash(ngettext("Signed out of %(num)d other session.", "Signed out of %(num)d other sessions.", ended))
    else:
        flash(_("There were no other sessions."))
    return redirect(url_for("auth.account"))


# Accounts a person may delete themself. Practitioners' and admins' accounts are made by an
# admin (and a practitioner's own profiles are ones made for migrants): an admin closes them.
SELF_ERASABLE_ROLES = SELF_SERVICE_ROLES


@auth.get("/account/export")
@login_required
def export():
    """Everything stored about the signed-in person, as a JSON download."""
    user = current_user()
    with session_scope(_engine()) as db:
        data = erasure.export_personal_data(db, username=user.username)
        audit.record(db, user, "export", "account", user.username)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    filename = f"headstart-{user.username}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@auth.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    user = current_user()
    allowed = user.role in SELF_ERASABLE_ROLES
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not allowed:
            abort(403)
        try:
            password = request.form.get("password", "")
            erasure.erase_account_everywhere(
                current_runtime(), username=user.username, confirm=lambda db: _signed_in_person_again(db, user, password)
            )
        except HeadstartError as error:
            errors["password"], status = _password_refusal(error)
        else:
            logout_user()
            g.user = None
            flash(_("Your account and everything stored about you are deleted."))
            return redirect(url_for("home.index"))
    return render("auth/delete_account.html", user=user, allowed=allowed, errors=errors, values={}, status=status)


@auth.post("/language")
def choose_language():
    language = request.form.get("language", "")
    if language in UI_LANGUAGES:
        session["lang"] = language
        user = current_user()
        if user is not None:
            with session_scope(_engine()) as db:
                stored = db.merge(user)
                set_language(session=db, user=stored, language=language)
            g.user = stored
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))
