"""The anonymity guard: a storyteller shown by first name or pseudonym cannot be identified.

A surname that slips into a title, an alt text, another person's byline, a file name or a
campaign page is published as surely as one in the byline. So the surname of every person
shown by first name only is looked for in every text the site publishes, and in the forms
people actually write it: `M&uuml;ller`, `Mül<!-- -->ler`, `Muller`, `Mueller`, a combining
diaeresis, a soft hyphen or zero-width space inside, a Cyrillic look-alike letter, `Mül*ler*`,
`The Müllers`, `@aminamuller`, `aminamuller@…`. Each text is *folded* once (entities decoded,
markup and invisible characters removed, Unicode compatibility forms, look-alikes and accents
mapped to plain Latin letters, case folded) and searched with one pattern for all surnames.

Stories told by someone shown by first name, under a pseudonym or by a child must not carry
the details that lead to a door either (postcodes, street addresses, phone numbers, e-mail
addresses, coordinates), and a pseudonymous person or a child is never pictured. Withdrawn
stories and profiles are not published, so they are not searched: a withdrawal must never be
blocked by the very leak that prompted it.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from .models import Ambassador, Campaign, Content, Display, Image, Person, Problem, Story


@dataclass(frozen=True)
class KeyLines:
    """Where each front-matter key and the body start in a file, for reporting."""

    keys: Mapping[str, int]
    body: int

    def of(self, key: str) -> int:
        return self.body if key == "body" else self.keys.get(key, 1)


@dataclass(frozen=True)
class Text:
    """One published text: where it comes from, and the line to blame for it."""

    path: str
    key: str  # the front-matter key, "body", or "file name"
    value: str
    line: int
    multiline: bool = False  # a body or page: the line is found within it


# -- folding ------------------------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG = re.compile(r"<[^<>]*>")
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0*_~`]")  # fmt: skip
"""Format characters (soft hyphen, zero-width, bidi controls, variation selectors) and the
Markdown emphasis and code marks: removed, so `Mül*ler*` and `Mü\u00adller` read as one word."""
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LETTERS = {"ß": "ss", "ẞ": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe",
            "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "n", "ĸ": "k", "ſ": "s"}  # fmt: skip
"""Latin letters that Unicode does not decompose into a base letter and a mark."""


@lru_cache(maxsize=1)
def _lookalikes() -> dict[int, str]:
    """Letters of other scripts that look like a Latin letter or digit (Unicode's confusables,
    as packaged by `confusable_homoglyphs`), mapped to it: Cyrillic `е` in `Müllеr` becomes `e`."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    table: dict[int, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if latin:
            table[ord(char)] = latin[0].lower()
    table.update((ord(k), v) for k, v in _LETTERS.items())
    return table


def fold(text: str) -> str:
    """`text` as the guard compares it: plain lowercase Latin letters wherever a reader would see them."""
    for _ in range(2):  # `&amp;uuml;` is `&uuml;` once decoded
        if "&" not in text:
            break
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub("", _COMMENT.sub("", text))
    text = _INVISIBLE.sub("", text)
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(_lookalikes()).casefold()
    text = unicodedata.normalize("NFD", text.translate(_lookalikes()))
    return _INVISIBLE.sub("", _MARKS.sub("", text)).translate(_lookalikes())


# -- who must stay unnamed ----------------------------------------------------------------------

PARTICLES = frozenset("al el bin bint ibn abu abd ben da de del della der di dos du la le van von ter ten y".split())


@dataclass(frozen=True)
class Hidden:
    """A person shown by first name: the forms of their surname that must never be published."""

    first: str  # folded first name
    surnames: tuple[str, ...]  # folded, with spelling variants
    shown_as: str  # their public name, for messages
    source: str  # the file that names them
    written: tuple[tuple[str, str], ...] = ()  # (folded variant, the surname as the name writes it)

    def spelled(self, variant: str) -> str:
        return dict(self.written).get(variant, variant)


def _variants(word: str) -> set[str]:
    folded = {fold(word)}
    lowered = word.casefold()
    if any(c in lowered for c in "äöü"):
        folded.add(fold(lowered.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")))
    return {v for v in folded if len(v) >= 3 and v.isalnum()}


def hidden_person(person: Person, source: str) -> Hidden | None:
    if person.display is not Display.FIRST_NAME:
        return None
    words = person.name.split()
    written: dict[str, str] = {}
    for word in words[1:]:
        for part in re.split(r"[-'’]", word):
            if fold(part) not in PARTICLES:
                written.update((variant, part) for variant in _variants(part))
    if len(words) > 2:  # "van der Berg": the whole surname too
        whole = re.sub(r"[^a-z0-9]", "", fold("".join(words[1:])))
        if len(whole) >= 3:
            written[whole] = " ".join(words[1:])
    if not written:
        return None
    return Hidden(fold(words[0]), tuple(sorted(written)), person.public_name, source, tuple(sorted(written.items())))


def hidden_people(content: Content) -> list[Hidden]:
    found = [hidden_person(a.person, a.path) for a in content.ambassadors]
    found += [hidden_person(p, s.path) for s in content.stories for p in s.by]
    return [h for h in found if h is not None]


# -- what is published --------------------------------------------------------------------------


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ")


def _texts(path: str, at: KeyLines, fields: dict[str, str], picture: tuple[str, Image | None],
           name: tuple[str, str], body: str) -> Iterator[Text]:  # fmt: skip
    """A file's published texts: its fields, its picture's alt text and file name, its own name, its body."""
    key, image = picture
    if image:
        fields = {**fields, f"{key}_alt": image.alt, key: _file_name(image.path)}
    for field, value in fields.items():
        if value:
            yield Text(path, field, value, at.of(field))
    yield Text(path, name[0], name[1], 1)
    yield Text(path, "body", body, at.body, multiline=True)


def story_texts(story: Story, at: KeyLines) -> Iterator[Text]:
    fields = {
        "id": story.id, "title": story.title, "summary": story.summary, "place": story.place or "",
        "content_warning": story.content_warning or "", "translation_of": story.translation_of or "",
        "campaign": story.campaign or "", "storytellers": " ".join(story.storytellers),
        "by": ", ".join(p.public_name for p in story.by),
        "aliases": " ".join(re.sub(r"[-/]+", " ", alias) for alias in story.aliases),  # redirect pages' addresses
    }  # fmt: skip
    return _texts(story.path, at, fields, ("image", story.image), ("file name", _file_name(story.path)), story.body)


def ambassador_texts(person: Ambassador, at: KeyLines) -> Iterator[Text]:
    fields = {"name": person.person.public_name, "role": person.role, "lives_in": person.lives_in}
    return _texts(person.path, at, fields, ("photo", person.photo), ("file name", person.id.replace("-", " ")),
                  person.body)  # fmt: skip


def campaign_texts(campaign: Campaign, at: KeyLines) -> Iterator[Text]:
    fields = {"title": campaign.title, "hashtag": campaign.hashtag, "theme": campaign.theme,
              "summary": campaign.summary, "partners": ", ".join(campaign.partners)}  # fmt: skip
    return _texts(campaign.path, at, fields, ("image", campaign.image),
                  ("folder name", campaign.id.replace("-", " ")), campaign.body)  # fmt: skip


def published_texts(content: Content, lines: Mapping[str, KeyLines], pages: Iterable[Text] = ()) -> Iterator[Text]:
    """Every text of every story, profile and campaign that may be published, and `pages`."""
    for story in content.stories:
        if not story.consent.withdrawn:
            yield from story_texts(story, lines[story.path])
    for person in content.ambassadors:
        if not person.consent.withdrawn:
            yield from ambassador_texts(person, lines[person.path])
    for campaign in content.campaigns:
        yield from campaign_texts(campaign, lines[campaign.path])
    yield from pages


# -- finding surnames ---------------------------------------------------------------------------

_HANDLE = re.compile(r"@[^\W_][\w.-]*|[\w.%+-]*[^\W_]@")
_WORD = re.compile(r"[^\W_]+")


def _trie_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for many literal words, shaped as a trie: Python's `re` tries the branches of a
    plain alternation one by one at every position, which made the guard the slowest step of
    `check`; a trie fails at the first letter that no word has there."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if not root:
        return None

    def branch(node: dict) -> str:
        ends = "" in node
        parts = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not parts:
            return ""
        if len(parts) == 1 and not ends:
            return parts[0]
        return "(?:" + "|".join(parts) + ")" + ("?" if ends else "")

    return re.compile(branch(root))


class SurnameGuard:
    """Every hidden surname looked up at once, so each text is folded and scanned once.

    A surname counts as a word (alone, or as a plural or possessive: "the Müllers"), glued to
    the person's first name anywhere ("aminamuller2021"), or anywhere inside a handle or an
    e-mail address ("@a_muller", "amuller@…").
    """

    def __init__(self, people: Iterable[Hidden]) -> None:
        self.owners: dict[str, list[Hidden]] = {}
        self.joined: dict[str, tuple[str, list[Hidden]]] = {}
        for person in people:
            for surname in person.surnames:
                self.owners.setdefault(surname, []).append(person)
                for glued in (person.first + surname, surname + person.first):
                    self.joined.setdefault(glued, (surname, []))[1].append(person)
        self.forms = {form: surname for surname in self.owners for form in (surname, surname + "s", surname + "es")}
        self.shortest = min((len(g) for g in self.joined), default=0)
        self.glued = _trie_pattern(self.joined)
        self.inside = _trie_pattern(self.owners)

    def find(self, text: str) -> list[tuple[str, Hidden]]:
        """(surname, person) for each hidden surname in `text`, once each."""
        if not self.owners:
            return []
        folded = fold(text)
        words = set(_WORD.findall(folded))
        found: dict[tuple[str, str], tuple[str, Hidden]] = {}

        def add(surname: str, people: Iterable[Hidden]) -> None:
            for person in people:
                found.setdefault((surname, person.source), (surname, person))

        for word in words & self.forms.keys():
            add(self.forms[word], self.owners[self.forms[word]])
        long_words = " ".join(w for w in words if len(w) >= self.shortest)
        for match in self.glued.finditer(long_words) if self.glued and long_words else ():
            surname, people = self.joined[match[0]]
            add(surname, people)
        if "@" in folded and self.inside:
            for handle in _HANDLE.findall(folded):
                for match in self.inside.finditer(handle):
                    if match[0] in self.owners:
                        add(match[0], self.owners[match[0]])
        return list(found.values())


def _line_of(text: Text, matches: Callable[[str], bool]) -> int:
    """The file line where a multi-line text first shows what `matches` finds."""
    if not text.multiline:
        return text.line
    for offset, line in enumerate(text.value.splitlines()):
        if matches(line):
            return text.line + offset
    return text.line


def surname_problems(texts: Iterable[Text], people: list[Hidden]) -> list[Problem]:
    guard = SurnameGuard(people)
    problems = []
    for text in texts:
        for surname, person in guard.find(text.value):
            line = _line_of(text, lambda part: any(s == surname for s, _ in guard.find(part)))
            where = "" if person.source == text.path else f" ({person.source})"
            problems.append(Problem(
                text.path, line,
                f"the surname {person.spelled(surname)!r} of {person.shown_as}, who is shown by first name only"
                f"{where}, appears in `{text.key}`",
                "remove it, in every spelling, and from handles and e-mail addresses",
            ))  # fmt: skip
    return problems


# -- identifying details ------------------------------------------------------------------------

IDENTIFYING = (
    (re.compile(r"-?\d{1,3}\.\d{3,}\s*[,;/ ]\s*-?\d{1,3}\.\d{3,}"), "map coordinates"),
    (re.compile(r"\d+\s*°\s*\d|°\s*[NSEW]\b"), "map coordinates"),
    (re.compile(r"[^@\s<>()]+@[^@\s<>()]+\.[a-z]{2,}", re.I), "an e-mail address"),
    (re.compile(r"(?:\+|\b00)\d[\d\s().-]{7,}\d|\b0\d{3,4}[\s.-]?\d{3}[\s.-]?\d{3,4}\b"), "a phone number"),
    (re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"), "a UK postcode"),
    (re.compile(r"\b\d+[a-z]?,?\s+(?:[A-Z][\w'’-]*\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Way|Close|Drive|"
                r"Court|Place|Square|Terrace|Gardens|Crescent|Grove|Row|Hill|Straat|Weg|Calle|Rue|Strasse|Straße)\b"),
     "a street address"),
    (re.compile(r"\b(?:flat|apartment|apt|unit)\s+\d+", re.I), "a flat or house number"),
)  # fmt: skip
"""Details that lead to a person's door or phone. Stricter in `fields` for a `place`, where
any house number or postcode-like digits are refused; in running text, years must pass."""

PROTECTED_KEYS = ("title", "summary", "body", "content_warning", "image_alt", "photo_alt", "role")


def protected(people: Iterable[Person]) -> bool:
    """Whether a text told by these people must carry no identifying detail."""
    return any(p.display is not Display.FULL or p.minor for p in people)


def pictured(people: Iterable[Person]) -> bool:
    """Whether a picture may be published with a text told by these people: never for a
    pseudonym or a child, since a face, a street or a school badge identifies as well as a name."""
    return not any(p.display is Display.PSEUDONYM or p.minor for p in people)


def tellers(story: Story, people: Mapping[str, Ambassador]) -> list[Person]:
    return [people[i].person for i in story.storytellers if i in people] + list(story.by)


def identifying_problems(texts: Iterable[Text]) -> list[Problem]:
    problems = []
    for text in texts:
        if text.key not in PROTECTED_KEYS:
            continue
        for pattern, what in IDENTIFYING:
            if (what != "an e-mail address" or "@" in text.value) and pattern.search(text.value):
                problems.append(Problem(
                    text.path, _line_of(text, lambda part: bool(pattern.search(part))),
                    f"`{text.key}` contains what looks like {what}, in a story or profile of someone shown by "
                    "first name, under a pseudonym or as a child",
                    "remove it: exact details can lead someone to a storyteller's door",
                ))  # fmt: skip
    return problems


_NAMED_PLACE = re.compile(r"\b(?:in|from|near|at|outside|around|to)\s+((?:[A-Z][\w'’.-]+\s?){1,3})")


@lru_cache(maxsize=8)
def _places_pattern(places: frozenset[str]) -> re.Pattern[str] | None:
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(places, key=len, reverse=True))) + r")(?!\w)") if places else None


def named_place_problems(texts: Iterable[Text], allowed: frozenset[str], places: frozenset[str]) -> list[Problem]:
    """A pseudonymous person is placed by region only, in their text as in `place`: a town named
    after "in", "from", "near"... in a title or summary, or a town the site knows anywhere."""
    problems = []
    for text in texts:
        if text.key not in PROTECTED_KEYS:
            continue
        named = {m.strip(" .") for m in _NAMED_PLACE.findall(text.value)} if text.key != "body" else set()
        named = {n for n in named if n not in allowed and n.split()[0] not in allowed}
        known = _places_pattern(places)
        named |= {m for m in known.findall(text.value)} if known else set()
        for place in sorted(named):
            problems.append(Problem(
                text.path, _line_of(text, lambda part: place in part),
                f"`{text.key}` names {place!r}, in a story or profile of someone shown under a pseudonym or as a child",
                "name the region only (as in `place`), or leave the place out",
            ))  # fmt: skip
    return problems


# -- all together -------------------------------------------------------------------------------


def known_places_of(content: Content, regions: tuple[str, ...]) -> frozenset[str]:
    """The towns the content itself names as places (a story's `place`, a profile's `lives_in`)."""
    places = {s.place for s in content.stories if s.place} | {a.lives_in for a in content.ambassadors}
    return frozenset(p for p in places if p and p not in regions)


def anonymity_problems(
    content: Content,
    regions: tuple[str, ...],
    lines: Mapping[str, KeyLines],
    pages: Iterable[Text] = (),
    common_words: frozenset[str] = frozenset(),
    *,
    hidden: Sequence[Hidden] | None = None,
    places: frozenset[str] | None = None,
) -> list[Problem]:
    """Every anonymity problem in the content: surnames anywhere, identifying details, places
    and pictures in what people shown by first name, pseudonym or as a child tell.

    `hidden` and `places` are the whole site's (`hidden_people`, `known_places`) when
    `content` holds only some of its stories, as when the preview re-checks the ones a save changed.
    """
    problems = surname_problems(published_texts(content, lines, pages), hidden_people(content) if hidden is None else hidden)
    people = {a.id: a for a in content.ambassadors}
    known_places = known_places_of(content, regions) if places is None else places
    allowed = frozenset(regions) | common_words
    for ambassador in content.ambassadors:
        person, at = ambassador.person, lines[ambassador.path]
        if ambassador.consent.withdrawn:
            continue
        if person.display is Display.PSEUDONYM and ambassador.lives_in not in regions:
            problems.append(Problem(ambassador.path, at.of("lives_in"),
                                    "a person shown under a pseudonym is placed by region only: `lives_in` must be "
                                    f"one of {', '.join(regions)}"))  # fmt: skip
        if protected([person]):
            problems += identifying_problems(ambassador_texts(ambassador, at))
        if not pictured([person]):
            problems += named_place_problems(ambassador_texts(ambassador, at), allowed, known_places)
    for story in content.stories:
        if story.consent.withdrawn:
            continue
        told_by, at = tellers(story, people), lines[story.path]
        if story.place and not pictured(told_by) and story.place not in regions:
            problems.append(Problem(story.path, at.of("place"),
                                    "a story told under a pseudonym or by a child is placed by region only: `place` "
                                    "must be one of " + ", ".join(regions)))  # fmt: skip
        if story.image and not pictured(told_by):
            problems.append(Problem(story.path, at.of("image"),
                                    "a story told under a pseudonym or by a child is published without a picture",
                                    "remove `image` and `image_alt`: a face, a street or a school badge can identify "
                                    "them"))  # fmt: skip
        if protected(told_by):
            problems += identifying_problems(story_texts(story, at))
        if not pictured(told_by):
            problems += named_place_problems(
                (t for t in story_texts(story, at) if t.key != "place"), allowed, known_places
            )
    return problems
