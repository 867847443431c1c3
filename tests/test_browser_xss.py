"""Stored XSS in a real browser: a script payload saved in every text field a person can
fill (a practice, a profile, a vacancy, an offer, a display name) runs on no page.

The payloads are stored through the app's own forms, as the demo users, on new objects
(this file runs after the other browser tests, which keep the demo content as seeded).
A page is clean when `window.__xss` stays undefined, no element from the payload is in
the DOM (a <script> mentioning __xss, an onerror attribute, a javascript: link) and no
CSP violation was logged (the page fixtures fail the test on console errors).
"""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
MARKDOWN = PAYLOAD + "\n\n[read more](javascript:window.__xss=1) and <a href=\"javascript:window.__xss=1\">here</a>"
PRACTICE_ID = "xss-probe-practice"
MIGRANT = "xss-probe-migrant"
PASSWORD = "xss probe password 1"

DOM_CHECK = """() => ({
  flag: typeof window.__xss,
  scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length,
  handlers: [...document.querySelectorAll('[onerror],[onload],[onclick]')].filter(e => e.outerHTML.includes('__xss')).length,
  links: [...document.querySelectorAll('a[href], area[href], iframe[src], form[action]')]
           .filter(e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '')).length,
  shown: document.body.innerText.includes('window.__xss=1'),
})"""


def _token(page) -> str:
    return page.page.locator('input[name="csrf_token"]').first.get_attribute("value")


def _post(page, path: str, form: dict | list, *, refused: bool = False) -> str:
    """POST a form with the page's cookies and CSRF token; returns the final URL."""
    page.goto(path if not path.endswith(("/consents",)) else path.rsplit("/", 1)[0] + "/edit/consent")
    token = _token(page)
    items = list(form.items()) if isinstance(form, dict) else list(form)
    body = "&".join(f"{_q(k)}={_q(v)}" for k, v in [("csrf_token", token), *items])
    response = page.context.request.post(
        page.base_url + path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    if refused:
        assert response.status == 422, f"POST {path}: {response.status} (expected a refusal)"
    else:
        assert response.status < 400, f"POST {path}: {response.status} {response.text()[:500]}"
    return response.url


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _store_everything(new_browser_page) -> dict:
    from practices.vocabulary import PRACTICE_SECTIONS

    ids: dict = {}
    # A practice, as the practitioner: every text field and every section.
    practitioner = new_browser_page()
    practitioner.sign_in("practitioner")
    form = {"id": PRACTICE_ID, "title": PAYLOAD + " orientation probe", "language": "en",
            "summary": PAYLOAD + " pre-departure orientation probe", "sources": "https://example.org\n" + PAYLOAD,
            "tags": PAYLOAD, "organisations": PAYLOAD, "partners": PAYLOAD, "evaluation_type": "unknown",
            "implementing_countries": "DE", "destination_countries": "DE", "origin_countries": "MD"}  # fmt: skip
    for key in PRACTICE_SECTIONS:
        form[f"heading-{key}"] = PAYLOAD
        form[f"section-{key}"] = MARKDOWN + " orientation probe"
    url = _post(practitioner, "/library/new", form)
    assert url.endswith(f"/library/{PRACTICE_ID}"), url

    # A migrant with a hostile display name, a profile with hostile free text, consents.
    migrant = new_browser_page()
    migrant.goto("/register")
    _post(migrant, "/register", {"username": MIGRANT, "display_name": PAYLOAD, "role": "migrant",
                                 "password": PASSWORD, "password_again": PASSWORD})  # fmt: skip
    url = _post(migrant, "/profiles/new", [("origin_countries", "MD"), ("residence_country", "MD"),
                                           ("destination_countries", "DE"), ("summary", PAYLOAD), ("full_name", PAYLOAD),
                                           ("messaging_app", "signal"), ("messaging_handle", PAYLOAD), ("action", "stay")])  # fmt: skip
    match = re.search(r"/profiles/(\d+)/", url)
    assert match, url
    profile = ids["profile"] = int(match.group(1))
    _post(migrant, f"/profiles/{profile}/edit/skills", {"free_text_skills": PAYLOAD + "\nwelding", "action": "stay"})
    _post(migrant, f"/profiles/{profile}/edit/consent", {"consent_to_matching": "1", "action": "stay"})
    migrant.goto(f"/profiles/{profile}/edit/consent")
    choices = dict((name, number) for number, name in re.findall(r'<option value="(\d+)">([^<(]+?)(?: \(|<)', migrant.page.content()))
    for recipient in ("Krankenhaus Kessler GmbH", "MRC Chișinău"):
        _post(migrant, f"/profiles/{profile}/consents", {"recipient_id": choices[recipient], "days": "180"})

    # A vacancy, as the employer.
    employer = new_browser_page()
    employer.sign_in("employer")
    url = _post(employer, "/vacancies/new", {"title": PAYLOAD, "description": MARKDOWN, "country": "DE", "city": PAYLOAD,
                                             "contract_type": "permanent", "status": "open", "route_type": "work_permit",
                                             "route_name": PAYLOAD})  # fmt: skip
    match = re.search(r"/vacancies/(\d+)", url)
    assert match, url
    ids["vacancy"] = int(match.group(1))

    # A service offer, as the provider.
    provider = new_browser_page()
    provider.sign_in("provider")
    offer = {"kind": "orientation", "title": PAYLOAD, "description": MARKDOWN, "country": "MD", "mode": "online",
             "cost": "0", "destination_countries": "DE"}
    for scheme in ("javascript:window.__xss=1", " JavaScript:window.__xss=1", "data:text/html,<script>1</script>"):
        _post(provider, "/offers/new", {**offer, "url": scheme}, refused=True)  # a link that would run script
    _post(provider, "/offers/new", {**offer, "url": 'https://example.org/?a="><script>window.__xss=1</script>'})
    return {"pages": {"practitioner": practitioner, "migrant": migrant, "employer": employer, "provider": provider}, **ids}


def _assert_clean(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 500, f"{path}: {response.status if response else None}"
    page.page.wait_for_load_state("load")
    result = page.page.evaluate(DOM_CHECK)
    assert result["flag"] == "undefined", f"{path}: the payload ran"
    assert result["scripts"] == 0 and result["handlers"] == 0, f"{path}: payload elements in the DOM: {result}"
    assert result["links"] == 0, f"{path}: a javascript: link in the DOM"


def test_stored_script_payloads_run_nowhere(new_browser_page):
    stored = _store_everything(new_browser_page)
    pages = stored["pages"]
    profile, vacancy = stored["profile"], stored["vacancy"]
    anonymous = new_browser_page()
    visits = {
        anonymous: ["/library?q=orientation+probe", "/library?q=window", f"/library/{PRACTICE_ID}", "/library",
                    "/vacancies", f"/vacancies/{vacancy}", "/offers", "/offers?kind=orientation",
                    "/orientation?country=DE", "/orientation?country=MD"],
        pages["migrant"]: ["/account", "/profiles", f"/profiles/{profile}", f"/profiles/{profile}/matches",
                           f"/profiles/{profile}/print", f"/profiles/{profile}/edit/about", f"/profiles/{profile}/edit/skills",
                           f"/profiles/{profile}/edit/consent"],
        pages["employer"]: [f"/vacancies/{vacancy}/candidates", "/my/vacancies", f"/vacancies/{vacancy}/edit", f"/vacancies/{vacancy}"],
        pages["practitioner"]: ["/profiles", f"/profiles/{profile}", f"/profiles/{profile}/caseworker",
                                f"/library/{PRACTICE_ID}/edit", "/library?q=orientation+probe"],
        pages["provider"]: ["/my/offers", "/offers"],
    }  # fmt: skip
    for page, paths in visits.items():
        for path in paths:
            _assert_clean(page, path)
    # The text is shown as text: the reader sees what was typed, nothing ran.
    anonymous.goto(f"/library/{PRACTICE_ID}")
    assert "window.__xss=1" in anonymous.page.inner_text("main")
    pages["employer"].goto(f"/vacancies/{vacancy}/candidates")
    assert "window.__xss" in pages["employer"].page.inner_text("main"), "the consenting candidate's name and summary are listed"
