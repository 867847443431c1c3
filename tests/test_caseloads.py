"""Caseloads belong to the MRC, the migrant's name and contact are seen only by those the
migrant allowed, and a migrant's own account takes over the profile with a one-time code
(matching/access.py, matching/identity.py, matching/takeover.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.accounts.audit import AuditEvent
from core.db import session_scope
from core.organisations import membership
from matching.identity import MigrantIdentity
from matching.models import SkillProfile, VacancyInput
from matching.records import create_vacancy
from matching.takeover import CodeGone, issue_code, take_over, takeover_for
from tests.profiles import add_profile

CHISINAU = "MRC Chisinau"
ABOUT = {"origin_countries": "MD", "destination_countries": "DE", "summary": "Cook in a school canteen.", "action": "finish"}
CONTACT = {"full_name": "Ion Rotaru", "phone": "+373 69 123 456", "email": "ion.rotaru@example.org",
           "messaging_app": "signal", "messaging_handle": "+373 69 123 456"}  # fmt: skip


def page(response) -> str:
    return response.get_data(as_text=True)


def open_profile(client, token: str, **fields) -> int:
    response = client.post("/profiles/new", data={"csrf_token": token, **ABOUT, **CONTACT, **fields})
    assert response.status_code == 302, page(response)[:3000]
    return int(re.search(r"/profiles/(\d+)", response.headers["Location"]).group(1))


def test_a_profile_a_practitioner_opens_is_the_centres_and_stays_when_they_leave(client, core_runtime, make_user, sign_in):
    pia = make_user("practitioner", username="pia", organisation=CHISINAU)
    colleague = make_user("practitioner", username="ana", organisation=CHISINAU)
    elsewhere = make_user("practitioner", username="ola", organisation="MRC Tirana")
    pid = open_profile(client, sign_in(pia))
    with Session(core_runtime.engine) as db:
        assert db.get(SkillProfile, pid).mrc_id == pia.organisation_id

    sign_in(colleague)
    listed = page(client.get("/profiles"))
    assert f'/profiles/{pid}"' in listed and "Ion Rotaru" in listed and "Held by MRC Chisinau, opened by pia" in listed
    shown = page(client.get(f"/profiles/{pid}"))
    assert "+373 69 123 456" in shown and 'id="make-takeover-code"' in shown
    sign_in(elsewhere)
    assert client.get(f"/profiles/{pid}").status_code == 404 and "Ion Rotaru" not in page(client.get("/profiles"))

    owner = next(u for u in (pia, colleague) if u.organisation_role == "owner")
    leaving = colleague if owner is pia else pia
    membership.remove_member(core_runtime.engine, owner=owner, organisation_id=owner.organisation_id, username=leaving.username)
    with Session(core_runtime.engine) as db:
        from core.accounts.users import find_user

        sign_in(find_user(db, leaving.username))
    assert client.get(f"/profiles/{pid}").status_code == 404  # gone with the job, not with the caseload
    sign_in(owner)
    assert client.get(f"/profiles/{pid}").status_code == 200


def test_bad_contact_details_get_messages_and_nothing_is_saved(client, core_runtime, make_user, sign_in):
    token = sign_in(make_user("migrant", username="amina"))
    response = client.post("/profiles/new", data={"csrf_token": token, **ABOUT, "phone": "call me after six",
                                                  "email": "amina at home", "full_name": "x" * 10_000})  # fmt: skip
    assert response.status_code == 422
    for field in ("phone", "email", "full_name"):
        assert f'id="{field}-error"' in page(response)
    assert "call me after six" in page(response)  # what was typed is kept in the form
    with Session(core_runtime.engine) as db:
        assert db.exec(select(SkillProfile)).first() is None and db.exec(select(MigrantIdentity)).first() is None


@pytest.fixture
def kessler_job(core_runtime, make_user):
    """A verified employer's open vacancy that asks for nothing a profile could lack."""
    owner = make_user("employer", username="hr.vogt", organisation="Krankenhaus Kessler GmbH")
    with session_scope(core_runtime.engine) as db:
        data = VacancyInput(employer="Krankenhaus Kessler GmbH", title="Kitchen help", country="DE", status="open",
                            description="Help in the hospital kitchen.")  # fmt: skip
        job = create_vacancy(session=db, data=data)[0]
    return owner, job


def test_an_employer_sees_name_and_contact_only_after_the_migrants_consent(client, core_runtime, make_user, sign_in, kessler_job):
    employer, job = kessler_job
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(migrant)
    assert client.post(f"/profiles/{pid}/edit/about", data={"csrf_token": token, **ABOUT, **CONTACT}).status_code == 302

    sign_in(employer)
    before = page(client.get(f"/vacancies/{job.id}/candidates"))
    assert "Anonymous candidate" in before and "Ion Rotaru" not in before and "123 456" not in before

    token = sign_in(migrant)
    client.post(f"/profiles/{pid}/consents", data={"csrf_token": token, "recipient_id": str(employer.organisation_id), "days": "90"})
    sign_in(employer)
    after = page(client.get(f"/vacancies/{job.id}/candidates"))
    assert "Ion Rotaru" in after and 'href="tel:+37369123456"' in after and "ion.rotaru@example.org" in after
    with Session(core_runtime.engine) as db:
        handed = db.exec(select(AuditEvent).where(AuditEvent.object_type == "vacancy", AuditEvent.actor == "hr.vogt")).all()
    assert any(f"identified with name and contact: profiles {pid}" in event.detail for event in handed)

    sign_in(make_user("admin", username="root"))  # an admin manages the profile, not the person
    assert "123 456" not in page(client.get(f"/profiles/{pid}")) and "123 456" not in page(client.get(f"/profiles/{pid}/edit/about"))


def test_a_migrant_takes_the_profile_over_with_a_code_that_works_once(client, core_runtime, make_user, sign_in):
    pia = make_user("practitioner", username="pia", organisation=CHISINAU)
    token = sign_in(pia)
    pid = open_profile(client, token)
    made = client.post(f"/profiles/{pid}/takeover-code", data={"csrf_token": token})
    code = re.search(r'id="takeover-code">([A-Z0-9-]+)<', page(made)).group(1)

    migrant = make_user("migrant", username="ion")
    token = sign_in(migrant)
    preview = page(client.get(f"/take-over/{code.lower()}"))  # typed in small letters: still the code
    assert 'id="takeover-preview"' in preview and "Held by MRC Chisinau" in preview
    response = client.post("/take-over", data={"csrf_token": token, "code": code, "confirm": "1", "share_days": "90"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/profiles/{pid}")
    with Session(core_runtime.engine) as db:
        profile = db.get(SkillProfile, pid)
        assert (profile.owner, profile.mrc_id) == ("ion", None)
        assert db.exec(select(AuditEvent).where(AuditEvent.detail.like("taken over with code%"))).first().actor == "ion"
    assert "Ion Rotaru" in page(client.get(f"/profiles/{pid}"))
    assert client.get(f"/take-over/{code}").status_code == 410

    sign_in(pia)  # the centre sees it now through the migrant's consent, and can no longer consent for them
    assert client.get(f"/profiles/{pid}").status_code == 200
    assert client.post(f"/profiles/{pid}/consents", data={"csrf_token": f"csrf-{pia.id}", "recipient_id": "1", "days": "90"}).status_code == 403
    token = sign_in(migrant)
    client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient_id": str(pia.organisation_id)})
    sign_in(pia)
    assert client.get(f"/profiles/{pid}").status_code == 404


def test_a_code_expires_and_a_new_one_replaces_it(core_runtime, make_user):
    pia = make_user("practitioner", username="pia", organisation=CHISINAU)
    with session_scope(core_runtime.engine) as db:
        profile = SkillProfile(owner="pia", mrc_id=pia.organisation_id)
        db.add(profile)
        db.flush()
        pid = profile.id
    first = issue_code(core_runtime.engine, actor=pia, profile_id=pid)
    second = issue_code(core_runtime.engine, actor=pia, profile_id=pid)
    migrant = make_user("migrant", username="ion")
    with Session(core_runtime.engine) as db:
        with pytest.raises(CodeGone, match="replaced"):
            takeover_for(db, first.code)
        with pytest.raises(CodeGone, match="expired"):
            takeover_for(db, second.code, now=second.expires_at + timedelta(seconds=1))
    with pytest.raises(Exception, match="own migrant account"):
        take_over(core_runtime.engine, migrant=pia, code=second.code, share_days=None)
    assert take_over(core_runtime.engine, migrant=migrant, code=second.code, share_days=None) == pid
    other = make_user("practitioner", username="ola", organisation="MRC Tirana")
    with pytest.raises(Exception, match="Only a practitioner of the centre"):
        issue_code(core_runtime.engine, actor=other, profile_id=pid)
