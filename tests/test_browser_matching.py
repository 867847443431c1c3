"""Migrants and employers on their main paths, in Chromium against the demo site:
a migrant registers, builds a profile with autocomplete and sees explained matches; an
employer posts a vacancy and sees candidates; nobody reaches another person's data."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "a long enough passphrase"


def pick_first_option(page, field: str, text: str) -> str:
    """Type into an ESCO picker, wait for the htmx options, tick the first; returns its label."""
    page.locator(f"#{field}-q").press_sequentially(text, delay=30)
    option = page.locator(f"#{field}-options input[data-pick]").first
    option.wait_for()
    label = option.locator("xpath=..").inner_text().strip()
    option.check()
    # headstart.js moves the ticked option into the chosen list, so typing again keeps it.
    page.locator(f"#{field}-chosen input:checked").first.wait_for()
    return label


def test_migrant_registers_builds_a_profile_and_sees_explained_matches(browser_page):
    page = browser_page.page
    browser_page.goto("/register")
    page.get_by_label("I am preparing to work abroad").check()
    page.get_by_label("User name").fill("amira-browser")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_again").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_url("**/account")

    browser_page.goto("/profiles")
    page.locator("#new-profile").click()
    page.wait_for_selector("#profile-form")
    assert "Step 1 of 5" in page.locator("#progress").inner_text()
    page.locator("#origin_countries-1").fill("Morocco")
    page.locator("#destination_countries-1").fill("Germany")
    page.locator("#summary").fill("Six years as a nurse in a hospital in Rabat; I care for elderly patients.")
    browser_page.screenshot("profile-step-about")
    page.locator("#step-save").click()

    page.wait_for_selector("#occ0_uri-q")
    assert "Step 2 of 5" in page.locator("#progress").inner_text()
    chosen = pick_first_option(page, "occ0_uri", "nurse")
    assert "nurse" in chosen.lower()
    page.locator("#occ0_title").fill("infirmière")
    page.locator("#occ0_years").fill("6")
    browser_page.screenshot("profile-step-work")
    page.locator("#step-save").click()

    page.wait_for_selector("#skills-q")
    pick_first_option(page, "skills", "patient care")
    browser_page.screenshot("profile-step-skills")
    page.locator("#step-save").click()

    page.wait_for_selector("#lang0_code")
    page.locator("#lang0_code").fill("German")
    level_options = page.locator("#lang0_level option").all_inner_texts()
    assert any(text.startswith("B1: ") and len(text) > 20 for text in level_options)  # levels in plain words
    page.locator("#lang0_level").select_option("B1")
    browser_page.screenshot("profile-step-languages")
    page.locator("#step-save").click()

    page.wait_for_selector("#consent_to_matching")
    page.locator("#consent_to_matching").check()
    browser_page.screenshot("profile-step-consent")
    page.locator("#step-save").click()

    page.wait_for_selector("#completeness-figure")
    assert re.search(r"\d+%", page.locator("#completeness-figure").inner_text())
    browser_page.screenshot("profile-page")
    page.locator("#link-matches").click()
    matches = page.locator("#match-list li.match")
    matches.first.wait_for()
    assert matches.count() >= 1
    first = matches.first.inner_text()
    assert "%" in first and ("Skills met" in first or "Essential skills missing" in first)
    assert page.locator("#match-list meter").count() >= 1
    browser_page.screenshot("profile-matches")


def test_employer_posts_a_vacancy_and_sees_candidates(browser_page):
    page = browser_page.page
    browser_page.sign_in("employer")
    browser_page.goto("/vacancies/new")
    page.wait_for_selector("#vacancy-form")
    page.locator("#title").fill("Care assistant for a geriatric ward")
    pick_first_option(page, "occupation", "nurse assistant")
    pick_first_option(page, "essential_skills", "patient care")
    page.locator("#country").select_option("DE")
    page.locator("#lang-0-language").select_option("de")
    page.locator("#lang-0-level").select_option("B1")
    browser_page.screenshot("vacancy-form")
    page.locator("#vacancy-save").click()
    page.wait_for_selector("#vacancy-title")
    assert page.locator("#vacancy-title").inner_text() == "Care assistant for a geriatric ward"
    assert page.locator("#essential-skills li").count() >= 1
    browser_page.screenshot("vacancy-page")
    page.locator("#vacancy-candidates").click()
    candidates = page.locator("#candidates li.candidate")
    candidates.first.wait_for()
    assert candidates.count() >= 1
    # Candidates are anonymous unless they agreed to show their profile to this employer.
    assert page.locator("#candidates li.candidate.anonymous").count() >= 1
    browser_page.screenshot("vacancy-candidates")


def test_nobody_reaches_another_persons_data(new_browser_page):
    migrant = new_browser_page()
    migrant.sign_in("demo-migrant-01")
    migrant.goto("/profiles")
    own = migrant.page.locator("#profile-list a[href*='/profiles/']").first
    own_url = own.get_attribute("href")
    own_id = int(re.search(r"/profiles/(\d+)", own_url).group(1))

    employer = new_browser_page()
    employer.sign_in("employer")
    assert employer.goto(f"/profiles/{own_id}").status in (403, 404)
    provider = new_browser_page()
    provider.sign_in("provider")
    assert provider.goto(f"/profiles/{own_id}/matches").status in (403, 404)

    # Another migrant: the profile does not exist for them.
    other = new_browser_page()
    other.goto("/register")
    other.page.get_by_label("User name").fill("someone-else")
    other.page.locator("#password").fill(PASSWORD)
    other.page.locator("#password_again").fill(PASSWORD)
    other.page.get_by_role("button", name="Create the account").click()
    other.page.wait_for_url("**/account")
    for path in (f"/profiles/{own_id}", f"/profiles/{own_id}/edit/about", f"/profiles/{own_id}/print"):
        assert other.goto(path).status == 404, path

    # The employer's candidates page is the employer's alone.
    employer.goto("/my/vacancies")
    link = employer.page.locator("#my-vacancies a[href*='/vacancies/']").first
    vacancy_id = int(re.search(r"/vacancies/(\d+)", link.get_attribute("href")).group(1))
    assert migrant.goto(f"/vacancies/{vacancy_id}/candidates").status in (403, 404)
    assert provider.goto(f"/vacancies/{vacancy_id}/edit").status in (403, 404)
    other.screenshot("access-refused")


def test_practitioner_works_in_caseworker_mode_in_two_languages(browser_page):
    page = browser_page.page
    browser_page.sign_in("practitioner")
    browser_page.goto("/profiles")
    # Elena's profile is listed because she consented to her MRC.
    link = page.locator("#profile-list a[href*='/profiles/']").first
    profile_url = link.get_attribute("href")
    browser_page.goto(profile_url.split("?")[0] + "/caseworker?lang=ar")
    page.wait_for_selector("#caseworker-form")
    arabic = page.locator(".second-lang[lang=ar]")
    assert arabic.count() > 5 and arabic.first.get_attribute("dir") == "rtl"
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic.first.inner_text())  # Arabic script
    page.locator("#note-form input[value=next_step]").check()
    page.locator("#note-form #text").fill("Book the German B2 course at Limba Nouă before March.")
    page.locator("#note-add").click()
    page.wait_for_selector("#notes >> text=Book the German B2 course")
    browser_page.screenshot("caseworker-ar")
    browser_page.goto(profile_url.split("?")[0] + "/print")
    assert "Book the German B2 course" in page.locator("main").inner_text()
    browser_page.screenshot("profile-print")


def test_orientation_pack_for_nurses_going_to_germany(browser_page):
    page = browser_page.page
    browser_page.goto("/orientation")
    page.locator("#orientation-country").select_option("DE")
    page.locator("#occupation-q").fill("nurse")
    page.locator("#orientation-make").click()
    page.wait_for_selector("#orientation-pack")
    text = page.locator("#orientation-pack").inner_text()
    assert page.locator("#vacancies li").count() >= 1 and page.locator("#handbook-sections li").count() >= 1
    assert "Germany" in text
    assert page.locator("#orientation-print").is_visible()  # shown by orientation.js
    browser_page.screenshot("orientation-pack")
