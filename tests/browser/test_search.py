"""Search in a real browser: the expected story comes back; withdrawn words return nothing."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT, SiteDir, consent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def search_site(tmp_path_factory) -> SiteDir:
    import shutil

    root = tmp_path_factory.mktemp("search-site")
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", root / "site_src")
    site = SiteDir(root)
    site.campaign()
    site.story("kitchen", title="The shared kitchen", body="Cooking: we cooked marmalukka together every Sunday.\n",
               tags=["food"])  # fmt: skip
    site.story("pitch", title="Football on the pitch", body="The team trained on Tuesdays.\n", tags=["sport"])
    site.story("gone", title="Withdrawn tale", body="The word zorblefrot was only here.\n",
               consent=consent(withdrawn=True))  # fmt: skip
    site.story("held", title="Later tale", year=2027, date="2027-01-01T09:00:00+00:00",
               body="The word quinzapod is scheduled.\n")  # fmt: skip
    site.build()
    return site


def search(page_at, base: str, query: str):
    page = page_at(f"{base}/search/", wait_until="networkidle")
    before = len(page.requested_urls)
    page.fill("#search-input", query)
    page.press("#search-input", "Enter")
    page.wait_for_function("() => document.getElementById('search-status').textContent.includes('for')")
    titles = [a.inner_text() for a in page.query_selector_all("#search-results a")]
    return page, titles, page.requested_urls[before:]


def test_a_query_finds_the_expected_story(search_site, serve_dir, page_at):
    base = serve_dir(search_site.root / "site")
    page, titles, requests = search(page_at, base, "marmalukka")
    assert titles == ["The shared kitchen"]
    assert page.inner_text("#search-status") == "1 result for “marmalukka”."
    page.click("#search-results a")
    page.wait_for_url("**/stories/2021/kitchen/")


def test_the_index_is_fetched_only_when_searching(search_site, serve_dir, page_at):
    base = serve_dir(search_site.root / "site")
    home = page_at(f"{base}/", wait_until="networkidle")
    assert not [url for url in home.requested_urls if "/search/" in url and not url.endswith("/search/")]
    _, titles, requests = search(page_at, base, "football")
    assert titles == ["Football on the pitch"]
    fetched = sorted(url.split("/search/")[1].split("?")[0] for url in requests if "/search/" in url)
    assert fetched == ["d/0.json", "meta.json", "t/666f6f.json"]


@pytest.mark.parametrize("word", ["zorblefrot", "quinzapod"])
def test_withdrawn_and_scheduled_words_return_nothing(search_site, serve_dir, page_at, word):
    base = serve_dir(search_site.root / "site")
    page, titles, _ = search(page_at, base, word)
    assert titles == []
    assert page.inner_text("#search-status") == f"No results for “{word}”."


@pytest.mark.parametrize("query, expected", [
    ("cooking marmalukka", ["The shared kitchen"]),
    ("Marmalúkka", ["The shared kitchen"]),
    ("footb", ["Football on the pitch"]),
    ("trained", ["Football on the pitch"]),
    ("together pitch", []),
])
def test_words_are_matched_as_the_index_keeps_them(search_site, serve_dir, page_at, query, expected):
    base = serve_dir(search_site.root / "site")
    _, titles, _ = search(page_at, base, query)
    assert titles == expected


def test_a_search_link_with_a_query_shows_results(search_site, serve_dir, page_at):
    base = serve_dir(search_site.root / "site")
    page = page_at(f"{base}/search/?q=marmalukka", wait_until="networkidle")
    page.wait_for_function("() => document.getElementById('search-status').textContent.includes('for')")
    assert page.input_value("#search-input") == "marmalukka"
    assert [a.inner_text() for a in page.query_selector_all("#search-results a")] == ["The shared kitchen"]
