"""The pages, feeds and search index of the last build, reused when nothing they come from changed.

Writing them is most of a rebuild's time (about 3 of 6 s of CPU at 1,000 stories), yet a CI
build with the cache restored usually publishes what the last one did. So the finished text
outputs are kept under a key made of everything they are computed from: the publication (every
story, profile and campaign as published, the clock only as the two dates pages show), the
settings, the rendered bodies, the image derivatives and cards they link to, and the code and
library versions that write them. The same key gives the same outputs; a changed word anywhere
gives another key and a full render.

Only work is skipped: loading, every check, publishing and the body-link check run before
this, on every build. The entry is the bytes with a plain JSON header after them (no pickle: the cache
folder must never be able to run code), and only the newest entry is kept.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import sys
import tempfile
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

from .cards import CardImage
from .feeds import FeedFile, FeedLink
from .pages import GeneratedPage, Kind
from .search import SearchReport

FORMAT = 1
LIBRARIES = ("jinja2", "markupsafe", "babel", "feedgen", "lxml", "nh3", "cmarkgfm")
_PACKAGE = Path(__file__).resolve().parent


def _code_digest() -> bytes:
    """Every file of the builder package (code and templates) and the libraries that shape bytes."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}".encode())
    for name in LIBRARIES:
        digest.update(f"\0{name}={version(name)}".encode())
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(b"\0" + path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.digest()


def _feed(digest: Any, value: Any) -> None:
    """`value` into `digest`, canonically: sets sorted, types and field names included."""
    if isinstance(value, str):
        digest.update(b"s%d:" % len(value))
        digest.update(value.encode("utf-8", "surrogatepass"))
    elif value is None or isinstance(value, (bool, int, float)):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, bytes):
        digest.update(b"b%d:" % len(value) + value)
    elif isinstance(value, enum.Enum):
        digest.update(f"e{type(value).__name__}.{value.name};".encode())
    elif isinstance(value, (datetime, date)):
        digest.update(f"t{value.isoformat()};".encode())
    elif isinstance(value, Path):
        digest.update(f"p{value.as_posix()};".encode())
    elif dataclasses.is_dataclass(value):
        digest.update(f"d{type(value).__qualname__}(".encode())
        for item in dataclasses.fields(value):
            digest.update(item.name.encode() + b"=")
            _feed(digest, getattr(value, item.name))
        digest.update(b")")
    elif isinstance(value, dict):
        digest.update(b"{%d" % len(value))
        for key, item in value.items():
            _feed(digest, key)
            _feed(digest, item)
        digest.update(b"}")
    elif isinstance(value, (frozenset, set)):
        digest.update(b"<%d" % len(value))
        for item in sorted(value, key=repr):
            _feed(digest, item)
        digest.update(b">")
    elif isinstance(value, (tuple, list)):  # NamedTuples too: their fields are positional
        digest.update(f"[{type(value).__qualname__}{len(value)}".encode())
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    else:  # a time zone, or a type this walk does not know: its repr, which must not hide state
        digest.update(f"r{type(value).__qualname__}:{value!r};".encode())


def key(pub: Any, settings: Any, zone_day: date, rendered: dict[str, str], renditions: dict, cards: dict) -> str:
    """The key of the text outputs of a build; `pub.now` counts only as its UTC and local dates."""
    digest = hashlib.sha256(_code_digest())
    clock = (pub.now.date(), zone_day)
    _feed(digest, dataclasses.replace(pub, now=datetime(2000, 1, 1)))
    for part in (clock, settings, rendered, renditions, cards):
        _feed(digest, part)
    return digest.hexdigest()[:32]


# -- the entry on disk: the blobs, then a JSON header that says where each is, then its offset ---


class _Blobs:
    """Blobs written one after another as they come, so no second copy of the site is held."""

    def __init__(self, handle: Any) -> None:
        self.handle, self.sizes = handle, []

    def add(self, data: bytes) -> int:
        self.handle.write(data)
        self.sizes.append(len(data))
        return len(self.sizes) - 1


def _page(page: GeneratedPage, blobs: _Blobs) -> dict:
    data = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    data["html"] = blobs.add(page.html.encode("utf-8"))
    data["kind"] = page.kind.value
    data["card"] = None if page.card is None else {**dataclasses.asdict(page.card), "path": str(page.card.path)}
    data["feeds"] = [dataclasses.asdict(link) for link in page.feeds]
    return data


def _unpage(data: dict, blobs: list[bytes]) -> GeneratedPage:
    card = data["card"]
    return GeneratedPage(**{
        **data, "html": blobs[data["html"]].decode("utf-8"), "kind": Kind(data["kind"]),
        "card": None if card is None else CardImage(**{**card, "path": Path(card["path"])}),
        "feeds": tuple(FeedLink(**link) for link in data["feeds"]),
    })  # fmt: skip


_TRAILER = 20  # the header's offset, as decimal digits padded to a fixed width


def store(folder: Path, entry_key: str, outputs: Any) -> None:
    """Keep `outputs` (a TextOutputs) under `entry_key`, and nothing older; whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{entry_key}.bin"
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            blobs = _Blobs(handle)
            pages = [_page(p, blobs) for p in outputs.pages]
            feeds = [[feed.url, blobs.add(feed.content), feed.mime] for feed in outputs.feeds]
            search = {name: blobs.add(data) for name, data in outputs.search_files.items()}
            offset = handle.tell()
            header = {"format": FORMAT, "key": entry_key, "sizes": blobs.sizes, "pages": pages, "feeds": feeds,
                      "search": search, "report": dataclasses.asdict(outputs.search)}  # fmt: skip
            handle.write(json.dumps(header, ensure_ascii=False).encode())
            handle.write(str(offset).rjust(_TRAILER).encode())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    for old in folder.glob("*.bin"):
        if old.name != target.name:
            old.unlink(missing_ok=True)


def load(folder: Path, entry_key: str, make: Callable[..., Any]) -> Any | None:
    """The outputs kept under `entry_key`, built with `make(pages, feeds, search_files, report)`;
    None if there are none or they cannot be read whole (then the build renders everything)."""
    try:
        with open(folder / f"{entry_key}.bin", "rb") as handle:  # blob by blob, never the file at once
            end = handle.seek(0, os.SEEK_END) - _TRAILER
            handle.seek(end)
            offset = int(handle.read(_TRAILER))
            handle.seek(offset)
            header = json.loads(handle.read(end - offset))
            if header.get("format") != FORMAT or header.get("key") != entry_key or sum(header["sizes"]) != offset:
                return None
            handle.seek(0)
            blobs = [handle.read(size) for size in header["sizes"]]
        pages = [_unpage(p, blobs) for p in header["pages"]]
        feeds = tuple(FeedFile(url, blobs[i], mime) for url, i, mime in header["feeds"])
        search = {name: blobs[i] for name, i in header["search"].items()}
        return make(pages, feeds, search, SearchReport(**header["report"]))
    except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return None
