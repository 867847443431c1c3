"""The JSON API: suggestions and health, and clear JSON errors for bad requests."""

from __future__ import annotations

import pytest


def test_health_reports_ok_and_index_sizes(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["indexed"]["occupations"] > 0


def test_occupation_suggestions_are_ranked_concepts(client):
    response = client.get("/api/v1/occupations/suggest", query_string={"q": "welder", "top": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == "welder"
    assert len(body["suggestions"]) == 3
    first = body["suggestions"][0]
    assert first["label"] == "welder"
    assert first["uri"].startswith("http://data.europa.eu/esco/occupation/")
    scores = [s["score"] for s in body["suggestions"]]
    assert scores == sorted(scores, reverse=True)


def test_skill_suggestions(client):
    response = client.get("/api/v1/skills/suggest", query_string={"q": "speak French"})
    assert response.status_code == 200
    labels = [s["label"].lower() for s in response.get_json()["suggestions"]]
    assert any("french" in label for label in labels)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 10_000_000}, "q"),
        ({"q": "nurse", "top": "many"}, "top"),
        ({"q": "nurse", "top": "0"}, "top"),
        ({"q": "nurse", "top": "5000"}, "top"),
        ({"q": "nurse", "lang": "xx"}, "lang"),
    ],
)
def test_bad_requests_get_400_with_a_json_error(client, params, field):
    response = client.get("/api/v1/occupations/suggest", query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field
    assert body["error"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_home_page_says_how_to_load_the_full_taxonomy(client):
    page = client.get("/").get_data(as_text=True)
    assert "Only the core taxonomy is loaded" in page
    assert "headstart esco import" in page


def test_home_page_suggests_without_javascript(client):
    response = client.get("/", query_string={"q": "welder", "type": "occupation"})
    assert response.status_code == 200
    assert "welder" in response.get_data(as_text=True)


def test_home_page_shows_bad_input_inline(client):
    response = client.get("/", query_string={"q": "nurse" * 200})
    assert response.status_code == 422
    assert "at most 500" in response.get_data(as_text=True)
