"""PNGs of every page type at 390 and 1280 px, light and dark, for review of every change.

    .venv/bin/python tools/screenshots.py [--site site] [--out screenshots] [--full] [--only home,story]

Serves the built site on 127.0.0.1 (nothing else is reachable: the browser runs with the
offline flags of the test harness), opens each page in Debian's /usr/bin/chromium through
Playwright and writes `<out>/<page>-<width>-<scheme>.png`: the first screen by default, the
whole page with `--full`. `make screenshots` builds the site first.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT_HEIGHTS  # noqa: E402

# One page of each type in the sample site.
PAGES = {
    "home": "",
    "story": "stories/2021/sport-open-to-all/",
    "story-ar": "stories/2021/community-means-ar/",
    "story-warning": "stories/2021/leeds-standing-together/",
    "stories": "stories/",
    "campaigns": "campaigns/",
    "campaign": "campaigns/2021-it-takes-a-community/",
    "ambassadors": "ambassadors/",
    "ambassador": "ambassadors/amer/",
    "tags": "tags/",
    "tag": "tags/food/",
    "search": "search/?q=community",
    "subscribe": "subscribe/",
    "about": "about/",
    "not-found": "no/such/page/",
}
WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--full", action="store_true", help="the whole page, not the first screen")
    parser.add_argument("--only", default="", help="comma-separated page names: " + ",".join(PAGES))
    parser.add_argument("--page", action="append", default=[], metavar="NAME=URL",
                        help="another page to take, e.g. --page profile=ambassadors/zed/")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site} has no index.html: build the site first (make site)")
    chosen = {k: v for k, v in PAGES.items() if not args.only or k in args.only.split(",")}
    chosen.update(item.split("=", 1) for item in args.page)
    args.out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(args.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    from playwright.sync_api import sync_playwright

    written = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            for scheme in SCHEMES:
                context = browser.new_context(viewport={"width": width, "height": VIEWPORT_HEIGHTS[width]},
                                              color_scheme=scheme, reduced_motion="reduce")  # fmt: skip
                page = context.new_page()
                for name, url in chosen.items():
                    page.goto(base + url, wait_until="networkidle")
                    target = args.out / f"{name}-{width}-{scheme}.png"
                    page.screenshot(path=str(target), full_page=args.full)
                    written += 1
                context.close()
        browser.close()
    server.shutdown()
    print(f"{written} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
