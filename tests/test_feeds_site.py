"""Feeds as a built site publishes them, read back with feedparser and linked from pages."""

from __future__ import annotations

import re

import feedparser

SITE = "https://stories.example.org/"


def alternates(html: str) -> set[str]:
    return set(re.findall(r'<link rel="alternate" type="application/[a-z+]+" title="[^"]*" href="([^"]+)"', html))


def entry_ids(site, url: str) -> list[str]:
    parsed = feedparser.parse((site.root / "site" / url).read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return [entry.id for entry in parsed.entries]


def test_ids_survive_a_rename_and_a_title_change(site):
    site.campaign()
    path = site.story("first-name", id="urn:uuid:11111111-1111-4111-8111-111111111111", tags=["food"],
                      campaign="2021-it-takes-a-community")  # fmt: skip
    site.build()
    before = {url: entry_ids(site, url) for url in ("feeds/rss.xml", "feeds/atom.xml", "tags/food/atom.xml")}
    path.unlink()
    site.story("renamed-story", id="urn:uuid:11111111-1111-4111-8111-111111111111", title="A new title",
               tags=["food"], campaign="2021-it-takes-a-community",
               aliases=["stories/2021/first-name/"])  # fmt: skip  # the check asks for it: the old URL was published
    site.build()
    after = {url: entry_ids(site, url) for url in before}
    assert after == before == {url: ["urn:uuid:11111111-1111-4111-8111-111111111111"] for url in before}
    atom = feedparser.parse((site.root / "site/feeds/atom.xml").read_bytes())
    assert atom.entries[0].title == "A new title"
    assert atom.entries[0].link == SITE + "stories/2021/renamed-story/"
    assert f'url={SITE}stories/2021/renamed-story/"' in (site.root / "site/stories/2021/first-name/index.html").read_text()


def test_pages_announce_the_feeds_that_concern_them(site):
    site.campaign()
    site.ambassador("amer")
    site.story("told", storytellers=["amer"], by=None, tags=["food"], campaign="2021-it-takes-a-community")
    site.build()
    site_feeds = {SITE + "feeds/rss.xml", SITE + "feeds/atom.xml", SITE + "feeds/feed.json"}
    assert alternates(site.page("")) == site_feeds
    assert alternates(site.page("about")) == site_feeds
    assert SITE + "campaigns/2021-it-takes-a-community/rss.xml" in alternates(site.page("campaigns/2021-it-takes-a-community"))
    assert SITE + "ambassadors/amer/atom.xml" in alternates(site.page("ambassadors/amer"))
    assert SITE + "tags/food/feed.json" in alternates(site.page("tags/food"))
    assert SITE + "campaigns/2021-it-takes-a-community/atom.xml" in alternates(site.page("stories/2021/told"))


def test_subscribe_page_lists_every_feed_and_the_footer_links_it(site):
    site.campaign()
    site.story("told", tags=["food"], campaign="2021-it-takes-a-community")
    site.build()
    subscribe = site.page("subscribe")
    for url in ("../feeds/rss.xml", "../feeds/atom.xml", "../feeds/feed.json", "../tags/food/rss.xml",
                "../campaigns/2021-it-takes-a-community/atom.xml", "../feeds/en/rss.xml"):
        assert f'href="{url}"' in subscribe, url
        assert (site.root / "site" / url.removeprefix("../")).is_file()
    assert 'href="subscribe/"' in site.page("") or 'href="./subscribe/"' in site.page("")


def test_feed_entries_carry_the_main_image_with_absolute_urls(site):
    from PIL import Image

    (site.root / "stories/2021/images").mkdir(parents=True)
    Image.new("RGB", (1200, 800), (10, 120, 60)).save(site.root / "stories/2021/images/green.jpg")
    site.story("other")  # the body links to it: a link to no page is refused
    site.story("pictured", image="images/green.jpg", image_alt="A green field",
               body="See [the other story](../other/) and ![a drawing](drawing.png).\n")  # fmt: skip
    site.build()
    rss = feedparser.parse((site.root / "site/feeds/rss.xml").read_bytes())
    entry = rss.entries[0]
    enclosure = entry.enclosures[0]
    assert enclosure.href.startswith(SITE + "img/") and enclosure.type == "image/jpeg"
    assert int(enclosure.length) == (site.root / "site" / enclosure.href.removeprefix(SITE)).stat().st_size
    html = entry.content[0].value if "content" in entry else entry.summary
    assert 'href="' + SITE + 'stories/2021/other/"' in html
    assert not re.search(r'(?:href|src)="(?!https?://)', html)
