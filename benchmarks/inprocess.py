"""The engine-free build, `builder.pipeline.prepare`, timed stage by stage in one process.

    .venv/bin/python -m benchmarks.inprocess benchmarks/out/corpus-1000 [--repeat 3]

Every builder function that `prepare` calls through `builder.pipeline`'s namespace (load_content,
publish, process_images, render_bodies, plan_cards, draw_cards, generate_pages, build_feeds, build_index ...)
is wrapped with a timer (`benchmarks.timing`), then `prepare` runs `--repeat` times; printed is one
JSON object with the median inclusive seconds of `prepare` and of each stage (`stage:<name>`,
`calls:<name>`). The caches under
the corpus's `.cache/` are whatever the last build left (warm after a build), so this is the
engine-free part of a no-change rebuild; `build_feeds` is the feed generation time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from .timing import CALLS, TIMES, reset, time_pipeline

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in os.environ.get("PYTHONPATH", ""):  # a snapshot on PYTHONPATH comes first
    sys.path.append(str(PROJECT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inprocess")
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="median of this many repeats")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    now = datetime.fromisoformat(os.environ.get("STORIES_NOW") or "2026-06-01T12:00:00+00:00")
    from builder.pipeline import prepare
    from builder.settings import load_settings

    import builder

    time_pipeline()
    settings = load_settings(root / "mkdocs.yml")
    runs: list[dict[str, float]] = []
    kept = root / ".cache" / "text"  # builder.memo: removed so that the stages are of rendering
    for _ in range(args.repeat):
        shutil.rmtree(kept, ignore_errors=True)
        reset()
        started = time.perf_counter()
        build = prepare(settings, now)
        total = time.perf_counter() - started
        run = {"prepare": total, **{f"stage:{k}": v for k, v in TIMES.items()}}
        run.update({f"calls:{k}": float(v) for k, v in CALLS.items()})
        runs.append(run)
    result: dict[str, object] = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
    hits = []
    for _ in range(args.repeat):  # and prepare as a no-change build runs it: the kept outputs used
        started = time.perf_counter()
        prepare(settings, now)
        hits.append(time.perf_counter() - started)
    result["prepare_kept"] = statistics.median(hits)
    feeds = [f for f in build.files if f.url.endswith(("rss.xml", "atom.xml", "feed.json"))]
    result.update(pages=len(build.pages), files=len(build.files), feed_files=len(feeds),
                  feed_bytes=sum(len(f.content or b"") for f in feeds), stories_published=len(build.publication.stories),
                  builder=str(Path(builder.__file__).parent))  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
