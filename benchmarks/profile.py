"""Where one `mkdocs build --strict` spends its time, on a benchmark corpus.

    .venv/bin/python -m benchmarks.profile benchmarks/out/corpus-1000              # both reports
    .venv/bin/python -m benchmarks.profile CORPUS --serial --out /tmp/prof.out     # markdown in-process

The build runs in this process exactly as `mkdocs build --strict` runs it (load_config,
on_startup, build, on_shutdown) with `STORIES_NOW` fixed, twice:

1. **phases**: the MkDocs build functions, every plugin event handler and every builder function
   that `builder.pipeline.prepare` calls are wrapped with timers (inclusive wall time and calls).
   Nearly free, so the figures are real build times.
2. **cProfile**: the whole build under cProfile, dumped to `--out`; printed: the top functions by
   cumulative and by own time, and own time summed by package (yaml, markdown, jinja2 and the
   compiled templates, mkdocs, material, builder, nh3, babel, feedgen/lxml, file I/O ...).

The image cache is warmed first (unless `--cold`), so the profile is of the text work. Markdown
bodies are rendered in a process pool when there are enough of them; their time then shows as
waiting in the parent. `--serial` makes `os.cpu_count()` say 1 so that work shows up in the profile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from .corpus import NOW_ISO
from .timing import CALLS, TIMES, time_attribute, time_pipeline, timed

PROJECT = Path(__file__).resolve().parent.parent
def instrument(config) -> None:
    """Wrap the build's moving parts with timers; `config` is the loaded MkDocs config."""
    import jinja2
    import mkdocs.commands.build as build
    import mkdocs.utils
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

    for name in ("get_files", "get_navigation", "_populate_page", "_build_page", "_build_theme_template",
                 "_build_extra_template", "get_context"):  # fmt: skip
        time_attribute(build, name, f"mkdocs.{name}")
    time_attribute(Files, "copy_static_files", "mkdocs.Files.copy_static_files")
    time_attribute(Files, "add_files_from_theme", "mkdocs.Files.add_files_from_theme")
    time_attribute(Page, "read_source", "mkdocs.Page.read_source")
    time_attribute(Page, "render", "mkdocs.Page.render (Markdown of each page)")
    time_attribute(mkdocs.utils, "write_file", "mkdocs.utils.write_file")
    time_attribute(jinja2.Template, "render", "jinja2.Template.render (theme and builder templates)")
    for event, methods in config.plugins.events.items():
        for i, method in enumerate(methods):
            origin = config.plugins._event_origins.get(method, type(getattr(method, "__self__", None)).__name__)
            methods[i] = timed(f"plugin {origin}.on_{event}", method)
    time_pipeline(lambda name, fn: f"builder.{fn.__module__.split('.', 1)[1]}.{name}")
    for module, name in (("builder.search", "index_site"), ("builder.output", "swap_into_place"),
                         ("builder.pages", "Renderer.story")):  # fmt: skip
        try:
            mod = __import__(module, fromlist=["x"])
            owner, _, attr = name.rpartition(".")
            time_attribute(getattr(mod, owner) if owner else mod, attr, f"{module}.{name}")
        except ImportError:
            pass


def run_build(config_file: Path, profiler: cProfile.Profile | None = None, phases: bool = False) -> float:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(config_file), strict=True)
    if phases:
        instrument(config)
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config, dirty=False)
        finally:
            config.plugins.on_shutdown()
    finally:
        if profiler:
            profiler.disable()
    return time.perf_counter() - started


_STDLIB = re.compile(r"/lib/python3\.\d+/([^/]+?)(?:\.py|/)")
_SITE = re.compile(r"site-packages/([^/]+?)(?:\.py|/|\.cpython)")


def package_of(filename: str, function: str) -> str:
    if filename == "~":
        if re.search(r"posix\.(stat|open|scandir|mkdir|replace|rename|unlink|lstat|listdir|rmdir)|io\.open|"
                     r"method 'write'|method 'read'|method 'close'|builtins\.open", function):  # fmt: skip
            return "file I/O (builtins)"
        if re.search(r"select\.poll|method 'poll'|method 'acquire' of '_thread|waitpid|posix\.read\b", function):
            return "waiting (subprocess / process pool)"
        if "zlib" in function or "gzip" in function:
            return "zlib (builtins)"
        if "re.Pattern" in function or "_sre" in function:
            return "re (builtins)"
        return "other builtins"
    if filename.endswith((".html", ".xml", ".j2")) or filename.startswith("<template>"):
        return "jinja2 compiled templates"
    if "/builder/" in filename:
        return "builder." + Path(filename).stem
    if match := _SITE.search(filename):
        name = match[1]
        return {"_yaml": "yaml", "pymdownx": "markdown (pymdownx)"}.get(name, name)
    if match := _STDLIB.search(filename):
        return "stdlib " + match[1]
    return filename


def summarise(stats: pstats.Stats, top: int) -> str:
    out = io.StringIO()
    total = max(v[3] for v in stats.stats.values())  # the outermost cumulative time
    own: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():
        own[package_of(filename, function)] += tottime
    out.write(f"\nOwn time by package (profiled wall {total:.1f} s; cProfile overhead inflates Python-heavy code):\n")
    for name, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:25]:
        out.write(f"  {seconds:8.2f} s  {100 * seconds / total:5.1f}%  {name}\n")
    for key in ("cumulative", "tottime"):
        text = io.StringIO()
        stats.stream = text
        stats.sort_stats(key).print_stats(top)
        body = text.getvalue()
        body = body[body.find("   ncalls"):]
        out.write(f"\nTop {top} by {key}:\n" + re.sub(r"/\S*?/(site-packages|lib/python3\.11|work/main)/", "", body))
    return out.getvalue()


def phases_report(total: float) -> str:
    lines = [f"\nPhases (inclusive wall time; nested entries are inside their parents), build {total:.2f} s:"]
    for label, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.005:
            lines.append(f"  {seconds:8.2f} s  {100 * seconds / total:5.1f}%  {CALLS[label]:>7} calls  {label}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a corpus folder (with mkdocs.yml)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/prof.out"), help="where the cProfile data goes")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--serial", action="store_true", help="os.cpu_count() = 1: render markdown in-process")
    parser.add_argument("--cold", action="store_true", help="do not warm the image cache first")
    parser.add_argument("--only", choices=("phases", "cprofile"), help="run only one of the two")
    parser.add_argument("--code", type=Path, help="a snapshot folder holding builder/ to import instead of the live one "
                        "(e.g. benchmarks/out/code from the last run)")
    args = parser.parse_args(argv)
    config = (args.corpus / "mkdocs.yml").resolve()
    os.environ.update(STORIES_NOW=NOW_ISO, NO_MKDOCS_2_WARNING="1")
    if args.code:
        args.code = args.code.resolve()
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(args.code), os.environ.get("PYTHONPATH"))))
        sys.path.insert(0, str(args.code))
    env = dict(os.environ)
    if not args.cold and not (args.corpus / ".cache" / "images").is_dir():
        print("warming the image and card caches with one build ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)], env=env, check=True,
                       cwd=config.parent)  # fmt: skip
    if args.only is None:  # each in a fresh interpreter, so the timers never sit inside the profile
        for only in ("phases", "cprofile"):
            rest = [str(args.corpus.resolve()), "--out", str(args.out.resolve()), "--top", str(args.top)]
            rest += (["--serial"] if args.serial else []) + (["--code", str(args.code)] if args.code else [])
            subprocess.run([sys.executable, "-m", "benchmarks.profile", *rest, "--cold", "--only", only],
                           cwd=PROJECT, env=env, check=True)  # fmt: skip
        return 0
    if args.serial:
        os.cpu_count = lambda: 1  # type: ignore[assignment]
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    if not args.code:
        sys.path.insert(0, str(PROJECT))
    os.chdir(config.parent)
    if args.only == "phases":
        total = run_build(config, phases=True)
        print(phases_report(total), flush=True)
    else:
        profiler = cProfile.Profile()
        total = run_build(config, profiler=profiler)
        profiler.dump_stats(args.out)
        print(f"\ncProfile: build {total:.2f} s under the profiler; data in {args.out}")
        print(summarise(pstats.Stats(str(args.out)), args.top), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
