"""Load test users for bench/bench_load.py: library search, profile matching, vacancy posting.

Each simulated person signs in once (demo accounts of `headstart seed --demo-users`) and
then works like a person would, with a pause between requests. Run through
bench/bench_load.py, which starts gunicorn, seeds the data and writes the report.
"""

from __future__ import annotations

import itertools
import random
import re

from locust import HttpUser, between, task

PASSWORD = "headstart-demo"
LIBRARY_QUERIES = [
    "pre-departure orientation for domestic workers",
    "language training before departure",
    "recognition of qualifications",
    "how to set up a migrant resource centre",
    "returnees reintegration",
    "orientation préalable au départ",
    "fair recruitment fees",
    "family reunification language test",
    "seasonal workers New Zealand",
    "outreach to women in rural areas",
]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_counter = itertools.count(1)


def _token(text: str) -> str:
    match = TOKEN.search(text)
    return match.group(1) if match else ""  # a failed page: the POST then fails and is counted


def _sign_in(user: HttpUser, username: str) -> None:
    page = user.client.get("/login", name="/login")
    token = _token(page.text)
    response = user.client.post(
        "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}, name="/login POST", allow_redirects=False
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {username} failed: {response.status_code}")


class Practitioner(HttpUser):
    """Searches the library as a practitioner does: type, filter, open a record."""

    weight = 5
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _sign_in(self, "practitioner")

    @task(4)
    def search(self) -> None:
        query = random.choice(LIBRARY_QUERIES)
        self.client.get("/library", params={"q": query}, headers={"HX-Request": "true"}, name="/library?q (htmx)")

    @task(1)
    def filter_and_open(self) -> None:
        page = self.client.get("/library", params={"q": random.choice(LIBRARY_QUERIES), "kind": "practice"}, name="/library?q&kind")
        match = re.search(r'href="(/library/[a-z0-9-]+)(?:\?[^"]*)?"', page.text)
        if match:
            self.client.get(match.group(1), name="/library/ID")


class Migrant(HttpUser):
    """Looks at their explained matches."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _sign_in(self, "demo-migrant-01")
        listing = self.client.get("/profiles", name="/profiles")
        match = re.search(r'href="/profiles/(\d+)"', listing.text)
        self.profile_id = int(match.group(1)) if match else 1

    @task
    def matches(self) -> None:
        self.client.get(f"/profiles/{self.profile_id}/matches", name="/profiles/ID/matches")


class Employer(HttpUser):
    """Posts vacancies and looks at candidates."""

    weight = 2
    wait_time = between(2, 5)

    def on_start(self) -> None:
        _sign_in(self, "employer")

    @task(2)
    def post_vacancy(self) -> None:
        form = self.client.get("/vacancies/new", name="/vacancies/new")
        token = _token(form.text)
        number = next(_counter)
        with self.client.post(
            "/vacancies/new",
            data={
                "csrf_token": token,
                "title": f"Care assistant, ward {number} (load test {random.randint(0, 10**9)})",
                "description": "Care for elderly patients on a geriatric ward; German B1 required.",
                "country": "DE",
                "city": "Köln",
                "status": "open",
                "contract_type": "permanent",
                "lang-0-language": "de",
                "lang-0-level": "B1",
            },
            name="/vacancies/new POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"vacancy not saved: {response.status_code}")

    @task(1)
    def candidates(self) -> None:
        listing = self.client.get("/my/vacancies", name="/my/vacancies")
        ids = re.findall(r'href="/vacancies/(\d+)"', listing.text)
        if ids:
            self.client.get(f"/vacancies/{random.choice(ids)}/candidates", name="/vacancies/ID/candidates")
