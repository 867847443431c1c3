"""The audit log (core/accounts/audit.py): what is recorded, in the change's own transaction; the
admin's page with its filters; and the events a profile's owner sees on the profile."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from core.accounts.users import User
from core.accounts.audit import ACTIONS, AuditEvent, record
from core.db import revision_tables, session_scope
from matching.models import SkillProfileInput, Vacancy
from matching.records import create_profile, grant_consent, import_vacancies
from tests.conftest import TEST_PASSWORD

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"
VITAL_SIGNS = "http://data.europa.eu/esco/skill/60f826be-0c1b-413b-aad5-4f7546622e16"


def add_profile(runtime, owner: str, **fields) -> int:
    data = {
        "owner": owner, "consent_to_matching": True, "destination_countries": ["DE"],
        "occupations": [{"uri": NURSE, "title": "nurse", "years": 5}], "skills": [VITAL_SIGNS],
        "languages": [{"language": "de", "overall": "C1"}], **fields,
    }  # fmt: skip
    with session_scope(runtime.engine) as db:
        return create_profile(session=db, data=SkillProfileInput.model_validate(data)).id


def events(runtime, **where) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    with Session(runtime.engine) as db:
        return list(db.exec(query).all())


def actions(runtime, **where) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in events(runtime, **where)]


def set_display_name(runtime, username: str, name: str) -> None:
    with session_scope(runtime.engine) as db:
        db.exec(select(User).where(User.username == username)).one().display_name = name


# ---------------------------------------------------------------------------- the table and record()


def test_the_audit_table_has_its_own_migration():
    assert revision_tables("0003") == ("audit_event",)


def test_record_writes_in_the_callers_transaction(core_runtime, make_user):
    user = make_user("practitioner", username="ana.rusu")
    with pytest.raises(RuntimeError):
        with session_scope(core_runtime.engine) as db:
            record(db, user, "view", "profile", 7)
            raise RuntimeError("the change failed")
    assert events(core_runtime) == []  # rolled back with it
    with session_scope(core_runtime.engine) as db:
        record(db, user, "update", "profile", 7, "x" * 1000)
        record(db, "api", "view", "profile", "7", role="api")
    first, second = events(core_runtime)
    assert (first.actor, first.actor_role, first.object_type, first.object_id) == ("ana.rusu", "practitioner", "profile", "7")
    assert len(first.detail) == 300 and first.at is not None
    assert (second.actor, second.actor_role) == ("api", "api")
    with session_scope(core_runtime.engine) as db:
        with pytest.raises(ValueError):
            record(db, user, "peek", "profile", 7)
    assert set(ACTIONS) == {"view", "create", "update", "delete", "export", "consent_grant", "consent_withdraw", "erase", "handover"}


# ---------------------------------------------------------------------------- what is recorded


def test_building_a_profile_and_its_consents_are_recorded(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    about = {"csrf_token": token, "origin_countries": "MD", "destination_countries": "DE", "summary": "Ward nurse.", "action": "next"}
    assert client.post("/profiles/new", data=about).status_code == 302
    (created,) = events(core_runtime, action="create")
    pid = int(created.object_id)
    assert (created.actor, created.actor_role, created.object_type) == ("amina", "migrant", "profile")
    response = client.post(f"/profiles/{pid}/edit/consent", data={"csrf_token": token, "revision": "1", "consent_to_matching": "1", "action": "finish"})
    assert response.status_code == 302
    centre = str(make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau").organisation_id)
    client.post(f"/profiles/{pid}/consents", data={"csrf_token": token, "recipient_id": centre, "days": "180"})
    client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient_id": centre})
    client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient_id": centre})  # nothing left
    client.post(f"/profiles/{pid}/edit/consent", data={"csrf_token": token, "revision": "2", "action": "finish"})
    assert [(a, d) for _, a, d in actions(core_runtime, object_id=str(pid))] == [
        ("create", "step about"),
        ("update", "step consent"),
        ("consent_grant", "matching"),
        ("consent_grant", "mrc: MRC Chisinau, 180 days"),
        ("consent_withdraw", "MRC Chisinau"),
        ("update", "step consent"),
        ("consent_withdraw", "matching"),
    ]


def test_every_way_of_reading_a_profile_is_recorded(client, core_runtime, make_user, sign_in):
    pid = add_profile(core_runtime, "amina")
    practitioner = make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    with session_scope(core_runtime.engine) as db:
        grant_consent(session=db, profile_id=pid, recipient_kind="mrc", recipient="MRC Chisinau")
    token = sign_in(practitioner)
    for url in (f"/profiles/{pid}", f"/profiles/{pid}/matches", f"/profiles/{pid}/print", f"/profiles/{pid}/caseworker"):
        assert client.get(url).status_code == 200
    client.post(f"/profiles/{pid}/notes", data={"csrf_token": token, "kind": "next_step", "text": "Book the exam."})
    assert client.get(f"/api/v1/profiles/{pid}").status_code == 200
    assert actions(core_runtime, object_id=str(pid)) == [
        ("ana.rusu", "view", ""),
        ("ana.rusu", "view", "matches"),
        ("ana.rusu", "view", "printable page"),
        ("ana.rusu", "view", "caseworker mode"),
        ("ana.rusu", "update", "case note added (next_step)"),
        ("api", "view", "API"),
    ]
    assert client.get("/profiles/999999").status_code == 404
    assert events(core_runtime, object_id="999999") == []  # nothing read, nothing recorded


def test_export_and_erasure_are_recorded(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    client.get("/account/export")
    assert actions(core_runtime, action="export") == [("amina", "export", "")]
    assert events(core_runtime, action="export")[0].object_id == "amina"
    client.post("/account/delete", data={"csrf_token": token, "password": TEST_PASSWORD})
    (erased,) = events(core_runtime, action="erase")
    assert erased.actor == "" and erased.actor_role == "migrant" and erased.object_type == "account"
    assert events(core_runtime, action="export") == []  # about the account: erased with it


def test_an_employer_viewing_candidates_is_recorded(client, core_runtime, make_user, sign_in):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    add_profile(core_runtime, "amina")
    with Session(core_runtime.engine) as db:
        job = db.exec(select(Vacancy).where(Vacancy.external_id == "demo-vac-002")).one()
    sign_in(make_user("employer", username="hr.vogt", organisation=job.employer))
    page = client.get(f"/vacancies/{job.id}/candidates").get_data(as_text=True)
    shown = page.count('<li class="candidate ')
    (event,) = events(core_runtime, object_type="vacancy")
    assert (event.actor, event.action, event.object_id) == ("hr.vogt", "view", str(job.id))
    assert event.detail.startswith(f"{shown} candidate")


def test_candidates_handed_to_an_api_client_are_recorded_like_the_page(client, core_runtime):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    add_profile(core_runtime, "amina")
    with Session(core_runtime.engine) as db:
        job = db.exec(select(Vacancy).where(Vacancy.external_id == "demo-vac-002")).one()
    body = client.get(f"/api/v1/vacancies/{job.id}/candidates").get_json()
    (event,) = events(core_runtime, object_type="vacancy")
    assert (event.actor, event.actor_role, event.action, event.object_id) == ("api", "api", "view", str(job.id))
    assert event.detail == f"{len(body['candidates'])} candidates shown"


def test_a_consent_given_through_the_api_is_recorded_as_on_the_page(client, core_runtime, make_user):
    pid = add_profile(core_runtime, "amina")
    make_user("employer", organisation="Werft Nord GmbH")  # a verified organisation of the directory
    consent = {"recipient_kind": "employer", "recipient": "Werft Nord GmbH", "days": 30}
    assert client.post(f"/api/v1/profiles/{pid}/consents", json=consent).status_code == 201
    (event,) = events(core_runtime, action="consent_grant")
    assert event.detail == "employer: Werft Nord GmbH, 30 days"


# ---------------------------------------------------------------------------- who sees the log


def test_the_owner_sees_who_looked_at_their_profile(client, core_runtime, make_user, sign_in):
    owner = make_user("migrant", username="amina")
    practitioner = make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    set_display_name(core_runtime, "ana.rusu", "Ana Rusu")
    pid = add_profile(core_runtime, "amina")
    with session_scope(core_runtime.engine) as db:
        grant_consent(session=db, profile_id=pid, recipient_kind="mrc", recipient="MRC Chisinau")
    sign_in(owner)
    page = client.get(f"/profiles/{pid}").get_data(as_text=True)
    assert 'id="profile-audit"' in page and "Nobody else has opened or changed your profile yet." in page

    sign_in(practitioner)
    page = client.get(f"/profiles/{pid}").get_data(as_text=True)
    assert 'id="profile-audit"' not in page  # the owner's to see, not the practitioner's
    sign_in(owner)
    page = client.get(f"/profiles/{pid}").get_data(as_text=True)
    trail = page.split('id="profile-audit"')[1].split("</section>")[0]
    assert "Viewed by MRC practitioner Ana Rusu on " in trail and " UTC" in trail
    assert "amina" not in trail  # the owner's own visits are not listed


def test_the_admin_audit_page_lists_and_filters_events(client, core_runtime, make_user, sign_in):
    make_user("practitioner", username="ana.rusu")
    with session_scope(core_runtime.engine) as db:
        record(db, "ana.rusu", "view", "profile", 11, role="practitioner")
        record(db, "amina", "update", "profile", 12, "step about", role="migrant")
        record(db, "hr.vogt", "view", "vacancy", 3, "4 candidates shown", role="employer")
    sign_in(make_user("migrant"))
    assert client.get("/admin/audit").status_code == 403
    admin = make_user("admin", username="root.admin")
    sign_in(admin)
    assert 'id="link-audit"' in client.get("/account").get_data(as_text=True)

    page = client.get("/admin/audit").get_data(as_text=True)
    rows = page.split('id="audit-events"')[1]
    assert rows.count("<tr>") == 4  # the header and three events
    assert "4 candidates shown" in rows and "Vacancy 3" in rows and "step about" in rows
    assert rows.index("hr.vogt") < rows.index("ana.rusu")  # newest first

    rows = client.get("/admin/audit?actor=ana.rusu").get_data(as_text=True).split('id="audit-events"')[1]
    assert rows.count("<tr>") == 2 and "Profile 11" in rows
    rows = client.get("/admin/audit?object_id=12").get_data(as_text=True).split('id="audit-events"')[1]
    assert rows.count("<tr>") == 2 and "step about" in rows
    rows = client.get("/admin/audit?object_type=vacancy&action=view").get_data(as_text=True).split('id="audit-events"')[1]
    assert rows.count("<tr>") == 2 and "hr.vogt" in rows
    assert 'id="audit-empty"' in client.get("/admin/audit?actor=nobody").get_data(as_text=True)
    assert client.get("/admin/audit?action=%3Cscript%3E").status_code == 200  # unknown filters are ignored


def test_the_audit_table_is_in_the_schema(core_runtime):
    assert "audit_event" in sa.inspect(core_runtime.engine).get_table_names()


def test_profile_changes_through_the_api_are_recorded(client, core_runtime, make_user):
    make_user("employer", organisation="Werft Nord GmbH")  # a verified organisation of the directory
    body = {"owner": "api-owner", "destination_countries": ["DE"], "summary": "Welder, eight years."}
    created = client.post("/api/v1/profiles", json=body)
    assert created.status_code == 201
    profile_id = created.get_json()["id"]
    assert client.put(f"/api/v1/profiles/{profile_id}", json={**body, "summary": "Welder, nine years."}).status_code == 200
    consent = {"recipient_kind": "employer", "recipient": "Werft Nord GmbH", "days": 30}
    assert client.post(f"/api/v1/profiles/{profile_id}/consents", json=consent).status_code == 201
    assert client.delete(f"/api/v1/profiles/{profile_id}/consents/Werft Nord GmbH").status_code == 200
    actions = [event.action for event in events(core_runtime, object_type="profile", object_id=str(profile_id))]
    assert actions == ["create", "update", "consent_grant", "consent_withdraw"]
    from core.accounts.audit import API_ACTOR

    assert {event.actor for event in events(core_runtime, object_type="profile")} == {API_ACTOR}
