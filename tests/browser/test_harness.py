"""Self-tests of the real-browser harness (conftest.py): it runs, and it can fail.

They serve a tiny fixture site written to a temp dir, so they need no built site; the lead's
page tests use the same fixtures against the real ``site/``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PIXEL_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
    '<rect width="40" height="40" fill="#2a6"/></svg>'
)


def _doc(body: str, *, title: str = "Fixture page", head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


FIXTURE_PAGES = {
    # (a) accessible: lang, title, landmarks, one h1, image with alt, link distinguishable
    "index.html": _doc(
        '<a class="skip" href="#main">Skip to content</a>\n'
        '<header><p>Migrant stories (fixture)</p></header>\n'
        '<main id="main" tabindex="-1">\n<h1>Welcome</h1>\n'
        '<p>A small, <a href="other/">accessible</a> page.</p>\n'
        '<img src="pic.svg" alt="A green square" width="40" height="40">\n'
        '<p><button type="button">Do nothing</button></p>\n</main>\n'
        "<footer><p>Footer text</p></footer>",
        head="<style>a:focus-visible, button:focus-visible { outline: 3px solid #1a4f9c; "
        "outline-offset: 2px; } main:focus { outline: none; }</style>\n",
    ),
    "other/index.html": _doc('<main><h1>Other page</h1><p><a href="../">Home</a></p></main>', title="Other"),
    "404.html": _doc("<main><h1>Page not found</h1></main>", title="Not found"),
    "pic.svg": PIXEL_SVG,
    # (b) broken: image without alt, low-contrast text
    "broken.html": _doc(
        '<main><h1>Broken</h1>\n<img src="pic.svg" width="40" height="40">\n'
        '<p style="color:#bbbbbb; background:#ffffff">This grey text is far too faint to read.</p></main>',
        title="Broken",
    ),
    # (c) a third-party request
    "thirdparty.html": _doc(
        '<main><h1>Third party</h1><p>Loads a script from elsewhere.</p></main>',
        title="Third party",
        head='<script src="http://example.invalid/x.js"></script>\n',
    ),
    # palette / viewport probe
    "scheme.html": _doc(
        "<main><h1>Scheme</h1></main>",
        title="Scheme",
        head="<style>body{background:#fff;color:#000}"
        "@media (prefers-color-scheme: dark){body{background:#000;color:#fff}}</style>\n",
    ),
}

# (d) for the Nu HTML Checker only (not served)
VALID_HTML = _doc("<main><h1>Valid</h1><p id='a'>One</p><p id='b'>Two</p></main>", title="Valid")
INVALID_HTML = _doc(
    "<main><h1>Invalid</h1><p id='dup'>One</p><p id='dup'>Two</p>\n<div><span>unclosed</div></main>",
    title="Invalid",
)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """Override of conftest's ``built_site``: the tiny fixture site above."""
    root = tmp_path_factory.mktemp("fixture-site")
    for rel, text in FIXTURE_PAGES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# ---- server ---------------------------------------------------------------------------------

def test_server_serves_index_and_404_page(site_server):
    assert site_server.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{site_server}/other/") as resp:
        assert resp.status == 200
        assert "<h1>Other page</h1>" in resp.read().decode()
    with urllib.request.urlopen(f"{site_server}/pic.svg") as resp:
        assert resp.headers["Content-Type"] == "image/svg+xml"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{site_server}/no/such/page/")
    assert err.value.code == 404
    assert "Page not found" in err.value.read().decode()


def test_serve_dir_factory_serves_another_directory(serve_dir, tmp_path):
    (tmp_path / "index.html").write_text(_doc("<main><h1>Elsewhere</h1></main>"), encoding="utf-8")
    base = serve_dir(tmp_path)
    assert serve_dir(tmp_path) == base  # cached per directory
    with urllib.request.urlopen(f"{base}/") as resp:
        assert "Elsewhere" in resp.read().decode()


# ---- browser --------------------------------------------------------------------------------

def test_browser_is_debian_chromium_with_offline_flags(browser, harness):
    assert "--disable-background-networking" in harness.CHROMIUM_ARGS
    assert "--no-sandbox" in harness.CHROMIUM_ARGS
    assert browser.version.split(".")[0].isdigit()


def test_missing_chromium_fails_loudly_not_skips(harness):
    with pytest.raises(pytest.fail.Exception, match="run tools/install-test-deps.sh"):
        harness.require_chromium("/nonexistent/chromium")


@pytest.mark.parametrize(("width", "scheme"), [(390, "light"), (1280, "dark")])
def test_page_at_sets_viewport_and_color_scheme(page_at, site_server, width, scheme):
    page = page_at(f"{site_server}/scheme.html", width=width, color_scheme=scheme)
    assert page.evaluate("() => window.innerWidth") == width
    assert page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches") is (scheme == "dark")
    expected_bg = "rgb(0, 0, 0)" if scheme == "dark" else "rgb(255, 255, 255)"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == expected_bg


def test_page_at_reports_404_status(page_at, site_server):
    page = page_at(f"{site_server}/missing/")
    assert page.nav_response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"


# ---- (a) / (b) axe ----------------------------------------------------------------------------

def test_axe_passes_accessible_page(page_at, site_server, run_axe, format_violations, off_site_requests):
    page = page_at(f"{site_server}/", width=1280)
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    assert page.evaluate("() => axe.version") == "4.14.1"
    assert off_site_requests(page) == [], page.requested_urls
    assert f"{site_server}/pic.svg" in page.requested_urls


def test_axe_catches_missing_alt_and_low_contrast(page_at, site_server, run_axe, format_violations, harness):
    page = page_at(f"{site_server}/broken.html")
    violations = run_axe(page)
    ids = {v["id"] for v in violations}
    assert {"image-alt", "color-contrast"} <= ids, format_violations(violations)
    text = format_violations(violations)
    assert "image-alt [critical]" in text and "img" in text and "color-contrast [serious]" in text
    assert set(harness.AXE_TAGS) == {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}


# ---- (c) third-party requests -----------------------------------------------------------------

def test_request_recorder_sees_third_party_request(page_at, site_server, off_site_requests):
    page = page_at(f"{site_server}/thirdparty.html", wait_until="networkidle")
    assert "http://example.invalid/x.js" in page.requested_urls
    assert off_site_requests(page) == ["http://example.invalid/x.js"]
    assert page.requested_urls[0] == f"{site_server}/thirdparty.html"


# ---- (d) Nu HTML Checker ----------------------------------------------------------------------

def test_vnu_reports_invalid_and_passes_valid(vnu, format_vnu, tmp_path):
    valid = tmp_path / "valid.html"
    invalid = tmp_path / "invalid.html"
    valid.write_text(VALID_HTML, encoding="utf-8")
    invalid.write_text(INVALID_HTML, encoding="utf-8")
    messages = vnu([valid, invalid])  # one JVM for both
    on_valid = [m for m in messages if m["url"].endswith("/valid.html")]
    on_invalid = [m for m in messages if m["url"].endswith("/invalid.html")]
    assert on_valid == [], format_vnu(on_valid)
    texts = " | ".join(m["message"] for m in on_invalid)
    assert "Duplicate ID “dup”" in texts, format_vnu(on_invalid)
    assert "Unclosed element “span”" in texts or "End tag “div” seen" in texts, format_vnu(on_invalid)
    assert all(m["type"] == "error" for m in on_invalid)
    assert "invalid.html" in format_vnu(on_invalid)


def test_vnu_ignore_list_filters_only_matching_errors(harness):
    messages = [
        {"type": "error", "message": "Duplicate ID “dup”.", "url": "file:/x.html"},
        {"type": "error", "message": "Stray end tag “div”.", "url": "file:/x.html"},
        {"type": "info", "subType": "warning", "message": "Consider adding a lang attribute."},
        {"type": "non-document-error", "subType": "io", "message": "File not found."},
    ]
    kept = harness.filter_vnu_messages(messages, [(r"^Duplicate ID", "test reason")])
    assert [m["message"] for m in kept] == ["Stray end tag “div”.", "File not found."]
    # a non-document error (e.g. unreadable file) can never be filtered away
    assert harness.filter_vnu_messages(messages[3:], [(r".*", "everything")]) == messages[3:]


# ---- (e) keyboard -----------------------------------------------------------------------------

def test_first_tab_focuses_skip_link_which_moves_focus_to_main(page_at, site_server, focused):
    page = page_at(f"{site_server}/", width=1280)
    assert focused(page) is None  # nothing focused before the first Tab
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None and first["tag"] == "a" and first["href"] == "#main", first
    assert first["text"] == "Skip to content"
    assert first["visible_focus"], first
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    assert focused(page)["id"] == "main"
    # Tab order continues inside main: the in-text link, then the button, each with a focus ring
    page.keyboard.press("Tab")
    link = focused(page)
    assert (link["tag"], link["text"], link["visible_focus"]) == ("a", "accessible", True), link
    page.keyboard.press("Tab")
    button = focused(page)
    assert (button["tag"], button["visible_focus"]) == ("button", True), button
