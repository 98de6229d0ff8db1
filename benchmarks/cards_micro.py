"""Social cards, one at a time in one process: CPU milliseconds per card, stage by stage.

    .venv/bin/python -m benchmarks.cards_micro [--cards 300] [--runs 3]

Issue 16 asks for a text card in at most 3 ms of CPU and a photo card in at most 8 ms. This
draws the cards a 1,000-story corpus needs in the proportions it has (titles from the corpus,
every 50th in Arabic, a third with a photo shared among ten), in one process as a worker draws
them: fonts loaded and the shared strips drawn once, then each card laid out, drawn and encoded.
Figures are medians of `--runs` of CPU time (`time.process_time`), and the bytes per card.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from builder import cards
from builder.cards import Card

from .corpus import ARABIC, _photo, _rng, _title

KICKER = "#ItTakesACommunity · 2021"
SITE = "Migrant Stories"


def sample_cards(n: int) -> list[tuple[Card, bytes | None]]:
    photos = []
    for k in range(10):
        image, _ = _photo(k)
        image.thumbnail((960, 960))  # the 960-px derivative a card is cut from
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82)
        photos.append(out.getvalue())
    made = []
    for i in range(n):
        rng = _rng("card", i)
        arabic = i % 50 == 49
        title = "قصة " + " ".join(rng.choices(ARABIC, k=rng.randint(3, 6))) if arabic else _title(rng)
        photo = photos[i % 10] if i % 3 == 0 else None
        made.append((Card(f"story:{i}", title, KICKER, SITE, "ar" if arabic else "en"), photo))
    return made


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def measure(sample: list[tuple[Card, bytes | None]], runs: int) -> dict[str, float]:
    """Per-card CPU ms: layout alone, pixels (layout included) and the whole file, text and photo cards."""
    for card, photo in sample[:20]:  # warm, as a worker is after its first cards
        cards.card_bytes(card, photo)
    figures: dict[str, list[float]] = {}
    for kind, chosen in (("text", [c for c in sample if c[1] is None]), ("photo", [c for c in sample if c[1]])):
        for _ in range(runs):
            cards.layout_line.cache_clear()  # every title is new to the worker in a real build
            layout = _cpu(lambda: [cards.layout(c, p is not None) for c, p in chosen])
            cards.layout_line.cache_clear()
            blobs = []
            total = _cpu(lambda: blobs.extend(cards.card_bytes(c, p) for c, p in chosen))
            cards.layout_line.cache_clear()
            images = []
            draw = _cpu(lambda: images.extend(cards.render(c, p) for c, p in chosen))
            for name, value in (("layout", layout), ("draw", draw), ("total", total)):
                figures.setdefault(f"{kind} {name}", []).append(value / len(chosen) * 1000)
            figures.setdefault(f"{kind} KB", []).append(sum(map(len, blobs)) / len(blobs) / 1024)
    return {k: statistics.median(v) for k, v in figures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    figures = measure(sample_cards(args.cards), args.runs)
    print(f"{args.cards} cards, CPU ms per card (median of {args.runs}). total: the card's file from its texts")
    print("(`card_bytes`, what a worker does); render: the pixels alone, layout included")
    print("| card | layout | render | total | KB |")
    print("|---|---|---|---|---|")
    for kind in ("text", "photo"):
        cells = [f"{figures[f'{kind} {n}']:.2f}" for n in ("layout", "draw", "total")]
        print(f"| {kind} | " + " | ".join(cells) + f" | {figures[f'{kind} KB']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
