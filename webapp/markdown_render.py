"""Markdown written by people, turned into HTML that is safe to put on a page.

Two layers: markdown-it-py with raw HTML disabled (so `<script>` in a record comes out as
text), then nh3 (the Rust ammonia sanitiser) with a short allow-list, so nothing the
parser lets through can carry a script, a style or an event handler either. Links may
only use http, https and mailto and get rel="noopener noreferrer nofollow".
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # commonmark with raw HTML off; tables on (practices report results in tables).
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _demote_headings(html: str) -> str:
    """Headings inside a section sit under the page's h1 and the section's h2: at most h3."""
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return html


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Markdown -> sanitised HTML, ready for a template (marked safe only after nh3)."""
    if not text:
        return Markup("")
    html = _demote_headings(_parser().render(text))
    return Markup(sanitise_html(html))


def safe_snippet(snippet: str | None) -> Markup:
    """A search snippet: its text stays text, only <mark> highlights survive."""
    if not snippet:
        return Markup("")
    return Markup(nh3.clean(snippet, tags={"mark"}, attributes={}, strip_comments=True))
