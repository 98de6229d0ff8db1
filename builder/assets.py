"""Our stylesheet and scripts as content-hashed files, and Material's CSS cut to what we use.

A story's first visit must stay small on slow data (issue 14: 35 KB gzip of HTML, CSS and
JS). Material ships one 23 KB stylesheet for every component it has (search, code blocks,
admonitions, tooltips, consent banners, blog posts...) and a 2 KB palette for all its 21
colours. Our pages use its layout (header, tabs, drawer, sidebars, typeset) and one colour,
so the build keeps the rules whose classes all belong to that layout and the palette rules of
the configured colours, then joins them with our own rules into one render-blocking
stylesheet whose name carries a hash of its bytes, so a host can cache it for a year.

The cut is a fixed list of Material's components, not a scan of the built pages: the bytes
(and the hash) depend on Material and our CSS only, never on the content, and a page never
loses a rule because some other page stopped using it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

# Material's components that our pages render (class names before any `__` or `--`).
MATERIAL_KEEP = frozenset({
    "md-container", "md-content", "md-grid", "md-header", "md-icon", "md-logo", "md-main",
    "md-nav", "md-overlay", "md-sidebar", "md-skip", "md-tabs", "md-toggle", "md-typeset",
    "md-ellipsis", "md-footer", "md-footer-meta", "md-option", "headerlink", "md-button",
    "md-banner",
})  # fmt: skip

_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_PALETTE_VALUE = re.compile(r"\[data-md-color-(primary|accent)=([\w-]+)\]")


@dataclass(frozen=True)
class Asset:
    url: str  # site-relative: "assets/stories.1a2b3c4d5e.css"
    content: bytes


def hashed(url: str, content: bytes) -> Asset:
    """`assets/x.css` -> `assets/x.<10 hex of sha256>.css`: a new name whenever the bytes change."""
    stem, dot, suffix = url.rpartition(".")
    return Asset(f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}{dot}{suffix}", content)


def split_rules(css: str) -> list[tuple[str, str]]:
    """Top-level (prelude, block) pairs of a stylesheet; `block` is None-free: "" for `@import x;`.

    Enough of CSS syntax for minified stylesheets: braces, quoted strings and comments.
    """
    rules: list[tuple[str, str]] = []
    i, n, start, depth, open_at = 0, len(css), 0, 0, 0
    while i < n:
        c = css[i]
        if c in "\"'":
            end = i + 1
            while end < n and css[end] != c:
                end += 2 if css[end] == "\\" else 1
            i = end + 1
            continue
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c == "{":
            if depth == 0:
                open_at = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                rules.append((css[start:open_at].strip(), css[open_at + 1 : i]))
                start = i + 1
        elif c == ";" and depth == 0:
            rules.append((css[start:i].strip(), ""))
            start = i + 1
        i += 1
    return rules


def split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside `:is(...)`)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(prelude):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    parts.append(prelude[start:])
    return [p.strip() for p in parts if p.strip()]


def _material_selector_kept(selector: str) -> bool:
    return all(re.split(r"__|--", name)[0] in MATERIAL_KEEP for name in _CLASS.findall(selector))


def _palette_selector_kept(colours: dict[str, set[str]]):
    def kept(selector: str) -> bool:
        return all(value in colours[kind] for kind, value in _PALETTE_VALUE.findall(selector))
    return kept


_NESTING = ("@media", "@supports", "@container", "@layer")


def prune(css: str, kept) -> str:
    """The stylesheet without the selectors `kept` refuses; rules left empty go too."""
    out = []
    for prelude, block in split_rules(css):
        if not block and not prelude.startswith("@"):
            continue
        if prelude.startswith(_NESTING):
            inner = prune(block, kept)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{block}}}" if block else prelude + ";")
        else:
            selectors = [s for s in split_selectors(prelude) if kept(s)]
            if selectors:
                out.append(f"{','.join(selectors)}{{{block}}}")
    return "".join(out)


def site_stylesheet(material_css: str, palette_css: str, ours: str, colours: dict[str, set[str]]) -> bytes:
    """Material's layout rules, its palette for our colours, and ours last so ours win ties."""
    parts = [
        prune(material_css, _material_selector_kept),
        prune(palette_css, _palette_selector_kept(colours)),
        ours,
    ]
    return "\n".join(parts).encode("utf-8")


def material_stylesheets(theme_dir: Path) -> tuple[str, str]:
    """Material's main and palette stylesheets, whatever their hashed names in this release."""
    folder = theme_dir / "assets" / "stylesheets"
    main = next(folder.glob("main.*.min.css"))
    palette = next(folder.glob("palette.*.min.css"))
    return main.read_text(encoding="utf-8"), palette.read_text(encoding="utf-8")


# Our sources under the theme overrides, and the names pages link to them by.
STYLESHEETS = ("stories.css", "print.css")  # joined after Material's; print.css is all @media print
SCRIPTS = {"js": ("site.js",), "search": ("search.js",)}


def site_assets(theme_dir: Path, overrides: Path, palettes: list[dict]) -> dict[str, Asset]:
    """The stylesheet and scripts every page links to, keyed "css", "js", "search"."""
    colours: dict[str, set[str]] = {"primary": set(), "accent": set()}
    for option in palettes:
        for kind in colours:
            colours[kind].add(str(option.get(kind) or "indigo").replace(" ", "-"))
    material, palette = material_stylesheets(theme_dir)
    ours = "\n".join((overrides / "assets" / name).read_text(encoding="utf-8") for name in STYLESHEETS)
    found = {"css": hashed("assets/stories.css", site_stylesheet(material, palette, ours, colours))}
    for key, names in SCRIPTS.items():
        text = "\n".join((overrides / "assets" / name).read_text(encoding="utf-8") for name in names)
        found[key] = hashed(f"assets/{names[0]}", text.encode("utf-8"))
    return found


# Files of the theme no page links to any more: Material's bundles, our unhashed sources.
REPLACED = ("assets/javascripts/", "assets/stylesheets/", *(f"assets/{n}" for n in STYLESHEETS),
            *(f"assets/{n}" for names in SCRIPTS.values() for n in names), "assets/share.js")  # fmt: skip


def link_scripts(document: str, found: dict[str, Asset]) -> str:
    """Point a Markdown page's `<script src=".../assets/search.js">` at the hashed file."""
    return document.replace('assets/search.js"', f'{found["search"].url}"')
