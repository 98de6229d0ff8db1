"""Our stylesheet and script: one of each, content-hashed, and Material's CSS cut to what we use."""

from __future__ import annotations

import re
from pathlib import Path

from builder import assets



def test_split_rules_round_trips_a_minified_stylesheet():
    css = '@charset "utf-8";a{b:c}@media (x){.d{e:"}{"}}/*{*/f{g:url("h{}")}'
    rules = assets.split_rules(css)
    assert rules == [('@charset "utf-8"', ""), ("a", "b:c"), ("@media (x)", '.d{e:"}{"}'), ("/*{*/f", 'g:url("h{}")')]
    assert assets.prune(css, lambda s: True) == css


def test_prune_drops_selectors_of_components_we_never_render():
    css = ".md-header{a:1}.md-search,.md-header__title{b:2}@media (min-width:1px){.md-search{c:3}}.admonition p{d:4}p{e:5}"
    kept = assets.prune(css, assets._material_selector_kept)
    assert kept == ".md-header{a:1}.md-header__title{b:2}p{e:5}"


def test_palette_keeps_only_the_configured_colours():
    css = ("[data-md-color-primary=indigo]{a:1}[data-md-color-primary=red]{b:2}"
           "[data-md-color-accent=indigo],[data-md-color-accent=pink]{c:3}[data-md-color-scheme=slate]{d:4}")
    kept = assets.prune(css, assets._palette_selector_kept({"primary": {"indigo"}, "accent": {"indigo"}}))
    assert kept == "[data-md-color-primary=indigo]{a:1}[data-md-color-accent=indigo]{c:3}[data-md-color-scheme=slate]{d:4}"


def test_names_change_with_the_bytes():
    one, two = assets.hashed("assets/stories.css", b"a{}"), assets.hashed("assets/stories.css", b"b{}")
    assert re.fullmatch(r"assets/stories\.[0-9a-f]{10}\.css", one.url) and one.url != two.url
    assert assets.hashed("assets/stories.css", b"a{}") == one


def test_a_story_loads_one_hashed_stylesheet_and_one_deferred_script(site):
    site.story("plain")
    built = site.build()
    html = site.page("stories/2021/plain")
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    scripts = re.findall(r'<script src="([^"]+)"([^>]*)>', html)
    assert len(sheets) == 1 and re.fullmatch(r"(\.\./){3}assets/stories\.[0-9a-f]{10}\.css", sheets[0])
    assert [(re.sub(r"\.[0-9a-f]{10}\.", ".H.", src), rest) for src, rest in scripts] == [("../../../assets/site.H.js", " defer")]
    css = (built / sheets[0].removeprefix("../../../")).read_text(encoding="utf-8")
    assert "@media print" in css and ".md-header" in css and ".md-search" not in css and ".story-card" in css
    assert not (built / "assets" / "javascripts").exists() and not (built / "assets" / "stylesheets").exists()
    search = site.page("search")
    assert re.search(r'<script src="\.\./assets/search\.[0-9a-f]{10}\.js" defer>', search)
