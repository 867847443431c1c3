"""The real browser on the demo site: sign-in, languages and right-to-left, phones, CSP."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_sign_in_and_choose_arabic_which_renders_right_to_left(browser_page):
    page = browser_page.page
    browser_page.goto("/")
    browser_page.screenshot("home-en")
    browser_page.sign_in("demo-migrant-01")
    assert "/account" in page.url
    page.get_by_label("Language").select_option("ar")  # sends the form by itself (headstart.js)
    page.wait_for_selector("html[lang=ar]")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "/account" in page.url  # back on the page where the language was chosen
    browser_page.screenshot("account-ar")
    # The choice is kept on the account: another page in the same session stays in Arabic.
    browser_page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ar"
    browser_page.screenshot("home-ar")
    page.locator("#ui-language").select_option("en")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("html").get_attribute("dir") == "ltr"


def test_wrong_password_is_shown_next_to_the_field(browser_page):
    page = browser_page.page
    browser_page.goto("/login")
    page.get_by_label("User name").fill("employer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#password-error")
    assert "wrong" in error.inner_text()
    assert page.get_by_label("User name").input_value() == "employer"
    assert page.get_by_label("Password").get_attribute("aria-describedby") == "password-error"


def test_keyboard_reaches_the_main_content_with_a_visible_skip_link(browser_page):
    page = browser_page.page
    browser_page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_pages_fit_a_360_pixel_phone(new_browser_page):
    phone = new_browser_page(width=360, height=740)
    for path in ("/", "/login", "/register"):
        phone.goto(path)
        scroll_width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, f"{path} scrolls sideways on a phone ({scroll_width} px)"
    phone.goto("/register")
    phone.screenshot("register-phone")


UNLABELLED_INPUTS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""

PAGES_BY_USER = {
    None: ["/", "/library", "/library?q=orientation", "/handbook", "/vacancies", "/offers", "/orientation?country=DE&occupation_q=nurse", "/register", "/login",
           "/organisations"],
    "demo-migrant-01": ["/profiles", "/account", "/account/password"],
    "employer": ["/my/vacancies", "/vacancies/new"],
    "provider": ["/my/offers", "/offers/new"],
    "practitioner": ["/library/new", "/organisations/review"],
}


@pytest.mark.parametrize("user", list(PAGES_BY_USER), ids=lambda user: user or "anonymous")
def test_main_pages_label_every_input_and_fit_a_phone(new_browser_page, user):
    phone = new_browser_page(width=360, height=740)
    if user:
        phone.sign_in(user)
    paths = list(PAGES_BY_USER[user])
    if user == "demo-migrant-01":
        phone.goto("/profiles")
        first = phone.page.locator("#profile-list a[href*='/profiles/']").first.get_attribute("href")
        paths += [first, first + "/matches", first + "/edit/skills", first + "/edit/languages"]
    for path in paths:
        response = phone.goto(path)
        assert response.status == 200, path
        unlabelled = phone.page.evaluate(UNLABELLED_INPUTS)
        assert not unlabelled, f"{path}: inputs without a label: {unlabelled}"
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways on a 360 px phone ({width} px)"
        assert phone.page.locator("h1").count() == 1, f"{path}: one h1 per page"
    phone.screenshot(f"phone-{user or 'anonymous'}-last-page")


def test_registering_under_the_demo_employers_name_opens_none_of_its_pages(new_browser_page):
    """The breach of issue 14, in the browser: the name typed is not the organisation."""
    visitor = new_browser_page()
    jobs = visitor.page.request.get(visitor.base_url + "/api/v1/vacancies?country=DE&per_page=100").json()["vacancies"]
    job = next(item for item in jobs if item["employer"] == "Krankenhaus Kessler GmbH")
    visitor.goto("/register?role=employer")
    page = visitor.page
    page.get_by_label("I hire workers for my organisation").check()
    page.get_by_label("User name").fill("impostor")
    page.get_by_label("Organisation (employers and service providers)").fill("Krankenhaus Kessler GmbH")
    page.locator("#password").fill("a long enough password")
    page.locator("#password_again").fill("a long enough password")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_url("**/account")
    for path in (f"/vacancies/{job['id']}/edit", f"/vacancies/{job['id']}/candidates"):
        assert visitor.goto(path).status == 403, path
    visitor.goto("/my/vacancies")
    assert page.locator("#organisation-status-notice").is_visible()
    visitor.screenshot("impostor-pending")
