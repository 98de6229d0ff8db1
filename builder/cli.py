"""`python -m builder check|build|serve|new`: the commands a comms team uses.

`check` is engine-free and fast enough to run on every save; `build` and `serve` run MkDocs,
whose `stories` plugin does the same checks before it writes anything.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .models import Problem
from .pipeline import check, held_lines, publication_report
from .publish import ClockError, build_clock
from .scaffold import KINDS, scaffold
from .settings import load_settings


def format_problem(problem: Problem, style: str) -> str:
    if style == "github":
        message = problem.message + (f" ({problem.hint})" if problem.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::error file={problem.path},line={problem.line},title=Content check::{message}"
    return str(problem)


def format_held(line: str, style: str) -> str:
    if style != "github":
        return line
    path = line.split(": ", 1)[1].split(" ", 1)[0]
    return f"::notice file={path},line=1,title=Held back::{line}"


def cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings(Path(args.config))
    try:
        now = build_clock()
    except ClockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems, pub = check(settings, now)
    for problem in problems:
        print(format_problem(problem, args.format))
    if problems:
        count = len(problems)
        print(f"{count} problem{'s' if count != 1 else ''} found; nothing can be published until fixed.", file=sys.stderr)
        return 1
    if args.report and pub is not None:
        print("\n".join(publication_report(pub)))
    elif pub is not None:
        for line in held_lines(pub):  # what will not appear is part of "content OK"
            print(format_held(line, args.format))
    print("content OK", file=sys.stderr)
    return 0


def _mkdocs(*words: str) -> int:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.call([sys.executable, "-m", "mkdocs", *words], env=env)


def cmd_build(args: argparse.Namespace) -> int:
    return _mkdocs("build", "--strict", "--config-file", args.config)


def cmd_serve(args: argparse.Namespace) -> int:
    from .preview import serve  # the server and its file watcher load only for `serve`

    return serve(Path(args.config), args.dev_addr or DEFAULT_ADDR, explicit=args.dev_addr is not None)


DEFAULT_ADDR = "127.0.0.1:8000"


def cmd_new(args: argparse.Namespace) -> int:
    settings = load_settings(Path(args.config))
    try:
        path = scaffold(settings, args.kind, args.slug, campaign=args.campaign, now=build_clock())
    except FileExistsError as exc:
        existing = Path(exc.filename).relative_to(settings.root).as_posix()
        print(f"error: {existing} already exists: choose another name or edit that file", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path.relative_to(settings.root).as_posix())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m builder", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="mkdocs.yml", help="the site's mkdocs.yml (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check every story, campaign and profile; exit 1 on any problem")
    p.add_argument("--format", choices=("text", "github"),
                   default="github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text",
                   help="github (the default on GitHub Actions): annotations on a pull request's lines")  # fmt: skip
    p.add_argument("--report", action="store_true", help="also show what would be published or held back")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("build", help="check and build the site into site/ (strict)")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("serve", help="preview on a local server, drafts and scheduled stories included")
    p.add_argument("--dev-addr", metavar="HOST:PORT",
                   help=f"where to serve (default {DEFAULT_ADDR}, or the next free port if it is busy)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("new", help="start a new story, ambassador or campaign file")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("slug", help="file name without .md: lowercase letters, digits and '-'")
    p.add_argument("--campaign", help="campaign id (folder name) for an ambassador or story")
    p.set_defaults(run=cmd_new)

    args = parser.parse_args(argv)
    return args.run(args)
