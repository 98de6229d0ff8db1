"""Generated pages: what they contain and what they link to, on small sites built for real."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests.conftest import PROJECT


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and not (tag == "link" and attrs.get("rel") in ("alternate", "canonical")):
                self.links.append(attrs[name])


def broken_links(site_dir: Path) -> list[str]:
    """Every internal href/src in every page resolves to a file in the built site."""
    broken = []
    for page in site_dir.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        base = "http://site/" + page.relative_to(site_dir).as_posix()
        for link in parser.links:
            url = urlparse(urljoin(base, link))
            if url.netloc != "site" or url.scheme not in ("http", ""):
                continue
            target = site_dir / url.path.lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site_dir)}: {link}")
    return broken


@pytest.fixture
def sample(site):
    site.campaign()
    site.campaign("2020-wetogether", title="We Together", hashtag="#WeTogether")
    site.ambassador("amer", body="Amer coordinates a bike project.\n")
    site.ambassador("sarah", origin="GB", lives_in="Leeds", role="Teacher")
    site.story(
        "cooking-day", storytellers=["amer"], by=None, campaign="2021-it-takes-a-community",
        tags=["food", "community"], origin=["SY"], place="London", content_warning="Mentions war.",
        body="## The kitchen\n\nWe cooked together.\n",
    )  # fmt: skip
    site.story("football", tags=["sport", "community"], place="Hull", date="2021-11-01T10:00:00+00:00")
    site.story("old-story", year=2020, campaign="2020-wetogether", tags=["food"], date="2020-12-18")
    site.build()
    return site


def test_story_page_shows_everything_a_reader_needs(sample):
    html = sample.page("stories/2021/cooking-day")
    assert '<h1 class="story__title">Cooking Day</h1>' in html
    assert 'href="../../../ambassadors/amer/">Amer</a>' in html
    assert '<time datetime="2021-12-18T09:00:00+00:00">18 December 2021</time>' in html  # en-GB, mkdocs.yml
    assert 'href="../../../campaigns/2021-it-takes-a-community/"><bdi class="hashtag">#ItTakesACommunity</bdi> · 2021' in html
    assert 'href="../../../tags/food/">Food</a>' in html
    assert 'href="../../../places/london/">London</a>' in html
    assert 'href="../../../countries/sy/">Syria</a>' in html
    assert "1 min read" in html
    warning = html.index("Content warning:")
    assert warning < html.index("We cooked together.")
    assert html.count("<h1") == 1


def test_campaign_page_lists_ambassadors_and_stories(sample):
    html = sample.page("campaigns/2021-it-takes-a-community")
    assert "#ItTakesACommunity" in html and "IOM UK" in html
    assert 'href="../../ambassadors/amer/">Amer</a>' in html
    assert 'href="../../stories/2021/cooking-day/">Cooking Day</a>' in html
    assert "old-story" not in html
    assert "Get involved" in html


def test_ambassador_index_and_profile(sample):
    index = sample.page("ambassadors")
    assert index.index('2021: <bdi class="hashtag">#ItTakesACommunity</bdi>') < index.index("Amer")
    profile = sample.page("ambassadors/amer")
    assert "Amer coordinates a bike project." in profile
    assert 'href="../../stories/2021/cooking-day/">Cooking Day</a>' in profile
    assert '2021 <bdi class="hashtag">#ItTakesACommunity</bdi>' in profile


def test_facet_pages_have_counts_and_lists(sample):
    tags = sample.page("tags")
    assert re.search(r'href="food/">Food <span class="chip__count">2<span class="stories-visually-hidden"> stories</span>', tags)
    assert re.search(r'href="community/">Community <span class="chip__count">2<span', tags)
    food = sample.page("tags/food")
    assert "Cooking Day" in food and "Old Story" in food and "Football" not in food
    assert "Syria" in sample.page("countries")
    assert "Hull" in sample.page("places/hull")
    assert "Old Story" in sample.page("years/2020") and "Football" not in sample.page("years/2020")


def test_all_stories_index_is_paginated_newest_first_and_not_in_nav(site):
    for n in range(45):
        site.story(f"story-{n:02d}", date=f"2021-11-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00")
    site.build()
    first, third = site.page("stories"), site.page("stories/page/3")
    assert "All stories (page 3 of 3)" in third
    assert first.count('class="story-card"') == 20 and third.count('class="story-card"') == 5
    assert 'rel="next"' in first and 'href="page/2/"' in first
    dates = re.findall(r'<time datetime="([^"]+)"', first)
    assert dates == sorted(dates, reverse=True)
    assert "story-00" not in site.page("about"), "stories must not be listed in the site navigation"


def test_a_long_list_links_its_ends_and_neighbours_and_hides_the_gaps(site):
    config = site.root / "mkdocs.yml"
    config.write_text(re.sub(r"(\n\s+per_page:\s*)\d+", r"\g<1>2", config.read_text(encoding="utf-8")), encoding="utf-8")
    for n in range(24):
        site.story(f"story-{n:02d}", date=f"2021-11-{1 + n:02d}T09:00:00+00:00")
    site.build()
    nav = re.search(r'<nav class="pagination".*?</nav>', site.page("stories/page/6"), re.S).group(0)
    assert re.findall(r">(\d+)</a>", nav) == ["1", "4", "5", "6", "7", "8", "12"]
    assert nav.count('<li class="pagination__gap" aria-hidden="true">…</li>') == 2
    assert '<a aria-current="page" href="./">6</a>' in nav
    assert 'href="../../">1</a>' in nav and 'href="../12/">12</a>' in nav


def test_home_page_shows_latest_stories_and_campaign(sample):
    home = sample.page("")
    assert "Cooking Day" in home and "#ItTakesACommunity" in home
    assert 'href="ambassadors/"' in home and 'href="tags/"' in home


def test_no_broken_internal_links(sample):
    assert broken_links(sample.root / "site") == []


def test_translations_link_both_ways_with_language_and_direction(site):
    site.story("original-ar", lang="ar", title="ما معنى المجتمع", id="urn:uuid:00000000-0000-4000-8000-0000000000a1")
    site.story("translated-en", translation_of="urn:uuid:00000000-0000-4000-8000-0000000000a1")
    site.build()
    ar = site.page("stories/2021/original-ar")
    en = site.page("stories/2021/translated-en")
    assert '<html lang="ar" dir="rtl"' in ar and '<body dir="rtl"' in ar
    assert '<html lang="en" dir="ltr"' in en
    assert 'hreflang="en" lang="en" dir="ltr">English</a>' in ar
    assert 'hreflang="ar" lang="ar" dir="rtl">العربية</a>' in en


def test_raw_html_in_a_body_is_sanitized(site):
    site.story("unsafe", body='Hi <script>alert(1)</script><img src="x.png" alt="x" onerror="alert(2)">'
                               '<a href="javascript:alert(3)">link</a><iframe src="https://evil.example"></iframe>\n')
    site.build()
    html = site.page("stories/2021/unsafe")
    body = html[html.index('class="story__body"'):]
    for bad in ("<script>alert", "onerror", "javascript:", "<iframe"):
        assert bad not in body


def test_sample_content_builds_with_every_page_type():
    from builder.pipeline import prepare
    from builder.publish import build_clock
    from builder.settings import load_settings

    build = prepare(load_settings(Path(__file__).parent.parent / "mkdocs.yml"), build_clock())
    kinds = {page.kind.value for page in build.pages}
    assert kinds >= {"home", "story", "stories", "campaigns", "campaign", "ambassadors", "ambassador", "facets", "facet"}
    assert len(build.publication.campaigns) >= 2
    assert len(build.publication.ambassadors) >= 8
    assert any(s.lang == "ar" for s in build.publication.stories)


def test_related_stories_rank_shared_themes_first_and_skip_translations(site):
    site.story("anchor", tags=["food", "sport"], place="Hull", id="urn:uuid:00000000-0000-4000-8000-0000000000a2")
    site.story("both-tags", tags=["food", "sport"], date="2021-10-01T09:00:00+00:00")
    site.story("one-tag-same-place", tags=["food"], place="Hull", date="2021-10-02T09:00:00+00:00")
    site.story("one-tag", tags=["sport"], date="2021-10-03T09:00:00+00:00")
    site.story("unrelated", tags=["housing"], date="2021-12-17T09:00:00+00:00")
    site.story("anchor-ar", tags=["food", "sport"], lang="ar", translation_of="urn:uuid:00000000-0000-4000-8000-0000000000a2")
    site.build()
    html = site.page("stories/2021/anchor")
    related = html[html.index('id="related-heading"'):]
    titles = re.findall(r'class="story-card__title"><a class="story-card__link" href="[^"]+">([^<]+)</a>', related)
    assert titles == ["Both Tags", "One Tag Same Place", "One Tag"]


def test_story_in_arabic_speaks_arabic_and_marks_the_english_chrome(site):
    site.story("arabic", lang="ar", title="قصة", content_warning="تحذير", tags=["food"])
    site.build()
    html = site.page("stories/2021/arabic")
    assert "تنبيه بشأن المحتوى" in html and "دقائق للقراءة" in html and "المواضيع" in html
    assert '<header lang="en" dir="ltr" class="md-header"' in html


def test_share_links_are_plain_links_and_only_with_social_consent(site):
    from tests.conftest import consent

    site.story("shared", title="Bread & salt")
    site.story("private", consent=consent(scope=["web", "feeds"]))
    site.build()
    html = site.page("stories/2021/shared")
    share = html[html.index('<nav class="share"'):html.index("</nav>", html.index('<nav class="share"'))]
    address = "https%3A//stories.example.org/stories/2021/shared/"
    assert f'href="mailto:?subject=Bread%20%26%20salt&amp;body={address}"' in share
    assert f'href="https://wa.me/?text=Bread%20%26%20salt%20{address}"' in share
    assert "bsky.app/intent/compose" in share and "<script" not in share
    assert '<nav class="share"' not in site.page("stories/2021/private")
    assert re.search(r'<link rel="stylesheet" href="../../../assets/stories\.[0-9a-f]{10}\.css">', html)  # print rules inside


def test_a_renamed_story_keeps_its_old_address_and_check_names_the_alias_to_add(site):
    """Rename a published story's file: the check names the line to add; with it, the old URL redirects."""
    import json as _json
    import uuid as _uuid

    from builder.loader import load_content
    from builder.settings import load_settings

    site.story("old-name", title="Amer's kitchen")
    site.story("gone", consent={"ref": "F", "given": "2021-01-01", "scope": ["web"]})
    site.build()
    manifest = _json.loads((site.root / ".cache/urls.json").read_text())["stories"]
    assert manifest[f"urn:uuid:{_uuid.uuid5(_uuid.NAMESPACE_URL, 'old-name')}"] == ["stories/2021/old-name/"]
    old = site.root / "stories/2021/old-name.md"
    text = old.read_text(encoding="utf-8")
    old.unlink()
    site.write("stories/2021/amers-kitchen.md", text)
    _, problems = load_content(load_settings(site.root / "mkdocs.yml"))
    assert [str(p) for p in problems] == [
        "stories/2021/amers-kitchen.md:2: this story was published at stories/2021/old-name/ and has moved: old "
        'links would break (add the line  aliases: ["stories/2021/old-name/"]  (or add "stories/2021/old-name/" to its list))'
    ]

    site.write("stories/2021/amers-kitchen.md", text.replace("---\n", '---\naliases: ["/stories/2021/old-name"]\n', 1))
    withdrawn = site.root / "stories/2021/gone.md"
    withdrawn.write_text(withdrawn.read_text(encoding="utf-8").replace("consent:", 'aliases: ["stories/2020/gone/"]\nconsent:')
                         .replace("  scope:", "  withdrawn: true\n  scope:"), encoding="utf-8")
    built = site.build()
    redirect = (built / "stories/2021/old-name/index.html").read_text(encoding="utf-8")
    target = "https://stories.example.org/stories/2021/amers-kitchen/"
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in redirect
    assert f'<link rel="canonical" href="{target}">' in redirect
    assert '<meta name="robots" content="noindex">' in redirect and "<script" not in redirect
    assert "Amer&#x27;s kitchen" in redirect
    assert "Story withdrawn" in (built / "stories/2020/gone/index.html").read_text(encoding="utf-8")
    sitemap = (built / "sitemap.xml").read_text(encoding="utf-8")
    assert "old-name" not in sitemap and "amers-kitchen" in sitemap
