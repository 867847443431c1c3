"""Partnerships between organisations (core/organisations/partnerships.py): a request with
a message, one open request between two organisations either way, the thread both sides
write in, accept, decline and withdraw, accepted partners on both pages, the notices, and
a thread nobody else can open (404). A suspended organisation reads but does not write."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from core.accounts.users import find_user
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.models import Notification
from core.organisations import membership, partnerships
from core.organisations.models import Organisation
from core.organisations.partnership_pages import partnerships_page, standing, thread
from core.organisations.partnerships import (
    DELETED_AUTHOR,
    Partnership,
    PartnershipMessage,
    partners_of,
)
from matching import erasure
from matching.demo_organisations import load_demo_organisations
from matching.demo_users import load_demo_users
from tests.signing_in import plant_sign_in

MRC = "MRC Chisinau"
SERVICE = "Integrationsdienst Main"
OTHER = "Sprachschule Anderswo"
PROPOSAL = "We advise nurses who move to Frankfurt this year. Could we tell them about your first-week help?"


@pytest.fixture
def people(make_user):
    """A practitioner of a verified MRC, two members of a verified integration service
    (here a service provider) and outsiders of every kind."""
    return {
        "ana": make_user("practitioner", username="ana", organisation=MRC),
        "miriam": make_user("provider", username="miriam", organisation=SERVICE),
        "jonas": make_user("provider", username="jonas", organisation=SERVICE),
        "outsider": make_user("provider", username="outsider", organisation=OTHER),
        "employer": make_user("employer", username="klaus", organisation="Werft Nord GmbH"),
        "migrant": make_user("migrant", username="elena"),
        "admin": make_user("admin", username="root"),
    }


def org(people, name: str) -> int:
    return people[name].organisation_id


def _org(db: Session, people, name: str) -> Organisation:
    return db.get(Organisation, org(people, name))


def ask(runtime, people, by: str = "ana", to: str = "miriam", kind: str = "partnership", message: str = PROPOSAL) -> Partnership:
    return partnerships.request_partnership(runtime.engine, actor=people[by], organisation_id=org(people, to), kind=kind,
                                            message=message)  # fmt: skip


def notices(runtime, username: str, kind: str) -> list[Notification]:
    with Session(runtime.engine) as db:
        user = find_user(db, username)
        return list(db.exec(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)))


def test_a_request_from_the_page_opens_a_thread_and_tells_the_other_side(client, core_runtime, people, sign_in):
    token = sign_in(people["ana"])
    page = client.get(f"/organisations/{org(people, 'miriam')}").get_data(as_text=True)
    assert 'id="partnership-form"' in page and "Propose a partnership / ask for contact" in page
    sent = client.post(f"/organisations/{org(people, 'miriam')}/partnerships",
                       data={"csrf_token": token, "kind": "partnership", "message": PROPOSAL})  # fmt: skip
    assert sent.status_code == 302
    partnership_id = int(re.search(r"/partnerships/(\d+)$", sent.headers["Location"]).group(1))
    shown = client.get(f"/partnerships/{partnership_id}").get_data(as_text=True)
    assert PROPOSAL in shown and 'id="withdraw-submit"' in shown and 'id="accept-submit"' not in shown
    for member in ("miriam", "jonas"):
        (told,) = notices(core_runtime, member, "partnership_request")
        assert told.params["partnership_id"] == partnership_id and told.params["organisation"] == MRC
        assert "ana" not in told.params.values()  # organisations only: names outlive an erasure there
    assert notices(core_runtime, "ana", "partnership_request") == []
    inbox = client.application.test_client()
    plant_sign_in(inbox, people["miriam"], "csrf-m")
    assert f"{MRC} proposes a partnership to {SERVICE}" in inbox.get("/inbox").get_data(as_text=True)
    again = client.get(f"/organisations/{org(people, 'miriam')}").get_data(as_text=True)
    assert 'id="partnership-form"' not in again and 'id="partnership-thread-link"' in again


def test_a_second_open_request_between_the_same_organisations_is_refused_either_way(client, core_runtime, people, sign_in):
    ask(core_runtime, people)
    with pytest.raises(HeadstartError, match="open already") as refused:
        ask(core_runtime, people, by="jonas", to="ana", kind="contact")
    assert refused.value.field == "message"
    token = sign_in(people["ana"])
    page = client.post(f"/organisations/{org(people, 'miriam')}/partnerships",
                       data={"csrf_token": token, "kind": "contact", "message": "Hello again."})  # fmt: skip
    assert page.status_code == 422 and "open already" in page.get_data(as_text=True)
    ask(core_runtime, people, to="outsider")  # another organisation: fine
    with Session(core_runtime.engine) as db:
        assert len(db.exec(select(Partnership)).all()) == 2


def test_requests_are_checked(core_runtime, people):
    with pytest.raises(HeadstartError, match="Write a message"):
        ask(core_runtime, people, message="   ")
    with pytest.raises(HeadstartError, match="at most 2,000"):
        ask(core_runtime, people, message="x" * 2_001)
    with pytest.raises(HeadstartError, match="partnership or a contact"):
        ask(core_runtime, people, kind="marriage")
    with pytest.raises(HeadstartError, match="cannot ask itself"):
        ask(core_runtime, people, by="jonas", to="miriam")
    with pytest.raises(HeadstartError, match="Only members"):
        ask(core_runtime, people, by="migrant")
    with pytest.raises(NotFound):
        partnerships.request_partnership(core_runtime.engine, actor=people["ana"], organisation_id=999_999, kind="contact",
                                         message="Hello.")  # fmt: skip


def test_both_sides_write_in_the_thread_and_each_is_told(client, core_runtime, people, sign_in):
    made = ask(core_runtime, people)
    token = sign_in(people["miriam"])
    empty = client.post(f"/partnerships/{made.id}/messages", data={"csrf_token": token, "message": ""})
    assert empty.status_code == 422 and 'id="message-error"' in empty.get_data(as_text=True)
    assert client.post(f"/partnerships/{made.id}/messages",
                       data={"csrf_token": token, "message": "Send us the arrival date."}).status_code == 302  # fmt: skip
    partnerships.reply(core_runtime.engine, actor=people["ana"], partnership_id=made.id, message="The 3rd of May.")
    with Session(core_runtime.engine) as db:
        shown = thread(db, made.id, people["jonas"])
        assert [(m.author, m.text[:9]) for m in shown.messages] == [("ana", PROPOSAL[:9]), ("miriam", "Send us t"), ("ana", "The 3rd o")]
        assert shown.may_answer and not shown.may_withdraw and shown.authors["ana"]
    assert len(notices(core_runtime, "ana", "partnership_message")) == 1
    assert len(notices(core_runtime, "jonas", "partnership_message")) == 1


def test_accepting_lists_the_partners_on_both_pages(client, core_runtime, people, sign_in):
    made = ask(core_runtime, people)
    token = sign_in(people["ana"])
    client.post(f"/partnerships/{made.id}/accept", data={"csrf_token": token})  # the asking side may not accept
    with Session(core_runtime.engine) as db:
        assert db.get(Partnership, made.id).status == "requested"
    token = sign_in(people["jonas"])
    assert client.post(f"/partnerships/{made.id}/accept", data={"csrf_token": token}).status_code == 302
    with Session(core_runtime.engine) as db:
        done = db.get(Partnership, made.id)
        assert (done.status, done.answered_by) == ("accepted", "jonas") and done.answered_at is not None
        assert [o.name for o in partners_of(db, org(people, "ana"))] == [SERVICE]
        assert [o.name for o in partners_of(db, org(people, "miriam"))] == [MRC]
    for own, other in ((org(people, "ana"), SERVICE), (org(people, "miriam"), MRC)):
        page = client.get(f"/organisations/{own}").get_data(as_text=True)
        assert 'id="partner-list"' in page and other in page
    (told,) = notices(core_runtime, "ana", "partnership_answer")
    assert told.params["answer"] == "accepted"
    with pytest.raises(HeadstartError, match="partners already"):
        ask(core_runtime, people, by="miriam", to="ana", kind="contact")
    with pytest.raises(HeadstartError, match="answered already"):
        partnerships.answer(core_runtime.engine, actor=people["miriam"], partnership_id=made.id, decision="declined")


def test_declining_ends_the_request_and_a_new_one_may_follow(client, core_runtime, people, sign_in):
    made = ask(core_runtime, people, kind="contact")
    token = sign_in(people["miriam"])
    assert client.post(f"/partnerships/{made.id}/decline", data={"csrf_token": token, "message": "Not this year."}).status_code == 302
    with Session(core_runtime.engine) as db:
        assert db.get(Partnership, made.id).status == "declined"
        assert partners_of(db, org(people, "ana")) == []
        assert not thread(db, made.id, people["ana"]).may_reply
    assert notices(core_runtime, "ana", "partnership_answer")[0].params["answer"] == "declined"
    with pytest.raises(HeadstartError, match="closed"):
        partnerships.reply(core_runtime.engine, actor=people["ana"], partnership_id=made.id, message="Why not?")
    assert ask(core_runtime, people, by="miriam", to="ana").status == "requested"


def test_only_the_asking_side_withdraws(core_runtime, people):
    made = ask(core_runtime, people)
    with pytest.raises(HeadstartError, match="only the one that asked withdraws"):
        partnerships.answer(core_runtime.engine, actor=people["miriam"], partnership_id=made.id, decision="withdrawn")
    partnerships.answer(core_runtime.engine, actor=people["ana"], partnership_id=made.id, decision="withdrawn")
    with Session(core_runtime.engine) as db:
        assert db.get(Partnership, made.id).status == "withdrawn"
    assert notices(core_runtime, "miriam", "partnership_answer")[0].params["answer"] == "withdrawn"


def test_nobody_but_the_two_organisations_opens_a_thread(client, core_runtime, people, sign_in):
    made = ask(core_runtime, people)
    for name in ("outsider", "employer", "migrant", "admin"):
        token = sign_in(people[name])
        assert client.get(f"/partnerships/{made.id}").status_code == 404, name
        assert client.post(f"/partnerships/{made.id}/messages", data={"csrf_token": token, "message": "Hi"}).status_code == 404
        assert client.post(f"/partnerships/{made.id}/accept", data={"csrf_token": token}).status_code == 404
        assert client.get(f"/organisations/{org(people, 'ana')}/partnerships").status_code == 404
    plant_sign_in(client, None, "anonymous", clear=True)
    assert "/login" in client.get(f"/partnerships/{made.id}").headers["Location"]
    with Session(core_runtime.engine) as db, pytest.raises(NotFound):
        thread(db, made.id, people["outsider"])
    with Session(core_runtime.engine) as db:
        listing = partnerships_page(db, org(people, "miriam"), people["jonas"])
        assert [line.other.name for line in listing.incoming] == [MRC] and listing.outgoing == []
    sign_in(people["ana"])
    page = client.get(f"/organisations/{org(people, 'ana')}/partnerships").get_data(as_text=True)
    assert 'id="outgoing-requests"' in page and SERVICE in page


def test_a_suspended_organisation_reads_its_threads_but_neither_writes_nor_answers(client, core_runtime, people, sign_in):
    made = ask(core_runtime, people)
    membership.review(core_runtime.engine, reviewer=people["admin"], organisation_id=org(people, "miriam"), decision="suspended",
                      note="Complaint under review.")  # fmt: skip
    for action in (
        lambda: partnerships.reply(core_runtime.engine, actor=people["miriam"], partnership_id=made.id, message="Hello"),
        lambda: partnerships.answer(core_runtime.engine, actor=people["miriam"], partnership_id=made.id, decision="accepted"),
        lambda: ask(core_runtime, people, by="miriam", to="outsider"),
    ):
        with pytest.raises(HeadstartError, match="suspended"):
            action()
    with pytest.raises(NotFound):  # nor is a suspended organisation asked
        ask(core_runtime, people, by="outsider", to="miriam")
    sign_in(people["miriam"])
    shown = client.get(f"/partnerships/{made.id}").get_data(as_text=True)
    assert PROPOSAL in shown and 'id="partnership-read-only"' in shown and 'id="reply-form"' not in shown
    with Session(core_runtime.engine) as db:
        assert not standing(db, _org(db, people, "ana"), people["miriam"]).may_propose


def test_a_pending_organisation_asks_nobody(core_runtime, people):
    with session_scope(core_runtime.engine) as db:
        centre = _org(db, people, "outsider")
        centre.status = "pending"
        db.add(centre)
    with pytest.raises(HeadstartError, match="waiting for review"):
        ask(core_runtime, people, by="outsider", to="ana")


def test_an_erased_account_leaves_its_messages_unsigned_and_exports_them_first(core_runtime, people):
    made = ask(core_runtime, people)
    partnerships.reply(core_runtime.engine, actor=people["miriam"], partnership_id=made.id, message="Gladly, call us.")
    partnerships.answer(core_runtime.engine, actor=people["miriam"], partnership_id=made.id, decision="accepted")
    with Session(core_runtime.engine) as db:
        exported = erasure.export_personal_data(db, username="miriam")
    assert [m["text"] for m in exported["partnership_messages_written"]] == ["Gladly, call us."]
    with session_scope(core_runtime.engine) as db:
        erasure.erase_account(session=db, username="miriam")
    with Session(core_runtime.engine) as db:
        messages = db.exec(select(PartnershipMessage).order_by(PartnershipMessage.id)).all()
        assert [(m.author, m.text) for m in messages] == [("ana", PROPOSAL), (DELETED_AUTHOR, "Gladly, call us.")]
        assert db.get(Partnership, made.id).answered_by == ""
        assert [o.name for o in partners_of(db, org(people, "ana"))] == [SERVICE]  # the organisations' standing stays


def test_the_demo_mrc_and_the_integration_service_are_partners_with_a_thread(core_runtime):
    users = load_demo_users(core_runtime)
    report = load_demo_organisations(core_runtime, password=users.password)
    assert report.members == ("integration",) and report.partnerships == 1
    with Session(core_runtime.engine) as db:
        practitioner, integration = find_user(db, "practitioner"), find_user(db, "integration")
        (partner,) = partners_of(db, practitioner.organisation_id)
        assert (partner.name, partner.kind, partner.city) == ("Integrationsdienst Rhein-Main", "integration_service", "Frankfurt am Main")
        assert partner.services == ["language_training", "recognition", "housing", "arrival_support"]
        assert partner.languages == ["ar", "de", "en", "ro"] and partner.id == integration.organisation_id
        (made,) = db.exec(select(Partnership)).all()
        assert len(thread(db, made.id, integration).messages) == 2
    again = load_demo_organisations(core_runtime, password=users.password)
    assert (again.detailed, again.members, again.partnerships) == (0, (), 0)
