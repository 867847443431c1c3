"""The orientation pack: handbook, practices, vacancies and offers for a destination and
an occupation, on one printable page with its own address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from matching.models import ServiceOffer, Vacancy
from matching.records import import_offers, import_vacancies

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "matching"
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"


@pytest.fixture
def seeded(library_runtime, core_runtime):
    import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    import_offers(core_runtime, SEEDS / "offers.jsonl")
    return core_runtime


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def test_the_form_is_open_to_everyone(core_runtime, client):
    response = client.get("/orientation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="orientation-form"' in html and 'id="orientation-country"' in html and 'id="occupation-q"' in html
    assert 'id="orientation-pack"' not in html


def test_pack_for_nurses_in_germany(seeded, client):
    response = client.get(f"/orientation?country=DE&occupation={NURSE}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(response.data) < 100_000
    assert "<img" not in html
    assert "Orientation pack: nurse responsible for general care in Germany" in html
    assert 'data-print' in html and "Print or save as PDF" in html

    handbook = _section(html, "handbook-sections")
    assert handbook.count("<li>") >= 1

    practices = _section(html, "practices")
    assert "Triple Win" in practices
    assert "Fair recruitment of nurses" in practices or "nurses for Germany" in practices

    vacancies = _section(html, "vacancies")
    shown = [int(n) for n in re.findall(r'id="vacancy-(\d+)"', vacancies)]
    assert shown
    with Session(seeded.engine) as session:
        rows = [session.get(Vacancy, i) for i in shown]
    assert all(v.country == "DE" and v.status == "open" for v in rows)
    assert rows[0].occupation_uri == NURSE  # the occupation itself before its ISCO group

    offers = _section(html, "offers")
    shown = [int(n) for n in re.findall(r'id="offer-(\d+)"', offers)]
    assert shown
    with Session(seeded.engine) as session:
        rows = [session.get(ServiceOffer, i) for i in shown]
    for offer in rows:
        online_german = offer.kind == "language_course" and offer.mode in ("online", "blended") and offer.language_taught == "de"
        assert "DE" in offer.destination_countries or online_german
    assert "German for care workers, A1 to B1" in offers
    with Session(seeded.engine) as session:
        italian = session.execute(select(ServiceOffer).where(ServiceOffer.language_taught == "it")).scalars().first()
    assert italian.title not in offers


def test_free_text_is_read_as_an_esco_occupation(seeded, client):
    html = client.get("/orientation?country=DE&occupation_q=nurse+responsible+for+general+care").get_data(as_text=True)
    assert 'id="orientation-pack"' in html
    assert "what ESCO calls" in html
    assert re.search(r'id="vacancy-\d+"', _section(html, "vacancies"))


def test_a_missing_country_is_shown_next_to_the_field(seeded, client):
    response = client.get(f"/orientation?country=&occupation={NURSE}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="country-error"' in html and 'id="orientation-pack"' not in html
    assert f'value="{NURSE}" checked' in html  # the chosen occupation stays


def test_look_up_without_javascript_lists_options(seeded, client):
    response = client.get("/orientation?country=DE&occupation_q=nurse&look_up=occupation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    options = html.split('id="occupation-options"')[1].split("</ul>")[0]
    assert 'type="radio"' in options and "data-pick" in options
    assert 'id="orientation-pack"' not in html
    assert '<option value="DE" selected>' in html
