"""The JSON API under /api/v1, using the same services as the pages and the CLI."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from matching.service import suggest

api = Blueprint("api", __name__)


def _suggestions(concept_type: str):
    from webapp import get_runtime

    query = request.args.get("q")
    items = suggest(
        get_runtime(), concept_type, query, top=request.args.get("top"), language=request.args.get("lang")
    )
    return jsonify({"query": query, "suggestions": [item.__dict__ for item in items]})


@api.get("/api/v1/occupations/suggest")
def suggest_occupations():
    """Ranked ESCO occupations for ?q= (a job title in any words), ?top=, ?lang=."""
    return _suggestions("occupation")


@api.get("/api/v1/skills/suggest")
def suggest_skills():
    """Ranked ESCO skills for ?q=, ?top=, ?lang=."""
    return _suggestions("skill")


@api.get("/healthz")
def healthz():
    """Liveness and readiness: the database answers and the indexes open."""
    from webapp import get_runtime

    runtime = get_runtime()
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    indexes = {name: runtime.index(name).count() for name in ("occupations", "skills")}
    return jsonify({"status": "ok", "indexed": indexes})
