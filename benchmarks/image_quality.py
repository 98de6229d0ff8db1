"""Bytes against visible quality, to choose the encoder settings in `builder/images.py`.

There are no photos in the repository (and storytellers' photos must not be used for this),
so the test pictures are made here from seeded noise: a portrait with skin gradients and fine
hair, a street with hard edges and lettering, and foliage, the hardest case for any codec.
Each is downscaled to the widths the site serves and encoded with the module's own `encode`,
so the numbers are for exactly the bytes the build writes. Sample JPEGs under
`stories/*/images/` are measured too, per scene, but left out of the means the defaults are
chosen from: they are flat illustrations, where every codec looks better than on a photo.

Quality is PSNR and an SSIM on 8x8 luma blocks (two grids, offset by 4), computed with Pillow
alone so the benchmark needs nothing the project does not install.

    .venv/bin/python benchmarks/image_quality.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, NamedTuple

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageMath, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.images import Format, ImageSettings, decode, encode, resize, target_widths  # noqa: E402

SIZE = (2400, 1600)
QUALITIES = {
    Format.JPEG: (60, 70, 75, 80, 85, 90),
    Format.WEBP: (70, 75, 80, 82, 84, 86, 90),
    Format.AVIF: (50, 55, 60, 63, 65, 70),
}
PHONE_CSS_WIDTH = 390


class Score(NamedTuple):
    scene: str
    fmt: Format
    quality: int
    size: int
    psnr: float
    ssim: float
    ms: float


def octaves(
    rng: random.Random, size: tuple[int, int], cells: tuple[int, ...], weights: tuple[float, ...]
) -> Image.Image:
    """Value noise summed over scales: the 1/f texture that makes synthetic content look photographic."""
    width, height = size
    total = Image.new("F", size, 0.0)
    for cell, weight in zip(cells, weights):
        small = (max(2, width // cell), max(2, height // cell))
        layer = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
        layer = layer.resize(size, Image.Resampling.BICUBIC).convert("F")
        total = ImageMath.lambda_eval(lambda a: a["t"] + a["l"] * weight, t=total, l=layer)
    scale = 1 / sum(weights)
    return ImageMath.lambda_eval(lambda a: a["t"] * scale, t=total).convert("L")


def grain(rng: random.Random, im: Image.Image, amount: int) -> Image.Image:
    """Sensor noise of about +-amount levels in luma, a third of it in chroma, then lens softness."""

    def noise(level: float) -> Image.Image:
        raw = Image.frombytes("L", im.size, rng.randbytes(im.width * im.height))
        raw = raw.filter(ImageFilter.GaussianBlur(0.5))
        return ImageOps.autocontrast(raw).point(lambda v: round(128 + (v - 128) * level / 128))

    luma_noise = noise(amount)
    chroma = [ImageChops.add(luma_noise, noise(amount / 3), offset=-128) for _ in range(3)]
    return ImageChops.add(im, Image.merge("RGB", chroma), offset=-128).filter(ImageFilter.GaussianBlur(0.6))


def portrait(rng: random.Random) -> Image.Image:
    clouds = octaves(rng, SIZE, (400, 200, 100), (4, 2, 1))
    bokeh = ImageOps.colorize(clouds, "#1d2b1a", "#c9b78c", mid="#5d6b3e")
    draw = ImageDraw.Draw(bokeh)
    for _ in range(40):
        x, y, r = rng.randrange(SIZE[0]), rng.randrange(SIZE[1]), rng.randrange(20, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(240, 230, 190))
    im = bokeh.filter(ImageFilter.GaussianBlur(18))
    oval = Image.radial_gradient("L").resize((700, 900))
    face = ImageOps.colorize(oval, "#e8b48f", "#6b3b24", mid="#b97a56")
    skin = octaves(rng, face.size, (64, 16, 4), (1, 1, 1))
    face = Image.blend(face, ImageOps.colorize(skin, "#8a5035", "#f0c4a0"), 0.18)
    mask = Image.new("L", SIZE, 0)
    ImageDraw.Draw(mask).ellipse((850, 300, 1550, 1200), fill=255)
    im.paste(face, (850, 300), mask.crop((850, 300, 1550, 1200)))
    draw = ImageDraw.Draw(im)
    for _ in range(5000):
        x = rng.gauss(1200, 260)
        y = rng.uniform(180, 560)
        colour = rng.choice(((30, 20, 15), (55, 38, 25), (15, 10, 8)))
        draw.line((x, y, x + rng.uniform(-60, 60), y + rng.uniform(80, 260)), fill=colour, width=1)
    for ex in (1060, 1340):
        draw.ellipse((ex - 45, 640, ex + 45, 690), fill=(245, 240, 235))
        draw.ellipse((ex - 18, 645, ex + 18, 685), fill=(50, 30, 20))
    for y in range(1150, SIZE[1], 6):
        draw.line((500, y, 1900, y + 20), fill=(150, 30, 40) if (y // 6) % 2 else (230, 200, 90), width=3)
    return grain(rng, im, 14)


def street(rng: random.Random) -> Image.Image:
    im = ImageOps.colorize(Image.linear_gradient("L").resize(SIZE), "#4f86c6", "#d8e4ee")
    draw = ImageDraw.Draw(im)
    x = 0
    while x < SIZE[0]:
        width, top = rng.randrange(180, 420), rng.randrange(250, 800)
        colour = tuple(rng.randrange(90, 220) for _ in range(3))
        draw.rectangle((x, top, x + width, 1250), fill=colour, outline=(40, 40, 40), width=3)
        for wy in range(top + 40, 1200, 90):
            for wx in range(x + 25, x + width - 50, 70):
                lit = rng.random() < 0.3
                draw.rectangle((wx, wy, wx + 40, wy + 55), fill=(250, 220, 140) if lit else (50, 60, 75))
        x += width + rng.randrange(0, 30)
    font = ImageFont.load_default(size=90)
    draw.rectangle((700, 900, 1700, 1040), fill=(20, 70, 40))
    draw.text((740, 915), "Cafe Salaam - Welcome", font=font, fill=(245, 245, 235))
    road = ImageOps.colorize(octaves(rng, (SIZE[0], 350), (32, 8, 2), (1, 1, 2)), "#3a3a3c", "#9a958c")
    im.paste(road, (0, 1250))
    return grain(rng, im, 10)


def foliage(rng: random.Random) -> Image.Image:
    leaves = octaves(rng, SIZE, (256, 64, 16, 4, 2), (3, 2, 2, 1.5, 1))
    light = octaves(rng, SIZE, (600, 150), (2, 1))
    im = ImageOps.colorize(leaves, "#0c1f08", "#d8e070", mid="#3f7a22")
    shade = ImageOps.colorize(light, "#000000", "#ffffff")
    lit = ImageChops.multiply(im, ImageOps.autocontrast(shade, cutoff=2)).point(lambda v: min(255, v * 1.6))
    return grain(rng, lit, 12)


SCENES: dict[str, Callable[[random.Random], Image.Image]] = {
    "portrait": portrait, "street": street, "foliage": foliage,
}  # fmt: skip


def luma(im: Image.Image) -> Image.Image:
    return im.convert("RGB").convert("L")


def psnr(a: Image.Image, b: Image.Image) -> float:
    histogram = ImageChops.difference(luma(a), luma(b)).histogram()
    mse = sum(count * value * value for value, count in enumerate(histogram)) / (a.width * a.height)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def ssim(a: Image.Image, b: Image.Image, block: int = 8) -> float:
    """Mean SSIM over 8x8 luma blocks on two grids; box averages come from an exact BOX resize."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for offset in (0, block // 2):
        width = (a.width - offset) // block * block
        height = (a.height - offset) // block * block
        box = (offset, offset, offset + width, offset + height)
        x, y = (luma(im).crop(box).convert("F") for im in (a, b))

        def mean(im: Image.Image) -> Image.Image:
            return im.resize((width // block, height // block), Image.Resampling.BOX)

        mx, my = mean(x), mean(y)
        xx = mean(ImageMath.lambda_eval(lambda v: v["x"] * v["x"], x=x))
        yy = mean(ImageMath.lambda_eval(lambda v: v["y"] * v["y"], y=y))
        xy = mean(ImageMath.lambda_eval(lambda v: v["x"] * v["y"], x=x, y=y))
        index = ImageMath.lambda_eval(
            lambda v: ((v["mx"] * v["my"] * 2 + c1) * ((v["xy"] - v["mx"] * v["my"]) * 2 + c2))
            / (
                (v["mx"] * v["mx"] + v["my"] * v["my"] + c1)
                * (v["xx"] - v["mx"] * v["mx"] + v["yy"] - v["my"] * v["my"] + c2)
            ),
            mx=mx, my=my, xx=xx, yy=yy, xy=xy,
        )  # fmt: skip
        scores.append(index.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))
    return sum(scores) / len(scores)


def score(scene: str, reference: Image.Image, fmt: Format, quality: int) -> Score:
    settings = ImageSettings(
        jpeg_quality=quality, webp_quality=quality, avif_quality=quality, avif=fmt is Format.AVIF
    )
    started = time.perf_counter()
    payload = encode(reference, fmt, settings)
    ms = (time.perf_counter() - started) * 1000
    decoded = decode(payload, 10**9)
    return Score(scene, fmt, quality, len(payload), psnr(reference, decoded), ssim(reference, decoded), ms)


def sweep(references: dict[str, Image.Image], quick: bool) -> list[Score]:
    results = []
    for fmt, qualities in QUALITIES.items():
        if fmt not in ImageSettings().formats:
            continue
        chosen = quality_of(ImageSettings(), fmt)
        for level in sorted({chosen, *(qualities[1::2] if quick else qualities)}):
            for scene, reference in references.items():
                results.append(score(scene, reference, fmt, level))
    return results


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def grid(results: list[Score]) -> list[tuple[Format, int]]:
    order = list(QUALITIES)
    return sorted({(r.fmt, r.quality) for r in results}, key=lambda k: (order.index(k[0]), k[1]))


def photographic(results: list[Score], fmt: Format, quality: int) -> list[Score]:
    return [r for r in results if r.fmt is fmt and r.quality == quality and r.scene in SCENES]


def print_sweep(results: list[Score], width: int) -> None:
    print(f"\n## Quality sweep at {width} px, mean over the {len(SCENES)} photographic scenes\n")
    print("| format | q | KiB | PSNR-Y dB | SSIM-8 | encode ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for fmt, quality in grid(results):
        rows = photographic(results, fmt, quality)
        print(
            f"| {fmt.value} | {quality} | {mean([r.size for r in rows]) / 1024:.1f}"
            f" | {mean([r.psnr for r in rows]):.2f} | {mean([r.ssim for r in rows]):.4f}"
            f" | {mean([r.ms for r in rows]):.0f} |"
        )
    scenes = list(dict.fromkeys(r.scene for r in results))
    print("\nPer scene (KiB / SSIM-8):\n")
    print("| format | q | " + " | ".join(scenes) + " |")
    print("|---|---:|" + "---:|" * len(scenes))
    for fmt, quality in grid(results):
        by_scene = {r.scene: r for r in results if r.fmt is fmt and r.quality == quality}
        cells = " | ".join(f"{by_scene[s].size / 1024:.0f} / {by_scene[s].ssim:.3f}" for s in scenes)
        print(f"| {fmt.value} | {quality} | {cells} |")


def matched(results: list[Score], settings: ImageSettings) -> None:
    """For the chosen JPEG quality, the lowest WebP and AVIF quality as good (within 0.001 SSIM)."""

    def at(fmt: Format, quality: int) -> tuple[float, float]:
        rows = photographic(results, fmt, quality)
        return mean([r.size for r in rows]), mean([r.ssim for r in rows])

    jpeg_size, jpeg_ssim = at(Format.JPEG, settings.jpeg_quality)
    print(f"\nJPEG q{settings.jpeg_quality}: {jpeg_size / 1024:.1f} KiB, SSIM-8 {jpeg_ssim:.4f}")
    for fmt in settings.formats[:-1]:
        for quality in sorted({q for f, q in grid(results) if f is fmt}):
            size, quality_ssim = at(fmt, quality)
            if quality_ssim >= jpeg_ssim - 0.001:
                print(
                    f"{fmt.value} q{quality} matches it (SSIM-8 {quality_ssim:.4f}):"
                    f" {size / 1024:.1f} KiB, {size / jpeg_size - 1:+.0%} vs JPEG"
                )
                break
        else:
            print(f"{fmt.value}: no quality tried matches JPEG q{settings.jpeg_quality}")


def per_image(originals: dict[str, Image.Image], settings: ImageSettings) -> None:
    """Every derivative the build makes, its encoding time, and what a phone downloads."""
    names = ", ".join(f"{fmt.value} {quality_of(settings, fmt)}" for fmt in settings.formats)
    print(f"\n## Derivatives at {names}\n")
    print("| scene | width | " + " | ".join(f"{fmt.value} KiB" for fmt in settings.formats) + " | encode s |")
    print("|---|---:|" + "---:|" * (len(settings.formats) + 1))
    phone: dict[int, list[int]] = {1: [], 2: [], 3: []}
    for scene, original in originals.items():
        started = time.perf_counter()
        sizes: dict[int, dict[Format, int]] = {}
        for width in target_widths(original.width, settings.widths):
            frame = resize(original, width)
            sizes[width] = {fmt: len(encode(frame, fmt, settings)) for fmt in settings.formats}
        seconds = f"{time.perf_counter() - started:.2f}"
        for index, (width, by_format) in enumerate(sizes.items()):
            cells = " | ".join(f"{by_format[fmt] / 1024:.0f}" for fmt in settings.formats)
            print(f"| {scene} | {width} | {cells} | {seconds if index == 0 else ''} |")
        if scene in SCENES:
            for dpr in phone:
                chosen = next((w for w in sizes if w >= PHONE_CSS_WIDTH * dpr), max(sizes))
                phone[dpr].append(sizes[chosen][settings.formats[0]])
    best = settings.formats[0].value
    print(f"\nStory-page image on a {PHONE_CSS_WIDTH}-px-wide phone (sizes 100vw, {best}, photographic):")
    for dpr, chosen_sizes in phone.items():
        print(f"  DPR {dpr}: {mean(chosen_sizes) / 1024:.0f} KiB per image")


def quality_of(settings: ImageSettings, fmt: Format) -> int:
    by_format = {Format.JPEG: settings.jpeg_quality, Format.WEBP: settings.webp_quality}
    return by_format.get(fmt, settings.avif_quality)


def samples(root: Path) -> dict[str, Image.Image]:
    found = sorted(root.glob("stories/*/images/*.jp*g")) + sorted(root.glob("campaigns/**/*.jp*g"))
    return {f"sample:{path.stem}": decode(path.read_bytes(), 10**9) for path in found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every other quality, for a fast look")
    parser.add_argument("--width", type=int, default=960, help="width the sweep is measured at")
    args = parser.parse_args()
    rng = random.Random(20211218)
    started = time.perf_counter()
    originals = {name: make(rng) for name, make in SCENES.items()}
    print(f"scenes made in {time.perf_counter() - started:.1f} s ({SIZE[0]}x{SIZE[1]})")
    originals |= samples(Path(__file__).resolve().parent.parent)
    references = {name: resize(im, min(args.width, im.width)) for name, im in originals.items()}
    results = sweep(references, args.quick)
    print_sweep(results, args.width)
    settings = ImageSettings()
    matched(results, settings)
    per_image(originals, settings)
    if Format.AVIF in settings.formats:
        per_image(originals, replace(settings, avif=False))


if __name__ == "__main__":
    main()
