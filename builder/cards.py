"""Social cards: the 1200x630 picture a link preview shows for a story, profile or campaign.

A card is often seen as a thumbnail in a chat or a feed, so it carries few things, large: the
title, the campaign hashtag and year, the site name, and optionally a photo on one side. The
text sits on a plain panel in colours that pass WCAG AA against it, never on the photo, so it
stays legible whatever the picture.

The photo must already be a sanitized derivative from `builder.images`; a card is encoded from
a fresh canvas and nothing else, so it carries no metadata. Cards are cached by content, like
image derivatives: the file name is a hash of everything that shapes the bytes (texts, photo,
fonts, encoder versions), a rebuild encodes only what changed, and each call deletes the
cards nobody asked for, which is how a withdrawn story's card disappears.

Arabic must be shaped (letters joined, right to left), which needs Pillow's raqm layout.
Pillow lays out a run in one font only, so a line that mixes scripts ("قصة من Calais") is cut
here into runs: each character gets a direction from a reduced form of the Unicode
bidirectional algorithm, each run gets the shipped font that covers it, and runs are placed
in visual order. Raqm then shapes each run. Without raqm the build fails rather than publish
Arabic as disconnected letters in the wrong order.

This module does not import MkDocs.
"""

from __future__ import annotations

import enum
import hashlib
import io
import json
import re
import struct
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import PIL
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont, ImageOps, features

from .output import TEMP_NAME, write_atomic
from .workers import Workers, borrowed

CARD_VERSION = 3
"""Part of every card's hash: raise it when drawing changes in a way the constants don't show."""

WIDTH, HEIGHT = 1200, 630
JPEG_QUALITY = 85
EDGE_STEPS = 20
"""Shades between the panel and each text colour in a PNG card: smooth anti-aliased edges."""
PARALLEL_FROM = 8
"""Fewer cards than this are drawn in this process: starting workers costs more than they save."""

FONTS_DIR = Path(__file__).resolve().parent / "fonts"

RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"})
RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"})
"""Language and script subtags written right to left: "ar", but also "ku-Arab" or "pa-Arab"."""

ELLIPSIS = "\u2026"

_CARD_NAME = re.compile(r"^[0-9a-f]{16}\.(jpg|png)$")
_PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


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


@dataclass(frozen=True)
class CardImage:
    url: str  # site-relative: "cards/<hash16>.jpg"
    path: Path  # the file in the cache dir
    width: int
    height: int
    mime: str


class Colour(NamedTuple):
    r: int
    g: int
    b: int


class Palette(NamedTuple):
    """Indigo as in the site theme; every text colour has at least 7:1 contrast on the panel."""

    panel: Colour = Colour(0x1A, 0x23, 0x7E)
    title: Colour = Colour(0xFF, 0xFF, 0xFF)
    kicker: Colour = Colour(0xFF, 0xD5, 0x4F)
    site: Colour = Colour(0xC5, 0xCA, 0xE9)
    rule: Colour = Colour(0xFF, 0xD5, 0x4F)


PALETTE = Palette()


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
        whole = next((f for f in ranked if piece <= coverage(f.path(weight))), None)
        for k in range(i, j):
            chosen[k] = whole or next((f for f in ranked if ord(text[k]) in coverage(f.path(weight))), None)
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
    families = {run.family for line in lines for run in line.runs} or {LATIN}
    return (
        round(size * max(f.leading for f in families)),
        round(size * max(f.ascent for f in families)),
        round(size * max(f.descent for f in families)),
    )


def text_block(text: str, rtl: bool, style: Style, width: int, max_lines: int) -> Block:
    """`text` broken into at most `max_lines` lines of `width`, the last one ellipsized if needed."""

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
    for size in geometry.title_sizes:
        style = Style(size, Weight.BOLD, lang)
        pitch, ascent, descent = _metrics([layout_line(title, rtl, style)], size)
        room = 1 + max(0, (box.height - ascent - descent) // pitch)
        block = text_block(title, rtl, style, box.width, min(geometry.max_title_lines, room))
        if not block.shortened and block.height <= box.height:
            return block
    assert block is not None
    return block


def contrast(a: Colour, b: Colour) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(colour: Colour) -> float:
        linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


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


def _draw_text(draw: ImageDraw.ImageDraw, placed: Placed, box: Box, rtl: bool, fill: Colour) -> None:
    """Each line aligned to the card's reading side, its runs side by side on one baseline."""
    block = placed.block
    lang = block.style.lang
    baseline = placed.top + block.ascent
    for line in block.lines:
        x = box.right - line.width if rtl else box.left
        for run in line.runs:
            face = font(run.family, block.style.weight, block.style.size)
            direction = _direction(run)
            position = (round(x), baseline)
            draw.text(position, run.text, font=face, fill=fill, anchor="ls", direction=direction, language=lang)
            x += face.getlength(run.text, direction=direction, language=lang)
        baseline += block.pitch


@lru_cache(maxsize=16)
def _photo(data: bytes, size: tuple[int, int], background: Colour) -> PILImage.Image:
    """The photo cover-cropped to its panel, a little above centre where faces usually are.

    Cached: a translation's card, or a profile photo on many stories, fits the same photo again.
    """
    try:
        with PILImage.open(io.BytesIO(data), formats=_PHOTO_FORMATS) as im:
            im.load()
            if im.mode in ("RGBA", "LA", "PA", "P"):
                rgba = im.convert("RGBA")
                flat = PILImage.alpha_composite(PILImage.new("RGBA", rgba.size, (*background, 255)), rgba)
            else:
                flat = im
            fitted = ImageOps.fit(flat.convert("RGB"), size, PILImage.Resampling.LANCZOS, centering=(0.5, 0.4))
    except (OSError, ValueError, PILImage.DecompressionBombError) as error:
        raise CardError(f"photo cannot be decoded: {error}") from None
    return PILImage.frombytes("RGB", fitted.size, fitted.tobytes())


@lru_cache(maxsize=64)
def _strip(placed: Placed, box: Box, rtl: bool, fill: Colour, panel: Colour) -> tuple[PILImage.Image, int]:
    """One line of small text drawn across the card's width, and the `y` to paste it at.

    The site name is on every card and the kicker on most of them, so each is drawn once per
    worker. The strip reaches a font size above and below the block, past any accent or
    descender, and its pixels are the ones drawing in place would give.
    """
    pad = placed.block.style.size
    top = max(0, placed.top - pad)
    bottom = min(HEIGHT, placed.top + placed.block.height + pad)
    strip = PILImage.new("RGB", (WIDTH, bottom - top), panel)
    _draw_text(ImageDraw.Draw(strip), placed._replace(top=placed.top - top), box, rtl, fill)
    return strip, top


def render(card: Card, photo: bytes | None = None, palette: Palette = PALETTE) -> PILImage.Image:
    """The card's pixels; `photo` is the bytes of `card.photo`.

    The small text strips go down first and span the width, so the photo and the title, drawn
    after them, are never covered by a strip's background.
    """
    plan = layout(card, photo is not None)
    im = PILImage.new("RGB", (WIDTH, HEIGHT), palette.panel)
    for placed, fill in ((plan.kicker, palette.kicker), (plan.site, palette.site)):
        strip, top = _strip(placed, plan.text, plan.rtl, fill, palette.panel)
        im.paste(strip, (0, top))
    if plan.photo is not None and photo is not None:
        box = plan.photo
        im.paste(_photo(photo, (box.width, box.height), palette.panel), (box.left, box.top))
    draw = ImageDraw.Draw(im)
    _draw_text(draw, plan.title, plan.text, plan.rtl, palette.title)
    draw.rectangle((plan.rule.left, plan.rule.top, plan.rule.right - 1, plan.rule.bottom - 1), fill=palette.rule)
    return im


class Encoding(NamedTuple):
    ext: str
    mime: str


PNG = Encoding("png", "image/png")
JPEG = Encoding("jpg", "image/jpeg")
_MIMES = {e.ext: e.mime for e in (PNG, JPEG)}


def encoding(has_photo: bool) -> Encoding:
    """PNG for text on the plain panel, JPEG when there is a photo.

    Text alone needs few colours: in a PNG of the panel, text colours and the shades between
    them it is sharp and about 18 KB, where a JPEG of it is about 60 KB with ringing around
    the letters. The JPEG keeps full-resolution
    colour (4:4:4): with 4:2:0 the coloured text grows dark fringes, for a quarter fewer bytes.
    """
    return JPEG if has_photo else PNG


@lru_cache(maxsize=4)
def text_palette(palette: Palette = PALETTE) -> PILImage.Image:
    """The panel, each text colour exactly, and `EDGE_STEPS` shades from the panel to each."""
    colours = [palette.panel]
    for colour in dict.fromkeys((palette.title, palette.kicker, palette.site, palette.rule)):
        for step in range(1, EDGE_STEPS + 1):
            colours.append(Colour(*(round(p + (c - p) * step / EDGE_STEPS) for p, c in zip(palette.panel, colour))))
    holder = PILImage.new("P", (1, 1))
    holder.putpalette([channel for colour in colours for channel in colour])
    return holder


def encode(im: PILImage.Image, fmt: Encoding) -> bytes:
    """Bytes from pixels alone: every option explicit, no EXIF, ICC profile, text or comment.

    Photo cards are baseline JPEGs: link previews are fetched whole by a platform, never shown
    while loading, and progressive encoding took 12.6 ms a card against 5.4 ms for 7% fewer bytes.
    """
    out = io.BytesIO()
    if fmt is JPEG:
        im.save(
            out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False, subsampling="4:4:4",
            exif=b"", comment=b"",
        )  # fmt: skip
    else:
        # optimize=True would save 12% of the bytes for ten times the time (62 ms a card).
        im.quantize(palette=text_palette(), dither=PILImage.Dither.NONE).save(out, "PNG", compress_level=6)
    return out.getvalue()


@lru_cache(maxsize=1)
def _engine() -> str:
    """Library versions that shape the bytes, so one hash means one file across upgrades."""
    names = ("jpg", "freetype2", "raqm", "harfbuzz", "fribidi")
    return json.dumps({"pillow": PIL.__version__, **{n: features.version(n) for n in names}}, sort_keys=True)


def card_hash(card: Card, photo_digest: str | None) -> str:
    """The card's file name: its texts, photo, fonts and design, but not its key, so twins share a file."""
    payload = {
        "version": CARD_VERSION,
        "design": [PALETTE, GEOMETRY, FAMILIES, JPEG_QUALITY, EDGE_STEPS],
        "title": card.title,
        "kicker": card.kicker,
        "site_name": card.site_name,
        "lang": card.lang,
        "photo": photo_digest,
        "fonts": fonts_digest(),
        "engine": _engine(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


class _Job(NamedTuple):
    """A card to draw. The photo is read again by the worker: holding the bytes of every photo
    card until it was drawn took 250 MB at 10,000 stories."""

    name: str
    card: Card
    cache_dir: Path


def _draw_job(job: _Job) -> None:
    """Render, encode and write one card; runs in a worker process when there are many."""
    photo = _read_photo(job.card)
    try:
        payload = encode(render(job.card, photo), encoding(photo is not None))
    except CardError as error:
        raise CardError(f"card {job.card.key}: {error}") from None
    write_atomic(job.cache_dir / job.name, payload)


def _run(jobs: list[_Job], workers: Workers) -> None:
    for _ in workers.map(_draw_job, jobs, minimum=PARALLEL_FROM, chunksize=4):
        pass


def _prune(cache_dir: Path, keep: set[str]) -> None:
    """Delete cards no one asked for and temp files an interrupted build left; nothing else."""
    for path in cache_dir.iterdir():
        if (_CARD_NAME.match(path.name) and path.name not in keep) or (TEMP_NAME.match(path.name) and path.is_file()):
            path.unlink(missing_ok=True)


def _read_photo(card: Card) -> bytes | None:
    if card.photo is None:
        return None
    try:
        return card.photo.read_bytes()
    except OSError as error:
        raise CardError(f"card {card.key}: photo {card.photo} cannot be read: {error.strerror or error}") from None


def _photo_digest(card: Card, digests: dict[Path, str]) -> str | None:
    """The photo's content hash, read once per file however many cards show it."""
    if card.photo is None:
        return None
    if card.photo not in digests:
        digests[card.photo] = hashlib.sha256(_read_photo(card) or b"").hexdigest()
    return digests[card.photo]


def _file_name(card: Card, digest: str | None) -> str:
    return f"{card_hash(card, digest)}.{encoding(digest is not None).ext}"


def _cached(path: Path) -> bool:
    """Writes are atomic, so a file under its final name is whole."""
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _card_image(path: Path) -> CardImage:
    mime = _MIMES[path.suffix.lstrip(".")]
    return CardImage(f"cards/{path.name}", path, WIDTH, HEIGHT, mime)


class CardPlan(NamedTuple):
    """Every card as it will be, known before any is drawn, and what drawing is left to do."""

    images: dict[str, CardImage]  # by card key
    jobs: tuple[_Job, ...]
    reused: int
    cache_dir: Path


def plan_cards(cards: Iterable[Card], cache_dir: Path) -> CardPlan:
    """Name each card's file from its content, without drawing: pages can link to it meanwhile.

    Cards with identical content share one file; a file already in the cache is reused.
    """
    require_raqm()
    cache_dir.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    jobs: dict[str, _Job] = {}
    reused: set[str] = set()
    digests: dict[Path, str] = {}
    for card in cards:
        if card.key in names:
            raise CardError(f"card {card.key}: the same key twice")
        if not card.title.strip():
            raise CardError(f"card {card.key}: empty title")
        name = names[card.key] = _file_name(card, _photo_digest(card, digests))
        if name in jobs or name in reused:
            continue
        if _cached(cache_dir / name):
            reused.add(name)
        else:
            jobs[name] = _Job(name, card, cache_dir)
    images = {key: _card_image(cache_dir / name) for key, name in sorted(names.items())}
    return CardPlan(images, tuple(jobs.values()), len(reused), cache_dir)


def draw_cards(plan: CardPlan, workers: Workers | None = None) -> None:
    """Draw what `plan` lacks, then leave only its cards in the cache.

    Every other card file is deleted, so a card whose story is gone goes with it.
    """
    with borrowed(workers) as pool:
        _run(list(plan.jobs), pool)
    _prune(plan.cache_dir, {image.path.name for image in plan.images.values()})


def make_cards(
    cards: Iterable[Card], cache_dir: Path, workers: Workers | None = None
) -> tuple[dict[str, CardImage], int, int]:
    """Plan and draw: `{card.key: CardImage}`, how many card files were drawn and how many reused."""
    plan = plan_cards(cards, cache_dir)
    draw_cards(plan, workers)
    return plan.images, len(plan.jobs), plan.reused
