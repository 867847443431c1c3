"""Properties every page shares: size, language, no inline script, who may open what."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from matching import records
from matching.models import SkillProfile, Vacancy

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE_BYTES = 100 * 1024


@pytest.fixture
def marketplace(library_runtime):
    for importer, name in ((records.import_vacancies, "vacancies"), (records.import_profiles, "profiles"), (records.import_offers, "offers")):
        importer(library_runtime, ROOT / "seeds" / "matching" / f"{name}.jsonl")
    with Session(library_runtime.engine) as session:
        profile = session.exec(select(SkillProfile).where(SkillProfile.external_id == "demo-prof-01")).one()
        vacancy = session.exec(select(Vacancy).where(Vacancy.employer == "Krankenhaus Kessler GmbH")).first()
        return {"profile": profile.id, "vacancy": vacancy.id, "owner": profile.owner, "employer": vacancy.employer}


PUBLIC_PAGES = ("/", "/login", "/register", "/library", "/library?q=orientation", "/handbook", "/vacancies", "/offers", "/orientation")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_small_and_script_free(client, library_runtime, path):
    response = client.get(path)
    assert response.status_code == 200
    assert len(response.data) < MAX_PAGE_BYTES, f"{path}: {len(response.data)} bytes"
    assert re.search(rb"<script(?![^>]*\bsrc=)", response.data) is None
    assert b" style=" not in response.data and b" hx-on" not in response.data
    assert b"https://" not in re.sub(rb'href="https://[^"]*"', b"", response.data)  # no CDN assets


def test_signed_in_pages_are_small(client, marketplace, make_user, sign_in):
    migrant = make_user("migrant", username=marketplace["owner"])
    sign_in(migrant)
    for path in (f"/profiles/{marketplace['profile']}", f"/profiles/{marketplace['profile']}/matches", "/profiles"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert len(response.data) < MAX_PAGE_BYTES, f"{path}: {len(response.data)} bytes"


def test_personal_pages_by_role(client, marketplace, make_user, sign_in):
    """Who may open a migrant's profile and an employer's candidates: a small matrix."""
    profile, vacancy = marketplace["profile"], marketplace["vacancy"]
    owner = make_user("migrant", username=marketplace["owner"])
    people = {
        "anonymous": None,
        "owner": owner,
        "other migrant": make_user("migrant"),
        "practitioner of another MRC": make_user("practitioner", organisation="MRC Elsewhere"),
        "vacancy's employer": make_user("employer", organisation=marketplace["employer"]),
        "other employer": make_user("employer", organisation="Another Employer GmbH"),
        "provider": make_user("provider"),
        "admin": make_user("admin"),
    }
    may_see_profile = {"owner", "admin"}
    may_see_candidates = {"vacancy's employer", "admin"}
    for who, user in people.items():
        with client.session_transaction() as session:
            session.clear()
        if user is not None:
            sign_in(user)
        for path in (f"/profiles/{profile}", f"/profiles/{profile}/matches", f"/profiles/{profile}/print"):
            status = client.get(path).status_code
            if who in may_see_profile:
                assert status == 200, (who, path, status)
            elif who == "anonymous":
                assert status == 302, (who, path, status)  # to the sign-in page
            else:
                assert status in (403, 404), (who, path, status)
        status = client.get(f"/vacancies/{vacancy}/candidates").status_code
        if who in may_see_candidates:
            assert status == 200, (who, status)
        elif who == "anonymous":
            assert status == 302, (who, status)
        else:
            assert status in (403, 404), (who, status)
