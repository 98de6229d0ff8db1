"""Links in story bodies that lead nowhere, found before readers find them.

A link to another page of the site is checked against the pages the build will make, and a
`#anchor` against the ids in the rendered, sanitized HTML of the page it points into (whatever
the Markdown engine and the sanitizer make of headings: `user-content-` prefixes included), so
that what is checked is what readers get. Links out of the site are not fetched.

A published story is checked against the published site; a draft or scheduled story against
the site as the preview shows it, so that a draft may link to another draft.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from .models import Problem, Story
from .settings import Settings

_INLINE = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")  # a link; not a picture ![..](..)
_REFERENCE = re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")  # not a footnote: [^1]: text
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["']""", re.I)
_CODE_SPAN = re.compile(r"(`+).+?\1")
_ID = re.compile(r"""\sid\s*=\s*["']([^"']+)["']""")
ID_PREFIX = "user-content-"  # the sanitizer's prefix for every author-written id


def body_links(body: str) -> list[tuple[int, str]]:
    """(0-based line in the body, URL) of every link written in Markdown or HTML, outside code."""
    found: list[tuple[int, str]] = []
    if "](" not in body and "]:" not in body and "href" not in body.lower():
        return found
    fence = None
    for number, line in enumerate(body.split("\n")):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if "](" not in line and "]:" not in line and "href" not in line.lower():
            continue  # most lines have no link: the patterns are not worth running on them
        text = _CODE_SPAN.sub("", line)
        for pattern in (_INLINE, _REFERENCE, _HREF):
            found += [(number, match) for match in pattern.findall(text)]
    return found


def page_ids(html: str) -> set[str]:
    return set(_ID.findall(html))


def _has_anchor(ids: set[str], anchor: str) -> bool:
    return anchor in ids or ID_PREFIX + anchor in ids or anchor.removeprefix(ID_PREFIX) in ids


def target(url: str, page_url: str, settings: Settings) -> tuple[str, str] | None:
    """(site-relative path, anchor) a link leads to, or None for a link out of the site."""
    base = settings.site_url.rstrip("/") + "/"
    if url.startswith(base):
        url = "/" + url[len(base):]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path, anchor = unquote(parts.path), unquote(parts.fragment)
    if not path:
        return page_url, anchor
    site_path = urlsplit(base).path  # a site served under /stories/ has links starting /stories/
    if path.startswith("/"):
        resolved = path[len(site_path):] if path.startswith(site_path) else path.lstrip("/")
    else:
        resolved = posixpath.normpath(posixpath.join("/" + page_url, path)).lstrip("/")
        if resolved == ".":
            resolved = ""
        if path.endswith("/") and resolved:
            resolved += "/"
    return resolved, anchor


def link_problems(
    stories: Iterable[Story],
    body_line: Callable[[Story], int],
    urls: Callable[[Story], set[str]],
    settings: Settings,
    story_html: Callable[[Story], str],
    by_url: Mapping[str, Story],
) -> list[Problem]:
    """A problem at its line for each body link to a page or an anchor that does not exist.

    `urls(story)`: the addresses that exist for that story's readers; `story_html(story)`: its
    body as readers get it; `by_url`: stories by address, to check anchors into them.
    """
    problems = []
    for story in stories:
        links = body_links(story.body)
        if not links:
            continue
        known = urls(story)
        for number, url in links:
            where = target(url, story.url, settings)
            if where is None:
                continue
            path, anchor = where
            line = body_line(story) + number
            if path.endswith(".md"):
                problems.append(Problem(story.path, line, f"the link {url!r} points to a file, not a page",
                                        "link to the page's address, e.g. ../other-story/ (without .md)"))  # fmt: skip
                continue
            page = path if path.endswith("/") or path == "" or path in known else path + "/"
            if page not in known and path not in known:
                problems.append(Problem(story.path, line, f"the link {url!r} leads to a page that does not exist",
                                        "check the address; a story's address is stories/<year>/<file name>/"))  # fmt: skip
                continue
            if anchor and page in by_url and not _has_anchor(page_ids(story_html(by_url[page])), anchor):
                problems.append(Problem(story.path, line, f"the link {url!r} leads to #{anchor}, which is not on that page",
                                        "link to a heading that exists; copy the link from the page's heading"))  # fmt: skip
    return problems
