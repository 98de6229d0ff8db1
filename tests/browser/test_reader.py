"""What a reader sees and does, measured in real headless Chromium (issue 14).

The sample content is built once, plus two stories with pictures (one with a content warning);
the home page's countdown is checked on a second build with the clock at 2 December 2021,
sixteen days before that year's International Migrants' Day.
Every assertion is about the rendered page: boxes the browser computed, pixels in
screenshots, what the keyboard does, attributes a screen reader reads; never class names.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import NOW, PROJECT, SiteDir

pytestmark = pytest.mark.browser

BEFORE_THE_DAY = "2021-12-02T10:00:00+00:00"  # 16 days before 18 December 2021
STORY = "stories/2021/sport-open-to-all/"  # has a picture, three themes and share links
STORY_AR = "stories/2021/community-means-ar/"
CAMPAIGN = "campaigns/2021-it-takes-a-community/"
WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")


def sample_site(root: Path) -> SiteDir:
    """The project's own content and settings, copied into `root`."""
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("site_src", "stories", "campaigns"):
        shutil.copytree(PROJECT / folder, root / folder)
    if (PROJECT / ".cache" / "images").is_dir():  # saves encoding time only
        shutil.copytree(PROJECT / ".cache" / "images", root / ".cache" / "images")
    return SiteDir(root)


@pytest.fixture(scope="module")
def reader_site(tmp_path_factory) -> Path:
    site = sample_site(tmp_path_factory.mktemp("reader-site"))
    site.story("reader-shared-table", title="A table for everyone", tags=["food", "community"], origin=["SY"],
               place="London", image="images/shared-table.jpg", date="2021-12-19T09:00:00+00:00",
               image_alt="A long wooden table set with bright plates and shared bowls.",
               content_warning="Mentions of detention.", body="We cooked together every Sunday.\n")  # fmt: skip
    site.story("reader-court", title="Courtside", tags=["sport"], image="images/sport-court.jpg",
               image_alt="A table tennis table seen from above.", date="2021-12-20T09:00:00+00:00")  # fmt: skip
    return site.build(now=NOW)


@pytest.fixture(scope="module")
def built_site(reader_site: Path) -> Path:
    return reader_site


# --------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------

_BOXES_JS = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const r = el.getBoundingClientRect();
  return {left: r.left, top: r.top, width: r.width, height: r.height, text: el.innerText.trim()};
})"""


def rows(boxes: list[dict]) -> int:
    """How many rows the boxes lie in: boxes overlapping vertically share a row."""
    lines: list[tuple[float, float]] = []
    for box in sorted(boxes, key=lambda b: b["top"]):
        if lines and box["top"] < lines[-1][1] - 1:
            lines[-1] = (lines[-1][0], max(lines[-1][1], box["top"] + box["height"]))
        else:
            lines.append((box["top"], box["top"] + box["height"]))
    return len(lines)


def test_tag_chips_and_share_links_lie_on_one_row_at_desktop_width(site_server, page_at):
    page = page_at(f"{site_server}/{STORY}", width=1280)
    tags = page.evaluate(_BOXES_JS, "a[href*='/tags/']:is(.story *)")
    shares = page.evaluate(_BOXES_JS, "nav[aria-labelledby] li > :is(a, button):not([hidden])")
    assert [t["text"] for t in tags] == ["Sport", "Youth", "Welcome"]
    assert len(shares) >= 4
    assert rows(tags + shares) == 1, f"tags and share links span {rows(tags + shares)} rows: {tags + shares}"
    # ... as chips: boxes side by side, not an indented list
    lefts = [b["left"] for b in tags + shares]
    assert lefts == sorted(lefts) and len(set(round(x) for x in lefts)) == len(lefts)


def test_home_counts_the_days_to_the_next_campaign(tmp_path, serve_dir, page_at):
    site = sample_site(tmp_path)
    built = site.build(now=BEFORE_THE_DAY)
    page = page_at(f"{serve_dir(built)}/", width=390)
    hero = page.locator("section[aria-labelledby='campaign-heading']")
    assert hero.locator("h2").inner_text() == "#ItTakesACommunity"
    text = hero.text_content()
    assert "18 December 2021" in text and "in 16 days" in text


def test_home_shows_story_cards_with_pictures(site_server, page_at):
    page = page_at(f"{site_server}/", width=1280, wait_until="networkidle")
    cards = page.evaluate("""() => [...document.querySelectorAll('main article')].map((card) => {
      const r = card.getBoundingClientRect();
      const img = card.querySelector('img');
      const media = card.firstElementChild.getBoundingClientRect();
      return {top: Math.round(r.top), left: Math.round(r.left), title: card.querySelector('h3').innerText,
              picture: !!img && img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 200,
              media: [Math.round(media.width), Math.round(media.height)]};
    })""")
    assert len(cards) >= 6
    assert len({c["left"] for c in cards}) >= 3, f"story cards are not in a grid: {cards}"
    with_pictures = [c for c in cards if c["picture"]]
    assert len(with_pictures) >= 2, cards  # the two sample stories with photos: loaded and shown
    # cards without a photo still give the same room to a stand-in
    assert len({tuple(c["media"]) for c in cards}) == 1, cards


@pytest.mark.parametrize("width", WIDTHS)
def test_ambassadors_index_is_a_portrait_grid(width, site_server, page_at):
    page = page_at(f"{site_server}/ambassadors/", width=width)
    people = page.evaluate(_BOXES_JS, "main section li")
    assert len(people) >= 8
    columns = len({round(p["left"]) for p in people})
    assert columns >= (4 if width == 1280 else 2), f"{columns} columns at {width}px"


def test_no_sidebar_at_desktop_width_on_generated_pages(site_server, page_at):
    for url in ("", STORY, "stories/", "tags/", "tags/food/", "ambassadors/"):
        page = page_at(f"{site_server}/{url}", width=1280)
        content = page.evaluate("() => document.querySelector('main').getBoundingClientRect().width")
        sidebars = page.evaluate("""() => [...document.querySelectorAll('main nav, main [role=navigation]')]
          .filter((n) => n.checkVisibility() && n.getBoundingClientRect().width > 0 && !n.closest('.md-content'))
          .map((n) => n.getAttribute('aria-label'))""")
        assert sidebars == [], f"/{url}: a sidebar beside the content: {sidebars}"
        assert content > 1100, f"/{url}"


# --------------------------------------------------------------------------------------------
# Dates, language, titles, landmarks
# --------------------------------------------------------------------------------------------

def test_dates_read_the_british_way_and_arabic_pages_in_arabic(site_server, page_at):
    campaign = page_at(f"{site_server}/{CAMPAIGN}", width=1280)
    assert "18 December 2021" in campaign.locator("main").text_content()
    assert "December 18" not in campaign.locator("main").text_content()
    story = page_at(f"{site_server}/{STORY}", width=1280)
    assert story.locator("article time").first.inner_text() == "22 November 2021"
    arabic = page_at(f"{site_server}/{STORY_AR}", width=1280)
    assert re.search("ديسمبر|نوفمبر", arabic.locator("article time").first.inner_text())


def test_arabic_search_results_carry_their_language_and_direction(site_server, page_at):
    page = page_at(f"{site_server}/search/", width=390)
    page.fill("#search-input", "المجتمع")
    page.press("#search-input", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0")
    results = page.evaluate("""() => [...document.querySelectorAll('#search-results li')].map((li) => ({
      lang: li.closest('[lang]').lang, dir: getComputedStyle(li).direction, text: li.innerText.slice(0, 40)}))""")
    arabic = [r for r in results if re.search("[\u0600-\u06ff]", r["text"])]
    assert arabic and all(r["lang"] == "ar" and r["dir"] == "rtl" for r in arabic), results
    page.fill("#search-input", "community")
    page.press("#search-input", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#search-results li[lang=en]').length > 0")


def test_english_labels_inside_an_arabic_story_are_marked_english(site_server, page_at):
    page = page_at(f"{site_server}/{STORY_AR}", width=1280)
    chips = page.evaluate("""() => [...document.querySelectorAll("article a[href*='/tags/']")]
      .map((a) => [a.innerText, a.closest('[lang]').lang])""")
    assert chips and all(lang == "en" for _, lang in chips), chips
    hashtag = page.locator("article a[href*='/campaigns/'] bdi").first
    assert hashtag.inner_text().startswith("#")
    # the hashtag is isolated: its box reads left to right inside the right-to-left page
    assert page.evaluate("(el) => getComputedStyle(el).unicodeBidi", hashtag.element_handle()) == "isolate"


def test_titles_are_unique_and_no_landmark_is_empty_and_no_article_nests(site_server, page_at):
    titles = set()
    for url in ("", STORY, STORY_AR, CAMPAIGN, "stories/", "ambassadors/", "ambassadors/amer/", "tags/food/"):
        page = page_at(f"{site_server}/{url}", width=1280)
        title = page.title()
        assert title not in titles and title.count("Migrant Stories") == 1, title
        titles.add(title)
        problems = page.evaluate("""() => {
          const out = [];
          for (const el of document.querySelectorAll('main, nav, aside, header, footer, section[aria-labelledby], [role=navigation]')) {
            if (!el.checkVisibility()) continue;
            if (!el.innerText.trim()) out.push('empty ' + el.tagName + ' ' + (el.getAttribute('aria-label') || ''));
          }
          if (document.querySelector('article article')) out.push('nested article');
          return out;
        }""")
        assert problems == [], f"/{url}: {problems}"


# --------------------------------------------------------------------------------------------
# Keyboard: phone menu and palette toggle
# --------------------------------------------------------------------------------------------

def tab_to(page, predicate_js: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate_js}; }}"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate_js}")


@pytest.mark.parametrize("key", ["Enter", " "])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_phone_menu_opens_from_a_named_button_by_keyboard(key, scheme, site_server, page_at):
    page = page_at(f"{site_server}/{STORY}", width=390, color_scheme=scheme)
    drawer_links = "() => [...document.querySelectorAll('nav a[href]')].filter((a) => a.closest('[id]') && " \
                   "a.closest('#' + document.querySelector('[aria-controls]').getAttribute('aria-controls')) && " \
                   "a.checkVisibility({visibilityProperty: true}) && a.getBoundingClientRect().right > 0).length"
    assert page.evaluate(drawer_links) == 0  # closed: nothing of it is visible or focusable
    tab_to(page, "el.getAttribute('aria-expanded') !== null")
    button = page.evaluate("""() => { const el = document.activeElement;
      return {tag: el.tagName, name: el.getAttribute('aria-label') || el.innerText, expanded: el.getAttribute('aria-expanded')}; }""")
    assert button == {"tag": "BUTTON", "name": "Menu", "expanded": "false"}
    page.keyboard.press(key)
    page.wait_for_timeout(350)  # the drawer slides in (0.25 s)
    assert page.evaluate("() => document.querySelector('[aria-expanded]').getAttribute('aria-expanded')") == "true"
    assert page.evaluate(drawer_links) >= 7
    focused = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect(); "
                            "return [document.activeElement.tagName, r.left >= 0 && r.right <= innerWidth]; }")
    assert focused == ["A", True]  # focus moved into the open drawer, on screen
    page.keyboard.press("Escape")
    page.wait_for_timeout(350)
    assert page.evaluate("() => document.activeElement.getAttribute('aria-expanded')") == "false"
    assert page.evaluate(drawer_links) == 0


def test_palette_toggle_is_one_named_button_with_its_state(site_server, page_at):
    page = page_at(f"{site_server}/", width=1280, color_scheme="light")
    buttons = page.get_by_role("button", name="Dark mode")
    assert buttons.count() == 1
    assert page.locator("[data-md-component=palette], input[name=__palette]").count() == 0  # no radio pair left
    assert buttons.get_attribute("aria-pressed") == "false"
    tab_to(page, "el.getAttribute('aria-pressed') !== null")
    page.keyboard.press(" ")
    assert buttons.get_attribute("aria-pressed") == "true"
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "slate"
    page.reload()
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "slate"  # remembered
    assert page.get_by_role("button", name="Dark mode").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Tab")
    tab_to(page, "el.getAttribute('aria-pressed') !== null")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "default"


# --------------------------------------------------------------------------------------------
# Focus you can see: measured in screenshots
# --------------------------------------------------------------------------------------------

def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _pixels(image: Image.Image):
    data = image.tobytes()
    return zip(data[0::3], data[1::3], data[2::3])


def focus_indicator(focused: Image.Image, unfocused: Image.Image) -> tuple[int, float]:
    """Pixels whose colour changes by at least 3:1 between the two states, and the best ratio."""
    strong, best = 0, 1.0
    for a, b in zip(_pixels(focused), _pixels(unfocused)):
        if a != b:
            ratio = contrast(a, b)
            best = max(best, ratio)
            strong += ratio >= 3
    return strong, best


_ACTIVE_BOX_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  return {x: r.left, y: r.top, width: r.width, height: r.height,
          what: `<${el.tagName.toLowerCase()}> ${(el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40)}`};
}"""
PAD = 8  # the ring is drawn 2 px outside the element, 3 px wide


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("url", ["", STORY, CAMPAIGN], ids=["home", "story", "campaign"])
def test_every_tab_stop_shows_focus_at_3_to_1_in_screenshots(url, width, scheme, site_server, page_at):
    """WCAG 2.4.13 (focus appearance), measured: for each Tab stop, a screenshot of its area
    focused and one with focus removed; the pixels that change by at least 3:1 must add up to
    at least the element's perimeter (a 1 px line all round)."""
    page = page_at(f"{site_server}/{url}", width=width, color_scheme=scheme, reduced_motion="reduce")
    viewport = page.viewport_size
    failures, seen, visited = [], 0, set()
    for _ in range(200):
        page.keyboard.press("Tab")
        box = page.evaluate(_ACTIVE_BOX_JS)
        if box is None or box["what"].startswith("<body"):
            break
        key = (box["what"], round(box["x"]), round(box["y"] + page.evaluate("scrollY")))
        if key in visited:  # round again: every stop has been seen
            break
        visited.add(key)
        clip = {"x": max(0, box["x"] - PAD), "y": max(0, box["y"] - PAD)}
        clip["width"] = min(viewport["width"], box["x"] + box["width"] + PAD) - clip["x"]
        clip["height"] = min(viewport["height"], box["y"] + box["height"] + PAD) - clip["y"]
        if clip["width"] <= 0 or clip["height"] <= 0:
            failures.append(f"{box['what']}: off screen when focused ({box})")
            continue
        focused = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
        page.evaluate("() => { window.__stop = document.activeElement; document.activeElement.blur(); }")
        unfocused = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
        page.evaluate("() => window.__stop.focus({preventScroll: true})")  # the Tab order goes on from here
        strong, best = focus_indicator(focused, unfocused)
        perimeter = 2 * (min(box["width"], clip["width"]) + min(box["height"], clip["height"]))
        seen += 1
        if strong < perimeter:
            failures.append(f"{box['what']}: {strong} px change by ≥3:1 (need {perimeter:.0f}), best {best:.2f}:1")
    assert seen >= 10, f"only {seen} Tab stops reached"
    assert not failures, f"{len(failures)} of {seen} Tab stops without a 3:1 focus indicator:\n" + "\n".join(failures)
