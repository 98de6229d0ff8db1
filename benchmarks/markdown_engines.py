"""Markdown engines side by side on the corpus's bodies: why the site renders with cmark-gfm.

    .venv/bin/python -m benchmarks.markdown_engines [--bodies 1000] [--runs 3]

Times each engine alone and followed by our sanitizer (the cost a build pays), on the same
~700-word bodies the build benchmark uses, plus pathological bodies of 2,000 and 8,000 `[`:
four times the input takes Python-Markdown sixteen times as long. The candidates are the ones issue 16 names:
Python-Markdown (what the site used), cmarkgfm (GitHub's cmark-gfm), markdown-it-pyrs
(markdown-it in Rust) and pyromark (pulldown-cmark); an engine that is not installed is skipped.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

from builder.render import sanitize

from .corpus import bodies as corpus_bodies


def engines() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {}
    import markdown

    converter = markdown.Markdown(extensions=["extra", "sane_lists", "smarty"], output_format="html")
    found["Python-Markdown (extra, sane_lists, smarty)"] = lambda t: converter.reset().convert(t)
    try:
        from builder.render import markdown_to_html

        found["cmarkgfm (table, strikethrough, autolink, footnotes, smart)"] = markdown_to_html
    except ImportError:
        pass
    try:
        import markdown_it_pyrs

        md = markdown_it_pyrs.MarkdownIt("commonmark").enable_many(
            ["table", "strikethrough", "footnote", "autolink_ext", "smartquotes", "replacements", "heading_anchors"]
        )
        found["markdown-it-pyrs (gfm-ish, smartquotes, anchors)"] = md.render
    except ImportError:
        pass
    try:
        import pyromark

        options = (
            pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
            | pyromark.Options.ENABLE_FOOTNOTES | pyromark.Options.ENABLE_SMART_PUNCTUATION
        )  # fmt: skip
        found["pyromark (tables, strikethrough, footnotes, smart)"] = lambda t: pyromark.html(t, options=options)
    except ImportError:
        pass
    return found


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    bodies = corpus_bodies(args.bodies)
    print(f"{args.bodies} bodies, {sum(len(b.split()) for b in bodies) // args.bodies} words each on average; "
          f"CPU medians of {args.runs}")  # fmt: skip
    print("| engine | ms per body | ms per body + sanitize | 2,000 `[` | 8,000 `[` |")
    print("|---|---|---|---|---|")
    for name, render in engines().items():
        alone = _median(lambda: [render(b) for b in bodies], args.runs) / len(bodies) * 1000
        whole = _median(lambda: [sanitize(render(b)) for b in bodies], args.runs) / len(bodies) * 1000
        bombs = [_median(lambda: render("[" * size), 1) for size in (2_000, 8_000)]
        print(f"| {name} | {alone:.3f} | {whole:.3f} | {bombs[0]:.3f} s | {bombs[1]:.3f} s |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
