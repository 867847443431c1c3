"""What people do with a skill profile, one function per thing done: save a step of the
builder or the caseworker form (with the migrant's name and contact), save a whole
profile (JSON API), grant and withdraw a consent.

Each function owns its transaction and writes its audit events in it, so the pages, the
JSON API and the CLI record the same events for the same act. Who may do it is checked
before: a page answers 404 or 403 (webapp/views/profiles.py), the API trusts its client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from core.accounts import audit
from core.accounts.users import User
from core.db import session_scope
from core.runtime import Runtime
from matching.identity import IdentityInput, save_identity
from matching.models import (
    Consent,
    SkillProfile,
    SkillProfileInput,
    SuggestionChoiceInput,
)
from matching.profile_builder import check_revision, profile_input
from matching.records import (
    create_profile,
    get_profile,
    grant_consent,
    update_profile,
    withdraw_consent,
)
from matching.referrals import release_waiting
from matching.suggestion import record_choice

Actor = User | str  # an account, or audit.API_ACTOR for the JSON API's trusted client


def save_profile_changes(
    runtime: Runtime,
    *,
    actor: User,
    profile_id: int | None,
    changes: dict[str, Any],
    detail: str,
    revision: str | None = None,
    choices: Sequence[SuggestionChoiceInput] = (),
    identity: IdentityInput | None = None,
) -> int:
    """Save what one form changed (a builder step, the caseworker form): a new profile
    owned by `actor` when `profile_id` is None, held by the actor's MRC when the actor is
    a practitioner. `revision`: the one the form was opened at (a later save by someone
    else refuses this one). `choices`: the person's decisions on suggested skills, kept
    for review once the profile is saved. `identity`: the migrant's name and contact as
    the form gave them (None: the form did not show them). Returns the id."""
    saved_id = _save(
        runtime,
        actor=actor,
        role="",
        profile_id=profile_id,
        detail=detail,
        revision=revision,
        make_input=lambda current: profile_input(current, actor.username, changes),
        identity=identity,
    )
    for choice in choices:
        record_choice(runtime, choice)
    return saved_id


def save_profile(runtime: Runtime, *, actor: Actor, role: str = "", profile_id: int | None, data: SkillProfileInput,
                 detail: str = "API") -> SkillProfile:
    """Create (`profile_id` None) or replace a whole profile; returns it as saved."""
    saved_id = _save(runtime, actor=actor, role=role, profile_id=profile_id, detail=detail, revision=None,
                     make_input=lambda _current: data)
    with Session(runtime.engine) as session:
        profile = get_profile(session, saved_id)
        session.expunge(profile)
    return profile


def _save(
    runtime: Runtime,
    *,
    actor: Actor,
    role: str,
    profile_id: int | None,
    detail: str,
    revision: str | None,
    make_input: Callable[[SkillProfile | None], SkillProfileInput],
    identity: IdentityInput | None = None,
) -> int:
    with session_scope(runtime.engine) as session:
        if profile_id is None:
            saved = create_profile(session=session, data=make_input(None))
            if isinstance(actor, User) and actor.role == "practitioner" and actor.organisation_id is not None:
                saved.mrc_id = actor.organisation_id  # the caseload is the centre's, not the person's
                session.add(saved)
            audit.record(session, actor, "create", "profile", saved.id, detail, role=role)
        else:
            saved = get_profile(session, profile_id)
            check_revision(saved, revision)
            matching_before = saved.consent_to_matching
            update_profile(session=session, profile=saved, data=make_input(saved))
            audit.record(session, actor, "update", "profile", saved.id, detail, role=role)
            if saved.consent_to_matching != matching_before:
                action = "consent_grant" if saved.consent_to_matching else "consent_withdraw"
                audit.record(session, actor, action, "profile", saved.id, "matching", role=role)
        if identity is not None and save_identity(session, saved.id or 0, identity):
            audit.record(session, actor, "update", "profile", saved.id, "name and contact", role=role)
        return saved.id or 0


def grant_profile_consent(
    runtime: Runtime, *, actor: Actor, role: str = "", profile_id: int, recipient_kind: str, days: int,
    recipient: str = "", recipient_id: int | None = None,
) -> Consent:
    """Let a verified organisation (an employer or an MRC: by id from the directory, or by
    its exact name) see the profile, the migrant's name and contact included, for `days` days."""
    with session_scope(runtime.engine) as session:
        consent = grant_consent(
            session=session, profile_id=profile_id, recipient_kind=recipient_kind, recipient=recipient, days=days,
            recipient_id=recipient_id,
        )
        detail = f"{consent.recipient_kind}: {consent.recipient}, {days} days"
        audit.record(session, actor, "consent_grant", "profile", profile_id, detail, role=role)
        release_waiting(session, profile_id=profile_id, organisation_id=consent.recipient_id or 0, actor=actor)
    return consent


def withdraw_profile_consent(runtime: Runtime, *, actor: Actor, role: str = "", profile_id: int, recipient: str = "",
                             recipient_id: int | None = None) -> tuple[int, str]:
    """Withdraw every active consent for this recipient (by organisation id, or by the
    name it had when consented), at once; returns how many, and the recipient's name."""
    with session_scope(runtime.engine) as session:
        count, name = withdraw_consent(session=session, profile_id=profile_id, recipient=recipient, recipient_id=recipient_id)
        if count:
            audit.record(session, actor, "consent_withdraw", "profile", profile_id, name, role=role)
    return count, name
