"""What `site_src/` may publish: Markdown pages and pictures, and the theme's own files.

MkDocs copies every file of its `docs_dir` to the site as it is. For a site of refugee
stories that is three holes: an `.svg` or `.html` runs script on the site's origin, a `.gif`,
`.tif` or `.jfif` keeps its GPS position, camera serial and artist's name, and a link or
special file publishes (or hangs on) whatever it points at. So outside the theme's
`overrides/` only two kinds of file are allowed:

- Markdown pages, which MkDocs renders (and the sanitizing Markdown setup governs);
- raster pictures, recognised by their bytes whatever their extension, which the build
  re-encodes from pixels under their own name, with no metadata.

Everything else is refused with its path and a hint. `overrides/` holds trusted theme files
(templates, styles, scripts, fonts) but is still held to the file rules of `builder.files`:
no link out of the project, no special files.

Engine-free: `check` and the MkDocs adapter both call `scan`, so they give the same verdict.
"""

from __future__ import annotations

import enum
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage

from .files import CONTENT_MAX_BYTES, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE, Refusal, read_bounded, target, walk
from .images import STATIC_READABLE, Format, ImageSettings, Unusable, _readable, decode, sanitize_static
from .models import Problem
from .settings import Settings

HINT = "put styles and scripts in site_src/overrides/; convert pictures to JPEG or PNG"

KEEP_FORMAT = {"JPEG": Format.JPEG, "MPO": Format.JPEG, "WEBP": Format.WEBP, "AVIF": Format.AVIF}
"""Pictures re-encoded in their own format; any other (PNG, GIF, TIFF, BMP, HEIF) becomes a
lossless PNG, which every browser shows whatever the name says."""


class Role(enum.Enum):
    PAGE = "page"
    PICTURE = "picture"
    THEME = "theme"


@dataclass(frozen=True)
class StaticSource:
    """One file of `site_src/` that may be published, and how."""

    path: Path  # as MkDocs names it: under the docs or theme folder, not resolved
    role: Role
    picture: Format | None = None  # for a picture: the format to re-encode it in (None: PNG)


def picture_format(data: bytes) -> str | None:
    """The Pillow format name of a raster picture, read from its header; None if it is none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with PILImage.open(io.BytesIO(data), formats=_readable(STATIC_READABLE)) as im:
                return im.format
        except Exception:
            return None


def _hidden(path: Path, top: Path) -> bool:
    """MkDocs never publishes a dot file or anything in a dot folder."""
    return any(part.startswith(".") for part in path.relative_to(top).parts)


def _vet(settings: Settings, path: Path, image_settings: ImageSettings) -> StaticSource:
    """The role of one file outside the theme folder, or a `Refusal`/`Unusable` saying why it has none."""
    root = settings.root
    if path.suffix.lower() == ".md":
        try:
            read_bounded(root, path, CONTENT_MAX_BYTES).decode("utf-8")
        except UnicodeDecodeError as exc:  # MkDocs would stop with a traceback
            raise Refusal(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                          "save it as UTF-8 text, or paste it into GitHub's editor") from None  # fmt: skip
        return StaticSource(path, Role.PAGE)
    data = read_bounded(root, path, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE)
    found = picture_format(data)
    if found is None:
        raise Refusal(path, "is not a Markdown page or a picture: only those are published from site_src/", HINT)
    decode(data, image_settings.max_pixels, STATIC_READABLE)  # what the build will do, so check fails first
    return StaticSource(path, Role.PICTURE, KEEP_FORMAT.get(found))


def republish(source: StaticSource, settings: Settings, image_settings: ImageSettings) -> bytes | None:
    """A picture's bytes, re-encoded from its pixels; None for a file MkDocs copies or renders as it is."""
    if source.role is not Role.PICTURE:
        return None
    data = read_bounded(settings.root, source.path, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE)
    return sanitize_static(data, source.picture, image_settings)


def scan(settings: Settings, image_settings: ImageSettings) -> tuple[tuple[StaticSource, ...], list[Problem]]:
    """Every file `site_src/` and the theme folder may publish, and a problem for each that may not."""
    root, docs, theme = settings.root, settings.docs_dir, settings.theme_dir
    problems: list[Problem] = []
    allowed: list[StaticSource] = []

    def refuse(path: Path, message: str, hint: str = "") -> None:
        problems.append(Problem(path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path),
                                1, message, hint))  # fmt: skip

    tops = [docs] + ([theme] if theme and not theme.is_relative_to(docs) else [])
    for top in tops:
        listing = walk(top)
        for refusal in listing.refused:
            refuse(refusal.path, refusal.message, refusal.hint)
        for path in listing.files:
            try:
                target(root, path)
                if theme and path.is_relative_to(theme):
                    allowed.append(StaticSource(path, Role.THEME))
                elif not _hidden(path, top):
                    allowed.append(_vet(settings, path, image_settings))
            except Refusal as refusal:
                refuse(path, refusal.message, refusal.hint)
            except Unusable as error:
                refuse(path, f"picture cannot be published: {error}", "save it again as JPEG or PNG")
    return tuple(allowed), problems
