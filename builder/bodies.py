"""Checks on a body's Markdown that must name a line: what the sanitizer would only quietly drop.

The sanitizer removes a picture whose address leaves the site, so no reader ever loads it. But
a comms officer who pasted `![](https://…)` should hear why their picture is missing, at its
line, before the pull request is merged, and learn what to do instead.

This module does not import MkDocs.
"""

from __future__ import annotations

import html
import re
from typing import Iterator, NamedTuple

from .render import REMOTE

_INLINE = re.compile(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?\s*([^\s)>]+)")
_REF_USE = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\](?:\[([^\]]*)\])?")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?\s*(\S+?)>?(?:\s|$)")
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?\s*([^\"'\s>]+)", re.I)


class Finding(NamedTuple):
    line: int  # 0-based, in the body
    url: str


def is_remote(url: str) -> bool:
    return bool(REMOTE.match(html.unescape(url)))


def pictures(body: str) -> Iterator[Finding]:
    """Every picture in `body`, wherever its address points: inline, by reference, or HTML."""
    if "![" not in body and "<img" not in body.lower():
        return
    lines = body.splitlines()
    definitions: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines):
        match = _REF_DEF.match(line)
        if match:
            definitions.setdefault(" ".join(match[1].lower().split()), (number, match[2]))
    for number, line in enumerate(lines):
        for match in _INLINE.finditer(line):
            yield Finding(number, match[1])
        for match in _HTML_IMG.finditer(line):
            yield Finding(number, match[1])
        for match in _REF_USE.finditer(line):
            if line[match.end() : match.end() + 1] == "(":
                continue  # an inline image, seen above
            label = " ".join((match[2] or match[1]).lower().split())
            where, url = definitions.get(label, (number, ""))
            if url:
                yield Finding(where, url)  # the line to change is the one with the address


def remote_images(body: str) -> Iterator[Finding]:
    """Every picture in `body` whose address is on another site."""
    return (found for found in pictures(body) if is_remote(found.url))
