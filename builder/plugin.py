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

from . import admin, assets, csp, output, shell
from .files import Refusal
from .images import Unusable
from .pages import GeneratedPage, Kind, template_bytecode
from .pipeline import Build, ContentError, build_summary, image_settings, prepare, record_urls
from .progress import Progress
from .publish import ClockError, build_clock
from .settings import DEFAULT_REGIONS, DEFAULT_TAGS, Settings, from_options
from .static import StaticSource, republish
from .static import scan as scan_static

log = logging.getLogger("mkdocs.plugins.stories")


class _PluginConfig(base.Config):
    tags = c.ListOfItems(c.Type(str), default=list(DEFAULT_TAGS))
    regions = c.ListOfItems(c.Type(str), default=list(DEFAULT_REGIONS))
    timezone = c.Type(str, default="Europe/London")
    per_page = c.Type(int, default=20)
    feed_items = c.Type(int, default=30)
    max_megapixels = c.Type(int, default=40)
    editor_repo = c.Type(str, default="")
    editor_auth_url = c.Type(str, default="")
    editor_port = c.Type(int, default=8081)
    preview = c.Type(bool, default=False)
    locale = c.Type(str, default="en-GB")


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
        self.script_hashes: set[str] = set()
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
            Path(config.config_file_path).parent, config.site_name, config.site_url or "", dict(self.config),
            docs_dir=config.docs_dir, theme_dir=config.theme.custom_dir,
        )
        asked = self.config.preview or os.environ.get("STORIES_PREVIEW") == "1"
        if asked and not (self.serving or self.theme_only):
            raise PluginError("preview mode (`preview: true` in mkdocs.yml or STORIES_PREVIEW=1) would publish drafts "
                              "and scheduled stories: it is for `python -m builder serve` only; remove it to build")
        preview = self.preview_mode = self.serving or self.theme_only
        self.started = time.perf_counter()
        try:
            now = build_clock()
        except ClockError as exc:
            raise PluginError(str(exc)) from None
        os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
        in_nav = set(_nav_files(config.nav or []))
        self.image_settings = image_settings(settings)
        self.shells, self.sitemap, self.script_hashes = {}, [], set()
        self.assets = self.site_assets(config)  # first: the editor's preview links the stylesheet
        if self.theme_only:
            return self._theme_config(config, in_nav)
        try:
            self.build = prepare(settings, now, preview=preview, stylesheet=self.assets["css"].url)
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

    def site_assets(self, config: MkDocsConfig) -> dict[str, assets.Asset]:
        """Our hashed stylesheet and scripts; templates link them through `config.extra`."""
        material = next(Path(d) for d in config.theme.dirs if (Path(d) / "assets" / "stylesheets").is_dir())
        palettes = config.theme["palette"] if isinstance(config.theme["palette"], list) else [config.theme["palette"]]
        found = assets.site_assets(material, Path(config.theme.custom_dir or config.docs_dir), palettes)
        config.extra["stories_assets"] = {key: asset.url for key, asset in found.items()}
        return found

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

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        env.bytecode_cache = template_bytecode()  # the theme's templates, compiled once per machine
        return env

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert (self.build is not None or self.theme_only) and self.settings is not None
        static = self.theme_static() if self.theme_only or self.build is None else self.build.static
        allowed = {s.path.relative_to(self.settings.docs_dir): s for s in static}
        for file in list(files):
            # Material's own CSS and JS are replaced by the hashed files below (see builder.assets).
            if file.src_uri.startswith(assets.REPLACED):
                files.remove(file)
        for asset in self.assets.values():
            files.append(File.generated(config, asset.url, content=asset.content))
        for file in list(files):
            clean = self.static_file(file, allowed, config)
            if clean is not None:
                files.remove(file)
                files.append(File.generated(config, file.src_uri, content=clean))
        for src_uri in self.themed:
            files.append(File.generated(config, src_uri, content=""))
        for level in sorted({shell.depth(p.url) for p in self.bulk}):
            uri = shell.shell_url(level) + "index.md"
            files.append(File.generated(config, uri, content="", inclusion=InclusionLevel.NOT_IN_NAV))
        return files  # feeds and the search index are written by write_bulk_pages, unchanged ones linked

    def static_file(self, file: File, allowed: dict[Path, StaticSource], config: MkDocsConfig) -> bytes | None:
        """A picture's re-encoded bytes; None for a file published as it is (a page, a theme file).

        Only what `static.scan` allowed in `prepare` is published from `docs_dir`, which the
        build has refused to start without: anything else here is a bug, not content.
        """
        assert self.settings is not None
        if not file.abs_src_path or not Path(file.abs_src_path).is_relative_to(config.docs_dir):
            return None
        rel = Path(file.abs_src_path).relative_to(config.docs_dir)
        source = allowed.get(rel)
        if source is None:
            if file.inclusion.is_excluded():
                return None
            raise PluginError(f"{self.settings.site_src}/{rel.as_posix()}: not a file site_src/ may publish")
        try:
            return republish(source, self.settings, self.image_settings)
        except (Refusal, Unusable) as exc:
            raise PluginError(f"{self.settings.site_src}/{rel.as_posix()}: {exc}") from None

    def theme_static(self) -> tuple[StaticSource, ...]:
        """Theme-only builds have no `prepare`: what site_src/ may publish is scanned here."""
        assert self.settings is not None
        static, problems = scan_static(self.settings, self.image_settings)
        if problems:
            raise PluginError("\n".join(str(p) for p in problems))
        return static

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

    def protect(self, document: str) -> str:
        document, hashes = csp.protect(document)
        self.script_hashes.update(hashes)
        return document

    def on_post_page(self, output_html: str, *, page: Page, config: MkDocsConfig) -> str:
        uri = page.file.src_uri
        if uri.startswith(shell.SHELLS):
            self.shells[shell.depth(page.url)] = self.protect(output_html)
            return output_html
        generated = self.themed.get(uri)
        if self.theme_only and generated:
            self.theme_pages[page.url] = output_html
            return output_html
        self.sitemap.append((page.canonical_url, generated.updated if generated else ""))
        if generated is None:
            return self.protect(assets.link_scripts(output_html, self.assets))
        output_html = shell.localize_document(output_html, generated.lang, generated.direction,
                                              config.theme["language"])  # fmt: skip
        return self.protect(output_html)

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        return self.protect(output_content) if template_name.endswith(".html") else output_content

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.staging and self.final_dir
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        if self.theme_only:
            self.theme_pages.update((shell.SHELLS + str(level), html) for level, html in self.shells.items())
            output.swap_into_place(self.staging, self.final_dir)
        elif config.strict and self.warnings.count:
            output.discard(self.staging)
            log.error("strict mode: %d warnings, the previous site is left in place", self.warnings.count)
        else:
            self.write_bulk_pages(config)
            output.swap_into_place(self.staging, self.final_dir)
            if not self.preview_mode:
                record_urls(self.build, self.settings)
            log.info(build_summary(self.build, time.perf_counter() - self.started))
        config.site_dir = str(self.final_dir)

    def write_bulk_pages(self, config: MkDocsConfig) -> None:
        """Write the pages outside the navigation through the shells, then the sitemap."""
        assert self.settings and self.staging
        progress = Progress("pages", len(self.bulk), minimum=500)
        previous = self.final_dir if self.final_dir and self.final_dir.is_dir() else None
        contents = ((page, page.html) for page in self.bulk)
        language = config.theme["language"]
        shell.write_pages(self.staging, contents, self.shells, self.settings, language, progress, previous)
        output.discard(self.staging / shell.SHELLS)
        output.link_files(self.staging, [(f.url, f.source) for f in self.build.files if f.source is not None])
        self.sitemap += [(self.settings.absolute(p.url), p.updated) for p in self.bulk if not p.robots]
        xml, compressed = shell.sitemap(self.sitemap)
        generated = [(f.url, f.content) for f in self.build.files if f.content is not None]
        generated += [("sitemap.xml", xml), ("sitemap.xml.gz", compressed)]
        tops = {p.name + ("/" if p.is_dir() else "") for p in self.staging.iterdir()}
        tops |= {url.split("/")[0] + ("/" if "/" in url else "") for url, _ in generated}
        own = {"/" + admin.URL + "*": admin.header_policy()}
        generated.append(("_headers", csp.headers_file(self.script_hashes, own, tops)))
        output.write_files(self.staging, generated, previous)

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
