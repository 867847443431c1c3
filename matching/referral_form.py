"""The referral form: what a sender may choose from, and the form as sent, checked.

The choices are what the rules allow, so the page never offers what the service would
refuse: verified organisations other than the sender's own (partners first), the notes
the sender's own organisation wrote on this case, and the vacancies the person is in a
hiring process for (a hire is where an arrival-support referral usually starts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from core.errors import NotFound
from core.organisations.models import N_, Organisation
from core.organisations.partnerships import partners_of
from matching.access import acts_for_migrant
from matching.case_notes import CaseNote, list_notes, written_by
from matching.consent_form import CONSENT_DAYS
from matching.models import SkillProfile, Vacancy
from matching.pipeline import PipelineEntry
from matching.records import consented_recipients
from matching.referrals import Packet, ReferralRequest, sender_organisation

RECEIVING_KINDS = ("integration_service", "service_provider", "mrc", "public_employment_service")


@dataclass(frozen=True)
class ReferralChoices:
    partners: list[Organisation]
    others: list[Organisation]
    notes: list[CaseNote]
    vacancies: list[tuple[Vacancy, str]]  # (vacancy, the person's stage in it)
    consented: frozenset[int]  # receivers the person already consented to
    may_record_consent: bool  # the sender holds the profile for a migrant without an account

    def get(self, organisation_id: int | None) -> Organisation | None:
        return next((o for o in self.partners + self.others if o.id == organisation_id), None)


def referral_choices(session: Session, *, sender: Organisation, profile: SkillProfile, may_record_consent: bool) -> ReferralChoices:
    partners = [o for o in partners_of(session, sender.id or 0) if o.verified]
    seen = {o.id for o in partners} | {sender.id}
    query = select(Organisation).where(Organisation.status == "verified", Organisation.kind.in_(RECEIVING_KINDS))  # type: ignore[attr-defined]
    others = [o for o in session.exec(query.order_by(Organisation.country, Organisation.name)) if o.id not in seen]
    entries = session.exec(select(PipelineEntry, Vacancy).join(Vacancy, Vacancy.id == PipelineEntry.vacancy_id)  # type: ignore[arg-type]
                           .where(PipelineEntry.profile_id == profile.id).order_by(PipelineEntry.updated_at.desc())).all()  # type: ignore[attr-defined]  # fmt: skip
    pid = profile.id or 0
    consented = consented_recipients(session, [pid]).get(pid, set())
    return ReferralChoices(
        partners=partners, others=others,
        notes=[note for note in list_notes(session, pid) if written_by(session, note, sender.id or 0)],
        vacancies=[(vacancy, entry.stage) for entry, vacancy in entries],
        consented=frozenset(consented),
        may_record_consent=may_record_consent,
    )  # fmt: skip


def _number(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def parse_referral_form(form: Mapping, getlist, *, profile_id: int, choices: ReferralChoices) -> tuple[ReferralRequest | None, dict[str, str]]:
    """The form as a ReferralRequest, or the problems by field (N_-marked, the page translates)."""
    errors: dict[str, str] = {}
    receiver = choices.get(_number(form.get("to_organisation_id")))
    if receiver is None:
        errors["to_organisation_id"] = N_("Choose a verified organisation from the directory.")
    departure: date | None = None
    if (form.get("departure_on") or "").strip():
        try:
            departure = date.fromisoformat(form["departure_on"].strip())
        except ValueError:
            errors["departure_on"] = N_("Give a date such as 2027-03-01 (year-month-day).")
    notes = tuple(n for n in (_number(v) for v in getlist("case_note_ids")) if n is not None)
    consent_days = _number(form.get("consent_days")) if form.get("consent_given") else None
    if form.get("consent_given") and consent_days not in CONSENT_DAYS:
        errors["consent_days"] = N_("Choose one of the periods shown.")
    if errors:
        return None, errors
    packet = Packet(summary=bool(form.get("summary")), orientation=bool(form.get("orientation")),
                    case_note_ids=notes, vacancy_id=_number(form.get("vacancy_id")))  # fmt: skip
    return ReferralRequest(profile_id=profile_id, to_organisation_id=receiver.id or 0, purpose=form.get("purpose", ""),
                           packet=packet, departure_on=departure, consent_days=consent_days), {}  # fmt: skip


def referral_form_for(session: Session, *, actor, profile_id: int) -> tuple[SkillProfile, Organisation, ReferralChoices]:
    """The profile, the sending organisation and the choices, for one who may refer (NotFound otherwise)."""
    profile = session.get(SkillProfile, profile_id)
    if profile is None:
        raise NotFound("There is no such profile.", field="profile")
    sender = sender_organisation(session, actor, profile)
    held = profile.mrc_id is not None and acts_for_migrant(actor, profile)
    return profile, sender, referral_choices(session, sender=sender, profile=profile, may_record_consent=held)
