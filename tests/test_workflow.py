"""The comms team's workflow: automation files, the guide, and `new` -> `check` -> `build`.

* The workflow files and the pre-commit configuration are valid YAML, have the shape GitHub and
  pre-commit expect, and every `run:` step is a command the README documents.
* The publishing schedule fires every hour from 1 to 18 December and every day of the year.
* CODEOWNERS sends stories, profiles and the safety code to the safeguarding team.
* CONTRIBUTING.md explains every message the content check can give.
* On a temporary site, a story made by `new`, filled in as the guide says, passes `check`
  and is published by the build; a broken field gives a GitHub annotation on its line; `new`
  never overwrites; the guide's withdrawal edit leaves only the notice.
"""

from __future__ import annotations

import ast
import calendar
import re
import shlex
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from builder.cli import main

from .conftest import NOW, PROJECT, SiteDir

WORKFLOWS = PROJECT / ".github" / "workflows"
PRE_COMMIT = PROJECT / ".pre-commit-config.yaml"
README = PROJECT / "README.md"
GUIDE = PROJECT / "CONTRIBUTING.md"
SAFEGUARDING = "@migrant-stories/safeguarding"
YEAR = NOW[:4]


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def load_workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True; GitHub reads it as "on".
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict) -> list[tuple[str, dict]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


# -- commands: what the README documents, and what the automation runs ------------------------------

_FENCE = re.compile(r"^\s*(```+|~~~+)")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
_PLACEHOLDER = re.compile(r"^<[^<>]+>$")


def _normalise(command: str) -> tuple[str, ...]:
    """A command as a word sequence: no prompt, no trailing comment, no `VAR=value` prefix,
    and `.venv/bin/python` written as `python` (the README's two forms of one command)."""
    command = re.sub(r"^\s*[$>]\s+", "", command).strip()
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return ()
    while words and _ENV_ASSIGNMENT.match(words[0]):
        words.pop(0)
    if words:
        words[0] = re.sub(r"^(?:\./)?\.venv/bin/", "", words[0])
    return tuple(words)


def shell_commands(script: str) -> list[tuple[str, ...]]:
    """Each simple command of a shell snippet: lines joined at `\\`, split at `&&`, `||` and `;`."""
    script = re.sub(r"\\\n", " ", script)
    commands = []
    for line in script.splitlines():
        for part in re.split(r"&&|\|\||;", line):
            words = _normalise(part)
            if words:
                commands.append(words)
    return commands


def documented_commands(markdown: str) -> list[tuple[str, ...]]:
    """Every command line inside the fenced code blocks of a Markdown file."""
    found, fence, block = [], None, []
    for line in markdown.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence, block = match.group(1), []
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            found += shell_commands("\n".join(block))
            fence = None
        elif fence is not None:
            block.append(line)
    return found


def is_documented(command: tuple[str, ...], documented: list[tuple[str, ...]]) -> bool:
    """Same words as a documented command; a `<placeholder>` there stands for any one word."""
    return any(
        len(doc) == len(command) and all(d == c or _PLACEHOLDER.match(d) for d, c in zip(doc, command, strict=True))
        for doc in documented
    )


def automation_commands() -> list[tuple[str, str, tuple[str, ...]]]:
    """(file, step, command) for every `run:` step and the pre-commit hook's entry."""
    found = []
    for path in workflow_files():
        for job, step in steps(load_workflow(path)):
            if "run" in step:
                for command in shell_commands(step["run"]):
                    found.append((path.name, f"{job}: {step.get('name', step['run'])}", command))
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            found += [(PRE_COMMIT.name, hook["id"], c) for c in shell_commands(hook["entry"])]
    return found


README_SAMPLE = """\
# Migrant stories

```sh
make site      # install, then build site/
make test
```

Other commands:

```
$ make check
make serve
make bench
python -m builder check
python -m builder check --format github
python -m builder new story <slug>
python -m builder build
python -m builder serve
```

~~~yaml
title: "Not a command"
~~~
"""


def test_readme_parser_reads_fenced_commands():
    docs = documented_commands(README_SAMPLE)
    assert ("make", "site") in docs and ("make", "check") in docs
    assert ("python", "-m", "builder", "check", "--format", "github") in docs
    assert is_documented(("python", "-m", "builder", "new", "story", "my-first-story"), docs)
    assert is_documented(_normalise(".venv/bin/python -m builder check --format github"), docs)
    assert not is_documented(("pip", "install", "-e", "."), docs)
    assert not is_documented(("python", "-m", "builder", "check", "--format"), docs)
    assert shell_commands("make check && \\\n  make site # both") == [("make", "check"), ("make", "site")]


# -- (a) the files are valid YAML of the right shape ------------------------------------------------


def test_automation_files_exist():
    assert {p.name for p in workflow_files()} >= {"pull-request.yml", "publish.yml"}
    assert PRE_COMMIT.is_file()


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflow_is_valid(path: Path):
    workflow = load_workflow(path)
    assert workflow.get("name") and workflow.get("on") and workflow.get("jobs")
    for name, job in workflow["jobs"].items():
        assert job.get("runs-on"), f"{name}: no runs-on"
        assert job.get("steps"), f"{name}: no steps"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}: a step needs exactly one of uses/run: {step}"
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), f"pin by major version: {step['uses']}"


def test_pull_request_workflow_checks_builds_and_tests():
    workflow = load_workflow(WORKFLOWS / "pull-request.yml")
    assert "pull_request" in workflow["on"]
    runs = [c for path, _, c in automation_commands() if path == "pull-request.yml"]
    assert ("make", "check") in runs
    assert ("make", "site") in runs and ("make", "test") in runs
    uses = [step.get("uses", "") for _, step in steps(workflow)]
    assert any(u.startswith("actions/checkout@") for u in uses)
    setup = [step for _, step in steps(workflow) if step.get("uses", "").startswith("actions/setup-python@")]
    assert setup and all(str(s["with"]["python-version"]) == "3.11" for s in setup)


def test_check_speaks_github_annotations_on_github_actions(project: SiteDir, capsys, monkeypatch):
    project.story("broken", tags=["fod"])
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = check(capsys)
    assert code == 1 and out.startswith("::error file=stories/2021/broken.md,line=")


def test_publish_workflow_deploys_to_pages():
    workflow = load_workflow(WORKFLOWS / "publish.yml")
    on = workflow["on"]
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on and on["schedule"]
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    assert workflow["concurrency"]["group"]
    uses = [step.get("uses", "").split("@")[0] for _, step in steps(workflow)]
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    upload = next(s for _, s in steps(workflow) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "site"
    runs = [c for path, _, c in automation_commands() if path == "publish.yml"]
    assert ("make", "site") in runs


def test_pre_commit_runs_check_on_content():
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    (hook,) = repo["hooks"]
    assert hook["language"] == "system" and hook["pass_filenames"] is False
    assert _normalise(hook["entry"]) == ("python", "-m", "builder", "check")
    files = re.compile(hook["files"])
    assert files.search("stories/2026/my-first-story.md")
    assert files.search("campaigns/2021-it-takes-a-community/ambassadors/amer.md")
    assert not files.search("builder/cli.py")


def test_pre_commit_hook_stops_a_broken_story(site: SiteDir):
    """The hook's own command, run as pre-commit runs it, in a project with a broken story."""
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    words = shlex.split(config["repos"][0]["hooks"][0]["entry"])
    command = [sys.executable, *words[1:]]  # this interpreter stands in for .venv/bin/python
    site.story("fine-story")
    assert subprocess.run(command, cwd=site.root, capture_output=True).returncode == 0
    site.story("broken-story", tags=["fod"])
    done = subprocess.run(command, cwd=site.root, capture_output=True, text=True)
    assert done.returncode == 1
    assert "stories/2021/broken-story.md:" in done.stdout and "unknown tag 'fod'" in done.stdout


# -- (b) every command the automation runs is one the README documents --------------------------------


def test_run_steps_are_documented_in_readme():
    if not README.is_file():
        pytest.fail("README.md is missing: the automation may only run commands the README documents")
    documented = documented_commands(README.read_text(encoding="utf-8"))
    assert documented, "README.md has no commands in fenced code blocks"
    undocumented = [f"{path} ({where}): {shlex.join(c)}" for path, where, c in automation_commands()
                    if not is_documented(c, documented)]  # fmt: skip
    assert not undocumented, "commands the README does not document:\n" + "\n".join(undocumented)


# -- the schedule: hourly before International Migrants' Day, daily otherwise ---------------------------


def _cron_field(spec: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in spec.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = map(int, base.split("-"))
        else:
            start = end = int(base)
            if step:
                end = high
        values |= set(range(start, end + 1, int(step or 1)))
    assert values and min(values) >= low and max(values) <= high, f"bad cron field {spec!r}"
    return frozenset(values)


class Cron:
    """A five-field cron expression as GitHub Actions reads it (UTC)."""

    def __init__(self, expression: str) -> None:
        fields = expression.split()
        assert len(fields) == 5, f"a cron needs five fields: {expression!r}"
        minute, hour, day, month, weekday = fields
        self.minutes, self.hours = _cron_field(minute, 0, 59), _cron_field(hour, 0, 23)
        self.days, self.months = _cron_field(day, 1, 31), _cron_field(month, 1, 12)
        self.weekdays = frozenset(w % 7 for w in _cron_field(weekday, 0, 7))
        self.any_day, self.any_weekday = day == "*", weekday == "*"

    def fires_in_hour(self, moment: datetime) -> bool:
        day_ok = moment.day in self.days
        weekday_ok = moment.isoweekday() % 7 in self.weekdays
        # As in cron: when both day fields are restricted, either may match.
        date_ok = (day_ok or weekday_ok) if not (self.any_day or self.any_weekday) else (day_ok and weekday_ok)
        return date_ok and moment.month in self.months and moment.hour in self.hours


def test_cron_reader():
    december = Cron("5 * 1-18 12 *")
    assert december.minutes == {5} and december.days == set(range(1, 19))
    assert december.fires_in_hour(datetime(2026, 12, 18, 9)) and not december.fires_in_hour(datetime(2026, 12, 19, 9))
    assert Cron("17 6 * * *").fires_in_hour(datetime(2026, 3, 1, 6))
    assert not Cron("17 6 * * 1-5").fires_in_hour(datetime(2026, 3, 1, 6))  # a Sunday


def test_publish_schedule_is_hourly_in_december_and_daily_all_year():
    crons = [Cron(entry["cron"]) for entry in load_workflow(WORKFLOWS / "publish.yml")["on"]["schedule"]]
    year = int(YEAR)
    for hour in range(18 * 24):  # every hour of 1-18 December: scheduled stories go live on time
        moment = datetime(year, 12, 1) + timedelta(hours=hour)
        assert any(c.fires_in_hour(moment) for c in crons), f"no rebuild in the hour from {moment}"
    for day in range(366 if calendar.isleap(year) else 365):  # every day: expired consent ends
        start = datetime(year, 1, 1) + timedelta(days=day)
        assert any(c.fires_in_hour(start + timedelta(hours=h)) for c in crons for h in range(24)), (
            f"no rebuild on {start:%d %B}"
        )


# -- CODEOWNERS and the pull request template ----------------------------------------------------------


def _codeowners_regex(pattern: str) -> re.Pattern:
    """GitHub's CODEOWNERS patterns (gitignore rules) as a regex over a repository path."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    out = ""
    for token in re.split(r"(\*\*/|/\*\*|\*\*|\*|\?)", body):
        out += {"**/": "(?:.*/)?", "/**": "/.*", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
    prefix = "" if anchored else "(?:.*/)?"
    suffix = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"^{prefix}{out}{suffix}$")


def code_owners(path: str) -> list[str]:
    owners: list[str] = []
    for line in (PROJECT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *names = line.split()
            if _codeowners_regex(pattern).match(path):
                owners = names  # the last matching rule wins
    return owners


@pytest.mark.parametrize("path", [
    "stories/2026/my-first-story.md",
    "stories/2021/images/dinner.jpg",
    "campaigns/2021-it-takes-a-community/ambassadors/amer.md",
    "campaigns/2026-new-theme/ambassadors/photos/sam.jpg",
    "builder/publish.py",
    "builder/anonymity.py",
    "builder/loader.py",
])  # fmt: skip
def test_sensitive_files_go_to_safeguarding(path: str):
    assert code_owners(path) == [SAFEGUARDING]


def test_other_files_have_an_owner_too():
    assert code_owners("campaigns/2021-it-takes-a-community/campaign.md")
    assert SAFEGUARDING not in code_owners("builder/feeds.py")


def test_pull_request_template_has_a_consent_checklist():
    text = (PROJECT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    boxes = re.findall(r"^- \[ \] (.+)$", text, re.M)
    assert len(boxes) >= 5
    for word in ("consent", "scope", "display", "minor", "guardian_consent_ref", "withdrawn", "alt text"):
        assert word in text, word


# -- the guide explains every check message ------------------------------------------------------------

_MESSAGE_ARG = {"problem": 1, "Problem": 2, "SourceError": 1, "_Mistake": 0, "Explained": 1}


def _template(node: ast.AST) -> str:
    """A message expression as text, with `{}` for every part only known at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template(node.left) + _template(node.right)
    return "{}"


def check_messages() -> list[str]:
    """Every message the content check can give, read from the code."""
    messages = []
    for module in ("source", "fields", "loader", "anonymity", "yaml_errors", "aliases", "links"):
        tree = ast.parse((PROJECT / "builder" / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                index = _MESSAGE_ARG.get(name)
                if index is not None and len(node.args) > index:
                    messages.append(_template(node.args[index]))
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_PLACE_REFUSALS" for t in node.targets):
                # `place`/`lives_in` refusals: "`{key}` {why}: name a town, city or region only"
                strings = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)]
                messages += [s for s in strings if isinstance(s, str) and s.startswith("looks like")]
    return sorted({m for m in messages if m != "{}"})


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip()


def test_guide_explains_every_check_message():
    assert GUIDE.is_file()
    guide = _plain(GUIDE.read_text(encoding="utf-8"))
    messages = check_messages()
    assert len(messages) > 30, messages
    missing = []
    for message in messages:
        fragments = [_plain(f) for f in message.split("{}")]
        if not all(f in guide for f in fragments if re.search(r"[a-z]{3}", f)):
            missing.append(message)
    assert not missing, "CONTRIBUTING.md does not explain:\n" + "\n".join(missing)


def test_guide_commands_exist():
    """The make targets and `python -m builder` commands the guide shows are real."""
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split())
    commands = documented_commands(GUIDE.read_text(encoding="utf-8"))
    for command in commands:
        if command[0] == "make":
            assert len(command) == 2 and command[1] in targets, command
        if command[:3] == ("python", "-m", "builder"):
            assert command[3] in {"check", "build", "serve", "new"}, command
    assert ("make", "serve") in commands and ("make", "check") in commands


# -- (c) new -> fill in -> check -> build, as the guide tells a comms officer ------------------------------


@pytest.fixture
def project(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> SiteDir:
    """The temporary site as the working directory, with the build clock at NOW."""
    monkeypatch.chdir(site.root)
    monkeypatch.setenv("STORIES_NOW", NOW)
    return site


def new(capsys: pytest.CaptureFixture, *words: str) -> tuple[int, str, str]:
    code = main(["new", *words])
    out = capsys.readouterr()
    return code, out.out, out.err


def check(capsys: pytest.CaptureFixture, *words: str) -> tuple[int, str, str]:
    code = main(["check", *words])
    out = capsys.readouterr()
    return code, out.out, out.err


def fill_in(text: str, **changes: str) -> str:
    """Edit the scaffolded story as a person would: replace each `key: value` line."""
    for key, value in changes.items():
        line = re.compile(rf"^(\s*)(?:# )?{key}:.*$", re.M)  # a commented-out optional field is filled in too
        text, count = line.subn(lambda m, key=key, value=value: f"{m.group(1)}{key}: {value}", text, count=1)
        assert count == 1, f"no `{key}` line in the template"
    return text


FILLED = dict(
    title='"My first story: cooking for new neighbours"',
    date="2026-11-01T09:00:00+00:00",
    summary='"How a shared kitchen in Leeds became a place to meet."',
    by='["Editorial team"]',
    tags="[food, welcome]",
    origin="[SY]",
    place='"Leeds"',
    ref='"IMD2026-ST-01"',
)


def test_new_check_build_publishes_the_story(project: SiteDir, capsys):
    code, out, err = new(capsys, "story", "my-first-story")
    assert code == 0, err
    path = out.strip()
    assert path == f"stories/{YEAR}/my-first-story.md"
    story = project.root / path
    scaffolded = story.read_text(encoding="utf-8")

    # Untouched, the scaffold cannot pass: its placeholders are named on their lines.
    code, out, err = check(capsys)
    assert code == 1
    assert f"{path}:4: `title` still holds the template's placeholder 'Write the title here'" in out
    assert "`ref` still holds the template's placeholder 'FORM-ID'" in out

    text = fill_in(scaffolded, **FILLED)
    text = re.sub(r"^draft: true\n", "", text, flags=re.M)
    text = text.replace("Write the story here. Use `## ` for section headings.",
                        "## The kitchen\n\nEvery Thursday the kitchen fills up.\n")  # fmt: skip
    story.write_text(text, encoding="utf-8")

    code, out, err = check(capsys, "--report")
    assert code == 0, out + err
    assert "published: 1 stories" in out

    site_dir = project.build(NOW)
    page = project.page(f"stories/{YEAR}/my-first-story")
    assert "My first story: cooking for new neighbours" in page
    assert "Every Thursday the kitchen fills up." in page
    # The consent form's id is for the team's records, not for readers.
    assert not any(b"IMD2026-ST-01" in p.read_bytes() for p in site_dir.rglob("*") if p.is_file())


def test_scheduled_story_goes_live_at_the_first_rebuild_after_its_time(project: SiteDir, capsys):
    """The guide's campaign example: 18 December 09:00 UK time, published by the 09:05 rebuild."""
    code, out, _ = new(capsys, "story", "campaign-launch")
    story = project.root / out.strip()
    text = fill_in(story.read_text(encoding="utf-8"), **{**FILLED, "date": "2026-12-18T09:00:00+00:00"})
    story.write_text(re.sub(r"^draft: true\n", "", text, flags=re.M), encoding="utf-8")
    assert check(capsys)[0] == 0

    project.build("2026-12-18T08:05:00+00:00")
    assert not (project.root / f"site/stories/{YEAR}/campaign-launch/index.html").exists()
    project.build("2026-12-18T09:05:00+00:00")
    assert "My first story: cooking for new neighbours" in project.page(f"stories/{YEAR}/campaign-launch")


def test_withdrawal_as_the_guide_describes(project: SiteDir, capsys):
    """Set `withdrawn: true` and blank the story: only the notice stands at the old URL."""
    new(capsys, "story", "to-withdraw")
    story = project.root / f"stories/{YEAR}/to-withdraw.md"
    text = fill_in(story.read_text(encoding="utf-8"), **{**FILLED, "title": '"Zanzibarine tale"'})
    story.write_text(re.sub(r"^draft: true\n", "", text, flags=re.M), encoding="utf-8")
    project.build(NOW)
    assert "Zanzibarine" in project.page(f"stories/{YEAR}/to-withdraw")

    kept = story.read_text(encoding="utf-8")
    story_id = re.search(r"^id: (.+)$", kept, re.M).group(1)
    date = re.search(r"^date: (.+)$", kept, re.M).group(1)
    given = re.search(r"^  given: (.+)$", kept, re.M).group(1)
    # What the guide says a withdrawn story file keeps: its id, date and file name, nothing else.
    story.write_text(
        f'---\nid: {story_id}\ntitle: "Withdrawn"\ndate: {date}\nsummary: "Withdrawn"\n'
        f'by: ["Withdrawn"]\nconsent:\n  ref: "IMD2026-ST-01"\n  given: {given}\n  scope: [web]\n'
        "  withdrawn: true\n---\n",
        encoding="utf-8",
    )
    code, out, err = check(capsys, "--report")
    assert code == 0, out + err
    assert f"withdrawn: stories/{YEAR}/to-withdraw.md (tombstone only)" in out
    site_dir = project.build(NOW)
    assert "withdrawn at the storyteller's request" in project.page(f"stories/{YEAR}/to-withdraw")
    assert not any(b"Zanzibarine" in p.read_bytes() for p in site_dir.rglob("*") if p.is_file())


# -- (d) a broken field is annotated on its own line -------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "message"), [
    ("tags", "[fod]", "unknown tag 'fod' (did you mean 'food'?)"),
    ("date", "2026-12-18T09:00", "`date` has a time but no time zone"),
    ("place", '"14 Station Road, Leeds"', "`place` looks like a street address"),
    ("scope", "[web, feed]", "unknown consent scope 'feed'"),
])  # fmt: skip
def test_broken_field_gives_an_annotation_on_its_line(project: SiteDir, capsys, key, value, message):
    code, out, _ = new(capsys, "story", "my-first-story")
    relpath = out.strip()
    story = project.root / relpath
    text = fill_in(story.read_text(encoding="utf-8"), **{**FILLED, key: value})
    story.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if re.match(rf"\s*{key}:", t))

    code, out, err = check(capsys, "--format", "github")
    assert code == 1
    annotations = out.splitlines()
    assert len(annotations) == 1, out
    assert annotations[0].startswith(f"::error file={relpath},line={line},")
    assert message in annotations[0]
    assert "1 problem found" in err

    code, out, _ = check(capsys)  # the same problem for people: path:line: message
    assert code == 1 and out.startswith(f"{relpath}:{line}: ")


# -- (e) `new` prints what it made and never overwrites -------------------------------------------------------


def test_new_refuses_to_overwrite(project: SiteDir, capsys):
    code, out, _ = new(capsys, "story", "my-first-story")
    assert code == 0 and out == f"stories/{YEAR}/my-first-story.md\n"
    story = project.root / out.strip()
    story.write_text("my edits\n", encoding="utf-8")

    code, out, err = new(capsys, "story", "my-first-story")
    assert code == 1 and out == ""
    assert f"stories/{YEAR}/my-first-story.md" in err
    assert story.read_text(encoding="utf-8") == "my edits\n"


def test_new_campaign_and_ambassador_print_their_paths(project: SiteDir, capsys):
    code, out, _ = new(capsys, "campaign", "new-theme")
    assert code == 0 and out == f"campaigns/{YEAR}-new-theme/campaign.md\n"
    code, out, _ = new(capsys, "ambassador", "sam", "--campaign", f"{YEAR}-new-theme")
    assert code == 0 and out == f"campaigns/{YEAR}-new-theme/ambassadors/sam.md\n"
    assert new(capsys, "ambassador", "sam", "--campaign", f"{YEAR}-new-theme")[0] == 1
    code, _, err = new(capsys, "ambassador", "kim")
    assert code == 1 and "--campaign" in err
    code, _, err = new(capsys, "story", "My_Story")
    assert code == 1 and "lowercase" in err


def test_check_says_what_will_be_held_back_and_until_when(project: SiteDir, capsys):
    project.story("ready")
    project.story("still-a-draft", draft=True)
    project.story("later", date="2027-01-05T09:00:00+00:00", year=2027)
    project.story("expired", consent={"ref": "F", "given": "2021-01-01", "scope": ["web"], "expires": "2022-01-01"})
    code, out, err = check(capsys)
    assert code == 0 and "content OK" in err
    lines = out.strip().splitlines()
    assert lines == [
        "held: stories/2021/expired.md — consent expired 2022-01-01T00:00:00+00:00 "
        "(until the consent is renewed: a new `expires`, or none)",
        "held: stories/2021/still-a-draft.md — draft: true (until `draft: true` is removed)",
        "held: stories/2027/later.md — scheduled for 2027-01-05T09:00:00+00:00 "
        "(until then: it appears at the first build after that time)",
    ]
