"""Feeds as subscribers meet them: read back by feedparser, checked against the specs, stable.

A changed id mails every subscriber the story again and a relative URL is a broken image in an
inbox, so these tests read the bytes a reader would fetch rather than the objects behind them.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from builder.feeds import EntryExtras, FeedFile, absolutize, absolutize_srcset, build_feeds, feed_links
from builder.models import Ambassador, Campaign, Consent, Content, Display, Image, Person, Scope, Story
from builder.publish import Publication, publish
from builder.settings import Settings

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SITE = "https://stories.example.org/"
SETTINGS = Settings(root=Path("/nonexistent"), site_name="Stories & <Voices>", site_url=SITE)
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEEDS_SCOPE = frozenset({Scope.WEB, Scope.FEEDS})
TRICKY_TITLE = 'Tom & Jerry <b>"quoted"</b> it\'s 5 < 6'
ARABIC_TITLE = "ما معنى المجتمع؟ قصة عامر"
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
BODY = (
    '<p>Read <a href="../../2020/earlier/">the earlier story</a> &amp; <a href="#part-2">part two</a>, '
    'or <a href="/about/">about us</a>.</p>\n'
    '<p><img src="photo.jpg" alt="A kitchen" srcset="photo-480.jpg 480w, photo-960.jpg 960w"><br/>'
    '<video poster="still.jpg" src="clip.mp4"></video></p>\n<h2 id="part-2">Part two</h2>\n<p>The end.</p>'
)


def consent(*scope: Scope, withdrawn: bool = False) -> Consent:
    return Consent("REF-1", date(2021, 11, 1), frozenset(scope or FEEDS_SCOPE), withdrawn=withdrawn)


def story(slug: str, when: datetime, **fields) -> Story:
    values = dict(
        id=uuid.uuid5(uuid.NAMESPACE_URL, slug).urn, path=f"stories/{when.year}/{slug}.md",
        slug=slug, year=when.year, title=slug.replace("-", " ").title(), date=when,
        summary=f"Summary of {slug}.", consent=consent(), body="Body.", by=(Person("Editorial team"),),
    )  # fmt: skip
    values.update(fields)
    return Story(**values)


def ambassador(ident: str, name: str, **fields) -> Ambassador:
    values = dict(
        id=ident, path=f"campaigns/2021-it-takes-a-community/ambassadors/{ident}.md",
        campaign="2021-it-takes-a-community", person=Person(name, Display.FIRST_NAME), origin="SY",
        lives_in="London", role="Programme coordinator", consent=consent(Scope.WEB, Scope.FEEDS, Scope.SOCIAL),
        body="Profile.",
    )  # fmt: skip
    values.update(fields)
    return Ambassador(**values)


def campaign(ident: str, year: int, hashtag: str) -> Campaign:
    return Campaign(
        id=ident, path=f"campaigns/{ident}/campaign.md", year=year, title=f"Campaign {year}", hashtag=hashtag,
        theme="Theme.", date=date(year, 12, 18), partners=("IOM UK",), summary=f"The {year} campaign.", body="",
    )  # fmt: skip


OLD = story(
    "a-first-story", datetime(2021, 12, 1, 10, 0, tzinfo=UTC), id="urn:uuid:11111111-1111-4111-8111-111111111111",
    campaign="2021-it-takes-a-community", storytellers=("amer",), tags=("community",),
    image=Image("stories/2021/images/first.jpg", "Two people cooking"),
)  # fmt: skip
ARABIC = story(
    "community-means-ar", datetime(2021, 12, 18, 9, 0, tzinfo=UTC), id="urn:uuid:22222222-2222-4222-8222-222222222222",
    title=ARABIC_TITLE, summary="وصل عامر من سوريا إلى المملكة المتحدة عام 2018.", lang="ar",
    campaign="2021-it-takes-a-community", storytellers=("amer",), tags=("community", "welcome"),
    content_warning="Mentions war & displacement.", image=Image("stories/2021/images/amer.jpg", "Amer"),
)  # fmt: skip
TRICKY = story(
    "tom-and-jerry", datetime(2022, 4, 1, 10, 0, tzinfo=ZoneInfo("Europe/London")),
    id="tag:stories.example.org,2022:tom-and-jerry", title=TRICKY_TITLE,
    summary='Cats & mice: "friends" <really>.', by=(Person("Lina Haddad", Display.FIRST_NAME),), tags=("welcome",),
)  # fmt: skip
WEB_ONLY = story("web-only", datetime(2023, 1, 1, tzinfo=UTC), consent=consent(Scope.WEB), tags=("food",))
WITHDRAWN = story("withdrawn", datetime(2022, 6, 1, tzinfo=UTC), consent=consent(withdrawn=True), tags=("community",))
SCHEDULED = story("scheduled", datetime(2030, 1, 1, tzinfo=UTC), tags=("sport",))
DRAFT = story("draft", datetime(2022, 7, 1, tzinfo=UTC), draft=True, tags=("community",))
HELD = {"withdrawn": WITHDRAWN, "scheduled": SCHEDULED, "draft": DRAFT, "feeds-less": WEB_ONLY}
STORIES = (OLD, ARABIC, TRICKY, WEB_ONLY, WITHDRAWN, SCHEDULED, DRAFT)
CAMPAIGNS = (
    campaign("2021-it-takes-a-community", 2021, "#ItTakesACommunity"),
    campaign("2020-wetogether", 2020, "#WeTogether"),
)
AMBASSADORS = (
    ambassador("amer", "Amer Saleh"),
    ambassador("hidden", "Hidden Person", consent=consent(Scope.WEB, withdrawn=True)),
)
AUTHORS = {OLD.id: ("Amer", "IMD campaign team"), ARABIC.id: ("عامر", "Editorial team"), TRICKY.id: ("Lina",)}
CREDITS = {OLD.id: "Amer and IMD campaign team", ARABIC.id: "عامر وEditorial team", TRICKY.id: "Lina"}
EXPECTED = {
    "feeds/": (TRICKY, ARABIC, OLD),
    "feeds/en/": (TRICKY, OLD),
    "feeds/ar/": (ARABIC,),
    "campaigns/2021-it-takes-a-community/": (ARABIC, OLD),
    "campaigns/2020-wetogether/": (),
    "ambassadors/amer/": (ARABIC, OLD),
    "tags/community/": (ARABIC, OLD),
    "tags/welcome/": (TRICKY, ARABIC),
    "tags/food/": (),
}
FILENAMES = ("rss.xml", "atom.xml", "feed.json")
NEWEST_FEEDABLE = TRICKY.date


def make_pub(stories=STORIES, now: datetime = NOW, preview: bool = False) -> Publication:
    return publish(Content(tuple(sorted(stories, key=lambda s: (s.date, s.id))), CAMPAIGNS, AMBASSADORS), now, preview)


def make_extras(pub: Publication) -> dict[str, EntryExtras]:
    extras = {}
    for item in pub.stories:
        image = item.image
        extras[item.id] = EntryExtras(
            html=BODY, authors=AUTHORS.get(item.id, ("Editorial team",)),
            image_url=f"{item.url}main.jpg" if image else None, image_size=20480 if image else None,
            image_mime="image/jpeg" if image else None, image_alt=image.alt if image else None,
        )  # fmt: skip
    return extras


def build(stories=STORIES, settings: Settings = SETTINGS, now: datetime = NOW) -> dict[str, FeedFile]:
    pub = make_pub(stories, now)
    return {feed.url: feed for feed in build_feeds(pub, settings, make_extras(pub))}


@pytest.fixture(scope="module")
def feeds() -> dict[str, FeedFile]:
    return build()


def xml_feeds(feeds: dict[str, FeedFile]) -> list[FeedFile]:
    return [feed for feed in feeds.values() if feed.url.endswith(".xml")]


def is_absolute(url: str) -> bool:
    return bool(re.match(r"^https?://[^/\s]+", url))


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "poster"):
                self.urls.append(value)
            elif name == "srcset":
                self.urls.extend(part.split()[0] for part in value.split(",") if part.strip())


def html_urls(markup: str) -> list[str]:
    parser = _Urls()
    parser.feed(markup)
    parser.close()
    return parser.urls


# -- which feeds exist ---------------------------------------------------------------------------


def test_every_scope_has_rss_atom_and_json_at_the_documented_urls(feeds):
    expected = {folder + name for folder in EXPECTED for name in FILENAMES}
    assert set(feeds) == expected
    assert {feed.mime for feed in feeds.values()} == {
        "application/rss+xml", "application/atom+xml", "application/feed+json",
    }  # fmt: skip


def test_feed_links_match_the_files_and_are_keyed_by_scope(feeds):
    links = feed_links(make_pub(), SETTINGS)
    assert set(links) == {
        "site", "lang:en", "lang:ar", "campaign:2021-it-takes-a-community", "campaign:2020-wetogether",
        "ambassador:amer", "tag:community", "tag:welcome", "tag:food",
    }  # fmt: skip
    for scope, group in links.items():
        assert [link.url.rsplit("/", 1)[1] for link in group] == list(FILENAMES)
        for link in group:
            assert link.scope == scope
            assert feeds[link.url].mime == link.mime
            assert link.title and not link.url.startswith("/")
    assert links["site"][0].url == "feeds/rss.xml"
    assert links["campaign:2021-it-takes-a-community"][1].url == "campaigns/2021-it-takes-a-community/atom.xml"


def test_hidden_ambassador_and_tags_of_unpublished_stories_get_no_feed(feeds):
    assert not any(url.startswith(("ambassadors/hidden/", "tags/sport/")) for url in feeds)


# -- read back by a real client ------------------------------------------------------------------


@pytest.mark.parametrize("folder", sorted(EXPECTED))
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feedparser_reads_entries_in_order_with_absolute_links_images_authors_and_categories(feeds, folder, name):
    parsed = feedparser.parse(feeds[folder + name].content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    expected = EXPECTED[folder]
    assert [entry.id for entry in parsed.entries] == [item.id for item in expected]
    assert parsed.feed.link == SETTINGS.absolute(folder if folder.startswith(("campaigns", "ambassadors", "tags")) else "")
    for entry, item in zip(parsed.entries, expected):
        assert entry.title == item.title
        assert entry.link == SETTINGS.absolute(item.url)
        if name == "rss.xml":  # one dc:creator crediting everyone: readers show only one
            assert [author["name"] for author in entry.authors] == [CREDITS[item.id]]
            assert entry.author == CREDITS[item.id]
        else:
            assert [author["name"] for author in entry.authors] == list(AUTHORS[item.id])
        terms = [tag.term for tag in entry.tags]
        assert terms[: len(item.tags)] == list(item.tags)
        assert ("#ItTakesACommunity" in terms) == (item.campaign == "2021-it-takes-a-community")
        if item.image:
            (enclosure,) = entry.enclosures
            assert enclosure.href == SETTINGS.absolute(item.url + "main.jpg")
            assert (enclosure.length, enclosure.type) == ("20480", "image/jpeg")
        else:
            assert not entry.enclosures
        for link in entry.links:
            assert is_absolute(link.href)
        assert all(is_absolute(url) for url in html_urls(entry.content[0].value))


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_titles_with_markup_characters_and_arabic_round_trip(feeds, name):
    parsed = feedparser.parse(feeds["feeds/" + name].content)
    assert parsed.feed.title == "Stories & <Voices>"
    assert [entry.title for entry in parsed.entries[:2]] == [TRICKY_TITLE, ARABIC_TITLE]
    assert html.unescape(parsed.entries[0].summary) == 'Cats & mice: "friends" <really>.'
    data = json.loads(feeds["feeds/feed.json"].content)
    assert [item["title"] for item in data["items"][:2]] == [TRICKY_TITLE, ARABIC_TITLE]
    assert data["items"][0]["summary"] == 'Cats & mice: "friends" <really>.'


def test_arabic_entries_carry_their_language(feeds):
    atom = ET.fromstring(feeds["feeds/atom.xml"].content)
    langs = [entry.get(XML_LANG) for entry in atom.iter(f"{ATOM}entry")]
    assert langs == ["en", "ar", "en"]
    rss = ET.fromstring(feeds["feeds/rss.xml"].content)
    assert [item.findtext(f"{DC}language") for item in rss.iter("item")] == ["en", "ar", "en"]
    data = json.loads(feeds["feeds/ar/feed.json"].content)
    assert data["language"] == "ar" and data["items"][0]["language"] == "ar"
    assert 'dir="rtl"' in data["items"][0]["content_html"]
    assert ET.fromstring(feeds["feeds/ar/atom.xml"].content).get(XML_LANG) == "ar"
    assert ET.fromstring(feeds["feeds/ar/rss.xml"].content).findtext("channel/language") == "ar"


def test_content_warning_comes_before_the_image_and_the_text(feeds):
    parsed = feedparser.parse(feeds["feeds/ar/atom.xml"].content)
    content = parsed.entries[0].content[0].value
    warning = content.index("Mentions war &amp; displacement.")
    assert warning < content.index("<img") < content.index("Read ")
    assert "Content warning:" in content[:warning]
    assert "Content warning" not in feedparser.parse(feeds["feeds/en/atom.xml"].content).entries[0].content[0].value


# -- identity and dates --------------------------------------------------------------------------


def test_ids_survive_a_new_title_slug_file_name_and_date():
    moved = replace(
        OLD, title="A retitled story", slug="renamed", path="stories/2021/renamed.md",
        date=OLD.date + timedelta(days=3),
    )  # fmt: skip
    before, after = build(), build(tuple(moved if s is OLD else s for s in STORIES))
    for name in ("rss.xml", "atom.xml"):
        old_entries = {e.id: e for e in feedparser.parse(before["feeds/" + name].content).entries}
        new_entries = {e.id: e for e in feedparser.parse(after["feeds/" + name].content).entries}
        assert set(old_entries) == set(new_entries)
        assert new_entries[OLD.id].title == "A retitled story"
        assert new_entries[OLD.id].link.endswith("/stories/2021/renamed/")
    ids = [item["id"] for item in json.loads(after["feeds/feed.json"].content)["items"]]
    assert sorted(ids) == sorted(item.id for item in EXPECTED["feeds/"])


def test_guids_are_the_story_ids_and_not_permalinks(feeds):
    rss = ET.fromstring(feeds["feeds/rss.xml"].content)
    guids = [(item.find("guid").text, item.find("guid").get("isPermaLink")) for item in rss.iter("item")]
    assert guids == [(item.id, "false") for item in EXPECTED["feeds/"]]


def test_dates_have_zones_in_the_formats_each_spec_asks_for(feeds):
    rss = ET.fromstring(feeds["feeds/rss.xml"].content)
    dates = [item.findtext("pubDate") for item in rss.iter("item")]
    assert all(RFC822.match(value) for value in dates), dates
    assert dates[0].endswith("+0100")
    assert [parsedate_to_datetime(value) for value in dates] == [item.date for item in EXPECTED["feeds/"]]
    atom = ET.fromstring(feeds["feeds/atom.xml"].content)
    stamps = [element.text for element in atom.iter() if element.tag in (f"{ATOM}updated", f"{ATOM}published")]
    assert stamps and all(RFC3339.match(value) for value in stamps), stamps
    for entry, item in zip(atom.iter(f"{ATOM}entry"), EXPECTED["feeds/"], strict=True):
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == item.date
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == item.date
    items = json.loads(feeds["feeds/feed.json"].content)["items"]
    assert all(RFC3339.match(item["date_published"]) for item in items)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_feed_date_is_the_newest_entry_date_never_the_build_time(feeds, folder):
    newest = max((item.date for item in EXPECTED[folder]), default=NEWEST_FEEDABLE)
    rss = ET.fromstring(feeds[folder + "rss.xml"].content)
    assert parsedate_to_datetime(rss.findtext("channel/lastBuildDate")) == newest
    atom = ET.fromstring(feeds[folder + "atom.xml"].content)
    assert datetime.fromisoformat(atom.findtext(f"{ATOM}updated")) == newest


def test_same_publication_gives_identical_bytes_at_any_build_time(feeds):
    again = build(now=NOW + timedelta(days=30, seconds=7))
    assert {url: feed.content for url, feed in again.items()} == {url: feed.content for url, feed in feeds.items()}
    assert build() == feeds


def test_generator_names_no_version(feeds):
    atom = ET.fromstring(feeds["feeds/atom.xml"].content)
    generator = atom.find(f"{ATOM}generator")
    assert generator is not None and generator.get("version") is None


def test_feed_items_caps_every_feed():
    files = build(settings=replace(SETTINGS, feed_items=1))
    for folder, expected in EXPECTED.items():
        ids = [entry.id for entry in feedparser.parse(files[folder + "atom.xml"].content).entries]
        assert ids == [item.id for item in expected[:1]]


# -- structure beyond parsing (RSS 2.0, RFC 4287, JSON Feed 1.1) ------------------------------------


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_rss_has_the_required_channel_and_item_elements(feeds, folder):
    root = ET.fromstring(feeds[folder + "rss.xml"].content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    assert channel.findtext("link") == SETTINGS.absolute(folder if not folder.startswith("feeds/") else "")
    (self_link,) = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == SETTINGS.absolute(folder + "rss.xml")
    assert self_link.get("type") == "application/rss+xml"
    for item in channel.findall("item"):
        assert item.find("guid") is not None
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext(f"{CONTENT}encoded")
        for enclosure in item.findall("enclosure"):
            assert enclosure.get("url") and enclosure.get("length").isdigit() and enclosure.get("type")


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_atom_has_the_required_feed_and_entry_elements(feeds, folder):
    root = ET.fromstring(feeds[folder + "atom.xml"].content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    entries = root.findall(f"{ATOM}entry")
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed_author or all(entry.find(f"{ATOM}author/{ATOM}name") is not None for entry in entries)
    links = root.findall(f"{ATOM}link")
    assert [link.get("href") for link in links if link.get("rel") == "self"] == [SETTINGS.absolute(folder + "atom.xml")]
    alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
    assert [link.get("href") for link in alternates] == [
        SETTINGS.absolute(folder if not folder.startswith("feeds/") else "")
    ]
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert entry.find(f"{ATOM}content").get("type") == "html"
        entry_links = entry.findall(f"{ATOM}link")
        assert len([link for link in entry_links if link.get("rel", "alternate") == "alternate"]) == 1
        for link in entry_links:
            if link.get("rel") == "enclosure":
                assert link.get("length").isdigit() and link.get("type") == "image/jpeg"


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_json_feed_follows_version_1_1(feeds, folder):
    raw = feeds[folder + "feed.json"].content
    data = json.loads(raw.decode("utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"]
    assert data["feed_url"] == SETTINGS.absolute(folder + "feed.json")
    assert is_absolute(data["home_page_url"])
    assert [item["id"] for item in data["items"]] == [item.id for item in EXPECTED[folder]]
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["content_html"]
        assert all(is_absolute(url) for url in html_urls(item["content_html"]))
        assert is_absolute(item["url"])
        assert "image" not in item or is_absolute(item["image"])
        assert [author["name"] for author in item["authors"]] == list(AUTHORS[item["id"]])
    if ARABIC.id in [item["id"] for item in data["items"]]:
        assert ARABIC_TITLE.encode("utf-8") in raw


def test_no_feed_repeats_an_id(feeds):
    for feed in xml_feeds(feeds):
        root = ET.fromstring(feed.content)
        if root.tag == f"{ATOM}feed":
            ids = [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]
        else:
            ids = [item.findtext("guid") for item in root.iter("item")]
        assert len(ids) == len(set(ids)), feed.url


def test_no_relative_url_in_any_attribute_or_html_content(feeds):
    for feed in xml_feeds(feeds):
        root = ET.fromstring(feed.content)
        for element in root.iter():
            for name in ("href", "src", "url", "uri"):
                if element.get(name) is not None:
                    assert is_absolute(element.get(name)), (feed.url, element.tag, element.get(name))
            if element.tag in ("link", f"{ATOM}uri"):
                assert is_absolute(element.text or ""), (feed.url, element.text)
            if element.tag in (f"{CONTENT}encoded", f"{ATOM}content"):
                urls = html_urls(element.text or "")
                assert len(urls) >= 8
                assert all(is_absolute(url) for url in urls), (feed.url, urls)


# -- what must never reach a feed ----------------------------------------------------------------


@pytest.mark.parametrize("reason", sorted(HELD))
def test_held_stories_are_in_no_feed(feeds, reason):
    held = HELD[reason]
    for feed in feeds.values():
        assert held.id.encode() not in feed.content, (reason, feed.url)
        assert held.url.encode() not in feed.content, (reason, feed.url)


def test_preview_shows_drafts_on_pages_but_never_in_feeds():
    pub = make_pub(preview=True)
    assert {DRAFT.id, SCHEDULED.id} <= {item.id for item in pub.stories}
    for feed in build_feeds(pub, SETTINGS, make_extras(pub)):
        assert DRAFT.id.encode() not in feed.content and SCHEDULED.id.encode() not in feed.content
        assert not feed.url.startswith("tags/sport/")


def test_missing_extras_is_an_error_not_a_silent_gap():
    pub = make_pub()
    extras = make_extras(pub)
    del extras[OLD.id]
    with pytest.raises(LookupError, match=OLD.path):
        build_feeds(pub, SETTINGS, extras)


def test_feeds_module_does_not_import_mkdocs():
    code = "import sys, builder.feeds; sys.exit(any(m.split('.')[0] == 'mkdocs' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1]).returncode == 0


# -- absolutize ----------------------------------------------------------------------------------


def test_absolutize_resolves_every_url_attribute_against_the_page():
    base = "https://stories.example.org/stories/2021/a-first-story/"
    out = absolutize(BODY, base)
    assert html_urls(out) == [
        "https://stories.example.org/stories/2020/earlier/",
        f"{base}#part-2",
        "https://stories.example.org/about/",
        f"{base}photo.jpg",
        f"{base}photo-480.jpg",
        f"{base}photo-960.jpg",
        f"{base}still.jpg",
        f"{base}clip.mp4",
    ]
    assert "&amp; <a" in out and '<h2 id="part-2">Part two</h2>' in out and "<br/>" in out


def test_absolutize_keeps_untouched_markup_byte_for_byte():
    markup = '<p class="x">Caf&eacute; &amp; <em>more</em><!-- note --></p>\n<a href="https://other.org/?a=1&amp;b=2">x</a>'
    assert absolutize(markup, "https://e.org/p/") == markup


def test_absolutize_leaves_other_schemes_and_escapes_rewritten_values():
    base = "https://e.org/stories/2021/s/"
    out = absolutize('<a href="mailto:hi@e.org">m</a><a href="x?a=1&amp;b=&quot;2&quot;" title="T">y</a>', base)
    assert '<a href="mailto:hi@e.org">' in out
    assert '<a href="https://e.org/stories/2021/s/x?a=1&amp;b=&quot;2&quot;" title="T">' in out


def test_srcset_keeps_descriptors_and_commas_inside_urls():
    base = "https://e.org/p/"
    assert absolutize_srcset(" a.jpg 1x,b.jpg  2x ", base) == "https://e.org/p/a.jpg 1x, https://e.org/p/b.jpg 2x"
    assert absolutize_srcset("data:image/png;base64,AA== 1x, c.jpg", base) == (
        "data:image/png;base64,AA== 1x, https://e.org/p/c.jpg"
    )


def test_absolutize_finds_tags_across_crlf_lines_and_is_idempotent():
    markup = '<p>one\r\ntwo</p>\r\n<img\r\n  src="a.jpg"\r\n  alt="x">\r\n<a href="b/">b</a>'
    out = absolutize(markup, "https://e.org/p/")
    assert out == '<p>one\r\ntwo</p>\r\n<img src="https://e.org/p/a.jpg" alt="x">\r\n<a href="https://e.org/p/b/">b</a>'
    assert absolutize(out, "https://e.org/p/") == out


def _parsed_whole(markup: str, base: str) -> str:
    """absolutize as it was: the whole text through the HTML parser."""
    from builder.feeds import _UrlTags

    finder = _UrlTags(markup, base)
    finder.feed(markup)
    finder.close()
    out, position = [], 0
    for tag in finder.tags:
        out += [markup[position : tag.start], tag.text]
        position = tag.end
    return "".join(out) + markup[position:]


@pytest.mark.parametrize("markup", [
    '<p>One <a href="../a/">link</a> and <img alt="a>b" src="p.jpg"> a picture</p>',
    '<img alt="x<b" src="q.jpg"><a  HREF = \'y\' >y</a>',
    '<img src=z.jpg srcset="a.jpg 1x, b.jpg 2x">',
    '<!-- <a href="q"> --><a href="r">r</a>',
    '<p>a &lt;a href="x"&gt; href= in text</p><a href="#f">f</a>',
    '<br/><a href="u"/><a href="x" href="y">two</a>',
    '<a\nhref="n\nl">x</a><a href="x" title=>broken</a>',
    '<textarea><a href="t"></textarea><a href="after">',
])  # fmt: skip
def test_absolutize_reads_only_url_tags_yet_matches_a_whole_parse(markup):
    base = "https://e.org/stories/2021/x/"
    assert absolutize(markup, base) == _parsed_whole(markup, base)
