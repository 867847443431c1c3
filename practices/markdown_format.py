"""Records as Markdown files with YAML front matter: the format people write and review.

Structured fields go in the front matter; each narrative field is a level-2 section whose
heading ends with its key in braces (`## How it works {#activities}`), so the heading can
be written in the record's language while the key stays fixed. Errors carry the line of
the offending field or heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from practices.schema import LibraryRecord, RecordError, record_from_fields
from practices.vocabulary import PRACTICE_SECTIONS

_HEADING = re.compile(r"^##(?!#)\s*(?P<heading>.*?)\s*(?:\{#(?P<key>[^}\s]*)\})?\s*$")
_SLUG = re.compile(r"[^a-z0-9]+")
_ENGLISH_HEADINGS = {heading.lower(): key for key, heading in PRACTICE_SECTIONS.items()}


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only: `language: no` is Norwegian, not False."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class MarkdownError(Exception):
    line: int | None
    message: str
    field: str | None = None


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60] or "section"


def parse_markdown_record(text: str) -> LibraryRecord:
    """A record from a file's text; MarkdownError names the line that breaks a rule."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise MarkdownError(1, "the file must start with a front matter block between two '---' lines")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise MarkdownError(1, "the front matter is not closed by a '---' line") from None
    front_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(front_text, Loader=_FrontMatterLoader)
        front = yaml.load(front_text, Loader=_FrontMatterLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise MarkdownError(line, f"the front matter is not valid YAML ({problem})") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise MarkdownError(2, "the front matter must be a mapping of field: value")
    field_lines = {}
    if isinstance(node, yaml.MappingNode):
        field_lines = {key.value: key.start_mark.line + 2 for key, _ in node.value}
    if "sections" in front:
        raise MarkdownError(field_lines.get("sections"), "sections go in the body, under '## Heading {#key}' lines", "sections")
    sections, section_lines = body_sections(lines[end + 1 :], first_line=end + 2, kind=front.get("kind"))
    preamble = sections.pop("", None)
    if preamble and preamble["text"]:
        # Text before the first heading is the summary, unless the front matter has one.
        if front.get("summary"):
            raise MarkdownError(end + 2, "text before the first '## Heading' line: the summary is already in the front matter")
        front["summary"] = preamble["text"]
    data: dict[str, Any] = {**front, "sections": list(sections.values())}
    try:
        return record_from_fields(data)
    except RecordError as error:
        line = field_lines.get(error.field.split(".")[0]) or section_lines.get(error.field)
        raise MarkdownError(line, error.message, error.field) from None


def body_sections(lines: list[str], *, first_line: int, kind: Any) -> tuple[dict[str, dict], dict[str, int]]:
    sections: dict[str, dict] = {}
    section_lines: dict[str, int] = {}
    key, heading, buffer = "", "", []

    def flush() -> None:
        text = "\n".join(buffer).strip()
        if text or key:
            sections[key] = {"key": key, "heading": heading, "text": text}

    in_fence = False
    for number, line in enumerate(lines, start=first_line):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            heading = match["heading"]
            key = match["key"] or _key_for_heading(heading, kind)
            if key in sections:  # the previous sections are all flushed by now
                raise MarkdownError(number, f"section {{#{key}}} appears twice", key)
            section_lines[key] = number
            buffer = []
        else:
            buffer.append(line)
    flush()
    return sections, section_lines


def _key_for_heading(heading: str, kind: Any) -> str:
    if kind == "practice":
        return _ENGLISH_HEADINGS.get(heading.strip().lower(), slugify(heading))
    return slugify(heading)


def render_markdown_record(record: LibraryRecord) -> str:
    """The file a record is exported to; parse_markdown_record reads it back unchanged."""
    data = record.to_fields()
    sections = data.pop("sections")
    front = yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)
    parts = ["---", front.rstrip("\n"), "---", ""]
    for section in sections:
        parts += [f"## {section['heading']} {{#{section['key']}}}", "", section["text"], ""]
    return "\n".join(parts)
