"""Reading a content file: front matter with the line of every key, and the body.

YAML 1.1 as PyYAML resolves it has traps for people who write front matter by hand:
`origin: NO` (Norway) becomes False, `arrived: 010` becomes 8 and `date: 2021-12-18 09:00`
becomes a naive datetime. The loader below resolves only what the content contract needs
(`true`/`false`, plain decimal integers, `null`) and leaves everything else a string, so that
dates and codes are parsed by the validators, which can say exactly what is wrong and where.

Front matter is also untrusted input, and YAML has a bomb in it: anchors and aliases let 684
bytes (`a1: &a1 [*a0, *a0, ...]`, nine levels) stand for a billion items, which is harmless as
a graph of nodes and fatal the moment it is constructed or printed. So the document is
composed into nodes first, any node reached twice (an alias) or too many or too deep nodes
are refused, and only then is anything constructed. With the file and part size caps, every
content file costs bounded time and memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import frontmatter
import yaml

from .files import CONTENT_MAX_BYTES, Refusal, read_bounded

FRONT_MATTER_MAX_CHARS = 64_000
"""Front matter is a few dozen short fields; 64 KB is a hundred times what a story needs."""

BODY_MAX_CHARS = 500_000
"""A long story is 50 KB; ten times that is a book chapter, not a web page."""

YAML_MAX_NODES = 5_000
YAML_MAX_DEPTH = 32
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


def _children(node: yaml.Node) -> Iterator[tuple[yaml.Node, int]]:
    """A collection's nodes in document order, each with the line to blame if it is an alias.

    An alias node is the anchored node itself, so its own mark is the anchor's: the line
    blamed is the key's, or the list's, which is where the `*name` was written.
    """
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key, key.start_mark.line
            yield value, key.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        line = node.start_mark.line
        for item in node.value:
            yield item, line


def _refuse_graphs(root: yaml.Node, line_offset: int) -> None:
    """Refuse aliases, and too many or too deeply nested nodes, before anything is constructed.

    An alias is the same node object reached a second time, which is how both of PyYAML's
    composers represent it. The walk is depth-first in document order, so the first alias
    written is the one reported, and iterative, so that depth costs no Python stack.
    """
    seen = {id(root)}
    stack = [_children(root)]
    while stack:
        for node, line in stack[-1]:
            if id(node) in seen:
                raise SourceError(line + 1 + line_offset, "YAML anchors and aliases (&name, *name) are not allowed",
                                  "write the value out in full")  # fmt: skip
            seen.add(id(node))
            if len(seen) > YAML_MAX_NODES:
                raise SourceError(line + 1 + line_offset, f"front matter has over {YAML_MAX_NODES} values",
                                  "a story needs a few dozen")  # fmt: skip
            if isinstance(node, yaml.CollectionNode):
                if len(stack) >= YAML_MAX_DEPTH:
                    raise SourceError(line + 1 + line_offset,
                                      f"front matter is nested over {YAML_MAX_DEPTH} levels deep")  # fmt: skip
                stack.append(_children(node))
                break
        else:
            stack.pop()


def parse_yaml(text: str, line_offset: int = 0) -> Any:
    loader = _ContentLoader(text)
    loader.line_offset = line_offset
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_graphs(node, line_offset)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise SourceError(*yaml_errors.explain(text, exc, line_offset)) from None
    finally:
        loader.dispose()


def read_source(path: Path, root: Path | None = None) -> SourceFile:
    """Split and parse one Markdown file with YAML front matter, never reading outside `root`.

    `root` (resolved) is the project; without it, the file's own folder is the limit.
    """
    try:
        text = read_bounded(root or path.parent.resolve(), path, CONTENT_MAX_BYTES).decode("utf-8")
    except Refusal as refusal:
        raise SourceError(1, refusal.message, refusal.hint) from None
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
    if len(raw_meta) > FRONT_MATTER_MAX_CHARS:
        raise SourceError(1, f"front matter is too long: {len(raw_meta)} characters > {FRONT_MATTER_MAX_CHARS} limit",
                          "is the closing '---' missing?")  # fmt: skip
    if len(body) > BODY_MAX_CHARS:
        raise SourceError(raw_meta.count("\n") + 2, f"body is too long: {len(body)} characters > {BODY_MAX_CHARS} limit",
                          "split it into several stories")  # fmt: skip
    meta = parse_yaml(raw_meta)
    if meta is None:
        meta = LineMap()
        meta.lines, meta.line = {}, 1
    if not isinstance(meta, LineMap):
        raise SourceError(2, "front matter must be a mapping of `key: value` lines")
    body_line = raw_meta.count("\n") + 2
    return SourceFile(meta=meta, body=body, body_line=body_line)
