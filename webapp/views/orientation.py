"""The orientation pack: one printable page for a destination country and an occupation.

A GET form, so every pack has its own address that can be bookmarked, shared or opened
again later; the pack itself is gathered by matching.orientation.
"""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _

from core.errors import HeadstartError
from matching.orientation import answer_pack_request, pack_request
from webapp.current import current_runtime
from webapp.esco_picker import picker_state
from webapp.i18n import current_language
from webapp.rendering import render
from webapp.views.market import country_choices, mode_names, offer_kind_names, route_names

blueprint = orientation = Blueprint("orientation", __name__)



def record_url(record_id: str, anchor: str = "") -> str | None:
    """The library page of a record."""
    url = url_for("library.document", record_id=record_id)
    return f"{url}#{anchor}" if anchor else url


def _errors(error: HeadstartError | None) -> dict[str, str]:
    """The error next to its field, in the reader's language."""
    if error is None:
        return {}
    return {error.field or "country": _("Choose a destination country.") if error.field == "country" else error.message}


@orientation.get("/orientation")
def pack():
    runtime = current_runtime()
    asked = pack_request(
        country=request.args.get("country"), occupations=request.args.getlist("occupation"),
        occupation_text=request.args.get("occupation_q"), look_up=request.args.get("look_up") == "occupation",
    )  # fmt: skip
    picker = picker_state(
        runtime, "occupation", "occupation", asked.occupation_uris, query=asked.occupation_text, look_up=asked.look_up
    )
    answer = answer_pack_request(runtime, asked, language=current_language())
    errors = _errors(answer.error)
    return render(
        "orientation/pack.html",
        status=422 if errors else 200,
        country=asked.country,
        picker=picker,
        errors=errors,
        pack=answer.pack,
        countries=country_choices(),
        route_names=route_names(),
        offer_kind_names=offer_kind_names(),
        mode_names=mode_names(),
        record_url=record_url,
    )
