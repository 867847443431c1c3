"""Referrals (matching/referrals.py, referral_moves.py, referral_view.py): nothing is handed
over without the migrant's consent to the receiver, the packet carries only what was
ticked and only the sender's own notes, each hand-over is audited, only the two
organisations and the migrant see a referral, and a suspended one loses it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from core.accounts.audit import AuditEvent
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.notifications.models import Notification
from core.organisations import membership
from matching.case_notes import add_note
from matching.models import Consent, SkillProfile
from matching.profile_service import grant_profile_consent, withdraw_profile_consent
from matching.referral_models import Referral, ReferralEvent
from matching.referral_moves import answer_referral, close_referral, start_referral
from matching.referral_view import referral_view
from matching.referrals import Packet, ReferralError, ReferralRequest, create_referral
from tests.profiles import add_profile


@pytest.fixture
def sides(core_runtime, make_user):
    """An MRC practitioner holding a nurse's profile (one note of theirs), a provider in Germany."""
    pia = make_user("practitioner", username="pia", organisation="MRC Chisinau")
    other = make_user("practitioner", username="olga", organisation="MRC Tbilisi")
    berta = make_user("provider", username="berta", organisation="Sprachschule Rhein")
    pid = add_profile(core_runtime, "pia", summary="Nurse with five years on a surgical ward.")
    with session_scope(core_runtime.engine) as db:
        profile = db.get(SkillProfile, pid)
        profile.mrc_id = pia.organisation_id
        db.add(profile)
        own = add_note(session=db, profile_id=pid, author="pia", kind="recommendation", text="Ready for a B2 course.",
                       organisation_id=pia.organisation_id).id  # fmt: skip
        foreign = add_note(session=db, profile_id=pid, author="olga", kind="next_step", text="Olga's own note.",
                           organisation_id=other.organisation_id).id  # fmt: skip
    return pia, berta, pid, own, foreign


@pytest.fixture
def own_account(core_runtime, make_user):
    """A migrant with an account who shared their profile with an MRC; a provider in Germany."""
    pia = make_user("practitioner", username="pia", organisation="MRC Chisinau")
    berta = make_user("provider", username="berta", organisation="Sprachschule Rhein")
    amina = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina")
    grant_profile_consent(core_runtime, actor=amina, profile_id=pid, recipient_kind="mrc", recipient_id=pia.organisation_id, days=90)
    return pia, berta, amina, pid


def count(engine, model) -> int:
    with Session(engine) as db:
        return len(db.exec(select(model)).all())


def kinds_told(engine, user) -> list[str]:
    with Session(engine) as db:
        return [n.kind for n in db.exec(select(Notification).where(Notification.user_id == user.id))]


def refer(engine, actor, pid, to_id, **fields) -> Referral:
    asked = ReferralRequest(profile_id=pid, to_organisation_id=to_id, purpose=fields.pop("purpose", "German B2 course in Munich"),
                            **fields)  # fmt: skip
    return create_referral(engine, actor=actor, asked=asked)


def test_a_referral_with_the_consent_recorded_is_handed_over_and_audited(core_runtime, sides):
    pia, berta, pid, own, _ = sides
    engine = core_runtime.engine
    referral = refer(engine, pia, pid, berta.organisation_id, consent_days=90,
                     packet=Packet(summary=True, orientation=True, case_note_ids=(own,)))  # fmt: skip
    assert referral.status == "sent"
    with Session(engine) as db:
        consent = db.exec(select(Consent).where(Consent.profile_id == pid)).one()
        assert (consent.recipient_kind, consent.recipient_id) == ("service", berta.organisation_id)
        [handover] = db.exec(select(AuditEvent).where(AuditEvent.action == "handover")).all()
        assert handover.object_id == str(pid) and f"case notes {own}" in handover.detail and "Ready" not in handover.detail
    assert "referral_received" in kinds_told(engine, berta)

    seen = referral_view(engine, viewer=berta, referral_id=referral.id)
    assert seen.side == "receiver" and seen.contents is not None
    assert seen.contents.summary.startswith("Nurse") and [n.id for n in seen.contents.notes] == [own]
    assert seen.contents.orientation == ("DE", seen.contents.occupations[0].uri)
    assert seen.contents.vacancy is None


def test_without_consent_or_anyone_to_ask_nothing_is_written(core_runtime, sides):
    pia, berta, pid, *_ = sides
    with pytest.raises(ReferralError) as refused:
        refer(core_runtime.engine, pia, pid, berta.organisation_id)
    assert refused.value.field == "consent_days" and "consent" in refused.value.message
    assert count(core_runtime.engine, Referral) == 0 and count(core_runtime.engine, Consent) == 0


def test_a_packet_may_not_carry_another_centres_note(core_runtime, sides):
    pia, berta, pid, own, foreign = sides
    with pytest.raises(ReferralError) as refused:
        refer(core_runtime.engine, pia, pid, berta.organisation_id, consent_days=90,
              packet=Packet(case_note_ids=(own, foreign)))  # fmt: skip
    assert refused.value.field == "case_note_ids"
    assert count(core_runtime.engine, Referral) == 0 and count(core_runtime.engine, Consent) == 0


@pytest.mark.parametrize("purpose", ["", "ok", "x" * 301])
def test_a_purpose_is_required_and_bounded(core_runtime, sides, purpose):
    pia, berta, pid, *_ = sides
    with pytest.raises(ReferralError) as refused:
        refer(core_runtime.engine, pia, pid, berta.organisation_id, consent_days=90, purpose=purpose)
    assert refused.value.field == "purpose"


def test_a_migrant_with_an_account_is_asked_and_the_receiver_learns_only_after(core_runtime, own_account):
    engine = core_runtime.engine
    pia, berta, amina, pid = own_account
    with pytest.raises(ReferralError):  # only the migrant may consent for their own profile
        refer(engine, pia, pid, berta.organisation_id, consent_days=90)
    referral = refer(engine, pia, pid, berta.organisation_id)
    assert referral.status == "awaiting_consent" and "referral_consent" in kinds_told(engine, amina)
    with pytest.raises(NotFound):
        referral_view(engine, viewer=berta, referral_id=referral.id)
    assert referral_view(engine, viewer=amina, referral_id=referral.id).side == "migrant"

    grant_profile_consent(core_runtime, actor=amina, profile_id=pid, recipient_kind="service",
                          recipient_id=berta.organisation_id, days=180)  # fmt: skip
    with Session(engine) as db:
        assert db.get(Referral, referral.id).status == "sent"
        assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "handover")).all()) == 1
    assert "referral_received" in kinds_told(engine, berta)
    assert referral_view(engine, viewer=berta, referral_id=referral.id).contents is not None

    withdraw_profile_consent(core_runtime, actor=amina, profile_id=pid, recipient_id=berta.organisation_id)
    hidden = referral_view(engine, viewer=berta, referral_id=referral.id)
    assert hidden.contents is None and hidden.identity is None


def test_the_receiver_answers_works_and_closes_and_the_others_are_told(core_runtime, sides):
    pia, berta, pid, *_ = sides
    engine = core_runtime.engine
    referral = refer(engine, pia, pid, berta.organisation_id, consent_days=90)
    with pytest.raises(ReferralError):
        answer_referral(engine, actor=pia, referral_id=referral.id, accept=True)  # the sender cannot accept
    with pytest.raises(ReferralError) as no_reason:
        answer_referral(engine, actor=berta, referral_id=referral.id, accept=False)
    assert no_reason.value.field == "reason"
    with pytest.raises(ReferralError):
        close_referral(engine, actor=berta, referral_id=referral.id, outcome="completed")  # not accepted yet
    answer_referral(engine, actor=berta, referral_id=referral.id, accept=True)
    start_referral(engine, actor=berta, referral_id=referral.id)
    with pytest.raises(ReferralError):
        close_referral(engine, actor=berta, referral_id=referral.id, outcome="made-up")
    closed = close_referral(engine, actor=berta, referral_id=referral.id, outcome="completed", note="Passed B2.")
    assert (closed.status, closed.outcome) == ("closed", "completed")
    with Session(engine) as db:
        history = [e.status for e in db.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id))]
    assert history == ["sent", "accepted", "in_progress", "closed"]
    assert kinds_told(engine, pia).count("referral_answer") == 3


def test_the_sender_withdraws_and_a_declined_referral_keeps_its_reason(core_runtime, sides, make_user):
    pia, berta, pid, *_ = sides
    engine = core_runtime.engine
    first = refer(engine, pia, pid, berta.organisation_id, consent_days=90)
    declined = answer_referral(engine, actor=berta, referral_id=first.id, accept=False, reason="Our B2 courses are full until May.")
    assert (declined.status, declined.reason) == ("declined", "Our B2 courses are full until May.")
    second = refer(engine, pia, pid, berta.organisation_id, purpose="First week arrival support")
    assert close_referral(engine, actor=pia, referral_id=second.id, outcome="completed").outcome == "withdrawn"


def test_only_the_two_organisations_and_the_migrant_see_it_and_a_suspended_one_loses_it(core_runtime, sides, make_user):
    pia, berta, pid, *_ = sides
    engine = core_runtime.engine
    referral = refer(engine, pia, pid, berta.organisation_id, consent_days=90)
    outsiders = [make_user("provider", organisation="Another Provider"), make_user("employer"), make_user("admin"),
                 make_user("practitioner", organisation="MRC Tbilisi"), make_user("migrant")]  # fmt: skip
    for outsider in outsiders:
        with pytest.raises(NotFound):
            referral_view(engine, viewer=outsider, referral_id=referral.id)
    admin = outsiders[2]
    membership.review(engine, reviewer=admin, organisation_id=berta.organisation_id, decision="suspended", note="Registry entry removed.")
    with pytest.raises(NotFound):
        referral_view(engine, viewer=berta, referral_id=referral.id)
    with pytest.raises(HeadstartError):
        answer_referral(engine, actor=berta, referral_id=referral.id, accept=True)
    with pytest.raises(ReferralError):  # and nobody can refer to it any more
        refer(engine, pia, pid, berta.organisation_id, purpose="Housing search")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_pages_refer_answer_and_show_the_packet_to_the_receiver(client, core_runtime, sides, sign_in):
    pia, berta, pid, own, foreign = sides
    token = sign_in(pia)
    profile_page = text(client.get(f"/profiles/{pid}"))
    assert 'id="refer-link"' in profile_page
    form = text(client.get(f"/profiles/{pid}/refer"))
    assert "Sprachschule Rhein" in form and "Ready for a B2 course." in form and "Olga's own note." not in form

    missing = client.post(f"/profiles/{pid}/refer", data={"csrf_token": token, "purpose": "German B2 course"})
    assert missing.status_code == 422 and "Choose a verified organisation" in text(missing)
    no_consent = client.post(f"/profiles/{pid}/refer", data={"csrf_token": token, "purpose": "German B2 course",
                                                             "to_organisation_id": str(berta.organisation_id)})  # fmt: skip
    assert no_consent.status_code == 422 and "consent" in text(no_consent) and count(core_runtime.engine, Referral) == 0
    sent = client.post(f"/profiles/{pid}/refer", data={
        "csrf_token": token, "purpose": "German B2 course", "to_organisation_id": str(berta.organisation_id),
        "summary": "1", "case_note_ids": [str(own)], "consent_given": "1", "consent_days": "90"}, follow_redirects=True)  # fmt: skip
    assert "Referral sent." in text(sent)
    [referral_id] = [r.id for r in Session(core_runtime.engine).exec(select(Referral))]

    token = sign_in(berta)
    page = text(client.get(f"/referrals/{referral_id}"))
    assert "Ready for a B2 course." in page and "Nurse with five years" in page and 'id="referral-accept"' in page
    assert "Olga's own note." not in page
    assert "German B2 course" in text(client.get("/referrals"))
    refused = client.post(f"/referrals/{referral_id}/answer", data={"csrf_token": token, "answer": "decline"}, follow_redirects=True)
    assert "Say why you decline" in text(refused)
    accepted = client.post(f"/referrals/{referral_id}/answer", data={"csrf_token": token, "answer": "accept"}, follow_redirects=True)
    assert "Accepted" in text(accepted) and 'id="referral-start"' in text(accepted)


def test_export_carries_the_referrals_and_erasure_removes_them(core_runtime, own_account):
    from matching.erasure import erase_account, export_personal_data

    engine = core_runtime.engine
    pia, berta, _amina, pid = own_account
    refer(engine, pia, pid, berta.organisation_id)
    with Session(engine) as db:
        exported = export_personal_data(db, username="amina")
    [referral] = exported["referrals"]
    assert referral["purpose"] == "German B2 course in Munich" and referral["history"][0]["status"] == "awaiting_consent"
    with session_scope(engine) as db:
        erase_account(session=db, username="amina")
    assert count(engine, Referral) == 0 and count(engine, ReferralEvent) == 0
