"""The benchmark corpus is real content, so the figures measure real builds.

If the generator drifted from the content contract, `make bench` would time builds that fail
or publish nothing; this keeps a small corpus passing `check`, building strictly, and
publishing exactly what its manifest says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.corpus import NOW_ISO, ambassadors, write_corpus
from tests.conftest import PROJECT, SiteDir


def test_the_benchmark_corpus_checks_builds_and_publishes_what_its_manifest_says(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    manifest = write_corpus(root, 120, images=2)
    env = {**os.environ, "STORIES_NOW": NOW_ISO, "PYTHONPATH": str(PROJECT), "NO_MKDOCS_2_WARNING": "1"}
    check = subprocess.run([sys.executable, "-m", "builder", "check"], cwd=root, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    site = SiteDir(root).build(now=NOW_ISO)

    statuses = {story["status"] for story in manifest["stories"]}
    assert {"published", "draft", "scheduled"} <= statuses
    for story in manifest["stories"]:
        page = site / story["url"] / "index.html"
        if story["status"] in ("published", "no-feeds"):
            assert page.is_file(), story["path"]
        elif story["status"] == "withdrawn":
            assert "Story withdrawn" in page.read_text(encoding="utf-8"), story["path"]
        else:
            assert not page.exists(), story["path"]
    assert len(list((site / "img").glob("*.avif"))) > 0


def test_the_hugo_twin_holds_exactly_the_stories_our_site_publishes(tmp_path: Path) -> None:
    """Hugo's figure is only a fair yardstick if it builds the same stories, credited as we credit them."""
    from benchmarks.hugo import write_hugo_site

    manifest = write_corpus(tmp_path / "corpus", 80)
    pages = write_hugo_site(tmp_path / "corpus", tmp_path / "hugo")
    live = {s["slug"] for s in manifest["stories"] if s["status"] in ("published", "no-feeds")}
    written = {p.stem for p in (tmp_path / "hugo" / "content" / "stories").glob("*.md")} - {"_index"}
    assert pages == len(live) and written == live
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "hugo" / "content").rglob("*.md"))
    for person in ambassadors():
        if person.display == "first-name":
            assert person.name not in text  # a surname they asked us not to show


def test_the_preview_benchmark_times_edits_seen_over_http_and_stops_the_server(tmp_path: Path) -> None:
    from benchmarks.preview import measure

    root = tmp_path / "corpus"
    manifest = write_corpus(root, 60, images=1)
    env = {**os.environ, "STORIES_NOW": NOW_ISO, "PYTHONPATH": str(PROJECT), "NO_MKDOCS_2_WARNING": "1"}
    before = {story["path"]: (root / story["path"]).read_bytes() for story in manifest["stories"]}
    figures = measure(root, manifest, env, edits=2)
    assert figures["edits"] == 2 and figures["exit"] == 0
    assert 0 < figures["edit_median_s"] <= figures["edit_max_s"]
    assert {path: (root / path).read_bytes() for path in before} == before  # the edited story is restored
