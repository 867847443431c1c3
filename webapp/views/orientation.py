"""The orientation pack: one printable page for a destination country and an occupation.

A GET form, so every pack has its own address that can be bookmarked, shared or opened
again later; the pack itself is gathered by matching.orientation.
"""

from __future__ import annotations

from flask import Blueprint, request, url_for

from core.errors import HeadstartError
from matching.orientation import orientation_pack
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


@orientation.get("/orientation")
def pack():
    runtime = current_runtime()
    country = request.args.get("country", "").strip().upper()
    chosen = [uri for uri in request.args.getlist("occupation") if uri.strip()][-1:]
    typed = request.args.get("occupation_q", "").strip()[:300]
    look_up = request.args.get("look_up") == "occupation"
    picker = picker_state(runtime, "occupation", "occupation", chosen, query=typed, look_up=look_up)
    errors: dict[str, str] = {}
    result = None
    status = 200
    asked = "country" in request.args and not look_up
    if asked:
        try:
            result = orientation_pack(
                runtime, country=country, occupation_uri=chosen[0] if chosen else None,
                occupation_text=typed, language=current_language(),
            )  # fmt: skip
        except HeadstartError as error:
            from flask_babel import gettext as _

            errors[error.field or "country"] = _("Choose a destination country.") if error.field == "country" else error.message
            status = 422
    return render(
        "orientation/pack.html",
        status=status,
        country=country,
        picker=picker,
        errors=errors,
        pack=result,
        countries=country_choices(),
        route_names=route_names(),
        offer_kind_names=offer_kind_names(),
        mode_names=mode_names(),
        record_url=record_url,
    )
