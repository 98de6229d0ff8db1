"""A rebuild rewrites only the files whose bytes changed: the rest are the previous build's files.

A host or CDN sync then uploads what changed, and a rebuild with nothing changed writes almost
nothing. The swap into place stays whole: the previous site is never written into, and a build
that fails leaves it as it was.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import SiteDir, consent


def inodes(site: SiteDir) -> dict[str, int]:
    root = site.root / "site"
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def test_unchanged_files_are_kept_and_changed_ones_written(site: SiteDir) -> None:
    site.campaign()
    site.story("first-story", body="The first story.\n")
    edited = site.story("second-story", body="The second story.\n")
    site.build()
    before, contents = inodes(site), site.files()

    site.build()
    assert site.files() == contents
    again = inodes(site)
    kept = {url for url in again if again[url] == before.get(url)}
    assert "stories/2021/first-story/index.html" in kept and "feeds/rss.xml" in kept
    assert any(url.startswith("search/") for url in kept) and "sitemap.xml" in kept
    pages = [u for u in again if u.endswith(".html") and not u.startswith(("stories/", "campaigns/"))]
    assert pages  # pages MkDocs' theme writes itself are still written afresh

    site.story("second-story", body="The second story, corrected.\n")
    assert edited.read_text(encoding="utf-8").endswith("corrected.\n")
    site.build()
    after = inodes(site)
    assert after["stories/2021/second-story/index.html"] != again["stories/2021/second-story/index.html"]
    assert "corrected" in site.page("stories/2021/second-story")
    assert after["stories/2021/first-story/index.html"] == again["stories/2021/first-story/index.html"]


def test_a_failed_rebuild_leaves_the_previous_site_and_its_files_untouched(site: SiteDir) -> None:
    site.campaign()
    site.story("a-story")
    site.build()
    before, contents = inodes(site), site.files()
    site.story("a-story", title="")  # an empty title fails the build
    with pytest.raises(BaseException):
        site.build()
    assert inodes(site) == before and site.files() == contents
    written = [url for url in before if url.endswith((".html", ".xml", ".json"))]  # cards are linked from the cache
    assert written and all(os.stat(site.root / "site" / url).st_nlink == 1 for url in written)


def test_kept_text_outputs_are_the_same_site_and_any_change_renders_anew(site: SiteDir) -> None:
    """builder.memo: a rebuild from the kept pages, feeds and search index gives the same bytes as
    one that renders them; a changed word, a later day or a corrupt entry renders everything."""
    import shutil

    site.campaign()
    site.story("first-story", body="The first story.\n")
    site.story("second-story", body="The second story.\n")
    site.build()
    kept = site.root / ".cache" / "text"
    entries = list(kept.glob("*.bin"))
    assert len(entries) == 1
    rendered = site.files()

    site.build()
    assert site.files() == rendered and list(kept.glob("*.bin")) == entries  # used, not rewritten

    entries[0].write_bytes(entries[0].read_bytes()[:-10])  # torn: not used, rendered anew
    site.build()
    assert site.files() == rendered
    shutil.rmtree(kept)
    site.build()
    assert site.files() == rendered

    site.story("second-story", body="The second story, corrected.\n")
    site.build()
    assert "corrected" in site.page("stories/2021/second-story")
    assert "corrected" in (site.root / "site" / "feeds" / "feed.json").read_text(encoding="utf-8")
    assert len(list(kept.glob("*.bin"))) == 1 and list(kept.glob("*.bin")) != entries

    # a campaign to come: the home page counts the days to it, from content that does not change
    site.campaign("2031-next", date="2031-12-18", announce="2031-12-01T00:00:00+00:00")
    site.build(now="2031-12-10T12:00:00+00:00")
    assert "in 8 days" in site.page("")
    site.build(now="2031-12-10T18:00:00+00:00")  # same day: the kept outputs
    assert "in 8 days" in site.page("")
    site.build(now="2031-12-11T12:00:00+00:00")
    assert "in 7 days" in site.page("")


def test_rendered_bodies_are_one_file_that_forgets_a_withdrawn_story(site: SiteDir) -> None:
    """The rendered-HTML cache is one pack, rewritten only when a body changed, and it keeps
    only the bodies this build publishes: a withdrawn story's text does not linger in it."""
    site.campaign()
    site.story("first-story", body="The first story, with a *detail* only it has.\n")
    site.story("second-story", body="The second story.\n")
    site.build()
    cache = site.root / ".cache" / "html"
    assert [p.name for p in cache.iterdir()] == ["bodies.json"]
    pack = cache / "bodies.json"
    written = pack.stat().st_ino
    site.build()
    assert pack.stat().st_ino == written, "nothing changed: the pack is read, not written"
    assert "only it has" in pack.read_text(encoding="utf-8")

    site.story("first-story", body="The first story, with a *detail* only it has.\n", consent=consent(withdrawn=True))
    site.build()
    assert "only it has" not in pack.read_text(encoding="utf-8")
    assert "The second story." in pack.read_text(encoding="utf-8")
