"""Full-text search from static files, fetched in small pieces only when a reader searches.

Material's search makes every reader download one `search_index.json` holding every word of
every page, on the first page they open: about 1.6 MB gzip at 1,000 stories and 16 MB at
10,000. Pagefind fetches a few chunks per query, but indexing 10,000 stories takes it 2.8 GB of
memory, twice the build's whole budget. This index is written by a streaming pass in Python:

- `search/t/<key>.json`: for every term whose first three letters give `key`, the documents
  it occurs in (ascending ids, delta-encoded, each `id * 4 + weight`; weight 3 in a title,
  2 in a summary, 1 in the text);
- `search/d/<n>.json`: `[url, title, summary, lang, dir, content warning]` of documents `n * CHUNK`
  onwards (10 a file, so a page of results costs little);
- `search/meta.json`: the format, document count and a version for cache busting.

A query fetches one term file per word and the document chunks of its first results: a few
kilobytes. Only what the pipeline hands over is indexed (published stories, campaigns and
profiles), so nothing held back or withdrawn can be found. `site_src/overrides/assets/search.js`
tokenizes queries exactly as `terms` does here.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from typing import Iterable

FORMAT = 1
CHUNK = 10
KEY_LENGTH = 3
TITLE, SUMMARY, TEXT = 3, 2, 1
STOPWORDS = frozenset(
    "a an and are as at be but by for from had has have he her his i in is it its not of on or our "
    "she that the their they this to was we were which who with you".split()
)
_MARKS = re.compile("[" + "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Mn") + "\u0640]")
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class SearchDoc:
    url: str  # site-relative
    title: str
    summary: str
    text: str  # HTML or plain text; tags are dropped
    lang: str = ""  # the language and direction results show in ("" = the site's)
    dir: str = ""
    warning: str = ""  # a content warning, shown with the result before anyone opens it


@dataclass(frozen=True)
class SearchReport:
    documents: int
    terms: int
    files: int
    bytes: int


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light English stemmer: cooks, cooking, cooked -> cook. Other scripts are left as they are."""
    if not word.isascii() or not word.isalpha():
        return word
    for suffix, keep in (("ies", 4), ("ing", 5), ("ed", 4), ("es", 5), ("s", 3)):
        if word.endswith(suffix) and len(word) > keep and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _words(text: str) -> list[str]:
    """A text's words lowercased, accents and Arabic vowel marks dropped, not yet stemmed."""
    folded = _MARKS.sub("", unicodedata.normalize("NFD", text.lower()))
    return _WORD.findall(unicodedata.normalize("NFC", folded))


def terms(text: str) -> list[str]:
    """Words as the index keeps them: lowercased, accents and Arabic vowel marks dropped, stemmed."""
    return [stem(w) for w in _words(text) if w not in STOPWORDS]


def term_set(text: str) -> set[str]:
    """`set(terms(text))`, stemming each distinct word once: a story repeats most of its words."""
    return {stem(w) for w in set(_words(text)) - STOPWORDS}


def doc_terms(doc: SearchDoc) -> dict[str, int]:
    """Each term of a document with the weight of the most prominent place it occurs in."""
    weights: dict[str, int] = {}
    for weight, text in ((TEXT, unescape(_TAG.sub(" ", doc.text))), (SUMMARY, doc.summary), (TITLE, doc.title)):
        for term in term_set(text):
            if weights.get(term, 0) < weight:
                weights[term] = weight
    return weights


def shard_key(term: str) -> str:
    return term[:KEY_LENGTH].encode("utf-8").hex()


def build_index(docs: Iterable[SearchDoc]) -> tuple[dict[str, bytes], SearchReport]:
    """The index files for `docs`, by path under `search/`. Ids follow the order given: newest first."""
    postings: dict[str, dict[int, int]] = defaultdict(dict)
    chunks: list[list[list[str]]] = []
    count = 0
    for doc_id, doc in enumerate(docs):
        for term, weight in doc_terms(doc).items():
            postings[term][doc_id] = weight
        if doc_id % CHUNK == 0:
            chunks.append([])
        chunks[-1].append([doc.url, doc.title, doc.summary, doc.lang, doc.dir, doc.warning])
        count += 1
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for term in sorted(postings):
        encoded, previous = [], 0
        for doc_id in sorted(postings[term]):
            value = doc_id * 4 + postings[term][doc_id]
            encoded.append(value - previous)
            previous = value
        shards[shard_key(term)][term] = encoded
    files: dict[str, bytes] = {f"d/{n}.json": _json(chunk) for n, chunk in enumerate(chunks)}
    files.update((f"t/{key}.json", _json(shard)) for key, shard in shards.items())
    version = hashlib.sha256(b"".join(name.encode() + data for name, data in sorted(files.items()))).hexdigest()[:12]
    files["meta.json"] = _json({"format": FORMAT, "documents": count, "chunk": CHUNK, "key": KEY_LENGTH, "version": version})
    return files, SearchReport(count, len(postings), len(files), sum(len(d) for d in files.values()))


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
