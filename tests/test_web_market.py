"""Marketplace pages: vacancy and offer lists, posting, managing, candidates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from matching.models import ServiceOffer, Vacancy
from matching.records import import_offers, import_profiles, import_vacancies

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"


@pytest.fixture
def market(core_runtime):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    import_offers(core_runtime, SEEDS / "offers.jsonl")
    return core_runtime


def test_smoke(market, client):
    r = client.get("/vacancies")
    assert r.status_code == 200, r.text
    print(len(r.data))
    r = client.get("/vacancies?country=DE&sector=2&language=de&level=B1")
    assert r.status_code == 200, r.text
    r = client.get("/vacancies/1")
    assert r.status_code == 200, r.text
    r = client.get("/offers")
    assert r.status_code == 200, r.text
    r = client.get("/offers", headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
