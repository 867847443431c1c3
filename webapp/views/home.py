"""The start page: what is loaded, and ESCO suggestion as a plain form."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from kb.errors import HeadstartError
from matching import esco
from matching.service import suggest

home = Blueprint("home", __name__)

# Below this many occupations, only the small core taxonomy from seeds/ is loaded.
FULL_TAXONOMY_MIN_OCCUPATIONS = 1000


@home.get("/")
def index():
    from webapp import get_runtime

    runtime = get_runtime()
    counts = esco.counts(runtime.engine)
    concept_type = "skill" if request.args.get("type") == "skill" else "occupation"
    query = request.args.get("q", "")
    suggestions, error = [], None
    if query.strip():
        try:
            suggestions = suggest(runtime, concept_type, query, top=10)
        except HeadstartError as exc:
            error = exc.message
    return render_template(
        "home.html",
        counts=counts,
        full_taxonomy=counts.get("occupation", 0) >= FULL_TAXONOMY_MIN_OCCUPATIONS,
        concept_type=concept_type,
        query=query,
        suggestions=suggestions,
        error=error,
    ), (422 if error else 200)
