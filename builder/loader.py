"""Read `stories/` and `campaigns/` into the content model, collecting every problem.

Reading happens in two passes, as Pelican does: every file is read into models first, then
references between them (ambassadors, campaigns, translations) and uniqueness are checked,
so that a problem in one file never hides a problem in another.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from babel import Locale, UnknownLocaleError

from .anonymity import KeyLines, Text, anonymity_problems
from .bodies import remote_images
from .fields import PLACEHOLDERS, Fields, control_character, nearest, shown
from .files import CONTENT_MAX_BYTES, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE, Refusal, read_bounded, target, walk
from .models import Ambassador, Campaign, Consent, Content, Display, Image, Person, Problem, Scope, Story
from .render import body_headings_problem
from .settings import Settings
from .source import LineMap, SourceError, read_source

# Matched with `fullmatch`: `$` would let a trailing newline through, and `\d` or
# `str.isdigit` would take "²⁰²⁶" (superscripts) or Arabic-Indic digits for a year.
SLUG = re.compile(r"[a-z0-9-]+")
YEAR = re.compile(r"[0-9]{4}")
CAMPAIGN_DIR = re.compile(r"([0-9]{4})-[a-z0-9-]+")
LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}
COUNTRIES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
) - _NOT_COUNTRIES

STORY_KEYS = (
    "id", "title", "date", "summary", "storytellers", "by", "campaign", "tags", "origin", "place",
    "lang", "translation_of", "image", "image_alt", "content_warning", "draft", "consent",
)  # fmt: skip
CAMPAIGN_KEYS = (
    "year", "title", "hashtag", "theme", "date", "partners", "summary", "image", "image_alt",
    "returning_ambassadors", "announce",
)  # fmt: skip
AMBASSADOR_KEYS = (
    "name", "display", "minor", "guardian_consent_ref", "origin", "lives_in", "arrived", "role",
    "photo", "photo_alt", "consent",
)  # fmt: skip
PERSON_KEYS = ("name", "display", "minor", "guardian_consent_ref")
CONSENT_KEYS = ("ref", "given", "scope", "expires", "withdrawn")


@dataclass(frozen=True)
class _Ref:
    """A reference to check once everything is read."""

    kind: str
    value: str
    path: str
    line: int


class _Reader:
    def __init__(self, settings: Settings, now: datetime | None = None) -> None:
        self.settings = settings
        self.today = now.astimezone(settings.zone).date() if now else None
        self.problems: list[Problem] = []
        self.refs: list[_Ref] = []
        self.lines: dict[str, KeyLines] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.settings.root).as_posix()

    def open(self, path: Path) -> tuple[Fields, str] | None:
        try:
            source = read_source(path, self.settings.root)
        except SourceError as exc:
            self.problems.append(Problem(self.rel(path), exc.line, exc.message, exc.hint))
            return None
        control = control_character(source.body)
        if control:
            number = next(i for i, line in enumerate(source.body.splitlines()) if control_character(line))
            self.problems.append(Problem(self.rel(path), source.body_line + number,
                                         f"the text contains the invisible control character {control}",
                                         "retype the line: it was probably pasted from a document"))  # fmt: skip
        for found in remote_images(source.body):
            self.problems.append(Problem(self.rel(path), source.body_line + found.line,
                                         f"a picture from another site ({found.url[:80]}): every reader's browser "
                                         "would ask that site for it, telling it who reads this story",
                                         "download the picture, save it next to the story, and use "
                                         "![what it shows](its-file-name.jpg)"))  # fmt: skip
        h1 = body_headings_problem(source.body)
        if h1 is not None:
            self.problems.append(Problem(self.rel(path), source.body_line + h1,
                                         "a '# ' heading in the body: the title is the page's only level-1 heading",
                                         "use '## ' for sections"))  # fmt: skip
        self.lines[self.rel(path)] = KeyLines(source.meta.lines, source.body_line)
        return Fields(source.meta, self.rel(path), self.problems), source.body

    def refer(self, fields: Fields, key: str, kind: str, values: Iterable[str]) -> None:
        self.refs.extend(_Ref(kind, value, fields.path, fields.line(key)) for value in values)

    # -- shared blocks ---------------------------------------------------------------------------

    def consent(self, fields: Fields) -> Consent | None:
        block = fields.mapping("consent", required=True)
        if block is None:
            return None
        sub = Fields(block, fields.path, self.problems)
        ref, given = sub.text("ref", required=True), sub.day("given", required=True)
        scope = set()
        for item in sub.texts("scope", required=True):
            if item in set(Scope):
                scope.add(Scope(item))
            else:
                sub.problem("scope", f"unknown consent scope {shown(item)}: use web, feeds or social",
                            nearest(item, [s.value for s in Scope]))  # fmt: skip
        expires = sub.instant("expires", self.settings.zone)
        withdrawn = sub.flag("withdrawn")
        sub.unknown_keys(CONSENT_KEYS)
        if given and self.today and given > self.today and not withdrawn:
            sub.problem("given", f"consent `given` is in the future ({given.isoformat()}): nothing is published on "
                                 "consent not yet given", "write the date the consent form was signed")  # fmt: skip
        if ref is None or given is None:
            return None
        return Consent(ref, given, frozenset(scope), expires, withdrawn)

    def person(self, fields: Fields, name_key: str = "name") -> Person | None:
        name = fields.text(name_key, required=True)
        display = Display(fields.choice("display", [d.value for d in Display], Display.FULL.value))
        minor = fields.flag("minor")
        guardian = fields.text("guardian_consent_ref")
        if minor and (guardian is None or display is not Display.PSEUDONYM):
            fields.problem("minor", "a minor needs `guardian_consent_ref` and `display: pseudonym`",
                           "children are never named or pictured")  # fmt: skip
        if name is None:
            return None
        return Person(name, display, minor, guardian)

    def image(self, fields: Fields, owner: Path, key: str, alt_key: str) -> Image | None:
        ref = fields.text(key)
        alt = fields.text(alt_key, allow_empty=True)
        if ref is None:
            if fields.has(alt_key):
                fields.problem(alt_key, f"`{alt_key}` is set but there is no `{key}`")
            return None
        if alt is None:
            fields.problem(key, f"`{key}` needs `{alt_key}`: describe the picture for people who cannot see it",
                           f'{alt_key}: "" says the picture is purely decorative')  # fmt: skip
        try:
            file = target(self.settings.root, owner.parent / ref)
        except Refusal as refusal:
            if refusal.message == "not found":
                fields.problem(key, f"image file not found: {ref}", f"paths are relative to {owner.name}")
            else:
                fields.problem(key, f"image {ref} {refusal.message}", refusal.hint)
            return None
        if file.stat().st_size > IMAGE_MAX_BYTES:  # the build would refuse it: say so in check
            fields.problem(key, f"image {ref} is too large: over the {IMAGE_MAX_BYTES // 1_000_000} MB limit",
                           IMAGE_TOO_LARGE)  # fmt: skip
            return None
        return Image(file.relative_to(self.settings.root).as_posix(), alt or "")

    def countries(self, fields: Fields, key: str, codes: Iterable[str]) -> tuple[str, ...]:
        good = []
        for code in codes:
            if code.upper() in COUNTRIES:
                good.append(code.upper())
            else:
                fields.problem(key, f"unknown country code {shown(code)}: use ISO 3166-1 alpha-2, e.g. SY, GB",
                               nearest(code.upper(), COUNTRIES))  # fmt: skip
        return tuple(good)

    # -- the three kinds of content ------------------------------------------------------------------

    def story(self, path: Path) -> Story | None:
        """A story; one whose consent is withdrawn is read only as far as its tombstone needs.

        Nothing of a withdrawn story is published, so no mistake in it may stop the build that
        takes it down: least of all the surname or address that made the storyteller ask.
        """
        problems, refs = len(self.problems), len(self.refs)
        story = self._story(path)
        if story is not None and story.consent.withdrawn:
            del self.problems[problems:], self.refs[refs:]
        return story

    def _story(self, path: Path) -> Story | None:
        opened = self.open(path)
        if opened is None:
            return None
        fields, body = opened
        slug, year_dir = path.stem, path.parent.name
        if not SLUG.fullmatch(slug):
            fields.problem(None, f"bad file name {shown(path.name)}: use lowercase letters, digits and '-' only",
                           "e.g. " + re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") + ".md")  # fmt: skip
        if not (YEAR.fullmatch(year_dir) and path.parent.parent == self.settings.stories_dir):
            fields.problem(None, "stories live in stories/<year>/<slug>.md")
        fresh_id = f'id: "urn:uuid:{uuid.uuid4()}"'
        story_id = fields.text("id", required=True, hint=f"add the line {fresh_id} and never change it")
        if story_id and story_id.startswith("urn:uuid:") and not _valid_uuid(story_id[9:]):
            fields.problem("id", f"`id` is not a valid UUID: {shown(story_id)}", f"e.g. {fresh_id}")
            story_id = None
        title = fields.text("title", required=True)
        when = fields.instant("date", self.settings.zone, required=True)
        summary = fields.text("summary", required=True)
        storytellers = fields.texts("storytellers")
        self.refer(fields, "storytellers", "ambassador", storytellers)
        by = self.bylines(fields)
        if not storytellers and not by and not fields.has("by"):
            fields.problem(None, "a story needs `storytellers` (ambassador ids) or `by` (bylines)")
        campaign = fields.text("campaign")
        if campaign:
            self.refer(fields, "campaign", "campaign", [campaign])
        tags = fields.texts("tags")
        for tag in tags:
            if tag not in self.settings.tags:
                fields.problem("tags", f"unknown tag {shown(tag)}", nearest(tag, self.settings.tags)
                               or "allowed tags are listed under plugins: stories: tags in mkdocs.yml")  # fmt: skip
        origin = self.countries(fields, "origin", fields.texts("origin"))
        place = fields.place("place")
        lang = fields.text("lang") or "en"
        if not _valid_lang(lang):
            fields.problem("lang", f"unknown language tag {shown(lang)}: use BCP 47, e.g. en, ar, fr-CA")
            lang = "en"
        translation_of = fields.text("translation_of")
        if translation_of:
            self.refer(fields, "translation_of", "story", [translation_of])
        image = self.image(fields, path, "image", "image_alt")
        warning = fields.text("content_warning")
        draft = fields.flag("draft")
        consent = self.consent(fields)
        fields.unknown_keys(STORY_KEYS)
        if consent is not None and consent.withdrawn:
            return _tombstone(path, fields.path, story_id, translation_of, consent, self.settings)
        if None in (story_id, title, when, summary, consent):
            return None
        return Story(
            id=story_id, path=fields.path, slug=slug, year=int(year_dir) if YEAR.fullmatch(year_dir) else 0,
            title=title, date=when, summary=summary, consent=consent, body=body,
            storytellers=storytellers, by=by, campaign=campaign, tags=tuple(dict.fromkeys(tags)),
            origin=origin, place=place, lang=lang, translation_of=translation_of, image=image,
            content_warning=warning, draft=draft,
        )  # fmt: skip

    def bylines(self, fields: Fields) -> tuple[Person, ...]:
        value = fields.meta.get("by")
        fields.seen.add("by")
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        people = []
        for item in items:
            if isinstance(item, str) and item.strip() in PLACEHOLDERS:
                fields.problem("by", f"`by` still holds the template's placeholder {shown(item.strip())}", "write the real name")
            elif isinstance(item, str) and item.strip():
                people.append(Person(item.strip()))
            elif isinstance(item, LineMap):
                sub = Fields(item, fields.path, self.problems)
                person = self.person(sub)
                sub.unknown_keys(PERSON_KEYS)
                if person:
                    people.append(person)
            else:
                fields.problem("by", "`by` must list names, or blocks with `name:` and `display:`")
        return tuple(people)

    def campaign(self, path: Path) -> Campaign | None:
        opened = self.open(path)
        if opened is None:
            return None
        fields, body = opened
        folder = path.parent.name
        match = CAMPAIGN_DIR.fullmatch(folder)
        if not match:
            fields.problem(None, f"bad campaign folder {shown(folder)}: use <year>-<slug>, e.g. 2021-it-takes-a-community")
        year = fields.integer("year", required=True)
        if year is not None and match and int(match.group(1)) != year:
            fields.problem("year", f"`year` is {year} but the folder says {match.group(1)}")
        title = fields.text("title", required=True)
        hashtag = fields.text("hashtag", required=True)
        if hashtag and not re.fullmatch(r"#\w+", hashtag):
            fields.problem("hashtag", f"`hashtag` must look like #WeTogether, not {shown(hashtag)}")
        theme = fields.text("theme", required=True)
        day = fields.day("date", required=True)
        partners = fields.texts("partners")
        summary = fields.text("summary", required=True)
        image = self.image(fields, path, "image", "image_alt")
        returning = fields.texts("returning_ambassadors")
        self.refer(fields, "returning_ambassadors", "ambassador", returning)
        announce = fields.instant("announce", self.settings.zone)
        fields.unknown_keys(CAMPAIGN_KEYS)
        if None in (year, title, hashtag, theme, day, summary):
            return None
        if announce is None:
            announce = datetime.combine(day, time(0), tzinfo=self.settings.zone)
        return Campaign(folder, fields.path, year, title, hashtag, theme, day, partners, summary, body,
                        image, returning, announce)  # fmt: skip

    def ambassador(self, path: Path) -> Ambassador | None:
        opened = self.open(path)
        if opened is None:
            return None
        fields, body = opened
        if not SLUG.fullmatch(path.stem):
            fields.problem(None, f"bad file name {shown(path.name)}: use lowercase letters, digits and '-' only")
        person = self.person(fields)
        code = fields.text("origin", required=True)
        origin = self.countries(fields, "origin", [code] if code else [])
        lives_in = fields.place("lives_in", required=True)
        arrived = fields.integer("arrived")
        role = fields.text("role", required=True)
        photo = self.image(fields, path, "photo", "photo_alt")
        if photo and person and (person.display is Display.PSEUDONYM or person.minor):
            fields.problem("photo", "a person shown under a pseudonym or a child has no photo",
                           "remove `photo` and `photo_alt`: a face identifies as well as a name")  # fmt: skip
            photo = None
        consent = self.consent(fields)
        fields.unknown_keys(AMBASSADOR_KEYS)
        if None in (person, lives_in, role, consent) or not origin:
            return None
        return Ambassador(path.stem, fields.path, path.parent.parent.name, person, origin[0], lives_in,
                          role, consent, body, arrived, photo)  # fmt: skip


def _tombstone(path: Path, rel: str, story_id: str | None, translation_of: str | None, consent: Consent,
               settings: Settings) -> Story:  # fmt: skip
    """A withdrawn story as far as the build uses it: its address, id and translation link."""
    year = path.parent.name
    return Story(
        id=story_id or f"withdrawn:{rel}", path=rel, slug=path.stem, year=int(year) if year.isdigit() else 0,
        title="", date=datetime(1970, 1, 1, tzinfo=settings.zone), summary="", consent=consent, body="",
        translation_of=translation_of,
    )  # fmt: skip


def _valid_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _valid_lang(tag: str) -> bool:
    if not LANG.fullmatch(tag):
        return False
    try:
        Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _check_unique(reader: _Reader, items: Iterable, key, what: str) -> None:
    first: dict[str, str] = {}
    for item in items:
        value = key(item)
        if value in first:
            line = reader.lines[item.path].of("id")
            reader.problems.append(Problem(item.path, line, f"duplicate {what} {shown(value)}: also in {first[value]}"))
        else:
            first[value] = item.path


def _check_refs(reader: _Reader, content: Content) -> None:
    known = {
        "ambassador": {a.id for a in content.ambassadors},
        "campaign": {c.id for c in content.campaigns},
        "story": {s.id for s in content.stories},
    }
    for ref in reader.refs:
        if ref.value not in known[ref.kind]:
            reader.problems.append(
                Problem(ref.path, ref.line, f"unknown {ref.kind} {shown(ref.value)}", nearest(ref.value, known[ref.kind]))
            )


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Capitalised words that follow "in" or "from" without naming a town: countries, months,
    weekdays and languages, as CLDR spells them in English."""
    english = Locale("en")
    words = set(english.territories.values()) | set(english.languages.values())
    for kind in ("months", "days"):
        for width in getattr(english, kind)["format"].values():
            words |= set(width.values())
    return frozenset(words | {"The", "A", "An", "My", "Our", "Their", "His", "Her", "This", "That", "Home", "School",
                              "International", "Migrants", "Day", "Ramadan", "Eid", "Christmas"})  # fmt: skip


def site_pages(settings: Settings) -> list[Text]:
    """The hand-written pages of `site_src/`, for the anonymity guard: they are published too.

    Read the safe way; what cannot be read so is refused by `static.scan` at its path."""
    docs, theme = settings.docs_dir, settings.theme_dir
    pages = []
    for path in walk(docs, lambda name: name.endswith(".md")).files if docs.is_dir() else ():
        if not path.name.endswith(".md") or (theme is not None and path.is_relative_to(theme)):
            continue
        try:
            text = read_bounded(settings.root, path, CONTENT_MAX_BYTES).decode("utf-8")
        except (Refusal, UnicodeDecodeError):
            continue
        pages.append(Text(path.relative_to(settings.root).as_posix(), "page", text, 1, multiline=True))
    return pages
def content_files(settings: Settings, problems: list[Problem]) -> tuple[list[Path], list[Path], list[Path]]:
    """The story, campaign and profile files, found without following any link to a folder.

    Every `.md` found is returned, whatever it is (a link, a FIFO): `read_source` refuses what
    cannot be read, at the file's own path. Linked folders and folders named like content are
    problems here, since they would be skipped in silence otherwise.
    """
    def is_md(name: str) -> bool:
        return name.endswith(".md")

    def rel(path: Path) -> str:
        return path.relative_to(settings.root).as_posix()

    stories = walk(settings.stories_dir, is_md)
    campaigns = walk(settings.campaigns_dir, is_md)
    for refusal in stories.refused + campaigns.refused:
        problems.append(Problem(rel(refusal.path), 1, refusal.message, refusal.hint))
    top = settings.campaigns_dir
    campaign_files = [p for p in campaigns.files if p.name == "campaign.md" and p.parent.parent == top]
    ambassador_files = [p for p in campaigns.files
                        if is_md(p.name) and p.parent.name == "ambassadors" and p.parent.parent.parent == top]  # fmt: skip
    return [p for p in stories.files if is_md(p.name)], campaign_files, ambassador_files


def load_content(settings: Settings, now: datetime | None = None) -> tuple[Content, list[Problem]]:
    """Read every content file; return the content that could be read and all problems, sorted.

    With `now`, what can only be judged at a moment (consent given in the future) is judged too.
    """
    reader = _Reader(settings, now)
    story_files, campaign_files, ambassador_files = content_files(settings, reader.problems)
    stories = [reader.story(p) for p in story_files]
    campaigns = [reader.campaign(p) for p in campaign_files]
    ambassadors = [reader.ambassador(p) for p in ambassador_files]
    content = Content(
        stories=tuple(sorted((s for s in stories if s), key=lambda s: (s.date, s.id))),
        campaigns=tuple(sorted((c for c in campaigns if c), key=lambda c: (c.year, c.id))),
        ambassadors=tuple(a for a in ambassadors if a),
    )
    _check_unique(reader, content.stories, lambda s: s.id, "story id")
    _check_unique(reader, content.stories, lambda s: s.slug, "story slug")
    _check_unique(reader, content.ambassadors, lambda a: a.id, "ambassador id")
    _check_refs(reader, content)
    reader.problems += anonymity_problems(content, settings.regions, reader.lines, site_pages(settings), common_words())
    return content, sorted(set(reader.problems))
