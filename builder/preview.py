"""`python -m builder serve`: a preview that never stalls, and shows each save at once.

MkDocs' own `serve` rebuilt the whole site on every save (27 s at 10,000 stories) and froze,
with the browser spinning, on any content problem. This server keeps everything in memory
instead and does the least work a save allows:

- content: each file is read once and again only when its (mtime, size) stamp changes
  (`loader.read_files`); references, uniqueness and anonymity are re-checked across all;
- pages: each generated page is rendered when the browser asks for it (`pages.plan_pages`)
  and kept until the content changes: a save costs the pages that are looked at, never the
  site; feeds and the search index likewise, when they are fetched;
- the theme: MkDocs renders its pages once with markers where content goes
  (`plugin.render_theme`, the only place MkDocs runs), again only when `site_src/` or
  `mkdocs.yml` change;
- problems never stop it: a file that stops reading keeps its last good version on the
  site, and every page carries a banner listing each `path:line: message (hint)`; the list
  lives at `/__preview__/problems/` and empties by itself when the files are fixed;
- the browser reloads itself: every page loads `/__preview__/reload.js`, which listens to
  `/__preview__/events` (server-sent events) for a new content version.

Nothing is written to `site/`: the preview shows drafts and scheduled stories, which must
never reach the published site. It starts no child processes; SIGINT or SIGTERM stop it.
"""

from __future__ import annotations

import copy
import errno
import gc
import html
import json
import mimetypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from .feeds import build_feeds, feed_links
from .images import Rendition, picture_html, process_images
from .aliases import redirect_files
from .anonymity import Text, anonymity_problems, hidden_people, known_places_of
from .loader import FileRead, assemble, content_kind, read_files
from .loader import assemble as loader_assemble  # noqa: F401  (tests count calls to `assemble`)
from .models import Content, Problem, Story
from .pages import GeneratedPage, SiteIndex, plan_pages
from .links import link_problems
from .pipeline import entry_extras, image_settings, published_images, search_documents, site_src_urls
from .publish import Publication, build_clock, publish
from .render import render_body
from .search import build_index
from .settings import Settings, load_settings
from .shell import SHELLS, depth, fill, shell_url

PREFIX = "/__preview__/"
LINK_CHECK_DELAY = 0.6  # seconds after a save before the (whole-site) body link check starts
DEBOUNCE = 0.015  # editors save in several writes: wait this long for the last one

RELOAD_JS = b"""// The preview's live reload: served by `builder serve` only, never part of the site.
(function () {
  var mine = new URL(document.currentScript.src).searchParams.get("v");
  var source = new EventSource("/__preview__/events");
  source.onmessage = function (event) {
    if (event.data !== mine) { source.close(); location.reload(); }
  };
})();
"""

PREVIEW_CSS = b""".preview-problems{background:#fff4e5;color:#3b2300;border:3px solid #b45309;padding:.75rem 1rem;
margin:0;font:.8rem/1.5 system-ui,sans-serif;position:relative;z-index:10}
.preview-problems h2{font:700 .9rem/1.4 system-ui,sans-serif;margin:0 0 .4rem;color:inherit}
.preview-problems p{margin:.4rem 0 0}
.preview-problems ul{margin:0;padding-left:1.25rem}
.preview-problems li{margin:.2rem 0}
.preview-problems code{font-family:ui-monospace,monospace;font-size:.95em;white-space:pre-wrap;word-break:break-word}
.preview-problems a{color:#3b2300;text-decoration:underline}
.preview-problems a:focus{outline:3px solid #1d4ed8;outline-offset:2px}
"""


@dataclass
class Snapshot:
    """What the preview serves at one content version; replaced whole on every change."""

    version: int
    problems: tuple[Problem, ...]
    settings: Settings
    pub: Publication | None = None
    index: SiteIndex | None = None
    plan: dict[str, Callable[[], GeneratedPage]] = field(default_factory=dict)
    images: dict[str, Path] = field(default_factory=dict)  # derivative URL -> file in the cache
    renditions: dict[str, Rendition] = field(default_factory=dict)
    rendered: dict[str, GeneratedPage] = field(default_factory=dict)
    files: dict[str, bytes] | None = None  # feeds and search index, made when first fetched
    redirects: dict[str, bytes] = field(default_factory=dict)  # "<alias>index.html" -> page
    search_ready: bool = False
    feeds_ready: bool = False


LOCAL_FIELDS = ("title", "summary", "body", "content_warning")
"""What a story shows but nothing else depends on: lists, feeds and facets only display them."""


def _swapped(items, swaps: dict[int, "Story"]):
    """`items` (a tuple or list) with each swapped story in its place."""
    result = [swaps.get(id(item), item) for item in items]
    return tuple(result) if isinstance(items, tuple) else result


class Bodies(Mapping[str, str]):
    """Story bodies as HTML, rendered when a page or feed needs them and kept by text."""

    def __init__(self, stories: Mapping[str, str], memo: dict[str, str], lock: threading.RLock) -> None:
        self.stories, self.memo, self.lock = stories, memo, lock

    def __getitem__(self, story_id: str) -> str:
        return render_markdown(self.stories[story_id], self.memo, self.lock)

    def __iter__(self):
        return iter(self.stories)

    def __len__(self) -> int:
        return len(self.stories)


def render_markdown(text: str, memo: dict[str, str], lock: threading.RLock) -> str:
    found = memo.get(text)
    if found is None:
        with lock:  # one Markdown converter per process: not safe across threads
            found = memo[text] = render_body(text)
    return found


@contextmanager
def _no_gc():
    """No cycle collection during a refresh: it would walk the whole content model each time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (0, -1)
    return (info.st_mtime_ns, info.st_size)


class AnonymityMemo:
    """`anonymity_problems`, remembered for each story between saves.

    The guard looks at one story at a time, with the people who tell it: a story that has not
    changed, told by people who have not changed, has the same problems as before. Any change
    to an ambassador or to the regions checks everything again. Searching every body for
    surnames was most of a save's time at 10,000 stories.
    """

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.base: list[Problem] = []
        self.stories: dict[str, tuple] = {}

    def __call__(self, content: Content, regions: tuple[str, ...], lines: Mapping, pages: Iterable[Text] = (),
                 common: frozenset[str] = frozenset()) -> list[Problem]:  # fmt: skip
        # What one story's answer depends on beyond the story: every hidden name (a surname in
        # another story's byline must not appear in this one either) and every known place.
        hidden, places, pages = tuple(hidden_people(content)), known_places_of(content, regions), tuple(pages)
        key = (content.ambassadors, regions, hidden, places, pages, common)
        if self.key != key:
            self.key, self.stories = key, {}
            self.base = anonymity_problems(replace(content, stories=()), regions, lines, pages, common,
                                           hidden=hidden, places=places)  # fmt: skip

        def known(story) -> bool:
            entry = self.stories.get(story.path)
            return entry is not None and (entry[0] is story or entry[0] == story) and entry[1] is lines.get(story.path)

        todo = tuple(s for s in content.stories if not known(s))
        if todo:
            found: dict[str, list[Problem]] = {}
            only = replace(content, stories=todo)
            for problem in anonymity_problems(only, regions, lines, (), common, hidden=hidden, places=places):
                found.setdefault(problem.path, []).append(problem)
            for story in todo:
                self.stories[story.path] = (story, lines.get(story.path), found.get(story.path, []))
        problems = list(self.base)
        for story in content.stories:
            problems += self.stories[story.path][2]
        return problems

    def edited(self, stories: tuple[Story, ...], ambassadors: tuple, regions: tuple[str, ...], lines: Mapping) -> list[Problem]:
        """The problems of `stories` alone, after an edit of what nothing else depends on.

        Their bylines and places are unchanged, so the site's hidden names and places are still
        those of the last full check, which this reuses rather than recomputes.
        """
        assert self.key is not None, "a full check comes first"
        _, _, hidden, places, _, common = self.key
        content = replace(Content((), (), ()), stories=stories, ambassadors=ambassadors)
        paths = {s.path for s in stories}
        problems = [p for p in anonymity_problems(content, regions, lines, (), common, hidden=hidden, places=places)
                    if p.path in paths]  # fmt: skip
        for story in stories:
            self.stories[story.path] = (story, lines.get(story.path), [p for p in problems if p.path == story.path])
        return problems


class Preview:
    """The preview's state: content read so far, the theme, and the current snapshot."""

    def __init__(self, config_file: Path, log: Callable[[str], None] = print) -> None:
        self.config_file = config_file.resolve()
        self.root = self.config_file.parent
        self.work = self.root / ".cache" / "preview"
        self.theme_dir = self.work / "theme"
        self.log = log
        self.lock = threading.RLock()  # rendering and refreshing take turns
        self.changed = threading.Condition()
        self.reads: dict[str, FileRead] = {}
        self.last_good: dict[str, FileRead] = {}
        self.markdown: dict[str, str] = {}
        self.image_stamp: tuple = ()
        self.renditions: dict[str, Rendition] = {}
        self.image_problems: list[Problem] = []
        self.theme: dict[str, str] = {}
        self.site_lang = "en"
        self.theme_problem: Problem | None = None
        self.snapshot: Snapshot | None = None
        self.version = 0
        self.anonymity = AnonymityMemo()
        self.content_problems: list[Problem] | None = None
        self.settings_read: tuple | None = None
        self.links: tuple | None = None

    # -- keeping up with the files ------------------------------------------------------------

    def render_theme(self) -> None:
        from .plugin import render_theme  # MkDocs is imported only when the theme is rendered

        try:
            self.theme, self.site_lang = render_theme(self.config_file, self.theme_dir)
            self.theme_problem = None
        except Exception as exc:  # a broken template or mkdocs.yml: said on the page, not raised
            message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            self.theme_problem = Problem(self.config_file.name, 1, f"the theme could not be rendered: {message}",
                                         "fix mkdocs.yml or site_src/overrides; the preview retries on save")  # fmt: skip

    def refresh(self, changed: set[Path] | None = None, now: datetime | None = None) -> Snapshot:
        """Re-read what changed and publish a new snapshot; never raises for content.

        `changed`: the files the watcher saw change; None reads every file's stamp instead.
        """
        with self.lock, _no_gc():
            settings = self.settings()
            if self.snapshot is None or settings != self.snapshot.settings:
                changed = None  # a new mkdocs.yml (tags, regions...) can change what every file means
            before = {rel: self.reads.get(rel) for rel in self._rels(settings, changed or ())}
            reads = read_files(settings, self.reads, changed)
            moment = now or build_clock()
            fast = self.fast_refresh(settings, changed, before, reads, moment)
            if fast is not None:
                return self._publish(fast)
            merged = []
            for rel, read in reads.items():
                if read.item is not None:
                    self.last_good[rel] = read
                    merged.append(read)
                elif rel in self.last_good:  # the last version that read, under today's problems
                    good = self.last_good[rel]
                    merged.append(replace(read, item=good.item, lines=good.lines, refs=good.refs))
                else:
                    merged.append(read)
            for gone in set(self.last_good) - set(reads):
                del self.last_good[gone]
            content, problems = assemble(settings, merged, self.anonymity)
            self.content_problems = problems
            pub = publish(content, moment, preview=True)
            snap = self._snapshot(settings, pub, problems)
            snap.redirects = dict(redirect_files(pub.stories, settings))
            snap.images = {d.url: d.cache_path for r in snap.renditions.values() for d in r.derivatives}
            try:
                index = SiteIndex(pub, settings, self._bodies(pub), self._picture(snap), self.feed_links(pub, settings), {})
                self._plan(snap, index)
            except Exception as exc:  # content the checks let through but a page cannot show
                snap.problems += (Problem("(preview)", 1, f"the pages could not be prepared: {exc!r}"),)
                if self.snapshot and self.snapshot.index is not None:
                    old = self.snapshot
                    snap.pub, snap.index, snap.plan, snap.rendered = old.pub, old.index, old.plan, old.rendered
            return self._publish(snap)

    def _publish(self, snap: Snapshot) -> Snapshot:
        self.snapshot = snap
        with self.changed:
            self.changed.notify_all()
        if snap.pub is not None:
            lines = {rel: r.lines for rel, r in self.last_good.items() if r.lines}
            threading.Thread(target=self._check_links, args=(snap, lines), daemon=True).start()
        return snap

    def _check_links(self, snap: Snapshot, lines: dict) -> None:
        """The body link check `check` runs, after the page is served: its problems join the banner
        a moment later, so a save is never kept waiting for 10,000 bodies to be scanned. It waits
        for the browser to have fetched the saved page first, and gives way to a newer save."""
        time.sleep(LINK_CHECK_DELAY)
        if self.snapshot is not snap or snap.index is None or snap.pub is None:
            return
        try:  # against the site as the preview shows it (check also holds published stories to the live one)
            index, pub = snap.index, snap.pub
            urls = set(snap.plan) | {link.url for links in index.feeds.values() for link in links}
            urls |= {alias for story in pub.stories for alias in story.aliases} | site_src_urls(snap.settings)
            html = lambda story: render_markdown(story.body, self.markdown, self.lock)  # noqa: E731
            by_url = {story.url: story for story in pub.stories}
            found = link_problems(pub.stories, lambda story: lines[story.path].body, lambda story: urls,
                                  snap.settings, html, by_url)  # fmt: skip
        except Exception:  # a half-read state: the next save checks again
            return
        with self.lock:
            if self.snapshot is not snap or not found:
                return
            self.version += 1
            self.snapshot = replace(snap, version=self.version, problems=tuple(sorted(set(snap.problems) | set(found))))
        with self.changed:
            self.changed.notify_all()

    def _snapshot(self, settings: Settings, pub: Publication, problems: list[Problem]) -> Snapshot:
        self.update_images(pub, settings)
        problems = sorted(set(problems) | set(self.image_problems))
        if self.theme_problem:
            problems.insert(0, self.theme_problem)
        self.version += 1
        snap = Snapshot(self.version, tuple(problems), settings, pub)
        snap.renditions = dict(self.renditions)
        snap.redirects = dict(redirect_files(pub.stories, settings))
        snap.images = {d.url: d.cache_path for r in snap.renditions.values() for d in r.derivatives}
        return snap

    def _bodies(self, pub: Publication) -> Bodies:
        return Bodies({s.id: s.body for s in pub.stories}, self.markdown, self.lock)

    @staticmethod
    def _picture(snap: Snapshot):
        def picture(path: str, alt: str, href, main: bool) -> str:
            rendition = snap.renditions.get(path)
            return picture_html(rendition, alt, href, main=main) if rendition else ""

        return picture

    def _plan(self, snap: Snapshot, index: SiteIndex) -> None:
        md = lambda text: render_markdown(text, self.markdown, self.lock)  # noqa: E731
        snap.index = index
        snap.plan = dict(reversed(plan_pages(index, md)))  # the first of a URL wins, as on disk

    @staticmethod
    def _rels(settings: Settings, paths) -> list[str]:
        """The content files among `paths` (an editor's swap file changes nothing)."""
        return [p.relative_to(settings.root).as_posix() for p in paths
                if p.is_relative_to(settings.root) and content_kind(settings, p) is not None]  # fmt: skip

    def fast_refresh(self, settings: Settings, changed, before: dict, reads: dict, now: datetime) -> Snapshot | None:
        """The common save, in a fraction of a full refresh: only what a story *shows* changed.

        When every changed file is a story that read before and reads now, and only its title,
        summary, text or content warning differ (nothing that decides where it is listed, whether
        it is published, or what it refers to), the publication and the site index are the last
        ones with the story swapped in: no re-sorting, re-checking or re-grouping 10,000 stories.
        The problems are the last ones with that file's own replaced. Anything else, or a clock
        that moved on, takes the full path. `test_preview_fast_path_matches_a_full_refresh`
        holds the two to the same pages.
        """
        old = self.snapshot
        if (changed is None or not before or old is None or old.index is None or old.pub is None
                or self.content_problems is None or (now - old.pub.now).total_seconds() > 60):  # fmt: skip
            return None
        swaps: dict[int, Story] = {}
        own_old: set[Problem] = set()
        own_new: list[Problem] = []
        for rel, was in before.items():
            now_read = reads.get(rel)
            if was is None or now_read is None or was.item is None or now_read.item is None or was.kind != "story":
                return None
            if self.last_good.get(rel) is not was:  # the site shows another version of it
                return None
            story, new = was.item, now_read.item
            if replace(story, **{f: getattr(new, f) for f in LOCAL_FIELDS}) != new:
                return None
            if was.lines is None or now_read.lines is None or dict(was.lines.keys) != dict(now_read.lines.keys):
                return None
            swaps[id(story)] = new
            own_old.update(was.problems)
            own_old.update(self.anonymity.stories.get(story.path, (None, None, []))[2])
            own_new += now_read.problems
        for rel in before:
            self.last_good[rel] = reads[rel]
        new_stories = tuple(swaps.values())
        lines = {a.path: self.last_good[a.path].lines for a in old.pub.people if a.path in self.last_good}
        lines.update((s.path, reads[s.path].lines) for s in new_stories)
        own_new += self.anonymity.edited(new_stories, old.pub.people, settings.regions, lines)
        problems = [p for p in self.content_problems if p not in own_old] + own_new
        self.content_problems = sorted(set(problems))
        pub = old.pub
        pub = replace(pub, stories=_swapped(pub.stories, swaps), tombstones=_swapped(pub.tombstones, swaps))
        snap = self._snapshot(settings, pub, self.content_problems)
        index = copy.copy(old.index)
        index.pub, index.bodies, index.pictures = pub, self._bodies(pub), self._picture(snap)
        index.facet_stories = {k: {v: _swapped(lst, swaps) for v, lst in g.items()} for k, g in index.facet_stories.items()}
        cached = index.__dict__
        if "stories_by_id" in cached:
            cached["stories_by_id"] = {**cached["stories_by_id"], **{s.id: s for s in new_stories}}
        for name, value in list(cached.items()):  # every cached list of stories (by campaign, family...)
            if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
                swapped = {k: _swapped(v, swaps) for k, v in value.items()}
                cached[name] = defaultdict(list, swapped) if isinstance(value, defaultdict) else swapped
        self._plan(snap, index)
        return snap

    def settings(self) -> Settings:
        """The settings from mkdocs.yml, read again only when the file changes."""
        stamp = _stamp(self.config_file)
        if self.settings_read is not None and self.settings_read[0] == stamp:
            return self.settings_read[1]
        try:
            settings = load_settings(self.config_file)
        except Exception as exc:
            self.theme_problem = Problem(self.config_file.name, 1, f"mkdocs.yml could not be read: {exc}")
            return self.snapshot.settings if self.snapshot else Settings(root=self.root)
        self.settings_read = (stamp, settings)
        return settings

    def feed_links(self, pub: Publication, settings: Settings) -> dict:
        """`feed_links`, worked out again only when what names a feed changes.

        Which feeds exist and what they are called depends on the campaigns, the profiles, the
        tags of public stories and the languages of feedable ones, not on titles or bodies.
        """
        key = (settings, pub.campaigns, pub.ambassadors,
               frozenset(t for s in pub.stories if s.id not in pub.previewed for t in s.tags),
               frozenset(s.lang for s in pub.stories if pub.in_feeds(s)))  # fmt: skip
        if self.links is None or self.links[0] != key:
            self.links = (key, feed_links(pub, settings))
        return self.links[1]

    def update_images(self, pub: Publication, settings: Settings) -> None:  # noqa: D401
        """Derivatives for the published images, remade only when an image file changes."""
        images = published_images(pub)
        stamp = []
        for path in sorted(images):
            try:
                info = (settings.root / path).stat()
                stamp.append((path, info.st_mtime_ns, info.st_size))
            except OSError:
                stamp.append((path, 0, -1))
        if tuple(stamp) == self.image_stamp:
            return
        self.image_stamp = tuple(stamp)
        renditions, problems, _ = process_images(settings.root, images, self.work / "images", image_settings(settings))
        self.renditions = renditions
        self.image_problems = [Problem(images[p.path][1], 1, f"image {p.path}: {p.message}") for p in problems]

    # -- answering the browser ----------------------------------------------------------------

    def page(self, snap: Snapshot, url: str) -> GeneratedPage | None:
        found = snap.rendered.get(url)
        if found is None and url in snap.plan:
            with self.lock:
                found = snap.rendered.get(url)
                if found is None:
                    found = snap.rendered[url] = snap.plan[url]()
        return found

    def generated_files(self, snap: Snapshot, url: str) -> bytes | None:
        """A feed or search file, the whole set made once per version when one is first fetched."""
        if snap.pub is None or snap.index is None:
            return None
        with self.lock:
            if snap.files is None:
                snap.files = {}
            if url.startswith("search/") and not snap.search_ready:
                files, _ = build_index(search_documents(snap.pub, snap.index))
                snap.files.update((f"search/{name}", data) for name, data in files.items())
                snap.search_ready = True
            elif not url.startswith("search/") and not snap.feeds_ready and url.endswith((".xml", ".json")):
                extras = {s.id: entry_extras(snap.index, s, snap.renditions) for s in snap.pub.stories}
                snap.files.update((f.url, f.content) for f in build_feeds(snap.pub, snap.settings, extras))
                snap.feeds_ready = True
            return snap.files.get(url)

    def document(self, snap: Snapshot, page: GeneratedPage) -> str:
        key = page.url if page.url in self.theme else f"{SHELLS}{depth(page.url)}"
        shell = self.theme.get(key)
        if shell is None:
            return bare_document(page.title, page.html)
        canonical = snap.settings.absolute(page.url if page.url in self.theme else shell_url(depth(page.url)))
        return fill(shell, canonical, page, page.html, snap.settings, self.site_lang)


def bare_document(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title></head>'
            f"<body><main>{body}</main></body></html>")  # fmt: skip


def problems_html(problems: tuple[Problem, ...], heading_id: str = "preview-problems") -> str:
    """The banner: every problem as `path:line: message (hint)`, which is what `check` prints."""
    if not problems:
        return ""
    count = len(problems)
    items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
    return (
        f'<section class="preview-problems" role="alert" aria-labelledby="{heading_id}">'
        f'<h2 id="{heading_id}">{count} problem{"s" if count != 1 else ""} in the content</h2><ul>{items}</ul>'
        "<p>Until a file is fixed, the preview shows its last version that could be read. Fix and save: "
        f'this page updates by itself. The same list as <code>python -m builder check</code>, also at '
        f'<a href="{PREFIX}problems/">the problems page</a>.</p></section>'
    )


def decorate(document: str, snap: Snapshot) -> str:
    """Add the preview's stylesheet, reload script and problem banner to a page."""
    head = (f'<link rel="stylesheet" href="{PREFIX}preview.css">'
            f'<script src="{PREFIX}reload.js?v={snap.version}" defer></script>')  # fmt: skip
    at = document.find("</head>")
    document = document[:at] + head + document[at:] if at >= 0 else head + document
    banner = problems_html(snap.problems)
    if banner:  # above the site's header, after the skip link, which stays the first thing to tab to
        body = document.find("<body")
        end = document.find(">", body) + 1 if body >= 0 else 0
        header = document.find("<header", end)
        at = header if header >= 0 else end
        document = document[:at] + banner + document[at:]
    return document


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    preview: Preview
    stopping: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # quiet: the terminal shows problems only
        pass

    def send(self, status: int, body: bytes, mime: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        preview = self.server.preview
        path = unquote(urlsplit(self.path).path)
        if path.startswith(PREFIX):
            return self.own(path[len(PREFIX):])
        snap = preview.snapshot
        if snap is None:
            page = bare_document("Starting the preview", "<h1>Starting the preview…</h1><p>This page reloads "
                                 "by itself when the site is ready.</p>")  # fmt: skip
            fake = Snapshot(0, (), Settings(root=preview.root))
            return self.send(503, decorate(page, fake).encode(), "text/html; charset=utf-8", {"Retry-After": "1"})
        url = path.lstrip("/")
        if url == "" or url.endswith("/"):
            page = preview.page(snap, url)
            if page is not None:
                document = decorate(preview.document(snap, page), snap)
                return self.send(200, document.encode("utf-8"), "text/html; charset=utf-8")
        elif url + "/" in snap.plan:
            return self.send(301, b"", "text/plain", {"Location": path + "/"})
        redirect = snap.redirects.get(url + "index.html" if url.endswith("/") or not url else url)
        if redirect is not None:
            return self.send(200, redirect, "text/html; charset=utf-8")
        data = preview.generated_files(snap, url) if url.endswith((".xml", ".json")) else None
        if data is not None:
            return self.send(200, data, mimetypes.guess_type(url)[0] or "application/octet-stream")
        image = snap.images.get(url)
        if image is not None and image.is_file():
            return self.send(200, image.read_bytes(), mimetypes.guess_type(url)[0] or "application/octet-stream")
        if url == "favicon.ico":  # Chromium asks for it when a reloaded page's <head> is swapped in
            url = "assets/images/favicon.png"
        self.static(url, snap)

    def static(self, url: str, snap: Snapshot) -> None:
        preview = self.server.preview
        theme = preview.theme_dir.resolve()
        target = (theme / url).resolve()
        if target.is_dir():
            target = target / "index.html"
        inside = target.is_relative_to(theme) and not target.is_relative_to(theme / SHELLS)
        inside = inside and url.removesuffix("index.html") not in preview.theme  # markers, not pages
        if inside and target.is_file():
            data = target.read_bytes()
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if mime == "text/html":
                data = decorate(data.decode("utf-8"), snap).encode("utf-8")
                mime = "text/html; charset=utf-8"
            return self.send(200, data, mime)
        missing = theme / "404.html"
        document = missing.read_text(encoding="utf-8") if missing.is_file() else bare_document(
            "Not found", f"<h1>Not found</h1><p>Nothing is published at /{html.escape(url)}.</p>")  # fmt: skip
        self.send(404, decorate(document, snap).encode("utf-8"), "text/html; charset=utf-8")

    def own(self, name: str) -> None:
        preview = self.server.preview
        snap = preview.snapshot
        if name.startswith("reload.js"):
            return self.send(200, RELOAD_JS, "text/javascript; charset=utf-8")
        if name == "preview.css":
            return self.send(200, PREVIEW_CSS, "text/css; charset=utf-8")
        if name == "status":
            data = {"version": snap.version if snap else 0, "problems": [str(p) for p in snap.problems] if snap else []}
            return self.send(200, json.dumps(data).encode(), "application/json")
        if name == "events":
            return self.events()
        if name in ("problems", "problems/"):
            problems = snap.problems if snap else ()
            body = problems_html(problems) or "<h1>No problems</h1><p>Every file reads: the preview is up to date.</p>"
            fake = replace(snap, problems=()) if snap else Snapshot(0, (), Settings(root=preview.root))
            document = decorate(bare_document("Problems in the content", body), fake)
            return self.send(200, document.encode("utf-8"), "text/html; charset=utf-8")
        self.send(404, b"not found", "text/plain")

    def events(self) -> None:
        """Server-sent events: the content version now, then each new one, until the end."""
        preview, stopping = self.server.preview, self.server.stopping
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        sent = -1
        try:
            self.wfile.write(b"retry: 300\n\n")
            while not stopping.is_set():
                version = preview.snapshot.version if preview.snapshot else 0
                if version != sent:
                    self.wfile.write(f"data: {version}\n\n".encode())
                    self.wfile.flush()
                    sent = version
                with preview.changed:
                    preview.changed.wait(timeout=15)
                if (preview.snapshot.version if preview.snapshot else 0) == sent:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


# -- watching and serving ---------------------------------------------------------------------------


def _close_events() -> bool:
    """Whether the observer reports a file closed after writing (inotify does)."""
    from watchdog.observers import Observer

    return "inotify" in Observer.__module__


CLOSE_EVENTS = False  # set when the watcher starts


class _Watcher:
    """File system events (inotify through watchdog) to refreshes, saves close together merged."""

    def __init__(self, preview: Preview) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.preview = preview
        self.pending = threading.Event()
        self.paths: set[Path] | None = set()  # None: something changed that needs a full scan
        self.paths_lock = threading.Lock()
        self.theme_pending = threading.Event()
        root = preview.root
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                paths = [str(getattr(event, "src_path", "")), str(getattr(event, "dest_path", "") or "")]
                # A save is truncate, write(s), close: act on the close, not on each write.
                if event.event_type in ("opened", "closed_no_write") or (
                    event.event_type == "modified" and (event.is_directory or CLOSE_EVENTS)
                ):
                    return
                if any(p.startswith(str(root / "site_src")) or p == str(preview.config_file) for p in paths):
                    watcher.theme_pending.set()
                with watcher.paths_lock:
                    if event.is_directory and event.event_type != "modified":
                        watcher.paths = None  # a folder moved or removed: every file's stamp is read
                    elif watcher.paths is not None:
                        watcher.paths.update(Path(p) for p in paths if p)
                watcher.pending.set()

        global CLOSE_EVENTS
        CLOSE_EVENTS = _close_events()
        self.observer = Observer()
        handler = Handler()
        for folder in ("stories", "campaigns", "site_src"):
            if (root / folder).is_dir():
                self.observer.schedule(handler, str(root / folder), recursive=True)
        self.observer.schedule(handler, str(root), recursive=False)

    def start(self, stopping: threading.Event) -> None:
        self.observer.daemon = True
        self.observer.start()
        threading.Thread(target=self.loop, args=(stopping,), daemon=True, name="preview-refresh").start()

    def loop(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            if not self.pending.wait(timeout=0.5):
                continue
            time.sleep(DEBOUNCE)
            self.pending.clear()
            with self.paths_lock:
                paths, self.paths = self.paths, set()
            if self.theme_pending.is_set():
                self.theme_pending.clear()
                self.preview.render_theme()
            started = time.perf_counter()
            snap = self.preview.refresh(paths)
            took = (time.perf_counter() - started) * 1000
            said = f"{len(snap.problems)} problem{'s' if len(snap.problems) != 1 else ''}" if snap.problems else "no problems"
            self.preview.log(f"updated in {took:.0f} ms: {said}")

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=2)


def bind(host: str, port: int, explicit: bool) -> _Server:
    """The listening socket: the asked-for port, or (unless one was asked for) the next free one."""
    tries = 1 if explicit else 20
    for offset in range(tries):
        try:
            return _Server((host, port + offset), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    if explicit:
        raise PortBusy(f"error: {host}:{port} is already in use (another preview?): "
                       f"choose another port with --dev-addr {host}:{port + 1}")  # fmt: skip
    raise PortBusy(f"error: ports {port}-{port + tries - 1} on {host} are all in use: choose one with --dev-addr")


class PortBusy(Exception):
    pass


def parse_addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"--dev-addr {text!r}: write host:port, e.g. 127.0.0.1:8000")
    return host or "127.0.0.1", int(port)


def serve(config_file: Path, dev_addr: str, explicit: bool = True) -> int:
    """Run the preview until SIGINT or SIGTERM; the socket is open before anything is read."""
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    try:
        host, port = parse_addr(dev_addr)
        server = bind(host, port, explicit)
    except (ValueError, PortBusy) as exc:
        say(str(exc))
        return 1
    stopping = threading.Event()
    preview = Preview(config_file, log=say)
    server.preview, server.stopping = preview, stopping
    actual = server.server_address[1]
    if actual != port:
        say(f"port {port} is in use: serving on {actual} instead (choose a port with --dev-addr {host}:PORT)")

    def stop(signum, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    say(f"Preview at http://{host}:{actual}/ (drafts and scheduled stories included; stop with Ctrl+C)")
    watcher = _Watcher(preview)
    watcher.start(stopping)

    def first_build() -> None:
        started = time.perf_counter()
        preview.render_theme()
        snap = preview.refresh()
        gc.freeze()  # the content read at start lives as long as the preview: no need to walk it again
        say(f"ready in {time.perf_counter() - started:.1f}s: {len(snap.pub.stories) if snap.pub else 0} stories"
            + (f", {len(snap.problems)} problems (listed on every page and at {PREFIX}problems/)" if snap.problems else ""))
        for problem in snap.problems:
            say(str(problem))

    # The first read (and any photo to encode) runs beside the main thread, which only waits
    # for a signal: SIGTERM stops the preview at once, even while it is still starting.
    threading.Thread(target=first_build, daemon=True, name="preview-start").start()
    while not stopping.wait(timeout=0.5):
        pass
    say("stopping the preview")
    with preview.changed:
        preview.changed.notify_all()
    server.shutdown()
    server.server_close()
    watcher.stop()
    for child in multiprocessing.active_children():  # image encoders, if a photo was being encoded
        child.terminate()
        child.join(timeout=2)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # threads still rendering or reading are not waited for: nothing of theirs is kept
