"""The build, as one readable pipeline: load, check, decide, render.

Engine-free: the MkDocs adapter (`builder.plugin`) calls `prepare` and hands the result to
the theme; tests and benchmarks call it directly.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from . import memo
from .admin import admin_files
from .aliases import record, redirect_files
from .anonymity import KeyLines
from .card_layout import FAMILIES, Weight, coverage
from .cards import PHOTO_PANEL, Card, CardError, CardImage, draw_cards, plan_cards
from .feeds import FORMATS, EntryExtras, FeedFile, build_feeds, feed_links
from .files import walk
from .images import ImageReport, ImageSettings, Rendition, picture_html, process_images
from .links import link_problems
from .loader import assemble, read_files
from .models import Content, Display, Image, Problem
from .pages import GeneratedPage, SiteIndex, generate_pages, plan_pages, text_direction
from .progress import Progress
from .publish import Hold, Publication, publish
from .search import SearchDoc, SearchReport, build_index
from .render import render_bodies, render_body
from .settings import Settings
from .static import StaticSource
from .static import scan as scan_static
from .workers import Workers


class ContentError(Exception):
    """The content has problems; nothing may be published."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the content:\n{lines}")


@dataclass(frozen=True)
class StaticFile:
    """A non-page output: bytes to write, or a file to copy (an image derivative in the cache)."""

    url: str
    content: bytes | None = None
    source: Path | None = None


@dataclass(frozen=True)
class Build:
    publication: Publication
    pages: tuple[GeneratedPage, ...]
    files: tuple[StaticFile, ...] = ()
    report: tuple[str, ...] = field(default=())
    images: ImageReport | None = None
    static: tuple[StaticSource, ...] = ()  # what site_src/ may publish, and how


def publication_report(pub: Publication) -> tuple[str, ...]:
    lines = list(held_lines(pub))
    feed_items = sum(1 for s in pub.stories if pub.in_feeds(s))
    lines.append(
        f"published: {len(pub.stories)} stories, {len(pub.ambassadors)} profiles, "
        f"{len(pub.campaigns)} campaigns, {feed_items} stories in feeds"
    )
    return tuple(lines)


_UNTIL = {
    Hold.DRAFT: "until `draft: true` is removed",
    Hold.SCHEDULED: "until then: it appears at the first build after that time",
    Hold.CONSENT_EXPIRED: "until the consent is renewed: a new `expires`, or none",
    Hold.NO_WEB_CONSENT: "until the consent `scope` includes `web`",
}


def held_lines(pub: Publication) -> tuple[str, ...]:
    """One line per story or profile that will not be shown: why, and until when."""
    lines = []
    for held in pub.held:
        until = _UNTIL.get(held.hold)
        lines.append(f"{held} ({until})" if until else str(held))
    return tuple(lines)


FEED_FILES = tuple(fmt.filename for fmt in FORMATS)


def build_summary(build: Build, seconds: float) -> str:
    feeds = sum(1 for f in build.files if f.url.endswith(FEED_FILES))
    images = build.images
    held = len(build.publication.held)
    encoded = f"{images.encoded} encoded, {images.reused} reused" if images else "none"
    return (f"summary: {len(build.pages)} pages, {feeds} feed files, images {encoded}, {held} held back, "
            f"built in {seconds:.1f}s")  # fmt: skip


def check(settings: Settings, now: datetime) -> tuple[list[Problem], Publication | None]:
    content, _, problems, lines = load(settings, now)
    if problems:
        return problems, None
    pub = publish(content, now)
    memo: dict[str, str] = {}
    problems = body_link_problems(content, pub, settings, lines,
                                  lambda s: memo.get(s.body) or memo.setdefault(s.body, render_body(s.body)))
    return problems, (None if problems else pub)


def load(settings: Settings, now: datetime) -> tuple[Content, tuple[StaticSource, ...], list[Problem], dict[str, KeyLines]]:
    """Everything a build reads, and every problem in it: the content, what `site_src/`
    publishes, and where each content file's keys and body start."""
    reads = read_files(settings, now=now)
    content, problems = assemble(settings, reads.values())
    static, static_problems = scan_static(settings, image_settings(settings))
    lines = {rel: r.lines for rel, r in reads.items() if r.lines is not None}
    return content, static, sorted(problems + static_problems + tracked_cache(settings.root)), lines


def tracked_cache(root: Path) -> list[Problem]:
    """`.cache/` files committed to the repository: refused, since the build trusts its cache.

    Rendered HTML, pictures and pages are reused from `.cache/` by the hash of what they come
    from, so an entry slipped into a pull request would be published as it stands, past the
    sanitizer and the image checks. CI restores its own cache; git must hold none of it.
    """
    try:
        found = subprocess.run(["git", "ls-files", "-z", "--", ".cache"], cwd=root, capture_output=True,
                               timeout=30, check=False).stdout.decode("utf-8", "replace").split("\0")  # fmt: skip
    except (OSError, subprocess.SubprocessError):  # no git here: nothing can be tracked either
        return []
    found = [name for name in found if name]
    if not found:
        return []
    return [Problem(found[0], 1, f"{len(found)} file{'s' if len(found) != 1 else ''} of the build cache "
                                 "(.cache/) are committed: the build would publish them unchecked",
                    "remove them from the repository: git rm -r --cached .cache")]  # fmt: skip


def site_urls(pub: Publication, settings: Settings) -> set[str]:
    """Every address the site will have: generated pages, feeds, redirects, pages of site_src/."""
    index = SiteIndex(pub, settings, {}, None, feed_links(pub, settings), {})
    urls = {url for url, _ in plan_pages(index, lambda text: "")}
    urls |= {link.url for links in index.feeds.values() for link in links}
    urls |= {alias for story in pub.stories for alias in story.aliases}
    return urls | site_src_urls(settings)


def site_src_urls(settings: Settings) -> set[str]:
    """The addresses of the pages and files of site_src/ (its theme overrides aside)."""
    urls = set()
    docs, theme = settings.docs_dir, settings.theme_dir
    for path in walk(docs).files if docs.is_dir() else ():
        rel = path.relative_to(docs).as_posix()
        if (theme is not None and path.is_relative_to(theme)) or not path.is_file():
            continue
        if path.suffix == ".md":
            rel = rel.removesuffix("index.md") if path.name == "index.md" else rel.removesuffix(".md") + "/"
        urls.add(rel)
    return urls


def body_link_problems(
    content: Content, pub: Publication, settings: Settings, lines: dict[str, KeyLines], html_of
) -> list[Problem]:
    """Body links to pages or anchors that will not exist (`links.link_problems`).

    Published stories are checked against the published site, drafts and scheduled stories
    against the site as the preview shows it (so a draft may link to another draft).
    """
    preview = publish(content, pub.now, preview=True)
    live = {s.id for s in pub.stories if s.id not in pub.previewed}
    sets: dict[bool, set[str]] = {}

    def urls(story) -> set[str]:
        shown = story.id in live
        if shown not in sets:
            sets[shown] = site_urls(pub if shown else preview, settings)
        return sets[shown]

    by_url = {s.url: s for s in preview.stories}
    return link_problems(preview.stories, lambda s: lines[s.path].body, urls, settings, html_of, by_url)


def image_settings(settings: Settings) -> ImageSettings:
    return ImageSettings(max_pixels=settings.max_megapixels * 1_000_000)


def published_images(pub: Publication) -> dict[str, tuple[Image, str]]:
    """Every image the published content shows, with the file that shows it first."""
    found: dict[str, tuple[Image, str]] = {}
    owners = [(s.image, s.path) for s in pub.stories] + [(c.image, c.path) for c in pub.campaigns]
    owners += [(a.photo, a.path) for a in pub.ambassadors]
    for image, owner in owners:
        if image is not None:
            found.setdefault(image.path, (image, owner))
    return found


def make_images(
    pub: Publication, settings: Settings, cache: Path, workers: Workers
) -> tuple[dict[str, Rendition], ImageReport]:
    """Every published image's derivatives, made or reused."""
    images = published_images(pub)
    renditions, problems, report = process_images(
        settings.root, images, cache / "images", image_settings(settings),
        progress=Progress("images", len(images), minimum=8), workers=workers,
    )  # fmt: skip
    if problems:
        raise ContentError([Problem(images[p.path][1], 1, f"image {p.path}: {p.message}") for p in problems])
    return renditions, report


def _card_problem(exc: CardError) -> ContentError:
    return ContentError([Problem("mkdocs.yml", 1, f"social card: {exc}")])


def prepare(settings: Settings, now: datetime, preview: bool = False, cache_dir: Path | None = None,
            stylesheet: str = "") -> Build:  # fmt: skip
    """Everything the site will contain; raises ContentError before anything is written.

    `stylesheet` is the site's hashed stylesheet (`assets/stories.<hash>.css`), which the
    editor's preview pane at /admin/ uses.

    Work for the worker pool overlaps work in this process, so both cores stay busy: images are
    encoded while Markdown is rendered, and the social cards are drawn while the pages, feeds
    and search index are written (a card's file name comes from its content, so pages can link
    to it before it exists).
    """
    content, static, problems, lines = load(settings, now)
    if problems:
        raise ContentError(problems)
    pub = publish(content, now, preview=preview)
    cache = cache_dir or settings.root / ".cache"
    with Workers() as workers, ThreadPoolExecutor(max_workers=1) as side:
        encoding = side.submit(make_images, pub, settings, cache, workers)
        texts = [s.body for s in pub.stories] + [c.body for c in pub.campaigns] + [a.body for a in pub.ambassadors]
        html = render_bodies(texts, cache / "html", workers)
        rendered = dict(zip(texts, html))
        links = body_link_problems(content, pub, settings, lines, lambda s: rendered.get(s.body) or render_body(s.body))
        if links:
            encoding.cancel()
            raise ContentError(links)
        renditions, image_report = encoding.result()
        try:
            plan = plan_cards(social_cards(pub, settings, renditions), cache / "cards")
        except CardError as exc:
            raise _card_problem(exc) from None
        drawing = side.submit(draw_cards, plan, workers)
        text = memo_text_outputs(pub, settings, rendered, renditions, plan.images, None if preview else cache / "text")
        try:
            drawing.result()
        except CardError as exc:
            raise _card_problem(exc) from None
    derivatives = {d.url: d.cache_path for r in renditions.values() for d in r.derivatives}
    derivatives.update((card.url, card.path) for card in plan.images.values())
    files = [StaticFile(f.url, content=f.content) for f in text.feeds]
    files += [StaticFile(f"search/{name}", content=data) for name, data in sorted(text.search_files.items())]
    files += [StaticFile(url, content=data) for url, data in redirect_files(pub.stories, settings)]
    files += [StaticFile(url, source=path) for url, path in sorted(derivatives.items())]
    editor, bundle = admin_files(settings, pub, stylesheet)
    files += [StaticFile(url, content=data) for url, data in editor] + [StaticFile(u, source=p) for u, p in bundle]
    search = text.search
    report = publication_report(pub) + (
        f"images: {image_report.encoded} encoded, {image_report.reused} reused, {image_report.removed} removed "
        f"from the cache in {image_report.seconds:.1f}s",
        f"social cards: {len(plan.jobs)} drawn, {plan.reused} reused",
        f"search: {search.documents} pages, {search.terms} terms, {search.files} files, {search.bytes // 1024} KB",
    )
    return Build(publication=pub, pages=tuple(text.pages), files=tuple(files), report=report, images=image_report,
                 static=static)


def record_urls(build: Build, settings: Settings) -> None:
    """After a published (not preview) build: remember each story's addresses for the next check."""
    pub = build.publication
    record(settings.root, [s for s in pub.stories if s.id not in pub.previewed] + list(pub.tombstones))


class TextOutputs(NamedTuple):
    pages: list[GeneratedPage]
    feeds: tuple[FeedFile, ...]
    search_files: dict[str, bytes]
    search: SearchReport


def text_outputs(
    pub: Publication,
    settings: Settings,
    rendered: dict[str, str],
    renditions: dict[str, Rendition],
    cards: dict[str, CardImage],
) -> TextOutputs:
    """Pages, feeds and the search index, from Markdown already rendered (`rendered[text]`)."""

    def picture(path: str, alt: str, href, main: bool) -> str:
        return picture_html(renditions[path], alt, href, main=main)

    bodies = {s.id: rendered[s.body] for s in pub.stories}
    index = SiteIndex(pub, settings, bodies, picture, feed_links(pub, settings), cards)
    pages = generate_pages(index, rendered.__getitem__)
    feeds = build_feeds(pub, settings, {s.id: entry_extras(index, s, renditions) for s in pub.stories})
    search_files, search = build_index(search_documents(pub, index))
    return TextOutputs(pages, feeds, search_files, search)


def memo_text_outputs(
    pub: Publication,
    settings: Settings,
    rendered: dict[str, str],
    renditions: dict[str, Rendition],
    cards: dict[str, CardImage],
    folder: Path | None,
) -> TextOutputs:
    """`text_outputs`, or the last build's when everything they come from is the same (`builder.memo`)."""
    if folder is None:
        return text_outputs(pub, settings, rendered, renditions, cards)
    key = memo.key(pub, settings, pub.now.astimezone(settings.zone).date(), rendered, renditions, cards)
    kept = memo.load(folder, key, TextOutputs)
    if kept is not None:
        return kept
    text = text_outputs(pub, settings, rendered, renditions, cards)
    memo.store(folder, key, text)
    return text


def search_documents(pub: Publication, index: SiteIndex) -> list[SearchDoc]:
    """What search can find: published stories (newest first), then campaigns and profiles."""
    docs = [
        SearchDoc(s.url, s.title, s.summary, " ".join([index.bodies.get(s.id, ""), *s.tags, s.place or "",
                                                       *(link.label for link in index.bylines(s))]),
                  s.lang, text_direction(s.lang), s.content_warning or "")
        for s in pub.stories
        if s.id not in pub.previewed
    ]  # fmt: skip
    docs += [SearchDoc(f"campaigns/{c.id}/", f"{c.title} {c.hashtag}", c.summary, f"{c.theme} {c.body}")
             for c in pub.campaigns]  # fmt: skip
    docs += [SearchDoc(f"ambassadors/{a.id}/", a.person.public_name, a.role, f"{a.lives_in} {a.body}")
             for a in pub.ambassadors]  # fmt: skip
    return docs


@lru_cache(maxsize=1)
def _drawable_code_points() -> frozenset[int]:
    per_weight = [frozenset().union(*(coverage(f.path(w)) for f in FAMILIES)) for w in Weight]
    return frozenset.intersection(*per_weight)


def drawable(text: str, fallback: str) -> str:
    """`text` as a card can draw it: characters no shipped font has (an emoji, Chinese) left out.

    A card is the picture of a link; the page, the feed and the card's alt text keep the whole
    title. So a title of any script can never stop a build, as "Coming soon 🎄" once did from
    the moment it was due.
    """
    covered = _drawable_code_points()
    kept = " ".join("".join(c for c in text if ord(c) in covered or c.isspace()).split())
    return kept if any(c.isalnum() for c in kept) else fallback


def social_cards(pub: Publication, settings: Settings, renditions: dict[str, Rendition]) -> list[Card]:
    """A card for each story, profile and campaign whose consent covers social sharing.

    A card shows a photo only where the page does, and never for a story told under a
    pseudonym: the pseudonym protects a face as much as a name.
    """
    def photo(image: Image | None, hidden: bool = False) -> Path | None:
        rendition = renditions.get(image.path) if image and not hidden else None
        return rendition.smallest_jpeg_covering(*PHOTO_PANEL).cache_path if rendition else None

    campaigns = {c.id: c for c in pub.campaigns}
    cards = []
    for story in pub.stories:
        if not pub.social(story.consent) or story.id in pub.previewed:
            continue
        campaign = campaigns.get(story.campaign or "")
        kicker = f"{campaign.hashtag} · {campaign.year}" if campaign else str(story.date.year)
        tellers = [pub.all_ambassadors[i].person for i in story.storytellers if i in pub.all_ambassadors]
        hidden = any(p.display is Display.PSEUDONYM for p in tellers + list(story.by))
        cards.append(Card(f"story:{story.id}", drawable(story.title, settings.site_name), drawable(kicker, ""),
                          drawable(settings.site_name, ""), story.lang, photo(story.image, hidden)))  # fmt: skip
    for person in pub.ambassadors:
        if pub.social(person.consent):
            cards.append(Card(f"ambassador:{person.id}", drawable(person.person.public_name, settings.site_name),
                              drawable(person.role, ""), drawable(settings.site_name, ""), "en",
                              photo(person.photo)))  # fmt: skip
    for campaign in pub.campaigns:
        cards.append(Card(f"campaign:{campaign.id}", drawable(campaign.title, settings.site_name),
                          drawable(f"{campaign.hashtag} · {campaign.year}", ""), drawable(settings.site_name, ""),
                          "en", photo(campaign.image)))  # fmt: skip
    return cards


def entry_extras(index: SiteIndex, story, renditions: dict[str, Rendition]) -> EntryExtras:
    """What a feed entry shows, taken from what the page shows."""
    rendition = renditions.get(story.image.path) if story.image else None
    image = rendition.largest_jpeg if rendition else None
    return EntryExtras(
        html=index.bodies.get(story.id, ""),
        authors=tuple(link.label for link in index.bylines(story)),
        image_url=image.url if image else None,
        image_size=image.size if image else None,
        image_mime=image.mime if image else None,
        image_alt=story.image.alt if story.image else None,
    )
