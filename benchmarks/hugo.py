"""The same corpus as a minimal Hugo site: the static generator people choose for speed.

    .venv/bin/python -m benchmarks.hugo CORPUS DEST      # write the site; `hugo -s DEST` builds it

Issue 16 measures our builds against Hugo's on the same stories. The Hugo site is the smallest
one that does the work a story site must: a page per story, a paginated list of all stories
(10 a page, as ours), two taxonomies (`storytellers` and `places`, each with a page and a feed
per term) and RSS for the home page, the list and every term. Stories our build would not
publish (withdrawn, consent expired, drafts, scheduled) are left out, as in the blog twin;
storytellers are shown by the name our site shows. No theme, no images, no search: Hugo's
figure is a floor for the work, not a like-for-like site, which is why the issue asks for ratios.

Hugo comes from Debian (`apt-get install hugo`, 0.111 on bookworm); `make bench` installs it
when it is missing. Without it the runner prints a dash and says why.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from .corpus import MANIFEST, _q, _split

HUGO_CONFIG = """\
baseURL = "https://stories.example.org/"
languageCode = "en"
title = "Migrant Stories (Hugo)"
paginate = 10
disableKinds = ["sitemap", "robotsTXT", "404"]
[taxonomies]
  storyteller = "storytellers"
  place = "places"
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML", "RSS"]
  taxonomy = ["HTML"]
  term = ["HTML", "RSS"]
[markup.goldmark.extensions]
  typographer = true
[markup.goldmark.renderer]
  unsafe = false
"""

LAYOUTS = {
    "_default/baseof.html": """\
<!doctype html>
<html lang="{{ or .Params.lang site.LanguageCode }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body><header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """\
{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ range .GetTerms "storytellers" }} · <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}
{{ range .GetTerms "places" }} · <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
<p>{{ .Summary }}</p>
{{ .Content }}</article>{{ end }}
""",
    # Hugo evaluates the argument of .Paginate on every pager page: `where ...` and
    # `.ByDate.Reverse` there filtered and sorted all stories 3,648 times at 10,000 (21 of Hugo's
    # 25 s). Hugo's default order is already newest first, and every regular page is a story.
    "_default/list.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .RegularPages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
{{ range (.Paginate $pages).Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p><time>{{ .Date.Format "2 January 2006" }}</time></p><p>{{ .Params.summary }}</p></article>{{ end }}
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "_default/terms.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}
</ul>{{ end }}
""",
}
LEFT_OUT = ("withdrawn", "expired", "draft", "scheduled")


def _names(corpus: Path) -> dict[str, str]:
    """Each ambassador's id to the name our site shows (first name only where they asked)."""
    names = {}
    for path in sorted((corpus / "campaigns").glob("*/ambassadors/*.md")):
        meta, _ = _split(path.read_text(encoding="utf-8"))
        names[path.stem] = meta["name"].split()[0] if meta.get("display") == "first-name" else meta["name"]
    return names


def write_hugo_site(corpus: Path, dest: Path) -> int:
    """Write the Hugo twin of a corpus at `dest`; returns the number of story pages."""
    if dest.exists():
        shutil.rmtree(dest)
    for relpath, text in LAYOUTS.items():
        (dest / "layouts" / relpath).parent.mkdir(parents=True, exist_ok=True)
        (dest / "layouts" / relpath).write_text(text, encoding="utf-8")
    (dest / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    stories = dest / "content" / "stories"
    stories.mkdir(parents=True)
    (stories / "_index.md").write_text('---\ntitle: "Stories"\n---\n', encoding="utf-8")
    names = _names(corpus)
    manifest = json.loads((corpus / MANIFEST).read_text(encoding="utf-8"))
    count = 0
    for story in manifest["stories"]:
        if story["status"] in LEFT_OUT:
            continue
        meta, body = _split((corpus / story["path"]).read_text(encoding="utf-8"))
        tellers = [names.get(i, i) for i in meta.get("storytellers") or []]
        front = [f"title: {_q(meta['title'])}", f"date: {meta['date']}", f"summary: {_q(meta['summary'])}",
                 f"slug: {story['slug']}", f"storytellers: [{', '.join(map(_q, tellers))}]"]  # fmt: skip
        if meta.get("place"):
            front.append(f"places: [{_q(meta['place'])}]")
        if meta.get("lang"):
            front.append(f"lang: {meta['lang']}")
        (stories / f"{story['slug']}.md").write_text("---\n" + "\n".join(front) + "\n---\n" + body, encoding="utf-8")
        count += 1
    return count


def hugo_binary() -> str | None:
    return shutil.which("hugo")


def hugo_version() -> str:
    binary = hugo_binary()
    if not binary:
        return "not installed"
    out = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
    return out.split(" ")[1] if out.startswith("hugo v") else out


def hugo_cmd(site: Path) -> list[str]:
    """A full build from scratch: `public/` and Hugo's resource cache are removed before each run."""
    return [hugo_binary() or "hugo", "--quiet", "--source", str(site), "--destination", str(site / "public"),
            "--cacheDir", str(site / ".hugo-cache")]  # fmt: skip


OUTPUTS = ("public", "resources", ".hugo-cache")
"""What a Hugo build writes: removed before each build, so that each is from scratch."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hugo", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a corpus folder from benchmarks.corpus")
    parser.add_argument("dest", type=Path, help="the Hugo site to (re)create")
    args = parser.parse_args(argv)
    print(f"{args.dest}: {write_hugo_site(args.corpus, args.dest)} story pages; build with: hugo -s {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
