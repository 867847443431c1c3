"""The employer's candidate pipeline (matching/pipeline.py): candidates enter when they are
handed over, moves follow the rules and are recorded, the note stays the employer's, the
migrant sees their stage and may leave."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from matching.models import Vacancy
from matching.pipeline import PipelineEntry, PipelineMove
from tests.profiles import add_profile
from tests.test_caseloads import kessler_job  # noqa: F401 (a fixture)


def text(response) -> str:
    return response.get_data(as_text=True)


def entry_id(page: str) -> int:
    return int(re.search(r'id="pipeline-(\d+)"', page).group(1))


def move(client, token, vacancy_id, entry, stage):
    return client.post(f"/vacancies/{vacancy_id}/pipeline/{entry}/stage", data={"csrf_token": token, "stage": stage},
                       follow_redirects=True)  # fmt: skip


def test_from_suggested_to_hired_by_the_rules(client, core_runtime, make_user, sign_in, kessler_job):  # noqa: F811
    employer, job = kessler_job
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(employer)
    page = text(client.get(f"/vacancies/{job.id}/candidates"))
    entry = entry_id(page)
    assert f'value="{pid}"' not in page.split(f'id="pipeline-{entry}"')[1][:3000]  # the form names the entry, not the profile
    assert "Suggested" in page and 'value="in_contact"' not in page  # anonymous: no contact stages offered
    assert "Shortlisted" in text(move(client, token, job.id, entry, "shortlisted"))
    refused = text(move(client, token, job.id, entry, "in_contact"))
    assert "has not agreed to show you their profile" in refused
    assert "cannot be moved to that stage" in text(move(client, token, job.id, entry, "hired"))  # skips the rules

    migrant_token = sign_in(migrant)
    client.post(f"/profiles/{pid}/consents", data={"csrf_token": migrant_token, "recipient_id": str(employer.organisation_id), "days": "90"})
    token = sign_in(employer)
    client.post(f"/vacancies/{job.id}/pipeline/{entry}/note", data={"csrf_token": token, "note": "Ask about night shifts."})
    for stage in ("in_contact", "interview", "offer"):
        move(client, token, job.id, entry, stage)
    hired = text(move(client, token, job.id, entry, "hired"))
    assert "close it as filled" in hired
    vacancy_page = text(client.get(f"/vacancies/{job.id}"))
    assert 'id="pipeline-counts"' in vacancy_page and "Hired: <strong>1</strong>" in vacancy_page
    assert client.post(f"/vacancies/{job.id}/fill", data={"csrf_token": token}).status_code == 302
    with Session(core_runtime.engine) as db:
        assert db.get(Vacancy, job.id).status == "filled"
        moves = db.exec(select(PipelineMove).where(PipelineMove.entry_id == entry).order_by(PipelineMove.id)).all()
        assert [(m.from_stage, m.to_stage, m.by) for m in moves] == [
            ("suggested", "shortlisted", "hr.vogt"), ("shortlisted", "in_contact", "hr.vogt"), ("in_contact", "interview", "hr.vogt"),
            ("interview", "offer", "hr.vogt"), ("offer", "hired", "hr.vogt"),
        ]  # fmt: skip

    sign_in(migrant)
    profile_page = text(client.get(f"/profiles/{pid}"))
    assert 'id="processes"' in profile_page and "Hired" in profile_page and "Kitchen help" in profile_page
    assert "night shifts" not in profile_page  # the employer's note is the employer's


def test_the_migrant_leaves_a_process_and_the_employer_sees_it(client, core_runtime, make_user, sign_in, kessler_job):  # noqa: F811
    employer, job = kessler_job
    migrant = make_user("migrant", username="amina")
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(employer)
    entry = entry_id(text(client.get(f"/vacancies/{job.id}/candidates")))
    move(client, token, job.id, entry, "shortlisted")
    too_long = client.post(f"/vacancies/{job.id}/pipeline/{entry}/note", data={"csrf_token": token, "note": "x" * 1_000_000},
                           follow_redirects=True)  # fmt: skip
    assert "at most 2,000 characters" in text(too_long)
    other_job = make_user("employer", username="other", organisation="Werft Nord GmbH")
    other_token = sign_in(other_job)
    assert move(client, other_token, job.id, entry, "not_selected").status_code == 404  # not its vacancy

    migrant_token = sign_in(migrant)
    left = client.post(f"/profiles/{pid}/processes/{job.id}/withdraw", data={"csrf_token": migrant_token}, follow_redirects=True)
    assert "You have left this hiring process" in text(left)
    with Session(core_runtime.engine) as db:
        assert db.get(PipelineEntry, entry).stage == "withdrawn"
    sign_in(employer)
    page = text(client.get(f"/vacancies/{job.id}/candidates"))
    assert "Withdrawn by the candidate" in page and f'id="stage-{entry}"' not in page  # no move left


def test_erasing_the_profile_erases_its_place_in_every_pipeline(client, core_runtime, make_user, sign_in, kessler_job):  # noqa: F811
    from matching.erasure import erase_profile_everywhere

    employer, job = kessler_job
    pid = add_profile(core_runtime, "amina", consent_to_matching=True)
    token = sign_in(employer)
    entry = entry_id(text(client.get(f"/vacancies/{job.id}/candidates")))
    move(client, token, job.id, entry, "shortlisted")
    erase_profile_everywhere(core_runtime, profile_id=pid, actor=None)
    with Session(core_runtime.engine) as db:
        assert db.get(PipelineEntry, entry) is None and db.exec(select(PipelineMove)).first() is None
