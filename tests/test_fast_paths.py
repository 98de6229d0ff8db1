"""The faster forms of page links, related stories and search terms give what the plain forms gave;
pagination stays a handful of links however long the list."""

from __future__ import annotations

import itertools
import posixpath

from builder.pages import _top_scored, page_window, relative_url
from builder.search import term_set, terms

URLS = (
    "", "stories/", "stories/page/2/", "stories/page/12/", "stories/2021/a-story/", "stories/2021/other/",
    "stories/2020/a-story/", "tags/community/", "tags/community/page/3/", "campaigns/2021-x/",
    "ambassadors/amina/", "feeds/rss.xml", "feeds/ar/atom.xml", "assets/images/ab12/photo-640.webp",
    "stories", "a//b/", "/rooted/", "a/./b/", "a/../b/", "../up/",
)  # fmt: skip


def relpath_url(from_url: str, to_url: str) -> str:
    """`relative_url` as it was written first, with `posixpath.relpath`."""
    rel = posixpath.relpath("/" + to_url, "/" + from_url.rstrip("/") if from_url else "/")
    if to_url.endswith("/") or to_url == "":
        rel = "./" if rel == "." else rel + "/"
    return rel


def test_relative_url_matches_relpath_for_every_pair():
    for from_url, to_url in itertools.product(URLS, repeat=2):
        assert relative_url(from_url, to_url) == relpath_url(from_url, to_url), (from_url, to_url)


def test_relative_url_examples():
    assert relative_url("stories/2021/a/", "stories/2020/b/") == "../../2020/b/"
    assert relative_url("tags/x/", "stories/2021/a/") == "../../stories/2021/a/"
    assert relative_url("", "stories/") == "stories/"
    assert relative_url("stories/", "stories/") == "./"
    assert relative_url("stories/page/2/", "") == "../../../"


def test_only_the_best_scores_are_kept_for_ranking():
    scores = {"a": 3, "b": 5, "c": 3, "d": 1, "e": 2}
    assert _top_scored(scores, 3) == ["a", "b", "c"]
    assert _top_scored(scores, 2) == ["a", "b", "c"]
    assert _top_scored(scores, 9) == list(scores)
    assert _top_scored({}, 3) == []


def test_term_set_is_the_set_of_terms():
    for text in ("Cooks cooking, cooked! The cook's cookies", "Ça fait ÉTÉ — déjà vu", "مُهاجِرون في المدينة", ""):
        assert term_set(text) == set(terms(text))


def test_pagination_links_the_ends_and_the_neighbours_with_gaps_between():
    assert page_window(1, 1) == (1,)
    assert page_window(7, 484) == (1, None, 5, 6, 7, 8, 9, None, 484)
    assert page_window(1, 484) == (1, 2, 3, None, 484)
    assert page_window(484, 484) == (1, None, 482, 483, 484)
    assert page_window(4, 7) == (1, 2, 3, 4, 5, 6, 7)  # a one-page gap shows the page
    for count in range(1, 60):
        for number in range(1, count + 1):
            window = page_window(number, count)
            pages = [n for n in window if n is not None]
            assert number in pages and pages[0] == 1 and pages[-1] == count and len(window) <= 9
            assert pages == sorted(set(pages))
