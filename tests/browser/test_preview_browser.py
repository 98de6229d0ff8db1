"""The preview in a real browser: a save shows up by itself, problems appear and go in place.

Chromium keeps a story page open while the file is edited: the page reloads itself (nobody
presses F5), a broken save puts the list of problems on top of the page, readable and
passing axe, and fixing the file clears it, all without the test navigating.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_preview import Preview

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STORIES_SHOTS")  # a folder to keep screenshots in, to look at them


@pytest.fixture
def running(site):
    site.campaign()
    site.story("first-story", campaign="2021-it-takes-a-community", body="## What happened\n\nA story.\n")
    site.story("second-story")
    preview = Preview(site)
    yield preview
    if preview.proc.poll() is None:
        preview.stop()


@pytest.mark.parametrize("width, scheme", [(390, "light"), (1280, "dark")])
def test_the_open_page_follows_each_save_and_shows_problems_in_place(site, running, page_at, run_axe,
                                                                      format_violations, off_site_requests,
                                                                      width, scheme):  # fmt: skip
    page = page_at(running.base + "stories/2021/first-story/", width=width, color_scheme=scheme)
    assert page.locator("h1").first.inner_text().strip() == "First Story"
    path = Path(site.root / "stories/2021/first-story.md")
    good = path.read_text(encoding="utf-8")

    path.write_text(good.replace("title: First Story", "title: First: Story"), encoding="utf-8")
    banner = page.locator(".preview-problems")
    banner.wait_for(state="visible", timeout=30_000)  # the page reloaded itself
    text = banner.inner_text()
    assert "stories/2021/first-story.md:3: the value of `title` contains a colon" in text
    assert page.locator("h1").first.inner_text().strip() == "First Story"  # the last good version
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/preview-banner-{width}-{scheme}.png", full_page=False)
    box = banner.bounding_box()
    assert box["y"] < 20 and box["width"] >= width - 40, "the banner is at the top, across the page"
    violations = run_axe(page)
    assert not violations, format_violations(violations)

    path.write_text(good.replace("title: First Story", "title: A Title Fixed"), encoding="utf-8")
    page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.includes('A Title Fixed')",
                           timeout=30_000)  # fmt: skip
    assert page.locator(".preview-problems").count() == 0
    assert off_site_requests(page) == []
    assert not page.console_errors, page.console_errors
