"""A practitioner searches and filters the library and edits a practice, in Chromium."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_practitioner_searches_filters_and_edits_a_practice(browser_page):
    page = browser_page.page
    browser_page.sign_in("practitioner")
    browser_page.goto("/library")
    # Active search: typing updates the results and the address, without pressing Search.
    page.locator("#library-q").press_sequentially("language courses before departure", delay=20)
    page.wait_for_url("**/library?*q=language*")
    page.wait_for_selector("#library-list .library-hit-title a")
    assert "language" in page.locator("#library-count").inner_text().lower() or page.locator("#library-list li").count() > 0
    assert page.locator("#library-list mark").count() > 0  # highlighted snippet words
    browser_page.screenshot("library-search")

    # Filter by a country facet; the count shown next to it is what comes back.
    page.wait_for_load_state("networkidle")  # the last keystroke's results are in
    facet = page.locator("#facet-country-PH")
    if not facet.is_visible():
        page.locator("details.library-facet:has(#facet-country-PH) > summary").click()
    facet.check()
    page.locator("#library-apply").click()
    page.wait_for_url("**country=PH*")
    titles = page.locator("#library-list .library-hit-title a")
    titles.first.wait_for()
    assert titles.count() >= 1
    browser_page.screenshot("library-filtered")

    # Open the first result, then edit it.
    titles.first.click()
    page.wait_for_selector("h1#document-title")
    original_title = page.locator("h1#document-title").inner_text()
    browser_page.screenshot("library-document")
    page.locator("#edit-record").click()
    page.wait_for_selector("#library-record-form")
    browser_page.screenshot("library-edit")

    # An error is shown next to its field and nothing typed is lost.
    page.locator("#title").fill("")
    page.locator("#save-record").click()
    page.wait_for_selector("#title-error")
    assert page.locator("#title").input_value() == ""
    new_title = original_title + " (reviewed 2026)"
    page.locator("#title").fill(new_title)
    page.locator("#save-record").click()
    page.wait_for_selector("h1#document-title")
    assert page.locator("h1#document-title").inner_text() == new_title

    # The search index follows the edit.
    browser_page.goto("/library?q=reviewed+2026")
    page.wait_for_selector("#library-list .library-hit-title a")
    assert new_title in page.locator("#library-list").inner_text()


def test_handbook_contents_link_to_sections(browser_page):
    page = browser_page.page
    browser_page.goto("/handbook")
    links = page.locator("main a[href*='/library/']")
    assert links.count() >= 16
    browser_page.screenshot("handbook")
    links.first.click()
    page.wait_for_selector("h1#document-title")


def test_migrant_cannot_edit_the_library(browser_page):
    page = browser_page.page
    browser_page.sign_in("demo-migrant-01")
    response = browser_page.goto("/library/new")
    assert response.status == 403
    assert page.locator("#library-record-form").count() == 0
