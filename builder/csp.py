"""A Content-Security-Policy for every page: the browser's last line behind the sanitizer.

Whatever slips past the sanitizer cannot run or phone home: scripts run only from the site's
own files and from the theme's few inline scripts, each allowed by its SHA-256 hash (so an
injected inline script or event handler is refused); pictures, styles, fonts and fetches come
only from the site itself (pictures also from `data:` URLs, which
fetch nothing: the theme draws its icons with them), so a tracking pixel cannot load; no plugins (`object-src 'none'`)
and no `<base>` pointing elsewhere. The policy goes into each page as a `<meta http-equiv>`,
right after `<meta charset>`, so that it governs everything after it; `_headers` repeats it
as real headers (with `frame-ancestors`, which only a header can carry) for hosts that read
that file (Netlify, Cloudflare Pages). Pages that carry a policy of their own (the editor
under `admin/`) are left as they are.

This module does not import MkDocs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Iterable

_INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_CHARSET = re.compile(r"<meta charset=[\"']?utf-8[\"']?\s*/?>", re.I)
_HAS_POLICY = re.compile(r"<meta\s+http-equiv=[\"']?content-security-policy", re.I)
_JS_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})

FIXED = (
    ("default-src", "'none'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),  # Material's icons are SVG data URLs in its CSS
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("manifest-src", "'self'"),
    ("media-src", "'self'"),
    ("form-action", "'self'"),
    ("base-uri", "'self'"),
    ("object-src", "'none'"),
    ("frame-src", "'none'"),
)
HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
"""Sent with every file: no MIME sniffing, no referrer telling another site which story a
reader came from, no powerful features for anything a page loads."""


def script_hashes(document: str) -> list[str]:
    """The CSP source of each inline script (not JSON data blocks, which never run)."""
    found = []
    for match in _INLINE_SCRIPT.finditer(document):
        attrs = match["attrs"]
        if re.search(r"\bsrc\s*=", attrs, re.I):
            continue
        kind = _TYPE.search(attrs)
        if (kind[1].lower() if kind else "") not in _JS_TYPES:
            continue
        digest = base64.b64encode(hashlib.sha256(match["body"].encode("utf-8")).digest()).decode()
        found.append(f"'sha256-{digest}'")
    return list(dict.fromkeys(found))


def policy(hashes: Iterable[str], header: bool = False) -> str:
    directives = [("script-src", " ".join(["'self'", *sorted(set(hashes))])), *FIXED]
    if header:
        directives.append(("frame-ancestors", "'none'"))
    return "; ".join(f"{name} {value}" for name, value in directives)


def protect(document: str) -> tuple[str, list[str]]:
    """`document` with its policy and a no-referrer policy in `<head>`; and its script hashes."""
    if _HAS_POLICY.search(document):
        return document, []
    hashes = script_hashes(document)
    tags = (f'<meta http-equiv="Content-Security-Policy" content="{policy(hashes)}">'
            '<meta name="referrer" content="no-referrer">')  # fmt: skip
    charset = _CHARSET.search(document)
    if charset:
        at = charset.end()
    else:
        head = re.search(r"<head\b[^>]*>", document, re.I)
        if head is None:
            raise ValueError("a page without <head>: no place for its Content-Security-Policy")
        at = head.end()
    return document[:at] + tags + document[at:], hashes


def headers_file(hashes: Iterable[str], own_policies: dict[str, str], tops: Iterable[str]) -> bytes:
    """`_headers`: the site-wide policy as a header, and each folder in `own_policies` its own.

    Netlify and Cloudflare Pages apply *every* block whose pattern matches a path, and a header
    named in two blocks is sent twice (or comma-joined): two CSPs, both enforced, so a `/*`
    policy would still forbid the editor under `/admin/*` what its own block allows. Cloudflare's
    `! Header` detach is unknown to Netlify. So the blocks never overlap: `/*` carries only the
    headers every file shares, and the site-wide CSP is written per top-level entry of the site
    (`tops`: `/stories/*`, `/index.html`, ...), except those with a policy of their own. A path
    outside every block (a 404) still gets the page's own `<meta>` policy and X-Frame-Options.
    """
    site = f"  Content-Security-Policy: {policy(hashes, header=True)}"
    lines = ["/*", *(f"  {name}: {value}" for name, value in HEADERS), "  X-Frame-Options: DENY"]
    patterns = ["/"]
    for top in sorted(set(tops)):
        folder = f"/{top.strip('/')}/*"
        if folder in own_policies:
            continue
        patterns += [folder] if top.endswith("/") else [f"/{top}"]
    for pattern in patterns:
        lines += [pattern, site]
    for pattern, own in sorted(own_policies.items()):
        lines += [pattern, f"  Content-Security-Policy: {own}; frame-ancestors 'none'"]
    return ("\n".join(lines) + "\n").encode("utf-8")
