"""The browser editor at /admin/ (Decap CMS), driven in real Chromium against its local git backend.

Each test works in a throw-away git copy of the project: `decap-server` (from npm, as `make edit`
runs it) commits into the repository it serves, and with the editorial workflow on, every saved
entry is a branch `cms/<collection>/<slug>`: what a pull request would carry. The branch is then
checked out and must pass `python -m builder check` and be published by `python -m builder build`,
as CI does for a pull request. Every request the editor makes is recorded: none may leave the two
local servers (the static site and decap-server).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import feedparser
import pytest
import yaml
from PIL import Image

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DECAP_SERVER = ROOT / "node_modules" / "decap-server" / "dist" / "index.js"
GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}  # fmt: skip
NOW = "2026-11-22T12:00:00+00:00"  # the build's clock: the new story (20 November) is out by then
# Recorded in the page before any script runs: what the Content-Security-Policy blocked.
CSP_PROBE = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _git(project: Path, *args: str) -> str:
    # decap-server may still be finishing its own git command after the editor says "saved".
    deadline = time.monotonic() + 15
    while (project / ".git" / "index.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})  # fmt: skip
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def _review(project: Path, branch: str) -> Path:
    """The editor's branch in a worktree of its own, as a reviewer's CI checks it out.

    decap-server checks branches out in the project itself while the editor polls, so a
    checkout there raced with it (seen once in a fresh clone's CI run). The worktree is
    detached at the branch's commit: git refuses a second checkout of a branch, and
    decap-server may hold this one checked out in the project at that moment (seen in CI).
    """
    review = project.parent / f"review-{branch.replace('/', '-')}"
    commit = _git(project, "rev-parse", "--verify", f"{branch}^{{commit}}").strip()
    _git(project, "worktree", "add", "-q", "--detach", str(review), commit)
    if not (review / "node_modules").exists():  # the project's link to the packages may be committed
        (review / "node_modules").symlink_to(project / "node_modules")
    return review


def _builder(project: Path, *args: str) -> subprocess.CompletedProcess:
    # Run from the copy, so that its own `builder` and content are used.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project), "STORIES_NOW": NOW}
    command = [sys.executable, "-m", "builder", *args]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)


class Editor:
    """A git copy of the project, its built site, decap-server on it, and the requests seen."""

    def __init__(self, project: Path, base: str, port: int) -> None:
        self.project, self.base, self.port = project, base, port
        self.requests: list[str] = []

    def off_local(self) -> list[str]:
        local = {("127.0.0.1", urlsplit(self.base).port), ("localhost", self.port), ("127.0.0.1", self.port)}
        return [u for u in self.requests
                if not u.startswith(("data:", "blob:")) and (urlsplit(u).hostname, urlsplit(u).port) not in local]

    def branches(self) -> list[str]:
        return _git(self.project, "branch", "--list", "cms/*", "--format=%(refname:short)").split()


@pytest.fixture
def editor(tmp_path: Path, serve_dir) -> Editor:
    if not DECAP_SERVER.is_file():
        pytest.fail(f"{DECAP_SERVER} missing: run tools/install-npm.sh (make site does)", pytrace=False)
    project = tmp_path / "project"
    listed = _git(ROOT, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, project / name)
    (project / "node_modules").symlink_to(ROOT / "node_modules")  # ignored by git: never committed
    port = _free_port()
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - stories:\n", f"  - stories:\n      editor_port: {port}\n", 1))
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "The project as the editor finds it")
    built = _builder(project, "build")
    assert built.returncode == 0, built.stderr[-3000:]
    server = subprocess.Popen(
        ["node", str(DECAP_SERVER)], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, **GIT_ENV, "PORT": str(port), "BIND_HOST": "127.0.0.1", "MODE": "git",
             "GIT_REPO_DIRECTORY": str(project)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError as exc:
                if getattr(exc, "code", None):  # an HTTP error: it is listening
                    break
                assert server.poll() is None and time.monotonic() < deadline, "decap-server did not start"
                time.sleep(0.2)
        yield Editor(project, serve_dir(project / "site"), port)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _open(browser, ed: Editor, path: str = ""):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/London")  # fmt: skip
    context.on("request", lambda request: ed.requests.append(request.url))
    context.add_init_script(CSP_PROBE)
    page = context.new_page()
    page.console = []
    page.on("console", lambda m: page.console.append(f"{m.type}: {m.text[:400]}"))
    page.on("request", lambda r: "/api/v1" in r.url and page.console.append("API " + (r.post_data or "")[:150]))
    page.on("pageerror", lambda e: page.console.append(f"PAGEERROR {e}"))
    page.goto(ed.base + "/admin/")
    page.get_by_role("button", name="Login").click()
    page.get_by_role("link", name="Stories").first.wait_for()
    if path:
        page.goto(ed.base + "/admin/#" + path)
    return page


def _choose(page, field_id: str, *labels: str) -> None:
    """Pick options in one of the editor's select boxes (react-select) by typing, as a person does."""
    box = page.locator(f"input[id^='{field_id}-field-']")
    for label in labels:
        box.click()
        box.fill(label)
        page.get_by_role("option", name=re.compile(re.escape(label))).first.click()


def _save(page) -> None:
    page.get_by_role("button", name="Save").first.click()
    try:
        page.get_by_text(re.compile("Changes saved|Entry saved")).first.wait_for(timeout=20000)
    except Exception:  # say why: the editor's console (API calls, uncaught errors) and any visible errors
        print("\n".join(page.console))
        print([line for line in page.inner_text("body").splitlines() if re.search("requir|invalid|must", line, re.I)])
        raise


def test_new_story_through_the_form_passes_check_and_is_published(browser, editor: Editor, tmp_path: Path):
    photo = tmp_path / "market-stall.jpg"
    Image.new("RGB", (1200, 800), (180, 90, 40)).save(photo, "JPEG", quality=85)
    page = _open(browser, editor, "/collections/stories/new")
    page.locator("input[id^='title-field-']").fill("Market stalls that make neighbours")
    page.locator("input[id^='date-field-']").fill("2026-11-20T10:00")
    page.locator("textarea[id^='summary-field-']").fill("A Saturday market where newcomers and old hands trade.")
    _choose(page, "storytellers", "Amer")
    _choose(page, "tags", "food", "community")
    page.locator("input[id^='ref-field-']").fill("IMD2026-ST-07")
    page.locator("input[id^='given-field-']").fill("2026-11-15")
    _choose(page, "scope", "web", "feeds")
    page.get_by_role("button", name=re.compile("Choose an image")).click()
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name=re.compile("Choose selected")).click()
    page.locator("textarea[id^='image_alt-field-']").fill("Crates of oranges and peppers on a market stall.")
    page.locator("[data-slate-editor]").click()
    page.keyboard.type("Every Saturday the car park fills with stalls.")
    [css] = [p.name for p in (editor.project / "site" / "assets").glob("stories.*.css")]
    preview = page.frame_locator("iframe").first.locator(f"link[rel=stylesheet][href$='assets/{css}']")
    assert preview.count() == 1, "the preview pane uses the site's own (hashed) stylesheet"
    pane = page.frame_locator("iframe").first
    title = pane.locator("h1")
    title.wait_for()
    assert title.inner_text() == "Market stalls that make neighbours"
    assert "Every Saturday the car park fills with stalls." in pane.locator("article").inner_text()
    look = "e => { const s = getComputedStyle(e); return [s.fontFamily, s.fontWeight, s.color]; }"  # size follows the width
    published = browser.new_page()
    published.goto(editor.base + "/stories/2021/community-means-en/")
    assert title.evaluate(look) == published.locator("h1").evaluate(look), "the preview sets the title as the page does"
    published.close()
    _save(page)
    assert page.evaluate("window.__csp") == []
    assert editor.off_local() == [], "requests that left the local servers"
    assert any(u.endswith(f"/assets/{css}") for u in editor.requests)
    assert any(u.endswith("/admin/decap-cms.js") for u in editor.requests)
    assert any(u.endswith(f":{editor.port}/api/v1") for u in editor.requests), "recorded: the backend's calls too"

    # The editorial workflow: the entry is a branch of its own (a pull request on GitHub), main is untouched.
    [branch] = editor.branches()
    changed = _git(editor.project, "diff", "--name-only", f"main...{branch}").split()
    assert _git(editor.project, "status", "--porcelain") == ""
    review = _review(editor.project, branch)
    story = review / "stories" / "2026" / "market-stalls-that-make-neighbours.md"
    assert sorted(changed) == ["stories/2026/images/market-stall.jpg",
                               "stories/2026/market-stalls-that-make-neighbours.md"], (branch, changed)
    text = story.read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", meta["id"])
    assert str(meta["date"]) == "2026-11-20 10:00:00+00:00", text
    assert meta["storytellers"] == ["amer"] and meta["tags"] == ["food", "community"]
    assert meta["consent"]["scope"] == ["web", "feeds"]
    assert (story.parent / meta["image"]).is_file(), "the photo goes next to the story"
    checked = _builder(review, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = _builder(review, "build")
    assert built.returncode == 0, built.stderr[-3000:]
    site = review / "site"
    assert "held" not in built.stderr or "0 held back" in built.stderr, built.stderr[-3000:]
    url = "stories/2026/market-stalls-that-make-neighbours/"
    assert (site / url / "index.html").is_file(), text + built.stderr[-2000:]
    page_html = (site / url / "index.html").read_text(encoding="utf-8")
    assert "Market stalls that make neighbours" in page_html and "Crates of oranges" in page_html
    atom = feedparser.parse((site / "feeds" / "atom.xml").read_bytes())
    assert meta["id"] in [e.id for e in atom.entries], "the feed carries the story under its id"
    documents = [d for f in sorted((site / "search" / "d").glob("*.json")) for d in json.loads(f.read_text())]
    assert [d[1] for d in documents if d[0] == url] == ["Market stalls that make neighbours"]


def test_editing_a_title_keeps_the_id(browser, editor: Editor):
    path = "stories/2021/community-means-en.md"
    before = yaml.safe_load((editor.project / path).read_text(encoding="utf-8").split("---\n")[1])
    page = _open(browser, editor, "/collections/stories/entries/2021/community-means-en")
    title = page.locator("input[id^='title-field-']")
    title.wait_for()
    assert title.input_value() == before["title"]
    live = page.get_by_role("link", name=re.compile("View Live")).get_attribute("href")
    assert live == "https://stories.example.org/stories/2021/community-means-en/", "the published page's address"
    title.fill("What community means to Amer")
    _save(page)
    assert page.evaluate("window.__csp") == []
    assert editor.off_local() == [], "requests that left the local servers"
    [branch] = editor.branches()
    assert _git(editor.project, "diff", "--name-only", f"main...{branch}").split() == [path]
    diff = _git(editor.project, "diff", "-U0", f"main...{branch}").splitlines()
    assert [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))] == [
        f'-title: "{before["title"]}"', '+title: "What community means to Amer"',
    ], "the pull request changes the edited line and no other"
    review = _review(editor.project, branch)
    after = yaml.safe_load((review / path).read_text(encoding="utf-8").split("---\n")[1])
    assert after["title"] == "What community means to Amer"
    assert after["id"] == before["id"]
    assert {k: v for k, v in after.items() if k != "title"} == {k: v for k, v in before.items() if k != "title"}
    checked = _builder(review, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
