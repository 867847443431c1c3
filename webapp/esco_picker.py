"""The ESCO picker's state: chosen concepts with labels, and options for what was typed.

Used by every form that picks occupations or skills (profile builder, vacancy form). With
JavaScript, options arrive as an htmx fragment while typing and a ticked option moves to
the chosen list (static/headstart.js). Without it, the form's "Look up" button posts the
form back and the page re-renders with the options as checkboxes; nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from core.errors import HeadstartError
from core.runtime import Runtime
from matching.suggestion import suggest
from matching.taxonomy import concept_labels as taxonomy_labels

MAX_OPTIONS = 8


@dataclass(frozen=True)
class ConceptOption:
    uri: str
    label: str
    matched_label: str = ""


@dataclass
class PickerState:
    field: str
    concept_type: str  # occupation | skill
    chosen: list[ConceptOption] = field(default_factory=list)
    query: str = ""
    options: list[ConceptOption] = field(default_factory=list)
    error: str | None = None


def concept_labels(runtime: Runtime, uris: list[str]) -> dict[str, str]:
    with Session(runtime.engine) as session:
        return taxonomy_labels(session, set(uris))


def chosen_options(runtime: Runtime, uris: list[str]) -> list[ConceptOption]:
    """The chosen URIs with their labels, in the given order, without duplicates."""
    unique = list(dict.fromkeys(uri for uri in uris if uri))
    labels = concept_labels(runtime, unique)
    return [ConceptOption(uri, labels.get(uri, uri.rsplit("/", 1)[-1])) for uri in unique]


def suggest_options(runtime: Runtime, concept_type: str, text: str, *, exclude: set[str] = frozenset(), language: str | None = None) -> list[ConceptOption]:
    """Suggestions for what was typed, minus those already chosen (errors propagate)."""
    found = suggest(runtime, concept_type, text, top=MAX_OPTIONS + len(exclude), language=language)
    return [ConceptOption(s.uri, s.label, s.matched_label) for s in found if s.uri not in exclude][:MAX_OPTIONS]


def picker_state(
    runtime: Runtime, field_name: str, concept_type: str, uris: list[str], *, query: str = "", look_up: bool = False
) -> PickerState:
    state = PickerState(field=field_name, concept_type=concept_type, chosen=chosen_options(runtime, uris), query=query)
    if look_up and query.strip():
        try:
            state.options = suggest_options(runtime, concept_type, query, exclude={o.uri for o in state.chosen})
        except HeadstartError as error:
            state.error = error.message
    return state
