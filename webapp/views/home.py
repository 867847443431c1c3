"""The start page: what is loaded, and ESCO suggestion as a plain form."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from core.errors import HeadstartError
from matching import esco
from matching.suggestion import suggest
from webapp.current import current_runtime
from webapp.esco_picker import PickerState, suggest_options

blueprint = home = Blueprint("home", __name__)

# Below this many occupations, only the small core taxonomy from seeds/ is loaded.
FULL_TAXONOMY_MIN_OCCUPATIONS = 1000


@home.get("/")
def index():
    runtime = current_runtime()
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
        view_functions=current_app.view_functions,
    ), (422 if error else 200)


@home.get("/esco/options")
def esco_options():
    """Picker options while typing (htmx fragment): suggestions minus what is chosen."""

    concept_type = request.args.get("type", "")
    field = request.args.get("field", "")
    if concept_type not in ("occupation", "skill") or not field.isidentifier():
        abort(400)
    query = request.args.get(f"{field}_q", "")
    state = PickerState(field=field, concept_type=concept_type, query=query)
    error = None
    if query.strip():
        try:
            state.options = suggest_options(current_runtime(), concept_type, query, exclude=set(request.args.getlist(field)))
        except HeadstartError as exc:
            error = exc.message
    return render_template(
        "fragments/esco_options.html", state=state, error=error, multiple=request.args.get("multiple", "1") != "0"
    )
