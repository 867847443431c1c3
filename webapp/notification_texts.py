"""The words of each kind of notification, in the reader's language, for the inbox and
the e-mail alike (one place: the two never say different things).

A notice's parameters were written by the domain when it happened (core/notifications);
only what the recipient may see is in them. Links are built here with url_for, so they
follow the routes; e-mails get them absolute (webapp/mail_render.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from core.notifications.models import Notification
from webapp.formatting import country_name, stage_names


@dataclass(frozen=True)
class Action:
    """A one-click form (POST) in the inbox, for example renewing a consent."""

    label: str
    url: str


@dataclass(frozen=True)
class Notice:
    title: str
    body: str = ""
    url: str | None = None  # where to read more and act
    items: list[tuple[str, str]] = field(default_factory=list)  # (text, url): a digest's vacancies
    action: Action | None = None


def _contact_request(p: dict[str, Any]) -> Notice:
    return Notice(
        _("%(employer)s asks to contact you about “%(vacancy)s”", employer=p.get("employer", ""), vacancy=p.get("vacancy", "")),
        _("Read their message and answer on your profile. They learn your name and contact only if you accept."),
        url_for("profiles.view", profile_id=p.get("profile_id", 0), _anchor="contact-requests"),
    )


def _contact_answer(p: dict[str, Any]) -> Notice:
    vacancy, answer = p.get("vacancy", ""), p.get("answer")
    url = url_for("market.candidates", vacancy_id=p.get("vacancy_id", 0), _anchor=f"pipeline-{p.get('entry_id', 0)}")
    if answer == "accepted":
        return Notice(_("A candidate for “%(vacancy)s” accepted your contact request", vacancy=vacancy),
                      _("Their name and contact are on the candidates page now."), url)  # fmt: skip
    if answer == "declined":
        return Notice(_("A candidate for “%(vacancy)s” declined your contact request", vacancy=vacancy),
                      _("They stay anonymous to you and have left this process."), url)  # fmt: skip
    return Notice(_("Your contact request for “%(vacancy)s” expired without an answer", vacancy=vacancy),
                  _("The candidate is back on your shortlist; you may ask again."), url)  # fmt: skip


def _pipeline_move(p: dict[str, Any]) -> Notice:
    stage = stage_names().get(p.get("stage", ""), p.get("stage", ""))
    return Notice(
        _("“%(vacancy)s” at %(employer)s: you are now at “%(stage)s”", vacancy=p.get("vacancy", ""), employer=p.get("employer", ""), stage=stage),
        _("Your profile shows where you stand in each hiring process."),
        url_for("profiles.view", profile_id=p.get("profile_id", 0), _anchor="processes"),
    )


def _vacancy_line(p: dict[str, Any]) -> str:
    return _("%(vacancy)s, %(employer)s, %(country)s", vacancy=p.get("vacancy", ""), employer=p.get("employer", ""),
             country=country_name(p.get("country")))  # fmt: skip


def _new_match(p: dict[str, Any]) -> Notice:
    return Notice(_("A new vacancy matches your profile: %(line)s", line=_vacancy_line(p)),
                  _("Its match score is %(score)s of 1; the vacancy page says why.", score=f"{float(p.get('score', 0)):.2f}"),
                  url_for("market.vacancy", vacancy_id=p.get("vacancy_id", 0)))  # fmt: skip


def _search_hit(p: dict[str, Any]) -> Notice:
    return Notice(_("New in a search you saved: %(line)s", line=_vacancy_line(p)), "",
                  url_for("market.vacancy", vacancy_id=p.get("vacancy_id", 0)))  # fmt: skip


def _alert_digest(p: dict[str, Any]) -> Notice:
    count = int(p.get("count", 0))
    items = [(_vacancy_line(v), url_for("market.vacancy", vacancy_id=v.get("vacancy_id", 0))) for v in p.get("vacancies", [])]
    more = count - len(items)
    body = ngettext("And %(num)d more in your inbox.", "And %(num)d more in your inbox.", more) if more > 0 else ""
    return Notice(ngettext("%(num)d new vacancy for you", "%(num)d new vacancies for you", count), body,
                  url_for("notifications.inbox"), items)  # fmt: skip


def _consent_expiring(p: dict[str, Any]) -> Notice:
    profile_id = p.get("profile_id", 0)
    return Notice(
        _("Your consent for %(recipient)s ends on %(date)s", recipient=p.get("recipient", ""), date=p.get("expires", "")),
        _("Renew it for as long again with one click, or let it end: after that date they no longer see your profile."),
        url_for("profiles.edit", profile_id=profile_id, step="consent"),
        action=Action(_("Renew the consent"), url_for("profiles.renew_consent", profile_id=profile_id, consent_id=p.get("consent_id", 0))),
    )


def _verification(p: dict[str, Any]) -> Notice:
    name, url = p.get("organisation", ""), url_for("organisations.page", organisation_id=p.get("organisation_id", 0))
    if p.get("decision") == "verified":
        return Notice(_("%(name)s is verified", name=name), _("Its vacancies and offers are listed and matched now."), url)
    return Notice(_("%(name)s was suspended", name=name), _("Its vacancies and offers are hidden until a reviewer verifies it again; the organisation's page gives the reason."), url)


def _invitation_accepted(p: dict[str, Any]) -> Notice:
    return Notice(_("%(member)s joined %(name)s with an invitation", member=p.get("member", ""), name=p.get("organisation", "")), "",
                  url_for("organisations.page", organisation_id=p.get("organisation_id", 0)))  # fmt: skip


def _organisation_pending(p: dict[str, Any]) -> Notice:
    return Notice(_("%(name)s waits for review", name=p.get("organisation", "")),
                  _("Check its details before its vacancies or offers are listed."), url_for("organisations.queue"))  # fmt: skip


def _partnership_url(p: dict[str, Any]) -> str:
    return url_for("partnerships.thread", partnership_id=p.get("partnership_id", 0))


def _partnership_request(p: dict[str, Any]) -> Notice:
    sender, recipient = p.get("organisation", ""), p.get("recipient", "")
    if p.get("request_kind") == "contact":
        title = _("%(sender)s asks %(recipient)s for contact", sender=sender, recipient=recipient)
    else:
        title = _("%(sender)s proposes a partnership to %(recipient)s", sender=sender, recipient=recipient)
    return Notice(title, _("Read their message, then answer or write back in the thread."), _partnership_url(p))


def _partnership_answer(p: dict[str, Any]) -> Notice:
    sender, answer = p.get("organisation", ""), p.get("answer")
    if answer == "accepted":
        return Notice(_("%(sender)s accepted your request", sender=sender),
                      _("You may write to each other in the thread; partners are listed on both organisations' pages."),
                      _partnership_url(p))  # fmt: skip
    if answer == "declined":
        return Notice(_("%(sender)s declined your request", sender=sender), _("The thread may say why."), _partnership_url(p))
    return Notice(_("%(sender)s withdrew its request", sender=sender), "", _partnership_url(p))


def _partnership_message(p: dict[str, Any]) -> Notice:
    return Notice(_("%(sender)s wrote in your thread", sender=p.get("organisation", "")), "", _partnership_url(p))


def _referral_url(p: dict[str, Any]) -> str:
    return url_for("referrals.page", referral_id=p.get("referral_id", 0))


def _referral_received(p: dict[str, Any]) -> Notice:
    return Notice(_("%(sender)s referred someone to you: %(purpose)s", sender=p.get("organisation", ""), purpose=p.get("purpose", "")),
                  _("Accept or decline on the referral's page; what the centre handed over is there."), _referral_url(p))  # fmt: skip


def _referral_answer(p: dict[str, Any]) -> Notice:
    purpose, receiver = p.get("purpose", ""), p.get("organisation", "")
    titles = {
        "accepted": _("%(receiver)s accepted the referral “%(purpose)s”", receiver=receiver, purpose=purpose),
        "declined": _("%(receiver)s declined the referral “%(purpose)s”", receiver=receiver, purpose=purpose),
        "in_progress": _("%(receiver)s started work on the referral “%(purpose)s”", receiver=receiver, purpose=purpose),
    }
    title = titles.get(p.get("status", ""), _("The referral “%(purpose)s” is closed", purpose=purpose))
    return Notice(title, _("The referral's page says what happened and why."), _referral_url(p))


def _referral_consent(p: dict[str, Any]) -> Notice:
    organisation = p.get("organisation", "")
    return Notice(
        _("%(sender)s would refer you to %(organisation)s: %(purpose)s", sender=p.get("sender", ""), organisation=organisation,
          purpose=p.get("purpose", "")),
        _("Nothing is shared until you agree: give %(organisation)s consent on your profile, or leave it.", organisation=organisation),
        url_for("profiles.edit", profile_id=p.get("profile_id", 0), step="consent"),
    )  # fmt: skip


WORDING: dict[str, Callable[[dict[str, Any]], Notice]] = {
    "contact_request": _contact_request,
    "contact_answer": _contact_answer,
    "pipeline_move": _pipeline_move,
    "new_match": _new_match,
    "search_hit": _search_hit,
    "alert_digest": _alert_digest,
    "consent_expiring": _consent_expiring,
    "verification": _verification,
    "invitation_accepted": _invitation_accepted,
    "organisation_pending": _organisation_pending,
    "partnership_request": _partnership_request,
    "partnership_answer": _partnership_answer,
    "partnership_message": _partnership_message,
    "referral_received": _referral_received,
    "referral_answer": _referral_answer,
    "referral_consent": _referral_consent,
}


def notice(note: Notification) -> Notice:
    words = WORDING.get(note.kind)
    if words is None:
        return Notice(_("Something happened that this version cannot show."))
    return words(dict(note.params or {}))
