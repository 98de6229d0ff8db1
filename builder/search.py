"""Site search with Pagefind: a chunked index fetched only when a reader searches.

Material's built-in search makes every reader download one `search_index.json` holding every
word of every page, on the first page they open. Pagefind splits the index into small chunks
and a reader fetches a few of them per query (figures in the README). Only pages marked
`data-pagefind-body` are indexed: stories, campaigns and profiles that are published, never a
withdrawal notice or a preview.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from pagefind.service import _must_get_executable

SEARCH_FOLDER = "pagefind"


@dataclass(frozen=True)
class SearchReport:
    pages: int
    files: int
    bytes: int


class SearchError(Exception):
    pass


def searchable(html: str) -> str:
    """Mark a page's content for the index."""
    return f"<div data-pagefind-body>\n{html}\n</div>"


def index_site(site_dir: Path) -> SearchReport:
    """Write the search index into `site_dir/pagefind/`."""
    command = [
        str(_must_get_executable()), "--site", str(site_dir), "--output-subdir", SEARCH_FOLDER,
        "--force-language", "en", "--quiet",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchError(f"pagefind failed: {result.stderr.strip() or result.stdout.strip()}")
    files = [p for p in (site_dir / SEARCH_FOLDER).rglob("*") if p.is_file()]
    pages = len(list((site_dir / SEARCH_FOLDER / "fragment").glob("*")))
    return SearchReport(pages=pages, files=len(files), bytes=sum(p.stat().st_size for p in files))
