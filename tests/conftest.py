"""Small sites in tmp_path, built for real: the pipeline, the plugin and MkDocs together."""

from __future__ import annotations

import logging
import os
import shutil
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
NOW = "2026-11-22T12:00:00+00:00"

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def front_matter(meta: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + textwrap.dedent(body)


def consent(**extra) -> dict:
    return {"ref": "FORM-1", "given": "2021-01-01", "scope": ["web", "feeds", "social"], **extra}


@dataclass
class SiteDir:
    """A project folder with the real mkdocs.yml and site_src, and content written by a test."""

    root: Path

    def write(self, relpath: str, text: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def story(self, slug: str, year: int = 2021, body: str = "A story.\n", **meta) -> Path:
        data = {
            "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, slug)}",
            "title": slug.replace("-", " ").title(),
            "date": f"{year}-12-18T09:00:00+00:00",
            "summary": f"Summary of {slug}.",
            "by": ["Editorial team"],
            "consent": consent(),
        }
        data.update(meta)
        data = {k: v for k, v in data.items() if v is not None}
        return self.write(f"stories/{year}/{slug}.md", front_matter(data, body))

    def campaign(self, folder: str = "2021-it-takes-a-community", body: str = "## Get involved\n\nJoin us.\n", **meta) -> Path:
        year = int(folder[:4])
        data = {
            "year": year, "title": "It Takes a Community", "hashtag": "#ItTakesACommunity",
            "theme": "Community", "date": f"{year}-12-18", "partners": ["IOM UK"], "summary": "The campaign.",
        }
        data.update(meta)
        return self.write(f"campaigns/{folder}/campaign.md", front_matter(data, body))

    def ambassador(self, person_id: str, campaign: str = "2021-it-takes-a-community", body: str = "A profile.\n", **meta) -> Path:
        data = {
            "name": person_id.title(), "origin": "SY", "lives_in": "London", "arrived": 2018,
            "role": "Coordinator", "consent": consent(),
        }
        data.update(meta)
        data = {k: v for k, v in data.items() if v is not None}
        return self.write(f"campaigns/{campaign}/ambassadors/{person_id}.md", front_matter(data, body))

    def build(self, now: str = NOW, strict: bool = True) -> Path:
        """Build with MkDocs in-process, as `mkdocs build --strict` does; raise on failure."""
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        os.environ["STORIES_NOW"] = now
        try:
            config = load_config(str(self.root / "mkdocs.yml"), strict=strict)
            build(config)
        finally:
            del os.environ["STORIES_NOW"]
            logging.getLogger("mkdocs").handlers[:] = [
                h for h in logging.getLogger("mkdocs").handlers if type(h).__name__ != "CountHandler"
            ]
        return self.root / "site"

    def page(self, url: str) -> str:
        return (self.root / "site" / url / "index.html").read_text(encoding="utf-8")

    def files(self) -> dict[str, bytes]:
        site = self.root / "site"
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    shutil.copy(PROJECT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", tmp_path / "site_src")
    (tmp_path / "stories").mkdir()
    (tmp_path / "campaigns").mkdir()
    return SiteDir(tmp_path)
