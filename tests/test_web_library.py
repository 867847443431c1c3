"""The library pages: search (page and fragment), facets, snippets, records, the handbook,
and adding and editing practices with inline errors, revisions, roles and CSRF."""

from __future__ import annotations

import re

import pytest

from core.errors import NotFound
from kb.library_query import parse_search_request
from kb.service import get_entry, save_record, search_library
from practices.quality import CRITERIA
from practices.schema import record_from_fields
from practices.vocabulary import (
    DELIVERY_MODES,
    DOCUMENT_KINDS,
    EVALUATION_TYPES,
    HANDBOOK_TOPICS,
    MEASURE_SUBTYPES,
    MEASURE_TYPES,
    PRACTICE_SECTIONS,
    TARGET_GROUPS,
)
from webapp.markdown_render import render_markdown, safe_snippet

HIT_LINK = re.compile(r'class="library-hit-title"><a href="/library/([a-z0-9-]+)')


def hit_ids(response) -> list[str]:
    return HIT_LINK.findall(response.data.decode())


def practice_form(token: str, **overrides) -> dict:
    data = {
        "csrf_token": token,
        "kind": "practice",
        "is_new": "yes",
        "id": "",
        "title": "Zanzibar courier orientation",
        "language": "en",
        "summary": "Evening classes for couriers leaving Zanzibar.",
        "implementing_countries": "TZ",
        "origin_countries": "TZ",
        "destination_countries": "DE, AE",
        "organisations": "Zanzibar Labour Office",
        "partners": "",
        "period_start": "2019",
        "period_end": "",
        "languages": "sw, en",
        "evaluation_type": "internal",
        "target_groups": ["labour_migrants", "youth"],
        "measure_types": ["information_orientation"],
        "section-challenge": "Couriers left without knowing their rights.",
        "section-activities": "- weekly classes\n- a **hotline**",
        "sources": "https://example.org/zanzibar",
        "tags": "couriers, evening classes",
    }
    data.update(overrides)
    return data


@pytest.fixture
def practitioner_token(make_user, sign_in):
    return sign_in(make_user("practitioner"))


# ---------------------------------------------------------------------------- search


def test_search_serves_the_full_page_or_only_the_results_for_htmx(library_runtime, client):
    page = client.get("/library?q=domestic+workers")
    assert page.status_code == 200
    html = page.data.decode()
    assert "<html" in html and 'id="library-q"' in html and 'value="domestic workers"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html and 'hx-push-url="true"' in html
    assert "HX-Request" in page.headers["Vary"]
    assert hit_ids(page)

    fragment = client.get("/library?q=domestic+workers", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    text = fragment.data.decode()
    assert "<html" not in text and 'id="library-q"' not in text
    assert 'id="library-list"' in text and hit_ids(fragment) == hit_ids(page)


def test_empty_search_shows_the_latest_entries_not_an_error(library_runtime, client):
    response = client.get("/library")
    assert response.status_code == 200
    assert "Latest entries: 46 in the library" in response.data.decode()
    assert len(hit_ids(response)) == 10


def test_facets_filter_results_and_show_counts(library_runtime, client):
    everything = client.get("/library?q=orientation")
    match = re.search(r'id="facet-country-PH"[^>]*>\s*<span>Philippines <span class="library-count">\((\d+)\)', everything.data.decode())
    assert match, "the country facet lists the Philippines with a count"
    ph_count = int(match.group(1))

    filtered = client.get("/library?q=orientation&country=PH")
    html = filtered.data.decode()
    assert re.search(r'id="facet-country-PH" name="country" value="PH" checked', html)
    ids = hit_ids(filtered)
    assert ids and len(ids) <= ph_count
    assert f"{ph_count} entries found" in html
    for record_id in ids:
        record = get_entry(library_runtime, record_id).record
        assert "PH" in record.implementing_countries + record.origin_countries

    practices_only = client.get("/library?kind=handbook")
    assert all(get_entry(library_runtime, record_id).record.kind == "handbook" for record_id in hit_ids(practices_only))


def test_snippets_are_highlighted_and_stored_markup_is_never_rendered(library_runtime, client):
    record = record_from_fields(
        {
            "id": "xss-probe", "kind": "practice", "language": "en",
            "title": "Quokka <script>alert('title')</script> orientation",
            "summary": "A quokka briefing <img src=x onerror=alert(1)>.",
            "sections": [{"key": "activities", "heading": "How <b>it</b> works",
                          "text": "The quokka course <script>alert('body')</script> and [a link](javascript:alert(2))."}],
            "sources": ["javascript:alert(3)"],
        }
    )  # fmt: skip
    save_record(library_runtime, record)
    results = client.get("/library?q=quokka")
    html = results.data.decode()
    assert "xss-probe" in hit_ids(results)
    assert "<mark>" in html.lower()
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;" in html

    page = client.get("/library/xss-probe").data.decode()
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>it</b>" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" in page or "&lt;script&gt;alert('body')" in page


def test_markdown_and_snippets_are_sanitised():
    html = str(render_markdown("# Big\n\n<script>x()</script> **ok** [bad](javascript:x()) [good](https://example.org)"))
    assert "<h3>Big</h3>" in html and "<strong>ok</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="https://example.org" rel="noopener noreferrer nofollow"' in html
    assert str(safe_snippet("a <mark>b</mark> <img src=x onerror=y>")) == "a <mark>b</mark> "


def test_pages_sentinel_only_when_there_is_a_next_page(library_runtime, client):
    first = client.get("/library?kind=practice").data.decode()  # 30 practices, 10 a page
    assert 'id="library-more"' in first and 'hx-trigger="revealed"' in first
    assert re.search(r'id="library-more"[^>]*hx-get="/library\?kind=practice&amp;page=2"', first)
    assert 'rel="next"' in first  # plain page links for browsers without JavaScript

    more = client.get("/library?kind=practice&page=2", headers={"HX-Request": "true", "HX-Trigger": "library-more"})
    text = more.data.decode()
    assert more.status_code == 200 and "<html" not in text and "library-facets" not in text
    assert len(hit_ids(more)) == 10 and "page=3" in text

    last = client.get("/library?kind=practice&page=3").data.decode()
    assert 'id="library-more"' not in last and 'rel="next"' not in last and 'rel="prev"' in last
    assert len(HIT_LINK.findall(last)) == 10


def test_bad_search_input_shows_the_message_not_a_stack_trace(library_runtime, client):
    response = client.get("/library?q=visa&page=501")
    assert response.status_code == 400
    html = response.data.decode()
    assert "page must be between 1 and 500" in html and 'id="library-q"' in html and "Traceback" not in html
    unknown = client.get("/library?country=ZZ")
    assert unknown.status_code == 400 and "Unknown country" in unknown.data.decode()


def test_reader_language_picks_the_translation(library_runtime, client):
    response = client.get("/library?q=bangladesh+technical+training&lang=ar")
    ids = hit_ids(response)
    assert "bd-pdo-ar" in ids and "bd-pdo" not in ids
    assert 'lang="ar"' in response.data.decode()


# ---------------------------------------------------------------------------- records


def test_document_page_shows_metadata_text_translations_and_related(library_runtime, client, make_user, sign_in):
    response = client.get("/library/bd-pdo")
    assert response.status_code == 200
    html = response.data.decode()
    assert html.count("<h1") == 1 and "Technical Training Centres (BMET)" in html
    assert '<dl class="facts">' in html and "Bangladesh" in html and "Saudi Arabia" in html
    assert "Domestic workers" in html and "Pre-departure information and orientation" in html
    assert "the start date" in html  # a missing quality criterion, in words
    assert 'href="/library/bd-pdo-ar"' in html
    assert 'id="related-title"' in html and 'id="heading-activities"' in html and "<strong>Three-day briefing" in html
    assert 'id="edit-record"' not in html

    sign_in(make_user("practitioner"))
    assert 'href="/library/bd-pdo/edit"' in client.get("/library/bd-pdo").data.decode()
    arabic = client.get("/library/bd-pdo?lang=ar").data.decode()
    assert 'dir="rtl"' in arabic and 'lang="ar"' in arabic
    assert client.get("/library/no-such-record").status_code == 404


def test_handbook_lists_chapters_and_numbered_sections(library_runtime, client):
    response = client.get("/handbook")
    assert response.status_code == 200
    html = response.data.decode()
    assert "Chapter 1" in html and "Chapter 3" in html
    assert 'href="/library/hb-2-3-service-design"' in html and ">2.3</span> Designing and delivering services" in html
    assert html.index("hb-1-1-what-is-an-mrc") < html.index("hb-2-1-institutional-setup") < html.index("hb-3-1-monitoring")


# ---------------------------------------------------------------------------- the form


def test_practitioner_adds_a_practice_and_search_finds_it(library_runtime, client, practitioner_token):
    form = client.get("/library/new")
    assert form.status_code == 200 and 'id="library-record-form"' in form.data.decode()
    response = client.post("/library/new", data=practice_form(practitioner_token))
    assert response.status_code == 302 and response.headers["Location"].endswith("/library/zanzibar-courier-orientation")
    record = get_entry(library_runtime, "zanzibar-courier-orientation").record
    assert record.destination_countries == ("DE", "AE") and record.languages == ("sw", "en")
    assert record.section_text("activities").startswith("- weekly classes")
    page = client.get("/library/zanzibar-courier-orientation").data.decode()
    assert "was added to the library" in page and "<strong>hotline</strong>" in page
    assert "zanzibar-courier-orientation" in hit_ids(client.get("/library?q=zanzibar+couriers"))


def test_edit_saves_a_new_revision_and_reindexes(library_runtime, client, practitioner_token):
    form = client.get("/library/bd-pdo/edit").data.decode()
    revision = re.search(r'name="revision" value="(\d+)"', form).group(1)
    assert 'name="title"' in form and "Technical Training Centres (BMET)" in form
    assert 'autocapitalize="characters" hx-post="/library/check" hx-trigger="change"' in form
    assert re.search(r'id="target_groups-domestic_workers" name="target_groups" value="domestic_workers" checked', form)
    before = get_entry(library_runtime, "bd-pdo")
    data = practice_form(
        practitioner_token, revision=revision, title="Kestrel briefing for Bangladeshi workers",
        implementing_countries="BD", origin_countries="BD", destination_countries="SA",
    )  # fmt: skip
    data.pop("is_new")
    response = client.post("/library/bd-pdo/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/library/bd-pdo")
    after = get_entry(library_runtime, "bd-pdo")
    assert after.record.title == "Kestrel briefing for Bangladeshi workers" and after.revision == before.revision + 1
    found = search_library(library_runtime, parse_search_request(text="kestrel"))
    assert found.hits[0].entry.record.group_id == "bd-pdo"
    assert "bd-pdo" in hit_ids(client.get("/library?q=kestrel"))


def test_record_errors_are_said_in_the_readers_language(library_runtime, client, practitioner_token):
    client.post("/language", data={"csrf_token": practitioner_token, "language": "fr"})
    response = client.post("/library/new", data=practice_form(practitioner_token, implementing_countries="TZ, ZZ"))
    html = response.data.decode()
    assert response.status_code == 422 and 'id="implementing_countries-error"' in html
    assert "« ZZ »" in html or "“ZZ”" in html  # the value is quoted in the sentence
    assert "is not a country code" not in html and "unknown country code" not in html


def test_errors_are_shown_next_to_their_field_with_422_and_values_kept(library_runtime, client, practitioner_token):
    response = client.post(
        "/library/new",
        data=practice_form(practitioner_token, implementing_countries="TZ, ZZ", summary="Kept summary text"),
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="implementing_countries-error"' in html and "“ZZ” is not a country code" in html
    assert 'aria-invalid="true"' in html and 'value="TZ, ZZ"' in html
    assert "Kept summary text" in html and 'value="Zanzibar courier orientation"' in html
    assert re.search(r'value="youth" checked', html)
    assert "Couriers left without knowing their rights." in html

    missing = client.post("/library/new", data=practice_form(practitioner_token, title="  ", sources=""))
    assert missing.status_code == 422 and 'id="title-error"' in missing.data.decode()
    bad_date = client.post("/library/new", data=practice_form(practitioner_token, period_start="2019", period_end="2018"))
    assert bad_date.status_code == 422 and 'id="period_end-error"' in bad_date.data.decode()
    taken = client.post("/library/new", data=practice_form(practitioner_token, id="bd-pdo"))
    assert taken.status_code == 422 and 'id="id-error"' in taken.data.decode()
    assert get_entry(library_runtime, "bd-pdo").record.kind == "practice"  # untouched


def test_a_stale_revision_is_refused_and_the_text_kept(library_runtime, client, practitioner_token):
    form = client.get("/library/bd-pdo/edit").data.decode()
    revision = int(re.search(r'name="revision" value="(\d+)"', form).group(1))
    original = get_entry(library_runtime, "bd-pdo").record
    fields = original.to_fields()
    fields["title"] = "Saved meanwhile by a colleague"
    save_record(library_runtime, record_from_fields(fields), expected_revision=revision)

    data = practice_form(practitioner_token, revision=str(revision), title="My own careful title")
    data.pop("is_new")
    response = client.post("/library/bd-pdo/edit", data=data)
    assert response.status_code == 409
    html = response.data.decode()
    assert "Someone else saved this record" in html and 'value="My own careful title"' in html
    assert get_entry(library_runtime, "bd-pdo").record.title == "Saved meanwhile by a colleague"
    assert f'name="revision" value="{revision + 1}"' in html  # sending again is a knowing overwrite


def test_only_practitioners_and_admins_edit(library_runtime, client, make_user, sign_in):
    anonymous = client.get("/library/new")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/library/bd-pdo/edit").status_code == 302
    for role in ("migrant", "employer", "provider"):
        token = sign_in(make_user(role))
        assert client.get("/library/new").status_code == 403
        assert client.post("/library/bd-pdo/edit", data=practice_form(token, revision="1")).status_code == 403
    assert 'href="/library/new"' not in client.get("/library").data.decode()
    sign_in(make_user("admin"))
    assert client.get("/library/bd-pdo/edit").status_code == 200
    assert 'href="/library/new"' in client.get("/library").data.decode()


def test_writes_need_the_csrf_token(library_runtime, client, practitioner_token):
    data = practice_form(practitioner_token)
    data.pop("csrf_token")
    assert client.post("/library/new", data=data).status_code == 400
    assert client.post("/library/new", data={**data, "csrf_token": "forged"}).status_code == 400
    with pytest.raises(NotFound):
        get_entry(library_runtime, "zanzibar-courier-orientation")


def test_a_field_is_checked_as_the_user_leaves_it(library_runtime, client, practitioner_token):
    headers = {"HX-Request": "true", "HX-Trigger-Name": "destination_countries", "X-CSRF-Token": practitioner_token}
    bad = client.post("/library/check", data={"kind": "practice", "destination_countries": "DE, QQ"}, headers=headers)
    assert bad.status_code == 422
    text = bad.data.decode()
    assert text.lstrip().startswith('<div class="field invalid">') and 'id="destination_countries-error"' in text
    assert 'value="DE, QQ"' in text and "<html" not in text
    good = client.post("/library/check", data={"kind": "practice", "destination_countries": "DE, CA"}, headers=headers)
    assert good.status_code == 200 and "field-error" not in good.data.decode()
    taken = client.post(
        "/library/check", data={"kind": "practice", "id": "bd-pdo", "is_new": "yes"},
        headers={**headers, "HX-Trigger-Name": "id"},
    )  # fmt: skip
    assert taken.status_code == 422 and 'id="id-error"' in taken.data.decode()


def test_every_vocabulary_label_is_marked_for_translation():
    from webapp.views.library import _TERM_LABELS

    vocabularies = (DOCUMENT_KINDS, MEASURE_TYPES, MEASURE_SUBTYPES, TARGET_GROUPS, DELIVERY_MODES, EVALUATION_TYPES, HANDBOOK_TOPICS)
    labels = {label for vocabulary in vocabularies for label in vocabulary.labels.values()}
    labels |= {criterion.label for criterion in CRITERIA} | set(PRACTICE_SECTIONS.values())
    assert labels <= set(_TERM_LABELS)


def test_a_handbook_section_is_edited_with_its_own_fields(library_runtime, client, practitioner_token):
    form = client.get("/library/hb-2-3-service-design/edit").data.decode()
    assert 'name="chapter"' in form and 'name="heading-client-journey"' in form and 'name="implementing_countries"' not in form
    data = {
        "csrf_token": practitioner_token, "kind": "handbook",
        "revision": re.search(r'name="revision" value="(\d+)"', form).group(1),
        "title": "Designing services", "language": "en", "chapter": "2", "section": "3",
        "topics": ["service_design"], "related_practices": "ph-pdos, kr-eps",
        "section_keys": ["client-journey"], "heading-client-journey": "Start from the journey",
        "section-client-journey": "Design around the steps a person goes through.",
        "new_heading": "Walk-in hours", "new_text": "Open the desk on market days.",
        "sources": "Headstart team",
    }  # fmt: skip
    response = client.post("/library/hb-2-3-service-design/edit", data=data)
    assert response.status_code == 302
    record = get_entry(library_runtime, "hb-2-3-service-design").record
    assert [s.key for s in record.sections] == ["client-journey", "walk-in-hours"]
    assert record.related_practices == ("ph-pdos", "kr-eps") and record.chapter == 2
    broken = client.post("/library/hb-2-3-service-design/edit", data={**data, "related_practices": "no-such-practice",
                                                                       "revision": "2"})  # fmt: skip
    assert broken.status_code == 422 and 'id="related_practices-error"' in broken.data.decode()


def test_pages_stay_small(library_runtime, client, practitioner_token):
    for url in ("/library", "/library?q=orientation", "/library/bd-pdo", "/handbook", "/library/new", "/library/bd-pdo/edit"):
        response = client.get(url)
        assert response.status_code == 200 and len(response.data) < 100_000, url
