"""Site settings, kept in one place: the `stories` plugin block of `mkdocs.yml`.

The engine-free commands (`check`, `new`) read the same block without importing MkDocs, so
the file is read with a loader that tolerates MkDocs' own YAML tags (`!ENV`, `!relative`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

DEFAULT_TAGS = (
    "arts", "community", "education", "employment", "faith", "family", "food", "health",
    "heritage", "housing", "language", "mutual-aid", "schools", "sport", "tension-monitoring",
    "volunteering", "welcome", "youth",
)  # fmt: skip

# Where a pseudonymous person lives is shown at this level only (the UK's nations and regions).
DEFAULT_REGIONS = (
    "North East England", "North West England", "Yorkshire and the Humber", "East Midlands",
    "West Midlands", "East of England", "London", "South East England", "South West England",
    "Wales", "Scotland", "Northern Ireland",
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    root: Path
    site_name: str = "Migrant stories"
    site_url: str = "https://example.org/"
    tags: tuple[str, ...] = DEFAULT_TAGS
    regions: tuple[str, ...] = DEFAULT_REGIONS
    timezone: str = "Europe/London"
    per_page: int = 20
    feed_items: int = 30
    max_megapixels: int = 40  # a larger picture is refused: a phone photo is 12-50 MP
    editor_repo: str = ""  # owner/name on GitHub, for the hosted editor at /admin/
    editor_auth_url: str = ""  # the OAuth provider the hosted editor logs in through (CONTRIBUTING.md)
    editor_port: int = 8081  # where `make edit` runs the editor's local backend (decap-server)
    site_src: str = "site_src"  # MkDocs' docs_dir, relative to root
    overrides: str | None = "site_src/overrides"  # the theme's custom_dir, relative to root
    locale: str = "en-GB"  # how dates and numbers read on pages in the site's language: "18 December 2021"

    @property
    def stories_dir(self) -> Path:
        return self.root / "stories"

    @property
    def campaigns_dir(self) -> Path:
        return self.root / "campaigns"

    @property
    def docs_dir(self) -> Path:
        return self.root / self.site_src

    @property
    def theme_dir(self) -> Path | None:
        return self.root / self.overrides if self.overrides else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def absolute(self, url: str) -> str:
        """The absolute form of a site-relative URL, as feeds and social cards need."""
        return self.site_url.rstrip("/") + "/" + url.lstrip("/")


PLUGIN_OPTIONS = ("tags", "regions", "timezone", "per_page", "feed_items", "max_megapixels", "locale",
                  "editor_repo", "editor_auth_url", "editor_port")


class _TolerantLoader(yaml.SafeLoader):
    pass


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def from_options(
    root: Path, site_name: str, site_url: str, options: dict[str, Any],
    docs_dir: str | Path = "site_src", theme_dir: str | Path | None = "site_src/overrides",
) -> Settings:
    """`docs_dir` and `theme_dir` are MkDocs' `docs_dir` and `theme.custom_dir`, absolute or relative to root."""
    known = {key: options[key] for key in PLUGIN_OPTIONS if options.get(key) is not None}
    known["site_src"] = os.path.relpath(root / docs_dir, root)
    known["overrides"] = os.path.relpath(root / theme_dir, root) if theme_dir else None
    root = root.resolve()
    for key in ("tags", "regions"):
        if key in known:
            known[key] = tuple(known[key])
    site_url = (site_url or Settings.site_url).rstrip("/") + "/"
    return Settings(root=root, site_name=site_name or Settings.site_name, site_url=site_url, **known)


def load_settings(config_file: Path) -> Settings:
    """Read the settings from `mkdocs.yml` without MkDocs."""
    config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_TolerantLoader) or {}
    options: dict[str, Any] = {}
    for entry in config.get("plugins") or ():
        if isinstance(entry, dict) and "stories" in entry:
            options = entry["stories"] or {}
    theme = config.get("theme") if isinstance(config.get("theme"), dict) else {}
    return from_options(
        config_file.parent.resolve(), config.get("site_name", ""), config.get("site_url", ""), options,
        docs_dir=config.get("docs_dir") or "docs", theme_dir=theme.get("custom_dir"),
    )
