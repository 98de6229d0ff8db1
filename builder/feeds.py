"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each campaign, ambassador, tag and language.

Feeds are read by feed readers and by newsletter tools that mail every entry they have not seen,
so three things are held fixed here: an entry's id is the story's `id` and nothing else (a new id
means a duplicate mail), every URL is absolute (a relative one is a broken image in an inbox),
and the same publication gives the same bytes (a feed's date is its newest entry's, never the
build's). Only a `Publication` comes in, so nothing held back can reach a feed, and only
stories whose consent covers `feeds` are used.

This module does not import MkDocs: the page generator passes what it already rendered.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from html.parser import HTMLParser
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple
from urllib.parse import urljoin

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from .models import Campaign, Story
from .publish import Publication
from .settings import Settings

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "python-feedgen"
CONTENT_WARNING_LABEL = "Content warning:"
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=timezone.utc)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite", "longdesc", "xlink:href"})
SRCSET_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})
_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class FeedFile:
    """One feed document to write at `url` (site-relative)."""

    url: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class FeedLink:
    """A feed as HTML pages announce it: `<link rel="alternate">` and the Subscribe page."""

    url: str  # site-relative
    mime: str
    title: str
    scope: str  # "site" | "campaign:<id>" | "ambassador:<id>" | "tag:<tag>" | "lang:<code>"


@dataclass(frozen=True)
class EntryExtras:
    """What the page generator already knows about a story, so feeds never render or name anew."""

    html: str  # sanitized story body; links may be relative to the story page
    authors: tuple[str, ...]  # public names, already resolved by the anonymity rules
    image_url: str | None  # site-relative URL of the main image derivative
    image_size: int | None
    image_mime: str | None
    image_alt: str | None


class Format(NamedTuple):
    name: str
    filename: str
    mime: str
    label: str


RSS = Format("rss", "rss.xml", "application/rss+xml", "RSS")
ATOM = Format("atom", "atom.xml", "application/atom+xml", "Atom")
JSON_FEED = Format("json", "feed.json", "application/feed+json", "JSON Feed")
FORMATS = (RSS, ATOM, JSON_FEED)


class Language(NamedTuple):
    code: str
    english: str
    native: str
    direction: str  # "ltr", "rtl" or "auto" when the language is unknown to Babel


@dataclass(frozen=True)
class FeedPlan:
    """One feed before it is written: what it holds and where it and its HTML page live.

    Public so that the Subscribe page can describe each feed with the same words as the feed.
    """

    scope: str
    folder: str  # site-relative, ends with "/"
    page: str  # site-relative URL of the matching HTML page
    title: str
    description: str
    lang: str | None  # set only when every entry is in this language
    stories: tuple[Story, ...]  # newest first, already cut to `feed_items`

    def url(self, fmt: Format) -> str:
        return self.folder + fmt.filename


class EntryImage(NamedTuple):
    url: str  # absolute
    size: int | None
    mime: str | None
    alt: str


class Entry(NamedTuple):
    """A story as every feed format shows it, computed once however many feeds hold it."""

    id: str
    title: str
    url: str  # absolute
    date: datetime
    lang: str
    summary: str  # plain text
    html: str  # absolute URLs only, content warning first
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    image: EntryImage | None


# -- which feeds exist ---------------------------------------------------------------------------


@lru_cache(maxsize=None)
def language(code: str) -> Language:
    """Names and writing direction of a BCP 47 tag, so an Arabic feed is titled and laid out as Arabic.

    Kept per tag: every entry asks for its language, and Babel parses the tag anew each time.
    """
    try:
        locale = Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError):
        return Language(code, code, code, "auto")
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return Language(code, locale.get_display_name("en") or code, locale.get_display_name() or code, direction)


def feedable(pub: Publication) -> tuple[Story, ...]:
    """Stories any feed may hold, newest first: published, not preview-only, consent covers feeds."""
    return tuple(story for story in pub.stories if pub.in_feeds(story))


def plan_feeds(pub: Publication, settings: Settings) -> tuple[FeedPlan, ...]:
    """Every feed of the site in a fixed order: site, campaigns, ambassadors, tags, languages.

    Campaign, ambassador and tag feeds exist whenever their page does, even while empty, so
    that the feed a page announces does not appear and vanish with one story's consent.
    Language feeds have no page of their own and exist only for languages with entries.
    """
    stories = feedable(pub)
    public = tuple(story for story in pub.stories if story.id not in pub.previewed)
    cut = settings.feed_items
    name = settings.site_name
    by_campaign = _grouped(stories, lambda story: (story.campaign,))
    by_storyteller = _grouped(stories, lambda story: story.storytellers)
    by_tag = _grouped(stories, lambda story: story.tags)
    by_lang = _grouped(stories, lambda story: (story.lang,))

    def pick(groups: Mapping[object, list[Story]], key: str) -> tuple[Story, ...]:
        return tuple(groups.get(key, ())[:cut])

    plans = [FeedPlan("site", "feeds/", "", name, f"The newest stories from {name}.", None, stories[:cut])]
    for campaign in pub.campaigns:
        plans.append(FeedPlan(
            f"campaign:{campaign.id}", f"campaigns/{campaign.id}/", f"campaigns/{campaign.id}/",
            f"{campaign.title} — {name}", campaign.summary, None,
            pick(by_campaign, campaign.id),
        ))  # fmt: skip
    for ambassador in pub.ambassadors:
        person = ambassador.person.public_name
        plans.append(FeedPlan(
            f"ambassador:{ambassador.id}", f"ambassadors/{ambassador.id}/", f"ambassadors/{ambassador.id}/",
            f"{person} — {name}", f"Stories told by {person}.", None,
            pick(by_storyteller, ambassador.id),
        ))  # fmt: skip
    for tag in _ordered({tag for story in public for tag in story.tags}, settings.tags):
        plans.append(FeedPlan(
            f"tag:{tag}", f"tags/{tag}/", f"tags/{tag}/", f"Stories tagged “{tag}” — {name}",
            f"Stories from {name} tagged “{tag}”.", None, pick(by_tag, tag),
        ))  # fmt: skip
    for code in sorted({story.lang for story in stories}):
        lang = language(code)
        label = lang.english if lang.native == lang.english else f"{lang.native} ({lang.english})"
        plans.append(FeedPlan(
            f"lang:{code}", f"feeds/{code}/", "", f"{name} — {label}",
            f"Stories from {name} in {label}.", code, pick(by_lang, code),
        ))  # fmt: skip
    return tuple(plans)


def _grouped(stories: tuple[Story, ...], keys: Callable[[Story], Iterable[object]]) -> dict[object, list[Story]]:
    """The stories under each key they have, in their order: one pass over the stories for all
    the feeds of a kind, instead of one pass per feed."""
    groups: dict[object, list[Story]] = defaultdict(list)
    for story in stories:
        for key in dict.fromkeys(keys(story)):
            groups[key].append(story)
    return groups


def _ordered(tags: set[str], known: tuple[str, ...]) -> tuple[str, ...]:
    """Tags in the configured order, any others after them alphabetically."""
    return tuple(tag for tag in known if tag in tags) + tuple(sorted(tags - set(known)))


def feed_links(pub: Publication, settings: Settings) -> dict[str, tuple[FeedLink, ...]]:
    """The feeds each scope has, keyed by scope, for `<link rel="alternate">` and the Subscribe page."""
    return {
        plan.scope: tuple(
            FeedLink(plan.url(fmt), fmt.mime, f"{plan.title} ({fmt.label})", plan.scope) for fmt in FORMATS
        )
        for plan in plan_feeds(pub, settings)
    }


# -- entries -------------------------------------------------------------------------------------


def entry(story: Story, extras: EntryExtras, settings: Settings, campaigns: Mapping[str, Campaign]) -> Entry:
    """A story as feeds show it; the id is the story's id, so renames and retitles never duplicate it."""
    url = settings.absolute(story.url)
    image = None
    if extras.image_url:
        image = EntryImage(
            settings.absolute(extras.image_url), extras.image_size, extras.image_mime, extras.image_alt or ""
        )
    categories = story.tags
    campaign = campaigns.get(story.campaign or "")
    if campaign is not None and campaign.hashtag:
        categories += (campaign.hashtag,)
    return Entry(
        id=story.id, title=story.title, url=url, date=story.date, lang=story.lang,
        summary=story.summary.strip(), html=entry_html(story, extras, image, url),
        authors=extras.authors, categories=tuple(dict.fromkeys(categories)), image=image,
    )  # fmt: skip


def entry_html(story: Story, extras: EntryExtras, image: EntryImage | None, base_url: str) -> str:
    """The full story as a reader shows it: warning before anything, then the image, then the text.

    The image goes into the HTML as well as the enclosure because newsletter tools mail the
    HTML and drop enclosures. The wrapper carries `lang` and `dir` so Arabic reads right to left.
    """
    lang = language(story.lang)
    parts = [f'<div lang="{_attr(story.lang)}" dir="{lang.direction}">']
    if story.content_warning:
        label_lang = "" if lang.code.split("-")[0] == "en" else ' lang="en" dir="ltr"'
        parts.append(
            f'<p class="content-warning"><strong{label_lang}>{CONTENT_WARNING_LABEL}</strong> '
            f"{html.escape(story.content_warning, quote=False)}</p>"
        )
    if image is not None:
        parts.append(f'<figure><img src="{_attr(image.url)}" alt="{_attr(image.alt)}"></figure>')
    parts.append(absolutize(extras.html, base_url))
    parts.append("</div>")
    return "\n".join(parts)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


# -- absolute URLs in HTML -----------------------------------------------------------------------


class _Tag(NamedTuple):
    start: int
    end: int
    text: str


class _UrlTags(HTMLParser):
    """Finds start tags whose URL attributes change, so everything else is copied as written."""

    def __init__(self, source: str, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.tags: list[_Tag] = []
        self._line_starts = [0, *(match.end() for match in _NEWLINE.finditer(source))]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._rewrite(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._rewrite(tag, attrs, closed=True)

    def _rewrite(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        fixed = [(name, _absolute_attr(name, value, self.base_url)) for name, value in attrs]
        if fixed == attrs:
            return
        raw = self.get_starttag_text() or ""
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        self.tags.append(_Tag(start, start + len(raw), _start_tag(tag, fixed, closed)))


def _absolute_attr(name: str, value: str | None, base_url: str) -> str | None:
    if value is None:
        return None
    if name in URL_ATTRIBUTES:
        return urljoin(base_url, value.strip())
    if name in SRCSET_ATTRIBUTES:
        return absolutize_srcset(value, base_url)
    return value


def _start_tag(tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> str:
    parts = [tag] + [name if value is None else f'{name}="{_attr(value)}"' for name, value in attrs]
    return "<" + " ".join(parts) + (" />" if closed else ">")


def absolutize(html_text: str, base_url: str) -> str:
    """Every href, src, srcset and poster made absolute against `base_url`, the page's own URL.

    Only the start tags that change are rewritten; text, comments and other markup are copied
    unchanged, so already-sanitized HTML stays exactly as the sanitizer left it. HTML that
    never names a URL attribute cannot change, so it is not parsed.
    """
    lowered = html_text.lower()
    if not any(name in lowered for name in URL_ATTRIBUTES | SRCSET_ATTRIBUTES):
        return html_text
    tags = _plain_url_tags(html_text, lowered, base_url)
    if tags is None:
        finder = _UrlTags(html_text, base_url)
        finder.feed(html_text)
        finder.close()
        tags = finder.tags
    out, position = [], 0
    for tag in tags:
        out.append(html_text[position : tag.start])
        out.append(tag.text)
        position = tag.end
    out.append(html_text[position:])
    return "".join(out)


_NOT_PLAIN = re.compile(r"<(?:[!?]|/>|script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)")
"""Markup in which a `<` may not start a tag (comments, raw text) or that parsers read oddly."""
_URL_TAG = re.compile(
    r"<[a-zA-Z][^\s/>]*(?:[\s/]+[^\s/>\"'=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*[\s/]*>"
)
"""A whole start tag as the sanitizer writes them: quoted values may hold `>`."""
_TAG_OPEN = re.compile(r"<[a-zA-Z]")
_URL_NAME = re.compile(r"(?:href|src|srcset|imagesrcset|poster|cite|longdesc)\s*=", re.I)


def _plain_url_tags(html_text: str, lowered: str, base_url: str) -> list[_Tag] | None:
    """The start tags `_UrlTags` would rewrite, found without parsing the whole text.

    Sanitized HTML escapes every `<` that does not open a tag, so its tags can be picked out
    with one expression and only those naming a URL attribute parsed (by `_UrlTags`, so each
    result is the same): half the time of parsing every word of every story, as before.
    Markup with comments or raw-text elements, where a `<` may be text, or a tag that does not
    read as one whole tag, returns None: parse it all.
    """
    if _NOT_PLAIN.search(lowered):
        return None
    tags: list[_Tag] = []
    finder = _UrlTags("", base_url)
    seen = 0
    for match in _URL_TAG.finditer(html_text):
        seen += 1
        raw = match[0]
        if _URL_NAME.search(raw) is None:
            continue
        finder.reset()
        finder.tags, finder._line_starts = [], [0, *(m.end() for m in _NEWLINE.finditer(raw))]
        finder.feed(raw)
        finder.close()
        if len(finder.tags) > 1 or (finder.tags and (finder.tags[0].start, finder.tags[0].end) != (0, len(raw))):
            return None
        tags += (_Tag(match.start(), match.end(), tag.text) for tag in finder.tags)
    if seen != len(_TAG_OPEN.findall(html_text)):
        return None  # a start tag the expression could not read: parse it all
    return tags


def absolutize_srcset(value: str, base_url: str) -> str:
    """A `srcset` with each candidate URL made absolute; URLs end at whitespace, as in the HTML spec,
    so commas inside a URL (`data:` images) are kept."""
    candidates, position, length = [], 0, len(value)
    while True:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        if position >= length:
            break
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url, descriptor = value[start:position], ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = position
            while position < length and value[position] != ",":
                position += 1
            descriptor = value[start:position].strip()
        candidates.append(" ".join(filter(None, (urljoin(base_url, url), descriptor))))
    return ", ".join(candidates)


# -- writing -------------------------------------------------------------------------------------


def build_feeds(pub: Publication, settings: Settings, extras: Mapping[str, EntryExtras]) -> tuple[FeedFile, ...]:
    """Every feed file, RSS then Atom then JSON Feed for each plan in `plan_feeds` order.

    `extras` is keyed by story id and must hold every story that appears in a feed.
    """
    plans = plan_feeds(pub, settings)
    campaigns = {campaign.id: campaign for campaign in pub.campaigns}
    entries: dict[str, Entry] = {}
    for plan in plans:
        for story in plan.stories:
            if story.id not in entries:
                if story.id not in extras:
                    raise LookupError(f"feeds need EntryExtras for {story.path} ({story.id})")
                entries[story.id] = entry(story, extras[story.id], settings, campaigns)
    fallback = max((story.date for story in feedable(pub)), default=EMPTY_FEED_DATE)
    files = []
    for plan in plans:
        items = tuple(entries[story.id] for story in plan.stories)
        updated = max((item.date for item in items), default=fallback)
        files.append(FeedFile(plan.url(RSS), rss(plan, items, settings, updated), RSS.mime))
        files.append(FeedFile(plan.url(ATOM), atom(plan, items, settings, updated), ATOM.mime))
        files.append(FeedFile(plan.url(JSON_FEED), json_feed(plan, items, settings), JSON_FEED.mime))
    return tuple(files)


class _AtomEntry(BaseEntryExtension):
    """What feedgen 1.0 gets wrong in Atom entries: it has no per-entry `xml:lang`, and it drops
    `rel`, `type` and `length` from entry links (it reads them back from the new element), which
    turns the enclosure into a second bare alternate link. So entry links are written here."""

    def __init__(self) -> None:
        self.lang: str | None = None
        self.links: tuple[dict[str, str], ...] = ()

    def extend_atom(self, entry):  # type: ignore[no-untyped-def]
        if self.lang:
            entry.set(XML_LANG, self.lang)
        for attributes in self.links:
            xml_elem("link", entry, **attributes)
        return entry


def _generator(plan: FeedPlan, fmt: Format, settings: Settings, updated: datetime) -> FeedGenerator:
    """A feedgen feed with every default that varies between builds overridden.

    feedgen defaults `updated`/`lastBuildDate` to the current time and its generator element to
    its own version; the RSS channel `<link>` is the *last* feed link added, so self goes first.
    """
    fg = FeedGenerator()
    fg.id(settings.absolute(plan.url(fmt)))
    fg.title(plan.title)
    fg.subtitle(plan.description)
    fg.description(plan.description)
    fg.author({"name": settings.site_name})
    fg.link(href=settings.absolute(plan.url(fmt)), rel="self", type=fmt.mime)
    fg.link(href=settings.absolute(plan.page), rel="alternate", type="text/html")
    fg.generator(GENERATOR)
    fg.updated(updated)
    if plan.lang:
        fg.language(plan.lang)
    return fg


def _add(fg: FeedGenerator, item: Entry) -> FeedEntry:
    """The parts RSS and Atom share; `add_entry` must append, as feedgen prepends by default."""
    fe = fg.add_entry(order="append")
    fe.id(item.id)
    fe.title(item.title)
    fe.published(item.date)
    fe.updated(item.date)
    fe.content(item.html, type="html")
    fe.summary(html.escape(item.summary, quote=False), type="html")
    if item.categories:
        fe.category([{"term": term} for term in item.categories])
    return fe


def _enclosure(image: EntryImage | None) -> EntryImage | None:
    """The image as an enclosure only when its length and type are known, as RSS requires."""
    return image if image is not None and image.size is not None and image.mime else None


def credit(names: tuple[str, ...], lang: str) -> str:
    """Names as one credit line, joined as the language joins a list: "A, B and C"."""
    try:
        return format_list(list(names), locale=lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return format_list(list(names), locale="en")


def rss(plan: FeedPlan, items: tuple[Entry, ...], settings: Settings, updated: datetime) -> bytes:
    """RSS 2.0 with content:encoded for the story and dc:creator for authors.

    RSS `<author>` must be an email address, which storytellers do not give us; feedgen drops
    an author without one, so names go into dc:creator, which readers show as the author. Only
    one: readers (feedparser's `entry.author`, newsboat) keep the last of several, which credited
    "IMD campaign team" for Amer's story; one element naming everyone, in byline order, in the
    story's language ("Amer and IMD campaign team"), credits every storyteller.
    """
    fg = _generator(plan, RSS, settings, updated)
    fg.load_extension("dc", atom=False, rss=True)
    for item in items:
        fe = _add(fg, item)
        fe.link(href=item.url, rel="alternate")
        image = _enclosure(item.image)
        if image is not None:
            fe.enclosure(image.url, str(image.size), image.mime)
        if item.authors:
            fe.dc.dc_creator(credit(item.authors, item.lang))
        fe.dc.dc_language(item.lang)
    return fg.rss_str(pretty=True)


def atom(plan: FeedPlan, items: tuple[Entry, ...], settings: Settings, updated: datetime) -> bytes:
    """Atom 1.0: the feed-level author covers entries without one, as RFC 4287 requires."""
    fg = _generator(plan, ATOM, settings, updated)
    fg.register_extension("story", BaseExtension, _AtomEntry, atom=True, rss=False)
    for item in items:
        fe = _add(fg, item)
        if item.authors:
            fe.author([{"name": name} for name in item.authors])
        links = [{"href": item.url, "rel": "alternate", "type": "text/html", "hreflang": item.lang}]
        image = _enclosure(item.image)
        if image is not None:
            links.append({"href": image.url, "rel": "enclosure", "type": str(image.mime), "length": str(image.size)})
        fe.story.lang = item.lang
        fe.story.links = tuple(links)
    return fg.atom_str(pretty=True)


def json_feed(plan: FeedPlan, items: tuple[Entry, ...], settings: Settings) -> bytes:
    """JSON Feed 1.1, written directly (feedgen has none); keys sorted so output never shuffles, compact
    as feed readers take it."""
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": plan.title,
        "description": plan.description,
        "home_page_url": settings.absolute(plan.page),
        "feed_url": settings.absolute(plan.url(JSON_FEED)),
        "authors": [{"name": settings.site_name}],
        "items": [_json_item(item) for item in items],
    }
    if plan.lang:
        document["language"] = plan.lang
    # No `indent`: with it, `json` encodes in Python rather than C, a third of the feed time.
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def _json_item(item: Entry) -> dict[str, object]:
    data: dict[str, object] = {
        "id": item.id,
        "url": item.url,
        "title": item.title,
        "content_html": item.html,
        "summary": item.summary,
        "date_published": item.date.isoformat(),
        "language": item.lang,
    }
    if item.authors:
        data["authors"] = [{"name": name} for name in item.authors]
    if item.categories:
        data["tags"] = list(item.categories)
    if item.image is not None:
        data["image"] = item.image.url
    return data
