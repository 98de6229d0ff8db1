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
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple

import PIL
from PIL import Image as PILImage
from PIL import ImageDraw, ImageOps, features

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


CARD_VERSION = 3
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
