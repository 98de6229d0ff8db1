"""Storyteller safety: consent, scheduling, withdrawal and anonymity, proven on built sites.

"Absent" always means absent from every file under site/, read as bytes: pages, feeds,
search index, sitemap, images and anything else the build writes.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from mkdocs.exceptions import Abort

from tests.conftest import consent

SCHEDULED = "2026-12-18T09:00:00+00:00"
MINUTE_BEFORE = "2026-12-18T08:59:00+00:00"
MINUTE_AFTER = "2026-12-18T09:01:00+00:00"


def occurrences(site, word: str) -> list[str]:
    needle = word.encode()
    files = site.files()
    # The editor's configuration lists every country by name, whatever the content; what it takes
    # from the content (published profiles and campaigns) is checked in tests/test_editor_config.py.
    files["admin/config.yml"] = re.sub(rb"\n    - label: [^\n]+ \([A-Z]{2}\)\n      value: [A-Z]{2}", b"",
                                       files.get("admin/config.yml", b""))  # fmt: skip
    return [name for name, data in files.items() if needle in data or needle.lower() in data.lower()]


@pytest.fixture
def campaign_site(site):
    site.campaign("2026-stories-of-home", title="Stories of Home", hashtag="#StoriesOfHome")
    site.story("already-out", year=2026, date="2026-11-01T09:00:00+00:00", tags=["food"], place="Leeds")
    return site


def test_scheduled_story_appears_exactly_at_its_time(campaign_site):
    campaign_site.story(
        "zanzibarine-day", year=2026, date=SCHEDULED, title="Zanzibarine day", tags=["food"], place="Hull",
        campaign="2026-stories-of-home", body="Zanzibarine marker.\n",
    )  # fmt: skip
    campaign_site.build(now=MINUTE_BEFORE)
    assert occurrences(campaign_site, "Zanzibarine") == []
    assert occurrences(campaign_site, "zanzibarine-day") == []
    campaign_site.build(now=MINUTE_AFTER)
    found = occurrences(campaign_site, "Zanzibarine")
    assert "stories/2026/zanzibarine-day/index.html" in found
    assert "feeds/rss.xml" in found and "tags/food/index.html" in found and "places/hull/index.html" in found


@pytest.mark.parametrize(
    "what, meta",
    [
        ("expired", {"consent": consent(expires="2026-11-01")}),
        ("withdrawn", {"consent": consent(withdrawn=True)}),
        ("no web scope", {"consent": consent(scope=["feeds", "social"])}),
        ("draft", {"draft": True}),
    ],
)
def test_unpublishable_story_is_absent_everywhere(campaign_site, what, meta):
    campaign_site.story(
        "a-told-story", year=2026, date="2026-10-01T09:00:00+00:00", title="The Quillomarine story",
        summary="Quillomarine summary.", tags=["food"], place="Quillomarine Bay", origin=["ER"],
        body="The Quillomarine marker.\n", **meta,
    )  # fmt: skip
    campaign_site.build()
    assert occurrences(campaign_site, "Quillomarine") == []
    assert occurrences(campaign_site, "Eritrea") == []
    files = campaign_site.files()
    tombstone = files.get("stories/2026/a-told-story/index.html")
    if what == "withdrawn":
        assert tombstone is not None
        html = tombstone.decode()
        assert '<meta name="robots" content="noindex">' in html
        assert "withdrawn at the storyteller" in html
        assert b"a-told-story" not in files["sitemap.xml"]
    else:
        assert tombstone is None


def test_withdrawn_story_leaves_no_trace_of_its_image(campaign_site):
    from PIL import Image

    image_dir = campaign_site.root / "stories/2026/images"
    image_dir.mkdir(parents=True)
    Image.new("RGB", (800, 600), (200, 30, 30)).save(image_dir / "red.jpg")
    campaign_site.story("with-photo", year=2026, date="2026-10-01T09:00:00+00:00", image="images/red.jpg",
                        image_alt="A red square")  # fmt: skip
    campaign_site.build()
    published = {name for name in campaign_site.files() if name.startswith("img/")}
    assert published
    cache = campaign_site.root / ".cache/images"
    cached = {p.name for p in cache.iterdir() if p.suffix in (".jpg", ".webp", ".avif")}
    assert cached
    campaign_site.story("with-photo", year=2026, date="2026-10-01T09:00:00+00:00", image="images/red.jpg",
                        image_alt="A red square", consent=consent(withdrawn=True))  # fmt: skip
    campaign_site.build()
    assert not {name for name in campaign_site.files() if name.startswith("img/")}
    assert not [p for p in cache.iterdir() if p.name in cached]
    assert occurrences(campaign_site, "red square") == []


def test_feeds_scope_keeps_a_story_on_the_site_but_out_of_feeds(campaign_site):
    campaign_site.story("web-only", year=2026, date="2026-10-01T09:00:00+00:00", title="Webonlyish tale",
                        consent=consent(scope=["web"]))  # fmt: skip
    campaign_site.build()
    found = occurrences(campaign_site, "Webonlyish")
    assert "stories/2026/web-only/index.html" in found
    assert not [name for name in found if name.endswith((".xml", ".json")) and "search" not in name]


def test_profile_without_consent_is_hidden_and_byline_is_plain(site):
    site.campaign()
    site.ambassador("amer", name="Amer", consent=consent(withdrawn=True))
    site.story("told-by-amer", storytellers=["amer"], by=None)
    site.build()
    files = site.files()
    assert "ambassadors/amer/index.html" not in files
    story = site.page("stories/2021/told-by-amer")
    assert "By Amer" in story and "ambassadors/amer/" not in story
    assert b"ambassadors/amer" not in files["ambassadors/index.html"]


def test_first_name_only_storyteller_never_shows_the_surname(site):
    site.campaign()
    site.ambassador("amina", name="Amina Vorskaya", display="first-name", lives_in="Leeds")
    site.story("amina-story", storytellers=["amina"], by=[{"name": "Jon Plimsoval", "display": "first-name"}])
    site.build()
    assert occurrences(site, "Vorskaya") == []
    assert occurrences(site, "Plimsoval") == []
    assert "Amina" in site.page("ambassadors/amina") and "Jon" in site.page("stories/2021/amina-story")


def test_surname_slipping_into_another_field_stops_the_build(site, caplog):
    site.campaign()
    site.ambassador("amina", name="Amina Vorskaya", display="first-name", lives_in="Leeds")
    site.story("amina-story", storytellers=["amina"], by=None, image_alt=None,
               summary="How Amina Vorskaya found a home.")  # fmt: skip
    with pytest.raises(Abort):
        site.build()
    assert "stories/2021/amina-story.md:5: the surname 'Vorskaya'" in caplog.text
    assert not (site.root / "site").exists()


def test_pseudonym_is_placed_by_region_only(site, caplog):
    site.campaign()
    site.ambassador("river", name="River", display="pseudonym", lives_in="Hull")
    with pytest.raises(Abort):
        site.build()
    assert "campaigns/2021-it-takes-a-community/ambassadors/river.md:" in caplog.text
    assert "placed by region only" in caplog.text
    site.ambassador("river", name="River", display="pseudonym", lives_in="Yorkshire and the Humber")
    site.build()
    assert "Yorkshire and the Humber" in site.page("ambassadors/river")


def test_script_and_event_handlers_never_reach_pages_or_feeds(site):
    site.story("unsafe", body='<script>alert("x")</script>\n\n<video src="a.mp4" onerror="steal()"></video>\n\n'
                              '<p onclick="steal()">Hi <a href="javascript:steal()">x</a> '
                              '<a href="data:text/html,boom">y</a></p>\n')  # fmt: skip
    site.build()
    for name, data in site.files().items():
        if name.endswith((".html", ".xml", ".json")):
            text = data.decode()
            for bad in ("alert(", "steal()", "data:text/html"):
                assert bad not in text, (name, bad)


def test_same_clock_gives_byte_identical_sites(campaign_site):
    campaign_site.story("second", year=2026, date="2026-11-05T09:00:00+00:00", tags=["sport"])

    def digest() -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in campaign_site.files().items()}

    campaign_site.build()
    first = digest()
    campaign_site.build()
    assert digest() == first
    assert "sitemap.xml.gz" in first and "feeds/atom.xml" in first and "search/meta.json" in first


def test_publication_report_names_what_was_held(campaign_site, capsys):
    from builder.cli import main

    campaign_site.story("later", year=2026, date=SCHEDULED)
    campaign_site.story("gone", year=2026, date="2026-10-01T09:00:00+00:00", consent=consent(withdrawn=True))
    campaign_site.story("ended", year=2026, date="2026-10-01T09:00:00+00:00",
                        consent=consent(expires="2026-11-01T00:00:00+00:00"))  # fmt: skip
    import os

    os.environ["STORIES_NOW"] = "2026-11-22T12:00:00+00:00"
    try:
        assert main(["--config", str(campaign_site.root / "mkdocs.yml"), "check", "--report"]) == 0
    finally:
        del os.environ["STORIES_NOW"]
    out = capsys.readouterr().out
    assert "held: stories/2026/later.md — scheduled for 2026-12-18T09:00:00+00:00" in out
    assert "held: stories/2026/ended.md — consent expired 2026-11-01T00:00:00+00:00" in out
    assert "withdrawn: stories/2026/gone.md (tombstone only)" in out
    assert "published: 1 stories" in out


def gps_jpeg(path, size=(640, 480)) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-SECRET-42"
    exif.get_ifd(0x8825)[2] = (53.0, 44.0, 44.0)
    Image.new("RGB", size, (40, 90, 160)).save(path, exif=exif, comment=b"taken-at-home")


def test_a_picture_in_a_hand_written_page_is_published_without_metadata(site):
    from PIL import Image

    gps_jpeg(site.root / "site_src/snapshot.jpg")
    site.write("site_src/about.md", "# About\n\n![A street party](snapshot.jpg)\n")
    site.build()
    published = site.root / "site/snapshot.jpg"
    data = published.read_bytes()
    assert b"SERIAL-SECRET-42" not in data and b"taken-at-home" not in data and b"PhoneMaker" not in data
    with Image.open(published) as im:
        assert im.size == (640, 480) and not im.getexif() and "comment" not in im.info


def test_social_consent_decides_cards(site):
    image_dir = site.root / "stories/2021/images"
    image_dir.mkdir(parents=True)
    gps_jpeg(image_dir / "photo.jpg", (1200, 800))
    common = dict(image="images/photo.jpg", image_alt="A table laid for a shared meal")
    site.story("no-social", consent=consent(scope=["web", "feeds"]), **common)
    site.story("named", **common)
    site.story("text-only", by=[{"name": "Rain", "display": "pseudonym"}])
    site.build()
    assert 'property="og:image"' not in site.page("stories/2021/no-social")
    cards = {}
    for slug in ("named", "text-only"):
        html = site.page(f"stories/2021/{slug}")
        assert '<meta name="twitter:card" content="summary_large_image">' in html
        url = html.split('<meta property="og:image" content="https://stories.example.org/')[1].split('"')[0]
        cards[slug] = url
    assert cards["named"].endswith(".jpg"), "a card with the story's photo"
    assert cards["text-only"].endswith(".png"), "a text-only card for a story without a picture"


def test_decorative_image_says_so_explicitly(site):
    (site.root / "stories/2021/images").mkdir(parents=True)
    gps_jpeg(site.root / "stories/2021/images/pattern.jpg")
    site.story("decorated", image="images/pattern.jpg", image_alt="")
    site.build()
    assert 'alt=""' in site.page("stories/2021/decorated")
