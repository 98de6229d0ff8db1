"""YAML syntax errors in words a comms officer can act on, at the line to fix.

PyYAML says "found character that cannot start any token" for a tab and "mapping values are
not allowed here" for a Word smart quote or a colon in a title, often blaming the line before.
The mistakes people make in front matter are few and recognisable from the text itself, so each
is looked for on the lines PyYAML points at (then on every line, for tabs), and named with the
fix. Anything else keeps PyYAML's own words, with the line and a general hint.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import yaml

SMART_QUOTES = "“”„‟‘’‚‛«»"
_KEY = re.compile(r"^(?P<indent>[ \t]*)(?:-[ \t]+)?(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(?P<value>.*))?$")
_LIST_ITEM = re.compile(r"^[ \t]*-(?:[ \t]|$)")


class _Mistake(NamedTuple):
    message: str
    hint: str


class Explained(NamedTuple):
    line: int  # 1-based, in the file
    message: str
    hint: str


def _value(line: str) -> tuple[str, str] | None:
    """(key, value) of a `key: value` line, the value without a trailing comment."""
    match = _KEY.match(line)
    if not match or not match["value"]:
        return None
    value = re.sub(r"[ \t]+#.*$", "", match["value"]).strip()
    return match["key"], value


def _diagnose(line: str) -> _Mistake | None:
    """What is wrong with one front-matter line, if it is one of the usual mistakes."""
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in lead:
        return _Mistake("a tab at the start of the line: front matter is indented with spaces only",
                        "replace the tab with two spaces")  # fmt: skip
    pair = _value(line)
    if pair is None:
        return None
    key, value = pair
    if value[:1] in SMART_QUOTES:
        return _Mistake(f"the value of `{key}` is in curly “smart” quotes, which YAML does not read as quotes",
                        f'use straight quotes: {key}: "{value.strip(SMART_QUOTES)}"')  # fmt: skip
    if value[:1] in "\"'":
        quote = value[0]
        closed = len(value) > 1 and value.endswith(quote) and not value.endswith("\\" + quote)
        if not closed:
            return _Mistake(f"the quote {quote} that opens the value of `{key}` is not closed on this line",
                            f"end the value with {quote}, or if it contains {quote}, use the other kind of quote around it")  # fmt: skip
        return None
    if value[:1] in "[{|>&*!":
        return None
    if ": " in value or value.endswith(":"):
        return _Mistake(f"the value of `{key}` contains a colon followed by a space, which YAML reads as a new field",
                        f'put the whole value in quotes: {key}: "{value}"')  # fmt: skip
    return None


def _prose(line: str) -> bool:
    """A line that reads as the story's text rather than a field: not `key: value`, not a list item."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or line[:1] in " \t" or _LIST_ITEM.match(line):
        return False
    return _KEY.match(line) is None


def not_closed(lines: list[str], start: int = 1) -> int:
    """Where a missing closing `---` belongs: the first line that is text, not a field (1-based)."""
    for index, line in enumerate(lines[start:], start=start):
        if _prose(line):
            previous = index
            while previous > start and not lines[previous - 1].strip():
                previous -= 1  # above the blank lines that separate the fields from the text
            return previous + 1
    return len(lines) + 1


NOT_CLOSED = "the front matter is not closed: there is no line '---' after the last field"  # in CONTRIBUTING


def explain(text: str, exc: yaml.MarkedYAMLError, line_offset: int = 0) -> Explained:
    """The usual mistake behind a YAML error, at its line, or PyYAML's own message."""
    lines = text.split("\n")
    marks = [m.line for m in (exc.problem_mark, exc.context_mark) if m is not None]
    for index in sorted(set(marks), reverse=True):
        found = _diagnose(lines[index]) if index < len(lines) else None
        if found:
            return Explained(index + 1 + line_offset, *found)
    last = max(marks, default=len(lines) - 1)
    for index, line in enumerate(lines[: last + 1]):  # often blamed on a line before or after it
        found = _diagnose(line)
        if found:
            return Explained(index + 1 + line_offset, *found)
    if any(_prose(lines[i]) for i in marks if i < len(lines)):
        where = not_closed(lines, 0)
        return Explained(where + line_offset, NOT_CLOSED,
                         f"add a line '---' above line {where + line_offset}, after the last field")  # fmt: skip
    mark = exc.context_mark or exc.problem_mark
    line = (mark.line + 1 + line_offset) if mark else line_offset + 1
    detail = "; ".join(filter(None, (exc.context, exc.problem)))
    if exc.context_mark and exc.problem_mark and exc.problem_mark.line != exc.context_mark.line:
        detail += f" (noticed at line {exc.problem_mark.line + 1 + line_offset})"
    return Explained(line, f"YAML syntax error: {detail}",
                     'check this line and the next: a value with a colon, # or quotes goes in "straight quotes"')  # fmt: skip
