"""cmark-gfm renders bodies as Python-Markdown did, except where a difference is listed here.

The site moved from Python-Markdown (`extra`, `sane_lists`, `smarty`) to cmark-gfm for speed and
so that GitHub's preview of a file is what the site publishes. Both outputs go through the same
`sanitize()` and are compared as a reader meets them: tags, the attributes that survive and the
text, with runs of whitespace as one space and entities as the characters they stand for.

Every sample story, campaign and profile, and a generated corpus, must render the same (heading
ids aside: the old engine gave none). Each construct that renders differently is pinned below
with the new output and the reason it is accepted, so a change of engine or options that moves
any of them fails here.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from benchmarks.corpus import bodies
from builder.render import render_body, sanitize, slug
from builder.source import read_source
from tests.conftest import PROJECT

_legacy = markdown.Markdown(extensions=["extra", "sane_lists", "smarty"], output_format="html")


def legacy(text: str) -> str:
    """A body as the site rendered it before cmark-gfm."""
    return sanitize(_legacy.reset().convert(text))


class _Canonical(HTMLParser):
    def __init__(self, heading_ids: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.heading_ids = heading_ids
        self.tokens: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = sorted((k, v or "") for k, v in attrs if self.heading_ids or not (k == "id" and tag[0] == "h"))
        self.tokens.append(f"<{tag}" + "".join(f' {k}="{v}"' for k, v in kept) + ">")

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if text := " ".join(data.split()):
            self.tokens.append(text)


def canonical(html: str, heading_ids: bool = False) -> list[str]:
    parser = _Canonical(heading_ids)
    parser.feed(html)
    parser.close()
    return parser.tokens


def _content_bodies() -> list[tuple[str, str]]:
    paths = sorted((PROJECT / "stories").rglob("*.md")) + sorted((PROJECT / "campaigns").rglob("*.md"))
    return [(str(p.relative_to(PROJECT)), read_source(p).body) for p in paths]


CONTENT = _content_bodies()


def test_there_are_sample_bodies_of_every_kind() -> None:
    names = [name for name, _ in CONTENT]
    assert any(n.startswith("stories/") for n in names)
    assert any(n.endswith("campaign.md") for n in names)
    assert any("/ambassadors/" in n for n in names)


@pytest.mark.parametrize("name, body", CONTENT, ids=[name for name, _ in CONTENT])
def test_every_sample_body_renders_as_before(name: str, body: str) -> None:
    assert canonical(render_body(body)) == canonical(legacy(body))


def test_a_generated_corpus_renders_as_before() -> None:
    changed = [i for i, body in enumerate(bodies(300)) if canonical(render_body(body)) != canonical(legacy(body))]
    assert changed == []


SAME = {
    "curly quotes, dashes, ellipsis": "\"Hello,\" she said. 'It's the '90s' -- rock 'n' roll... 1990--2000, wait---what?",
    "apostrophes": "Amer's bike, the girls' club, don't, it's 5 o'clock, \"'nested'\"",
    "angle brackets as text": "<<bonjour>> and 1 < 2 > 0",
    "emphasis": "snake_case_word and _em_ and __strong__ and *a*b",
    "code": "`a <b>` and ``x ` y``\n\n```python\nprint('<hi>')\n```\n\npara\n\n    indented code\n",
    "links and images": "[a](https://x.org) [b][r] <https://y.org> ![alt](images/a.jpg)\n\n[r]: https://r.org\n",
    "lists": "- a\n    - b\n- d\n\n3. c\n4. d\n\n- loose\n\n- list\n",
    "rules and setext headings": "Title\n-----\n\na\n\n---\n\nb\n\n***\n",
    "tables": "| a | b |\n|:-:|--:|\n| 1 | 2 |\n",
    "inline html": 'a <span lang="ar">مرحبا</span> <kbd>Ctrl</kbd> <script>x()</script>',
    "comments": "a <!-- secret --> b\n\n<!-- block -->\n",
    "unsafe links": "[x](javascript:alert(1)) [y](data:text/html,hi) <mail@example.org>",
    "entities": "&mdash; &nbsp; &#8217; &unknown; &copy;",
    "closed ATX headings": "## Closed ##\n\n### Home *again*\n",
    "attribute lists": "## Heading {: #custom }\n\nPara\n{: .lead }\n",
}


@pytest.mark.parametrize("body", SAME.values(), ids=SAME.keys())
def test_constructs_that_render_as_before(body: str) -> None:
    assert canonical(render_body(body)) == canonical(legacy(body))


# name: (Markdown, the new output, why the difference is accepted)
DIFFERENT = {
    "a list right after a paragraph": (
        "Para line\n- one\n- two\n",
        "<p>Para line</p><ul><li>one</li><li>two</li></ul>",
        "CommonMark and GitHub start the list; Python-Markdown printed the dashes as text",
    ),
    "a numbered list right after a paragraph": (
        "Para\n1. one\n2. two\n",
        "<p>Para</p><ol><li>one</li><li>two</li></ol>",
        "as above",
    ),
    "a list nested by two spaces": (
        "- a\n  - b\n  - c\n- d\n",
        "<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li></ul>",
        "nested as written and as GitHub shows it; Python-Markdown wanted four spaces and flattened it",
    ),
    "a change of list marker": (
        "1. a\n- b\n",
        "<ol><li>a</li></ol><ul><li>b</li></ul>",
        "CommonMark starts a new list; Python-Markdown glued '- b' onto the first item",
    ),
    "a quote, a blank line, a quote": (
        "> a\n\n> b\n",
        "<blockquote><p>a</p></blockquote><blockquote><p>b</p></blockquote>",
        "two quotes as written (and as GitHub shows); Python-Markdown merged them",
    ),
    "triple emphasis": (
        "***both***",
        "<p><em><strong>both</strong></em></p>",
        "the same bold italic text, nested the other way round",
    ),
    "bare web and mail addresses": (
        "https://bare.org, www.bare.org and mail@x.org",
        '<p><a href="https://bare.org" rel="noopener noreferrer">https://bare.org</a>, '
        '<a href="http://www.bare.org" rel="noopener noreferrer">www.bare.org</a> and '
        '<a href="mailto:mail@x.org" rel="noopener noreferrer">mail@x.org</a></p>',
        "GFM autolinks them, as GitHub's preview does; `www.` gets http:// as on GitHub",
    ),
    "backslash line break": (
        "line two\\\nline three",
        "<p>line two<br>line three</p>",
        "CommonMark's second way to break a line; Python-Markdown printed the backslash",
    ),
    "backslash before <": (
        "3 \\< 4",
        "<p>3 &lt; 4</p>",
        "CommonMark escapes any ASCII punctuation; Python-Markdown printed the backslash",
    ),
    "strikethrough": (
        "~~gone~~ and ~one~",
        "<p><del>gone</del> and <del>one</del></p>",
        "GFM strikethrough, as GitHub shows it; Python-Markdown printed the tildes",
    ),
    "footnotes": (
        "Text[^1].\n\n[^1]: One.\n",
        '<p>Text<sup><a href="#user-content-fn-1" id="user-content-fnref-1" rel="noopener noreferrer">1</a></sup>.</p>'
        '<div><hr><ol><li id="user-content-fn-1"><p>One. <a href="#user-content-fnref-1" rel="noopener noreferrer">↩</a>'
        '</p></li></ol></div>',
        "same notes, rule and back link; ids are GitHub's fn-1/fnref-1 (sanitize() prefixes them) instead of "
        "fn:1, the reference id sits on the link, and the back link has no title (the sanitizer drops titles)",
    ),
    "Markdown inside an HTML block after a blank line": (
        "<details><summary>More</summary>\n\nInner *md*\n\n</details>\n",
        "<details><summary>More</summary><p>Inner <em>md</em></p></details>",
        "CommonMark ends an HTML block at a blank line, so the inside is Markdown, as on GitHub",
    ),
    "markdown=1 inside HTML": (
        '<div markdown="1">\n*md*\n</div>\n',
        "<div>*md*</div>",
        "md_in_html is Python-Markdown's own; GitHub shows the same text",
    ),
    "abbreviations": (
        "The IOM helps.\n\n*[IOM]: International Organization for Migration\n",
        "<p>The IOM helps.</p><p>*[IOM]: International Organization for Migration</p>",
        "no CommonMark engine has them, no content uses them and GitHub shows the same text; "
        "the lead may add a `check` for them",
    ),
    "definition lists": (
        "Term\n: Definition\n",
        "<p>Term : Definition</p>",
        "as abbreviations",
    ),
}


@pytest.mark.parametrize("body, expected, why", DIFFERENT.values(), ids=DIFFERENT.keys())
def test_constructs_that_render_differently_and_why(body: str, expected: str, why: str) -> None:
    new = canonical(render_body(body))
    assert new != canonical(legacy(body)), f"no longer different: {why}"
    assert new == canonical(expected), why


def test_headings_get_plain_github_style_ids() -> None:
    body = (
        "## Hello \"world\" -- it's...[^1]\n\n## Hello world\n\n## Hello world\n\n## Hello world-1\n\n"
        "### الشتاء الأول\n\n## Kraków 2021: *the* club\n\n## A named one {: #custom }\n\n## ?!\n\n[^1]: Note.\n"
    )
    ids = [t for t in canonical(render_body(body), heading_ids=True) if t[:2] == "<h" and t[2].isdigit()]
    plain = [t.replace('id="user-content-', 'id="') for t in ids]  # sanitize() keeps author ids apart (issue 13)
    assert all('id="user-content-' in t for t in ids)
    assert plain == [
        '<h2 id="hello-world--its">', '<h2 id="hello-world">', '<h2 id="hello-world-1">',
        '<h2 id="hello-world-1-1">', '<h3 id="الشتاء-الأول">', '<h2 id="kraków-2021-the-club">',
        '<h2 id="custom">', '<h2 id="section">',
    ]  # fmt: skip
    assert slug("  Two  spaces ") == "two--spaces"


def test_pathological_bodies_render_whole() -> None:
    """Inputs that are quadratic for Python-Markdown; cmark-gfm is linear (figures in the README)."""
    assert render_body("[" * 100_000).count("[") == 100_000
    assert render_body("<h2>x\n\n" * 20_000).count("x") == 20_000
    assert render_body("*a " * 50_000).count("a") == 50_000


def test_raw_html_reaches_the_page_only_through_the_sanitizer() -> None:
    html = render_body('<p onclick="x()">hi <iframe src="https://t.example"></iframe><script>alert(1)</script></p>')
    assert canonical(html) == ["<p>", "hi", "</p>"]
