"""From match to hire in Chromium against the demo site: the employer moves an identified
candidate and asks an anonymous one for contact; the migrant sees the unread count, reads
the notice in the inbox and marks it read."""

from __future__ import annotations

import pytest

from tests.test_browser_matching import pick_first_option

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_employer_works_the_pipeline_and_the_migrant_reads_the_inbox(new_browser_page):
    employer = new_browser_page()
    employer.sign_in("employer")
    page = employer.page
    # A vacancy the demo nurse (demo-prof-01, who agreed to show her profile to this
    # employer) fits.
    employer.goto("/vacancies/new")
    page.wait_for_selector("#vacancy-form")
    page.locator("#title").fill("Care assistant for a night ward")
    pick_first_option(page, "occupation", "nurse assistant")
    page.locator("#country").select_option("DE")
    page.locator("#vacancy-save").click()
    page.wait_for_selector("#vacancy-title")
    page.locator("#vacancy-candidates").click()
    page.locator("#candidates li.candidate").first.wait_for()
    identified = page.locator("#candidates li.candidate.identified").first
    identified.wait_for()
    assert "Elena Cojocaru" in identified.inner_text()
    stage = identified.locator("select[name=stage]")
    stage.select_option("in_contact")
    identified.get_by_role("button", name="Move").click()
    page.wait_for_load_state()
    assert "In contact" in page.locator("#candidates li.candidate.identified").first.inner_text()

    anonymous = page.locator("#candidates li.candidate.anonymous").first
    anonymous.locator("textarea[name=message]").fill("We run a hospital in Kassel and would like to talk about this post.")
    anonymous.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()
    assert "Request sent" in page.locator(".flash").inner_text()
    assert page.locator("#candidates [id^=asked-]").count() >= 1
    employer.screenshot("pipeline-contact-requested")

    migrant = new_browser_page()
    migrant.sign_in("demo-migrant-01")
    count = migrant.page.locator("#unread-count")
    count.wait_for()
    assert int(count.inner_text()) >= 1
    migrant.page.locator("#inbox-link").click()
    inbox = migrant.page.locator("#inbox")
    inbox.wait_for()
    assert "you are now at “In contact”" in inbox.inner_text()
    migrant.screenshot("inbox")
    migrant.page.locator("#mark-all-read").click()
    migrant.page.wait_for_load_state()
    assert migrant.page.locator("#unread-count").count() == 0
    migrant.goto("/account/notifications")
    assert migrant.page.locator("#notification-kinds").is_visible()
