"""The pages generated from content: pure functions from a `Publication` to HTML fragments.

Each page is the content area only; the theme wraps it. Facets (tags, countries, places,
years, campaigns, storytellers) are indexed once in `SiteIndex`, so every page costs time in
proportion to what it shows, never to the size of the whole site.
"""

from __future__ import annotations

import enum
import hashlib
import math
import posixpath
import re
import unicodedata
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache, partial
from typing import Callable, Iterable, Mapping, Sequence

import jinja2
import markupsafe
from babel import Locale
from babel.dates import format_date

from .i18n import translate
from .cards import CardImage
from .feeds import FORMATS, FeedLink, plan_feeds
from .models import Ambassador, Campaign, Image, Story
from .publish import Publication
from .settings import Settings

WORDS_PER_MINUTE = 200
CONTENT_SIZES = 'sizes="(min-width: 61em) 45rem, 100vw"'  # images.picture_html's default
CARD_SIZES = 'sizes="(min-width: 61em) 19rem, (min-width: 40em) 50vw, 100vw"'
PORTRAIT_SIZES = 'sizes="160px"'  # a profile's 8rem portrait (Material's rem is 20 px); smaller ones share the file
_DOT_SEGMENTS = frozenset({".", ".."})


class Kind(enum.StrEnum):
    HOME = "home"
    STORY = "story"
    STORIES = "stories"
    CAMPAIGNS = "campaigns"
    CAMPAIGN = "campaign"
    AMBASSADORS = "ambassadors"
    AMBASSADOR = "ambassador"
    FACETS = "facets"
    FACET = "facet"
    TOMBSTONE = "tombstone"
    SUBSCRIBE = "subscribe"


@dataclass(frozen=True)
class GeneratedPage:
    url: str  # site-relative directory URL: "" for home, "stories/2021/x/"
    kind: Kind
    title: str
    html: str
    description: str = ""
    lang: str = "en"
    robots: str = ""
    updated: str = ""  # the sitemap's lastmod: content dates only, so rebuilds change nothing
    card: CardImage | None = None  # the social card, only where consent covers social sharing
    card_alt: str = ""
    feeds: tuple[FeedLink, ...] = ()  # the feeds this page announces with <link rel="alternate">

    @property
    def src_uri(self) -> str:
        return self.url + "index.md"

    @property
    def direction(self) -> str:
        return text_direction(self.lang)


PagePlan = tuple[str, Callable[[], "GeneratedPage"]]  # a page's URL and the function that renders it


@dataclass(frozen=True)
class Link:
    label: str
    url: str | None  # site-relative; None for plain text


@lru_cache(maxsize=None)
def text_direction(lang: str) -> str:
    return "rtl" if Locale.parse(lang.replace("-", "_")).character_order == "right-to-left" else "ltr"


def relative_url(from_url: str, to_url: str) -> str:
    """A link from one directory URL to another, so the site works under any base path."""
    return links_from(from_url)(to_url)


def links_from(from_url: str) -> Callable[[str], str]:
    """`relative_url` from one page to any target, the page's URL split once for all its links.

    Computed from path segments rather than with `posixpath.relpath`, which normalizes both
    paths through the file system helpers and took a tenth of the page generation time; URLs
    with `.` or `..` segments still go through `relpath`, so every result is the same.
    """
    start = [part for part in from_url.split("/") if part]
    plain = _DOT_SEGMENTS.isdisjoint(start)

    def link(to_url: str) -> str:
        path = [part for part in to_url.split("/") if part]
        if plain and _DOT_SEGMENTS.isdisjoint(path):
            common = 0
            for mine, theirs in zip(start, path):
                if mine != theirs:
                    break
                common += 1
            rel = "/".join([".."] * (len(start) - common) + path[common:]) or "."
        else:
            rel = posixpath.relpath("/" + to_url, "/" + from_url.rstrip("/") if from_url else "/")
        if to_url.endswith("/") or to_url == "":
            rel = "./" if rel == "." else rel + "/"
        return rel

    return link


SLUG_MAX = 60


def slugify(text: str) -> str:
    """A URL folder for a value; at most `SLUG_MAX` characters, so no file name is too long."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug or len(slug) > SLUG_MAX:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        slug = (slug[: SLUG_MAX - 9].rstrip("-") + "-" + digest) if slug else "place-" + digest
    return slug


@lru_cache(maxsize=4096)
def reading_minutes(markdown_text: str) -> int:
    """Kept per text: a story's card shows it on each of the ~six lists it is in, and splitting a
    700-word body each time was a tenth of the page generation time."""
    return max(1, math.ceil(len(markdown_text.split()) / WORDS_PER_MINUTE))


@lru_cache(maxsize=None)
def language_name(lang: str) -> str:
    """A language's name in that language, as a translation link should say it."""
    name = Locale.parse(lang.replace("-", "_")).display_name or lang
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=None)
def country_name(code: str, lang: str = "en") -> str:
    locale = Locale.parse(lang.replace("-", "_"))
    return locale.territories.get(code) or Locale("en").territories.get(code, code)


@dataclass(frozen=True)
class Facet:
    """One axis of browsing: tags, countries, places or years."""

    key: str  # URL folder: "tags"
    title: str
    intro: str
    label: Callable[[str], str]
    values: Callable[[Story], Iterable[str]]
    slug: Callable[[str], str] = str


FACETS = (
    Facet("tags", "Themes", "Stories by theme.", lambda t: t.replace("-", " ").capitalize(), lambda s: s.tags),
    Facet("countries", "Countries of origin", "Stories by the storyteller's country of origin.",
          country_name, lambda s: s.origin, str.lower),
    Facet("places", "Places", "Stories by the town, city or region they happened in.",
          str, lambda s: [s.place] if s.place else [], slugify),
    Facet("years", "Years", "Stories by the year they were published.",
          str, lambda s: [str(s.date.year)]),
)  # fmt: skip


@dataclass
class SiteIndex:
    """Lookups computed once per build and shared by every page."""

    pub: Publication
    settings: Settings
    bodies: Mapping[str, str]  # story id -> sanitized HTML
    pictures: Callable[[str, str, Callable[[str], str], bool], str] | None = None
    feeds: Mapping[str, tuple[FeedLink, ...]] = field(default_factory=dict)
    cards: Mapping[str, CardImage] = field(default_factory=dict)
    facet_stories: dict[str, dict[str, list[Story]]] = field(init=False)

    def __post_init__(self) -> None:
        self.facet_stories = {}
        for facet in FACETS:
            groups: dict[str, list[Story]] = defaultdict(list)
            for story in self.pub.stories:
                for value in facet.values(story):
                    groups[value].append(story)
            self.facet_stories[facet.key] = dict(sorted(groups.items()))

    @cached_property
    def campaigns(self) -> dict[str, Campaign]:
        return {c.id: c for c in self.pub.campaigns}

    @cached_property
    def stories_by_id(self) -> dict[str, Story]:
        return {s.id: s for s in self.pub.stories}

    @cached_property
    def by_campaign(self) -> dict[str, list[Story]]:
        groups: dict[str, list[Story]] = defaultdict(list)
        for story in self.pub.stories:
            if story.campaign:
                groups[story.campaign].append(story)
        return groups

    @cached_property
    def by_storyteller(self) -> dict[str, list[Story]]:
        groups: dict[str, list[Story]] = defaultdict(list)
        for story in self.pub.stories:
            for ambassador_id in story.storytellers:
                groups[ambassador_id].append(story)
        return groups

    @cached_property
    def ambassadors_by_campaign(self) -> dict[str, list[Ambassador]]:
        groups: dict[str, list[Ambassador]] = defaultdict(list)
        profiles = {a.id: a for a in self.pub.ambassadors}
        for ambassador in self.pub.ambassadors:
            groups[ambassador.campaign].append(ambassador)
        for campaign in self.pub.campaigns:
            groups[campaign.id].extend(profiles[i] for i in campaign.returning_ambassadors if i in profiles)
        return {key: sorted(value, key=lambda a: a.person.public_name) for key, value in groups.items()}

    @cached_property
    def campaigns_of(self) -> dict[str, list[Campaign]]:
        result: dict[str, list[Campaign]] = defaultdict(list)
        for campaign_id, people in self.ambassadors_by_campaign.items():
            for person in people:
                if campaign_id in self.campaigns:
                    result[person.id].append(self.campaigns[campaign_id])
        return result

    @cached_property
    def translations(self) -> dict[str, list[Story]]:
        """Each story's other language versions, both ways round."""
        family: dict[str, list[Story]] = defaultdict(list)
        for story in self.pub.stories:
            family[story.translation_of or story.id].append(story)
        result: dict[str, list[Story]] = {}
        for members in family.values():
            for story in members:
                result[story.id] = [s for s in members if s.id != story.id]
        return result

    @cached_property
    def _positions(self) -> dict[str, dict[str, int]]:
        """For each facet list, where each story stands in it (lists are newest first)."""
        return {
            f"{key}:{value}": {s.id: i for i, s in enumerate(stories)}
            for key, groups in {**self.facet_stories, "campaigns": self.by_campaign}.items()
            if key != "years"
            for value, stories in groups.items()
        }

    def related(self, story: Story, count: int = 3, window: int = 24) -> list[Story]:
        """Up to `count` stories that share the most with this one, never a translation of it.

        Candidates are the `window` stories nearest in time in each list the story is in, so
        the cost per story stays bounded however large a tag becomes. Ranking is deterministic:
        shared tags, campaign, origin and place, then nearness in time, then id.
        """
        keys = [("tags", t, 3) for t in story.tags] + [("countries", o, 2) for o in story.origin]
        keys += [("places", story.place, 2)] if story.place else []
        keys += [("campaigns", story.campaign, 2)] if story.campaign else []
        scores: dict[str, int] = defaultdict(int)
        excluded = {story.id} | {s.id for s in self.translations.get(story.id, [])}
        for key, value, weight in keys:
            group = self.by_campaign[value] if key == "campaigns" else self.facet_stories[key].get(value, [])
            position = self._positions[f"{key}:{value}"][story.id]
            for other in group[max(0, position - window // 2) : position + window // 2 + 1]:
                if other.id not in excluded:
                    scores[other.id] += weight
        distance = lambda other_id: abs((self.stories_by_id[other_id].date - story.date).total_seconds())  # noqa: E731
        ranked = sorted(_top_scored(scores, count), key=lambda i: (-scores[i], distance(i), i))
        return [self.stories_by_id[i] for i in ranked[:count]]

    @cached_property
    def families(self) -> dict[str, list[Story]]:
        """Each story's language versions, itself included, keyed by story id."""
        return {s.id: [s, *self.translations.get(s.id, [])] for s in self.pub.stories}

    def one_per_family(self, stories: Iterable[Story], lang: str) -> list[Story]:
        """One language version of each story, in the order given: the one in `lang` if there
        is one, else the first given; a story and its translation never sit side by side."""
        seen: set[str] = set()
        chosen = []
        for story in stories:
            family = self.families.get(story.id, [story])
            key = min(s.id for s in family)
            if key in seen:
                continue
            seen.add(key)
            chosen.append(next((s for s in family if s.lang == lang), story))
        return chosen

    def bylines(self, story: Story) -> list[Link]:
        links = []
        for ambassador_id in story.storytellers:
            person = self.pub.all_ambassadors.get(ambassador_id)
            if person is None:
                continue
            url = f"ambassadors/{person.id}/" if self.pub.profile(person.id) else None
            links.append(Link(person.person.public_name, url))
        links.extend(Link(p.public_name, None) for p in story.by)
        return links

    def current_campaign(self) -> Campaign | None:
        """The next campaign still to come, or else the latest one."""
        upcoming = [c for c in self.pub.campaigns if c.date >= self.pub.now.date()]
        return min(upcoming, key=lambda c: c.date) if upcoming else next(iter(self.pub.campaigns), None)


def _top_scored(scores: Mapping[str, int], count: int) -> list[str]:
    """The keys scoring at least the `count`-th best score: only they can rank in the first
    `count`, so the tie-breaks, which cost more than the scores, are worked out for them alone."""
    if len(scores) <= count:
        return list(scores)
    floor = sorted(scores.values(), reverse=True)[count - 1]
    return [key for key, score in scores.items() if score >= floor]


def page_window(number: int, count: int, around: int = 2) -> tuple[int | None, ...]:
    """The page numbers a list's page `number` links to: the first, the last and `around` either
    side of itself, with `None` for each gap ("1 … 5 6 7 8 9 … 484").

    Linking every page from every page put 484 links on each page of "All stories" at 10,000
    stories: a wall of links to tab through and read out, and bytes that grew as n². A gap of
    one page shows that page instead, since an ellipsis would take the same room.
    """
    shown = sorted({1, count, *range(max(1, number - around), min(count, number + around) + 1)})
    window: list[int | None] = []
    previous = 0
    for page in shown:
        if page - previous == 2:
            window.append(page - 1)
        elif page - previous > 2:
            window.append(None)
        window.append(page)
        previous = page
    return tuple(window)


_RENDERER: ContextVar[Renderer] = ContextVar("renderer")


@lru_cache(maxsize=1)
def template_bytecode() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds, as Python keeps `.pyc` files.

    Compiling this package's and the theme's templates took 0.2-0.3 s of every build. Jinja's
    own per-user folder in the temporary directory is used (created 0700, refused if another
    user owns it), never `.cache/`, which CI restores and which must never hold code; a template
    whose source changed is compiled again (the entry is keyed by its checksum).
    """
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no usable temporary folder: compile as before
        return None


@lru_cache(maxsize=4)
def _environment(locale: str) -> jinja2.Environment:
    """The templates, compiled once per process (and site locale) and shared by every build's `Renderer`.

    Compiling them took a second, which the preview would pay on every save; the helpers that
    need the page's renderer (`teaser`, `card_picture`, `days_until`) reach it through a context
    variable, so no state is shared between builds.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("builder", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        bytecode_cache=template_bytecode(),
    )
    env.globals.update(
        FACETS={f.key: f for f in FACETS}, country_name=country_name, language_name=language_name,
        reading_minutes=reading_minutes, text_direction=text_direction, FORMATS=FORMATS, t=translate,
        teaser=lambda *args, **kwargs: _RENDERER.get().teaser(*args, **kwargs),
        card_picture=lambda *args, **kwargs: _RENDERER.get().card_picture(*args, **kwargs),
        days_until=lambda day: _RENDERER.get().days_until(day),
        site_lang=locale.split("-")[0], tint=tint,
    )  # fmt: skip
    env.filters["day"] = lambda moment, lang=locale: _format_day(moment, site_or(lang, locale))
    return env


class Renderer:
    """Jinja templates compiled once; one method per kind of page.

    The templates are package files that do not change during a build, so Jinja is told not to
    check them on disk (`auto_reload=False`): that check cost a `stat` per page and per import.
    """

    def __init__(self, index: SiteIndex) -> None:
        self.index = index
        self.env = _environment(index.settings.locale)
        macros = self.env.get_template("_macros.html").module
        self._story_card = macros.story_card
        self._teasers: dict[tuple[str, str, int], markupsafe.Markup] = {}

    def teaser(self, story: Story, href: str, level: int, url: Callable[[str], str]) -> markupsafe.Markup:
        """A story's card in a list, rendered once per link and heading level in a build.

        A story appears in about ten lists (all stories, home, campaign, storyteller, each
        facet, related stories), and most of them link to it with the same relative URL. Two
        pages with the same relative link to a story sit at the same depth, so the card's
        picture links (`url`) are the same too.
        """
        key = (story.id, href, level)
        card = self._teasers.get(key)
        if card is None:
            card = self._teasers[key] = self._story_card(story, href, self.index, level, url)
        return card

    def card_picture(self, image: Image | None, url: Callable[[str], str], portrait: bool = False) -> markupsafe.Markup | None:
        """A card's picture: decorative (the card's title says what it is), lazy, card-sized;
        `portrait`: the small round portrait of a person's card."""
        if image is None or self.index.pictures is None:
            return None
        html = self.index.pictures(image.path, "", url, False)
        return markupsafe.Markup(html.replace(CONTENT_SIZES, PORTRAIT_SIZES if portrait else CARD_SIZES))

    def days_until(self, day) -> int:
        """Whole days from the build's clock (in the site's time zone) to `day`."""
        return (day - self.index.pub.now.astimezone(self.index.settings.zone).date()).days

    def page(self, url: str, kind: Kind, title: str, template: str, **context) -> GeneratedPage:
        keys = ("description", "lang", "robots", "updated", "card", "card_alt")
        meta = {k: context.pop(k) for k in keys if k in context}
        scope = ("site",) + context.pop("scope", ())
        feeds = tuple(link for key in scope for link in self.index.feeds.get(key, ()))
        token = _RENDERER.set(self)
        try:
            html = self.env.get_template(template).render(
                url=links_from(url), ix=self.index, title=title, **context
            )
        finally:
            _RENDERER.reset(token)
        return GeneratedPage(url, kind, title, html, feeds=feeds, **meta)

    def picture(self, image: Image | None, page_url: str) -> str | None:
        """A page's main picture, its links relative to the page."""
        if image is None or self.index.pictures is None:
            return None
        return self.index.pictures(image.path, image.alt, links_from(page_url), True)

    def story(self, story: Story) -> GeneratedPage:
        ix = self.index
        campaign = ix.campaigns.get(story.campaign or "")
        picture = self.picture(story.image, story.url)
        scope = ("campaign:" + campaign.id,) if campaign else ()
        return self.page(
            story.url, Kind.STORY, story.title, "story.html",
            story=story, campaign=campaign, body=ix.bodies.get(story.id, ""), picture=picture,
            bylines=ix.bylines(story), translations=ix.translations.get(story.id, []),
            portraits=[self.card_picture(p.photo, links_from(story.url), portrait=True)
                       for p in (ix.pub.profile(i) for i in story.storytellers) if p and p.photo],
            related=ix.one_per_family(ix.related(story, count=6), story.lang)[:3],
            share=ix.settings.absolute(story.url) if ix.pub.social(story.consent) else None,
            preview=story.id in ix.pub.previewed,
            description=story.summary, lang=story.lang, scope=scope, updated=story.date.date().isoformat(),
            card=ix.cards.get(f"story:{story.id}"),
            card_alt=f"{story.title} ({campaign.hashtag if campaign else story.date.year}), {ix.settings.site_name}",
        )  # fmt: skip

    def story_list(self, base: str, kind: Kind, title: str, stories: Sequence[Story], intro: str = "",
                   scope: tuple[str, ...] = ()) -> list[GeneratedPage]:  # fmt: skip
        """A list of stories, split into pages of `per_page`: base/, base/page/2/, ..."""
        return [make() for _, make in self.story_list_plan(base, kind, title, stories, intro, scope)]

    def story_list_plan(self, base: str, kind: Kind, title: str, stories: Sequence[Story], intro: str = "",
                        scope: tuple[str, ...] = ()) -> list[PagePlan]:  # fmt: skip
        per_page = self.index.settings.per_page
        count = max(1, math.ceil(len(stories) / per_page))
        urls = [base] + [f"{base}page/{n}/" for n in range(2, count + 1)]

        def make(number: int, url: str) -> GeneratedPage:
            chunk = stories[(number - 1) * per_page : number * per_page]
            page_title = title if number == 1 else f"{title} (page {number} of {count})"
            return self.page(
                url, kind, page_title, "story_list.html", stories=chunk, intro=intro, total=len(stories),
                pagination={"number": number, "count": count, "urls": urls, "window": page_window(number, count)},
                scope=scope, description=intro or title,
            )  # fmt: skip

        return [(url, partial(make, number, url)) for number, url in enumerate(urls, start=1)]

    def facet_pages(self, facet: Facet) -> list[GeneratedPage]:
        return [make() for _, make in self.facet_plan(facet)]

    def facet_plan(self, facet: Facet) -> list[PagePlan]:
        groups = self.index.facet_stories[facet.key]
        entries = [(facet.label(v), f"{facet.key}/{facet.slug(v)}/", len(s)) for v, s in groups.items()]
        plan: list[PagePlan] = [(f"{facet.key}/", lambda: self.page(
            f"{facet.key}/", Kind.FACETS, facet.title, "facets.html", entries=entries, intro=facet.intro,
            description=facet.intro, facet_key=facet.key))]  # fmt: skip
        for value, stories in groups.items():
            scope = ("tag:" + value,) if facet.key == "tags" else ()
            plan += self.story_list_plan(f"{facet.key}/{facet.slug(value)}/", Kind.FACET,
                                         f"{facet.title}: {facet.label(value)}", stories, scope=scope)  # fmt: skip
        return plan

    def campaign(self, campaign: Campaign, body: str) -> GeneratedPage:
        ix = self.index
        url = f"campaigns/{campaign.id}/"
        banner = self.picture(campaign.image, url)
        return self.page(
            url, Kind.CAMPAIGN, f"{campaign.title} {campaign.hashtag}", "campaign.html",
            campaign=campaign, body=body, banner=banner,
            stories=ix.one_per_family(ix.by_campaign.get(campaign.id, []), ix.settings.locale.split("-")[0]),
            ambassadors=ix.ambassadors_by_campaign.get(campaign.id, []),
            description=campaign.summary, scope=("campaign:" + campaign.id,),
            card=ix.cards.get(f"campaign:{campaign.id}"),
            card_alt=f"{campaign.title} {campaign.hashtag} {campaign.year}, {ix.settings.site_name}",
        )  # fmt: skip

    def ambassador(self, ambassador: Ambassador, body: str) -> GeneratedPage:
        ix = self.index
        url = f"ambassadors/{ambassador.id}/"
        photo = self.picture(ambassador.photo, url)
        photo = photo.replace(CONTENT_SIZES, PORTRAIT_SIZES) if photo else None
        return self.page(
            url, Kind.AMBASSADOR, ambassador.person.public_name, "ambassador.html",
            person=ambassador, body=body, photo=photo, stories=ix.by_storyteller.get(ambassador.id, []),
            campaigns=ix.campaigns_of.get(ambassador.id, []),
            description=f"{ambassador.person.public_name}: {ambassador.role}",
            scope=("ambassador:" + ambassador.id,),
            card=ix.cards.get(f"ambassador:{ambassador.id}"),
            card_alt=f"{ambassador.person.public_name}, {ambassador.role}, {ix.settings.site_name}",
        )  # fmt: skip


def tint(text: str) -> int:
    """One of four tints for a picture's stand-in, the same for the same theme or person on every page."""
    return sum(map(ord, str(text))) % 4


def site_or(lang: str, locale: str) -> str:
    """The locale dates are written in: the site's (`en-GB`) for pages in its language, else the page's."""
    return locale if lang.split("-")[0] == locale.split("-")[0] else lang


def _format_day(moment: datetime, lang: str = "en") -> str:
    return _format_date(moment.date() if isinstance(moment, datetime) else moment, lang)


@lru_cache(maxsize=4096)
def _format_date(day, lang: str) -> str:
    return format_date(day, format="long", locale=lang.replace("-", "_"))


def feed_groups(pub: Publication, settings: Settings) -> list[tuple[str, str, list]]:
    """The feeds, grouped for the Subscribe page."""
    plans = plan_feeds(pub, settings)
    groups = (("site", "The whole site"), ("lang", "By language"), ("campaign", "By campaign"),
              ("tag", "By theme"), ("ambassador", "By ambassador"))  # fmt: skip
    return [(key, heading, [p for p in plans if p.scope.split(":")[0] == key]) for key, heading in groups]


def generate_pages(index: SiteIndex, markdown_to_html: Callable[[str], str]) -> list[GeneratedPage]:
    """Every generated page of the site, in a stable order."""
    return [make() for _, make in plan_pages(index, markdown_to_html)]


def plan_pages(index: SiteIndex, markdown_to_html: Callable[[str], str]) -> list[PagePlan]:
    """Every generated page's URL with the function that renders it, in the build's order.

    The build renders them all; the preview renders a page only when it is asked for, which is
    how a save at 10,000 stories costs one page rather than the site.
    """
    pub, settings = index.pub, index.settings
    r = Renderer(index)

    def home() -> GeneratedPage:
        latest = index.one_per_family(pub.stories[:12], settings.locale.split("-")[0])[:6]
        campaign = index.current_campaign()
        return r.page("", Kind.HOME, settings.site_name, "home.html", stories=latest, campaign=campaign,
                      banner=r.picture(campaign.image, "") if campaign else None,
                      ambassadors=index.ambassadors_by_campaign.get(campaign.id, [])[:8] if campaign else [],
                      description=f"{settings.site_name}: stories told by migrants, refugees and people seeking asylum.")  # fmt: skip

    plan: list[PagePlan] = [("", home)]
    plan += r.story_list_plan("stories/", Kind.STORIES, "All stories", pub.stories,
                              intro="Every story, newest first.")  # fmt: skip
    plan += [(s.url, partial(r.story, s)) for s in pub.stories]
    plan.append(("campaigns/", lambda: r.page("campaigns/", Kind.CAMPAIGNS, "Campaigns", "campaigns.html",
                 description="International Migrants' Day campaigns, year by year.")))  # fmt: skip
    plan += [(f"campaigns/{c.id}/", partial(lambda c: r.campaign(c, markdown_to_html(c.body)), c))
             for c in pub.campaigns]  # fmt: skip
    plan.append(("ambassadors/", lambda: r.page("ambassadors/", Kind.AMBASSADORS, "Ambassadors", "ambassadors.html",
                 description="The people who tell their stories for each campaign.")))  # fmt: skip
    plan += [(f"ambassadors/{a.id}/", partial(lambda a: r.ambassador(a, markdown_to_html(a.body)), a))
             for a in pub.ambassadors]  # fmt: skip
    for facet in FACETS:
        plan += r.facet_plan(facet)
    plan.append(("subscribe/", lambda: r.page(
        "subscribe/", Kind.SUBSCRIBE, "Subscribe", "subscribe.html", groups=feed_groups(pub, settings),
        description=f"Follow {settings.site_name} in a feed reader: RSS, Atom and JSON Feed.")))  # fmt: skip
    plan += [(url, partial(lambda url: r.page(url, Kind.TOMBSTONE, "Story withdrawn", "tombstone.html",
              robots="noindex", description="This story was withdrawn."), url))
             for s in pub.tombstones for url in (s.url, *s.aliases)]  # fmt: skip  # the notice at old addresses too
    return plan
