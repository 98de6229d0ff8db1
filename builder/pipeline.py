"""The build, as one readable pipeline: load, check, decide, render.

Engine-free: the MkDocs adapter (`builder.plugin`) calls `prepare` and hands the result to
the theme; tests and benchmarks call it directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .loader import load_content
from .models import Problem
from .pages import GeneratedPage, generate_pages
from .publish import Publication, publish
from .render import render_bodies, render_body
from .settings import Settings


class ContentError(Exception):
    """The content has problems; nothing may be published."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the content:\n{lines}")


@dataclass(frozen=True)
class StaticFile:
    """A non-page output: bytes to write, or a file to copy (an image derivative in the cache)."""

    url: str
    content: bytes | None = None
    source: Path | None = None


@dataclass(frozen=True)
class Build:
    publication: Publication
    pages: tuple[GeneratedPage, ...]
    files: tuple[StaticFile, ...] = ()
    report: tuple[str, ...] = field(default=())


def publication_report(pub: Publication) -> tuple[str, ...]:
    lines = [str(h) for h in pub.held]
    feed_items = sum(1 for s in pub.stories if pub.in_feeds(s))
    lines.append(
        f"published: {len(pub.stories)} stories, {len(pub.ambassadors)} profiles, "
        f"{len(pub.campaigns)} campaigns, {feed_items} stories in feeds"
    )
    return tuple(lines)


def check(settings: Settings, now: datetime) -> tuple[list[Problem], Publication | None]:
    content, problems = load_content(settings)
    return problems, (None if problems else publish(content, now))


def prepare(settings: Settings, now: datetime, preview: bool = False) -> Build:
    """Everything the site will contain; raises ContentError before anything is written."""
    content, problems = load_content(settings)
    if problems:
        raise ContentError(problems)
    pub = publish(content, now, preview=preview)
    bodies = dict(zip((s.id for s in pub.stories), render_bodies((s.body for s in pub.stories), os.cpu_count() or 1)))
    pages = generate_pages(pub, settings, bodies, render_body)
    return Build(publication=pub, pages=tuple(pages), report=publication_report(pub))
