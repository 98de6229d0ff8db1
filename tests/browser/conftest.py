"""Real-browser test harness: headless Debian Chromium via Playwright, axe-core, Nu HTML Checker.

Everything here is installed by ``tools/install-test-deps.sh`` (Debian ``chromium``, Java,
and the npm packages pinned in ``package.json`` / ``package-lock.json``). Missing tools make
the tests FAIL with a pointer to that script; they are never skipped.

Fixtures
--------
``built_site``      (module)   Path of the built site: ``$STORIES_SITE_DIR`` or ``<root>/site``.
                               A test module may override it (the harness self-tests do).
``site_server``     (module)   Serves ``built_site`` on 127.0.0.1:<free port>; yields the base URL
                               (no trailing slash). Missing paths get ``404.html`` with status 404.
``serve_dir``       (session)  Factory ``serve_dir(path) -> base_url`` for any other directory.
``browser``         (session)  Playwright Chromium (``/usr/bin/chromium``, headless, offline flags).
``page_at``         (function) Factory ``page_at(url, width=390, color_scheme="light", ...)``: a page
                               in a fresh context, already navigated. It carries
                               ``page.requested_urls`` (every request URL made in the context),
                               ``page.console_errors`` and ``page.nav_response``.
``off_site_requests`` (session) ``off_site_requests(page) -> [urls not on 127.0.0.1/data:/blob:]``.
``run_axe``         (session)  ``run_axe(page) -> [violation dicts]`` (axe tags: ``AXE_TAGS``).
``run_axe_many``    (session)  ``run_axe_many(pages) -> [[violation dicts] per page]``, concurrently.
``format_violations`` (session) Readable text of axe violations, for assertion messages.
``vnu``             (session)  ``vnu(paths) -> [error messages]`` after ``VNU_IGNORED_ERRORS``.
``format_vnu``      (session)  Readable text of vnu messages, for assertion messages.
``focused``         (session)  ``focused(page) -> dict`` describing ``document.activeElement``
                               (tag, id, href, text, outline, box-shadow, ``visible_focus``).
``focus_state``     (session)  ``focus_state(page) -> dict``: stricter than ``focused``: where the
                               focus ring is drawn (the element, or the visible label of a hidden
                               form control), whether that is rendered (size, opacity, visibility),
                               inside the viewport and not covered by anything (sticky header).
``tabbables``       (session)  ``tabbables(page) -> [descriptions]`` of every element the Tab key
                               can reach (focusable, tabindex >= 0, not display/visibility-hidden),
                               each with ``rendered``: whether a sighted reader can see it.
``harness``         (session)  This module (constants such as ``AXE_TAGS``, ``VNU_IGNORED_ERRORS``
                               and plain helpers), since test modules should not ``import conftest``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run tools/install-test-deps.sh"

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking / component-update / sync flags Chromium keeps trying to
# reach Google services, which on this closed network means a storm of failing connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT_HEIGHTS = {390: 844, 1280: 800}  # phone (iPhone 12-ish) and desktop

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Nu HTML Checker errors we accept because they come from MkDocs-Material's own markup, which
# our theme overrides cannot change. Each entry: (regex searched in the message text, reason[,
# regex searched in the offending markup]).
# Keep this list short and every reason specific; an entry without a real reason is a bug.
# The third regex pins an entry to the markup it excuses, so it cannot hide the same error
# anywhere else; tests/browser/test_accessibility.py fails on entries that match nothing.
VNU_IGNORED_ERRORS: list[tuple[str, ...]] = [
    (
        r"^Attribute “autocomplete” is only allowed when the input type is ",
        "Material's base.html writes <input class=\"md-toggle\" type=\"checkbox\" autocomplete=\"off\"> for "
        "the drawer and search toggles (autocomplete=off stops Firefox restoring their state on Back). "
        "They are outside any template block: removing the attribute means forking all of base.html. "
        "Harmless: browsers ignore autocomplete on checkboxes.",
        r'<input class="md-toggle" data-md-toggle="(drawer|search)" type="checkbox" id="__(drawer|search)" '
        r'autocomplete="off">',
    ),
]


# --------------------------------------------------------------------------------------------
# Static server
# --------------------------------------------------------------------------------------------

class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory like a static host: index.html for folders, 404.html for misses."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".webmanifest": "application/manifest+json",
        ".svg": "image/svg+xml",
        ".webp": "image/webp",
        ".avif": "image/avif",
        ".woff2": "font/woff2",
        ".xml": "application/xml",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep the test log quiet
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404, message)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The browser routinely aborts requests (navigation, cancelled preloads): not our problem.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve_directory(directory: str | os.PathLike) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at a free port; yield ``http://127.0.0.1:PORT``."""
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise FileNotFoundError(f"not a directory: {directory}")
    handler = functools.partial(_StaticHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"site-server-{directory.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def built_site() -> Path:
    """The built site: ``$STORIES_SITE_DIR`` if set, else ``<project>/site``."""
    env = os.environ.get("STORIES_SITE_DIR")
    site = Path(env) if env else ROOT / "site"
    if not (site / "index.html").is_file():
        pytest.fail(
            f"built site not found at {site} (no index.html): build the site first, "
            "or point STORIES_SITE_DIR at a built site",
            pytrace=False,
        )
    return site


@pytest.fixture(scope="module")
def site_server(built_site: Path) -> Iterator[str]:
    """Base URL (no trailing slash) of ``built_site`` served on 127.0.0.1."""
    with serve_directory(built_site) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def serve_dir() -> Iterator[Callable[[str | os.PathLike], str]]:
    """Factory: ``serve_dir(path) -> base_url``; servers live until the end of the session."""
    with contextlib.ExitStack() as stack:
        urls: dict[Path, str] = {}

        def serve(path: str | os.PathLike) -> str:
            key = Path(path).resolve()
            if key not in urls:
                urls[key] = stack.enter_context(serve_directory(key))
            return urls[key]

        yield serve


# --------------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------------

def require_chromium(path: str = CHROMIUM) -> str:
    """Return ``path`` if it is an executable; otherwise FAIL the test (never skip)."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"{path} not found: {INSTALL_HINT} (installs Debian's chromium)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser():
    executable = require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the venv has it
        pytest.fail(f"playwright (PyPI) not importable ({exc}): pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page_at(browser):
    """Factory: ``page_at(url, width=390, color_scheme="light", height=None, wait_until="load",
    reduced_motion=None)`` (``reduced_motion="reduce"`` emulates prefers-reduced-motion).

    Opens a fresh context (viewport ``width`` x ``height``, ``prefers-color-scheme``), records
    every request URL made in it into ``page.requested_urls`` (before navigating, so nothing is
    missed) and console errors into ``page.console_errors``, navigates to ``url`` and returns the
    page; ``page.nav_response`` is the navigation response. Use ``wait_until="networkidle"`` when
    a test must see late requests too. Contexts are closed at the end of the test.
    """
    contexts = []

    def open_page(url: str, width: int = 390, color_scheme: str = "light", *,
                  height: int | None = None, wait_until: str = "load", reduced_motion: str | None = None):
        if color_scheme not in ("light", "dark"):
            raise ValueError(f"color_scheme must be 'light' or 'dark', not {color_scheme!r}")
        context = browser.new_context(
            viewport={"width": width, "height": height or VIEWPORT_HEIGHTS.get(width, 800)},
            color_scheme=color_scheme,
            reduced_motion=reduced_motion,
        )
        contexts.append(context)
        requested: list[str] = []
        console_errors: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.on("console", lambda msg: console_errors.append(f"{msg.text} [{msg.location.get('url', '')}]")
                if msg.type == "error" else None)  # fmt: skip  # the address says which file failed
        page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
        page.requested_urls = requested
        page.console_errors = console_errors
        page.nav_response = page.goto(url, wait_until=wait_until)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _off_site_requests(page, allowed_hosts: Iterable[str] = ("127.0.0.1",)) -> list[str]:
    allowed = set(allowed_hosts)
    off = []
    for url in page.requested_urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in allowed:
            continue
        off.append(url)
    return off


@pytest.fixture(scope="session")
def off_site_requests():
    """``off_site_requests(page) -> list`` of requested URLs not served by 127.0.0.1."""
    return _off_site_requests


_FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const outlineW = parseFloat(cs.outlineWidth) || 0;
  return {
    tag: el.tagName.toLowerCase(), id: el.id || null,
    href: el.getAttribute('href'), text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 80),
    outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, box_shadow: cs.boxShadow,
    visible_focus: (cs.outlineStyle !== 'none' && outlineW > 0) || (cs.boxShadow && cs.boxShadow !== 'none'),
  };
}"""


@pytest.fixture(scope="session")
def focused():
    """``focused(page) -> dict | None`` for ``document.activeElement`` (None when it is <body>)."""
    return lambda page: page.evaluate(_FOCUSED_JS)


_FOCUS_STATE_JS = """async () => {
  // Let scroll handlers that run in animation frames (Material sizes its sticky sidebars
  // there) settle after the focus move before looking.
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const vw = window.innerWidth, vh = window.innerHeight;
  const boxes = (n) => [...n.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  const rendered = (n) => boxes(n).length > 0
    && n.checkVisibility({opacityProperty: true, visibilityProperty: true});
  // A visually hidden form control (Material's palette radios) shows its focus on the visible
  // label next to it; anything else must show focus on itself.
  let shown = el;
  if (!rendered(el)) {
    const next = el.nextElementSibling;
    const candidates = [...(next && next.tagName === 'LABEL' ? [next] : []), ...(el.labels || [])];
    shown = candidates.find(rendered) || el;
  }
  const cs = getComputedStyle(shown);
  const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0)
    || (!!cs.boxShadow && cs.boxShadow !== 'none');
  const rects = boxes(shown);
  const inView = rects.some((r) => r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh);
  let covered_by = null;
  const unobscured = rects.some((r) => {
    const x = Math.min(Math.max((r.left + r.right) / 2, 0), vw - 1);
    const y = Math.min(Math.max((r.top + r.bottom) / 2, 0), vh - 1);
    const hit = document.elementFromPoint(x, y);
    if (!!hit && (shown.contains(hit) || hit === el)) return true;
    covered_by = hit ? `<${hit.tagName.toLowerCase()} class="${hit.getAttribute('class') || ''}">` : 'nothing';
    return false;
  });
  const r = rects[0];
  return {
    tag: el.tagName.toLowerCase(), id: el.id || null, href: el.getAttribute('href'),
    text: (el.innerText || el.getAttribute('aria-label') || el.getAttribute('title') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 60),
    shown_on: shown === el ? 'self' : shown.tagName.toLowerCase(),
    ring, outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, box_shadow: cs.boxShadow,
    rendered: rendered(shown), in_view: inView, unobscured, covered_by: unobscured ? null : covered_by,
    visible_focus: ring && rendered(shown) && inView && unobscured,
    box: r ? [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)] : null,
    key: el.tagName.toLowerCase() + '|' + (el.id || '') + '|' + (el.getAttribute('href') || '') + '|'
      + [...document.querySelectorAll(el.tagName)].indexOf(el),
  };
}"""

_TABBABLES_JS = """() => {
  const selector = 'a[href], area[href], button, input, select, textarea, iframe, summary, '
    + '[contenteditable=""], [contenteditable="true"], [tabindex]';
  const boxes = (n) => [...n.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  const rendered = (n) => boxes(n).length > 0
    && n.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[inert]')) continue;
    if (el.type === 'hidden') continue;
    // display:none / visibility:hidden / content-visibility:hidden elements take no focus
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    // a radio group is one Tab stop: its checked radio, or its first one if none is checked
    if (el.type === 'radio' && el.name) {
      const group = [...document.querySelectorAll(`input[type=radio][name="${CSS.escape(el.name)}"]`)];
      const stop = group.find((r) => r.checked) || group[0];
      if (stop !== el) continue;
    }
    const next = el.nextElementSibling;
    const proxies = [...(next && next.tagName === 'LABEL' ? [next] : []), ...(el.labels || [])];
    out.push({
      tag: el.tagName.toLowerCase(), id: el.id || null, href: el.getAttribute('href'),
      text: (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ').slice(0, 60),
      // seen by a sighted reader: the element, or the visible label of a hidden form control
      rendered: rendered(el) || (!boxes(el).length && proxies.some(rendered)),
      key: el.tagName.toLowerCase() + '|' + (el.id || '') + '|' + (el.getAttribute('href') || '') + '|'
        + [...document.querySelectorAll(el.tagName)].indexOf(el),
    });
  }
  return out;
}"""


@pytest.fixture(scope="session")
def focus_state():
    """``focus_state(page) -> dict | None`` for ``document.activeElement``: ``ring`` (outline or
    box-shadow where focus is drawn), ``rendered``, ``in_view``, ``unobscured`` and their
    conjunction ``visible_focus``; ``key`` identifies the element (see ``tabbables``)."""
    return lambda page: page.evaluate(_FOCUS_STATE_JS)


@pytest.fixture(scope="session")
def tabbables():
    """``tabbables(page) -> list`` of the elements sequential focus navigation can reach, in
    document order, each with the same ``key`` as ``focus_state`` and ``rendered`` (visible to
    a sighted reader: not transparent, not zero-sized, unless a visible label stands in)."""
    return lambda page: page.evaluate(_TABBABLES_JS)


# --------------------------------------------------------------------------------------------
# axe-core
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8") + "\n;void 0"


def _run_axe(page, tags: list[str] | None = None) -> list[dict]:
    return _run_axe_many([page], tags)[0]


def _run_axe_many(pages: list, tags: list[str] | None = None) -> list[list[dict]]:
    """axe on several pages at once: each page's renderer works in parallel with the others."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} missing: {INSTALL_HINT} (npm ci of the pinned axe-core)", pytrace=False)
    options = {"runOnly": {"type": "tag", "values": tags or AXE_TAGS}, "resultTypes": ["violations"]}
    for page in pages:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # evaluated through DevTools, which the page's Content-Security-Policy does not govern
            # (an injected <script> tag would be refused, as it should be)
            page.evaluate(_axe_source())
        # start without awaiting; the promise is collected below
        page.evaluate("(options) => { window.__axeRun = axe.run(document, options).then((r) => r.violations); }",
                      options)  # fmt: skip
    return [page.evaluate("() => window.__axeRun") for page in pages]


def _format_violations(violations: list[dict], max_nodes: int = 3) -> str:
    if not violations:
        return "no axe violations"
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        nodes = v.get("nodes", [])
        lines.append(f"- {v['id']} [{v.get('impact')}] {v.get('help')} ({len(nodes)} node(s)) {v.get('helpUrl', '')}")
        for node in nodes[:max_nodes]:
            target = " > ".join(str(t) for t in node.get("target", []))
            html = re.sub(r"\s+", " ", node.get("html", ""))[:200]
            lines.append(f"    at {target}: {html}")
            summary = (node.get("failureSummary") or "").splitlines()
            if len(summary) > 1:
                lines.append(f"       {summary[1].strip()[:200]}")
        if len(nodes) > max_nodes:
            lines.append(f"    ... and {len(nodes) - max_nodes} more")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def run_axe():
    """``run_axe(page, tags=AXE_TAGS) -> list of axe violation dicts`` (empty when clean)."""
    return _run_axe


@pytest.fixture(scope="session")
def run_axe_many():
    """``run_axe_many(pages, tags=AXE_TAGS) -> [violations per page]``: like ``run_axe``, with
    the pages checked concurrently (one renderer process each), so several cost about one."""
    return _run_axe_many


@pytest.fixture(scope="session")
def format_violations():
    """``format_violations(violations) -> str``: rule id, impact, help, first 3 targets + HTML."""
    return _format_violations


# --------------------------------------------------------------------------------------------
# Nu HTML Checker (vnu.jar)
# --------------------------------------------------------------------------------------------

def vnu_ignore_matches(entry: tuple[str, ...], message: dict) -> bool:
    """Whether one ``VNU_IGNORED_ERRORS`` entry covers ``message``: ``(message regex, reason)``
    or ``(message regex, reason, extract regex)``."""
    if message.get("type") != "error" or not re.search(entry[0], message.get("message", "")):
        return False
    return len(entry) < 3 or bool(re.search(entry[2], message.get("extract", "")))


def filter_vnu_messages(messages: list[dict], ignored: list[tuple[str, ...]] = VNU_IGNORED_ERRORS) -> list[dict]:
    """Keep error-level (and non-document-error) messages not matched by an ignore entry."""
    kept = []
    for m in messages:
        if m.get("type") not in ("error", "non-document-error") and m.get("subType") != "fatal":
            continue
        if any(vnu_ignore_matches(entry, m) for entry in ignored):
            continue
        kept.append(m)
    return kept


def _vnu(paths: Iterable[str | os.PathLike], ignored: list[tuple[str, ...]] | None = None) -> list[dict]:
    paths = [str(p) for p in paths]
    if not paths:
        raise ValueError("vnu(): no paths given")
    java = shutil.which("java")
    if not java:
        pytest.fail(f"java not found: {INSTALL_HINT} (installs default-jre-headless)", pytrace=False)
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR} missing: {INSTALL_HINT} (npm ci of the pinned vnu-jar)", pytrace=False)
    cmd = [java, "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--stdout",
           "--exit-zero-always", "--skip-non-html", *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    # JSON goes to stdout (--stdout); JVM warnings, if any, stay on stderr and are ignored.
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar gave no JSON (exit {proc.returncode}):\nstdout: {proc.stdout[-2000:]}\n"
                    f"stderr: {proc.stderr[-2000:]}", pytrace=False)
    return filter_vnu_messages(report.get("messages", []), VNU_IGNORED_ERRORS if ignored is None else ignored)


def _format_vnu(messages: list[dict]) -> str:
    if not messages:
        return "no vnu errors"
    lines = [f"{len(messages)} vnu error(s):"]
    for m in messages:
        where = m.get("url", "?").removeprefix("file:")
        try:
            where = str(Path(where).relative_to(ROOT))
        except ValueError:
            pass
        extract = re.sub(r"\s+", " ", m.get("extract", ""))[:160]
        lines.append(f"- {where}:{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))} "
                     f"[{m.get('type')}] {m.get('message')}" + (f"\n    {extract}" if extract else ""))
    return "\n".join(lines)


@pytest.fixture(scope="session")
def vnu():
    """``vnu(paths, ignored=VNU_IGNORED_ERRORS) -> list of error messages`` (files or folders;
    one JVM per call, so pass all files at once). Each message has type, url, lastLine, message,
    extract."""
    return _vnu


@pytest.fixture(scope="session")
def format_vnu():
    """``format_vnu(messages) -> str`` for assertion messages."""
    return _format_vnu


@pytest.fixture(scope="session")
def harness():
    """This conftest module: constants and plain helpers (``require_chromium``,
    ``filter_vnu_messages``, ``serve_directory``, ...)."""
    return sys.modules[__name__]
