"""The MkDocs adapter: the only module that imports MkDocs.

Each hook hands over to the engine-free pipeline in a few lines: stories and campaigns enter
the build as generated files (never copied into `site_src/`), their HTML is made by
`builder.pages`, and the finished site is swapped into place only if the build succeeded.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import output, search
from .pages import GeneratedPage, text_direction
from .pipeline import Build, ContentError, build_summary, prepare
from .progress import Progress
from .publish import build_clock
from .settings import DEFAULT_REGIONS, DEFAULT_TAGS, from_options

log = logging.getLogger("mkdocs.plugins.stories")


class _PluginConfig(base.Config):
    tags = c.ListOfItems(c.Type(str), default=list(DEFAULT_TAGS))
    regions = c.ListOfItems(c.Type(str), default=list(DEFAULT_REGIONS))
    timezone = c.Type(str, default="Europe/London")
    per_page = c.Type(int, default=20)
    feed_items = c.Type(int, default=30)
    preview = c.Type(bool, default=False)


_CHROME = re.compile(r'<(header|nav|footer|div)\b(?=[^>]*(?:"md-header"|"md-tabs"|"md-footer[ "]|md-sidebar--primary"|'
                     r'md-sidebar--secondary"|data-md-component="skip"))')


def localize_document(html: str, lang: str, direction: str, site_lang: str) -> str:
    """Set the document's language and direction, which the theme fixes site-wide.

    The theme's own header, navigation and footer stay in the site's language, and say so,
    so that a screen reader reads "Home" in English on a page in Arabic.
    """
    html = re.sub(r'<html lang="[^"]*"', f'<html lang="{lang}" dir="{direction}"', html, count=1)
    html = re.sub(r'<body dir="[^"]*"', f'<body dir="{direction}"', html, count=1)
    if lang != site_lang:
        site_dir = text_direction(site_lang)
        html = _CHROME.sub(rf'<\1 lang="{site_lang}" dir="{site_dir}"', html)
    return html


class _WarningCounter(logging.Handler):
    """Counts warnings as MkDocs' strict mode does, which only aborts after `on_post_build`."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


_ALTERNATE_PREFETCH = ('M("link[rel=alternate]")', 'M("link[rel=alternate][hreflang]")')


def quiet_alternate_prefetch(site_dir: Path) -> None:
    """Stop Material fetching `sitemap.xml` beside every `<link rel="alternate">`.

    Material does that to map pages between language versions, which only ever carry
    `hreflang`; for our feed links it would request `/feeds/sitemap.xml` and the like from
    `site_url` on every page view: wasted bytes for readers, and a third-party request
    wherever the site is not served from `site_url`. Material 9.8 is frozen (end of life), so
    the one expression patched here will not move; if it is not found, the build says so.
    """
    bundles = list((site_dir / "assets" / "javascripts").glob("bundle.*.min.js"))
    for bundle in bundles:
        text = bundle.read_text(encoding="utf-8")
        if _ALTERNATE_PREFETCH[0] not in text:
            raise PluginError(f"{bundle.name}: Material's alternate-link prefetch not found; review quiet_alternate_prefetch")
        bundle.write_text(text.replace(*_ALTERNATE_PREFETCH), encoding="utf-8")


class StoriesPlugin(BasePlugin[_PluginConfig]):
    def __init__(self) -> None:
        self.warnings = _WarningCounter()
        self.serving = False
        self.build: Build | None = None
        self.pages: dict[str, GeneratedPage] = {}
        self.site_feeds: tuple = ()
        self.started = 0.0
        self.rendered = 0
        self.progress = Progress("pages", 0)
        self.final_dir: Path | None = None
        self.staging: Path | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        settings = from_options(Path(config.config_file_path).parent, config.site_name, config.site_url or "", dict(self.config))
        preview = self.config.preview or self.serving or os.environ.get("STORIES_PREVIEW") == "1"
        self.started = time.perf_counter()
        now = build_clock()
        os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
        try:
            self.build = prepare(settings, now, preview=preview)
        except ContentError as exc:
            raise PluginError(str(exc)) from None
        for line in self.build.report:
            log.info(line)
        self.rendered = 0
        self.progress = Progress("pages", len(self.build.pages), minimum=500)
        self.pages = {p.src_uri: p for p in self.build.pages}
        self.site_feeds = self.pages["index.md"].feeds
        self.final_dir = Path(config.site_dir)
        self.staging = output.staging_dir(self.final_dir)
        config.site_dir = str(self.staging)
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        self.warnings.count = 0
        logging.getLogger("mkdocs").addHandler(self.warnings)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.build is not None
        for page in self.build.pages:
            files.append(File.generated(config, page.src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV))
        for static in self.build.files:
            source = str(static.source) if static.source else None
            files.append(File.generated(config, static.url, content=static.content, abs_src_path=source))
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            page.meta["feeds"] = self.site_feeds
            return markdown
        page.meta["feeds"] = generated.feeds
        page.meta.update(title=generated.title, description=generated.description, stories=generated)
        if generated.robots:
            page.meta["search"] = {"exclude": True}
        return ""

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            return html
        return search.searchable(generated.html) if generated.searchable else generated.html

    def on_post_page(self, output_html: str, *, page: Page, config: MkDocsConfig) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            return output_html
        self.rendered += 1
        self.progress(self.rendered)
        return localize_document(output_html, generated.lang, generated.direction, config.theme["language"])

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.staging and self.final_dir
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        if config.strict and self.warnings.count:
            output.discard(self.staging)
            log.error("strict mode: %d warnings, the previous site is left in place", self.warnings.count)
        else:
            quiet_alternate_prefetch(self.staging)
            try:
                report = search.index_site(self.staging)
            except search.SearchError as exc:
                raise PluginError(str(exc)) from None
            log.info("search: %d pages indexed, %d files, %d KB", report.pages, report.files, report.bytes // 1024)
            output.swap_into_place(self.staging, self.final_dir)
            log.info(build_summary(self.build, time.perf_counter() - self.started))
        config.site_dir = str(self.final_dir)

    def on_build_error(self, *, error: Exception) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        if self.staging:
            output.discard(self.staging)

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        root = Path(config.config_file_path).parent
        for folder in ("stories", "campaigns"):
            server.watch(str(root / folder))
        return server
