"""Organisations and trust (core/organisations): nobody joins an organisation by typing its
name, staff join by a single-use expiring invitation, reviewers verify or suspend, and
only verified employers' vacancies reach migrants and the matcher."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.accounts.users import find_user
from core.db import session_scope
from core.errors import HeadstartError
from core.organisations import membership
from core.organisations.models import Organisation, utcnow
from core.organisations.service import similar_organisations
from matching.matches import matches_for_profile
from matching.models import Vacancy
from matching.records import grant_consent, import_vacancies
from tests.conftest import TEST_PASSWORD
from tests.profiles import add_profile
from tests.signing_in import plant_sign_in

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"
KESSLER = "Krankenhaus Kessler GmbH"


def token_of(response) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', response.data)
    assert match, "page has no CSRF field"
    return match.group(1).decode()


def register(client, username: str, organisation: str = KESSLER, *, role: str = "employer", invitation: str | None = None):
    url = "/register" + (f"?invitation={invitation}" if invitation else "")
    data = {"csrf_token": token_of(client.get(url)), "role": role, "username": username, "display_name": username,
            "organisation": organisation, "password": TEST_PASSWORD, "password_again": TEST_PASSWORD}  # fmt: skip
    if invitation:
        data["invitation"] = invitation
    return client.post("/register", data=data)


@pytest.fixture
def kessler(core_runtime, make_user):
    """The demo marketplace, and the verified employer Krankenhaus Kessler with its owner."""
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    owner = make_user("employer", username="hr.vogt", organisation=KESSLER)
    with Session(core_runtime.engine) as db:
        job = db.exec(select(Vacancy).where(Vacancy.employer == KESSLER, Vacancy.status == "open")).first()
    return owner, job


def test_registering_under_an_existing_employers_name_reaches_none_of_its_records(client, core_runtime, kessler):
    """The breach of the issue: an account naming the demo employer saw its candidates."""
    owner, job = kessler
    assert register(client, "impostor").status_code == 302
    for url in (f"/vacancies/{job.id}/edit", f"/vacancies/{job.id}/candidates"):
        assert client.get(url).status_code == 403
    with Session(core_runtime.engine) as db:
        impostor = find_user(db, "impostor")
        own = db.get(Organisation, impostor.organisation_id)
        assert own.id != owner.organisation_id and own.status == "pending" and impostor.organisation_role == "owner"
        assert [other.id for other in similar_organisations(db, own)] == [owner.organisation_id]
    mine = client.get("/my/vacancies").get_data(as_text=True)
    assert 'id="organisation-status-notice"' in mine and "Pflege" not in mine


def test_a_pending_employers_vacancy_reaches_no_migrant_until_it_is_verified(client, core_runtime, make_user, sign_in, kessler):
    register(client, "nadia", "Fahrdienst Neckarblick")
    form = client.get("/vacancies/new")
    response = client.post("/vacancies/new", data={
        "csrf_token": token_of(form), "title": "Lorry driver", "country": "DE", "city": "Ulm", "contract_type": "permanent",
        "status": "open", "description": "Long-distance routes.",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    vacancy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/vacancies/{vacancy_id}").status_code == 200  # its own staff see it, with the notice
    sign_in(make_user("migrant", username="amina"))
    assert client.get(f"/vacancies/{vacancy_id}").status_code == 404
    assert "Lorry driver" not in client.get("/vacancies?q=lorry").get_data(as_text=True)

    reviewer = make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    token = sign_in(reviewer)
    with Session(core_runtime.engine) as db:
        pending = db.exec(select(Organisation).where(Organisation.name == "Fahrdienst Neckarblick")).one()
    assert "Fahrdienst Neckarblick" in client.get("/organisations/review").get_data(as_text=True)
    refused = client.post(f"/organisations/{pending.id}/review", data={"csrf_token": token, "decision": "verified", "note": ""})
    assert refused.status_code == 422 and 'id="note-error"' in refused.get_data(as_text=True)
    saved = client.post(f"/organisations/{pending.id}/review",
                        data={"csrf_token": token, "decision": "verified", "note": "Handelsregister HRB 1234 checked."})
    assert saved.status_code == 302
    page = client.get(f"/vacancies/{vacancy_id}").get_data(as_text=True)
    assert 'id="employer-verified"' in page and "MRC Chisinau" in page


def test_only_practitioners_of_a_verified_centre_and_admins_review(client, core_runtime, make_user, sign_in, kessler):
    sign_in(make_user("employer", username="someone", organisation="Werft Nord GmbH"))
    assert client.get("/organisations/review").status_code == 403
    practitioner = make_user("practitioner", username="pia", organisation="MRC Tirana")
    with session_scope(core_runtime.engine) as db:
        centre = db.get(Organisation, practitioner.organisation_id)
        centre.status = "pending"
        db.add(centre)
    sign_in(practitioner)
    assert client.get("/organisations/review").status_code == 403
    token = sign_in(make_user("admin", username="root"))
    owner, _ = kessler
    assert client.post(f"/organisations/{owner.organisation_id}/review",
                       data={"csrf_token": token, "decision": "suspended", "note": "Complaint by workers."}).status_code == 302


def test_suspending_an_employer_takes_its_vacancies_out_of_matches_at_once(core_runtime, make_user, kessler):
    owner, job = kessler
    profile_id = add_profile(core_runtime, "amina")
    before, _ = matches_for_profile(core_runtime, profile_id, top=100)
    assert job.id in {m.vacancy.id for m in before}
    admin = make_user("admin", username="root")
    membership.review(core_runtime.engine, reviewer=admin, organisation_id=owner.organisation_id, decision="suspended",
                      note="Recruitment fees charged to workers.")  # fmt: skip
    after, _ = matches_for_profile(core_runtime, profile_id, top=100)
    assert job.id not in {m.vacancy.id for m in after} and after
    membership.review(core_runtime.engine, reviewer=admin, organisation_id=owner.organisation_id, decision="verified",
                      note="Fees refunded; checked the contracts.")  # fmt: skip
    again, _ = matches_for_profile(core_runtime, profile_id, top=100)
    assert job.id in {m.vacancy.id for m in again}


def test_staff_join_by_an_invitation_that_works_once(client, core_runtime, sign_in, kessler):
    owner, job = kessler
    token = sign_in(owner)
    page = client.post(f"/organisations/{owner.organisation_id}/invitations", data={"csrf_token": token, "note": "for Jonas"})
    link = re.search(r'id="invitation-link" readonly value="([^"]+)"', page.get_data(as_text=True)).group(1)
    invitation = link.rsplit("/", 1)[1]
    plant_sign_in(client, None, "anonymous", clear=True)
    assert b'id="invitation-register"' in client.get(f"/invitations/{invitation}").data
    assert register(client, "jonas", "whatever he types", invitation=invitation).status_code == 302
    with Session(core_runtime.engine) as db:
        jonas = find_user(db, "jonas")
        assert (jonas.organisation_id, jonas.organisation_role, jonas.role) == (owner.organisation_id, "staff", "employer")
    assert client.get(f"/vacancies/{job.id}/edit").status_code == 200
    plant_sign_in(client, None, "anonymous", clear=True)
    reused = client.get(f"/invitations/{invitation}")
    assert reused.status_code == 410 and b"used already" in reused.data
    refused = register(client, "mallory", invitation=invitation)
    assert refused.status_code == 422
    with Session(core_runtime.engine) as db:
        assert find_user(db, "mallory") is None


def test_an_expired_or_unknown_invitation_is_refused_clearly(core_runtime, kessler):
    owner, _ = kessler
    made = membership.invite(core_runtime.engine, owner=owner, organisation_id=owner.organisation_id, now=utcnow() - timedelta(days=8))
    with Session(core_runtime.engine) as db:
        with pytest.raises(HeadstartError, match="expired"):
            membership.invitation_for(db, made.token)
        with pytest.raises(HeadstartError, match="not known"):
            membership.invitation_for(db, "forged-token")


def test_only_an_owner_invites_removes_and_hands_over(core_runtime, make_user, kessler):
    owner, _ = kessler
    staff = make_user("employer", username="clerk", organisation=KESSLER)
    assert staff.organisation_role == "staff"
    with pytest.raises(HeadstartError, match="Only an owner"):
        membership.invite(core_runtime.engine, owner=staff, organisation_id=owner.organisation_id)
    with pytest.raises(HeadstartError, match="Hand ownership"):
        membership.remove_member(core_runtime.engine, owner=owner, organisation_id=owner.organisation_id, username="hr.vogt")
    membership.hand_over(core_runtime.engine, owner=owner, organisation_id=owner.organisation_id, username="clerk")
    with Session(core_runtime.engine) as db:
        assert (find_user(db, "clerk").organisation_role, find_user(db, "hr.vogt").organisation_role) == ("owner", "staff")


def test_a_consent_goes_only_to_a_verified_organisation(core_runtime, make_user, client, kessler):
    pid = add_profile(core_runtime, "amina")
    register(client, "fake.centre", "MRC Chisinau", role="provider")  # a pending provider, not an MRC
    with session_scope(core_runtime.engine) as db, pytest.raises(HeadstartError, match="verified organisation"):
        grant_consent(session=db, profile_id=pid, recipient_kind="mrc", recipient="MRC Chisinau")
    with Session(core_runtime.engine) as db:
        pending = db.exec(select(Organisation).where(Organisation.status == "pending")).first()
    forged = client.post(f"/api/v1/profiles/{pid}/consents", json={"recipient_kind": "employer", "recipient": pending.name, "days": 30})
    assert forged.status_code == 422 and "verified organisation" in forged.get_json()["error"]


def test_an_organisation_name_of_ten_thousand_characters_is_refused_with_a_message(client, core_runtime):
    response = register(client, "longname", "x" * 10_000)
    assert response.status_code == 422 and b"at most 200 characters" in response.data
    with Session(core_runtime.engine) as db:
        assert find_user(db, "longname") is None and db.exec(select(Organisation)).first() is None


def test_the_directory_lists_verified_organisations_only(client, kessler):
    register(client, "impostor")
    page = client.get("/organisations?kind=employer").get_data(as_text=True)
    assert page.count(KESSLER) == 1
    assert client.get("/organisations?q=kessler&country=ZZ").status_code == 200


def test_the_api_lists_verified_organisations_and_hides_pending_ones(client, core_runtime, kessler):
    owner, _ = kessler
    register(client, "impostor")
    listed = client.get("/api/v1/organisations?kind=employer&q=kessler").get_json()["organisations"]
    with Session(core_runtime.engine) as db:
        pending = db.exec(select(Organisation).where(Organisation.status == "pending")).one()
    assert owner.organisation_id in {item["id"] for item in listed} and pending.id not in {item["id"] for item in listed}
    assert client.get(f"/api/v1/organisations/{pending.id}").status_code == 404
    assert client.get(f"/api/v1/organisations/{owner.organisation_id}").get_json()["name"] == KESSLER
    assert client.get("/api/v1/organisations?kind=bank").status_code == 400


def test_owners_keep_the_details_up_to_date_but_do_not_rename_a_verified_organisation(client, core_runtime, make_user, sign_in, kessler):
    owner, _ = kessler
    url = f"/organisations/{owner.organisation_id}/edit"
    sign_in(make_user("employer", username="clerk", organisation=KESSLER))
    assert client.get(url).status_code == 403  # staff
    token = sign_in(owner)
    details = {"csrf_token": token, "organisation": KESSLER, "country": "DE", "city": "Köln", "website": "kessler.example",
               "registration_number": "HRB 4711", "contact": "+49 221 000000", "description": "Hospital with 400 beds."}  # fmt: skip
    refused = client.post(url, data=details)
    assert refused.status_code == 422 and 'id="website-error"' in refused.get_data(as_text=True)
    assert "Hospital with 400 beds." in refused.get_data(as_text=True)  # what was typed stays
    assert client.post(url, data={**details, "website": "https://kessler.example"}).status_code == 302
    renamed = client.post(url, data={**details, "website": "https://kessler.example", "organisation": "Kessler Kliniken"})
    assert renamed.status_code == 422 and b"Only an administrator renames" in renamed.data
    with Session(core_runtime.engine) as db:
        saved = db.get(Organisation, owner.organisation_id)
        assert (saved.name, saved.country, saved.city, saved.website) == (KESSLER, "DE", "Köln", "https://kessler.example")
    page = client.get(f"/organisations/{owner.organisation_id}").get_data(as_text=True)
    assert "Hospital with 400 beds." in page and "HRB 4711" in page and 'id="edit-organisation"' in page

    register(client, "nadia", "Fahrdienst Neckarblik")  # pending: the owner may still correct the name
    with Session(core_runtime.engine) as db:
        pending = find_user(db, "nadia").organisation_id
    token = token_of(client.get(f"/organisations/{pending}/edit"))
    assert client.post(f"/organisations/{pending}/edit", data={"csrf_token": token, "organisation": "Fahrdienst Neckarblick"}).status_code == 302
    with Session(core_runtime.engine) as db:
        assert db.get(Organisation, pending).name == "Fahrdienst Neckarblick"
