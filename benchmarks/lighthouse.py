"""Lighthouse on the built site: the four category scores and the bytes transferred, per page type.

    .venv/bin/python -m benchmarks.lighthouse [--site site] [--build] [--runs 1] [--json out.json]

Runs the npm ``lighthouse`` pinned in package.json (12.x: the last major that runs on Node 20)
with its default mobile preset (Moto G Power-sized screen, simulated slow 4G and 4x CPU
slowdown) against Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``, headless, the same
offline flags as the browser tests) on the home page, a story with a photo and a campaign page.

The site is served from 127.0.0.1 by a small static server that gzips text responses, as any
real static host does (Python's http.server does not, and without it the byte counts and the
simulated load times would describe no real deployment). Targets (issue 6): accessibility,
best practices and SEO 100; performance 98 or more. With ``--runs N`` each page is measured N
times and the median score is reported (performance varies by a point or two between runs).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = PROJECT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
# The browser tests' flags (tests/browser/conftest.py), plus headless.
CHROME_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {
    "home": "",
    "story": "stories/2021/cooking-day-at-migrateful/",
    "campaign": "campaigns/2021-it-takes-a-community/",
}
GZIP_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
              "application/manifest+json")  # fmt: skip


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
        ".svg": "image/svg+xml", ".webp": "image/webp", ".avif": "image/avif", ".xml": "application/xml",
        ".wasm": "application/wasm", ".webmanifest": "application/manifest+json",
    }  # fmt: skip

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return self._send(404, (Path(self.directory) / "404.html").read_bytes(), "text/html; charset=utf-8")
        ctype = self.guess_type(str(path))
        if ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        self._send(200, path.read_bytes(), ctype)

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        zipped = "gzip" in self.headers.get("Accept-Encoding", "") and ctype.startswith(GZIP_TYPES)
        if zipped:
            body = gzip.compress(body, compresslevel=6, mtime=0)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=600")
        if zipped:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_lighthouse(url: str) -> dict:
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} missing: run tools/install-test-deps.sh (npm ci of the pinned lighthouse)")
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        ]  # fmt: skip
        env = {**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": tmp}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if proc.returncode != 0 or not out.is_file():
            raise SystemExit(f"lighthouse failed on {url} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def summarize(report: dict) -> dict:
    cats = report["categories"]
    scores = {key: round(cats[key]["score"] * 100) for key in CATEGORIES}
    audits = report["audits"]
    failing = {}
    for key in CATEGORIES:
        for ref in cats[key]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failing.setdefault(key, []).append(f"{ref['id']} ({audit['score']:.2f})")
    metrics = {
        name: round(audits[name]["numericValue"])
        for name in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "speed-index")
    }  # fmt: skip
    metrics["cumulative-layout-shift"] = round(audits["cumulative-layout-shift"]["numericValue"], 3)
    items = audits["network-requests"]["details"]["items"]
    return {
        "scores": scores,
        "transfer_bytes": round(audits["total-byte-weight"]["numericValue"]),
        "requests": len(items),
        "third_party_requests": [i["url"] for i in items if not i["url"].startswith(("http://127.0.0.1", "data:"))],
        "metrics_ms": metrics,
        "failing_audits": failing,
        "lighthouse": report["lighthouseVersion"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=PROJECT / "site", help="built site to serve (default: site/)")
    parser.add_argument("--build", action="store_true", help="build site/ first (python -m builder build)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is reported")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    if args.build:
        subprocess.run([sys.executable, "-m", "builder", "build"], cwd=PROJECT, check=True,
                       env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})  # fmt: skip
    if not (args.site / "index.html").is_file():
        raise SystemExit(f"no built site at {args.site}: run `make site` or pass --build")
    if not shutil.which("node"):
        raise SystemExit("node not found: run tools/install-test-deps.sh")

    results = {}
    with serve(args.site) as base:
        for name, path in PAGES.items():
            runs = [summarize(run_lighthouse(f"{base}/{path}")) for _ in range(args.runs)]
            # the run with the median performance score stands for the page (metrics, audits)
            result = dict(sorted(runs, key=lambda r: r["scores"]["performance"])[len(runs) // 2])
            result["scores"] = {k: round(statistics.median(r["scores"][k] for r in runs)) for k in CATEGORIES}
            result["performance_runs"] = [r["scores"]["performance"] for r in runs]
            result["path"] = "/" + path
            results[name] = result

    version = next(iter(results.values()))["lighthouse"]
    print(f"Lighthouse {version}, mobile preset (simulated slow 4G, 4x CPU), gzip on, Chromium {CHROMIUM}")
    print(f"{'page':10} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5} {'transferred':>12} {'requests':>9}")
    for name, r in results.items():
        s = r["scores"]
        print(f"{name:10} {s['performance']:>5} {s['accessibility']:>5} {s['best-practices']:>5} {s['seo']:>5} "
              f"{r['transfer_bytes'] / 1024:>9.1f} KB {r['requests']:>9}")  # fmt: skip
    if args.runs > 1:
        print("performance per run: " + ", ".join(f"{n} {r['performance_runs']}" for n, r in results.items()))
    for name, r in results.items():
        m = r["metrics_ms"]
        print(f"  {name}: FCP {m['first-contentful-paint']} ms, LCP {m['largest-contentful-paint']} ms, "
              f"TBT {m['total-blocking-time']} ms, CLS {m['cumulative-layout-shift']}, "
              f"SI {m['speed-index']} ms")  # fmt: skip
        for category, audits in r["failing_audits"].items():
            print(f"    {category} below 100 because of: {', '.join(audits)}")
        if r["third_party_requests"]:
            print(f"    third-party requests: {r['third_party_requests']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
