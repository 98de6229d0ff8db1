"""Where everything on a social card goes, without pixels: fonts, scripts, lines, boxes.

Arabic must be shaped (letters joined, right to left), which needs Pillow's raqm layout.
Pillow lays out a run in one font only, so a line that mixes scripts ("قصة من Calais") is cut
here into runs: each character gets a direction from a reduced form of the Unicode
bidirectional algorithm, each run gets the shipped font that covers it, and runs are placed
in visual order. Raqm then shapes each run. Without raqm the build fails rather than publish
Arabic as disconnected letters in the wrong order.

`builder.cards` draws, encodes and caches what `layout` places. This module does not import MkDocs.
"""

from __future__ import annotations

import enum
import hashlib
import io
import struct
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from PIL import ImageFont, features

WIDTH, HEIGHT = 1200, 630
FONTS_DIR = Path(__file__).resolve().parent / "fonts"

RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"})
RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"})
"""Language and script subtags written right to left: "ar", but also "ku-Arab" or "pa-Arab"."""

ELLIPSIS = "\u2026"

class CardError(ValueError):
    """A card that cannot be drawn correctly; the message names the card and the reason."""


@dataclass(frozen=True)
class Card:
    key: str  # stable identity: "story:<id>", "ambassador:<id>", "campaign:<id>"
    title: str
    kicker: str  # "#ItTakesACommunity · 2021"
    site_name: str
    lang: str  # BCP 47; decides the layout direction
    photo: Path | None = None  # an already-sanitized derivative, or None

    @property
    def rtl(self) -> bool:
        return is_rtl(self.lang)


class Weight(enum.Enum):
    REGULAR = "Regular"
    BOLD = "Bold"


class Family(NamedTuple):
    """A shipped font family; `ascent`, `descent` and `leading` are in ems, fitted to its script's ink."""

    name: str
    ascent: float
    descent: float
    leading: float

    def path(self, weight: Weight) -> Path:
        return FONTS_DIR / f"{self.name}-{weight.value}.ttf"


LATIN = Family("NotoSans", ascent=0.92, descent=0.26, leading=1.18)
ARABIC = Family("NotoSansArabic", ascent=1.1, descent=0.6, leading=1.5)
FAMILIES = (LATIN, ARABIC)


class Run(NamedTuple):
    """A piece of a line drawn with one font in one direction."""

    text: str
    rtl: bool
    family: Family


class Line(NamedTuple):
    runs: tuple[Run, ...]  # in visual order, left to right
    width: float


class Style(NamedTuple):
    size: int
    weight: Weight
    lang: str


class Box(NamedTuple):
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


class Geometry(NamedTuple):
    """Sizes in pixels of the 1200x630 canvas; the title takes the largest size that fits."""

    margin: int = 64
    photo_width: int = 440
    kicker_size: int = 30
    site_size: int = 28
    title_sizes: tuple[int, ...] = (80, 72, 64, 58, 52, 48, 44)
    max_title_lines: int = 4
    gap: int = 36
    rule: tuple[int, int] = (56, 6)


GEOMETRY = Geometry()
PHOTO_PANEL = (GEOMETRY.photo_width, HEIGHT)
"""The photo's size on a card: a photo is picked and cropped to cover it."""
def is_rtl(lang: str) -> bool:
    primary, *rest = lang.strip().lower().replace("_", "-").split("-")
    return primary in RTL_LANGUAGES or any(subtag in RTL_SCRIPTS for subtag in rest)


def require_raqm() -> None:
    """Arabic without raqm comes out as isolated letters in reverse order: refuse instead."""
    if not features.check("raqm"):
        raise CardError(
            "social cards need Pillow's raqm text layout (HarfBuzz + FriBiDi) to shape Arabic "
            "right to left, and this Pillow has none: install FriBiDi (Debian: apt-get install "
            "libfribidi0) or a Pillow built with libraqm"
        )


@cache
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


@cache
def fonts_digest() -> str:
    """The shipped font files, by content: a font update is a new card."""
    digest = hashlib.sha256()
    for family in FAMILIES:
        for weight in Weight:
            path = family.path(weight)
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(_font_bytes(path)).digest())
    return digest.hexdigest()


@cache
def coverage(path: Path) -> frozenset[int]:
    """The code points a TrueType font maps to a glyph, read from its `cmap` table.

    Pillow has no way to ask whether a font has a glyph, and the answer decides which font
    draws each character; reading the table is exact and needs no extra dependency.
    """
    data = _font_bytes(path)
    (tables,) = struct.unpack_from(">H", data, 4)
    cmap = next(
        offset
        for tag, _, offset, _ in (struct.unpack_from(">4sIII", data, 12 + 16 * i) for i in range(tables))
        if tag == b"cmap"
    )
    (subtables,) = struct.unpack_from(">H", data, cmap + 2)
    offsets = {}
    for i in range(subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        (fmt,) = struct.unpack_from(">H", data, cmap + offset)
        offsets[(platform, encoding, fmt)] = cmap + offset
    if (3, 10, 12) in offsets:
        return _cmap_format12(data, offsets[(3, 10, 12)])
    if (3, 1, 4) in offsets:
        return _cmap_format4(data, offsets[(3, 1, 4)])
    raise CardError(f"{path.name}: no Unicode cmap (format 4 or 12)")


@cache
def _covered(family: Family, weight: Weight) -> frozenset[int]:
    """`coverage` by family and weight: asked once per character of every title."""
    return coverage(family.path(weight))


def _cmap_format12(data: bytes, at: int) -> frozenset[int]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    points: set[int] = set()
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        points.update(range(start + (glyph == 0), end + 1))
    return frozenset(points)


def _cmap_format4(data: bytes, at: int) -> frozenset[int]:
    (seg_x2,) = struct.unpack_from(">H", data, at + 6)
    segments = seg_x2 // 2
    ends_at = at + 14
    starts_at = ends_at + seg_x2 + 2
    deltas_at = starts_at + seg_x2
    ranges_at = deltas_at + seg_x2
    points: set[int] = set()
    for i in range(segments):
        (end,) = struct.unpack_from(">H", data, ends_at + 2 * i)
        (start,) = struct.unpack_from(">H", data, starts_at + 2 * i)
        (delta,) = struct.unpack_from(">H", data, deltas_at + 2 * i)
        (range_offset,) = struct.unpack_from(">H", data, ranges_at + 2 * i)
        for code in range(start, min(end, 0xFFFE) + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                (glyph,) = struct.unpack_from(">H", data, ranges_at + 2 * i + range_offset + 2 * (code - start))
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                points.add(code)
    return frozenset(points)


@lru_cache(maxsize=128)
def font(family: Family, weight: Weight, size: int) -> ImageFont.FreeTypeFont:
    require_raqm()
    path = family.path(weight)
    return ImageFont.truetype(io.BytesIO(_font_bytes(path)), size, layout_engine=ImageFont.Layout.RAQM)


def first_strong_rtl(text: str) -> bool | None:
    """The direction of a paragraph by its first strong character (rules P2-P3), None if none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return None


def directions(text: str, rtl: bool) -> list[bool]:
    """For each character, whether it is laid out right to left in a paragraph of direction `rtl`.

    A reduced Unicode bidirectional algorithm for plain text at two levels: strong letters keep
    their direction; European digits follow the last strong letter (W7), Arabic digits go with
    Arabic; a run of neutrals between two letters of one direction takes it, otherwise the
    paragraph's (N1-N2); a combining mark goes with its base. Explicit embeddings are ignored:
    titles do not carry them.
    """
    resolved: list[bool | None] = []
    last_strong = rtl
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            resolved.append(last_strong := False)
        elif kind in ("R", "AL"):
            resolved.append(last_strong := True)
        elif kind == "AN":
            resolved.append(True)
        elif kind == "EN":
            resolved.append(last_strong)
        else:
            resolved.append(None)
    out: list[bool] = []
    i = 0
    while i < len(resolved):
        value = resolved[i]
        if value is not None:
            out.append(value)
            i += 1
            continue
        j = i
        while j < len(resolved) and resolved[j] is None:
            j += 1
        before = out[-1] if out else rtl
        after = resolved[j] if j < len(resolved) else rtl
        out.extend([before if before == after else rtl] * (j - i))
        i = j
    for i, char in enumerate(text):
        if i and unicodedata.bidirectional(char) == "NSM":
            out[i] = out[i - 1]
    return out


def _strong(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("L", "R", "AL")


def _families(text: str, dirs: list[bool], weight: Weight) -> list[Family | None]:
    """The font for each character: the one made for the run's script if it has the glyph.

    A stretch of digits and punctuation goes to one font as a whole when one covers it all,
    so "50%" in an Arabic line is not split between two fonts and reordered.
    """
    chosen: list[Family | None] = [None] * len(text)
    i = 0
    while i < len(text):
        j = i + 1
        if not _strong(text[i]):
            while j < len(text) and not _strong(text[j]) and dirs[j] == dirs[i]:
                j += 1
        piece = {ord(c) for c in text[i:j]}
        primary = ARABIC if dirs[i] else LATIN
        ranked = (primary, *(f for f in FAMILIES if f != primary))
        whole = next((f for f in ranked if piece <= _covered(f, weight)), None)
        for k in range(i, j):
            chosen[k] = whole or next((f for f in ranked if ord(text[k]) in _covered(f, weight)), None)
        i = j
    return chosen


def visual_runs(text: str, rtl: bool, weight: Weight = Weight.BOLD) -> tuple[Run, ...]:
    """`text` cut into single-font, single-direction runs, left to right as they are drawn.

    Raises `CardError` for characters no shipped font has: a card with empty boxes in its
    title is worse than none, and the message says which characters need a font.
    """
    dirs = directions(text, rtl)
    fams = _families(text, dirs, weight)
    missing = sorted({c for c, f in zip(text, fams) if f is None})
    if missing:
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing)
        raise CardError(f"no shipped font has {names} (add one under builder/fonts)")
    segments: list[tuple[bool, list[Run]]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or (dirs[i], fams[i]) != (dirs[start], fams[start]):
            run = Run(text[start:i], dirs[start], fams[start])  # type: ignore[arg-type]
            if segments and segments[-1][0] == run.rtl:
                segments[-1][1].append(run)
            else:
                segments.append((run.rtl, [run]))
            start = i
    ordered = reversed(segments) if rtl else iter(segments)
    return tuple(run for seg_rtl, runs in ordered for run in (reversed(runs) if seg_rtl else runs))


def _direction(run: Run) -> str:
    return "rtl" if run.rtl else "ltr"


def measure(runs: tuple[Run, ...], style: Style) -> float:
    return sum(
        font(r.family, style.weight, style.size).getlength(r.text, direction=_direction(r), language=style.lang)
        for r in runs
    )


@lru_cache(maxsize=4096)
def layout_line(text: str, rtl: bool, style: Style) -> Line:
    runs = visual_runs(text, rtl, style.weight)
    return Line(runs, measure(runs, style))


def _split_word(word: str, fits: Callable[[str], bool]) -> list[str]:
    """A word wider than the line, cut between characters (never before a combining mark)."""
    pieces, current = [], ""
    for char in word:
        if current and not fits(current + char) and not unicodedata.category(char).startswith("M"):
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy line breaking at spaces, in logical order; a too-long word is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _split_word(word, fits) if not fits(word) else [word]
        lines.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        lines.append(current)
    return lines


def ellipsize(text: str, fits: Callable[[str], bool]) -> str:
    """`text` shortened at a word (or, for one long word, a character) until it fits with "…"."""
    current = text.rstrip()
    while current and not fits(current + ELLIPSIS):
        cut = current.rsplit(None, 1)[0] if " " in current else current[:-1]
        current = cut.rstrip()
    return current + ELLIPSIS


class Block(NamedTuple):
    """Lines of one text in one style; `ascent` and `descent` bound the ink of the first and last."""

    lines: tuple[Line, ...]
    style: Style
    pitch: int
    ascent: int
    descent: int
    shortened: bool

    @property
    def height(self) -> int:
        if not self.lines:
            return 0
        return self.ascent + self.pitch * (len(self.lines) - 1) + self.descent


def _metrics(lines: Iterable[Line], size: int) -> tuple[int, int, int]:
    return _family_metrics(frozenset(run.family for line in lines for run in line.runs), size)


def _family_metrics(families: frozenset[Family], size: int) -> tuple[int, int, int]:
    families = families or frozenset({LATIN})
    return (
        round(size * max(f.leading for f in families)),
        round(size * max(f.ascent for f in families)),
        round(size * max(f.descent for f in families)),
    )


@lru_cache(maxsize=16384)
def _word_width(word: str, rtl: bool, style: Style) -> float:
    """One word's width, kept per worker: titles share most of their words."""
    return measure(visual_runs(word, rtl, style.weight), style)


def wrap_by_words(text: str, rtl: bool, style: Style, width: int) -> list[str] | None:
    """Greedy breaking with each word measured once and widths added up, or None if a word is
    wider than the line. Shaping does not join letters across a space, so the sum is the
    line's width to within kerning at the spaces; `text_block` measures every line it keeps."""
    space = _word_width(" ", rtl, style)
    lines: list[str] = []
    current, used = "", 0.0
    for word in text.split():
        extent = _word_width(word, rtl, style)
        if extent > width:
            return None
        if current and used + space + extent <= width:
            current, used = f"{current} {word}", used + space + extent
        else:
            if current:
                lines.append(current)
            current, used = word, extent
    return [*lines, current] if current else lines


def text_block(text: str, rtl: bool, style: Style, width: int, max_lines: int) -> Block:
    """`text` broken into at most `max_lines` lines of `width`, the last one ellipsized if needed.

    Lines are found by adding word widths, then each is measured whole; should one not fit
    (kerning at a space), or the text need cutting, every candidate is measured whole instead.
    """
    quick = wrap_by_words(text, rtl, style, width)
    if quick is not None and len(quick) <= max_lines:
        lines = tuple(layout_line(t, rtl, style) for t in quick)
        if all(line.width <= width for line in lines):
            return Block(lines, style, *_metrics(lines, style.size), False)

    def fits(candidate: str) -> bool:
        return layout_line(candidate, rtl, style).width <= width

    texts = wrap(text, fits)
    shortened = len(texts) > max_lines
    if shortened:
        texts = [*texts[: max_lines - 1], ellipsize(" ".join(texts[max_lines - 1 :]), fits)]
    lines = tuple(layout_line(t, rtl, style) for t in texts)
    return Block(lines, style, *_metrics(lines, style.size), shortened)


def title_block(title: str, rtl: bool, lang: str, box: Box, geometry: Geometry = GEOMETRY) -> Block:
    """The largest size at which the whole title fits the box; at the smallest, it is ellipsized."""
    block = None
    families = frozenset(run.family for run in visual_runs(title, rtl, Weight.BOLD))
    for size in geometry.title_sizes:
        style = Style(size, Weight.BOLD, lang)
        pitch, ascent, descent = _family_metrics(families, size)
        room = min(geometry.max_title_lines, 1 + max(0, (box.height - ascent - descent) // pitch))
        if size != geometry.title_sizes[-1]:
            quick = wrap_by_words(title, rtl, style, box.width)
            if quick is not None and len(quick) > room:
                continue  # too many lines at this size, without measuring the cut version
        block = text_block(title, rtl, style, box.width, room)
        if not block.shortened and block.height <= box.height:
            return block
    assert block is not None
    return block


class Placed(NamedTuple):
    block: Block
    top: int


class Layout(NamedTuple):
    """Where everything goes; all text stays inside `text`, which the photo never overlaps."""

    rtl: bool
    text: Box
    photo: Box | None
    rule: Box
    kicker: Placed
    title: Placed
    site: Placed


def layout(card: Card, has_photo: bool, geometry: Geometry = GEOMETRY) -> Layout:
    """Placement alone, without pixels: what `render` draws, and what tests can check.

    The photo goes on the side where reading ends (right for left-to-right, left for Arabic),
    so the title comes first. The kicker and the site name take the direction of their own
    first letter: a Latin hashtag in an Arabic card is not turned into "ItTakesACommunity#".
    """
    m = geometry.margin
    photo = None
    text = Box(m, m, WIDTH - m, HEIGHT - m)
    if has_photo and card.rtl:
        photo = Box(0, 0, geometry.photo_width, HEIGHT)
        text = text._replace(left=geometry.photo_width + m)
    elif has_photo:
        photo = Box(WIDTH - geometry.photo_width, 0, WIDTH, HEIGHT)
        text = text._replace(right=WIDTH - geometry.photo_width - m)

    def own_direction(value: str) -> bool:
        found = first_strong_rtl(value)
        return card.rtl if found is None else found

    kicker_style = Style(geometry.kicker_size, Weight.BOLD, card.lang)
    site_style = Style(geometry.site_size, Weight.REGULAR, card.lang)
    kicker = text_block(card.kicker, own_direction(card.kicker), kicker_style, text.width, 1)
    site = text_block(card.site_name, own_direction(card.site_name), site_style, text.width, 1)
    site_top = text.bottom - site.height
    rule_width, rule_height = geometry.rule
    rule_top = site_top - geometry.gap // 2 - rule_height
    rule_left = text.right - rule_width if card.rtl else text.left
    rule = Box(rule_left, rule_top, rule_left + rule_width, rule_top + rule_height)
    below_kicker = text.top + (kicker.height + geometry.gap if kicker.lines else 0)
    title_box = Box(text.left, below_kicker, text.right, rule.top - geometry.gap)
    title = title_block(card.title, card.rtl, card.lang, title_box, geometry)
    title_top = title_box.top + max(0, (title_box.height - title.height) // 2)
    placed = Placed(kicker, text.top), Placed(title, title_top), Placed(site, site_top)
    return Layout(card.rtl, text, photo, rule, *placed)
