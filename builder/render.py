"""Markdown bodies to safe HTML.

Story bodies come from many hands. Raw HTML is allowed only as far as a strict allow-list
lets it through (nh3, the Rust `ammonia` sanitizer): no scripts, event handlers, frames, styles
or `javascript:`/`data:` URLs ever reach a page or a feed.
"""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from typing import Iterable

import markdown
import nh3

EXTENSIONS = ("extra", "sane_lists", "smarty")
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "lang", "dir", "title"},
    "a": {"href", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
    "sup": {"id"},
    "li": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_H1 = re.compile(r"^#\s", re.M)


def body_headings_problem(body: str) -> int | None:
    """The 0-based line of a level-1 heading in a body, which would give a page two h1s."""
    fence = False
    for number, line in enumerate(body.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and _H1.match(line):
            return number
    return None


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_body(text: str) -> str:
    return sanitize(markdown.markdown(text, extensions=list(EXTENSIONS), output_format="html"))


def render_bodies(texts: Iterable[str], workers: int = 1) -> list[str]:
    """Render many bodies, across processes when there are enough to pay for starting them."""
    texts = list(texts)
    if workers <= 1 or len(texts) < 200:
        return [render_body(t) for t in texts]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(render_body, texts, chunksize=64))
