"""Issue 13, tried as an attacker and as a careless editor would: each finding, on a real site.

Every test here failed before the change it names. "Verdict" means what `check` and the strict
build both say: the same, always, so that a pull request is stopped where the build would be.
"Absent" means absent from every file under site/ and .cache/, read as bytes.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid

import feedparser
import pytest
from mkdocs.exceptions import Abort

from builder.cli import main
from tests.conftest import NOW, PROJECT, consent


def check(site, capsys) -> tuple[int, str]:
    os.environ["STORIES_NOW"] = NOW
    try:
        code = main(["--config", str(site.root / "mkdocs.yml"), "check"])
    finally:
        del os.environ["STORIES_NOW"]
    out = capsys.readouterr()
    return code, out.out + out.err


def builds(site) -> bool:
    try:
        site.build()
    except Abort:
        return False
    return True


def verdict(site, capsys) -> tuple[bool, str]:
    """(passes, check's output); fails the test if check and build disagree."""
    code, out = check(site, capsys)
    built = builds(site)
    assert (code == 0) == built, f"check says {'OK' if code == 0 else 'no'}, the build says {built}:\n{out}"
    return built, out


def everywhere(site) -> dict[str, bytes]:
    files = dict(site.files()) if (site.root / "site").exists() else {}
    cache = site.root / ".cache"
    for path in cache.rglob("*") if cache.exists() else ():
        if path.is_file():
            files[".cache/" + path.relative_to(cache).as_posix()] = path.read_bytes()
    return files


def leaks(site, word: str) -> list[str]:
    needle = word.lower().encode()
    return [name for name, data in everywhere(site).items() if needle in data.lower()]


# -- 1. script injection through the theme's configuration -------------------------------------------


def test_author_ids_are_prefixed_and_titles_dropped(site):
    site.story("clobber", body='<div id="__config">{"features":["content.tooltips"]}</div>\n\n'
                               'Para with an id.\n{: #__search }\n\n'
                               '[hover me](https://example.org "<svg onload=alert(1)>") and a note.[^1]\n\n'
                               '[^1]: The note.\n')  # fmt: skip
    site.build()
    html = site.page("stories/2021/clobber")
    assert html.count('id="__config"') <= 1 and html.count('id="__search"') <= 1, "only the theme's own, if any"
    assert 'id="user-content-__config"' in html and 'id="__search"' not in html.split('md-content__inner', 1)[1]
    assert "onload=" not in html and 'title="' not in html.split('md-content__inner', 1)[1]
    note = re.search(r'href="#(user-content-fn[^"]*)"', html)
    assert note and f'id="{note[1]}"' in html, "footnote links follow their prefixed ids"


# -- 2. surnames -----------------------------------------------------------------------------------


SPELLINGS = [
    "M&uuml;ller", "Mül<!-- -->ler", "Muller", "Mueller", "Mu\u0308ller", "Mül\u00adler", "Mül\u200bler",
    "M\u00fcll\u0435r",  # Cyrillic е
    "Mül*ler*", "The Müllers", "Müller's", "@aminamuller", "aminamuller@example.org", "ＭＵＬＬＥＲ",
]


@pytest.fixture
def amina(site):
    site.campaign()
    site.ambassador("amina", name="Amina Müller", display="first-name", lives_in="Leeds")
    return site


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_surname_in_any_spelling_stops_check_and_build(amina, capsys, spelling):
    amina.story("her-story", storytellers=["amina"], by=None, body=f"A day with {spelling} in Leeds.\n")
    passes, out = verdict(amina, capsys)
    assert not passes
    assert "stories/2021/her-story.md:" in out and "'Müller' of Amina" in out
    assert leaks(amina, "ller in leeds") == []


@pytest.mark.parametrize("where", ["alias", "other byline", "file name", "translation", "other story", "campaign",
                                   "other profile", "page"])  # fmt: skip
def test_a_surname_anywhere_on_the_site_is_found(amina, capsys, where):
    amina.story("her-story", storytellers=["amina"], by=None)
    if where == "alias":  # an old address stays published as a redirect (ids are UUIDs only: no name fits)
        amina.story("tagged", aliases=["stories/2020/amina-muller/"])
    elif where == "other byline":
        amina.story("brother", by=["Karim Müller"])
    elif where == "file name":
        amina.story("amina-muller-at-the-market")
    elif where == "translation":
        amina.story("her-story-fr", translation_of="urn:uuid:not-checked", by=["Amina Müller"])
    elif where == "other story":
        amina.story("market", body="We met Amina Müller at the market.\n")
    elif where == "campaign":
        amina.campaign(body="With thanks to the Müller family.\n")
    elif where == "other profile":
        amina.ambassador("karim", body="My friend Amina Muller helped.\n")
    elif where == "page":
        amina.write("site_src/about.md", "# About\n\nThanks to Amina Müller.\n")
    passes, out = verdict(amina, capsys)
    assert not passes and "'Müller' of Amina" in out, out


def test_surname_guard_does_not_cry_wolf(amina, capsys):
    amina.story("her-story", storytellers=["amina"], by=None, body="Müllerian mimicry, a mule, and Mull island.\n")
    passes, out = verdict(amina, capsys)
    assert passes, out


def test_a_withdrawal_is_never_blocked_by_the_leak_that_prompted_it(amina, capsys):
    amina.story("her-story", storytellers=["amina"], by=None, summary="Amina Müller at home.",
                consent=consent(withdrawn=True))  # fmt: skip
    passes, out = verdict(amina, capsys)
    assert passes, out
    assert leaks(amina, "Müller") == [] and leaks(amina, "at home") == []
    assert "withdrawn at the storyteller" in amina.page("stories/2021/her-story")


# -- 3. withdrawal reaches every language version -------------------------------------------------------


def test_withdrawing_a_story_withdraws_its_translations(site, capsys):
    site.story("original", title="Quillomarine original", consent=consent(withdrawn=True))
    site.story("original-ar", lang="ar", title="Quillomarine translation", body="Quillomarine text.\n",
               translation_of=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'original')}")
    site.build()
    assert leaks(site, "Quillomarine") == []
    assert "withdrawn at the storyteller" in site.page("stories/2021/original-ar")
    os.environ["STORIES_NOW"] = NOW
    try:
        main(["--config", str(site.root / "mkdocs.yml"), "check", "--report"])
    finally:
        del os.environ["STORIES_NOW"]
    assert "withdrawn: stories/2021/original-ar.md (tombstone only; a language version is withdrawn" in capsys.readouterr().out


# -- 4. no picture of a pseudonymous person or a child ------------------------------------------------------


def test_a_story_told_under_a_pseudonym_has_no_picture(site, capsys):
    from tests.test_safety import gps_jpeg

    (site.root / "stories/2021/images").mkdir(parents=True)
    gps_jpeg(site.root / "stories/2021/images/face.jpg", (1200, 800))
    site.story("hidden", by=[{"name": "Rain", "display": "pseudonym"}], image="images/face.jpg", image_alt="Rain")
    passes, out = verdict(site, capsys)
    assert not passes and "stories/2021/hidden.md:" in out and "published without a picture" in out


# -- 5. remote pictures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["![pixel](https://tracker.example/p.png)\n",
                                  '<img src="https://tracker.example/p.png" alt="">\n',
                                  "Text.\n\n![pixel][p]\n\n[p]: //tracker.example/p.png\n"])  # fmt: skip
def test_a_remote_picture_is_refused_at_its_line(site, capsys, body):
    site.story("pixel", body="First line.\n\n" + body)
    passes, out = verdict(site, capsys)
    assert not passes and "a picture from another site" in out and "under `image:`" in out
    line = int(re.search(r"stories/2021/pixel\.md:(\d+):", out)[1])
    text = (site.root / "stories/2021/pixel.md").read_text().splitlines()[line - 1]
    assert "tracker.example" in text


@pytest.mark.parametrize("body", ["![her face](face.jpg)\n", '<img src="/assets/face.jpg" alt="">\n',
                                  "![x](data:image/png;base64,iVBORw0KGgo=)\n"])  # fmt: skip
def test_a_picture_in_the_text_is_refused_at_its_line(site, capsys, body):
    """A body picture would be published as it is (metadata and all) and bypass the pseudonym rule."""
    site.campaign()
    site.ambassador("nour", name="Nour", display="pseudonym", lives_in="Yorkshire and the Humber")
    (site.root / "stories/2021").mkdir(parents=True, exist_ok=True)
    (site.root / "stories/2021/face.jpg").write_bytes((PROJECT / "stories/2021/images/shared-table.jpg").read_bytes())
    site.story("hidden-face", storytellers=["nour"], by=None, body="First line.\n\n" + body)
    passes, out = verdict(site, capsys)
    assert not passes and "stories/2021/hidden-face.md:" in out and "is not published" in out, out
    line = int(re.search(r"stories/2021/hidden-face\.md:(\d+): a picture in the text", out)[1])
    assert (site.root / "stories/2021/hidden-face.md").read_text().splitlines()[line - 1] == body.strip()


def test_the_sanitizer_drops_a_remote_picture_however_it_is_written():
    from builder.render import render_body

    html = render_body('<img src="&#104;ttps://tracker.example/p.png" alt="x"> <img src="HTTPS://t.example/q">')
    assert "tracker.example" not in html and "t.example" not in html


# -- 6. check passing means build passing -------------------------------------------------------------------


@pytest.mark.parametrize("meta, passes", [
    ({"title": "Coming soon 🎄"}, True),
    ({"title": "春节 in Leeds"}, True),
    ({"title": "A bell\x07 in the title"}, False),
    ({"title": "A form feed\x0c here"}, False),
    ({"place": "Leeds " * 50}, False),
    ({"title": "<b>Bold</b> title"}, False),
    ({"title": "@@stories:head@@ and @@stories:title@@"}, True),
    ({"body": "Text with a bell \x07.\n"}, False),
])  # fmt: skip
def test_check_and_build_agree(site, capsys, meta, passes):
    site.story("odd", tags=["food"], **meta)
    assert verdict(site, capsys)[0] is passes


def test_a_scheduled_emoji_title_publishes_on_time(site, capsys):
    site.story("later", title="Coming soon 🎄", date="2026-12-18T09:00:00+00:00", year=2026)
    assert verdict(site, capsys)[0]
    site.build(now="2026-12-18T10:00:00+00:00")
    assert "Coming soon 🎄" in site.page("stories/2026/later")


def test_a_shell_marker_in_a_title_stays_text(site):
    site.story("marker", title="Say @@stories:head@@ twice @@stories:description@@")
    site.build()
    html = site.page("stories/2021/marker")
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert "@@stories:head@@" in title and "<link" not in title and "<meta" not in title


def test_feed_titles_are_plain_text(site):
    site.story("plain", title="Fish & chips, “quoted”")
    site.build()
    entry = feedparser.parse(site.root / "site/feeds/rss.xml").entries[0]
    assert entry.title == "Fish & chips, “quoted”"


# -- 9. preview never reaches production --------------------------------------------------------------------


def test_build_refuses_preview_mode(site, monkeypatch):
    site.story("draft-one", draft=True)
    monkeypatch.setenv("STORIES_PREVIEW", "1")
    with pytest.raises(Abort):
        site.build()
    assert not (site.root / "site").exists()
    text = (site.root / "mkdocs.yml").read_text().replace("timezone: Europe/London", "timezone: Europe/London\n      preview: true")
    (site.root / "mkdocs.yml").write_text(text)
    monkeypatch.delenv("STORIES_PREVIEW")
    with pytest.raises(Abort):
        site.build()


# -- 10. consent dates and campaigns in the future -----------------------------------------------------------


def test_consent_given_in_the_future_is_refused(site, capsys):
    site.story("early", consent=consent(given="2030-01-01"))
    passes, out = verdict(site, capsys)
    assert not passes and "consent `given` is in the future (2030-01-01)" in out


def test_a_future_campaign_is_held_with_its_profiles_and_stories(site):
    site.campaign("2027-open-doors", title="Zephyrine Doors", hashtag="#ZephyrineDoors")
    site.ambassador("zeph", campaign="2027-open-doors", name="Zephyrina", body="Zephyrine profile.\n")
    site.story("zeph-story", campaign="2027-open-doors", title="A story", body="Zephyrine text.\n")
    site.build()
    assert leaks(site, "Zephyrin") == []
    site.campaign("2027-open-doors", title="Zephyrine Doors", hashtag="#ZephyrineDoors", announce="2026-11-01")
    site.build()
    assert "Zephyrine Doors" in site.page("campaigns/2027-open-doors")
    assert "Zephyrine profile" in site.page("ambassadors/zeph")


# -- 12. identifying details in what a protected person tells ---------------------------------------------------


@pytest.mark.parametrize("display, field, text", [
    ("pseudonym", "body", "We live at 14 Station Road, near HU1 2AA.\n"),
    ("first-name", "body", "Call me on +44 7700 900123.\n"),
    ("pseudonym", "title", "My new life in Tadcaster"),
    ("pseudonym", "summary", "Write to rain@example.org any time."),
])  # fmt: skip
def test_identifying_details_are_refused_for_protected_storytellers(site, capsys, display, field, text):
    meta = {"by": [{"name": "Rain Moss" if display == "first-name" else "Rain", "display": display}]}
    if field == "body":
        meta["body"] = text
    else:
        meta[field] = text
    site.story("protected", **meta)
    passes, out = verdict(site, capsys)
    assert not passes and "stories/2021/protected.md:" in out, out


def test_named_storytellers_may_name_their_town(site, capsys):
    site.story("open", title="My new life in Tadcaster", body="We moved to 14 Station Road in 2015.\n")
    assert verdict(site, capsys)[0]


# -- 13. smaller findings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-12-18T09:00:00", "soon"])
def test_a_bad_clock_is_one_clear_line(site, capsys, monkeypatch, value):
    monkeypatch.setenv("STORIES_NOW", value)
    code = main(["--config", str(site.root / "mkdocs.yml"), "check"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: STORIES_NOW=") and "Traceback" not in err


def test_a_withdrawn_profile_names_the_stories_that_still_name_the_person(site, capsys):
    site.campaign()
    site.ambassador("amer", name="Amer", consent=consent(withdrawn=True))
    site.story("told-by-amer", storytellers=["amer"], by=None)
    os.environ["STORIES_NOW"] = NOW
    try:
        main(["--config", str(site.root / "mkdocs.yml"), "check", "--report"])
    finally:
        del os.environ["STORIES_NOW"]
    out = capsys.readouterr().out
    assert "amer.md — profile hidden: consent withdrawn; still named on stories/2021/told-by-amer.md" in out


def test_folding_is_what_a_reader_sees():
    from builder.anonymity import fold

    assert fold("M&uuml;l<!-- x -->ler") == "muller"
    assert fold(unicodedata.normalize("NFD", "Müller")) == "muller"
    assert fold("Мüller") == "muller"  # Cyrillic М
    assert fold("Straße") == "strasse"


def test_a_build_cache_committed_in_a_pull_request_is_refused(site, capsys):
    """The build reuses `.cache/` entries by hash: one slipped into git would skip the sanitizer."""
    import subprocess

    site.story("plain")
    (site.root / ".cache/html").mkdir(parents=True)
    (site.root / ".cache/html/0123.html").write_text("<script>alert(1)</script>")
    subprocess.run(["git", "init", "-q"], cwd=site.root, check=True)
    subprocess.run(["git", "add", "-f", ".cache"], cwd=site.root, check=True)
    passes, out = verdict(site, capsys)
    assert not passes and ".cache/html/0123.html:1: 1 file of the build cache" in out, out
    subprocess.run(["git", "rm", "-rq", "--cached", ".cache"], cwd=site.root, check=True)
    passes, out = verdict(site, capsys)
    assert passes, out
