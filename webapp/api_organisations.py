"""The JSON API for organisations: the directory of verified ones and their public part
(the same service as the directory page). Pending and suspended organisations are not
in it: they are the reviewers' business, on the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlmodel import Session

from core.countries import is_country
from core.errors import BadRequest, NotFound
from core.languages import ISO_639_1
from core.organisations.models import KINDS, SECTORS, SERVICES, Organisation
from core.organisations.service import directory
from webapp.current import current_runtime

organisations_api = Blueprint("organisations_api", __name__)


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    """The public part: what the organisation page shows anyone."""
    return {
        "id": organisation.id, "kind": organisation.kind, "name": organisation.name, "country": organisation.country,
        "city": organisation.city, "website": organisation.website, "contact": organisation.contact,
        "description": organisation.description, "services": organisation.services, "languages": organisation.languages,
        "sectors": organisation.sectors,
        "verified_at": organisation.status_at.isoformat() if organisation.status_at else None,
        "verified_by": organisation.status_by_organisation or None,
    }  # fmt: skip


@organisations_api.get("/api/v1/organisations")
def list_organisations():
    """Verified organisations by name; ?kind=, ?country=, ?service=, ?language=, ?sector=,
    ?q= (words of the name or description)."""
    args = {name: request.args.get(name, "").strip() for name in ("kind", "country", "service", "language", "sector")}
    args["country"] = args["country"].upper()
    for name, allowed in (("kind", KINDS), ("service", tuple(SERVICES)), ("sector", tuple(SECTORS))):
        if args[name] and args[name] not in allowed:
            raise BadRequest(f"{name} must be one of {', '.join(allowed)}.", field=name)
    if args["country"] and not is_country(args["country"]):
        raise BadRequest("country must be an ISO 3166-1 alpha-2 code such as DE.", field="country")
    if args["language"] and args["language"] not in ISO_639_1:
        raise BadRequest("language must be an ISO 639-1 code such as de.", field="language")
    with Session(current_runtime().engine) as session:
        found = directory(session, **{name: value or None for name, value in args.items()}, text=request.args.get("q", "")[:200])
        return jsonify({"organisations": [organisation_json(item) for item in found]})


@organisations_api.get("/api/v1/organisations/<int:organisation_id>")
def read_organisation(organisation_id: int):
    with Session(current_runtime().engine) as session:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None or not organisation.verified:
            raise NotFound(f"There is no verified organisation {organisation_id}.")
        return jsonify(organisation_json(organisation))
