"""Markdown bodies to safe HTML.

Story bodies come from many hands. Raw HTML is allowed only as far as a strict allow-list
lets it through (nh3, the Rust `ammonia` sanitizer): no scripts, event handlers, frames, styles
or `javascript:`/`data:` URLs ever reach a page or a feed.

Tags are not the whole danger: the theme's own script reads the page. Material takes its
configuration from the first element with `id="__config"` and finds its components by id, so
an author's id could switch on features that render `title` attributes as HTML or fetch files
from another host (DOM clobbering). So, as GitHub does, every id an author writes is prefixed
(`user-content-`) and in-page links follow it; `title` is dropped (only `abbr` keeps it, as
inert text); and a picture must come from the site itself: a remote `src` is a tracking pixel
on a refugee's story, loaded by every reader and every feed reader.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Sequence

import markdown
import nh3

from .output import write_atomic
from .workers import Workers

EXTENSIONS = ("extra", "sane_lists", "smarty")
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "lang", "dir"},
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
ID_PREFIX = "user-content-"
REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)
"""A URL that leaves the site: any scheme, protocol-relative, or a Windows share."""

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


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's last word on each allowed attribute: prefix ids, follow them, refuse remote pictures."""
    if name == "id":
        return ID_PREFIX + value.removeprefix(ID_PREFIX)
    if name == "href" and value.startswith("#") and len(value) > 1:
        return "#" + ID_PREFIX + value[1:].removeprefix(ID_PREFIX)
    if tag == "img" and name == "src" and REMOTE.match(value):
        return None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_converter: markdown.Markdown | None = None
PARALLEL_FROM = 200
"""Fewer bodies than this are rendered in this process: sending them costs more than it saves."""
RENDER_VERSION = "2"  # change when the extensions or the allow-list change: it invalidates the cache


def render_body(text: str) -> str:
    """One body to sanitized HTML, with a converter built once per process."""
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    return sanitize(_converter.reset().convert(text))


def _cache_key(text: str) -> str:
    return hashlib.sha256(f"{RENDER_VERSION}\0{markdown.__version__}\0{text}".encode()).hexdigest()[:32]


def render_bodies(texts: Sequence[str], cache_dir: Path | None = None, workers: Workers | None = None) -> list[str]:
    """Render many bodies: from the cache where the text is unchanged, the rest across processes.

    The cache holds HTML keyed by the text, so it holds nothing that is not derived from a file
    in the repository; entries no longer used by this build are removed with it, so a withdrawn
    story's text does not linger.
    """
    keys = [_cache_key(t) for t in texts]
    cached: dict[str, str] = {}
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for key in set(keys):
            path = cache_dir / f"{key}.html"
            if path.is_file():
                cached[key] = path.read_text(encoding="utf-8")
    todo = {k: t for k, t in zip(keys, texts) if k not in cached}
    if workers is None:
        fresh = [render_body(t) for t in todo.values()]
    else:
        fresh = list(workers.map(render_body, todo.values(), minimum=PARALLEL_FROM, chunksize=32))
    cached.update(zip(todo, fresh))
    if cache_dir is not None:
        for key, html in zip(todo, fresh):
            write_atomic(cache_dir / f"{key}.html", html.encode("utf-8"))
        keep = {f"{k}.html" for k in keys}
        for path in cache_dir.glob("*.html"):
            if path.name not in keep:
                path.unlink()
    return [cached[k] for k in keys]
