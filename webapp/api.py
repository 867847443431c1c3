"""The JSON API under /api/v1, using the same services as the pages and the CLI."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from core.errors import BadRequest
from core.languages import normalize_language
from kb.library_json import entry_json, page_json
from kb.library_query import FILTERS, parse_search_request
from kb.service import get_entry, related_records, search_library
from matching.models import SuggestionChoiceInput
from matching.records import parse_input
from matching.suggestion import extract_skills, record_choice, suggest
from webapp.api_matching import require_trusted_client
from webapp.current import current_runtime

api = Blueprint("api", __name__)


def _suggestions(concept_type: str):
    query = request.args.get("q")
    items = suggest(
        current_runtime(), concept_type, query, top=request.args.get("top"), language=request.args.get("lang")
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


def _filters_from_args() -> dict[str, list[str]]:
    reserved = {"q", "sort", "page", "per_page", "lang", "query_lang", "mode"}
    unknown = [name for name in request.args if name not in reserved and name not in FILTERS]
    if unknown:
        raise BadRequest(
            f"Unknown parameter {unknown[0]!r}; filters: {', '.join(FILTERS)}; others: {', '.join(sorted(reserved))}.",
            field=unknown[0],
        )
    return {name: [v for value in request.args.getlist(name) for v in value.split(",")] for name in FILTERS if name in request.args}


@api.get("/api/v1/kb/search")
def kb_search():
    """Library search: ?q=, filters (?country=PH&measure_type=job_matching, repeatable or
    comma-separated), ?sort=relevance|date, ?page=, ?per_page=, ?lang= (reader's language)."""
    search_request = parse_search_request(
        text=request.args.get("q"),
        filters=_filters_from_args(),
        sort=request.args.get("sort"),
        page=request.args.get("page"),
        per_page=request.args.get("per_page"),
        reader_language=request.args.get("lang"),
        query_language=request.args.get("query_lang"),
        mode=request.args.get("mode"),
    )
    return jsonify(page_json(search_library(current_runtime(), search_request)))


@api.get("/api/v1/kb/documents/<record_id>")
def kb_document(record_id: str):
    """One record with its quality profile; ?lang= picks the version in that language."""
    entry = get_entry(current_runtime(), record_id, language=normalize_language(request.args.get("lang")))
    return jsonify(entry_json(entry, full=True))


@api.get("/api/v1/kb/documents/<record_id>/related")
def kb_related(record_id: str):
    """Practices related to a record: its links first, then the nearest by meaning."""
    items = related_records(current_runtime(), record_id, language=normalize_language(request.args.get("lang")))
    return jsonify({"id": record_id, "related": [entry_json(item) for item in items]})


@api.post("/api/v1/skills/extract")
def extract_skills_from_text():
    """ESCO skills in a pasted CV or job ad: {"text": ..., "lang": optional} ->
    [{"uri", "label", "score", "span": {"start", "end", "text"}}]."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest('Send a JSON object {"text": "..."}.', field="text")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise BadRequest("text must be a string.", field="text")
    found = extract_skills(current_runtime(), text, language=body.get("lang"))
    return jsonify(
        {
            "skills": [
                {"uri": s.uri, "label": s.label, "score": s.score, "span": {"start": s.span.start, "end": s.span.end, "text": s.span.text}}
                for s in found
            ]
        }
    )


@api.post("/api/v1/suggestions/choices")
def record_suggestion_choice():
    """A person confirmed ({"suggested_uri", "chosen_uri"} equal), corrected (different)
    or rejected (no chosen_uri) a suggestion; stored for review and tuning."""
    require_trusted_client()  # a write: loopback or API token, like the other writes
    data = parse_input(SuggestionChoiceInput, request.get_json(silent=True))
    return jsonify({"id": record_choice(current_runtime(), data)}), 201


@api.get("/healthz")
def healthz():
    """Liveness and readiness: the database answers and the indexes open."""
    runtime = current_runtime()
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    indexes = {name: runtime.index(name).count() for name in ("occupations", "skills", "library")}
    return jsonify({"status": "ok", "indexed": indexes})
