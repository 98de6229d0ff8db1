"""`python -m builder serve` as a comms officer meets it: a real process, over real HTTP.

* A story broken by a save is answered at once, with its `path:line` on the page, while the
  rest of the site (and the story's last good version) stays up; fixing it clears the banner
  by itself, and the new title appears.
* A draft fresh from `new story`, placeholders and all, previews under its list of problems.
* The browser is told of each new version over server-sent events.
* A busy port is one line naming `--dev-addr`; SIGTERM stops the server and frees the port.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import NOW, PROJECT, SiteDir

WAIT = 60  # generous for a loaded machine: the tests measure outcomes, the benchmark measures time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT} s: {what}")


def start(site: SiteDir, port: int, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, STORIES_NOW=NOW, PYTHONPATH=str(PROJECT))
    return subprocess.Popen(
        [sys.executable, "-m", "builder", "--config", str(site.root / "mkdocs.yml"), "serve", *extra],
        cwd=site.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


class Preview:
    def __init__(self, site: SiteDir) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.proc = start(site, self.port, "--dev-addr", f"127.0.0.1:{self.port}")
        until(lambda: self.status()["version"] >= 1, "the preview is ready")

    def status(self) -> dict:
        try:
            return json.loads(get(self.base + "__preview__/status")[1])
        except OSError:
            assert self.proc.poll() is None, self.proc.stdout.read()
            return {"version": 0}

    def page(self, url: str) -> tuple[int, str]:
        return get(self.base + url)

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=WAIT)
        return out


@pytest.fixture
def preview(site: SiteDir):
    site.campaign()
    site.ambassador("amer", display="first-name")
    site.story("first-story", storytellers=["amer"], by=["IMD campaign team"], campaign="2021-it-takes-a-community")
    site.story("second-story")
    running = Preview(site)
    yield running
    if running.proc.poll() is None:
        running.stop()


def showing(preview: Preview, url: str, text: str) -> str | None:
    status, page = preview.page(url)
    return page if status == 200 and text in page else None


def banner(page: str) -> list[str]:
    """The problems the preview's banner lists, as the page shows them."""
    section = re.search(r'<section class="preview-problems".*?</section>', page, re.S)
    return [html.unescape(item) for item in re.findall(r"<li><code>(.*?)</code></li>", section[0])] if section else []


def test_a_broken_story_answers_at_once_with_its_line_and_the_preview_recovers(site: SiteDir, preview: Preview):
    status, page = preview.page("stories/2021/first-story/")
    assert status == 200 and "First Story" in page and not banner(page)
    path = site.root / "stories/2021/first-story.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("title: First Story", "title: First: Story\n\tsummary: x"), encoding="utf-8")
    until(lambda: banner(preview.page("stories/2021/first-story/")[1]), "the banner shows the problem")
    status, page = preview.page("stories/2021/first-story/")
    assert status == 200 and "First Story" in page  # the last good version, still served
    (problem,) = banner(page)
    assert problem.startswith("stories/2021/first-story.md:3: the value of `title` contains a colon")
    status, other = preview.page("stories/2021/second-story/")  # every page carries the banner
    assert status == 200 and banner(other) == [problem]
    assert banner(preview.page("__preview__/problems/")[1]) == [problem]

    path.write_text(good.replace("title: First Story", "title: A New Title"), encoding="utf-8")
    page = until(lambda: showing(preview, "stories/2021/first-story/", "A New Title"), "the fixed story appears")
    assert not banner(page)
    assert preview.status()["problems"] == []


def test_a_new_story_draft_previews_with_its_placeholders_listed(site: SiteDir, preview: Preview):
    made = subprocess.run([sys.executable, "-m", "builder", "--config", str(site.root / "mkdocs.yml"), "new",
                           "story", "my-draft"], cwd=site.root, capture_output=True, text=True,
                          env=dict(os.environ, STORIES_NOW=NOW, PYTHONPATH=str(PROJECT)))  # fmt: skip
    assert made.returncode == 0, made.stderr
    rel = made.stdout.strip()
    url = rel.removesuffix(".md") + "/"
    page = until(lambda: showing(preview, url, "Write the title here"), "the draft is served")
    assert "Write the title here" in page
    problems = banner(page)
    assert any(p.startswith(f"{rel}:4: `title` still holds the template's placeholder") for p in problems), problems
    assert preview.page("")[0] == 200  # the rest of the site is up


def test_each_save_is_announced_to_the_browser(site: SiteDir, preview: Preview):
    status, page = preview.page("")
    script = re.search(r'<script src="(/__preview__/reload\.js\?v=(\d+))"', page)
    assert script, "every page loads the reload script"
    assert "EventSource" in preview.page(script[1].lstrip("/"))[1]
    with urllib.request.urlopen(preview.base + "__preview__/events", timeout=WAIT) as events:
        def next_version() -> int:
            while True:
                line = events.readline().decode()
                if line.startswith("data: "):
                    return int(line[6:])

        first = next_version()
        assert first == int(script[2])
        site.story("third-story")
        assert next_version() > first
    until(lambda: preview.page("stories/2021/third-story/")[0] == 200, "the new story is served")


def test_a_busy_port_is_one_line_naming_dev_addr(site: SiteDir, preview: Preview):
    other = start(site, preview.port, "--dev-addr", f"127.0.0.1:{preview.port}")
    out, _ = other.communicate(timeout=WAIT)
    assert other.returncode == 1
    (line,) = out.strip().splitlines()
    assert f"127.0.0.1:{preview.port} is already in use" in line and "--dev-addr" in line


def test_sigterm_stops_the_preview_and_frees_the_port(site: SiteDir, preview: Preview):
    with urllib.request.urlopen(preview.base + "__preview__/events", timeout=WAIT):  # a browser still listening
        out = preview.stop()
    assert preview.proc.returncode == 0, out
    with socket.socket() as sock:  # nothing left listening: the port can be taken at once
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", preview.port))
        sock.listen()
    children = subprocess.run(["pgrep", "-P", str(preview.proc.pid)], capture_output=True, text=True).stdout
    assert not children.strip()


def test_sigterm_while_photos_are_still_being_encoded_stops_every_process_it_started(site: SiteDir):
    from PIL import Image, ImageDraw

    (site.root / "stories/2021/images").mkdir(parents=True)
    for n in range(4):
        im = Image.effect_noise((2400, 1600), 60 + n).convert("RGB")
        ImageDraw.Draw(im).ellipse((100, 100, 900, 900), fill=(200, 40 * n, 20))
        im.save(site.root / f"stories/2021/images/p{n}.jpg", quality=95)
        site.story(f"pictured-{n}", image=f"images/p{n}.jpg", image_alt="A photo")
    port = free_port()
    proc = start(site, port, "--dev-addr", f"127.0.0.1:{port}")
    assert "Preview at" in proc.stdout.readline()
    children = until(lambda: subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
                     .stdout.split(), "the photo encoders start")  # fmt: skip
    assert get(f"http://127.0.0.1:{port}/")[0] == 503  # answering at once while it starts
    stopped = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=WAIT)
    assert proc.returncode == 0
    assert time.monotonic() - stopped < 15, "it did not wait for the encoding to finish"
    def gone(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        return state == "Z"  # exited, waiting for whoever adopted it to collect its status

    until(lambda: all(gone(int(pid)) for pid in children), "every process the preview started has exited")


def test_preview_fast_path_matches_a_full_refresh(site: SiteDir, monkeypatch: pytest.MonkeyPatch):
    """A save that changes only what a story shows takes the fast path; its pages are the full path's."""
    from builder import preview as preview_mod

    monkeypatch.setenv("STORIES_NOW", NOW)
    site.campaign()
    site.ambassador("amer", name="Amer Saleh", display="first-name")
    site.story("first-story", storytellers=["amer"], by=["IMD campaign team"], campaign="2021-it-takes-a-community",
               tags=["food", "welcome"], origin=["SY"], place="Leeds")  # fmt: skip
    site.story("second-story", tags=["food"], origin=["SY"], translation_of=None)
    site.story("third-story", tags=["welcome"], place="Leeds", body="Amer Saleh met us.\n")  # a surname, not Amer's story
    config = site.root / "mkdocs.yml"
    fast = preview_mod.Preview(config)
    fast.render_theme()
    fast.refresh()
    urls = ["", "stories/", "stories/2021/first-story/", "stories/2021/second-story/", "tags/food/",
            "places/leeds/", "campaigns/2021-it-takes-a-community/", "ambassadors/amer/", "years/2021/"]  # fmt: skip
    for url in urls:
        fast.page(fast.snapshot, url)
    path = site.root / "stories/2021/first-story.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: First Story", "title: A Saleh family dinner")
                    .replace("A story.", "A new paragraph, with Saleh in it."), encoding="utf-8")  # fmt: skip
    calls = []
    monkeypatch.setattr(preview_mod, "assemble", lambda *a, **k: calls.append(1) or preview_mod.loader_assemble(*a, **k))
    snap = fast.refresh({path})
    assert calls == [], "the fast path was not taken"
    full = preview_mod.Preview(config)
    full.theme, full.site_lang = fast.theme, fast.site_lang
    reference = full.refresh()
    assert snap.problems == reference.problems
    assert any("Saleh" in str(p) for p in snap.problems)  # the anonymity guard saw the new text
    for url in urls:
        assert fast.document(snap, fast.page(snap, url)) == full.document(reference, full.page(reference, url)), url
    assert fast.generated_files(snap, "feeds/atom.xml") == full.generated_files(reference, "feeds/atom.xml")


def test_rendering_the_theme_for_the_preview_leaves_later_builds_whole(site: SiteDir):
    """MkDocs keeps one plugin instance per process: the theme-only mode must not outlive its build."""
    from builder.plugin import render_theme

    site.story("after-the-theme")
    pages, lang = render_theme(site.root / "mkdocs.yml", site.root / ".cache/preview/theme")
    assert "" in pages and "_shells/3" in pages and lang == "en"
    assert "@@stories:content@@" in pages["_shells/3"]
    site.build()
    assert "After The Theme" in site.page("stories/2021/after-the-theme")


def test_a_broken_body_link_joins_the_banner_as_check_reports_it(site: SiteDir, preview: Preview):
    path = site.story("linking", body="Intro.\n\nSee [the first story](../first-storyy/).\n")
    line = next(i + 1 for i, text in enumerate(path.read_text(encoding="utf-8").split("\n")) if "first-storyy" in text)
    expected = f"stories/2021/linking.md:{line}: the link '../first-storyy/' leads to a page that does not exist"
    until(lambda: any(p.startswith(expected) for p in banner(preview.page("stories/2021/linking/")[1])),
          "the link problem is on the page")  # fmt: skip
