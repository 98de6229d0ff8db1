"""The image pipeline on real files: metadata never survives, the cache does its job, bad files are named."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageOps
from PIL.PngImagePlugin import PngInfo

from builder.images import (
    Derivative,
    Format,
    ImageProblem,
    ImageSettings,
    Rendition,
    picture_html,
    process_images,
    target_widths,
)

SERIAL = "SN-4471-CAMERA-SERIAL"
COMMENT = "taken outside the shelter on Rue Secrete"
XMP_MARK = "XMP-MARKER-51.5034"
PNG_SECRETS = ("PNG-TEXT-SECRET", "PNG-ITXT-SECRET", "PNG-ZTXT-SECRET")
METADATA_KEYS = ("exif", "xmp", "comment", "XML:com.adobe.xmp", "icc_profile", "Comment", "Location")
SMALL = ImageSettings(widths=(80, 160))


def photo(size: tuple[int, int]) -> Image.Image:
    """A stored frame with a red top-left corner, so orientation can be checked by colour."""
    im = ImageOps.colorize(Image.linear_gradient("L").resize(size), "#204060", "#c0d0a0")
    ImageDraw.Draw(im).rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(230, 20, 20))
    return im


def gps_jpeg(path: Path) -> Path:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone Maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    exif.get_ifd(ExifTags.IFD.Exif)[0xA431] = SERIAL
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>{XMP_MARK}</rdf:RDF></x:xmpmeta>'.encode()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo((1200, 800)).save(path, "JPEG", quality=90, exif=exif, comment=COMMENT, xmp=xmp, icc_profile=srgb)
    return path


def text_png(path: Path) -> Path:
    """RGBA with a see-through band, and secrets in every kind of PNG text chunk."""
    im = photo((400, 300)).convert("RGBA")
    ImageDraw.Draw(im).rectangle((0, 250, 400, 300), fill=(0, 0, 0, 0))
    info = PngInfo()
    info.add_text("Comment", PNG_SECRETS[0])
    info.add_itxt("Location", PNG_SECRETS[1], lang="en", tkey="Location")
    info.add_text("Author", PNG_SECRETS[2], zip=True)
    im.save(path, "PNG", pnginfo=info)
    return path


def small_jpeg(path: Path, colour: tuple[int, int, int] = (90, 140, 60)) -> Path:
    im = photo((300, 200))
    ImageDraw.Draw(im).ellipse((100, 50, 200, 150), fill=colour)
    im.save(path, "JPEG", quality=90)
    return path


def assert_clean(derivative: Derivative, secrets: tuple[str, ...]) -> Image.Image:
    raw = derivative.cache_path.read_bytes()
    assert len(raw) == derivative.size
    for secret in secrets:
        assert secret.encode() not in raw
    assert b"Exif\x00\x00" not in raw
    assert b"ns.adobe.com/xap" not in raw
    im = Image.open(derivative.cache_path)
    assert Image.MIME[im.format] == derivative.mime
    assert im.size == (derivative.width, derivative.height)
    assert len(im.getexif()) == 0
    assert not set(METADATA_KEYS) & set(im.info)
    im.load()
    return im


def cache_files(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name != "manifest.json"}


def test_gps_jpeg_comes_out_upright_and_without_metadata(tmp_path: Path) -> None:
    source = gps_jpeg(tmp_path / "photo.jpg")
    original = Image.open(source)
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert SERIAL.encode() in source.read_bytes() and "comment" in original.info and "xmp" in original.info

    renditions, problems, report = process_images(tmp_path, ["photo.jpg"], tmp_path / "cache")

    assert problems == [] and report.encoded == 1
    rendition = renditions["photo.jpg"]
    assert (rendition.width, rendition.height) == (800, 1200)
    formats = ImageSettings().formats
    expected = {(fmt.mime, w, h) for fmt in formats for w, h in ((480, 720), (800, 1200))}
    assert {(d.mime, d.width, d.height) for d in rendition.derivatives} == expected
    for derivative in rendition.derivatives:
        assert derivative.url == f"img/{derivative.cache_path.name}"
        im = assert_clean(derivative, (SERIAL, COMMENT, XMP_MARK, "Phone Maker")).convert("RGB")
        red, green, _ = im.getpixel((im.width - 5, 5))
        assert red > 180 and green < 90, "the stored top-left corner is top-right once upright"
        assert im.getpixel((5, 5))[1] > 120


def test_png_text_chunks_do_not_survive_and_alpha_is_handled(tmp_path: Path) -> None:
    text_png(tmp_path / "card.png")
    renditions, problems, _ = process_images(tmp_path, ["card.png"], tmp_path / "cache", SMALL)

    assert problems == []
    derivatives = renditions["card.png"].derivatives
    assert {d.width for d in derivatives} == {80, 160}
    for derivative in derivatives:
        im = assert_clean(derivative, PNG_SECRETS)
        bottom = (5, im.height - 2)
        if derivative.mime == "image/jpeg":
            assert im.mode == "RGB" and im.getpixel(bottom) == pytest.approx((255, 255, 255), abs=6)
        else:
            assert im.convert("RGBA").getpixel(bottom)[3] < 10


def test_encoding_is_deterministic_sequential_or_parallel(tmp_path: Path) -> None:
    small_jpeg(tmp_path / "a.jpg")
    small_jpeg(tmp_path / "b.jpg", (10, 10, 200))
    alone, _, _ = process_images(tmp_path, ["a.jpg"], tmp_path / "one", SMALL)
    pooled, _, report = process_images(tmp_path, ["a.jpg", "b.jpg"], tmp_path / "two", SMALL)

    assert report.encoded == 2
    assert [d.name for d in alone["a.jpg"].derivatives] == [d.name for d in pooled["a.jpg"].derivatives]
    for one, two in zip(alone["a.jpg"].derivatives, pooled["a.jpg"].derivatives):
        assert one.cache_path.read_bytes() == two.cache_path.read_bytes()


def test_cache_reuses_reencodes_only_what_changed_and_drops_what_is_unused(tmp_path: Path) -> None:
    for name, colour in {"a": (250, 120, 60), "b": (200, 30, 200), "c": (20, 20, 20)}.items():
        small_jpeg(tmp_path / f"{name}.jpg", colour)
    cache = tmp_path / "cache"
    sources = ["a.jpg", "b.jpg", "c.jpg"]
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    first, _, report = process_images(tmp_path, sources, cache, SMALL, progress)
    assert (report.encoded, report.reused, report.removed) == (3, 0, 0)
    assert sorted(calls) == [(1, 3), (2, 3), (3, 3)]
    before = cache_files(cache)
    assert len(before) == 3 * 2 * len(SMALL.formats)

    again, _, report = process_images(tmp_path, sources, cache, SMALL, progress)
    assert (report.encoded, report.reused, report.removed) == (0, 3, 0)
    assert again == first and cache_files(cache) == before and len(calls) == 3

    small_jpeg(tmp_path / "b.jpg", (0, 0, 0))
    changed, _, report = process_images(tmp_path, sources, cache, SMALL)
    assert (report.encoded, report.reused, report.removed) == (1, 2, 1)
    after = cache_files(cache)
    old_b = {d.name for d in first["b.jpg"].derivatives}
    new_b = {d.name for d in changed["b.jpg"].derivatives}
    assert not old_b & after.keys() and new_b <= after.keys()
    untouched = {name: mtime for name, mtime in before.items() if name not in old_b}
    assert {name: mtime for name, mtime in after.items() if name not in new_b} == untouched

    kept, _, report = process_images(tmp_path, ["a.jpg", "b.jpg"], cache, SMALL)
    assert (report.encoded, report.reused, report.removed) == (0, 2, 1)
    assert "c.jpg" not in kept
    assert not {d.name for d in first["c.jpg"].derivatives} & cache_files(cache).keys()


def test_a_torn_or_missing_cache_file_is_redone_and_temp_files_are_cleared(tmp_path: Path) -> None:
    small_jpeg(tmp_path / "a.jpg")
    cache = tmp_path / "cache"
    first, _, _ = process_images(tmp_path, ["a.jpg"], cache, SMALL)
    torn = first["a.jpg"].derivatives[0].cache_path
    torn.write_bytes(torn.read_bytes()[:100])
    (cache / ".a-80.webp.x1y2.tmp").write_bytes(b"half")

    second, _, report = process_images(tmp_path, ["a.jpg"], cache, SMALL)

    assert report.encoded == 1 and second == first
    assert Image.open(torn).size == (80, 53)
    assert not list(cache.glob(".*.tmp"))


def huge_png_header(path: Path, width: int, height: int) -> Path:
    """A valid 1x1 PNG whose header claims another size: what a decompression bomb looks like."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = struct.pack(">II", width, height) + data[24:29]
    data[16:33] = ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    path.write_bytes(bytes(data))
    return path


def test_unusable_files_are_problems_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("not a picture at all", encoding="utf-8")
    whole = small_jpeg(tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    photo((400, 200)).save(tmp_path / "big.png")
    huge_png_header(tmp_path / "bomb.png", 20_000, 20_000)
    settings = ImageSettings(widths=(80,), max_pixels=70_000)
    sources = ["notes.jpg", "cut.jpg", "big.png", "bomb.png", "gone.jpg", "../outside.jpg"]

    renditions, problems, report = process_images(tmp_path, sources, tmp_path / "cache", settings)

    assert renditions == {} and report.encoded == 0
    messages = {p.path: p.message for p in problems}
    assert set(messages) == set(sources)
    assert messages["notes.jpg"].startswith("not an image")
    assert messages["cut.jpg"].startswith("cannot be decoded")
    assert messages["big.png"] == "too large: 0.08 MP > 0.07 MP limit"
    assert messages["bomb.png"].startswith("too large: 400 MP")
    assert messages["gone.jpg"] == "not found"
    assert messages["../outside.jpg"].startswith("is outside the project")
    assert str(ImageProblem("big.png", "too large")) == "big.png: too large"


def test_widths_are_never_upscaled() -> None:
    assert target_widths(700, (480, 960, 1600)) == (480, 700)
    assert target_widths(960, (960, 480, 1600)) == (480, 960)
    assert target_widths(4000, (480, 960, 1600)) == (480, 960, 1600)
    assert target_widths(300, (480, 960)) == (300,)


def rendition() -> Rendition:
    derivatives = tuple(
        Derivative(f"img/abc-{w}.{fmt.ext}", Path(f"abc-{w}.{fmt.ext}"), w, round(w * 2 / 3), fmt.mime, 1000)
        for w in (480, 960, 1600)
        for fmt in Format
    )
    return Rendition("stories/2021/images/a.jpg", 3000, 2000, derivatives)


def test_picture_html_lazy_image_with_every_width_and_escaped_alt() -> None:
    html = picture_html(rendition(), 'Amal & "her" <class>', lambda url: "../../" + url, css_class="hero")

    assert html.startswith("<picture><source type=\"image/avif\"") and html.endswith("></picture>")
    for fmt in Format:
        srcset = ", ".join(f"../../img/abc-{w}.{fmt.ext} {w}w" for w in (480, 960, 1600))
        assert f'srcset="{srcset}"' in html
    assert html.index("image/avif") < html.index("image/webp")
    assert 'src="../../img/abc-960.jpg"' in html
    assert 'width="1600" height="1067"' in html
    assert 'sizes="(min-width: 61em) 45rem, 100vw"' in html
    assert 'alt="Amal &amp; &quot;her&quot; &lt;class&gt;"' in html
    assert 'class="hero"' in html
    assert 'loading="lazy"' in html and 'decoding="async"' in html and "fetchpriority" not in html


def test_picture_html_main_image_is_eager_and_decorative_alt_is_empty() -> None:
    html = picture_html(rendition(), "", lambda url: url, main=True, sizes="100vw")

    assert 'alt=""' in html and 'fetchpriority="high"' in html
    assert "loading=" not in html and "decoding=" not in html and "class=" not in html
    assert 'sizes="100vw"' in html


def test_a_card_photo_starts_from_the_narrowest_jpeg_that_covers_its_panel() -> None:
    assert rendition().smallest_jpeg_covering(440, 630).cache_path == Path("abc-960.jpg")
    assert rendition().smallest_jpeg_covering(440, 300).cache_path == Path("abc-480.jpg")
    assert rendition().smallest_jpeg_covering(1200, 900).cache_path == Path("abc-1600.jpg")
    assert rendition().smallest_jpeg_covering(2000, 2000).cache_path == Path("abc-1600.jpg")


def test_module_stays_engine_free() -> None:
    code = "import sys, builder.images; sys.exit('mkdocs' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent).returncode == 0


def heic_photo(path: Path) -> Path:
    """An iPhone-style HEIC written by pillow-heif, with GPS, a camera serial and a rotation in EXIF."""
    import pillow_heif

    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone Maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    exif.get_ifd(ExifTags.IFD.Exif)[0xA431] = SERIAL
    heif = pillow_heif.from_pillow(photo((1200, 800)))
    heif.info["exif"] = exif.tobytes()
    heif.save(path, quality=90)
    return path


def test_an_iphone_heic_photo_is_published_upright_without_its_exif(tmp_path: Path) -> None:
    source = heic_photo(tmp_path / "IMG_0001.HEIC")
    assert source.read_bytes()[4:12] == b"ftypheic" and SERIAL.encode() in source.read_bytes()

    renditions, problems, _ = process_images(tmp_path, ["IMG_0001.HEIC"], tmp_path / "cache")

    assert problems == []
    rendition = renditions["IMG_0001.HEIC"]
    assert (rendition.width, rendition.height) == (800, 1200), "turned upright as the EXIF says"
    for derivative in rendition.derivatives:
        im = assert_clean(derivative, (SERIAL, "Phone Maker")).convert("RGB")
        red, green, _ = im.getpixel((im.width - 5, 5))
        assert red > 180 and green < 90


def test_check_opens_each_image_and_names_the_line_that_shows_it(site) -> None:
    """`check` refuses what the build would, at the `image:` line; a HEIC from a phone passes."""
    from datetime import datetime, timezone

    from builder.pipeline import check
    from builder.settings import load_settings

    folder = site.root / "stories/2021/images"
    folder.mkdir(parents=True)
    (folder / "notes.jpg").write_text("this is not a picture", encoding="utf-8")
    heic_photo(folder / "phone.heic")
    photo((1600, 1000)).save(folder / "huge.png")
    config = site.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      per_page: 20", "      per_page: 20\n      max_megapixels: 1"),
                      encoding="utf-8")  # fmt: skip
    site.story("not-an-image", image="images/notes.jpg", image_alt="Notes")
    site.story("too-big", image="images/huge.png", image_alt="A field")
    site.story("from-a-phone", image="images/phone.heic", image_alt="A field")
    problems, _ = check(load_settings(config), datetime(2026, 11, 22, tzinfo=timezone.utc))

    def image_line(slug: str) -> int:
        lines = (site.root / f"stories/2021/{slug}.md").read_text(encoding="utf-8").splitlines()
        return next(i + 1 for i, line in enumerate(lines) if line.startswith("image:"))

    assert [(p.path, p.line, p.message) for p in problems] == [
        ("stories/2021/not-an-image.md", image_line("not-an-image"),
         "image images/notes.jpg: not an image (expected JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC)"),
        ("stories/2021/too-big.md", image_line("too-big"), "image images/huge.png: too large: 1.6 MP > 1 MP limit"),
    ]  # fmt: skip


def test_a_story_with_a_heic_photo_builds_and_no_published_file_carries_its_exif(site) -> None:
    (site.root / "stories/2021/images").mkdir(parents=True)
    heic_photo(site.root / "stories/2021/images/phone.heic")
    site.story("from-a-phone", image="images/phone.heic", image_alt="A field at dusk")
    built = site.build()
    assert "<picture" in site.page("stories/2021/from-a-phone")
    published = [p for p in (built / "img").iterdir() if p.is_file()]
    assert published
    for path in published:
        raw = path.read_bytes()
        assert SERIAL.encode() not in raw and b"Phone Maker" not in raw and b"Exif\x00\x00" not in raw, path.name
