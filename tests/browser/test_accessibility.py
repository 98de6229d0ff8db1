"""Accessibility of every page type, proven in real headless Chromium (issue 6).

One test site is built per session from the project's bundled content, plus what the sample
lacks: a withdrawn story (its notice page), a story with an image and a content warning, and a
small page size so the all-stories index has a page 2. Then, for every page type:

- axe-core (tags in ``harness.AXE_TAGS``) finds nothing, at 390 px and 1280 px, light and dark;
- nothing needs sideways scrolling at 320 px (WCAG 1.4.10 reflow, i.e. 1280 px at 400% zoom);
- the page loads nothing from anywhere but the local server;
- the Nu HTML Checker finds no errors in any built page (``VNU_IGNORED_ERRORS`` aside);
- and on story pages: keyboard walk (skip link, every Tab stop reachable and visibly focused),
  one h1 and no skipped heading levels, alt on every image, document language and direction,
  hreflang on translation links.

Failures name the page type, width and colour scheme, e.g. ``test_axe[story-ar-390-dark]``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import NOW, PROJECT, SiteDir, consent

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")
PER_PAGE = 3  # the all-stories index paginates at this size in the test site: 7 pages, with a gap
SEARCH_QUERY = "community"

IMAGE_STORY = "stories/2021/a11y-shared-table/"
WITHDRAWN_STORY = "stories/2021/a11y-withdrawn/"
STORY_EN = "stories/2021/community-means-en/"
STORY_AR = "stories/2021/community-means-ar/"

# page type -> site-relative URL. Keep one entry per kind of page the site can produce.
PAGES = {
    "home": "",
    "story-en": STORY_EN,
    "story-ar": STORY_AR,
    "story-image-warning": IMAGE_STORY,
    "stories-page-2": "stories/page/2/",
    "campaigns": "campaigns/",
    "campaign": "campaigns/2021-it-takes-a-community/",
    "ambassadors": "ambassadors/",
    "ambassador": "ambassadors/amer/",
    "tags": "tags/",
    "tag": "tags/food/",
    "countries": "countries/",
    "country": "countries/sy/",
    "places": "places/",
    "place": "places/london/",
    "years": "years/",
    "year": "years/2021/",
    "search-results": "search/",
    "subscribe": "subscribe/",
    "about": "about/",
    "cohesion": "cohesion/",
    "accessibility": "accessibility/",
    "not-found": "no/such/page/",
    "withdrawn": WITHDRAWN_STORY,
}
STATUS = {"not-found": 404}

STORY_PAGES = {"story-en": ("en", "ltr"), "story-ar": ("ar", "rtl"), "story-image-warning": ("en", "ltr")}


# --------------------------------------------------------------------------------------------
# The test site: built once per session
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def a11y_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("a11y-site")
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("site_src", "stories", "campaigns"):
        shutil.copytree(PROJECT / folder, root / folder)
    if (PROJECT / ".cache" / "images").is_dir():  # only saves encoding time; a fresh clone has none
        shutil.copytree(PROJECT / ".cache" / "images", root / ".cache" / "images")

    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config, count = re.subn(r"(\n\s+per_page:\s*)\d+", rf"\g<1>{PER_PAGE}", config)
    assert count == 1, "mkdocs.yml: no `per_page:` option under the stories plugin to lower"
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")

    site = SiteDir(root)
    # An image and a content warning on one story; its facets guarantee the facet pages tested.
    site.story(
        "a11y-shared-table", title="A table for everyone", tags=["food", "community"], origin=["SY"],
        place="London", image="images/shared-table.jpg",
        image_alt="A long wooden table seen from above, set with bright plates and shared bowls.",
        content_warning="Mentions of detention and of family separation.",
        body="## Around the table\n\nWe cooked together every Sunday, and talked about "
             "[the campaign](../../../campaigns/) over the washing up.\n\n### Recipes\n\nSoup.\n",
    )  # fmt: skip
    site.story("a11y-withdrawn", title="A withdrawn story", consent=consent(withdrawn=True))
    site.build(now=NOW)
    built = root / "site"
    missing = [f"{name}: {url}" for name, url in PAGES.items()
               if name not in STATUS and not (built / url / "index.html").is_file()]  # fmt: skip
    assert not missing, "the test site lacks these page types:\n" + "\n".join(missing)
    assert "pagination__gap" in (built / PAGES["stories-page-2"] / "index.html").read_text(encoding="utf-8")
    return built


@pytest.fixture(scope="module")
def built_site(a11y_site: Path) -> Path:
    """Override of conftest's ``built_site``: ``site_server`` serves the session's test site."""
    return a11y_site


def open_page_type(page, base: str, name: str):
    """Navigate ``page`` to page type ``name``; for search, type a query and wait for results."""
    response = page.goto(f"{base}/{PAGES[name]}", wait_until="load")
    assert response is not None and response.status == STATUS.get(name, 200), (name, response and response.status)
    if name == "search-results":
        page.fill("#search-input", SEARCH_QUERY)
        page.press("#search-input", "Enter")
        page.wait_for_function("() => document.querySelectorAll('#search-results a').length > 0")
    return page


# --------------------------------------------------------------------------------------------
# axe on every page type x width x scheme
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def scheme_page(browser, harness):
    """``scheme_page(width, scheme)``: one page per (width, colour scheme), reused across tests.

    A fresh context per check would cost twice the time. Reuse is safe here: each check navigates
    anew, and Material remembers the palette it picked in localStorage, which is per context, so
    a context keeps the scheme it was created with."""
    contexts, pages = [], {}

    def get(width: int, scheme: str, height: int | None = None):
        if (width, scheme) not in pages:
            height = height or harness.VIEWPORT_HEIGHTS.get(width, 800)
            context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
            contexts.append(context)
            pages[(width, scheme)] = context.new_page()
        return pages[(width, scheme)]

    yield get
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def axe_results(site_server, scheme_page, run_axe_many):
    """``axe_results(name) -> {(width, scheme): (palette, violations)}``. The first test of a
    page type checks it at every width and scheme at once (concurrently); the others read."""
    cache: dict[str, dict] = {}

    def results(name: str) -> dict:
        if name not in cache:
            combos = [(width, scheme) for width in WIDTHS for scheme in SCHEMES]
            pages = [open_page_type(scheme_page(*combo), site_server, name) for combo in combos]
            palettes = [page.evaluate("() => document.body.dataset.mdColorScheme") for page in pages]
            cache[name] = dict(zip(combos, zip(palettes, run_axe_many(pages))))
        return cache[name]

    return results


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(name, width, scheme, axe_results, format_violations):
    palette, violations = axe_results(name)[(width, scheme)]
    assert palette == ("slate" if scheme == "dark" else "default")  # the palette really switched
    assert violations == [], f"{name} at {width}px, {scheme}: /{PAGES[name]}\n" + format_violations(violations)


_OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > vw + 1 && el.checkVisibility({opacityProperty: true, visibilityProperty: true})
      && !el.closest('.md-sidebar--primary');  // the closed navigation drawer waits off screen
  });
  return {scroll_width: document.documentElement.scrollWidth, viewport: vw,
          wide: wide.slice(0, 5).map((el) =>
            `<${el.tagName.toLowerCase()} class="${el.className}"> to ${Math.round(el.getBoundingClientRect().right)}px`)};
}"""


@pytest.mark.parametrize("name", PAGES)
def test_reflow_at_320_css_pixels(name, site_server, scheme_page):
    """WCAG 1.4.10: at 320 CSS px (1280 px zoomed to 400%) nothing needs sideways scrolling."""
    page = open_page_type(scheme_page(320, "light", height=256), site_server, name)
    info = page.evaluate(_OVERFLOW_JS)
    assert info["scroll_width"] <= info["viewport"] and not info["wide"], f"{name}: {info}"


# --------------------------------------------------------------------------------------------
# No third-party requests
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_page_loads_nothing_from_elsewhere(name, site_server, page_at, off_site_requests):
    page = page_at(f"{site_server}/{PAGES[name]}", width=390, wait_until="networkidle")
    assert page.nav_response.status == STATUS.get(name, 200)
    if name == "search-results":  # what a query fetches (the search index) counts too
        before = len(page.requested_urls)
        page.fill("#search-input", SEARCH_QUERY)
        page.press("#search-input", "Enter")
        page.wait_for_function("() => document.querySelectorAll('#search-results a').length > 0")
        page.wait_for_load_state("networkidle")
        assert len(page.requested_urls) > before, "the query fetched nothing: is the index inlined?"
    assert len(page.requested_urls) > 1, page.requested_urls  # the recorder saw the page's assets
    assert off_site_requests(page) == [], f"{name}: requests to other hosts"


# --------------------------------------------------------------------------------------------
# Keyboard and structure on story pages
# --------------------------------------------------------------------------------------------

def describe(state: dict | None) -> str:
    if state is None:
        return "nothing (body)"
    return (f"<{state['tag']}> {state['text']!r} href={state['href']!r} id={state['id']!r} box={state['box']} "
            f"ring={state['ring']} ({state['outline']}) rendered={state['rendered']} in_view={state['in_view']} "
            f"unobscured={state['unobscured']}"
            + (f" (covered by {state['covered_by']})" if state["covered_by"] else ""))  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["story-en", "story-ar"])
def test_keyboard_skip_link_and_visible_focus_on_every_tab_stop(name, width, site_server, page_at, focus_state,
                                                                  tabbables):  # fmt: skip
    page = page_at(f"{site_server}/{PAGES[name]}", width=width, reduced_motion="reduce")
    assert focus_state(page) is None  # nothing focused before the first Tab

    # The first Tab reaches the skip link, which is visible when focused ...
    page.keyboard.press("Tab")
    first = focus_state(page)
    assert first is not None and first["tag"] == "a" and first["text"] == "Skip to content", describe(first)
    assert first["visible_focus"], describe(first)
    target = first["href"]
    assert target and target.startswith("#"), describe(first)
    # ... and moves focus to the main content, where the next Tab continues.
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == target
    assert page.evaluate("() => document.activeElement.id") == target[1:]
    assert page.evaluate("(id) => !!document.getElementById(id).querySelector('h1')", target[1:])
    page.keyboard.press("Tab")
    after_skip = page.evaluate("(id) => document.getElementById(id).contains(document.activeElement)", target[1:])
    assert after_skip, "Tab after the skip link left the main content: " + describe(focus_state(page))

    # Walk the whole Tab order of a freshly loaded page: every stop shows focus, and every
    # interactive element a reader can see is reached. (Invisible ones must not be reached
    # either: that is the visible-focus check. Material's transparent "Back to top" button,
    # shown only while scrolling up, is neither.)
    page = page_at(f"{site_server}/{PAGES[name]}", width=width, reduced_motion="reduce")
    expected = [e for e in tabbables(page) if e["rendered"]]
    assert len(expected) > 10, expected
    reached, problems = [], []
    for _ in range(len(expected) + 10):
        page.keyboard.press("Tab")
        state = focus_state(page)
        if state is not None and not state["visible_focus"]:
            page.wait_for_timeout(250)  # a slow machine: give late layout one more chance
            state = focus_state(page)
        if state is None or (reached and state["key"] == reached[0]):
            break  # focus left the document or came round again
        reached.append(state["key"])
        if not state["visible_focus"]:
            problems.append(describe(state))
    assert not problems, f"{len(problems)} Tab stop(s) without visible focus:\n" + "\n".join(problems)
    missed = [e for e in expected if e["key"] not in reached]
    missed_text = "\n".join(f"<{e['tag']}> {e['text']!r} {e['href']}" for e in missed)
    assert not missed, "never reached with Tab:\n" + missed_text
    assert len(reached) == len(set(reached)), reached


_STRUCTURE_JS = """() => {
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')]
    .filter((h) => h.checkVisibility())
    .map((h) => ({level: Number(h.getAttribute('aria-level') || h.tagName.slice(1)), text: h.textContent.trim()}));
  return {
    lang: document.documentElement.getAttribute('lang'),
    dir: document.documentElement.getAttribute('dir'),
    computed_dir: getComputedStyle(document.body).direction,
    headings,
    // A story card's picture is decorative (alt=""): the card's heading link names the story.
    images: [...document.querySelectorAll('img')]
      .map((img) => ({src: img.currentSrc || img.src, alt: img.getAttribute('alt'), in_card: !!img.closest('li article')})),
    translations: [...document.querySelectorAll('article a[hreflang]')]
      .map((a) => ({href: a.href, hreflang: a.getAttribute('hreflang'), lang: a.getAttribute('lang')})),
  };
}"""


@pytest.mark.parametrize("name", list(STORY_PAGES))
def test_story_structure_headings_alt_language(name, site_server, page_at):
    lang, direction = STORY_PAGES[name]
    page = page_at(f"{site_server}/{PAGES[name]}", width=1280)
    info = page.evaluate(_STRUCTURE_JS)

    levels = [h["level"] for h in info["headings"]]
    assert levels.count(1) == 1, f"expected exactly one h1: {info['headings']}"
    assert levels[0] == 1, f"the first heading is not the h1: {info['headings']}"
    skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not skips, f"skipped heading levels {skips}: {info['headings']}"

    assert all(img["alt"] is not None for img in info["images"]), info["images"]
    if name == "story-image-warning":
        lead = [img for img in info["images"] if not img["in_card"]]
        assert lead and all(img["alt"].strip() for img in lead), info["images"]
        assert all(img["alt"] == "" for img in info["images"] if img["in_card"]), info["images"]
        assert page.locator(".content-warning").count() == 1

    assert (info["lang"], info["dir"], info["computed_dir"]) == (lang, direction, direction)
    if name in ("story-en", "story-ar"):
        assert info["translations"], "the story's translation is not linked"
    for link in info["translations"]:
        assert link["hreflang"] and link["lang"] == link["hreflang"], link
        # the linked page really is in the language hreflang announces
        other = page.context.new_page()
        other.goto(link["href"])
        assert other.evaluate("() => document.documentElement.lang") == link["hreflang"], link
        other.close()


# --------------------------------------------------------------------------------------------
# Valid HTML
# --------------------------------------------------------------------------------------------

def test_every_built_page_is_valid_html(a11y_site, vnu, format_vnu, harness):
    pages = sorted(a11y_site.rglob("*.html"))
    assert len(pages) >= len(PAGES), pages
    everything = vnu([a11y_site], ignored=[])  # one JVM for the whole site
    errors = harness.filter_vnu_messages(everything)
    assert errors == [], format_vnu(errors)
    # Each documented exception must still be needed, or it is hiding nothing and should go.
    for entry in harness.VNU_IGNORED_ERRORS:
        used = any(harness.vnu_ignore_matches(entry, m) for m in everything)
        assert used, f"stale VNU_IGNORED_ERRORS entry (matches nothing): {entry[0]}"


def test_test_site_has_every_page_type(a11y_site):
    story = (a11y_site / IMAGE_STORY / "index.html").read_text(encoding="utf-8")
    assert "<img" in story and "content-warning" in story
    tombstone = (a11y_site / WITHDRAWN_STORY / "index.html").read_text(encoding="utf-8")
    assert "withdrawn" in tombstone and "We cooked" not in tombstone
    assert os.path.isfile(a11y_site / "404.html")
