"""JSON API for profiles, vacancies, service offers and matches (under /api/v1).

Personal data (profiles, candidates) and every write answer only loopback clients, or
clients sending `Authorization: Bearer <HEADSTART_API_TOKEN>`, until accounts and roles
arrive with the web app; vacancies and offers are public to read.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, jsonify, request
from sqlmodel import Session, select

from core.accounts import audit
from core.errors import BadRequest, HeadstartError
from matching import erasure, records
from matching.candidates import review_candidates
from matching.eligibility import eligibility_signal
from matching.gaps import MatchWithGaps, matches_with_gaps
from matching.listing import verified_employer, verified_provider
from matching.matcher import Explanation, Taxonomy
from matching.models import ServiceOffer, ServiceOfferInput, SkillProfile, SkillProfileInput, Vacancy, VacancyInput
from matching.profile_service import grant_profile_consent, save_profile, withdraw_profile_consent
from matching.texts import encode_vacancy_texts
from webapp.current import current_runtime

matching_api = Blueprint("matching_api", __name__)
LOOPBACK = {"127.0.0.1", "::1"}


class Forbidden(HeadstartError):
    status_code = 403



def _session() -> Session:
    # Rows are turned into JSON after the commit: keep their loaded values.
    return Session(current_runtime().engine, expire_on_commit=False)


def require_trusted_client() -> None:
    token = current_runtime().settings.api_token
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return
    if request.remote_addr in LOOPBACK and not token:
        return
    raise Forbidden("This endpoint needs an API token (Authorization: Bearer ...).")


def _json_body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("Send a JSON object (Content-Type: application/json).")
    return data


def _int(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.", field=name) from None


def _days(value: Any) -> int:
    """A consent's length in days; -1 (refused by the service) for anything else."""
    text = str(value)
    # isdigit() is true for "²" and for 5,000 digits, which int() refuses: ASCII and short only.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else -1


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes")


# ---------------------------------------------------------------------------- JSON shapes


def explanation_json(explanation: Explanation, taxonomy: Taxonomy) -> dict[str, Any]:
    return {
        "score": explanation.score,
        "ready": explanation.ready,
        "excluded": explanation.excluded,
        "parts": [
            {"name": p.name, "weight": p.weight, "value": round(p.value, 4), "points": round(p.points, 4), "detail": p.detail}
            for p in explanation.parts
        ],
        "skills_met": [
            {"uri": m.required, "label": taxonomy.label(m.required), "via": m.via, "via_label": taxonomy.label(m.via), "exact": m.exact}
            for m in explanation.skills_met
        ],
        "essential_missing": [{"uri": uri, "label": taxonomy.label(uri)} for uri in explanation.essential_missing],
        "optional_missing": [{"uri": uri, "label": taxonomy.label(uri)} for uri in explanation.optional_missing],
        "language_gaps": [
            {"language": g.language, "required": g.required, "has": g.has, "trainable": g.trainable, "text": g.describe()}
            for g in explanation.language_gaps
        ],
        "exclusions": [{"constraint": e.constraint, "message": e.message} for e in explanation.exclusions],
        "regulated": None
        if explanation.regulated is None
        else {"country": explanation.regulated.country, "recognised": explanation.regulated.recognised,
              "note": explanation.regulated.note, "text": explanation.regulated.describe()},  # fmt: skip
    }


def vacancy_json(vacancy: Vacancy) -> dict[str, Any]:
    data = vacancy.model_dump(mode="json", exclude={"fingerprint"})
    return data


def anonymised_profile_json(profile: SkillProfile, vacancy_id: int) -> dict[str, Any]:
    """What an employer sees before the migrant opts in: no owner, no free text."""
    import hashlib

    alias = hashlib.sha256(f"{profile.id}:{vacancy_id}".encode()).hexdigest()[:6]
    return {
        "candidate": f"Candidate {alias}",
        "origin_countries": profile.origin_countries,
        "occupations": [{"uri": o.uri, "years": o.years} for o in profile.occupations_held()],
        "skills": profile.skills,
        "languages": profile.languages,
        "education_level": profile.education_level,
        "available_from": profile.available_from.isoformat() if profile.available_from else None,
    }


# ---------------------------------------------------------------------------- profiles


@matching_api.post("/api/v1/profiles")
def create_profile():
    require_trusted_client()
    data = records.parse_input(SkillProfileInput, _json_body())
    profile = save_profile(current_runtime(), actor=audit.API_ACTOR, role=audit.API_ACTOR, profile_id=None, data=data)
    return jsonify(profile.model_dump(mode="json")), 201


@matching_api.get("/api/v1/profiles/<int:profile_id>")
def read_profile(profile_id: int):
    require_trusted_client()
    with _session() as session:
        body = records.get_profile(session, profile_id).model_dump(mode="json")
        audit.record(session, audit.API_ACTOR, "view", "profile", profile_id, "API", role=audit.API_ACTOR)
        session.commit()
        return jsonify(body)


@matching_api.put("/api/v1/profiles/<int:profile_id>")
def update_profile(profile_id: int):
    require_trusted_client()
    data = records.parse_input(SkillProfileInput, _json_body())
    profile = save_profile(current_runtime(), actor=audit.API_ACTOR, role=audit.API_ACTOR, profile_id=profile_id, data=data)
    return jsonify(profile.model_dump(mode="json"))


@matching_api.delete("/api/v1/profiles/<int:profile_id>")
def delete_profile(profile_id: int):
    """Erase the profile with its consents, notes, cached text vector and audit events."""
    require_trusted_client()
    erasure.erase_profile_everywhere(current_runtime(), profile_id=profile_id, actor=audit.API_ACTOR, role=audit.API_ACTOR)
    return "", 204


@matching_api.post("/api/v1/profiles/<int:profile_id>/consents")
def grant_consent(profile_id: int):
    require_trusted_client()
    body = _json_body()
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object with recipient_kind, recipient_id (or recipient, a name) and days.")
    recipient_id = body.get("recipient_id")
    if recipient_id is not None and (not isinstance(recipient_id, int) or isinstance(recipient_id, bool)):
        raise BadRequest("recipient_id must be the id of an organisation (GET /api/v1/organisations).")
    consent = grant_profile_consent(
        current_runtime(),
        actor=audit.API_ACTOR,
        role=audit.API_ACTOR,
        profile_id=profile_id,
        recipient_kind=str(body.get("recipient_kind", "")),
        recipient=str(body.get("recipient", "")),
        recipient_id=recipient_id,
        days=_days(body.get("days", 180)),
    )
    return jsonify(consent.model_dump(mode="json")), 201


@matching_api.delete("/api/v1/profiles/<int:profile_id>/consents/<path:recipient>")
def withdraw_consent(profile_id: int, recipient: str):
    require_trusted_client()
    count, _name = withdraw_profile_consent(
        current_runtime(), actor=audit.API_ACTOR, role=audit.API_ACTOR, profile_id=profile_id, recipient=recipient
    )
    return jsonify({"withdrawn": count})


@matching_api.get("/api/v1/profiles/<int:profile_id>/matches")
def profile_matches(profile_id: int):
    """Open vacancies for a profile with explanations; ?top=, ?include_excluded=1, ?gaps=1."""
    require_trusted_client()
    gaps = _flag("gaps")
    items, taxonomy = matches_with_gaps(
        current_runtime(), profile_id, top=_int("top", 10), include_excluded=_flag("include_excluded"), gaps=gaps
    )
    return jsonify({"profile_id": profile_id, "matches": [_match_json(item, taxonomy, gaps=gaps) for item in items]})


def _match_json(item: MatchWithGaps, taxonomy, *, gaps: bool) -> dict:
    match = item.match
    body = {"vacancy": vacancy_json(match.vacancy), "explanation": explanation_json(match.explanation, taxonomy)}
    if gaps and not match.explanation.ready:
        body["services"] = [{"offer": o.offer.model_dump(mode="json"), "closes": list(o.closes)} for o in item.offers]
        body["library"] = [
            {"id": h.entry.record.id, "title": h.entry.record.title, "kind": h.entry.record.kind, "anchor": h.anchor}
            for h in item.library
        ]
    return body



# ---------------------------------------------------------------------------- vacancies


@matching_api.get("/api/v1/vacancies")
def list_vacancies():
    """Open vacancies, newest first; ?country=, ?status=, ?page=, ?per_page=."""
    page, per_page = _int("page", 1), _int("per_page", 20)
    if not 1 <= page <= 10_000 or not 1 <= per_page <= 100:
        raise BadRequest("page must be 1-10000 and per_page 1-100.", field="page")
    status = request.args.get("status", "open")
    statement = select(Vacancy).where(Vacancy.status == status, verified_employer())  # the list migrants see
    country = request.args.get("country")
    if country:
        statement = statement.where(Vacancy.country == country.strip().upper())
    statement = statement.order_by(Vacancy.date_posted.desc(), Vacancy.id).offset((page - 1) * per_page).limit(per_page)  # type: ignore[attr-defined]
    with _session() as session:
        rows = list(session.execute(statement).scalars())
    return jsonify({"page": page, "per_page": per_page, "vacancies": [vacancy_json(v) for v in rows]})


@matching_api.post("/api/v1/vacancies")
def create_vacancy():
    require_trusted_client()
    data = records.parse_input(VacancyInput, _json_body())
    with _session() as session:
        vacancy, created = records.create_vacancy(session=session, data=data)
        session.commit()
        body = {**vacancy_json(vacancy), "recognised_as_duplicate": not created}
    encode_vacancy_texts(current_runtime(), [body["id"]])
    return jsonify(body), 201 if created else 200


@matching_api.get("/api/v1/vacancies/<int:vacancy_id>")
def read_vacancy(vacancy_id: int):
    with _session() as session:
        return jsonify(vacancy_json(records.get_vacancy(session, vacancy_id)))


@matching_api.put("/api/v1/vacancies/<int:vacancy_id>")
def update_vacancy(vacancy_id: int):
    require_trusted_client()
    data = records.parse_input(VacancyInput, _json_body())
    with _session() as session:
        vacancy = records.update_vacancy(session=session, vacancy=records.get_vacancy(session, vacancy_id), data=data)
        session.commit()
        body = vacancy_json(vacancy)
    encode_vacancy_texts(current_runtime(), [vacancy_id])
    return jsonify(body)


@matching_api.delete("/api/v1/vacancies/<int:vacancy_id>")
def delete_vacancy(vacancy_id: int):
    require_trusted_client()
    with _session() as session:
        records.delete_vacancy(session=session, vacancy_id=vacancy_id)
        session.commit()
    return "", 204


@matching_api.get("/api/v1/vacancies/<int:vacancy_id>/candidates")
def vacancy_candidates(vacancy_id: int):
    """Consenting profiles for a vacancy, anonymised unless the migrant opted in for its employer."""
    require_trusted_client()
    review = review_candidates(
        current_runtime(), actor=audit.API_ACTOR, role=audit.API_ACTOR, vacancy_id=vacancy_id,
        top=_int("top", 10), include_excluded=_flag("include_excluded"),
    )  # fmt: skip
    taxonomy = review.taxonomy
    items = []
    for match in review.matches:
        profile = match.profile.model_dump(mode="json") if match.identified else anonymised_profile_json(match.profile, vacancy_id)
        item = {"identified": match.identified, "profile": profile, "explanation": explanation_json(match.explanation, taxonomy)}
        if match.identified:
            identity = review.identities.get(match.profile.id or 0)
            item["identity"] = identity.model_dump(mode="json", exclude={"profile_id"}) if identity else None
        items.append(item)
    return jsonify({"vacancy_id": vacancy_id, "candidates": items})


# ---------------------------------------------------------------------------- offers and eligibility


@matching_api.get("/api/v1/offers")
def list_offers():
    statement = select(ServiceOffer).where(verified_provider())
    kind = request.args.get("kind")
    if kind:
        statement = statement.where(ServiceOffer.kind == kind)
    with _session() as session:
        return jsonify({"offers": [o.model_dump(mode="json") for o in session.execute(statement.order_by(ServiceOffer.id)).scalars()]})


@matching_api.post("/api/v1/offers")
def create_offer():
    require_trusted_client()
    data = records.parse_input(ServiceOfferInput, _json_body())
    with _session() as session:
        offer = records.create_offer(session=session, data=data)
        session.commit()
        return jsonify(offer.model_dump(mode="json")), 201


@matching_api.get("/api/v1/offers/<int:offer_id>")
def read_offer(offer_id: int):
    with _session() as session:
        return jsonify(records.get_offer(session, offer_id).model_dump(mode="json"))


@matching_api.put("/api/v1/offers/<int:offer_id>")
def update_offer(offer_id: int):
    require_trusted_client()
    data = records.parse_input(ServiceOfferInput, _json_body())
    with _session() as session:
        offer = records.update_offer(session=session, offer=records.get_offer(session, offer_id), data=data)
        session.commit()
        return jsonify(offer.model_dump(mode="json"))


@matching_api.delete("/api/v1/offers/<int:offer_id>")
def delete_offer(offer_id: int):
    require_trusted_client()
    with _session() as session:
        session.delete(records.get_offer(session, offer_id))
        session.commit()
    return "", 204


@matching_api.get("/api/v1/eligibility")
def eligibility():
    """Anonymous early check: ?destination=DE&occupation=<ESCO URI>&lang=de:B1&lang=en:A2."""
    languages: dict[str, str] = {}
    for item in request.args.getlist("lang"):
        code, _, level = item.partition(":")
        if not level:
            raise BadRequest("lang takes LANGUAGE:LEVEL, e.g. de:B1.", field="lang")
        languages[code.strip().lower()] = level.strip().upper()
    signal = eligibility_signal(
        current_runtime(),
        destination=request.args.get("destination", ""),
        occupation_uri=request.args.get("occupation", ""),
        languages=languages,
    )
    return jsonify({"signal": signal.colour, "reasons": list(signal.reasons), "open_vacancies": signal.open_vacancies})
