"""Who may open and change what: every route of the app against every role.

The matrix below classifies every endpoint in `app.url_map`; a new route fails
`test_every_route_is_classified` until someone decides who may use it. Objects are real
(a migrant's profile shared with one MRC, a vacancy of one employer, an offer of one
provider, a library record, a case note), and every role also appears as an "other" user
of the same role, so the object-level rules in matching/access.py are exercised.

Expectations: an int is the exact status; "login" is a redirect to the sign-in page;
"write" (POST with the CSRF token) is anything but 401, 403, 404, a login redirect or 5xx.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from core.db import session_scope
from core.organisations import membership
from core.organisations.partnerships import request_partnership
from core.organisations.registration import create_member_account
from core.organisations.service import OrganisationDetails, new_organisation
from matching import case_notes, records
from matching.contact_requests import request_contact
from matching.models import ServiceOfferInput, SkillProfileInput, VacancyInput
from matching.pipeline import enter_candidates
from matching.referrals import ReferralRequest, create_referral
from tests.conftest import TEST_PASSWORD
from tests.signing_in import plant_sign_in

ACTORS = (
    "anonymous",
    "migrant",
    "other_migrant",
    "employer",
    "other_employer",
    "provider",
    "other_provider",
    "practitioner",
    "other_practitioner",
    "admin",
)
ORGANISATIONS = {
    "employer": "Matrix Employer GmbH",
    "other_employer": "Other Employer GmbH",
    "provider": "Matrix Language School",
    "other_provider": "Other Language School",
    "practitioner": "MRC Matrix",
    "other_practitioner": "MRC Elsewhere",
}
RECORD_ID = "matrix-practice"
# Employers whose organisation is not verified: each route must grant them no more than it
# grants an employer of another organisation (the expectation of "other_employer").
UNTRUSTED = {"pending_employer": ("Pending Matrix GmbH", "pending"), "suspended_employer": ("Suspended Matrix GmbH", "suspended")}


@dataclass
class World:
    """Users of every role and objects they own, in one test database."""

    runtime: Any
    users: dict[str, Any]
    ids: dict[str, Any] = field(default_factory=dict)

    def user(self, actor: str):
        return self.users.get(actor)

    def new_profile(self, owner: str = "migrant", *, consent_to: str | None = "practitioner") -> int:
        data = SkillProfileInput(
            owner=self.users[owner].username,
            consent_to_matching=True,
            origin_countries=["MD"],
            destination_countries=["DE"],
            summary="Nurse with four years in a hospital.",
        )
        with session_scope(self.runtime.engine) as db:
            profile = records.create_profile(session=db, data=data)
            if consent_to:
                records.grant_consent(
                    session=db, profile_id=profile.id, recipient_kind="mrc", recipient=ORGANISATIONS[consent_to], days=180
                )
            return profile.id


def _vacancy(employer: str, title: str, status: str = "open") -> VacancyInput:
    return VacancyInput(employer=employer, title=title, country="DE", description="Care work.", status=status)


def build_world(runtime, make_user) -> World:
    from kb.service import save_record
    from practices.schema import record_from_fields

    users: dict[str, Any] = {"anonymous": None}
    for actor in ACTORS[1:]:
        role = actor.removeprefix("other_")
        users[actor] = make_user(role, username=f"{actor.replace('_', '-')}-m", organisation=ORGANISATIONS.get(actor, ""))
    world = World(runtime=runtime, users=users)
    world.ids["profile"] = world.new_profile()
    world.ids["other_profile"] = world.new_profile("other_migrant", consent_to="other_practitioner")
    with session_scope(runtime.engine) as db:
        world.ids["vacancy"] = records.create_vacancy(session=db, data=_vacancy(ORGANISATIONS["employer"], "Nurse"))[0].id
        world.ids["draft"] = records.create_vacancy(
            session=db, data=_vacancy(ORGANISATIONS["employer"], "Draft nurse", status="draft")
        )[0].id
        world.ids["other_vacancy"] = records.create_vacancy(session=db, data=_vacancy(ORGANISATIONS["other_employer"], "Cook"))[0].id
        for key, provider in (("offer", "provider"), ("other_offer", "other_provider")):
            offer = records.create_offer(
                session=db,
                data=ServiceOfferInput(provider=ORGANISATIONS[provider], kind="language_course", title="German A1-B1",
                                       country="MD", language_taught="de", level_reached="B1"),
            )  # fmt: skip
            world.ids[key] = offer.id
        world.ids["note"] = case_notes.add_note(
            session=db, profile_id=world.ids["profile"], author=users["practitioner"].username,
            kind="next_step", text="Book the B1 exam.", due=date(2030, 1, 1),
        ).id  # fmt: skip
    save_record(
        runtime,
        record_from_fields({"id": RECORD_ID, "kind": "practice", "language": "en", "title": "Matrix practice",
                            "summary": "Orientation before departure.", "sources": ["https://example.org"]}),
    )  # fmt: skip
    world.ids["record"] = RECORD_ID
    world.ids["employer_org"] = users["employer"].organisation_id
    with session_scope(runtime.engine) as db:  # the migrant in the employer's pipeline, shortlisted
        entry = enter_candidates(db, world.ids["vacancy"], [world.ids["profile"]])[world.ids["profile"]]
        entry.stage = "shortlisted"
        db.add(entry)
        world.ids["entry"] = entry.id
        asked = enter_candidates(db, world.ids["other_vacancy"], [world.ids["profile"]])[world.ids["profile"]]
    # The other employer asked the migrant for contact (for the answer's route).
    world.ids["request"] = request_contact(runtime.engine, actor=users["other_employer"], vacancy_id=world.ids["other_vacancy"],
                                           entry_id=asked.id, message="May we talk?").id  # fmt: skip
    for actor, (name, status) in UNTRUSTED.items():
        with session_scope(runtime.engine) as db:
            users[actor] = create_member_account(db, username=actor.replace("_", "-"), password=TEST_PASSWORD, role="employer",
                                                 organisation=name, by="the tests", organisation_status=status)  # fmt: skip
    with session_scope(runtime.engine) as db:  # a profile the practitioner opened: their MRC's caseload
        held = records.create_profile(session=db, data=SkillProfileInput(owner=users["practitioner"].username, summary="Cook."))
        held.mrc_id = users["practitioner"].organisation_id
        db.add(held)
        db.flush()
        world.ids["held_profile"] = held.id
    with session_scope(runtime.engine) as db:
        pending = new_organisation(db, OrganisationDetails(kind="employer", name="Pending Employer GmbH"))
        world.ids["pending_org"] = pending.id
    # The MRC asked the language school for a partnership: a thread of those two only.
    world.ids["practitioner_org"] = users["practitioner"].organisation_id
    world.ids["suspended_org"] = users["suspended_employer"].organisation_id
    world.ids["partnership"] = request_partnership(runtime.engine, actor=users["practitioner"], kind="partnership",
                                                   organisation_id=users["provider"].organisation_id,
                                                   message="Shall we refer people to each other?").id  # fmt: skip
    # The MRC referred the profile it holds to the language school, the consent recorded.
    world.ids["referral"] = create_referral(runtime.engine, actor=users["practitioner"], asked=ReferralRequest(
        profile_id=world.ids["held_profile"], to_organisation_id=users["provider"].organisation_id,
        purpose="German B1 course", consent_days=90)).id  # fmt: skip
    for key in ("invitation", "invitation_post", "invitation_withdrawn"):
        made = membership.invite(runtime.engine, owner=users["employer"], organisation_id=world.ids["employer_org"])
        world.ids[key] = made.token
        world.ids[f"{key}_id"] = made.invitation.id
    return world


def signed_in_client(app, user):
    """A test client with `user` signed in (or none); returns (client, csrf token)."""
    client = app.test_client()
    token = "matrix-csrf-token"
    plant_sign_in(client, user, token)
    return client, token


@pytest.fixture
def world(core_runtime, make_user) -> World:
    return build_world(core_runtime, make_user)


# ---------------------------------------------------------------------------- expectations

Expect = dict[str, Any]


def everyone(value: Any) -> Expect:
    return {actor: value for actor in ACTORS}


def signed_in(value: Any) -> Expect:
    return {actor: ("login" if actor == "anonymous" else value) for actor in ACTORS}


def roles(value: Any, *allowed: str, denied: Any = 403, overrides: Expect | None = None) -> Expect:
    """`allowed` actors (admin always) get `value`, other signed-in actors `denied`."""
    out: Expect = {}
    for actor in ACTORS:
        if actor == "anonymous":
            out[actor] = "login"
        elif actor == "admin" or actor in allowed:
            out[actor] = value
        else:
            out[actor] = denied
    out.update(overrides or {})
    return out


BOTH_MIGRANTS = ("migrant", "other_migrant")
BOTH_PRACTITIONERS = ("practitioner", "other_practitioner")
BOTH_EMPLOYERS = ("employer", "other_employer")
BOTH_PROVIDERS = ("provider", "other_provider")


def profile_reader(value: Any) -> Expect:
    """The owner, the practitioner whose MRC has consent, admin; other profile roles 404."""
    return roles(value, "migrant", "practitioner", overrides={"other_migrant": 404, "other_practitioner": 404})


def profile_owner(value: Any) -> Expect:
    """Only the owner (and admin): a consented practitioner may not consent or delete."""
    return roles(value, "migrant", overrides={"practitioner": 403, "other_migrant": 404, "other_practitioner": 404})


# Roles that have no profile pages at all (403 before any profile is looked at).
NOT_PROFILE_ROLES = {actor: 403 for actor in (*BOTH_EMPLOYERS, *BOTH_PROVIDERS)}


def caseworker(value: Any) -> Expect:
    return roles(value, "practitioner", overrides={"other_practitioner": 404})


@dataclass(frozen=True)
class Case:
    path: Callable[[World], str]
    get: Expect | None = None  # None: the route has no GET
    post: Expect | None = None  # None: the route has no POST
    data: Callable[[World], dict] = lambda world: {}
    fresh_profile: bool = False  # the POST consumes the profile: make a new one per actor


def p(template: str) -> Callable[[World], str]:
    return lambda world: template.format(**world.ids)


MATRIX: dict[str, list[Case]] = {
    "home.index": [Case(p("/"), get=everyone(200))],
    "home.esco_options": [Case(p("/esco/options?type=skill&field=skills&skills_q=weld"), get=everyone(200))],
    "static": [Case(p("/static/headstart.css"), get=everyone(200))],
    "vendor.asset": [Case(p("/vendor/htmx.min.js"), get=everyone(200))],
    "auth.login": [Case(p("/login"), get=everyone(200), post=everyone("write"),
                        data=lambda w: {"username": "nobody", "password": "wrong password"})],  # fmt: skip
    "auth.register": [Case(p("/register"), get=everyone(200), post=everyone("write"))],
    "auth.logout": [Case(p("/logout"), post=everyone("write"))],
    "auth.account": [Case(p("/account"), get=signed_in(200))],
    "auth.export": [Case(p("/account/export"), get=signed_in(200))],
    "auth.end_other_sessions": [Case(p("/account/sessions/end-others"), post=signed_in("write"))],
    "auth.change_password": [Case(p("/account/password"), get=signed_in(200), post=signed_in("write"),
                                  data=lambda w: {"current_password": "not the password", "password": "x"})],  # fmt: skip
    # Migrants, employers and providers erase their own account (here: wrong password, 422);
    # practitioners' and admins' accounts are closed by an admin.
    "auth.delete_account": [Case(p("/account/delete"), get=signed_in(200),
                                 post=roles("write", *BOTH_MIGRANTS, *BOTH_EMPLOYERS, *BOTH_PROVIDERS,
                                            overrides={"admin": 403}),
                                 data=lambda w: {"password": "not the password"})],
    "admin.audit": [Case(p("/admin/audit"), get=roles(200))],
    "auth.choose_language": [Case(p("/language"), post=everyone("write"), data=lambda w: {"language": "fr"})],
    "library.search": [Case(p("/library?q=orientation"), get=everyone(200))],
    "library.handbook": [Case(p("/handbook"), get=everyone(200))],
    "library.document": [Case(p("/library/{record}"), get=everyone(200)), Case(p("/library/no-such-record"), get=everyone(404))],
    "library.new": [Case(p("/library/new"), get=roles(200, *BOTH_PRACTITIONERS), post=roles("write", *BOTH_PRACTITIONERS))],
    "library.edit": [Case(p("/library/{record}/edit"), get=roles(200, *BOTH_PRACTITIONERS), post=roles("write", *BOTH_PRACTITIONERS))],
    "library.check_field": [Case(p("/library/check"), post=roles("write", *BOTH_PRACTITIONERS), data=lambda w: {"field": "title"})],
    "orientation.pack": [Case(p("/orientation?country=DE"), get=everyone(200))],
    "market.vacancies": [Case(p("/vacancies?country=DE"), get=everyone(200))],
    "market.vacancy": [
        Case(p("/vacancies/{vacancy}"), get=everyone(200)),
        Case(p("/vacancies/{draft}"), get={**everyone(404), "employer": 200, "admin": 200}),
        Case(p("/vacancies/999999"), get=everyone(404)),
    ],
    "market.my_vacancies": [Case(p("/my/vacancies"), get=roles(200, *BOTH_EMPLOYERS))],
    "market.new_vacancy": [Case(p("/vacancies/new"), get=roles(200, *BOTH_EMPLOYERS), post=roles("write", *BOTH_EMPLOYERS))],
    "market.edit_vacancy": [
        Case(p("/vacancies/{vacancy}/edit"), get=roles(200, "employer"), post=roles("write", "employer")),
        Case(p("/vacancies/{draft}/edit"), get=roles(200, "employer", overrides={"other_employer": 404}),
             post=roles("write", "employer", overrides={"other_employer": 404})),
    ],  # fmt: skip
    "market.close_vacancy": [Case(p("/vacancies/{other_vacancy}/close"), post=roles("write", "other_employer",
                                  overrides={actor: 403 for actor in UNTRUSTED}))],  # fmt: skip
    "market.candidates": [Case(p("/vacancies/{vacancy}/candidates"), get=roles(200, "employer"))],
    "market.offers": [Case(p("/offers?kind=language_course"), get=everyone(200))],
    "market.my_offers": [Case(p("/my/offers"), get=roles(200, *BOTH_PROVIDERS))],
    "market.new_offer": [Case(p("/offers/new"), get=roles(200, *BOTH_PROVIDERS), post=roles("write", *BOTH_PROVIDERS))],
    "market.edit_offer": [
        Case(p("/offers/{offer}/edit"), get=roles(200, "provider"), post=roles("write", "provider")),
        Case(p("/offers/999999/edit"), get=roles(404, *BOTH_PROVIDERS)),
    ],
    "profiles.index": [Case(p("/profiles"), get=roles(200, *BOTH_MIGRANTS, *BOTH_PRACTITIONERS))],
    "profiles.new": [Case(p("/profiles/new"), get=roles(200, *BOTH_MIGRANTS, *BOTH_PRACTITIONERS),
                          post=roles("write", *BOTH_MIGRANTS, *BOTH_PRACTITIONERS))],  # fmt: skip
    "profiles.view": [Case(p("/profiles/{profile}"), get=profile_reader(200)),
                      Case(p("/profiles/{held_profile}"), get=roles(200, "practitioner", denied=404, overrides=NOT_PROFILE_ROLES)),
                      Case(p("/profiles/999999"), get=roles(404, *BOTH_MIGRANTS, *BOTH_PRACTITIONERS))],  # fmt: skip
    "profiles.print": [Case(p("/profiles/{profile}/print"), get=profile_reader(200))],
    "profiles.matches": [Case(p("/profiles/{profile}/matches"), get=profile_reader(200))],
    "profiles.edit": [
        Case(p("/profiles/{profile}/edit/about"), get=profile_reader(200), post=profile_reader("write")),
        Case(p("/profiles/{profile}/edit/consent"), get=profile_reader(200), post=profile_owner("write")),
        Case(p("/profiles/{profile}/edit/no-such-step"), get=roles(404, *BOTH_MIGRANTS, *BOTH_PRACTITIONERS)),
    ],
    "profiles.grant": [Case(p("/profiles/{profile}/consents"), post=profile_owner("write"),
                            data=lambda w: {"recipient_id": str(w.ids["employer_org"]), "days": "180"})],  # fmt: skip
    "profiles.withdraw": [Case(p("/profiles/{profile}/consents/withdraw"), post=profile_owner("write"),
                               data=lambda w: {"recipient_id": str(w.ids["employer_org"])})],  # fmt: skip
    "profiles.delete": [Case(p("/profiles/{profile}/delete"), get=profile_owner(200), post=profile_owner("write"), fresh_profile=True)],
    "profiles.caseworker": [Case(p("/profiles/{profile}/caseworker"), get=caseworker(200), post=caseworker("write"))],
    "profiles.add_note": [Case(p("/profiles/{profile}/notes"), post=caseworker("write"),
                               data=lambda w: {"kind": "next_step", "text": "Call the school."})],  # fmt: skip
    "profiles.note_done": [Case(p("/profiles/{profile}/notes/{note}/done"), post=caseworker("write"), data=lambda w: {"done": "1"})],
    # The candidate pipeline: the employer's staff move candidates of their own vacancies;
    # the migrant (or the MRC holding the profile) leaves a process.
    "pipeline.move": [Case(p("/vacancies/{vacancy}/pipeline/{entry}/stage"), post=roles("write", "employer",
                           overrides={"other_employer": 404}), data=lambda w: {"stage": "not_selected"})],  # fmt: skip
    "pipeline.note": [Case(p("/vacancies/{vacancy}/pipeline/{entry}/note"), post=roles("write", "employer",
                           overrides={"other_employer": 404}), data=lambda w: {"note": "Strong on wound care."})],  # fmt: skip
    "pipeline.fill": [Case(p("/vacancies/{draft}/fill"), post=roles("write", "employer", overrides={"other_employer": 404}))],
    "pipeline.withdraw": [Case(p("/profiles/{profile}/processes/{vacancy}/withdraw"), post=roles("write", "migrant",
                               overrides={"other_migrant": 404, "practitioner": 404, "other_practitioner": 404}))],  # fmt: skip
    # Contact requests: an employer asks a candidate of its own vacancy; the migrant (or
    # the MRC holding the profile) answers, not an MRC the profile is only shared with.
    "contact.ask": [Case(p("/vacancies/{vacancy}/pipeline/{entry}/contact-request"), post=roles("write", "employer",
                         overrides={"other_employer": 404}), data=lambda w: {"message": "We would like to talk."})],  # fmt: skip
    "contact.answer": [Case(p("/contact-requests/{request}/answer"), post=roles("write", "migrant",
                            overrides={"other_migrant": 404, "practitioner": 404, "other_practitioner": 404}),
                            data=lambda w: {"answer": "decline"})],  # fmt: skip
    "contact.alert": [Case(p("/profiles/{profile}/alert"), post=roles("write", "migrant",
                           overrides={"other_migrant": 404, "practitioner": 404, "other_practitioner": 404}),
                           data=lambda w: {"on": "1", "threshold": "good"})],  # fmt: skip
    "profiles.renew_consent": [Case(p("/profiles/{profile}/consents/999999/renew"), post=profile_owner(404))],
    # Notifications: everyone's own inbox and choices; saved searches are migrants'; the
    # outbox is the admins'.
    "notifications.inbox": [Case(p("/inbox"), get=signed_in(200))],
    "notifications.open_notice": [Case(p("/inbox/999999"), get=signed_in(404))],
    "notifications.mark_read": [Case(p("/inbox/read"), post=signed_in("write"), data=lambda w: {"all": "1"})],
    "notifications.preferences": [Case(p("/account/notifications"), get=signed_in(200), post=signed_in("write"),
                                       data=lambda w: {"email": ""})],  # fmt: skip
    "notifications.save_search": [Case(p("/saved-searches"), post=roles("write", *BOTH_MIGRANTS), data=lambda w: {"country": "DE"})],
    "notifications.delete_search": [Case(p("/saved-searches/999999/delete"), post=roles(404, *BOTH_MIGRANTS))],
    "notifications.admin_outbox": [Case(p("/admin/outbox"), get=roles(200))],
    "notifications.resend": [Case(p("/admin/outbox/999999/resend"), post=roles(404))],
    # A migrant's account takes over the profile the MRC holds for them, with a code a
    # practitioner of that MRC makes (a practitioner elsewhere does not learn it exists).
    "takeover.make_code": [Case(p("/profiles/{held_profile}/takeover-code"), post=roles("write", "practitioner",
                                overrides={"other_practitioner": 404}))],  # fmt: skip
    "takeover.enter": [Case(p("/take-over"), get=roles(200, *BOTH_MIGRANTS))],
    "takeover.enter_link": [Case(p("/take-over/NOT-A-CODE"), get=roles(422, *BOTH_MIGRANTS))],
    "takeover.confirm": [Case(p("/take-over"), post=roles("write", *BOTH_MIGRANTS), data=lambda w: {"code": "AAAA-BBBB-CCCC", "confirm": "1"})],
    # Organisations: a verified one's page is public; a pending one exists only for the
    # reviewers (practitioners of a verified MRC) and admins; members and invitations are
    # its owners'.
    "organisations.index": [Case(p("/organisations?kind=employer"), get=everyone(200))],
    "organisations.page": [
        Case(p("/organisations/{employer_org}"), get=everyone(200)),
        Case(p("/organisations/{pending_org}"), get={**everyone(404), "practitioner": 200, "other_practitioner": 200, "admin": 200}),
        Case(p("/organisations/999999"), get=everyone(404)),
    ],
    "organisations.queue": [Case(p("/organisations/review"), get=roles(200, *BOTH_PRACTITIONERS))],
    "organisations.review": [Case(p("/organisations/{pending_org}/review"), post=roles("write", *BOTH_PRACTITIONERS),
                                  data=lambda w: {"decision": "verified", "note": "Registry checked."})],  # fmt: skip
    "organisations.edit": [Case(p("/organisations/{employer_org}/edit"), get=roles(200, "employer"), post=roles("write", "employer"),
                                data=lambda w: {"organisation": ORGANISATIONS["employer"], "city": "Ulm"})],  # fmt: skip
    "organisations.invite": [Case(p("/organisations/{employer_org}/invitations"), post=roles("write", "employer"))],
    "organisations.withdraw_invitation": [
        Case(p("/organisations/{employer_org}/invitations/{invitation_withdrawn_id}/withdraw"), post=roles("write", "employer"))
    ],
    "organisations.remove_member": [
        Case(p("/organisations/{employer_org}/members/employer-m/remove"), post=roles("write", "employer"))
    ],
    "organisations.hand_over": [Case(p("/organisations/{employer_org}/members/employer-m/owner"), post=roles("write", "employer"))],
    # Partnerships: any member of a verified organisation asks another verified one (the
    # rules answer 422 to everyone else signed in); a thread and an organisation's list of
    # requests exist only for the members of its organisations, admins included (404).
    "partnerships.request_partnership": [
        Case(p("/organisations/{employer_org}/partnerships"), post=signed_in("write"), data=lambda w: {"kind": "contact", "message": "Hello."}),
        Case(p("/organisations/{suspended_org}/partnerships"), post=signed_in(404), data=lambda w: {"kind": "contact", "message": "Hello."}),
    ],
    "partnerships.index": [Case(p("/organisations/{practitioner_org}/partnerships"), get=roles(200, "practitioner", denied=404,
                                overrides={"admin": 404}))],  # fmt: skip
    "partnerships.thread": [Case(p("/partnerships/{partnership}"), get=roles(200, "practitioner", "provider", denied=404,
                                 overrides={"admin": 404}))],  # fmt: skip
    "partnerships.reply": [Case(p("/partnerships/{partnership}/messages"), post=roles("write", "practitioner", "provider", denied=404,
                                overrides={"admin": 404}), data=lambda w: {"message": "Next week suits us."})],  # fmt: skip
    "partnerships.accept": [Case(p("/partnerships/{partnership}/accept"), post=roles("write", "practitioner", "provider", denied=404,
                                 overrides={"admin": 404}))],  # fmt: skip
    "partnerships.decline": [Case(p("/partnerships/{partnership}/decline"), post=roles("write", "practitioner", "provider", denied=404,
                                  overrides={"admin": 404}))],  # fmt: skip
    "partnerships.withdraw": [Case(p("/partnerships/{partnership}/withdraw"), post=roles("write", "practitioner", "provider", denied=404,
                                   overrides={"admin": 404}))],  # fmt: skip
    # Referrals: an organisation refers only a person it may name (the holding MRC; the
    # language school, which the migrant consented to with the referral); a referral exists for
    # the two organisations (and the migrant) only, admins included (404).
    "referrals.index": [Case(p("/referrals"), get=signed_in(200))],
    "referrals.new": [Case(p("/profiles/{held_profile}/refer"), get=roles(200, "practitioner", "provider", denied=404, overrides={"admin": 404}))],
    "referrals.create": [Case(p("/profiles/{held_profile}/refer"), post=roles("write", "practitioner", "provider", denied=404,
                              overrides={"admin": 404}), data=lambda w: {"purpose": "Housing search"})],  # fmt: skip
    "referrals.page": [Case(p("/referrals/{referral}"), get=roles(200, "practitioner", "provider", denied=404, overrides={"admin": 404}))],
    "referrals.answer": [Case(p("/referrals/{referral}/answer"), post=roles("write", "practitioner", "provider", denied=404,
                              overrides={"admin": 404}), data=lambda w: {"answer": "accept"})],  # fmt: skip
    "referrals.start": [Case(p("/referrals/{referral}/start"), post=roles("write", "practitioner", "provider", denied=404,
                             overrides={"admin": 404}))],  # fmt: skip
    "referrals.close": [Case(p("/referrals/{referral}/close"), post=roles("write", "practitioner", "provider", denied=404,
                             overrides={"admin": 404}), data=lambda w: {"outcome": "completed"})],  # fmt: skip
    "organisations.invitation": [
        Case(p("/invitations/{invitation}"), get=everyone(200)),
        Case(p("/invitations/{invitation_post}"), post=everyone("write")),
        Case(p("/invitations/not-a-token"), get=everyone(410)),
    ],
}

# The JSON API does not use the session: personal data and writes answer loopback clients
# or a bearer token only (webapp/api_matching.py). "public" routes answer anyone.
API_PUBLIC_READ = {
    "api.healthz": "/healthz",
    "api.kb_search": "/api/v1/kb/search?q=orientation",
    "api.kb_document": "/api/v1/kb/documents/{record}",
    "api.kb_related": "/api/v1/kb/documents/{record}/related",
    "api.suggest_occupations": "/api/v1/occupations/suggest?q=nurse",
    "api.suggest_skills": "/api/v1/skills/suggest?q=welding",
    "matching_api.list_vacancies": "/api/v1/vacancies",
    "matching_api.read_vacancy": "/api/v1/vacancies/{vacancy}",
    "matching_api.list_offers": "/api/v1/offers",
    "matching_api.read_offer": "/api/v1/offers/{offer}",
    "organisations_api.list_organisations": "/api/v1/organisations?kind=employer",
    "organisations_api.read_organisation": "/api/v1/organisations/{employer_org}",
    "matching_api.eligibility": "/api/v1/eligibility?destination=DE&occupation=http://data.europa.eu/esco/occupation/87d0795a-d41f-47ee-979f-0ab7d73836e7&lang=de:B1",
}
# Public computations (no personal data, no session, nothing stored).
API_PUBLIC_POST = {
    "api.extract_skills_from_text": ("/api/v1/skills/extract", {"text": "I can weld steel."}, 200),
}
API_TRUSTED = {
    "api.record_suggestion_choice": ("POST", "/api/v1/suggestions/choices"),
    "matching_api.create_profile": ("POST", "/api/v1/profiles"),
    "matching_api.read_profile": ("GET", "/api/v1/profiles/{profile}"),
    "matching_api.update_profile": ("PUT", "/api/v1/profiles/{profile}"),
    "matching_api.delete_profile": ("DELETE", "/api/v1/profiles/{profile}"),
    "matching_api.grant_consent": ("POST", "/api/v1/profiles/{profile}/consents"),
    "matching_api.withdraw_consent": ("DELETE", "/api/v1/profiles/{profile}/consents/MRC%20Matrix"),
    "matching_api.profile_matches": ("GET", "/api/v1/profiles/{profile}/matches"),
    "matching_api.create_vacancy": ("POST", "/api/v1/vacancies"),
    "matching_api.update_vacancy": ("PUT", "/api/v1/vacancies/{vacancy}"),
    "matching_api.delete_vacancy": ("DELETE", "/api/v1/vacancies/{vacancy}"),
    "matching_api.vacancy_candidates": ("GET", "/api/v1/vacancies/{vacancy}/candidates"),
    "matching_api.create_offer": ("POST", "/api/v1/offers"),
    "matching_api.update_offer": ("PUT", "/api/v1/offers/{offer}"),
    "matching_api.delete_offer": ("DELETE", "/api/v1/offers/{offer}"),
}
REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    classified = set(MATRIX) | set(API_PUBLIC_READ) | set(API_PUBLIC_POST) | set(API_TRUSTED)
    assert not endpoints - classified, f"routes the access matrix does not classify: {sorted(endpoints - classified)}"
    assert not classified - endpoints, f"the matrix names routes that no longer exist: {sorted(classified - endpoints)}"
    for endpoint, cases in MATRIX.items():
        methods = set().union(*(rule.methods for rule in app.url_map.iter_rules() if rule.endpoint == endpoint))
        assert any(case.get for case in cases) == ("GET" in methods), endpoint
        assert any(case.post for case in cases) == ("POST" in methods), endpoint


def _check(response, expected: Any, where: str, failures: list[str]) -> None:
    status = response.status_code
    location = response.headers.get("Location", "")
    response.close()
    if expected == "login":
        ok = status == 302 and "/login" in location
    elif expected == "write":
        ok = status not in (401, 403, 404) and status < 500 and not (status == 302 and "/login" in location)
    else:
        ok = status == expected
    if not ok:
        failures.append(f"{where}: {status} {location} (expected {expected})")


def test_access_matrix(app, world):
    """One pass over the whole matrix (one database: the consuming POSTs come last)."""
    failures: list[str] = []
    order = sorted(MATRIX, key=lambda endpoint: (any(case.fresh_profile for case in MATRIX[endpoint]), endpoint))
    for endpoint in order:
        for number, case in enumerate(MATRIX[endpoint]):
            if case.get is not None:
                path = case.path(world)
                for actor in ACTORS + tuple(UNTRUSTED):
                    client, _ = signed_in_client(app, world.user(actor))
                    _check(client.get(path), case.get.get(actor, case.get["other_employer"]), f"GET {path} as {actor}", failures)
            if case.post is not None:
                for actor in ACTORS + tuple(UNTRUSTED):
                    if case.fresh_profile:
                        world.ids["profile"] = world.new_profile()
                    path = case.path(world)
                    client, token = signed_in_client(app, world.user(actor))
                    response = client.post(path, data={"csrf_token": token, **case.data(world)})
                    expected = case.post.get(actor, case.post["other_employer"])
                    _check(response, expected, f"POST {path} as {actor} (case {number})", failures)
    assert not failures, "\n".join(failures)


def test_a_signed_in_session_does_not_open_the_api_to_remote_clients(app, world):
    """The API is exempt from CSRF because the session never grants it anything."""
    for actor in ("anonymous", "migrant", "admin"):
        client, token = signed_in_client(app, world.user(actor))
        for endpoint, (method, template) in API_TRUSTED.items():
            path = template.format(**world.ids)
            response = client.open(path, method=method, json={}, headers={"X-CSRF-Token": token}, environ_base=REMOTE)
            assert response.status_code == 403, f"{method} {path} as remote {actor}: {response.status_code}"
            assert response.is_json and "error" in response.get_json()
        for endpoint, template in API_PUBLIC_READ.items():
            path = template.format(**world.ids)
            response = client.get(path, environ_base=REMOTE)
            assert response.status_code == 200, f"GET {path} as remote {actor}: {response.status_code}"
        for endpoint, (path, body, status) in API_PUBLIC_POST.items():
            response = client.post(path, json=body, environ_base=REMOTE)
            assert response.status_code == status, f"POST {path} as remote {actor}: {response.status_code}"


def test_the_api_answers_loopback_clients(app, world):
    client = app.test_client()
    for endpoint, (method, template) in API_TRUSTED.items():
        if method == "GET":
            path = template.format(**world.ids)
            assert client.get(path).status_code == 200, path


def test_an_api_token_replaces_the_loopback_rule(core_runtime, make_user):
    from webapp.app import create_app

    world = build_world(core_runtime, make_user)
    app = create_app(runtime=core_runtime)
    app.config.update(TESTING=True)
    original = core_runtime.settings
    core_runtime.settings = original.with_(api_token="s3cret-token")
    try:
        client = app.test_client()
        path = f"/api/v1/profiles/{world.ids['profile']}"
        assert client.get(path).status_code == 403  # loopback alone is not enough once a token is set
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get(path, headers={"Authorization": "Bearer s3cret-token"}, environ_base=REMOTE).status_code == 200
    finally:
        core_runtime.settings = original


def test_a_practitioner_loses_access_when_the_consent_is_withdrawn(app, world):
    path = f"/profiles/{world.ids['profile']}"
    practitioner, _ = signed_in_client(app, world.user("practitioner"))
    assert practitioner.get(path).status_code == 200
    with Session(world.runtime.engine) as db:
        records.withdraw_consent(session=db, profile_id=world.ids["profile"], recipient=ORGANISATIONS["practitioner"])
        db.commit()
    assert practitioner.get(path).status_code == 404
    assert practitioner.get(f"{path}/caseworker").status_code == 404
