"""Writing thousands of pages through one themed page per folder depth.

The theme renders its full page (header, navigation, footer) in milliseconds, which at ten
thousand stories is most of a build. Yet every story, profile and index page that is not in the
site navigation gets the same theme markup, apart from relative links, which depend only on how
deep the page sits. So the theme renders one *shell* per depth, with markers where the page's
own title, description, address, head tags and content go, and each page is the shell with its
markers filled: work done once and shared.
"""

from __future__ import annotations

import gzip
import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from .feeds import FeedLink
from .output import write_unless_unchanged
from .pages import GeneratedPage, text_direction
from .settings import Settings

TITLE = "@@stories:title@@"
DESCRIPTION = "@@stories:description@@"
HEAD = "@@stories:head@@"
CONTENT = "<!-- @@stories:content@@ brings its own <h1> -->"  # the theme adds an h1 where it sees none
SHELLS = "_shells/"


def depth(url: str) -> int:
    return url.count("/")


def shell_url(level: int) -> str:
    """A URL at the given depth, under a folder that is removed once the pages are written."""
    return SHELLS + "s/" * (level - 1)


def feed_links_html(feeds: Iterable[FeedLink], settings: Settings) -> list[str]:
    """`<link rel="alternate">` for each feed, so browsers and feed readers find them."""
    esc = html.escape
    return [
        f'<link rel="alternate" type="{f.mime}" title="{esc(f.title)}" href="{esc(settings.absolute(f.url))}">'
        for f in feeds
    ]


def head_html(page: GeneratedPage, settings: Settings) -> str:
    """What a page adds to <head>: feed links, robots, and social preview tags."""
    esc = html.escape
    parts = feed_links_html(page.feeds, settings)
    if page.robots:
        parts.append(f'<meta name="robots" content="{page.robots}">')
        return "\n".join(parts)
    url = settings.absolute(page.url)
    parts += [
        f'<meta property="og:type" content="{"article" if page.kind == "story" else "website"}">',
        f'<meta property="og:site_name" content="{esc(settings.site_name)}">',
        f'<meta property="og:title" content="{esc(page.title)}">',
        f'<meta property="og:description" content="{esc(page.description)}">',
        f'<meta property="og:url" content="{esc(url)}">',
    ]
    if page.card:
        parts += [
            f'<meta property="og:image" content="{esc(settings.absolute(page.card.url))}">',
            f'<meta property="og:image:type" content="{page.card.mime}">',
            f'<meta property="og:image:width" content="{page.card.width}">',
            f'<meta property="og:image:height" content="{page.card.height}">',
            f'<meta property="og:image:alt" content="{esc(page.card_alt)}">',
            '<meta name="twitter:card" content="summary_large_image">',
        ]
    else:
        parts.append('<meta name="twitter:card" content="summary">')
    return "\n".join(parts)


_CHROME = re.compile(r'<(header|nav|footer|div)\b(?=[^>]*(?:"md-header"|"md-tabs"|"md-footer[ "]|'
                     r'md-sidebar--primary"|md-sidebar--secondary"|data-md-component="skip"))')  # fmt: skip


def localize_document(document: str, lang: str, direction: str, site_lang: str) -> str:
    """Set the document's language and direction, which the theme fixes site-wide.

    The theme's own header, navigation and footer stay in the site's language, and say so,
    so that a screen reader reads "Home" in English on a page in Arabic.
    """
    document = re.sub(r'<html lang="[^"]*"', f'<html lang="{lang}" dir="{direction}"', document, count=1)
    document = re.sub(r'<body dir="[^"]*"', f'<body dir="{direction}"', document, count=1)
    if lang != site_lang:
        document = _CHROME.sub(rf'<\1 lang="{site_lang}" dir="{text_direction(site_lang)}"', document)
        document = document.replace('<div class="md-header__topic" data-md-component="header-topic">',
                                    f'<div class="md-header__topic" data-md-component="header-topic" lang="{lang}" dir="{direction}">')
    return document


def fill(shell: str, shell_canonical: str, page: GeneratedPage, content: str, settings: Settings, site_lang: str) -> str:
    """The shell with its markers replaced in one pass over the shell alone.

    Replacing one marker after another would scan text already put in: a title that says
    `@@stories:head@@` would have the head tags written into `<title>`. A single pass never
    looks at what it inserted.
    """
    values = {
        TITLE: html.escape(page.title, quote=False),
        DESCRIPTION: html.escape(page.description),
        shell_canonical: settings.absolute(page.url),
        HEAD: head_html(page, settings),
        CONTENT: content,
    }
    pattern = _markers(shell_canonical)
    document = pattern.sub(lambda match: values[match[0]], shell)
    return localize_document(document, page.lang, page.direction, site_lang)


@lru_cache(maxsize=64)
def _markers(shell_canonical: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(m) for m in (TITLE, DESCRIPTION, HEAD, CONTENT, shell_canonical)))


def write_pages(
    site_dir: Path,
    pages: Iterable[tuple[GeneratedPage, str]],
    shells: dict[int, str],
    settings: Settings,
    site_lang: str,
    progress: Callable[[int], None] = lambda done: None,
    previous_site: Path | None = None,
) -> int:
    """Write each (page, content) through the shell of its depth; return how many there were.

    A page whose bytes are those of the previous build's is linked from it, not rewritten."""
    canonical = {level: settings.absolute(shell_url(level)) for level in shells}
    count = 0
    for page, content in pages:
        level = depth(page.url)
        target = site_dir / page.url / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        data = fill(shells[level], canonical[level], page, content, settings, site_lang).encode("utf-8")
        write_unless_unchanged(target, data, previous_site / page.url / "index.html" if previous_site else None)
        count += 1
        progress(count)
    return count


def sitemap(urls: Iterable[tuple[str, str]]) -> tuple[bytes, bytes]:
    """sitemap.xml and its gzip, from (absolute URL, lastmod or "") pairs: same input, same bytes."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in sorted(set(urls)):
        modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{html.escape(url)}</loc>{modified}</url>")
    lines.append("</urlset>\n")
    xml = "\n".join(lines).encode("utf-8")
    return xml, gzip.compress(xml, compresslevel=9, mtime=0)
