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


BAD_INPUTS = [
    # (what, front matter text, expected message part, expected line)
    ("yaml syntax error", 'id: "x"\ntitle: [unclosed\n', "YAML syntax error", 3),
    ("missing id", 'title: "T"\n', "missing required field `id`", 2),
    ("unknown key", 'id: "x"\ntitel: "T"\n', "unknown field `titel` (did you mean 'title'?)", 3),
    ("unknown ambassador", 'id: "x"\nstorytellers: [nobody]\n', "unknown ambassador 'nobody'", 3),
    ("missing alt", 'id: "x"\nimage: pic.jpg\n', "`image` needs `image_alt`", 3),
    ("naive datetime", 'id: "x"\ndate: 2021-12-18T09:00:00\n', "has a time but no time zone", 3),
    ("bad date", 'id: "x"\ndate: 2021-13-45\n', "not a real date", 3),
    ("unknown tag", 'id: "x"\ntags: [fod]\n', "unknown tag 'fod' (did you mean 'food'?)", 3),
    ("unknown country", 'id: "x"\norigin: [XY]\n', "unknown country code 'XY'", 3),
    ("coordinates as place", 'id: "x"\nplace: "53.7457, -0.3367"\n', "looks like map coordinates", 3),
    ("postcode as place", 'id: "x"\nplace: "HU1 2AA"\n', "looks like a UK postcode", 3),
    ("email as place", 'id: "x"\nplace: "me@example.org"\n', "looks like an e-mail address", 3),
    ("no consent scope", 'id: "x"\nconsent:\n  ref: F\n  given: 2021-01-01\n  scope: [web, tv]\n', "unknown consent scope 'tv'", 6),
    ("norway is not false", 'id: "x"\norigin: [NO]\nlang: ar\n', None, None),
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
