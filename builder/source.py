"""Reading a content file: front matter with the line of every key, and the body.

YAML 1.1 as PyYAML resolves it has traps for people who write front matter by hand:
`origin: NO` (Norway) becomes False, `arrived: 010` becomes 8 and `date: 2021-12-18 09:00`
becomes a naive datetime. The loader below resolves only what the content contract needs
(`true`/`false`, plain decimal integers, `null`) and leaves everything else a string, so that
dates and codes are parsed by the validators, which can say exactly what is wrong and where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from . import yaml_errors


class LineMap(dict):
    """A mapping from YAML that remembers the line (1-based, in the file) of each key."""

    lines: dict[str, int]
    line: int

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses about 10x faster


class _ContentLoader(_BASE):  # type: ignore[misc, valid-type]
    """`safe_load` semantics with YAML 1.2-style scalars and key line numbers."""

    line_offset = 0


_ContentLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _ContentLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_mapping(loader: _ContentLoader, node: yaml.MappingNode) -> LineMap:
    result = LineMap()
    result.lines = {}
    result.line = node.start_mark.line + 1 + loader.line_offset
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1 + loader.line_offset
    return result


_ContentLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class SourceError(Exception):
    """A file that cannot be read as front matter + body, with the line to blame."""

    def __init__(self, line: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class SourceFile:
    meta: LineMap
    body: str
    body_line: int


_HANDLER = frontmatter.YAMLHandler()


def parse_yaml(text: str, line_offset: int = 0) -> Any:
    loader = _ContentLoader(text)
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise SourceError(*yaml_errors.explain(text, exc, line_offset)) from None
    finally:
        loader.dispose()


def read_source(path: Path) -> SourceFile:
    """Split and parse one Markdown file with YAML front matter."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(1, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    text = text.removeprefix("\ufeff")
    if not _HANDLER.detect(text):
        raise SourceError(1, "no front matter: the file must start with a line '---'")
    try:
        raw_meta, body = _HANDLER.split(text)
    except ValueError:
        where = yaml_errors.not_closed(text.split("\n"))
        raise SourceError(where, yaml_errors.NOT_CLOSED, f"add a line '---' above line {where}, after the last field") from None
    meta = parse_yaml(raw_meta)
    if meta is None:
        meta = LineMap()
        meta.lines, meta.line = {}, 1
    if not isinstance(meta, LineMap):
        raise SourceError(2, "front matter must be a mapping of `key: value` lines")
    body_line = raw_meta.count("\n") + 2
    return SourceFile(meta=meta, body=body, body_line=body_line)
