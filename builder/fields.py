"""Typed reading of one front-matter mapping, collecting problems instead of raising.

Each getter returns a usable value or None and records a `Problem` at the key's line, so
that one pass over a file reports everything wrong with it.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from .models import Problem
from .source import LineMap

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# A place or "lives in" names a town, city or region. These patterns refuse the things that
# would let a reader find a storyteller's door or phone, and say why.
_PLACE_REFUSALS = (
    (re.compile(r"-?\d{1,3}\.\d+\s*[,;/ ]\s*-?\d{1,3}\.\d+"), "looks like map coordinates"),
    (re.compile(r"\d+\s*°|°\s*[NSEW]\b"), "looks like map coordinates"),
    (re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.I), "looks like an e-mail address"),
    (re.compile(r"(?:\+|\b00)\d[\d\s().-]{7,}\d|\b\d{3,}[\s.-]\d{3,}[\s.-]?\d{2,}\b"), "looks like a phone number"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I), "looks like a UK postcode"),
    (re.compile(r"\b\d{4,5}(?:-\d{4})?\b"), "looks like a postcode or house number"),
    (re.compile(r"\b\d+[a-z]?\s*,?\s+\w+\s+(?:street|st|road|rd|avenue|ave|lane|ln|way|close|drive|"
                r"court|place|square|terrace|gardens|crescent|straat|weg|calle|rue|strasse|straße)\b",
                re.I), "looks like a street address"),
    (re.compile(r"\b(?:flat|apartment|apt|house|unit)\s*\d+", re.I), "looks like a street address"),
)  # fmt: skip


# The `new` command's placeholders: a file still holding one is not ready to publish.
PLACEHOLDERS = frozenset({
    "FORM-ID", "Write the title here", "One or two plain sentences that say what the story is about.",
    "Your name or the storyteller's chosen name", "Full name, first name, or chosen pseudonym", "XX",
    "Town, city or region (a region only for a pseudonym)", "What they do", "The theme's title", "#Hashtag",
    "One sentence on the theme", "One or two sentences",
})  # fmt: skip


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
"""Invisible control characters (a bell, a form feed, C1 codes from old Word files): never
wanted in a story, and XML, so every feed, cannot carry them at all."""
_MARKUP = re.compile(r"<[a-zA-Z/!][^<>]*>|&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
MAX_LENGTH = {"title": 160, "summary": 400, "place": 80, "lives_in": 80, "hashtag": 40, "name": 80, "role": 160,
              "image_alt": 400, "photo_alt": 400, "content_warning": 300, "theme": 200}  # fmt: skip
"""Longest text per field; any other field: `DEFAULT_MAX`. A title longer than a tweet does not
fit a card or a feed reader's list, and a 300-character place is no place."""
DEFAULT_MAX = 300


def control_character(text: str) -> str | None:
    """The first control character in `text`, named, or None."""
    match = CONTROL.search(text)
    return f"U+{ord(match[0]):04X}" if match else None


SHOWN_CHARS = 60


def shown(value: Any) -> str:
    """A value as a problem message quotes it: its repr, cut short.

    Messages are read by people and printed by CI; a value pasted by mistake (a whole
    article in `title`, a list of thousands) must not become a message of that size.
    """
    text = repr(value) if not isinstance(value, (list, dict)) or len(value) < 20 else f"<{_kind(value)} of {len(value)} items>"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 5] + "…" + text[-4:]


# Word and phone keyboards turn "..." into “...”: YAML keeps those as part of the text.
_CURLY_OPEN, _CURLY_CLOSE = "“„‘‚", "”“’‘"


def nearest(value: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint, or '' when nothing is close."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else ""


class Fields:
    """The front matter of one file, read key by key."""

    def __init__(self, meta: LineMap, path: str, problems: list[Problem]) -> None:
        self.meta = meta
        self.path = path
        self.problems = problems
        self.seen: set[str] = set()

    def line(self, key: str) -> int:
        return self.meta.line_of(key)

    def problem(self, key: str | None, message: str, hint: str = "") -> None:
        """A problem at the key's line; with no key, at the start of the front matter."""
        line = self.meta.line_of(key) if key else self.meta.line
        self.problems.append(Problem(self.path, line, message, hint))

    def has(self, key: str) -> bool:
        return self.meta.get(key) is not None

    def _get(self, key: str, required: bool, hint: str = "") -> Any:
        self.seen.add(key)
        value = self.meta.get(key)
        if value is None and required:
            if key in self.meta:
                self.problem(key, f"`{key}` has no value", "a value starting with # must be in quotes")
            else:
                self.problem(None, f"missing required field `{key}`", hint)
        elif isinstance(value, str) and value.strip() in PLACEHOLDERS:
            # Reported, and kept: the problem stops `check` and `build`, while the preview can
            # still show the draft, placeholders and all, under its list of what to fill in.
            self.problem(key, f"`{key}` still holds the template's placeholder {shown(value)}", "write the real value")
        return value

    def text(self, key: str, required: bool = False, allow_empty: bool = False, hint: str = "") -> str | None:
        value = self._get(key, required, hint)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(key, f"`{key}` must be text, not {_kind(value)}", "put it in quotes")
            return None
        value = str(value).strip()
        if not value and not allow_empty:
            self.problem(key, f"`{key}` is empty")
            return None
        if len(value) > 1 and value[0] in _CURLY_OPEN and value[-1] in _CURLY_CLOSE:
            self.problem(key, f"`{key}` is wrapped in curly “smart” quotes, which would be published with it",
                         f'use straight quotes: {key}: "{value[1:-1]}"')  # fmt: skip
        return value if self.plain(key, value) else None

    def plain(self, key: str, value: str) -> bool:
        """Whether a front-matter text is plain text of a sensible length; if not, say why."""
        control = control_character(value)
        if control:
            self.problem(key, f"`{key}` contains the invisible control character {control}",
                         "retype the text: it was probably pasted from a document")  # fmt: skip
            return False
        if _MARKUP.search(value):
            self.problem(key, f"`{key}` is plain text, not HTML: it contains {shown(_MARKUP.search(value)[0])}",
                         "write the characters themselves, with no tags or &-codes")  # fmt: skip
            return False
        limit = MAX_LENGTH.get(key, DEFAULT_MAX)
        if len(value) > limit:
            self.problem(key, f"`{key}` is {len(value)} characters long, more than {limit}", "shorten it")
            return False
        return True

    def flag(self, key: str) -> bool:
        value = self._get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(key, f"`{key}` must be true or false, not {shown(value)}")
            return False
        return value

    def integer(self, key: str, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            hint = "write it without leading zeros or quotes" if isinstance(value, str) else ""
            self.problem(key, f"`{key}` must be a whole number, not {shown(value)}", hint)
            return None
        return value

    def texts(self, key: str, required: bool = False) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in value
        ):
            self.problem(key, f"`{key}` must be a list of text items")
            return ()
        items = tuple(str(v).strip() for v in value)
        return items if all(self.plain(key, item) for item in items) else ()

    def mapping(self, key: str, required: bool = False) -> LineMap | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, LineMap):
            self.problem(key, f"`{key}` must be a block of `name: value` lines")
            return None
        return value

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.text(key, required)
        if value is None:
            return None
        if not _DATE.match(value):
            self.problem(key, f"`{key}` must be a date like 2021-12-18, not {shown(value)}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            self.problem(key, f"`{key}` is not a real date: {exc}")
            return None

    def instant(self, key: str, zone: ZoneInfo, required: bool = False) -> datetime | None:
        """A datetime with a zone; a plain date means midnight in the site's time zone."""
        value = self.text(key, required)
        if value is None:
            return None
        if _DATE.match(value):
            day = self.day(key)
            return datetime.combine(day, time(0), tzinfo=zone) if day else None
        if not _DATETIME.match(value):
            self.problem(key, f"`{key}` must be a date or an ISO datetime, not {shown(value)}",
                         "e.g. 2021-12-18T09:00:00+00:00")  # fmt: skip
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            self.problem(key, f"`{key}` is not a valid datetime: {shown(value)}", "e.g. 2021-12-18T09:00:00+00:00")
            return None
        if moment.tzinfo is None:
            self.problem(key, f"`{key}` has a time but no time zone: {shown(value)}",
                         f"add the offset, e.g. {value}+00:00 or {value}Z")  # fmt: skip
            return None
        return moment

    def choice(self, key: str, choices: Iterable[str], default: str) -> str:
        value = self.text(key)
        if value is None:
            return default
        choices = tuple(choices)
        if value not in choices:
            self.problem(key, f"`{key}` must be one of {', '.join(choices)}, not {shown(value)}",
                         nearest(value, choices))  # fmt: skip
            return default
        return value

    def place(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        if value is None:
            return None
        for pattern, why in _PLACE_REFUSALS:
            if pattern.search(value):
                self.problem(key, f"`{key}` {why}: name a town, city or region only",
                             "exact locations can lead someone to a storyteller's door")  # fmt: skip
                return None
        return value

    def unknown_keys(self, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key in self.meta:
            if key not in allowed:
                self.problem(key, f"unknown field `{key}`", nearest(key, allowed))


def _kind(value: Any) -> str:
    return {dict: "a block", LineMap: "a block", list: "a list", bool: "true/false"}.get(
        type(value), type(value).__name__
    )
