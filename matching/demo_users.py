"""Demo accounts and their consents, so each role can be tried at once after `make demo`.

Loaded only on request (`headstart seed --demo-users`); idempotent, so re-seeding neither
duplicates accounts nor resets a password someone changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from core.accounts.users import find_user
from core.db import session_scope
from core.organisations.models import Organisation
from core.organisations.registration import create_member_account
from core.runtime import Runtime
from matching.alerts import alert_of, set_alert
from matching.identity import IdentityInput, identity_of, save_identity
from matching.models import Consent, SkillProfile
from matching.records import grant_consent

DEMO_USERS_FILE = Path(__file__).resolve().parents[1] / "seeds" / "demo_users.json"


@dataclass(frozen=True)
class DemoUsersReport:
    created: tuple[str, ...]
    existing: tuple[str, ...]
    consents: int
    password: str


def load_demo_users(runtime: Runtime, path: Path = DEMO_USERS_FILE) -> DemoUsersReport:
    spec = json.loads(path.read_text(encoding="utf-8"))
    password = spec["password"]
    created, existing, consents = [], [], 0
    with session_scope(runtime.engine) as db:
        for entry in spec["users"]:
            if find_user(db, entry["username"]) is not None:
                existing.append(entry["username"])
                continue
            email = entry.pop("email", None)
            user = create_member_account(db, password=password, by="the demo seeding", **entry)
            user.email = email
            db.add(user)
            created.append(entry["username"])
        _hold_caseload(db, spec.get("caseload"))
        for entry in spec.get("identities", []):
            profile = _profile(db, entry.pop("profile"))
            if profile is not None and identity_of(db, profile.id or 0) is None:
                save_identity(db, profile.id or 0, IdentityInput.model_validate(entry))
        for entry in spec.get("consents", []):
            profile = _profile(db, entry["profile"])
            if profile is None:
                continue
            already = db.exec(
                select(Consent).where(Consent.profile_id == profile.id, Consent.recipient == entry["recipient"])
            ).first()
            if already is None:
                grant_consent(
                    session=db, profile_id=profile.id, recipient_kind=entry["recipient_kind"], recipient=entry["recipient"], days=365
                )
                consents += 1
    for entry in spec.get("alerts", []):
        with Session(runtime.engine) as db:
            profile, user = _profile(db, entry["profile"]), find_user(db, entry["user"])
            on = profile is not None and user is not None and alert_of(db, profile.id or 0) is None
        if on:
            set_alert(runtime.engine, actor=user, profile_id=profile.id or 0, on=True, threshold=entry["threshold"])
    return DemoUsersReport(tuple(created), tuple(existing), consents, password)


def _profile(db: Session, external_id: str) -> SkillProfile | None:
    return db.exec(select(SkillProfile).where(SkillProfile.external_id == external_id)).first()


def _hold_caseload(db: Session, caseload: dict | None) -> None:
    """The MRC holds the listed profiles of migrants who have no account (yet)."""
    if not caseload:
        return
    centre = db.exec(select(Organisation).where(Organisation.kind == "mrc", Organisation.name == caseload["mrc"])).first()
    if centre is None:
        return
    for external_id in caseload["profiles"]:
        profile = _profile(db, external_id)
        if profile is not None and profile.mrc_id is None and find_user(db, profile.owner) is None:
            profile.owner, profile.mrc_id = caseload["opened_by"], centre.id
            db.add(profile)
