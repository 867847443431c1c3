"""The marketplace of organisations: the services, languages and sectors an organisation
gives (checked against their vocabularies), the directory filtered by each of them in one
SQL query, and the service offers on an organisation's page."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from core.db import session_scope
from core.errors import HeadstartError
from core.organisations import membership
from core.organisations.models import Organisation
from core.organisations.service import OrganisationDetails, directory, new_organisation
from matching import records
from matching.marketplace import offers_of_organisation
from matching.models import ServiceOfferInput


def details(kind: str = "service_provider", name: str = "Sprachschule Main", **fields) -> OrganisationDetails:
    return OrganisationDetails(kind=kind, name=name, **fields)


def test_the_marketplace_details_are_checked_and_put_in_order():
    checked = details(services=("housing", "orientation", "housing", " "), languages=("RO", "de", "de"), sectors=("9", "2")).checked()
    assert checked.services == ("orientation", "housing")  # the vocabulary's order, no repeats
    assert checked.languages == ("de", "ro") and checked.sectors == ("2", "9")
    for field, value, words in (("services", ("teleportation",), "services from the list"),
                                ("languages", ("xx",), "languages from the list"),
                                ("sectors", ("12",), "sectors from the list")):  # fmt: skip
        with pytest.raises(HeadstartError, match=words) as refused:
            details(**{field: value}).checked()
        assert refused.value.field == field


@pytest.fixture
def directory_world(core_runtime):
    """Five verified organisations and one pending, each with its own marketplace details."""
    rows = [
        details("integration_service", "Integrationsdienst Rhein-Main", country="DE", city="Frankfurt am Main",
                services=("arrival_support", "housing"), languages=("de", "ar"), sectors=("5", "7"),
                description="First weeks in Frankfurt: town hall, bank, a room."),
        details("service_provider", "Limba Nouă", country="MD", services=("language_training",), languages=("de", "ro"),
                sectors=("2",)),
        details("service_provider", "Jobbrücke Köln", country="DE", services=("job_placement",), languages=("en",), sectors=("8",)),
        details("mrc", "MRC Chișinău", country="MD", services=("orientation", "reintegration"), languages=("ro", "ru"),
                sectors=("2", "3")),
        details("employer", "Krankenhaus Kessler GmbH", country="DE", services=("language_training",), sectors=("2", "3")),
    ]  # fmt: skip
    with session_scope(core_runtime.engine) as db:
        ids = {row.name: new_organisation(db, row, status="verified", by="the tests").id for row in rows}
        new_organisation(db, details("service_provider", "Wohnen Sofort", services=("housing",), languages=("de",)))  # pending
    return ids


def found(runtime, **filters) -> list[str]:
    with Session(runtime.engine) as db:
        return [organisation.name for organisation in directory(db, **filters)]


def test_each_filter_narrows_the_directory(core_runtime, directory_world):
    everyone = found(core_runtime)
    assert len(everyone) == 5 and "Wohnen Sofort" not in everyone  # pending: not listed
    assert found(core_runtime, service="housing") == ["Integrationsdienst Rhein-Main"]
    assert found(core_runtime, service="language_training") == ["Krankenhaus Kessler GmbH", "Limba Nouă"]
    assert found(core_runtime, service="job_placement") == ["Jobbrücke Köln"]
    assert found(core_runtime, language="ro") == ["Limba Nouă", "MRC Chișinău"]
    assert found(core_runtime, language="ar") == ["Integrationsdienst Rhein-Main"]
    assert found(core_runtime, sector="2") == ["Krankenhaus Kessler GmbH", "Limba Nouă", "MRC Chișinău"]
    assert found(core_runtime, kind="mrc") == ["MRC Chișinău"]
    assert found(core_runtime, country="de", service="language_training") == ["Krankenhaus Kessler GmbH"]
    assert found(core_runtime, text="chisinau") == ["MRC Chișinău"]  # the folded name
    assert found(core_runtime, text="frankfurt bank") == ["Integrationsdienst Rhein-Main"]  # words of the description
    assert found(core_runtime, text="kessler GmbH") == ["Krankenhaus Kessler GmbH"]
    assert found(core_runtime, service="housing", language="ro") == []
    assert found(core_runtime, text="100%") == []  # LIKE wildcards typed are only characters


def test_the_directory_is_one_query(core_runtime, directory_world):
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(core_runtime.engine, "before_cursor_execute", count)
    try:
        assert found(core_runtime, kind="integration_service", country="DE", service="housing", language="de", sector="7",
                     text="rhein") == ["Integrationsdienst Rhein-Main"]  # fmt: skip
    finally:
        event.remove(core_runtime.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_the_directory_page_keeps_its_filters_in_the_url_and_swaps_its_results(client, directory_world):
    page = client.get("/organisations?service=housing&language=de&sector=7&country=DE")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Integrationsdienst Rhein-Main" in text and "Limba" not in text
    assert 'value="housing" selected' in text and 'hx-push-url="true"' in text
    fragment = client.get("/organisations?service=language_training", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="organisation-search"' in body and "Limba Nouă" in body
    assert "HX-Request" in fragment.headers["Vary"]
    unknown = client.get("/organisations?service=teleportation&language=zz&sector=42").get_data(as_text=True)
    assert "Jobbrücke Köln" in unknown  # an old or forged bookmark filters nothing, it is no error


def test_owners_choose_services_languages_and_sectors_on_the_edit_form(client, core_runtime, make_user, sign_in):
    owner = make_user("provider", username="desk", organisation="Limba Nouă")
    url = f"/organisations/{owner.organisation_id}/edit"
    token = sign_in(owner)
    form = client.get(url).get_data(as_text=True)
    assert 'name="services" value="housing"' in form and 'name="sectors" value="9"' in form and 'name="languages"' in form
    sent = {"csrf_token": token, "organisation": "Limba Nouă", "services": ["language_training", "orientation"],
            "languages": ["de", "ro"], "sectors": ["2", "3"]}  # fmt: skip
    refused = client.post(url, data={**sent, "services": ["language_training", "flying"]})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="services-error"' in body
    assert 'value="language_training" checked' in body  # what was ticked stays ticked
    assert client.post(url, data=sent).status_code == 302
    with Session(core_runtime.engine) as db:
        saved = db.get(Organisation, owner.organisation_id)
        assert (saved.services, saved.languages, saved.sectors) == (["orientation", "language_training"], ["de", "ro"], ["2", "3"])
    page = client.get(f"/organisations/{owner.organisation_id}").get_data(as_text=True)
    assert "Language training" in page and "Professionals" in page and 'id="org-languages"' in page
    membership.update_details(core_runtime.engine, owner=owner, organisation_id=owner.organisation_id,
                              details=OrganisationDetails(kind="", name="Limba Nouă"))  # nothing ticked: none  # fmt: skip
    with Session(core_runtime.engine) as db:
        assert db.get(Organisation, owner.organisation_id).services == []


def test_an_organisations_page_lists_its_service_offers(client, core_runtime, make_user):
    owner = make_user("provider", username="desk", organisation="Limba Nouă")
    other = make_user("provider", username="elsewhere", organisation="Sprachschule Anderswo")
    with session_scope(core_runtime.engine) as db:
        for title, provider in (("German B1 for nurses", "Limba Nouă"), ("German A2 evenings", "Limba Nouă"),
                                ("Italian A1", "Sprachschule Anderswo")):  # fmt: skip
            records.create_offer(session=db, data=ServiceOfferInput(provider=provider, kind="language_course", title=title,
                                                                    country="MD", language_taught="de", level_reached="B1"))  # fmt: skip
    with Session(core_runtime.engine) as db:
        titles = [offer.title for offer in offers_of_organisation(db, owner.organisation_id)]
    assert titles == ["German A2 evenings", "German B1 for nurses"]
    page = client.get(f"/organisations/{owner.organisation_id}").get_data(as_text=True)
    assert 'id="offer-list"' in page and "German B1 for nurses" in page and "Italian A1" not in page
    assert "Italian A1" in client.get(f"/organisations/{other.organisation_id}").get_data(as_text=True)


def test_the_api_lists_the_marketplace_details(client, directory_world):
    listed = client.get("/api/v1/organisations?kind=integration_service").get_json()["organisations"]
    assert listed[0]["services"] == ["housing", "arrival_support"] and listed[0]["languages"] == ["ar", "de"]
