"""Edit → preview, measured as a comms officer sees it.

    .venv/bin/python -m benchmarks.preview [--sizes 1000,10000] [--edits 9] [--workdir benchmarks/out]

`python -m builder serve` runs on a generated corpus as a separate process, over real HTTP.
Once it is ready, one published story's title is changed and saved, and the story's page is
fetched again and again (every 5 ms) until the new title is in it: the time from the save to
that response is one figure. The median and maximum over `--edits` saves are reported, with
the time from starting the server until it answered with the site. Then a few saves that also
change the story's tags (which moves it between lists: the preview's full refresh, not its
fast path for a change in what a story shows) are timed the same way. The file is restored and
the server stopped with SIGTERM at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import corpus as corpus_mod

PROJECT = Path(__file__).resolve().parent.parent
POLL = 0.005
PAUSE = 1.0  # between saves: the preview checks body links ~0.6 s after a save, in the background
TITLE = re.compile(r"^title: .*$", re.M)
TAGS = re.compile(r"^tags: .*$", re.M)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 600) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the preview exited with {proc.returncode}")
        try:
            status = json.loads(fetch(base + "__preview__/status")[1])
            if status["version"] >= 1:
                return time.perf_counter() - started
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise TimeoutError("the preview was not ready")


def measure(root: Path, manifest: dict, env: dict[str, str], edits: int = 9) -> dict:
    """Start the preview on `root`, time `edits` title changes, stop it; figures in seconds."""
    live = [s for s in manifest["stories"] if s["status"] == "published" and s["lang"] == "en"]
    story = live[len(live) // 3]
    path = root / story["path"]
    original = path.read_text(encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = open(root / "preview-bench.log", "w", encoding="utf-8")  # noqa: SIM115
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "builder", "--config", str(root / "mkdocs.yml"), "serve",
                             "--dev-addr", f"127.0.0.1:{port}"], cwd=root, env=env, stdout=log, stderr=log)  # fmt: skip
    times: list[float] = []
    full: list[float] = []
    try:
        ready = wait_ready(base, proc)
        fetch(base + story["url"])  # the page as the browser had it before the first save
        for number in range(edits):
            title = f"Edited title {number} {time.time_ns()}"
            text = TITLE.sub(f'title: "{title}"', original, count=1)
            saved = time.perf_counter()
            path.write_text(text, encoding="utf-8")
            while title not in fetch(base + story["url"])[1]:
                if time.perf_counter() - saved > 60:
                    raise TimeoutError(f"edit {number} did not appear within 60 s")
                time.sleep(POLL)
            times.append(time.perf_counter() - saved)
            time.sleep(PAUSE)  # a person reads before saving again
        # A save that moves the story between lists (its tags) re-publishes the whole site.
        for number in range(max(3, edits // 3)):
            title = f"Retagged {number} {time.time_ns()}"
            text = TITLE.sub(f'title: "{title}"', original, count=1)
            text = TAGS.sub(f"tags: [{('food', 'sport')[number % 2]}]", text, count=1) if TAGS.search(text) \
                else text.replace("\n---\n", f"\ntags: [{('food', 'sport')[number % 2]}]\n---\n", 1)
            saved = time.perf_counter()
            path.write_text(text, encoding="utf-8")
            while title not in fetch(base + story["url"])[1]:
                if time.perf_counter() - saved > 60:
                    raise TimeoutError(f"tag edit {number} did not appear within 60 s")
                time.sleep(POLL)
            full.append(time.perf_counter() - saved)
            time.sleep(PAUSE)
    finally:
        path.write_text(original, encoding="utf-8")
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return {
        "ready_s": ready, "start_to_ready_s": time.perf_counter() - started if not times else ready,
        "edit_median_s": statistics.median(times), "edit_max_s": max(times), "edits": len(times),
        "edit_times_s": times, "exit": proc.returncode,
        "tag_edit_median_s": statistics.median(full), "tag_edit_max_s": max(full), "tag_edit_times_s": full,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--edits", type=int, default=9)
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=PROJECT / "benchmarks" / "out")
    args = parser.parse_args(argv)
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", STORIES_NOW=corpus_mod.NOW_ISO, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(PROJECT), env.get("PYTHONPATH"))))
    for n in (int(s) for s in args.sizes.split(",")):
        root = args.workdir.resolve() / f"preview-{n}"
        manifest = corpus_mod.write_corpus(root, n, args.images)
        figures = measure(root, manifest, env, args.edits)
        print(f"N={n}: edit → served page median {figures['edit_median_s'] * 1000:.0f} ms, "
              f"max {figures['edit_max_s'] * 1000:.0f} ms over {figures['edits']} edits; "
              f"ready {figures['ready_s']:.1f} s after start; exit {figures['exit']}; a tag edit (full refresh): "
              f"median {figures['tag_edit_median_s'] * 1000:.0f} ms, max {figures['tag_edit_max_s'] * 1000:.0f} ms",
              flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
