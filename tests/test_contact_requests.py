"""Contact requests (matching/contact_requests.py) and the notices they raise: the employer
asks an anonymous candidate, the migrant accepts (a consent, the identity) or declines
(nothing revealed), one open request at a time, requests expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.errors import HeadstartError
from core.notifications.models import Notification
from matching.candidates import review_candidates
from matching.contact_requests import answer_request, expire_due, request_contact
from matching.models import Consent, utcnow
from matching.pipeline import ContactRequest, PipelineEntry
from tests.profiles import add_profile
from tests.test_caseloads import ABOUT, CONTACT, kessler_job  # noqa: F401 (a fixture)
from tests.test_pipeline import entry_id, text


def notices(engine, user) -> list[Notification]:
    with Session(engine) as db:
        return list(db.exec(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def ask(client, token, job_id, entry, message="We run a hospital kitchen in Kassel and would like to talk."):
    return client.post(f"/vacancies/{job_id}/pipeline/{entry}/contact-request", data={"csrf_token": token, "message": message},
                       follow_redirects=True)  # fmt: skip


@pytest.fixture
def asked(client, core_runtime, make_user, sign_in, kessler_job):  # noqa: F811
    """A migrant with name and contact, an employer who asked them for contact."""
    employer, job = kessler_job
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(migrant)
    assert client.post(f"/profiles/{pid}/edit/about", data={"csrf_token": token, **ABOUT, **CONTACT}).status_code == 302
    token = sign_in(employer)
    entry = entry_id(text(client.get(f"/vacancies/{job.id}/candidates")))
    page = text(ask(client, token, job.id, entry))
    assert "Request sent" in page and f'id="asked-{entry}"' in page
    return employer, job, migrant, pid, entry


def test_accepting_grants_consent_and_shows_the_identity(client, core_runtime, sign_in, asked):
    employer, job, migrant, pid, entry = asked
    [told] = notices(core_runtime.engine, migrant)
    assert told.kind == "contact_request" and told.params["vacancy"] == "Kitchen help"
    assert "Ion" not in str(told.params)  # the migrant's own notice names no one either

    token = sign_in(migrant)
    profile_page = text(client.get(f"/profiles/{pid}"))
    assert 'id="contact-requests"' in profile_page and "hospital kitchen in Kassel" in profile_page
    assert "Verified employer" in profile_page
    with Session(core_runtime.engine) as db:
        request_id = db.exec(select(ContactRequest.id)).one()
    accepted = client.post(f"/contact-requests/{request_id}/answer", data={"csrf_token": token, "answer": "accept", "days": "90",
                                                                          "profile_id": str(pid)}, follow_redirects=True)  # fmt: skip
    assert "Accepted" in text(accepted)
    with Session(core_runtime.engine) as db:
        consent = db.exec(select(Consent).where(Consent.profile_id == pid)).one()
        assert consent.recipient_id == employer.organisation_id
        assert 89 <= (consent.expires_at - consent.granted_at).days <= 90
        assert db.get(PipelineEntry, entry).stage == "in_contact"
    [answer] = notices(core_runtime.engine, employer)
    assert answer.kind == "contact_answer" and answer.params["answer"] == "accepted"
    sign_in(employer)
    page = text(client.get(f"/vacancies/{job.id}/candidates"))
    assert "Ion Rotaru" in page and "ion.rotaru@example.org" in page


def test_a_declined_request_never_reveals_the_identity(client, core_runtime, sign_in, asked):
    employer, job, migrant, pid, entry = asked
    token = sign_in(migrant)
    with Session(core_runtime.engine) as db:
        request_id = db.exec(select(ContactRequest.id)).one()
    declined = client.post(f"/contact-requests/{request_id}/answer", data={"csrf_token": token, "answer": "decline"},
                           follow_redirects=True)  # fmt: skip
    assert "Declined" in text(declined)
    again = client.post(f"/contact-requests/{request_id}/answer", data={"csrf_token": token, "answer": "accept", "days": "90"},
                        follow_redirects=True)  # fmt: skip
    assert "answered already" in text(again)
    with Session(core_runtime.engine) as db:
        assert db.exec(select(Consent)).first() is None
        assert db.get(PipelineEntry, entry).stage == "withdrawn"
    sign_in(employer)
    page = text(client.get(f"/vacancies/{job.id}/candidates"))
    inbox = text(client.get("/inbox"))
    review = review_candidates(core_runtime, actor=employer, vacancy_id=job.id)
    assert review.identities == {}
    for shown in (page, inbox, str([n.params for n in notices(core_runtime.engine, employer)])):
        assert "Ion" not in shown and "Rotaru" not in shown and "123 456" not in shown and "ion.rotaru" not in shown
    assert "declined your contact request" in inbox


def test_one_open_request_per_candidate_and_vacancy(client, core_runtime, sign_in, asked):
    employer, job, migrant, pid, entry = asked
    token = sign_in(employer)
    assert "asked this candidate already" in text(ask(client, token, job.id, entry))
    with pytest.raises(HeadstartError, match="asked this candidate already"):
        request_contact(core_runtime.engine, actor=employer, vacancy_id=job.id, entry_id=entry, message="Again")
    with Session(core_runtime.engine) as db:
        assert len(db.exec(select(ContactRequest)).all()) == 1


def test_a_request_expires_and_the_employer_may_ask_again(client, core_runtime, sign_in, asked):
    employer, job, migrant, pid, entry = asked
    later = utcnow() + timedelta(days=15)
    assert expire_due(core_runtime.engine, now=later) == 1
    with Session(core_runtime.engine) as db:
        assert db.get(PipelineEntry, entry).stage == "shortlisted"
        request = db.exec(select(ContactRequest)).one()
        assert request.status == "expired"
    assert notices(core_runtime.engine, employer)[-1].params["answer"] == "expired"
    with pytest.raises(HeadstartError, match="answered already"):
        answer_request(core_runtime.engine, actor=migrant, request_id=request.id, accept=True, days=90)
    again = request_contact(core_runtime.engine, actor=employer, vacancy_id=job.id, entry_id=entry, message="Still interested.")
    assert again.status == "open"


def test_bad_requests_get_clear_messages(client, core_runtime, make_user, sign_in, kessler_job):  # noqa: F811
    employer, job = kessler_job
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(employer)
    entry = entry_id(text(client.get(f"/vacancies/{job.id}/candidates")))
    assert "at most 1,000 characters" in text(ask(client, token, job.id, entry, "x" * 1_000_000))
    assert "Write a short message" in text(ask(client, token, job.id, entry, "   "))
    other = make_user("employer", username="other", organisation="Werft Nord GmbH")
    assert ask(client, sign_in(other), job.id, entry).status_code == 404  # not its vacancy
    with Session(core_runtime.engine) as db:
        assert db.exec(select(ContactRequest)).first() is None and db.get(PipelineEntry, entry).stage == "suggested"
    assert migrant.id is not None


def test_a_withdrawn_profile_cannot_be_asked(core_runtime, make_user, kessler_job):  # noqa: F811
    from core.db import session_scope
    from matching.models import SkillProfile
    from matching.pipeline import enter_candidates

    employer, job = kessler_job
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    with session_scope(core_runtime.engine) as db:
        entry = enter_candidates(db, job.id, [pid])[pid].id
        profile = db.get(SkillProfile, pid)
        profile.consent_to_matching = False
        db.add(profile)
    with pytest.raises(HeadstartError, match="withdrawn"):
        request_contact(core_runtime.engine, actor=employer, vacancy_id=job.id, entry_id=entry, message="Hello")
