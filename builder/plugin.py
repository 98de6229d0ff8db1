"""The MkDocs adapter: the only module that imports MkDocs.

Each hook hands over to the engine-free pipeline in a few lines: stories and campaigns enter
the build as generated files (never copied into `site_src/`), their HTML is made by
`builder.pages`, and the finished site is swapped into place only if the build succeeded.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import images, output, shell
from .pages import GeneratedPage, Kind
from .pipeline import Build, ContentError, build_summary, image_settings, prepare, record_urls
from .progress import Progress
from .publish import build_clock
from .settings import DEFAULT_REGIONS, DEFAULT_TAGS, Settings, from_options

log = logging.getLogger("mkdocs.plugins.stories")


class _PluginConfig(base.Config):
    tags = c.ListOfItems(c.Type(str), default=list(DEFAULT_TAGS))
    regions = c.ListOfItems(c.Type(str), default=list(DEFAULT_REGIONS))
    timezone = c.Type(str, default="Europe/London")
    per_page = c.Type(int, default=20)
    feed_items = c.Type(int, default=30)
    max_megapixels = c.Type(int, default=40)
    preview = c.Type(bool, default=False)


def _nav_files(nav) -> list[str]:
    """The files named in mkdocs.yml's `nav`, at any depth."""
    found = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found += _nav_files(value)
        elif isinstance(value, str):
            found.append(value)
    return found


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
        self.settings: Settings | None = None
        self.themed: dict[str, GeneratedPage] = {}  # pages in the navigation: the theme renders each
        self.bulk: list[GeneratedPage] = []  # every other generated page: written through a shell
        self.shells: dict[int, str] = {}
        self.sitemap: list[tuple[str, str]] = []
        self.site_head = ""
        self.started = 0.0
        self.final_dir: Path | None = None
        self.staging: Path | None = None
        self.preview_mode = False
        self.theme_only = False  # set by `render_theme`: the theme's pages for the preview, no content
        self.theme_pages: dict[str, str] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        settings = self.settings = from_options(
            Path(config.config_file_path).parent, config.site_name, config.site_url or "", dict(self.config)
        )
        preview = self.preview_mode = self.config.preview or self.serving or os.environ.get("STORIES_PREVIEW") == "1"
        self.started = time.perf_counter()
        now = build_clock()
        os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
        in_nav = set(_nav_files(config.nav or []))
        self.image_settings = image_settings(settings)
        self.shells, self.sitemap = {}, []
        if self.theme_only:
            return self._theme_config(config, in_nav)
        try:
            self.build = prepare(settings, now, preview=preview)
        except ContentError as exc:
            raise PluginError(str(exc)) from None
        for line in self.build.report:
            log.info(line)
        self.themed = {p.src_uri: p for p in self.build.pages if p.src_uri in in_nav}
        self.bulk = [p for p in self.build.pages if p.src_uri not in in_nav]
        self.site_head = "\n".join(shell.feed_links_html(self.build.pages[0].feeds, settings))
        self.final_dir = Path(config.site_dir)
        self.staging = output.staging_dir(self.final_dir)
        config.site_dir = str(self.staging)
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        self.warnings.count = 0
        logging.getLogger("mkdocs").addHandler(self.warnings)
        return config

    def _theme_config(self, config: MkDocsConfig, in_nav: set[str]) -> MkDocsConfig:
        """Theme-only: each generated page of the navigation and one shell per depth, all markers."""
        docs = Path(config.docs_dir)
        marker = GeneratedPage("", Kind.HOME, shell.TITLE, shell.CONTENT)
        self.themed = {uri: marker for uri in in_nav if not (docs / uri).exists()}
        self.bulk = [GeneratedPage("x/" * level, Kind.STORY, shell.TITLE, "") for level in range(1, THEME_DEPTHS + 1)]
        self.final_dir = Path(config.site_dir)
        self.staging = output.staging_dir(self.final_dir)
        config.site_dir = str(self.staging)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.build is not None or self.theme_only
        for file in list(files):
            source = Path(file.abs_src_path or "")
            if source.suffix.lower() in images.STATIC_SUFFIXES and source.is_relative_to(config.docs_dir):
                try:
                    clean = images.sanitize_static(source.read_bytes(), source.suffix, self.image_settings)
                except images.Unusable as exc:
                    raise PluginError(f"{config.docs_dir}/{file.src_uri}: {exc}") from None
                files.remove(file)
                files.append(File.generated(config, file.src_uri, content=clean))
        for src_uri in self.themed:
            files.append(File.generated(config, src_uri, content=""))
        for level in sorted({shell.depth(p.url) for p in self.bulk}):
            uri = shell.shell_url(level) + "index.md"
            files.append(File.generated(config, uri, content="", inclusion=InclusionLevel.NOT_IN_NAV))
        for static in self.build.files if self.build else ():
            if static.content is not None:
                files.append(File.generated(config, static.url, content=static.content))
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.settings is not None
        uri = page.file.src_uri
        if uri.startswith(shell.SHELLS):
            page.meta.update(title=shell.TITLE, description=shell.DESCRIPTION, head_extra=shell.HEAD)
            return ""
        generated = self.themed.get(uri)
        if generated is None:
            page.meta["head_extra"] = self.site_head
            return markdown
        if self.theme_only:
            page.meta.update(title=shell.TITLE, description=shell.DESCRIPTION, head_extra=shell.HEAD)
            return ""
        page.meta.update(title=generated.title, description=generated.description,
                         head_extra=shell.head_html(generated, self.settings))  # fmt: skip
        return ""

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri.startswith(shell.SHELLS):
            return shell.CONTENT
        generated = self.themed.get(page.file.src_uri)
        if generated and self.theme_only:
            return shell.CONTENT
        return generated.html if generated else html

    def on_post_page(self, output_html: str, *, page: Page, config: MkDocsConfig) -> str:
        uri = page.file.src_uri
        if uri.startswith(shell.SHELLS):
            self.shells[shell.depth(page.url)] = output_html
            return output_html
        generated = self.themed.get(uri)
        if self.theme_only and generated:
            self.theme_pages[page.url] = output_html
            return output_html
        self.sitemap.append((page.canonical_url, generated.updated if generated else ""))
        if generated is None:
            return output_html
        return shell.localize_document(output_html, generated.lang, generated.direction, config.theme["language"])

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.staging and self.final_dir
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        if self.theme_only:
            self.theme_pages.update((shell.SHELLS + str(level), html) for level, html in self.shells.items())
            quiet_alternate_prefetch(self.staging)
            output.swap_into_place(self.staging, self.final_dir)
        elif config.strict and self.warnings.count:
            output.discard(self.staging)
            log.error("strict mode: %d warnings, the previous site is left in place", self.warnings.count)
        else:
            self.write_bulk_pages(config)
            quiet_alternate_prefetch(self.staging)
            output.swap_into_place(self.staging, self.final_dir)
            if not self.preview_mode:
                record_urls(self.build, self.settings)
            log.info(build_summary(self.build, time.perf_counter() - self.started))
        config.site_dir = str(self.final_dir)

    def write_bulk_pages(self, config: MkDocsConfig) -> None:
        """Write the pages outside the navigation through the shells, then the sitemap."""
        assert self.settings and self.staging
        progress = Progress("pages", len(self.bulk), minimum=500)
        contents = ((page, page.html) for page in self.bulk)
        shell.write_pages(self.staging, contents, self.shells, self.settings, config.theme["language"], progress)
        output.discard(self.staging / shell.SHELLS)
        output.link_files(self.staging, [(f.url, f.source) for f in self.build.files if f.source is not None])
        self.sitemap += [(self.settings.absolute(p.url), p.updated) for p in self.bulk if not p.robots]
        xml, compressed = shell.sitemap(self.sitemap)
        (self.staging / "sitemap.xml").write_bytes(xml)
        (self.staging / "sitemap.xml.gz").write_bytes(compressed)

    def on_build_error(self, *, error: Exception) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        if self.staging:
            output.discard(self.staging)


    def on_serve(self, server, *, config: MkDocsConfig, builder):
        root = Path(config.config_file_path).parent
        for folder in ("stories", "campaigns"):
            server.watch(str(root / folder))
        return server


THEME_DEPTHS = 8  # deeper than any generated page: "tags/x/page/2/" is 4


def render_theme(config_file: Path, site_dir: Path) -> tuple[dict[str, str], str]:
    """The theme around the content, for `builder.preview`, which renders content itself.

    Builds the site with no stories, campaigns or profiles into `site_dir` (assets and the
    pages of `site_src/`), and returns, with the theme's language, each themed page as HTML
    with the `shell` markers in place of its own title, head and content: the generated pages
    of the navigation keyed by URL ("", "stories/", ...) and one shell per depth keyed
    "_shells/<depth>". Any error (a bad mkdocs.yml, a broken template) is raised as it comes.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(config_file), site_dir=str(site_dir), strict=False)
    plugin = config.plugins["stories"]
    plugin.theme_only, plugin.theme_pages = True, {}
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
        plugin.theme_only = False  # MkDocs keeps one plugin instance per process for every later build
    return plugin.theme_pages, config.theme["language"]
