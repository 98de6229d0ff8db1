"""The content contract: every problem reported at once, at the right `path:line`."""

from __future__ import annotations

import pytest
from mkdocs.exceptions import Abort

from builder.cli import main
from builder.loader import load_content
from builder.settings import load_settings


def problems_of(site) -> list[str]:
    _, problems = load_content(load_settings(site.root / "mkdocs.yml"))
    return [str(p) for p in problems]


def test_valid_site_has_no_problems(site):
    site.campaign()
    site.ambassador("amer")
    site.story("cooking-day", storytellers=["amer"], by=None, campaign="2021-it-takes-a-community", tags=["food"])
    assert problems_of(site) == []


ID = "urn:uuid:2f1c8a52-5a39-4e8b-9f7e-0d6b2a9c4e11"
BAD_INPUTS = [
    # (what, front matter text, expected message part, expected line)
    ("yaml syntax error", f'id: "{ID}"\ntitle: [unclosed\n', "YAML syntax error", 3),
    ("missing id", 'title: "T"\n', "missing required field `id`", 2),
    ("unknown key", f'id: "{ID}"\ntitel: "T"\n', "unknown field `titel` (did you mean 'title'?)", 3),
    ("unknown ambassador", f'id: "{ID}"\nstorytellers: [nobody]\n', "unknown ambassador 'nobody'", 3),
    ("missing alt", f'id: "{ID}"\nimage: pic.jpg\n', "`image` needs `image_alt`", 3),
    ("naive datetime", f'id: "{ID}"\ndate: 2021-12-18T09:00:00\n', "has a time but no time zone", 3),
    ("bad date", f'id: "{ID}"\ndate: 2021-13-45\n', "not a real date", 3),
    ("unknown tag", f'id: "{ID}"\ntags: [fod]\n', "unknown tag 'fod' (did you mean 'food'?)", 3),
    ("unknown country", f'id: "{ID}"\norigin: [XY]\n', "unknown country code 'XY'", 3),
    ("coordinates as place", f'id: "{ID}"\nplace: "53.7457, -0.3367"\n', "looks like map coordinates", 3),
    ("postcode as place", f'id: "{ID}"\nplace: "HU1 2AA"\n', "looks like a UK postcode", 3),
    ("email as place", f'id: "{ID}"\nplace: "me@example.org"\n', "looks like an e-mail address", 3),
    ("no consent scope", f'id: "{ID}"\nconsent:\n  ref: F\n  given: 2021-01-01\n  scope: [web, tv]\n', "unknown consent scope 'tv'", 6),
    ("norway is not false", f'id: "{ID}"\norigin: [NO]\nlang: ar\n', None, None),
    # YAML mistakes, in words, at the line to fix
    ("tab", f'id: "{ID}"\ntags: [food]\n\torigin: [SY]\n', "a tab at the start of the line: front matter is indented with spaces only (replace the tab with two spaces)", 4),
    ("smart quotes", f'id: "{ID}"\ntitle: “Amer: a story”\n', 'curly “smart” quotes, which YAML does not read as quotes (use straight quotes: title: "Amer: a story")', 3),
    ("colon", f'id: "{ID}"\ntitle: Amer: a story\n', 'contains a colon followed by a space, which YAML reads as a new field (put the whole value in quotes: title: "Amer: a story")', 3),
    ("unclosed quote", f'id: "{ID}"\ntitle: "Amer, a story\norigin: [SY]\n', 'the quote " that opens the value of `title` is not closed on this line', 3),
    ("smart quotes kept", f'id: "{ID}"\ntitle: “Amer”\n', "`title` is wrapped in curly “smart” quotes", 3),
    # ids as feeds need them
    ("id in braces", 'id: "urn:uuid:{2F1C8A52-5A39-4E8B-9F7E-0D6B2A9C4E11}"\n', f'lower case, with no braces: \'urn:uuid:{{2F1C8A52-5A39-4E8B-9F7E-0D6B2A9C4E11}}\' (write id: "{ID}")', 2),
    ("id upper case", f'id: "{ID.upper().replace("URN:UUID", "urn:uuid")}"\n', f'(write id: "{ID}")', 2),
    ("id not a uuid", 'id: "urn:uuid:1234"\n', "`id` is not `urn:uuid:` and a valid UUID: 'urn:uuid:1234' (a new story can take id: \"urn:uuid:", 2),
    ("id without urn", 'id: "my-story"\n', "`id` is not `urn:uuid:` and a valid UUID", 2),
    ("date year vs folder", f'id: "{ID}"\ndate: 2022-01-02T09:00:00Z\n', "`date` is in 2022 but the file is in the folder stories/2021/", 3),
]


@pytest.mark.parametrize("what, text, message, line", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_reported_with_path_and_line(site, what, text, message, line):
    (site.root / "stories/2021").mkdir(parents=True)
    (site.root / "stories/2021/pic.jpg").write_bytes(b"")
    base = 'summary: "S"\nby: [Team]\nconsent:\n  ref: F\n  given: 2021-01-01\n  scope: [web]\n'
    if "consent:" in text:
        base = 'summary: "S"\nby: [Team]\n'
    if "date:" not in text:
        base += "date: 2021-12-18T09:00:00Z\n"
    if "title:" not in text and "titel" not in text:
        base += 'title: "T"\n'
    site.write("stories/2021/a-story.md", f"---\n{text}{base}---\n\nBody.\n")
    problems = problems_of(site)
    if message is None:
        assert problems == []
        return
    expected = f"stories/2021/a-story.md:{line}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_bad_slug_and_duplicate_id_and_body_heading(site):
    site.story("Bad_Slug")
    site.story("first", id="urn:uuid:00000000-0000-4000-8000-000000000001")
    site.story("second", id="urn:uuid:00000000-0000-4000-8000-000000000001", body="Intro\n\n# A second title\n")
    problems = problems_of(site)
    assert any(p.startswith("stories/2021/Bad_Slug.md:2: bad file name") for p in problems), problems
    assert any(p.startswith("stories/2021/second.md:2: duplicate story id 'urn:uuid:00000000-0000-4000-8000-000000000001'") for p in problems), problems
    heading = [p for p in problems if "'# ' heading" in p]
    assert heading and heading[0].startswith("stories/2021/second.md:19:"), problems


def test_every_problem_is_reported_at_once(site):
    site.story("one", tags=["nope"])
    site.story("two", origin=["ZZ"], storytellers=["ghost"])
    site.write("stories/2021/three.md", "no front matter here\n")
    problems = problems_of(site)
    assert {p.split(":")[0] for p in problems} == {
        "stories/2021/one.md", "stories/2021/two.md", "stories/2021/three.md"
    }
    assert len(problems) == 4


def test_minor_needs_guardian_and_pseudonym(site):
    site.campaign()
    site.ambassador("child", minor=True, display="first-name")
    problems = problems_of(site)
    assert any("a minor needs `guardian_consent_ref` and `display: pseudonym`" in p for p in problems), problems


def test_failed_build_names_problems_and_leaves_previous_site(site, caplog):
    site.story("good")
    built = site.build()
    before = site.files()
    assert "stories/2021/good/index.html" in before
    site.story("broken", date="2021-12-18T09:00:00")
    with pytest.raises(Abort):
        site.build()
    assert "stories/2021/broken.md:4: `date` has a time but no time zone" in caplog.text
    assert site.files() == before
    assert not list(built.parent.glob(".site.*")), "staging folder left behind"


def test_check_command_output_and_exit_status(site, capsys):
    site.story("broken", tags=["fod"])
    status = main(["--config", str(site.root / "mkdocs.yml"), "check"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.startswith("stories/2021/broken.md:")
    assert "unknown tag 'fod'" in out
    status = main(["--config", str(site.root / "mkdocs.yml"), "check", "--format", "github"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.startswith("::error file=stories/2021/broken.md,line=")


def test_a_missing_closing_line_is_named_where_it_belongs(site):
    (site.root / "stories/2021").mkdir(parents=True)
    fields = f'---\nid: "{ID}"\ntitle: "T"\nsummary: "S"\nby: [Team]\n'
    site.write("stories/2021/no-end.md", fields + "\nThe story starts here, and: it goes on.\n")
    site.write("stories/2021/no-end-rule.md", fields + "\nThe story starts here.\n\n---\n\nMore text.\n")
    problems = problems_of(site)
    for name in ("no-end", "no-end-rule"):
        assert (f"stories/2021/{name}.md:6: the front matter is not closed: there is no line '---' after the last "
                "field (add a line '---' above line 6, after the last field)") in problems, problems


def test_a_story_with_no_text_is_refused_at_its_body(site):
    site.story("empty", body="\n   \n")
    assert any(p.startswith("stories/2021/empty.md:") and "the story has no text" in p for p in problems_of(site))
    line = int(next(p for p in problems_of(site) if "no text" in p).split(":")[1])
    text = (site.root / "stories/2021/empty.md").read_text(encoding="utf-8").splitlines()
    assert text[line - 2] == "---"  # the body's first line, just after the closing line


def test_new_refuses_a_name_taken_in_another_year(site, monkeypatch, capsys):
    site.story("cooking-day", year=2021)
    monkeypatch.chdir(site.root)
    monkeypatch.setenv("STORIES_NOW", "2026-11-22T12:00:00+00:00")
    assert main(["new", "story", "cooking-day"]) == 1
    err = capsys.readouterr().err
    assert "the name 'cooking-day' is taken by stories/2021/cooking-day.md" in err
    assert not (site.root / "stories/2026/cooking-day.md").exists()


def test_body_links_to_missing_pages_and_anchors_are_reported_at_their_line(site):
    from datetime import datetime, timezone

    from builder.links import page_ids
    from builder.pipeline import check
    from builder.render import render_body

    site.story("target", body="Intro.\n\n## Where we met\n\nText.\n")
    ids = sorted(page_ids(render_body("## Where we met\n")))  # whatever the engine and sanitizer make of it
    anchor = ids[0].removeprefix("user-content-") if ids else "no-heading-ids-yet"
    site.story("later-draft", draft=True)
    site.story("other-draft", draft=True, body="A draft may link to a draft: [draft](../later-draft/)\n")
    body = (
        "Fine: [the target](../target/), [home](/), [about](../../../about/).\n"
        "Not yet published: [draft](../later-draft/).\n"
        "Broken: [a typo](../targett/)\n"
        "Broken anchor: [x](../target/#nowhere) and [in page](#nope)\n"
        "```\n[in code](../not-checked/)\n```\n"
        f"Fine anchor: [met](../target/#{anchor})\n"
        '<a href="https://elsewhere.example/x">out of the site</a> and [a file](../target.md)\n'
    )
    path = site.story("linker", body=body)
    problems, _ = check(load_settings(site.root / "mkdocs.yml"), datetime(2026, 11, 22, tzinfo=timezone.utc))
    text = path.read_text(encoding="utf-8").split("\n")
    line = {needle: next(i + 1 for i, l in enumerate(text) if needle in l)
            for needle in ("a typo", "Broken anchor", "a file", "Not yet")}  # fmt: skip
    got = [str(p) for p in problems]
    linker = "stories/2021/linker.md"
    expected = [
        f"{linker}:{line['a typo']}: the link '../targett/' leads to a page that does not exist",
        f"{linker}:{line['Not yet']}: the link '../later-draft/' leads to a page that does not exist",
        f"{linker}:{line['Broken anchor']}: the link '../target/#nowhere' leads to #nowhere, which is not on that page",
        f"{linker}:{line['Broken anchor']}: the link '#nope' leads to #nope, which is not on that page",
        f"{linker}:{line['a file']}: the link '../target.md' points to a file, not a page",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in got), (message, got)
    assert len(got) == len(expected) + (0 if ids else 1), got  # no heading ids yet: the 'met' link is broken too
