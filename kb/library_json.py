"""The JSON shape of library search results and records, shared by the API and the CLI."""

from __future__ import annotations

from typing import Any

from kb.service import LibraryEntry, LibraryHit, LibrarySearchPage
from practices.quality import criterion_label
from practices.vocabulary import (
    DOCUMENT_KINDS,
    HANDBOOK_TOPICS,
    MEASURE_SUBTYPES,
    MEASURE_TYPES,
    TARGET_GROUPS,
    country_name,
)

_FACET_LABELS = {
    "kind": DOCUMENT_KINDS.label,
    "measure_type": MEASURE_TYPES.label,
    "measure_subtype": MEASURE_SUBTYPES.label,
    "target_group": TARGET_GROUPS.label,
    "country": country_name,
    "destination": country_name,
    "topic": HANDBOOK_TOPICS.label,
}


def quality_json(entry: LibraryEntry) -> dict[str, Any] | None:
    if entry.quality is None:
        return None
    return {
        "level": entry.quality.level,
        "score": round(entry.quality.score, 3),
        "met": [{"criterion": key, "label": criterion_label(key)} for key in entry.quality.met],
        "missing": list(entry.quality.missing),
    }


def entry_json(entry: LibraryEntry, *, full: bool = False) -> dict[str, Any]:
    record = entry.record
    data: dict[str, Any] = {
        "id": record.id,
        "group_id": record.group_id,
        "kind": record.kind,
        "title": record.title,
        "language": record.language,
        "versions": [{"language": language, "id": record_id} for language, record_id in entry.versions],
        "summary": record.summary,
        "quality": quality_json(entry),
        "revision": entry.revision,
        "updated_at": entry.updated_at,
    }
    if record.kind == "practice":
        data["countries"] = list(dict.fromkeys(record.implementing_countries + record.origin_countries))
        data["destination_countries"] = list(record.destination_countries)
        data["measure_types"] = list(record.measure_types)
        data["target_groups"] = list(record.target_groups)
        data["period"] = {"start": record.period.start, "end": record.period.end, "regular_service": record.period.regular_service}
    else:
        data["chapter"], data["section"] = record.chapter, record.section
    if full:
        data["record"] = record.to_fields()
        data["possible_duplicates"] = list(entry.possible_duplicates)
    return data


def hit_json(hit: LibraryHit) -> dict[str, Any]:
    return {
        **entry_json(hit.entry),
        "score": round(hit.score, 4),
        "passage": {"anchor": hit.anchor, "heading": hit.heading, "language": hit.snippet_language},
        "snippet": hit.snippet,
    }


def page_json(page: LibrarySearchPage) -> dict[str, Any]:
    request = page.request
    return {
        "query": request.text,
        "query_language": page.query_language,
        "filters": {name: list(values) for name, values in request.filters.items()},
        "sort": request.sort,
        "page": request.page,
        "per_page": request.per_page,
        "pages": page.pages,
        "total": page.total,
        "hits": [hit_json(hit) for hit in page.hits],
        "facets": {
            name: [
                {"value": c.value, "count": c.count, "label": _FACET_LABELS.get(name, lambda v: v)(c.value)}
                for c in counts
            ]
            for name, counts in page.facets.items()
        },
    }
