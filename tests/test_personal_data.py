"""A person's data: export it all, erase an account or one profile, and consent
withdrawal taking effect in the very next request.

Erasure is checked generically: every table of SQLModel.metadata is scanned for the
user name (in any text or JSON column) and the profile id (in any column that refers to a
profile, and audit events about a profile), so a table added later is covered too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from core.accounts.users import LoginFailure, User
from core.accounts.audit import AuditEvent, record
from core.db import import_table_modules, session_scope
from core.embeddings.encoder import EmbeddingCache
from core.errors import NotFound
from matching import erasure, texts
from matching.case_notes import add_note
from matching.candidates import candidates_for_vacancy
from matching.matches import matches_for_profile
from matching.models import SkillProfile, SkillProfileInput, SuggestionChoice, Vacancy
from matching.records import grant_consent, import_vacancies, update_profile
from tests.conftest import TEST_PASSWORD

from tests.profiles import VITAL_SIGNS
from tests.profiles import add_profile as add_nurse_profile

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"
USERNAME = "zorica.erasable"  # distinctive, so that finding it anywhere means it was left behind


def add_profile(runtime, owner: str, **fields) -> int:
    """The nurse, consenting to matching, with a summary naming the owner."""
    fields = {"consent_to_matching": True, "summary": f"Five years on a hospital ward in Chisinau ({owner}).", **fields}
    return add_nurse_profile(runtime, owner, **fields)


@pytest.fixture
def market(core_runtime):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    return core_runtime


def vacancy(runtime, external_id: str = "demo-vac-002") -> Vacancy:
    with Session(runtime.engine) as db:
        return db.exec(select(Vacancy).where(Vacancy.external_id == external_id)).one()


def text_hashes(runtime, profile_ids) -> set[str]:
    with Session(runtime.engine) as db:
        profiles = [db.get(SkillProfile, pid) for pid in profile_ids]
        return set(texts.profile_text_hashes(db, profiles).values())


def cached(runtime, hashes) -> int:
    with Session(runtime.engine) as db:
        return len(db.exec(select(EmbeddingCache).where(EmbeddingCache.text_hash.in_(list(hashes)))).all())


def traces(engine, *, username: str | None = None, profile_ids=()) -> list[str]:
    """Every place in the database that still names the user or refers to the profiles."""
    import_table_modules()
    ids = set(profile_ids)
    found = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            profile_columns = {
                column.name
                for column in table.columns
                if column.name == "profile_id" or any(fk.column.table.name == "skill_profile" for fk in column.foreign_keys)
            }
            if table.name == "skill_profile":
                profile_columns.add("id")
            for row in connection.execute(sa.select(table)).mappings():
                for name, value in row.items():
                    if name in profile_columns and value in ids:
                        found.append(f"{table.name}.{name}={value}")
                    text = json.dumps(value, default=str) if isinstance(value, (list, dict)) else value
                    if username and isinstance(text, str) and username in text:
                        found.append(f"{table.name}.{name} contains {username}")
                if table.name == "audit_event" and row["object_type"] == "profile" and row["object_id"] in {str(i) for i in ids}:
                    found.append(f"audit_event about profile {row['object_id']}")
    return found


def a_life_on_headstart(runtime, make_user):
    """A migrant with two profiles, consents, notes, choices, a failed sign-in, cached
    vectors and audit events; returns (user, profile ids, text hashes)."""
    user = make_user("migrant", username=USERNAME)
    practitioner = make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    first = add_profile(runtime, USERNAME)
    second = add_profile(runtime, USERNAME, summary="Night shifts in elderly care.", consent_to_matching=False)
    with session_scope(runtime.engine) as db:
        grant_consent(session=db, profile_id=first, recipient_kind="mrc", recipient="MRC Chisinau")
        grant_consent(session=db, profile_id=first, recipient_kind="employer", recipient="Krankenhaus Vogt GmbH")
        add_note(session=db, profile_id=first, author="ana.rusu", kind="next_step", text="Book the B2 exam.")
        db.add(SuggestionChoice(concept_type="skill", text="took blood pressure", chosen_uri=VITAL_SIGNS, decided_by=USERNAME))
        db.add(LoginFailure(username=USERNAME, client="10.0.0.9"))
        record(db, practitioner, "view", "profile", first)
        record(db, user, "update", "profile", second, "step about")
        record(db, user, "export", "account", USERNAME)
    matches_for_profile(runtime, first)  # caches the profile's text vector
    matches_for_profile(runtime, second)
    candidates_for_vacancy(runtime, vacancy(runtime).id)
    hashes = text_hashes(runtime, [first, second])
    assert len(hashes) == 2 and cached(runtime, hashes) == 2
    assert traces(runtime.engine, username=USERNAME, profile_ids=[first, second])
    return user, [first, second], hashes


# ---------------------------------------------------------------------------- export


def test_export_is_a_download_of_everything_about_the_person(client, market, make_user, sign_in):
    user, (first, second), _ = a_life_on_headstart(market, make_user)
    assert client.get("/account/export").status_code == 302  # signed out: to the sign-in page
    sign_in(user)
    account_page = client.get("/account").get_data(as_text=True)
    assert 'id="link-export"' in account_page and 'id="link-delete-account"' in account_page

    response = client.get("/account/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="headstart-{USERNAME}.json"'
    data = response.get_json()
    assert data["format"] == "headstart-personal-data/1"
    assert data["account"]["username"] == USERNAME and data["account"]["role"] == "migrant"
    assert "password_hash" not in data["account"] and "scrypt" not in response.get_data(as_text=True)
    profiles = {p["id"]: p for p in data["profiles"]}
    assert set(profiles) == {first, second}
    assert {c["recipient"] for c in profiles[first]["consents"]} == {"MRC Chisinau", "Krankenhaus Vogt GmbH"}
    assert [n["text"] for n in profiles[first]["case_notes"]] == ["Book the B2 exam."]
    assert profiles[second]["consents"] == [] and profiles[second]["summary"] == "Night shifts in elderly care."
    assert [c["text"] for c in data["suggestion_choices"]] == ["took blood pressure"]
    assert len(data["failed_sign_ins"]) == 1 and "10.0.0.9" not in json.dumps(data)
    events = {(e["actor"], e["action"], e["object_id"]) for e in data["audit_events"]}
    assert ("ana.rusu", "view", str(first)) in events and (USERNAME, "update", str(second)) in events
    assert "organisation_records" not in data
    with Session(market.engine) as db:  # the export itself is in the log
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.actor == USERNAME)).all()


def test_an_employers_export_lists_the_organisations_vacancies_as_the_organisations(client, market, make_user, sign_in):
    employer = make_user("employer", username="hr.vogt", organisation="Krankenhaus Vogt GmbH")
    sign_in(employer)
    data = client.get("/account/export").get_json()
    records = data["organisation_records"]
    assert records["organisation"] == "Krankenhaus Vogt GmbH" and "belong to your organisation" in records["note"]
    assert [v["external_id"] for v in records["vacancies"]] == ["demo-vac-002"]
    assert data["profiles"] == []


# ---------------------------------------------------------------------------- erasing an account


def test_a_migrant_erases_their_account_and_nothing_of_them_remains(client, market, make_user, sign_in):
    user, profile_ids, hashes = a_life_on_headstart(market, make_user)
    other = add_profile(market, "someone-else")
    token = sign_in(user)
    page = client.get("/account/delete")
    assert page.status_code == 200 and 'id="delete-account-confirm"' in page.get_data(as_text=True)
    assert client.post("/account/delete", data={"password": TEST_PASSWORD}).status_code == 400  # no CSRF token
    wrong = client.post("/account/delete", data={"csrf_token": token, "password": "not my password"})
    assert wrong.status_code == 422 and "The password is wrong." in wrong.get_data(as_text=True)
    with Session(market.engine) as db:
        assert db.exec(select(User).where(User.username == USERNAME)).first() is not None
        db.exec(sa.delete(LoginFailure))  # (the wrong password above counted one)
        db.commit()

    response = client.post("/account/delete", data={"csrf_token": token, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/account").status_code == 302  # signed out

    assert traces(market.engine, username=USERNAME, profile_ids=profile_ids) == []
    assert cached(market, hashes) == 0
    for pid in profile_ids:
        with pytest.raises(NotFound):
            matches_for_profile(market, pid)
    found, _ = candidates_for_vacancy(market, vacancy(market).id, top=50)
    assert {m.profile.id for m in found} == {other}
    with Session(market.engine) as db:
        erased = db.exec(select(AuditEvent).where(AuditEvent.action == "erase")).one()
        assert erased.actor == "" and erased.actor_role == "migrant" and erased.object_id is None
        assert "profiles: 2" in erased.detail and "consents: 2" in erased.detail and "suggestion choices: 1" in erased.detail
        assert db.get(SkillProfile, other) is not None  # someone else's profile stays


def test_employers_keep_their_organisations_vacancies_and_practitioners_ask_an_admin(client, market, make_user, sign_in):
    employer = make_user("employer", username="hr.vogt", organisation="Krankenhaus Vogt GmbH")
    token = sign_in(employer)
    assert "belong to the organisation" in client.get("/account/delete").get_data(as_text=True)
    assert client.post("/account/delete", data={"csrf_token": token, "password": TEST_PASSWORD}).status_code == 302
    assert traces(market.engine, username="hr.vogt") == []
    assert vacancy(market).employer == "Krankenhaus Vogt GmbH"

    practitioner = make_user("practitioner", username="ana.rusu")
    token = sign_in(practitioner)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "closed by an administrator" in page and 'id="delete-account-confirm"' not in page
    assert client.post("/account/delete", data={"csrf_token": token, "password": TEST_PASSWORD}).status_code == 403


def test_a_practitioners_erased_name_is_blanked_on_what_they_did_to_others(market, make_user):
    """erase_account by an admin: the notes and events stay with the migrant's profile, unnamed."""
    admin = make_user("admin", username="root.admin")
    make_user("practitioner", username="ana.rusu")
    pid = add_profile(market, "amina")
    with session_scope(market.engine) as db:
        add_note(session=db, profile_id=pid, author="ana.rusu", kind="recommendation", text="Ask for recognition.")
        record(db, "ana.rusu", "view", "profile", pid, role="practitioner")
    with session_scope(market.engine) as db:
        erasure.erase_account(session=db, username="ana.rusu", actor=admin)
    assert traces(market.engine, username="ana.rusu") == []
    with Session(market.engine) as db:
        assert db.exec(select(AuditEvent).where(AuditEvent.object_id == str(pid))).one().actor == ""
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "erase")).one().actor == "root.admin"


# ---------------------------------------------------------------------------- erasing one profile


def test_deleting_a_profile_on_its_page_erases_it_and_what_came_from_it(client, market, make_user, sign_in):
    user, (first, second), _ = a_life_on_headstart(market, make_user)
    first_hash = text_hashes(market, [first])
    token = sign_in(user)
    assert client.post(f"/profiles/{first}/delete", data={"csrf_token": token}).status_code == 302

    assert traces(market.engine, profile_ids=[first]) == []
    assert cached(market, first_hash) == 0
    with pytest.raises(NotFound):
        matches_for_profile(market, first)
    assert first not in {m.profile.id for m in candidates_for_vacancy(market, vacancy(market).id, top=50)[0]}
    with Session(market.engine) as db:
        assert db.get(SkillProfile, second) is not None  # the other profile is untouched
        assert db.exec(select(SuggestionChoice).where(SuggestionChoice.decided_by == USERNAME)).all()  # the account's
        deleted = db.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one()
        assert deleted.actor == USERNAME and deleted.object_id is None and "consents: 2" in deleted.detail
    assert cached(market, text_hashes(market, [second])) == 1


def test_deleting_a_profile_through_the_api_erases_it_too(client, market, make_user):
    _, (first, _second), _ = a_life_on_headstart(market, make_user)
    first_hash = text_hashes(market, [first])
    assert client.delete(f"/api/v1/profiles/{first}").status_code == 204
    assert client.delete(f"/api/v1/profiles/{first}").status_code == 404
    assert traces(market.engine, profile_ids=[first]) == []
    assert cached(market, first_hash) == 0
    with pytest.raises(NotFound):
        matches_for_profile(market, first)


def test_a_cached_vector_another_profile_shares_is_kept_until_the_last_goes(market):
    twin = {"summary": "Same words.", "occupations": [], "skills": [], "free_text_skills": ["washing"]}
    one, two = add_profile(market, "twin-one", **twin), add_profile(market, "twin-two", **twin)
    matches_for_profile(market, one)
    shared = text_hashes(market, [one])
    assert shared == text_hashes(market, [two]) and cached(market, shared) == 1
    with session_scope(market.engine) as db:
        assert erasure.erase_profile(session=db, profile_id=one, actor="twin-one").cached_vectors == 0
    assert cached(market, shared) == 1
    with session_scope(market.engine) as db:
        assert erasure.erase_profile(session=db, profile_id=two, actor="twin-two").cached_vectors == 1
    assert cached(market, shared) == 0


def test_editing_a_profile_drops_the_vector_of_its_old_text(client, market):
    """The replaced text is the person's data too: its vector must not outlive it."""
    pid = add_profile(market, "amina")
    matches_for_profile(market, pid)
    old = text_hashes(market, [pid])
    assert cached(market, old) == 1

    with Session(market.engine) as db:
        body = SkillProfileInput.model_validate(db.get(SkillProfile, pid).model_dump(mode="json")).model_dump(mode="json")
    body["summary"] = "Now three years in a care home in Iasi."
    assert client.put(f"/api/v1/profiles/{pid}", json=body).status_code == 200
    assert cached(market, old) == 0
    matches_for_profile(market, pid)
    new = text_hashes(market, [pid])
    assert new != old and cached(market, new) == 1

    # A save that changes nothing in the text keeps its vector.
    body["available_from"] = "2031-01-01"
    assert client.put(f"/api/v1/profiles/{pid}", json=body).status_code == 200
    assert cached(market, new) == 1


def test_editing_one_twin_keeps_the_vector_the_other_still_uses(market):
    twin = {"summary": "Same words.", "occupations": [], "skills": [], "free_text_skills": ["washing"]}
    one, two = add_profile(market, "twin-one", **twin), add_profile(market, "twin-two", **twin)
    matches_for_profile(market, one)
    shared = text_hashes(market, [one])
    with session_scope(market.engine) as db:
        profile = db.get(SkillProfile, one)
        data = SkillProfileInput.model_validate({**profile.model_dump(mode="json"), "free_text_skills": ["ironing"]})
        update_profile(session=db, profile=profile, data=data)
    assert text_hashes(market, [one]) != shared and text_hashes(market, [two]) == shared
    assert cached(market, shared) == 1


def test_no_cache_in_the_process_keeps_a_profile(market):
    pid = add_profile(market, "amina")
    matches_for_profile(market, pid)
    assert "vacancy_pool" in market.caches  # vacancies only: it stays
    market.caches.put("profile_matches", {pid: ["..."]})  # a per-profile cache someone might add
    erasure.erase_profile_everywhere(market, profile_id=pid, actor="amina")
    assert list(market.caches) == ["vacancy_pool"]
    _state, pool = market.caches["vacancy_pool"]  # the open vacancies' arrays, by id (no row, no view)
    with session_scope(market.engine) as db:
        assert pool.ids.tolist() == sorted(db.exec(select(Vacancy.id).where(Vacancy.status == "open")).all())


# ---------------------------------------------------------------------------- consent withdrawal is immediate


def _alias(profile_id: int, vacancy_id: int) -> str:
    return hashlib.sha256(f"{profile_id}:{vacancy_id}".encode()).hexdigest()[:6]


def test_withdrawing_matching_consent_removes_the_candidate_in_the_next_request(client, market, make_user, sign_in):
    job = vacancy(market)
    migrant = make_user("migrant", username="amina")
    employer = make_user("employer", username="hr.vogt", organisation=job.employer)
    pid = add_profile(market, "amina")
    sign_in(employer)
    assert f"Anonymous candidate {_alias(pid, job.id)}" in client.get(f"/vacancies/{job.id}/candidates").get_data(as_text=True)
    assert pid in {m.profile.id for m in candidates_for_vacancy(market, job.id, top=50)[0]}

    token = sign_in(migrant)
    response = client.post(f"/profiles/{pid}/edit/consent", data={"csrf_token": token, "revision": "1", "action": "finish"})
    assert response.status_code == 302

    sign_in(employer)
    assert _alias(pid, job.id) not in client.get(f"/vacancies/{job.id}/candidates").get_data(as_text=True)
    assert pid not in {m.profile.id for m in candidates_for_vacancy(market, job.id, top=50)[0]}


def test_withdrawing_an_employers_consent_makes_the_candidate_anonymous_in_the_next_request(client, market, make_user, sign_in):
    job = vacancy(market)
    migrant = make_user("migrant", username="amina")
    employer = make_user("employer", username="hr.vogt", organisation=job.employer)
    pid = add_profile(market, "amina")
    with session_scope(market.engine) as db:
        grant_consent(session=db, profile_id=pid, recipient_kind="employer", recipient=job.employer)
    sign_in(employer)
    page = client.get(f"/vacancies/{job.id}/candidates").get_data(as_text=True)
    assert "Chisinau (amina)" in page and f"Anonymous candidate {_alias(pid, job.id)}" not in page

    token = sign_in(migrant)
    assert client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient": job.employer}).status_code == 302

    sign_in(employer)
    page = client.get(f"/vacancies/{job.id}/candidates").get_data(as_text=True)
    assert "Chisinau (amina)" not in page and f"Anonymous candidate {_alias(pid, job.id)}" in page
    found = {m.profile.id: m.identified for m in candidates_for_vacancy(market, job.id, top=50)[0]}
    assert found[pid] is False


def test_withdrawing_the_mrc_consent_shuts_the_practitioner_out_in_the_next_request(client, market, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    practitioner = make_user("practitioner", username="ana.rusu", organisation="MRC Chisinau")
    pid = add_profile(market, "amina")
    with session_scope(market.engine) as db:
        grant_consent(session=db, profile_id=pid, recipient_kind="mrc", recipient="MRC Chisinau")
    pages = [f"/profiles/{pid}", f"/profiles/{pid}/matches", f"/profiles/{pid}/print", f"/profiles/{pid}/caseworker"]
    sign_in(practitioner)
    assert [client.get(url).status_code for url in pages] == [200, 200, 200, 200]

    token = sign_in(migrant)
    assert client.post(f"/profiles/{pid}/consents/withdraw", data={"csrf_token": token, "recipient": "MRC Chisinau"}).status_code == 302

    sign_in(practitioner)
    assert [client.get(url).status_code for url in pages] == [404, 404, 404, 404]
    assert f"/profiles/{pid}" not in client.get("/profiles").get_data(as_text=True)
