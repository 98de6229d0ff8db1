"""Old addresses keep working: a story's `aliases`, redirect pages, and the URL manifest.

A story's address comes from its folder and file name, so renaming the file or moving it to
another year moves the page, and every link in a sent newsletter or a shared post would die.
A story lists its old addresses under `aliases`; the build writes a small page at each that
sends the reader on (meta refresh, no script: the Content-Security-Policy allows none) and
tells search engines the new address (`canonical`) and not to index the old one. A withdrawn
story's notice stands at its aliases as well as at its address.

After each build, `.cache/urls.json` records every address each story id has been published
at. When an id turns up at a new address with an old one missing from `aliases`, the check says
exactly which line to add, and the build refuses until it is there.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Iterable, Mapping

from .models import Problem, Story
from .output import write_atomic
from .settings import Settings

MANIFEST = Path(".cache") / "urls.json"
_ALIAS = re.compile(r"^(?:[a-z0-9][a-z0-9._-]*/)+$")


def normalise(value: str, settings: Settings) -> str | None:
    """An alias as a site-relative directory URL ("stories/2020/old-name/"), or None if it is not one.

    Accepts what people paste: the full address, a leading `/`, no trailing `/`.
    """
    text = value.strip()
    for prefix in (settings.site_url.rstrip("/") + "/", "https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            if prefix != settings.site_url.rstrip("/") + "/":
                return None  # an address on another site
            break
    text = text.split("#", 1)[0].split("?", 1)[0].lstrip("/")
    text = text.removesuffix("index.html")
    if text and not text.endswith("/"):
        text += "/"
    return text if _ALIAS.match(text) and ".." not in text.split("/") else None


def redirect_document(target_url: str, title: str, settings: Settings) -> bytes:
    """A page that sends the reader to `target_url`: no script, not indexed, canonical the target."""
    target = html.escape(settings.absolute(target_url))
    name = html.escape(title)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Moved: {name}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<link rel="canonical" href="{target}">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'</head>\n<body>\n<p>This story has moved to <a href="{target}">{name}</a>.</p>\n</body>\n</html>\n'
    ).encode("utf-8")


def redirect_files(stories: Iterable[Story], settings: Settings) -> list[tuple[str, bytes]]:
    """(`<alias>index.html`, page) for each alias of each published story."""
    return [(alias + "index.html", redirect_document(story.url, story.title, settings))
            for story in stories for alias in story.aliases]  # fmt: skip


# -- the URL manifest ------------------------------------------------------------------------------


_READ: dict[Path, tuple[tuple[int, int], dict[str, list[str]]]] = {}


def read_manifest(root: Path) -> dict[str, list[str]]:
    """Story id -> every address it was published at, from the last builds; {} if none yet.

    Kept while the file is unchanged: the preview checks addresses on every save.
    """
    path = root / MANIFEST
    try:
        info = path.stat()
    except OSError:
        return {}
    stamp = (info.st_mtime_ns, info.st_size)
    if path in _READ and _READ[path][0] == stamp:
        return _READ[path][1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = {str(k): [str(u) for u in v] for k, v in data.get("stories", {}).items()}
    except (OSError, ValueError, AttributeError):
        found = {}
    _READ[path] = (stamp, found)
    return found


def record(root: Path, stories: Iterable[Story]) -> None:
    """Add the addresses of the stories just published to the manifest (never removing any)."""
    known = read_manifest(root)
    for story in stories:
        urls = known.setdefault(story.id, [])
        for url in (story.url, *story.aliases):
            if url not in urls:
                urls.append(url)
    data = {"version": 1, "stories": {k: sorted(v) for k, v in sorted(known.items())}}
    write_atomic(root / MANIFEST, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def moved_problems(stories: Iterable[Story], manifest: Mapping[str, list[str]], line_of) -> list[Problem]:
    """A problem for each address a story was published at that neither is nor redirects to it now."""
    problems = []
    for story in stories:
        for old in manifest.get(story.id, ()):
            if old != story.url and old not in story.aliases:
                problems.append(Problem(
                    story.path, line_of(story), f"this story was published at {old} and has moved: old links would break",
                    f'add the line  aliases: ["{old}"]  (or add "{old}" to its list)',
                ))  # fmt: skip
    return problems
