"""Published images: upright, sRGB, free of metadata, in responsive sizes, cached by content.

A storyteller's photo is the most dangerous file on the site: cameras and phones write GPS
coordinates, serial numbers and editing history into it. So no source file is ever copied:
each one is decoded to pixels, turned upright and into sRGB, and every derivative is encoded
from a fresh image that holds those pixels and nothing else. Whatever metadata a format could
carry has nowhere to come from.

Derivatives are cached outside `site/` under a key made of the source bytes and the settings,
so a rebuild encodes only what changed, and the cache keeps only what the published content
uses: a withdrawn story's pictures leave it at the next build.

This module does not import MkDocs: the page generator and the MkDocs adapter both call it.
"""

from __future__ import annotations

import enum
import hashlib
import html
import io
import json
import re
import time
import warnings
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import PIL
import pillow_heif
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError, features

from .files import IMAGE_MAX_BYTES, IMAGE_TOO_LARGE, Refusal, read_bounded
from .output import TEMP_NAME, write_atomic
from .workers import Workers, borrowed

VERSION = 1
"""Part of every cache key: raise it when the encoding changes in a way the settings don't show."""

FALLBACK_WIDTH = 960
"""The `<img src>` for browsers without `srcset`: sharp enough on a laptop, light on a phone."""

MANIFEST = "manifest.json"
READABLE = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "AVIF", "HEIF")
"""Formats a source may be in. Fewer decoders is less attack surface for an uploaded file.
HEIF is what iPhones save photos as (`.heic`), read through pillow-heif (libheif)."""

pillow_heif.register_heif_opener()
STATIC_READABLE = READABLE + ("MPO", "BMP")
"""What a picture in `site_src/` may be in: whatever a comms team's camera or scanner makes,
since each is re-encoded before it is published."""

_DERIVATIVE_NAME = re.compile(r"^([0-9a-f]{16})-(\d+)\.(avif|webp|jpg)$")
_BOMB_SIZE = re.compile(r"\((\d+) pixels\)")
_WHITE = (255, 255, 255, 255)


class Format(enum.Enum):
    """An output format, in the order browsers should prefer it."""

    AVIF = "avif"
    WEBP = "webp"
    JPEG = "jpg"

    @property
    def ext(self) -> str:
        return self.value

    @property
    def mime(self) -> str:
        return "image/jpeg" if self is Format.JPEG else f"image/{self.value}"


@dataclass(frozen=True)
class ImageSettings:
    """How derivatives are made; the qualities come from `benchmarks/image_quality.py`.

    JPEG 80 is the reference (8x8-block SSIM about 0.95 at 960 px on photographic content);
    WebP 84 and AVIF 66 (at the efforts below) are the lowest qualities that match it, for about
    a tenth and over a third fewer bytes than the JPEG (85 and 59 against 95 KiB at 960 px).
    AVIF takes longer to encode than the other two, paid once per image thanks to the cache;
    where Pillow cannot write AVIF it is left out.

    Encoder effort, measured on the same pictures at 960 px (`benchmarks/image_quality.py`'s
    scenes, CPU per picture): AVIF speed 6 at 65 gave SSIM-8 0.949 in 467 ms; speed 8 needs
    quality 66 for the same SSIM (0.949) and takes 167 ms, for 12% more bytes (59 against
    53 KiB). AVIF encoding was over half of a cold build's CPU (about 10 of 25 s for the
    benchmark's 10 photos), so speed 8 at 66: a cold build or a new photo costs a third of the
    time, and a reader on a phone gets the same picture for about 6 KiB more. Speed 9 at 66
    would be 10x faster than 6 but 20% bigger, which readers pay on every visit. WebP is the
    fallback few browsers still need: method 2 takes 46% of method 4's time (29 against
    63 ms) for 3% more bytes at SSIM-8 0.954 (0.956 at method 4), still above the JPEG's.
    """

    widths: tuple[int, ...] = (480, 960, 1600)
    webp_quality: int = 84
    jpeg_quality: int = 80
    max_pixels: int = 40_000_000
    avif: bool = True
    avif_quality: int = 66
    avif_speed: int = 8
    webp_method: int = 2

    def __post_init__(self) -> None:
        if not self.widths or any(width < 1 for width in self.widths):
            raise ValueError(f"image widths must be positive, got {self.widths!r}")
        for name in ("webp_quality", "jpeg_quality", "avif_quality"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be between 1 and 100, got {getattr(self, name)}")
        if self.max_pixels < 1:
            raise ValueError(f"max_pixels must be positive, got {self.max_pixels}")

    @property
    def formats(self) -> tuple[Format, ...]:
        return (Format.AVIF,) * (self.avif and features.check("avif")) + (Format.WEBP, Format.JPEG)

    @property
    def fingerprint(self) -> str:
        """Everything that shapes the output bytes; `max_pixels` only decides what is refused.

        The encoder library versions are in it so that "same key, same bytes" holds across
        a Pillow upgrade too.
        """
        return json.dumps(
            {
                "version": VERSION,
                "pillow": PIL.__version__,
                "libjpeg": features.version("jpg"),
                "libwebp": features.version("webp"),
                "libavif": features.version("avif") if Format.AVIF in self.formats else None,
                "formats": [fmt.value for fmt in self.formats],
                "widths": sorted(set(self.widths)),
                "jpeg": self.jpeg_quality,
                "webp": self.webp_quality,
                "avif": self.avif_quality if Format.AVIF in self.formats else None,
                "avif_speed": self.avif_speed if Format.AVIF in self.formats else None,
                "webp_method": self.webp_method,
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class Derivative:
    url: str  # site-relative, "img/<name>"
    cache_path: Path
    width: int
    height: int
    mime: str
    size: int

    @property
    def name(self) -> str:
        return self.cache_path.name


@dataclass(frozen=True)
class Rendition:
    """One source image as published: its upright size and every derivative made from it."""

    source: str
    width: int
    height: int
    derivatives: tuple[Derivative, ...]

    def of(self, mime: str) -> tuple[Derivative, ...]:
        """The derivatives in one format, narrowest first."""
        return tuple(sorted((d for d in self.derivatives if d.mime == mime), key=lambda d: d.width))

    @property
    def jpegs(self) -> tuple[Derivative, ...]:
        return self.of(Format.JPEG.mime)

    @property
    def largest_jpeg(self) -> Derivative:
        """The sharpest universally readable file: what social cards and feeds start from."""
        return self.jpegs[-1]

    def smallest_jpeg_covering(self, width: int, height: int) -> Derivative:
        """The narrowest JPEG a `width` x `height` cover crop can be cut from without upscaling.

        A social card's photo panel is 440x630: the 960-px file covers it at a third of the
        decoding work of the 1600-px one.
        """
        for jpeg in self.jpegs:
            if jpeg.width >= width and jpeg.height >= height:
                return jpeg
        return self.largest_jpeg

    @property
    def fallback(self) -> Derivative:
        jpegs = self.jpegs
        fitting = [d for d in jpegs if d.width <= FALLBACK_WIDTH]
        return fitting[-1] if fitting else jpegs[0]

    def srcset(self, mime: str, href: Callable[[str], str]) -> str:
        return ", ".join(f"{href(d.url)} {d.width}w" for d in self.of(mime))


@dataclass(frozen=True)
class ImageProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class ImageReport:
    encoded: int  # distinct source images encoded in this call
    reused: int  # distinct source images whose derivatives were all in the cache
    removed: int  # distinct cache entries deleted because no source needs them any more
    seconds: float


class Unusable(Exception):
    """A source that cannot be published; the message says why, for an `ImageProblem`."""


class _File(NamedTuple):
    name: str
    width: int
    height: int
    mime: str
    size: int


class _Entry(NamedTuple):
    """What the manifest remembers of one cache key, so reuse needs no decoding."""

    width: int
    height: int
    files: tuple[_File, ...]

    def to_json(self) -> dict:
        return {"width": self.width, "height": self.height, "files": [f._asdict() for f in self.files]}

    @classmethod
    def from_json(cls, data: dict) -> _Entry:
        files = tuple(_File(**{k: item[k] for k in _File._fields}) for item in data["files"])
        return cls(int(data["width"]), int(data["height"]), files)


class _Job(NamedTuple):
    key: str
    data: bytes
    cache_dir: Path
    settings: ImageSettings


def cache_key(data: bytes, settings: ImageSettings) -> str:
    digest = hashlib.sha256(settings.fingerprint.encode())
    digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def target_widths(source_width: int, widths: Iterable[int]) -> tuple[int, ...]:
    """The widths to make, never upscaled: a 700-px source gets 480 and 700, not 960 or 1600."""
    wanted = sorted(set(widths))
    fitting = [w for w in wanted if w < source_width]
    if wanted[-1] >= source_width:
        fitting.append(source_width)
    return tuple(fitting)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.3g} MP"


def header_problem(path: Path, max_pixels: int) -> str | None:
    """What `decode` would refuse in this file, from its header alone (no pixel is decoded).

    The check runs this on every image the content names, so that what the build would refuse
    is reported by `check`, at the `image:` or `photo:` line, in a fraction of the time.
    """
    try:
        info = path.stat()
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    key = (str(path), info.st_mtime_ns, info.st_size, max_pixels)
    if key not in _HEADERS:  # one photo is often shown by many stories
        try:
            with path.open("rb") as handle:
                _open(handle, max_pixels).close()
            _HEADERS[key] = None
        except Unusable as problem:
            _HEADERS[key] = str(problem)
        except OSError as error:
            return f"cannot be read: {error.strerror or error}"
    return _HEADERS[key]


_HEADERS: dict[tuple, str | None] = {}


def _open(source, max_pixels: int, formats: Iterable[str] = READABLE) -> PILImage.Image:
    """The image with only its header read, refused if it is not a readable format or too large."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        try:
            im = PILImage.open(source, formats=_readable(formats))
        except PILImage.DecompressionBombError as error:
            found = _BOMB_SIZE.search(str(error))
            size = _megapixels(int(found[1])) if found else "over Pillow's limit"
            raise Unusable(f"too large: {size} > {_megapixels(max_pixels)} limit") from None
        except UnidentifiedImageError:
            raise Unusable("not an image (expected JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC)") from None
        except Exception as error:
            raise Unusable(f"cannot be decoded: {error}") from None
    pixels = im.width * im.height
    if pixels > max_pixels:
        im.close()
        raise Unusable(f"too large: {_megapixels(pixels)} > {_megapixels(max_pixels)} limit")
    return im


def decode(data: bytes, max_pixels: int, formats: Iterable[str] = READABLE) -> PILImage.Image:
    """Pixels only: upright, sRGB, RGB or RGBA (alpha kept only where something is see-through).

    The size is checked from the header before any pixel is decoded, so a decompression bomb
    costs nothing; Pillow's own bomb limit is caught for the same reason. `formats` are the
    Pillow decoders allowed to look at the bytes.
    """
    with _open(io.BytesIO(data), max_pixels, formats) as im:
        try:
            im.load()
            upright = ImageOps.exif_transpose(im)
            srgb = _to_srgb(upright, im.info.get("icc_profile"))
        except Exception as error:
            raise Unusable(f"cannot be decoded: {error}") from None
    return PILImage.frombytes(srgb.mode, srgb.size, srgb.tobytes())


def _readable(formats: Iterable[str] = READABLE) -> tuple[str, ...]:
    """`formats` less what this Pillow lacks: `Image.open` fails on a name it doesn't know."""
    PILImage.init()
    return tuple(name for name in formats if name in PILImage.OPEN)


def _to_srgb(im: PILImage.Image, icc: bytes | None) -> PILImage.Image:
    """Colour in sRGB, the one space every browser assumes for an untagged image.

    Alpha is split off before the colour transform and put back after, so any profile that
    fits the colour channels works whatever the alpha. A profile that cannot be used is
    ignored rather than failing the build: the colours shift, nothing leaks.
    """
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        im = im.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if im.mode in ("P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
    alpha = im.getchannel("A") if im.mode in ("RGBA", "LA", "La", "RGBa") else None
    if im.mode in ("LA", "La"):
        im = im.convert("L")
    elif im.mode in ("RGBA", "RGBa"):
        im = im.convert("RGB")
    colour = None
    if icc and im.mode in ("RGB", "L", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            colour = ImageCms.profileToProfile(im, source, _srgb_profile(), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            colour = None
    if colour is None:
        colour = im.convert("RGB")
    if alpha is None or alpha.getextrema() == (255, 255):
        return colour
    colour.putalpha(alpha)
    return colour


_SRGB: ImageCms.ImageCmsProfile | None = None


def _srgb_profile() -> ImageCms.ImageCmsProfile:
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


def resize(im: PILImage.Image, width: int) -> PILImage.Image:
    """Lanczos on premultiplied alpha, so see-through pixels don't bleed a colour into edges."""
    height = max(1, round(im.height * width / im.width))
    if (width, height) == im.size:
        return im
    filter_ = PILImage.Resampling.LANCZOS
    if im.mode == "RGBA":
        return im.convert("RGBa").resize((width, height), filter_, reducing_gap=3.0).convert("RGBA")
    return im.resize((width, height), filter_, reducing_gap=3.0)


def encode(frame: PILImage.Image, fmt: Format, settings: ImageSettings) -> bytes:
    """Bytes from pixels, every encoder option explicit so the same pixels give the same bytes.

    Nothing from `frame.info` is passed on (JPEG would copy a comment, AVIF a profile), and
    `frame` is expected to be fresh from `decode` and `resize`, which carry no info at all.
    """
    out = io.BytesIO()
    if fmt is Format.JPEG:
        if frame.mode == "RGBA":
            frame = PILImage.alpha_composite(PILImage.new("RGBA", frame.size, _WHITE), frame).convert("RGB")
        frame.save(
            out, "JPEG", quality=settings.jpeg_quality, optimize=True, progressive=True,
            subsampling="4:2:0", exif=b"", comment=b"",
        )  # fmt: skip
    elif fmt is Format.WEBP:
        frame.save(
            out, "WEBP", quality=settings.webp_quality, method=settings.webp_method, lossless=False, exact=False,
            alpha_quality=100, exif=b"", xmp=b"", icc_profile=None,
        )  # fmt: skip
    else:
        frame.save(
            out, "AVIF", quality=settings.avif_quality, speed=settings.avif_speed, max_threads=1, subsampling="4:2:0",
            codec="aom", range="full", exif=b"", xmp=b"", icc_profile=b"",
        )  # fmt: skip
    return out.getvalue()


def sanitize_static(data: bytes, fmt: Format | None, settings: ImageSettings = ImageSettings()) -> bytes:
    """A picture placed by hand in a page, re-encoded from its pixels, as `fmt` or else lossless PNG.

    Hand-written pages link to their pictures by file name, so these keep their name (browsers
    read an image's type from its bytes); what they lose is every byte of metadata.
    """
    frame = decode(data, settings.max_pixels, STATIC_READABLE)
    if fmt is not None:
        return encode(frame, fmt, settings)
    out = io.BytesIO()
    frame.save(out, "PNG", compress_level=9)
    return out.getvalue()


def _encode_job(job: _Job) -> _Entry | str:
    """One source to all its derivatives, run in a worker process. A str is a problem."""
    try:
        im = decode(job.data, job.settings.max_pixels)
    except Unusable as problem:
        return str(problem)
    files = []
    for width in target_widths(im.width, job.settings.widths):
        frame = resize(im, width)
        for fmt in job.settings.formats:
            payload = encode(frame, fmt, job.settings)
            name = f"{job.key}-{width}.{fmt.ext}"
            write_atomic(job.cache_dir / name, payload)
            files.append(_File(name, frame.width, frame.height, fmt.mime, len(payload)))
    return _Entry(im.width, im.height, tuple(files))


def _run(
    jobs: list[_Job], progress: Callable[[int, int], None] | None, workers: Workers
) -> dict[str, _Entry | str]:
    """In this process for one job: a worker costs more to start than one image takes."""
    results: dict[str, _Entry | str] = {}
    total = len(jobs)
    if not workers.parallel(total, 2):
        for done, job in enumerate(jobs, 1):
            results[job.key] = _encode_job(job)
            if progress:
                progress(done, total)
        return results
    futures = {workers.submit(_encode_job, job): job.key for job in jobs}
    for done, future in enumerate(as_completed(futures), 1):
        results[futures[future]] = future.result()
        if progress:
            progress(done, total)
    return results


def _read_source(root: Path, source: str) -> bytes:
    """The source's bytes, bounded, and never through a link out of the project or a FIFO."""
    try:
        real_root = root.resolve()
        return read_bounded(real_root, real_root / source, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE)
    except Refusal as refusal:
        raise Unusable(str(refusal)) from None


def _read_manifest(cache_dir: Path) -> dict[str, _Entry]:
    """The entries a previous call left; anything unreadable counts as an empty cache."""
    try:
        data = json.loads((cache_dir / MANIFEST).read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return {}
        return {key: _Entry.from_json(entry) for key, entry in data["entries"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_manifest(cache_dir: Path, entries: dict[str, _Entry]) -> None:
    data = {"version": VERSION, "entries": {key: entries[key].to_json() for key in sorted(entries)}}
    write_atomic(cache_dir / MANIFEST, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def _complete(entry: _Entry | None, cache_dir: Path) -> bool:
    """Reusable only if every file is there at the size it was written: a torn file is redone."""
    if entry is None:
        return False
    for file in entry.files:
        try:
            if (cache_dir / file.name).stat().st_size != file.size:
                return False
        except OSError:
            return False
    return True


def _prune(cache_dir: Path, keep: set[str]) -> int:
    """Delete derivatives no source needs and temp files an interrupted build left.

    Only names this module makes are touched. Returns how many cache keys went.
    """
    gone: set[str] = set()
    for path in cache_dir.iterdir():
        match = _DERIVATIVE_NAME.match(path.name)
        if match and path.name not in keep:
            path.unlink(missing_ok=True)
            gone.add(match[1])
        elif TEMP_NAME.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
    return len(gone)


def _rendition(source: str, entry: _Entry, cache_dir: Path) -> Rendition:
    derivatives = tuple(
        Derivative(f"img/{f.name}", cache_dir / f.name, f.width, f.height, f.mime, f.size)
        for f in entry.files
    )
    return Rendition(source, entry.width, entry.height, derivatives)


def process_images(
    root: Path,
    sources: Iterable[str],
    cache_dir: Path,
    settings: ImageSettings = ImageSettings(),
    progress: Callable[[int, int], None] | None = None,
    workers: Workers | None = None,
) -> tuple[dict[str, Rendition], list[ImageProblem], ImageReport]:
    """Make (or reuse) the derivatives of `sources` and leave only theirs in `cache_dir`.

    `sources` are project-relative paths of the images the published content uses, and only
    those: whatever else is in the cache is deleted, which is how a withdrawn story's
    pictures disappear. Sources with identical bytes share one set of derivatives.
    `progress(done, total)` is called as each image that needs encoding is finished; `workers`
    is the build's pool, if it shares one.
    Files that cannot be published come back as problems, never as exceptions.
    """
    started = time.perf_counter()
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(cache_dir)
    problems: list[ImageProblem] = []
    keys: dict[str, str] = {}
    jobs: dict[str, _Job] = {}
    for source in sorted(set(sources)):
        try:
            data = _read_source(root, source)
        except Unusable as problem:
            problems.append(ImageProblem(source, str(problem)))
            continue
        key = cache_key(data, settings)
        keys[source] = key
        if key not in jobs and not _complete(manifest.get(key), cache_dir):
            jobs[key] = _Job(key, data, cache_dir, settings)
    outcomes: dict[str, _Entry | str] = {key: manifest[key] for key in set(keys.values()) - jobs.keys()}
    with borrowed(workers) as pool:
        outcomes.update(_run(list(jobs.values()), progress, pool))
    entries: dict[str, _Entry] = {}
    renditions: dict[str, Rendition] = {}
    for source, key in keys.items():
        outcome = outcomes[key]
        if isinstance(outcome, str):
            problems.append(ImageProblem(source, outcome))
            continue
        entries[key] = outcome
        renditions[source] = _rendition(source, outcome, cache_dir)
    removed = _prune(cache_dir, {f.name for entry in entries.values() for f in entry.files})
    _write_manifest(cache_dir, entries)
    report = ImageReport(
        encoded=sum(1 for key in jobs if isinstance(outcomes[key], _Entry)),
        reused=len(set(keys.values()) - jobs.keys()),
        removed=removed,
        seconds=time.perf_counter() - started,
    )
    return renditions, sorted(problems, key=lambda p: p.path), report


def picture_html(
    rendition: Rendition,
    alt: str,
    href: Callable[[str], str],
    *,
    main: bool = False,
    sizes: str = "(min-width: 61em) 45rem, 100vw",
    css_class: str = "",
) -> str:
    """A `<picture>`: modern formats as `<source>`, JPEG in the `<img>` for everyone else.

    `width`/`height` are the largest derivative's, so the browser reserves the right box
    before any byte arrives. The page's main image is fetched eagerly and early; the rest
    lazily. `css_class` goes on the `<img>`, the element themes style.
    """
    sources = "".join(
        f'<source type="{fmt.mime}" srcset="{_attr(rendition.srcset(fmt.mime, href))}"'
        f' sizes="{_attr(sizes)}">'
        for fmt in (Format.AVIF, Format.WEBP)
        if rendition.of(fmt.mime)
    )
    largest = rendition.largest_jpeg
    attributes = [
        ("src", href(rendition.fallback.url)),
        ("srcset", rendition.srcset(Format.JPEG.mime, href)),
        ("sizes", sizes),
        ("width", str(largest.width)),
        ("height", str(largest.height)),
        ("alt", alt),
    ]
    if css_class:
        attributes.append(("class", css_class))
    attributes += [("fetchpriority", "high")] if main else [("loading", "lazy"), ("decoding", "async")]
    img = "<img " + " ".join(f'{name}="{_attr(value)}"' for name, value in attributes) + ">"
    return f"<picture>{sources}{img}</picture>"


def _attr(value: str) -> str:
    return html.escape(value, quote=True)
