"""The consent form of a profile: the organisations a migrant may choose from (the
directory of verified MRCs and employers, by id) and what the form sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlmodel import Session, select

from core.organisations.models import SERVICE_KINDS, VACANCY_KINDS, Organisation
from matching.models import Consent
from matching.profile_builder import N_, Errors, FormData, Problem

CONSENT_DAYS: tuple[int, ...] = (90, 180, 365)


@dataclass(frozen=True)
class Recipient:
    id: int
    kind: str  # "mrc" or "employer", as a consent names it
    name: str
    place: str  # "Chisinau, MD", to tell apart two organisations of one name


@dataclass(frozen=True)
class Recipients:
    """The verified organisations a consent may go to, in the order the form lists them."""

    centres: list[Recipient] = field(default_factory=list)
    employers: list[Recipient] = field(default_factory=list)
    services: list[Recipient] = field(default_factory=list)  # service providers, destination-side services

    def get(self, organisation_id: int | None) -> Recipient | None:
        return next((r for r in self.centres + self.employers + self.services if r.id == organisation_id), None)


def consent_recipients(session: Session) -> Recipients:
    rows = session.exec(select(Organisation).where(Organisation.status == "verified").order_by(Organisation.name)).all()  # type: ignore[arg-type]
    out = Recipients()
    for row in rows:
        place = ", ".join(part for part in (row.city, row.country or "") if part)
        if row.kind == "mrc":
            out.centres.append(Recipient(row.id or 0, "mrc", row.name, place))
        elif row.kind in VACANCY_KINDS:
            out.employers.append(Recipient(row.id or 0, "employer", row.name, place))
        elif row.kind in SERVICE_KINDS:
            out.services.append(Recipient(row.id or 0, "service", row.name, place))
    return out


@dataclass(frozen=True)
class ConsentForm:
    """The consent form as sent (shown again when it has problems)."""

    recipient_id_text: str
    days_text: str
    recipient: Recipient | None
    days: int  # 0 when the text is not one of CONSENT_DAYS

    def as_values(self) -> dict[str, str]:
        return {"recipient_id": self.recipient_id_text, "days": self.days_text}


def parse_consent_form(form: FormData, recipients: Recipients) -> tuple[ConsentForm, Errors]:
    """One organisation of the directory (a forged id is refused here), one of the periods."""
    id_text = str(form.get("recipient_id", "") or "").strip()
    days_text = str(form.get("days", "180") or "")
    chosen = recipients.get(int(id_text)) if id_text.isascii() and id_text.isdigit() and len(id_text) <= 12 else None
    consent = ConsentForm(
        recipient_id_text=id_text,
        days_text=days_text,
        recipient=chosen,
        days=int(days_text) if days_text.isascii() and days_text.isdigit() and len(days_text) <= 6 else 0,
    )
    errors: Errors = {}
    if chosen is None:
        errors["recipient_id"] = Problem(N_("Choose an organisation from the list."))
    if consent.days not in CONSENT_DAYS:
        errors["days"] = Problem(N_("Choose one of the periods shown."))
    return consent, errors


def active_consents(session: Session, profile_id: int, *, now: datetime | None = None) -> list[Consent]:
    now = now or datetime.now(timezone.utc)
    rows = session.exec(select(Consent).where(Consent.profile_id == profile_id).order_by(Consent.granted_at)).all()  # type: ignore[arg-type]
    return [consent for consent in rows if consent.active(now)]
