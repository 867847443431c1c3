"""The demo's marketplace of organisations (seeds/demo_organisations.json): what the demo
organisations offer, a destination-side integration service with an account, and its
accepted partnership with the demo MRC, so the directory's filters, the partners on both
pages and a thread can be tried at once after `make demo`.

Loaded after the demo accounts (the thread is written by them), through the same use
cases as the pages, so it has their audit events and notices. Idempotent: details are
filled only where an organisation has none, and a partnership is asked only once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from core.accounts.users import create_user, find_user
from core.db import session_scope
from core.organisations import partnerships
from core.organisations.models import Organisation
from core.organisations.service import OrganisationDetails, join, trusted_organisation
from core.runtime import Runtime

DEMO_ORGANISATIONS_FILE = Path(__file__).resolve().parents[1] / "seeds" / "demo_organisations.json"
SEEDED_BY = "the demo seeding"
DETAIL_KEYS = ("country", "city", "website", "contact", "description", "services", "languages", "sectors")


@dataclass(frozen=True)
class DemoOrganisationsReport:
    detailed: int
    members: tuple[str, ...]
    partnerships: int


def load_demo_organisations(runtime: Runtime, *, password: str, path: Path = DEMO_ORGANISATIONS_FILE) -> DemoOrganisationsReport:
    spec = json.loads(path.read_text(encoding="utf-8"))
    detailed, members = 0, []
    with session_scope(runtime.engine) as db:
        for entry in spec.get("organisations", []):
            trusted_organisation(db, kind=entry["kind"], name=entry["name"], by=SEEDED_BY, note=f"Made by {SEEDED_BY}.")
        for entry in spec.get("details", []) + spec.get("organisations", []):
            detailed += _fill_details(db, entry)
        for entry in spec.get("members", []):
            if _add_member(db, dict(entry), password):
                members.append(entry["username"])
    asked = sum(_partnership(runtime, entry) for entry in spec.get("partnerships", []))
    return DemoOrganisationsReport(detailed, tuple(members), asked)


def _organisation(db: Session, kind: str, name: str) -> Organisation | None:
    return db.exec(select(Organisation).where(Organisation.kind == kind, Organisation.name == name)).first()


def _fill_details(db: Session, entry: dict[str, Any]) -> int:
    """The details of the file, checked as the edit form checks them, where there are none yet."""
    organisation = _organisation(db, entry["kind"], entry["name"])
    if organisation is None or organisation.services or organisation.description:
        return 0
    values = {key: entry[key] for key in DETAIL_KEYS if key in entry}
    values.update({key: tuple(values.get(key, ())) for key in ("services", "languages", "sectors")})
    checked = OrganisationDetails(kind=organisation.kind, name=organisation.name, **values).checked()
    for key in DETAIL_KEYS:
        value = getattr(checked, key)
        setattr(organisation, key, list(value) if isinstance(value, tuple) else value)
    db.add(organisation)
    return 1


def _add_member(db: Session, entry: dict[str, Any], password: str) -> bool:
    """An account owning an organisation of a kind the sign-up roles do not make (an integration service)."""
    if find_user(db, entry["username"]) is not None:
        return False
    organisation = _organisation(db, entry.pop("organisation_kind"), entry["organisation"])
    if organisation is None:
        return False
    email = entry.pop("email", None)
    user = create_user(session=db, password=password, **entry)
    user.email = email
    join(db, user, organisation, role="owner")
    return True


def _partnership(runtime: Runtime, entry: dict[str, Any]) -> int:
    with Session(runtime.engine) as db:
        asking, answering = find_user(db, entry["by"]), find_user(db, entry["answered_by"])
        other = _organisation(db, entry["to_kind"], entry["to"])
        if asking is None or answering is None or other is None or asking.organisation_id is None:
            return 0
        if partnerships.between(db, asking.organisation_id, other.id or 0):
            return 0
    made = partnerships.request_partnership(runtime.engine, actor=asking, organisation_id=other.id or 0, kind=entry["kind"],
                                            message=entry["message"])  # fmt: skip
    partnerships.answer(runtime.engine, actor=answering, partnership_id=made.id or 0, decision=entry["answer"],
                        message=entry.get("reply", ""))  # fmt: skip
    return 1
