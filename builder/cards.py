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

Where the text goes (fonts, scripts, line breaking, the boxes) is `builder.card_layout`;
this module draws, encodes and caches. It does not import MkDocs.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple

import PIL
from PIL import Image as PILImage
from PIL import ImageChops, ImageDraw, ImageOps, features

from .card_layout import (  # noqa: F401 (the names tests and the pipeline use, from one place)
    ARABIC,
    FAMILIES,
    FONTS_DIR,
    GEOMETRY,
    HEIGHT,
    LATIN,
    PHOTO_PANEL,
    WIDTH,
    Box,
    Card,
    CardError,
    Family,
    Geometry,
    Layout,
    Placed,
    Run,
    Style,
    Weight,
    _direction,
    font,
    fonts_digest,
    is_rtl,
    layout,
    layout_line,
    require_raqm,
    visual_runs,
)
from .output import TEMP_NAME, write_atomic
from .workers import Workers, borrowed


CARD_VERSION = 4
"""Part of every card's hash: raise it when drawing changes in a way the constants don't show."""

JPEG_QUALITY = 85
EDGE_STEPS = 20
"""Shades between the panel and each text colour in a PNG card: smooth anti-aliased edges."""
PARALLEL_FROM = 8
"""Fewer cards than this are drawn in this process: starting workers costs more than they save."""

_CARD_NAME = re.compile(r"^[0-9a-f]{16}\.(jpg|png)$")
_PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


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


def contrast(a: Colour, b: Colour) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(colour: Colour) -> float:
        linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)



def _draw_text(draw: ImageDraw.ImageDraw, placed: Placed, box: Box, rtl: bool, fill: Colour | int) -> None:
    """Each line aligned to the card's reading side, its runs side by side on one baseline."""
    block = placed.block
    baseline = placed.top + block.ascent
    ink = draw._getink(fill)[0]  # what ImageDraw.text draws with
    for line in block.lines:
        x = box.right - line.width if rtl else box.left
        for run in line.runs:
            x = _draw_run(draw, ink, x, baseline, run, block.style)
        baseline += block.pitch


def _draw_run(draw: ImageDraw.ImageDraw, ink: int, x: float, baseline: int, run: Run, style: Style) -> float:
    """One run word by word, each word's glyphs rasterized once per worker; returns where it ends.

    Rasterizing the hinted fonts was most of a text card's time, and titles share their words.
    Letters never join across a space, so a word shaped alone is the word shaped in its line;
    words are placed by their advances, right to left in a right-to-left run.
    """
    key = (run.family, style.weight, style.size, _direction(run), style.lang)
    words = run.text.split(" ")
    space = _advance(*key, " ")
    widths = [_advance(*key, word) if word else 0.0 for word in words]
    end = x + sum(widths) + space * (len(words) - 1)
    cursor = end if run.rtl else x
    for word, width in zip(words, widths):
        if run.rtl:
            cursor -= width
        if word:
            mask, (dx, dy) = _word_mask(*key, word)
            draw.draw.draw_bitmap((math.floor(cursor + 0.5) + dx, baseline + dy), mask, ink)  # half up: shifts by 1 px alike
        cursor += width + space if not run.rtl else -space
    return end


@lru_cache(maxsize=16384)
def _advance(family: Family, weight: Weight, size: int, direction: str, lang: str, text: str) -> float:
    return font(family, weight, size).getlength(text, direction=direction, language=lang)


@lru_cache(maxsize=2048)
def _word_mask(family: Family, weight: Weight, size: int, direction: str, lang: str, word: str):  # noqa: ANN202
    """The word's coverage mask and its offset from the pen on the baseline (as ImageDraw.text gets it)."""
    face = font(family, weight, size)
    return face.getmask2(word, "L", direction, None, lang, 0, "ls", 0, (0.0, 0.0))


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

    A text card is what its PNG (`text_png`) holds, as RGB. On a photo
    card the small text strips go down first and span the width, so the photo and the title,
    drawn after them, are never covered by a strip's background.
    """
    plan = layout(card, photo is not None)
    if photo is None:
        with PILImage.open(io.BytesIO(text_png(plan, palette)), formats=["PNG"]) as stored:
            return stored.convert("RGB")
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


# -- text cards as palette PNGs, drawn and compressed band by band ----------------------------------


class Band(NamedTuple):
    """Rows of a text card as PNG stores them (a filter byte, then a palette index per pixel),
    deflated on their own: bands compressed apart can be joined into one stream. Only the
    compressed bytes are kept: a worker holds hundreds of shared bands."""

    packed: bytes
    adler: int
    length: int


@lru_cache(maxsize=8)
def _shades(palette: Palette, colour: Colour) -> bytes:
    """A lookup table from ink coverage (0-255) to the palette index of that shade of `colour`."""
    distinct = list(dict.fromkeys((palette.title, palette.kicker, palette.site, palette.rule)))
    base = 1 + distinct.index(colour) * EDGE_STEPS
    steps = (round(v * EDGE_STEPS / 255) for v in range(256))
    return bytes(base + step - 1 if step else 0 for step in steps)


def _deflated(raw: bytes) -> Band:
    """Run-length deflate: the rows are long runs of panel, and it compresses at a fifth of the
    time of zlib's default for 35% more bytes (15 KB against 11 KB a card)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    return Band(packer.compress(raw) + packer.flush(zlib.Z_FULL_FLUSH), zlib.adler32(raw), len(raw))


def _band(plan: Layout, top: int, bottom: int, palette: Palette, with_title: bool) -> PILImage.Image:
    """Rows `top`..`bottom` of a text card: each text drawn as coverage, mapped to its shades."""
    rows = PILImage.new("L", (WIDTH + 1, bottom - top), 0)
    box = plan.text._replace(left=plan.text.left + 1, right=plan.text.right + 1)  # column 0: the filter byte
    texts = [(plan.kicker, palette.kicker), (plan.site, palette.site)] + ([(plan.title, palette.title)] * with_title)
    for placed, colour in texts:
        pad, block = placed.block.style.size, placed.block
        if not block.lines or placed.top + block.height + pad <= top or placed.top - pad >= bottom:
            continue
        ink = PILImage.new("L", rows.size, 0)
        _draw_text(ImageDraw.Draw(ink), placed._replace(top=placed.top - top), box, plan.rtl, 255)  # type: ignore[arg-type]
        shaded = ink.point(list(_shades(palette, colour)))
        rows = shaded if not rows.getbbox() else ImageChops.lighter(rows, shaded)
    rule = plan.rule
    if rule.top < bottom and rule.bottom > top:
        full = _shades(palette, palette.rule)[255]
        ImageDraw.Draw(rows).rectangle((rule.left + 1, rule.top - top, rule.right, rule.bottom - 1 - top), fill=full)
    return rows


@lru_cache(maxsize=128)
def _shared_band(plan: Layout, top: int, bottom: int, palette: Palette) -> Band:
    """A band without the title: the kicker, site name and rule, the same on many cards."""
    return _deflated(_band(plan, top, bottom, palette, with_title=False).tobytes())


@lru_cache(maxsize=256)
def _blank_band(rows: int) -> Band:
    return _deflated(bytes((WIDTH + 1) * rows))


def _title_bands(plan: Layout, top: int, bottom: int, palette: Palette) -> tuple[Band, ...]:
    """The title's rows: only the rows with ink are compressed for this card, blank ones are shared."""
    rows = _band(plan, top, bottom, palette, with_title=True)
    box = rows.getbbox()
    if box is None:
        return (_blank_band(bottom - top),)
    first, last = box[1], box[3]
    stride = WIDTH + 1
    ink = _deflated(rows.tobytes()[first * stride : last * stride])
    return tuple(band for band in (_blank_band(first), ink, _blank_band(bottom - top - last)) if band.length)


def text_bands(plan: Layout, palette: Palette = PALETTE) -> tuple[Band, ...]:
    """Above the title, the title, below it. The title's band reaches a font size past its lines
    (accents, descenders); the other two are drawn and compressed once per worker."""
    title = plan.title
    top = max(0, title.top - title.block.style.size)
    bottom = min(HEIGHT, title.top + title.block.height + title.block.style.size)
    shared = plan._replace(title=None)  # what the two shared bands are cached by
    return (
        _shared_band(shared, 0, top, palette),  # type: ignore[arg-type]
        *_title_bands(plan, top, bottom, palette),
        _shared_band(shared, bottom, HEIGHT, palette),  # type: ignore[arg-type]
    )


def _adler_join(first: int, second: int, second_length: int) -> int:
    """zlib's adler32_combine: the checksum of two pieces from theirs."""
    base = 65521
    rem = second_length % base
    a = ((first & 0xFFFF) + (second & 0xFFFF) + base - 1) % base
    b = (rem * (first & 0xFFFF) + (first >> 16) + (second >> 16) + base - rem) % base
    return a | (b << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def text_png(plan: Layout, palette: Palette = PALETTE) -> bytes:
    """A text card's PNG: 8-bit palette, no filter, one zlib stream of the bands' deflate blocks,
    nothing but IHDR, PLTE, IDAT and IEND."""
    bands = text_bands(plan, palette)
    adler = 1
    for band in bands:
        adler = _adler_join(adler, band.adler, band.length)
    stream = b"\x78\x01" + b"".join(band.packed for band in bands) + b"\x03\x00" + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 3, 0, 0, 0)
    colours = bytes(text_palette(palette).getpalette())
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", colours) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")


class Encoding(NamedTuple):
    ext: str
    mime: str


PNG = Encoding("png", "image/png")
JPEG = Encoding("jpg", "image/jpeg")
_MIMES = {e.ext: e.mime for e in (PNG, JPEG)}


def encoding(has_photo: bool) -> Encoding:
    """PNG for text on the plain panel, JPEG when there is a photo.

    Text alone needs few colours: in a PNG of the panel, text colours and the shades between
    them it is sharp and about 13 KB, where a JPEG of it is about 60 KB with ringing around
    the letters. The JPEG keeps full-resolution colour (4:4:4): with 4:2:0 the coloured text
    grows dark fringes, for a quarter fewer bytes. Measured per card (benchmarks/cards_micro):
    a text card 1.8 ms of CPU and 13 KB, a photo card 5.5 ms and 96 KB.
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
    holder.putpalette([channel for colour in colours for channel in colour], rawmode="RGB")
    return holder


def encode(im: PILImage.Image, fmt: Encoding) -> bytes:
    """Bytes from pixels alone: every option explicit, no EXIF, ICC profile, text or comment.

    Photo cards are baseline JPEGs: link previews are fetched whole by a platform, never shown
    while loading, and progressive encoding took 12.6 ms a card against 5.4 ms for 7% fewer bytes.
    """
    out = io.BytesIO()
    if fmt is JPEG:
        # optimize=True (Huffman tables per image) saved 7% of the bytes for 80% more time.
        im.save(
            out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False, subsampling="4:4:4",
            exif=b"", comment=b"",
        )  # fmt: skip
    else:
        if im.mode != "P":
            im = im.quantize(palette=text_palette(), dither=PILImage.Dither.NONE)
        im.save(out, "PNG", compress_level=1)
    return out.getvalue()


def card_bytes(card: Card, photo: bytes | None, palette: Palette = PALETTE) -> bytes:
    """The file of one card: a text card goes straight from its bands to PNG, never a whole canvas."""
    if photo is None:
        return text_png(layout(card, False), palette)
    return encode(render(card, photo, palette), JPEG)


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
        payload = card_bytes(job.card, photo)
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
