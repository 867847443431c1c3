"""Notifications (core/notifications, webapp/notification_texts.py, webapp/worker.py): the
inbox with its unread count, each person's choice per kind, e-mails worded in the
recipient's language and sent through a real SMTP server on loopback, the consent
reminder with its one-click renewal, and an organisation told of its review."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from core.accounts.users import find_user
from core.db import session_scope
from core.mail.models import OutboxMessage
from core.notifications.models import Notification
from core.notifications.service import notify, set_preferences, unread_count
from matching.consent_reminders import remind_expiring
from matching.models import Consent, utcnow
from matching.records import grant_consent
from tests.profiles import add_profile
from tests.test_mail import Handler, smtp_server  # noqa: F401 (a fixture)
from webapp import worker


def text(response) -> str:
    return response.get_data(as_text=True)


def tell(engine, user, kind="new_match", **params):
    with session_scope(engine) as db:
        return notify(db, user=find_user(db, user.username), kind=kind,
                      params={"vacancy_id": 1, "vacancy": "Nurse on a surgical ward", "employer": "Krankenhaus Kessler GmbH",
                              "country": "DE", "profile_id": 1, "score": 0.71, **params})  # fmt: skip


def test_the_inbox_counts_unread_and_marks_read(client, core_runtime, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    first, second = tell(core_runtime.engine, migrant), tell(core_runtime.engine, migrant)
    token = sign_in(migrant)
    page = text(client.get("/inbox"))
    assert 'id="unread-count"' in page and ">2</span>" in page
    assert "A new vacancy matches your profile: Nurse on a surgical ward, Krankenhaus Kessler GmbH, Germany" in page
    opened = client.get(f"/inbox/{first.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/vacancies/1")
    with Session(core_runtime.engine) as db:
        assert unread_count(db, migrant.id) == 1
    client.post("/inbox/read", data={"csrf_token": token, "all": "1"})
    assert 'id="unread-count"' not in text(client.get("/inbox"))
    other = make_user("migrant", username="other")
    sign_in(other)
    assert client.get(f"/inbox/{second.id}").status_code == 404  # someone else's notice


def test_each_kind_goes_where_the_person_chose(client, core_runtime, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    token = sign_in(migrant)
    page = text(client.get("/account/notifications"))
    assert 'name="kind-contact_request"' in page and 'name="kind-contact_answer"' not in page  # the employers' kind
    bad = client.post("/account/notifications", data={"csrf_token": token, "email": "not an address"})
    assert bad.status_code == 422 and "like name@example.org" in text(bad)
    saved = client.post("/account/notifications", data={"csrf_token": token, "email": "amina@example.org", "kind-new_match": "off",
                                                         "kind-pipeline_move": "email"}, follow_redirects=True)  # fmt: skip
    assert "choices are saved" in text(saved)
    assert tell(core_runtime.engine, migrant) is None  # off: not even in the app
    tell(core_runtime.engine, migrant, kind="pipeline_move", stage="interview")
    with Session(core_runtime.engine) as db:
        [mail] = db.exec(select(OutboxMessage)).all()
        assert mail.to_address == "amina@example.org" and mail.subject is None  # worded when sent


def test_mail_is_sent_in_the_recipients_language_without_personal_data(app, core_runtime, make_user, smtp_server):  # noqa: F811
    port, handler = smtp_server(Handler())
    runtime = app.extensions["headstart"]
    settings = runtime.settings
    object.__setattr__(settings, "smtp_url", f"smtp://127.0.0.1:{port}")
    migrant = make_user("migrant", username="amina", language="fr")
    with session_scope(core_runtime.engine) as db:
        user = find_user(db, "amina")
        user.email = "amina@example.org"
        db.add(user)
    set_preferences(core_runtime.engine, user=migrant, choices={"pipeline_move": "email"})
    tell(core_runtime.engine, migrant, kind="pipeline_move", stage="interview")

    report = worker.send_mail(app)
    assert report.sent == 1
    [received] = handler.received
    message = received.message
    assert received.rcpt_tos == ["amina@example.org"]
    assert "Entretien" in message["Subject"] and "Krankenhaus Kessler GmbH" in message["Subject"]
    assert message["Content-Language"] == "fr"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://127.0.0.1:5000/profiles/1#processes" in plain and 'href="http://127.0.0.1:5000/profiles/1#processes"' in html
    assert '<html lang="fr"' in html
    assert worker.send_mail(app).sent == 0  # never twice


def test_without_smtp_admins_read_the_outbox(client, core_runtime, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    with session_scope(core_runtime.engine) as db:
        user = find_user(db, "amina")
        user.email = "amina@example.org"
        db.add(user)
    set_preferences(core_runtime.engine, user=migrant, choices={"new_match": "email"})
    tell(core_runtime.engine, migrant)
    admin = make_user("admin", username="root")
    sign_in(admin)
    page = text(client.get("/admin/outbox"))
    assert "No SMTP server is configured" in page and "amina@example.org" in page
    assert "A new vacancy matches your profile" in page
    sign_in(migrant)
    assert client.get("/admin/outbox").status_code == 403


def test_an_ending_consent_is_reminded_once_and_renewed_in_one_click(client, core_runtime, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    employer = make_user("employer", username="hr.vogt", organisation="Krankenhaus Kessler GmbH")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    with session_scope(core_runtime.engine) as db:
        consent = grant_consent(session=db, profile_id=pid, recipient_kind="employer", recipient_id=employer.organisation_id, days=90)
    later = utcnow() + timedelta(days=80)
    assert remind_expiring(core_runtime.engine, now=later) == 1
    assert remind_expiring(core_runtime.engine, now=later + timedelta(days=1)) == 0  # once
    token = sign_in(migrant)
    inbox = text(client.get("/inbox"))
    assert "Your consent for Krankenhaus Kessler GmbH ends on" in inbox and "Renew the consent" in inbox
    renewed = client.post(f"/profiles/{pid}/consents/{consent.id}/renew", data={"csrf_token": token}, follow_redirects=True)
    assert "Renewed" in text(renewed)
    with Session(core_runtime.engine) as db:
        fresh = db.get(Consent, consent.id)
        assert fresh.reminded_at is None and (fresh.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)).days >= 89
    stranger = make_user("migrant", username="other")
    assert client.post(f"/profiles/{pid}/consents/{consent.id}/renew", data={"csrf_token": sign_in(stranger)}).status_code in (403, 404)


def test_an_organisation_is_told_of_its_review(core_runtime, make_user):
    from core.organisations import membership
    from core.organisations.models import Organisation

    employer = make_user("employer", username="hr.vogt", organisation="Krankenhaus Kessler GmbH")
    admin = make_user("admin", username="root")
    membership.review(core_runtime.engine, reviewer=admin, organisation_id=employer.organisation_id, decision="suspended",
                      note="The registration number does not exist.")  # fmt: skip
    with Session(core_runtime.engine) as db:
        [notice] = db.exec(select(Notification).where(Notification.user_id == employer.id)).all()
        assert notice.kind == "verification" and notice.params["decision"] == "suspended"
        assert db.get(Organisation, employer.organisation_id).status == "suspended"
