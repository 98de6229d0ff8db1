"""Site settings, kept in one place: the `stories` plugin block of `mkdocs.yml`.

The engine-free commands (`check`, `new`) read the same block without importing MkDocs, so
the file is read with a loader that tolerates MkDocs' own YAML tags (`!ENV`, `!relative`).
"""

from __future__ import annotations

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
    locale: str = "en-GB"  # how dates and numbers read on pages in the site's language: "18 December 2021"

    @property
    def stories_dir(self) -> Path:
        return self.root / "stories"

    @property
    def campaigns_dir(self) -> Path:
        return self.root / "campaigns"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def absolute(self, url: str) -> str:
        """The absolute form of a site-relative URL, as feeds and social cards need."""
        return self.site_url.rstrip("/") + "/" + url.lstrip("/")


PLUGIN_OPTIONS = ("tags", "regions", "timezone", "per_page", "feed_items", "max_megapixels", "locale")


class _TolerantLoader(yaml.SafeLoader):
    pass


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def from_options(root: Path, site_name: str, site_url: str, options: dict[str, Any]) -> Settings:
    known = {key: options[key] for key in PLUGIN_OPTIONS if options.get(key) is not None}
    for key in ("tags", "regions"):
        if key in known:
            known[key] = tuple(known[key])
    site_url = (site_url or Settings.site_url).rstrip("/") + "/"
    return Settings(root=root.resolve(), site_name=site_name or Settings.site_name, site_url=site_url, **known)


def load_settings(config_file: Path) -> Settings:
    """Read the settings from `mkdocs.yml` without MkDocs."""
    config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_TolerantLoader) or {}
    options: dict[str, Any] = {}
    for entry in config.get("plugins") or ():
        if isinstance(entry, dict) and "stories" in entry:
            options = entry["stories"] or {}
    return from_options(
        config_file.parent.resolve(), config.get("site_name", ""), config.get("site_url", ""), options
    )
