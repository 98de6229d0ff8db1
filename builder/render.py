"""Markdown bodies to safe HTML.

Story, campaign and profile bodies are rendered by cmark-gfm (`cmarkgfm`), GitHub's own
CommonMark engine: what a comms officer sees in GitHub's preview of a file is what the site
publishes, it runs at C speed, and it is linear on any input (Python-Markdown is quadratic on a
body of 100,000 `[`). Pages in `site_src/` stay on MkDocs' own Markdown.

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
import html
import json
import re
import unicodedata
from importlib.metadata import version
from pathlib import Path
from typing import Sequence

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from .output import write_atomic
from .workers import Workers

EXTENSIONS = ("table", "strikethrough", "autolink")
"""GitHub's extensions, less `tagfilter` (which would show `<script>` as text: nh3 removes it) and
`tasklist` (checkboxes are form controls, which the allow-list drops)."""
OPTIONS = Options.CMARK_OPT_SMART | Options.CMARK_OPT_FOOTNOTES | Options.CMARK_OPT_UNSAFE
"""Smart punctuation (curly quotes, en/em dashes, ellipsis: the typography `smarty` gave), footnotes,
and raw HTML passed through to `sanitize()`, the one place that decides what HTML survives."""
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


_HEADING = re.compile(r"<h([2-6])>([^<]*(?:<(?!/?h[1-6][\s>])[^<]*)*)</h\1>")
"""A heading as cmark writes it; the inner part stops at the next `<h`, so unclosed raw `<h2>`s
cannot make the search quadratic."""
_TAG = re.compile(r"<[^>]*>")
_NOTE_REF = re.compile(r'<sup class="footnote-ref">.*?</sup>')
_FOOTNOTES = '<section class="footnotes" data-footnotes>'
_ATTRS = r"\{:?[ \t]*((?:[#.][\w-]+|[\w-]+=[^\s}]+)(?:[ \t]+(?:[#.][\w-]+|[\w-]+=[^\s}]+))*)[ \t]*\}"
_HEADING_ATTRS = re.compile(r"[ \t]*" + _ATTRS + "$")
_BLOCK_ATTRS = re.compile(r"\n" + _ATTRS.replace(":?", ":", 1) + "</p>")
_ELISION = re.compile("\u2018(?=[0-9]{2}(?:s|\\b))")
"""cmark opens a quote at `'90s`; `smarty` made it the apostrophe it is, as typesetters do."""


def slug(text: str) -> str:
    """A heading's plain text as GitHub makes its anchor: lowercase, punctuation and symbols
    dropped (letters, marks and digits of any script kept), each space a hyphen."""
    kept = (c for c in text.strip().lower() if c in " -_" or unicodedata.category(c)[0] in "LMN")
    return "".join(kept).replace(" ", "-")


def _heading_ids(body: str) -> str:
    """Give every h2-h6 a stable id from its text, `-1`, `-2` after repeats (as GitHub does);
    `sanitize()` adds the prefix that keeps them apart from the page's own ids."""
    used: set[str] = set()
    repeats: dict[str, int] = {}

    def one(match: re.Match[str]) -> str:
        level, inner = match.groups()
        attrs, named = _HEADING_ATTRS.search(inner), []
        if attrs:  # `## Title {: #name }` as Python-Markdown's attr_list took it: the id kept, the rest dropped
            inner = inner[: attrs.start()]
            named = [a[1:] for a in attrs.group(1).split() if a.startswith("#")]
        base = (slug(named[-1]) if named else "") or slug(
            html.unescape(_TAG.sub("", _NOTE_REF.sub("", inner)))
        ) or "section"
        anchor, count = base, repeats.get(base, 0)
        while anchor in used:  # also steps over a "name-1" that a heading of its own took
            count += 1
            anchor = f"{base}-{count}"
        repeats[base] = count
        used.add(anchor)
        return f'<h{level} id="{anchor}">{inner}</h{level}>'

    return _HEADING.sub(one, body)


def markdown_to_html(text: str) -> str:
    """One body to unsanitized HTML: cmark-gfm, then heading ids and the footnotes' rule."""
    out = cmarkgfm.markdown_to_html_with_extensions(text, OPTIONS, EXTENSIONS)
    if "<h" in out:
        out = _heading_ids(out)
    if "{:" in out:  # a paragraph's `{: .class }` line: its classes were always dropped by the sanitizer
        out = _BLOCK_ATTRS.sub("</p>", out)
    if "\u2018" in out:
        out = _ELISION.sub("\u2019", out)
    notes = out.rfind(_FOOTNOTES)
    if notes >= 0:  # cmark writes the notes last; a rule above them, as before (<section> is not allowed)
        tail = out[notes:].replace(_FOOTNOTES, '<div class="footnotes">\n<hr>', 1).replace("</section>", "</div>")
        out = out[:notes] + tail
    return out


PARALLEL_FROM = 3000
"""Fewer bodies than this are rendered in this process. cmark-gfm and nh3 take ~0.2 ms a body,
while starting two workers (a Python and the imports each) and sending the texts costs ~0.4 s
of CPU: the pool pays for itself in waiting time only from a few thousand bodies."""
ENGINE = f"cmarkgfm {version('cmarkgfm')}"
RENDER_VERSION = "3"  # change when the engine, its options or the allow-list change: it invalidates the cache
PACK = "bodies.json"
"""The cache of rendered bodies is one file: a file each cost ~1 ms to create on the build
machine's disk (1.0 of 8 s of CPU in a build from Markdown at 1,000 stories), one file ~40 ms."""


def render_body(text: str) -> str:
    """One body to sanitized HTML."""
    return sanitize(markdown_to_html(text))


def _cache_key(text: str) -> str:
    return hashlib.sha256(f"{RENDER_VERSION}\0{ENGINE}\0{text}".encode()).hexdigest()[:32]


def _read_pack(path: Path) -> dict[str, str]:
    """The kept bodies, or none if the pack is missing or not whole (then everything is rendered)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}
    return data


def render_bodies(texts: Sequence[str], cache_dir: Path | None = None, workers: Workers | None = None) -> list[str]:
    """Render many bodies: from the cache where the text is unchanged, the rest across processes.

    The cache holds HTML keyed by the text, so it holds nothing that is not derived from a file
    in the repository; entries no longer used by this build are removed with it, so a withdrawn
    story's text does not linger.
    """
    keys = [_cache_key(t) for t in texts]
    kept = _read_pack(cache_dir / PACK) if cache_dir is not None else {}
    cached = {k: kept[k] for k in keys if k in kept}
    todo = {k: t for k, t in zip(keys, texts) if k not in cached}
    if workers is None:
        fresh = [render_body(t) for t in todo.values()]
    else:
        fresh = list(workers.map(render_body, todo.values(), minimum=PARALLEL_FROM, chunksize=32))
    cached.update(zip(todo, fresh))
    if cache_dir is not None and (todo or len(cached) != len(kept)):
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_dir / PACK, json.dumps(cached, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        for path in cache_dir.glob("*.html"):  # a file per body, as builds before the pack kept them
            path.unlink()
    return [cached[k] for k in keys]
