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

from .aliases import moved_problems, read_manifest
from .aliases import normalise as normalise_alias
from .anonymity import KeyLines, Text, anonymity_problems
from .bodies import remote_images
from .fields import PLACEHOLDERS, Fields, control_character, nearest, shown
from .files import CONTENT_MAX_BYTES, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE, Refusal, read_bounded, target, walk
from .images import header_problem
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
CANONICAL_ID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}
COUNTRIES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
) - _NOT_COUNTRIES

STORY_KEYS = (
    "id", "title", "date", "summary", "storytellers", "by", "campaign", "tags", "origin", "place",
    "lang", "translation_of", "image", "image_alt", "content_warning", "draft", "consent", "aliases",
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
        unusable = header_problem(file, self.settings.max_megapixels * 1_000_000)
        if unusable:  # what the build would refuse, found from the header at this line
            fields.problem(key, f"image {ref}: {unusable}", "use a JPEG, PNG or HEIC photo, at most "
                           f"{self.settings.max_megapixels} megapixels (a phone photo is 12-48)")  # fmt: skip
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
        if story_id:
            story_id = self.story_id(fields, story_id, fresh_id)
        title = fields.text("title", required=True)
        when = fields.instant("date", self.settings.zone, required=True)
        if when and YEAR.fullmatch(year_dir) and when.astimezone(self.settings.zone).year != int(year_dir):
            year = when.astimezone(self.settings.zone).year
            fields.problem("date", f"`date` is in {year} but the file is in the folder stories/{year_dir}/",
                           f"move the file to stories/{year}/ (and list its old address under `aliases` if it "
                           "was published), or correct the date")  # fmt: skip
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
        aliases = []
        for value in fields.texts("aliases"):
            alias = normalise_alias(value, self.settings)
            if alias is None:
                fields.problem("aliases", f"`aliases` holds {value!r}, which is not an address on this site",
                               'write the old address, e.g. "stories/2020/old-name/"')  # fmt: skip
            elif alias == f"stories/{year_dir}/{slug}/":
                fields.problem("aliases", f"`aliases` holds the story's own address {alias!r}", "remove it")
            else:
                aliases.append(alias)
        consent = self.consent(fields)
        if not body.strip() and not (consent and consent.withdrawn):  # a withdrawal blanks the text
            self.problems.append(Problem(fields.path, self.lines[fields.path].body, "the story has no text",
                                         "write the story below the closing '---' line"))  # fmt: skip
        fields.unknown_keys(STORY_KEYS)
        if consent is not None and consent.withdrawn:
            return _tombstone(path, fields.path, story_id, translation_of, consent, self.settings, tuple(dict.fromkeys(aliases)))
        if None in (story_id, title, when, summary, consent):
            return None
        return Story(
            id=story_id, path=fields.path, slug=slug, year=int(year_dir) if YEAR.fullmatch(year_dir) else 0,
            title=title, date=when, summary=summary, consent=consent, body=body,
            storytellers=storytellers, by=by, campaign=campaign, tags=tuple(dict.fromkeys(tags)),
            origin=origin, place=place, lang=lang, translation_of=translation_of, image=image,
            content_warning=warning, draft=draft, aliases=tuple(dict.fromkeys(aliases)),
        )  # fmt: skip

    def story_id(self, fields: Fields, story_id: str, fresh_id: str) -> str | None:
        """The id as feeds need it: `urn:uuid:` and an RFC 4122 UUID in lower case, exactly.

        A reader tells entries apart by the id's exact text, so a different spelling of the
        same UUID is refused with the one spelling to use, never rewritten behind the file's back.
        """
        if CANONICAL_ID.fullmatch(story_id) and uuid.UUID(story_id[9:]).variant == uuid.RFC_4122:
            return story_id
        try:
            parsed = uuid.UUID(story_id.removeprefix("urn:uuid:"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.variant == uuid.RFC_4122:
            fields.problem("id", f"`id` must be written `urn:uuid:` and the UUID in lower case, with no braces: "
                                 f"{shown(story_id)}", f'write id: "{parsed.urn}"')  # fmt: skip
        else:
            fields.problem("id", f"`id` is not `urn:uuid:` and a valid UUID: {shown(story_id)}",
                           f"a new story can take {fresh_id}; a published story keeps its id")  # fmt: skip
        return None

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
                people.append(Person(item.strip()))  # kept for the preview; the problem stops the build
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
        origin = self.countries(fields, "origin", [code] if code and code not in PLACEHOLDERS else [])
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
               settings: Settings, aliases: tuple[str, ...] = ()) -> Story:  # fmt: skip
    """A withdrawn story as far as the build uses it: its address, id, translation link and old
    addresses (where its notice stands too, so an old link does not lead back to a copy)."""
    year = path.parent.name
    return Story(
        id=story_id or f"withdrawn:{rel}", path=rel, slug=path.stem, year=int(year) if YEAR.fullmatch(year) else 0,
        title="", date=datetime(1970, 1, 1, tzinfo=settings.zone), summary="", consent=consent, body="",
        translation_of=translation_of, aliases=aliases,
    )  # fmt: skip


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


def _check_addresses(reader: _Reader, content: Content) -> None:
    """Every address belongs to one story; none that a story was published at is left behind."""
    owner = {s.url: s.path for s in content.stories}
    for story in content.stories:
        for alias in story.aliases:
            if alias in owner and owner[alias] != story.path:
                line = reader.lines[story.path].of("aliases")
                reader.problems.append(Problem(story.path, line, f"the alias {alias!r} is also the address of {owner[alias]}",
                                               "an old address can lead to one story only"))  # fmt: skip
            else:
                owner[alias] = story.path

    def line_of(story: Story) -> int:
        at = reader.lines[story.path]
        return at.of("aliases") if "aliases" in at.keys else at.of("id")

    reader.problems += moved_problems(content.stories, read_manifest(reader.settings.root), line_of)


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


@dataclass(frozen=True)
class FileRead:
    """One file read on its own: what came of it, its own problems, and what it refers to."""

    kind: str  # "story" | "campaign" | "ambassador"
    stamp: tuple[int, int]  # (mtime_ns, size) when read: a file with the same stamp is not read again
    item: Story | Campaign | Ambassador | None
    problems: tuple[Problem, ...]
    refs: tuple[_Ref, ...]
    lines: KeyLines | None


def content_files(settings: Settings, problems: list[Problem]) -> list[tuple[str, Path]]:
    """Every content file with its kind, in the order the loader reads them, found without
    following any link to a folder.

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
    files = [("story", p) for p in sorted(stories.files) if is_md(p.name)]
    files += [("campaign", p) for p in sorted(campaigns.files) if p.name == "campaign.md" and p.parent.parent == top]
    files += [("ambassador", p) for p in sorted(campaigns.files)
              if is_md(p.name) and p.parent.name == "ambassadors" and p.parent.parent.parent == top]  # fmt: skip
    return files


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (0, -1)
    return (info.st_mtime_ns, info.st_size)


def read_file(settings: Settings, kind: str, path: Path, now: datetime | None = None) -> FileRead:
    """One content file read and checked on its own; with `now`, consent given in the future is refused."""
    stamp = _stamp(path)
    reader = _Reader(settings, now)
    item = getattr(reader, kind)(path)
    rel = reader.rel(path)
    return FileRead(kind, stamp, item, tuple(reader.problems), tuple(reader.refs), reader.lines.get(rel))


def _story_order(story: Story) -> tuple[float, str]:
    """(date, id) order; by timestamp, as comparing zoned datetimes costs a zone lookup each time."""
    return (story.date.timestamp(), story.id)


def content_kind(settings: Settings, path: Path) -> str | None:
    """Which kind of content file `path` is, by where it sits, as `content_files` finds them."""
    try:
        parts = path.relative_to(settings.campaigns_dir).parts
    except ValueError:
        parts = ()
    if len(parts) == 2 and parts[1] == "campaign.md":
        return "campaign"
    if len(parts) == 3 and parts[1] == "ambassadors" and parts[2].endswith(".md"):
        return "ambassador"
    if path.suffix == ".md" and path.is_relative_to(settings.stories_dir):
        return "story"
    return None


_KIND_ORDER = {"story": 0, "campaign": 1, "ambassador": 2}


def read_files(
    settings: Settings, cache: dict[str, FileRead] | None = None, changed: Iterable[Path] | None = None,
    now: datetime | None = None,
) -> dict[str, FileRead]:
    """Every content file read, reusing `cache` for files whose stamp has not changed.

    The preview keeps the cache between saves, so a save re-reads only the files it touched;
    the cache is updated in place (files gone from disk are dropped from it). With `changed`
    (the paths the file watcher saw change) only those are looked at: no scan of 10,000 files.
    """
    if cache and changed is not None:
        reads = dict(cache)
        known = len(reads)
        for path in changed:
            kind = content_kind(settings, path)
            rel = path.relative_to(settings.root).as_posix() if path.is_relative_to(settings.root) else ""
            if kind is None or not (path.is_file() or path.is_symlink()):
                reads.pop(rel, None)
            else:
                reads[rel] = read_file(settings, kind, path, now)
        if len(reads) != known or not all(rel in cache for rel in reads):  # a file came or went
            reads = dict(sorted(reads.items(), key=lambda item: (_KIND_ORDER[item[1].kind], item[0].split("/"))))
    else:
        reads = {}
        refused: list[Problem] = []
        for kind, path in content_files(settings, refused):
            rel = path.relative_to(settings.root).as_posix()
            known = cache.get(rel) if cache is not None else None
            if known is not None and known.kind == kind and known.stamp == _stamp(path) and known.stamp[1] >= 0:
                reads[rel] = known
            else:
                reads[rel] = read_file(settings, kind, path, now)
        for problem in refused:  # a linked or misnamed folder: reported as if a file of its own
            reads[f"{problem.path}/"] = FileRead("story", (0, -1), None, (problem,), (), None)
    if cache is not None:
        cache.clear()
        cache.update(reads)
    return reads


def assemble(settings: Settings, reads: Iterable[FileRead], anonymity=anonymity_problems) -> tuple[Content, list[Problem]]:
    """The second pass: models put together, then references, uniqueness and anonymity checked.

    `anonymity` is `anonymity_problems` or a function giving the same answer faster (the
    preview's, which remembers the answer for each story it has seen).
    """
    reader = _Reader(settings)
    found: dict[str, list] = {"story": [], "campaign": [], "ambassador": []}
    for read in reads:
        reader.problems.extend(read.problems)
        reader.refs.extend(read.refs)
        if read.item is not None:
            found[read.kind].append(read.item)
            if read.lines is not None:
                reader.lines[read.item.path] = read.lines
    content = Content(
        stories=tuple(sorted(found["story"], key=_story_order)),
        campaigns=tuple(sorted(found["campaign"], key=lambda c: (c.year, c.id))),
        ambassadors=tuple(found["ambassador"]),
    )
    _check_unique(reader, content.stories, lambda s: s.id, "story id")
    _check_unique(reader, content.stories, lambda s: s.slug, "story slug")
    _check_unique(reader, content.ambassadors, lambda a: a.id, "ambassador id")
    _check_refs(reader, content)
    _check_addresses(reader, content)
    reader.problems += anonymity(content, settings.regions, reader.lines, site_pages(settings), common_words())
    return content, sorted(set(reader.problems))


def load_content(settings: Settings, now: datetime | None = None) -> tuple[Content, list[Problem]]:
    """Read every content file; return the content that could be read and all problems, sorted.

    With `now`, what can only be judged at a moment (consent given in the future) is judged too.
    """
    return assemble(settings, read_files(settings, now=now).values())
