"""Job alerts and saved searches (matching/alerts.py): a new vacancy that matches an
alerting profile above its threshold, or a saved search, is told once; the daily digest
gathers the hits; only the vacancies changed since the last scan are scored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.db import session_scope
from core.errors import HeadstartError
from core.notifications.models import Notification
from matching import marketplace
from matching.alerts import AlertHit, save_search, scan, send_digests, set_alert
from matching.models import Vacancy, VacancyInput, utcnow
from matching.records import create_vacancy
from tests.profiles import BASIC_SUPPORT, HYGIENE, NURSE, VITAL_SIGNS, add_profile


def post(runtime, title="Nurse on a surgical ward", country="DE", **fields) -> int:
    with session_scope(runtime.engine) as db:
        values = {"occupation_uri": NURSE, "essential_skills": [VITAL_SIGNS, BASIC_SUPPORT, HYGIENE],
                  "description": "Care on a surgical ward.", **fields}  # fmt: skip
        data = VacancyInput(employer="Krankenhaus Kessler GmbH", title=title, country=country, status="open", **values)
        return create_vacancy(session=db, data=data)[0].id


def told(engine, user) -> list[Notification]:
    with Session(engine) as db:
        return list(db.exec(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


@pytest.fixture
def alerting(core_runtime, make_user):
    make_user("employer", username="hr.vogt", organisation="Krankenhaus Kessler GmbH")
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    set_alert(core_runtime.engine, actor=migrant, profile_id=pid, on=True, threshold="broad")
    scan(core_runtime)  # the first scan sets the watermark: alerts tell of what is new
    return migrant, pid


def test_a_new_matching_vacancy_is_told_once(core_runtime, alerting):
    migrant, pid = alerting
    job = post(core_runtime)
    elsewhere = post(core_runtime, title="Nurse in Vienna", country="AT")  # the profile wishes to go to DE only
    report = scan(core_runtime)
    assert report.vacancies == 2 and report.hits == 1 and report.told == 1
    [notice] = told(core_runtime.engine, migrant)
    assert notice.kind == "new_match" and notice.params["vacancy_id"] == job and notice.params["score"] >= 0.4
    assert elsewhere not in [n.params["vacancy_id"] for n in told(core_runtime.engine, migrant)]

    assert scan(core_runtime).hits == 0  # scanned again (the overlap): nothing new
    with session_scope(core_runtime.engine) as db:  # closed and reopened: still told once
        vacancy = db.get(Vacancy, job)
        vacancy.status = "closed"
        db.add(vacancy)
    with session_scope(core_runtime.engine) as db:
        vacancy = db.get(Vacancy, job)
        vacancy.status, vacancy.updated_at = "open", utcnow()
        db.add(vacancy)
    assert scan(core_runtime).hits == 0
    assert len(told(core_runtime.engine, migrant)) == 1


def test_only_vacancies_changed_since_the_last_scan_are_scored(core_runtime, alerting):
    post(core_runtime)
    assert scan(core_runtime).vacancies == 1
    later = utcnow() + timedelta(hours=1)
    assert scan(core_runtime, now=later).vacancies == 1  # within the overlap of the last scan: once more
    assert scan(core_runtime, now=later + timedelta(hours=1)).vacancies == 0  # past it: nothing changed


def test_above_the_threshold_only(core_runtime, make_user, alerting):
    migrant, pid = alerting
    set_alert(core_runtime.engine, actor=migrant, profile_id=pid, on=True, threshold="close")
    post(core_runtime, title="Welder for shipyards", occupation_uri=None, essential_skills=[], description="Welding hulls.")
    report = scan(core_runtime)
    assert report.hits == 0 and told(core_runtime.engine, migrant) == []


def test_the_daily_digest_gathers_hits_at_most_once_a_day(core_runtime, alerting):
    migrant, pid = alerting
    set_alert(core_runtime.engine, actor=migrant, profile_id=pid, on=True, threshold="broad", daily=True)
    post(core_runtime)
    post(core_runtime, title="Night nurse")
    assert scan(core_runtime).told == 0
    now = utcnow()
    assert send_digests(core_runtime.engine, now=now) == 1
    [digest] = told(core_runtime.engine, migrant)
    assert digest.kind == "alert_digest" and digest.params["count"] == 2
    post(core_runtime, title="Ward nurse")
    scan(core_runtime)
    assert send_digests(core_runtime.engine, now=now + timedelta(hours=2)) == 0  # not a day yet
    assert send_digests(core_runtime.engine, now=now + timedelta(days=1, minutes=1)) == 1
    assert [n.params["count"] for n in told(core_runtime.engine, migrant)] == [2, 1]


def test_a_saved_search_is_told_of_new_vacancies_it_lists(core_runtime, make_user):
    make_user("employer", username="hr.vogt", organisation="Krankenhaus Kessler GmbH")
    migrant = make_user("migrant", username="amina")
    save_search(core_runtime.engine, user=migrant, filters=marketplace.VacancyFilters(country="AT", q="nurse"))
    with pytest.raises(HeadstartError, match="saved this search already"):
        save_search(core_runtime.engine, user=migrant, filters=marketplace.VacancyFilters(country="AT", q="nurse"))
    with pytest.raises(HeadstartError, match="at least one filter"):
        save_search(core_runtime.engine, user=migrant, filters=marketplace.VacancyFilters())
    scan(core_runtime)
    post(core_runtime, title="Nurse in Vienna", country="AT")
    post(core_runtime, title="Cook in Vienna", country="AT")
    post(core_runtime, title="Nurse in Kassel", country="DE")
    scan(core_runtime)
    [notice] = told(core_runtime.engine, migrant)
    assert notice.kind == "search_hit" and notice.params["vacancy"] == "Nurse in Vienna"
    with Session(core_runtime.engine) as db:
        assert len(db.exec(select(AlertHit)).all()) == 1


def test_alerts_need_a_profile_open_to_matching_and_its_owner(core_runtime, make_user):
    migrant = make_user("migrant", username="amina")
    stranger = make_user("migrant", username="other")
    pid = add_profile(core_runtime, "amina", consent_to_matching=False)
    with pytest.raises(HeadstartError, match="allow matching first"):
        set_alert(core_runtime.engine, actor=migrant, profile_id=pid, on=True)
    with pytest.raises(HeadstartError, match="no such profile"):
        set_alert(core_runtime.engine, actor=stranger, profile_id=pid, on=True)


def test_the_web_pages_turn_alerts_on_and_save_a_search(client, core_runtime, make_user, sign_in):
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(migrant)
    page = client.get(f"/profiles/{pid}").get_data(as_text=True)
    assert 'id="job-alert"' in page and "Turn alerts on" in page
    on = client.post(f"/profiles/{pid}/alert", data={"csrf_token": token, "on": "1", "threshold": "close", "daily": "1"},
                     follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "Job alerts are on" in on and "Turn alerts off" in on
    assert "selected>only close matches" in on.replace('"close" selected', "selected")
    bad = client.post(f"/profiles/{pid}/alert", data={"csrf_token": token, "on": "1", "threshold": "nonsense"}, follow_redirects=True)
    assert "Choose how close" in bad.get_data(as_text=True)
    listing = client.get("/vacancies?country=DE").get_data(as_text=True)
    assert 'id="save-search"' in listing
    saved = client.post("/saved-searches", data={"csrf_token": token, "country": "DE"}, follow_redirects=True).get_data(as_text=True)
    assert "Search saved" in saved
    prefs = client.get("/account/notifications").get_data(as_text=True)
    assert 'id="saved-searches"' in prefs and "Germany" in prefs
