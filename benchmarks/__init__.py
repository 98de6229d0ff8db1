"""Build-speed and page-weight benchmarks on a synthetic corpus (issue 9).

    make bench                                   # = .venv/bin/python -m benchmarks
    .venv/bin/python -m benchmarks --quick       # N=200, 1 run: a smoke test
    .venv/bin/python -m benchmarks --sizes 1000,10000 --runs 3 --json benchmarks/out/last.json

Modules:

- `corpus`     deterministic corpus generator (N stories in the content contract, 200 storytellers,
               campaigns 2020-2026, optional photo-like JPEGs with EXIF) and its Material-blog twin;
- `run`        the runner: cold / no-change / one-edit builds in subprocesses (wall time, peak memory),
               images encoded vs reused, bytes per story page, search bytes, feed time, blog ratio;
- `inprocess`  the engine-free stages (`builder.pipeline.prepare` and its parts) timed in one process;
- `profile`    cProfile of one `mkdocs build` on a corpus, summarised by stage;
- `image_quality` (separate) bytes against visible quality for the image encoder settings.

Everything is written under `benchmarks/out/` (git-ignored) unless `--workdir` says otherwise.
"""
