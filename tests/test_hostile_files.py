"""Hostile files: links out of the project, special files, bombs, and what `site_src/` may publish.

Each test puts the file in a real project, runs `python -m builder check` (through
`builder.cli.main`) and the MkDocs build, and requires the same verdict from both, at the
same `path:line`. Where a file would leak something (a marker in a file outside the project,
`/etc/passwd`, the build's environment), the site built before the file was added must still
be in place and hold none of it.
"""

from __future__ import annotations

import os
import signal
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort
from PIL import Image

from builder.cli import main
from tests.conftest import NOW, front_matter

SECRET = "SECRET-MARKER-7d1c0f"
TIME_LIMIT = 20  # seconds: a guard so that a hang fails the test instead of the whole run


@contextmanager
def time_limit(seconds: int = TIME_LIMIT):
    """Fail with TimeoutError instead of hanging (a FIFO read blocks for ever)."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_check(site, capsys) -> tuple[int, str]:
    os.environ["STORIES_NOW"] = NOW
    try:
        with time_limit():
            code = main(["--config", str(site.root / "mkdocs.yml"), "check"])
    finally:
        del os.environ["STORIES_NOW"]
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def run_build(site, caplog) -> tuple[bool, str]:
    caplog.clear()
    try:
        with time_limit():
            site.build()
    except Abort:
        return False, caplog.text
    return True, caplog.text


def refused_by_both(site, capsys, caplog, *expected: str) -> None:
    """`check` exits 1 and the build fails, both naming every `expected` text (a `path:line: message`)."""
    code, said = run_check(site, capsys)
    assert code == 1, said
    built, log = run_build(site, caplog)
    assert not built, log
    for text in expected:
        assert text in said, said
        assert text in log, log
    assert "Traceback" not in said and "Traceback" not in log


def site_bytes(site) -> bytes:
    # The editor's pinned npm bundle (Decap CMS calls alert() itself) is not content; the files
    # generated for /admin/ (index.html, config.yml, editor.js) are searched like every other.
    vendored = {"admin/" + p.name for p in (Path(__file__).parents[1] / "node_modules/decap-cms/dist").iterdir()}
    return b"\n".join(data for name, data in site.files().items() if name not in vendored)


@pytest.fixture
def built(site):
    """A project whose site has been built once: a refused build must leave this one in place."""
    site.story("a-first-story")
    site.build()
    assert (site.root / "site/index.html").exists()
    return site


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder outside the project, holding a story-shaped file with a secret in it."""
    folder = tmp_path_factory.mktemp("outside")
    meta = {"id": "urn:uuid:0b7a35c2-6b55-4a43-9c44-111111111111", "title": f"Leak {SECRET}", "date": "2021-12-18",
            "summary": SECRET, "by": ["Someone"], "consent": {"ref": "F", "given": "2021-01-01", "scope": ["web"]}}
    (folder / "secret.md").write_text(front_matter(meta, f"{SECRET}\n"), encoding="utf-8")
    (folder / "secret.jpg").write_bytes(picture_bytes("JPEG"))
    return folder


def picture_bytes(fmt: str, size=(64, 48), **save) -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, fmt, **save)
    return out.getvalue()


def tagged_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = f"Artist {SECRET}"  # Artist
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8769)[0xA431] = f"SERIAL-{SECRET}"  # BodySerialNumber
    exif.get_ifd(0x8825)[2] = (53.0, 44.0, 44.0)  # GPSLatitude
    return exif


# -- links and special files in stories, campaigns and profiles ------------------------------------


def test_a_story_linked_to_a_file_outside_the_project_is_refused(built, outside, capsys, caplog):
    (built.root / "stories/2021/linked.md").symlink_to(outside / "secret.md")
    refused_by_both(built, capsys, caplog, "stories/2021/linked.md:1: is a link to a file outside the project")
    assert SECRET.encode() not in site_bytes(built)
    assert (built.root / "site/stories/2021/a-first-story/index.html").exists()


def test_a_link_to_another_story_inside_the_project_is_allowed(site, capsys, caplog):
    site.story("original")
    (site.root / "stories/2022").mkdir()
    alias = site.root / "stories/2022/copy.md"
    alias.symlink_to(site.root / "stories/2021/original.md")
    code, said = run_check(site, capsys)
    assert "stories/2022/copy.md" in said and "link" not in said  # read, and then a duplicate id: not a link problem
    assert code == 1


def test_campaign_and_profile_files_linked_outside_are_refused(built, outside, capsys, caplog):
    folder = built.root / "campaigns/2021-leak"
    (folder / "ambassadors").mkdir(parents=True)
    (folder / "campaign.md").symlink_to(outside / "secret.md")
    (folder / "ambassadors/someone.md").symlink_to(outside / "secret.md")
    (built.root / "campaigns/2020-elsewhere").symlink_to(outside)
    (built.root / "campaigns/2021-leak/ambassadors/more").symlink_to(outside)
    refused_by_both(built, capsys, caplog,
                    "campaigns/2020-elsewhere:1: is a link to a folder",
                    "campaigns/2021-leak/ambassadors/more:1: is a link to a folder",
                    "campaigns/2021-leak/campaign.md:1: is a link to a file outside the project",
                    "campaigns/2021-leak/ambassadors/someone.md:1: is a link to a file outside the project")  # fmt: skip
    assert SECRET.encode() not in site_bytes(built)


def test_a_story_linked_to_a_device_is_refused_not_read(site, capsys, caplog):
    site.story("fine")
    (site.root / "stories/2021/zero.md").symlink_to("/dev/zero")
    refused_by_both(site, capsys, caplog, "stories/2021/zero.md:1: is a link to a file outside the project")


def test_a_fifo_story_is_refused_without_waiting_for_a_writer(site, capsys, caplog):
    site.story("fine")
    os.mkfifo(site.root / "stories/2021/pipe.md")
    os.mkfifo(site.root / "stories/2021/other-pipe.bin")
    (site.root / "stories/2021/via-link.md").symlink_to("other-pipe.bin")
    refused_by_both(site, capsys, caplog,
                    "stories/2021/pipe.md:1: is a FIFO (named pipe), not a file",
                    "stories/2021/via-link.md:1: is a FIFO (named pipe), not a file")  # fmt: skip


def test_a_socket_named_like_a_story_is_refused(site, capsys, caplog):
    site.story("fine")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(site.root / "stories/2021/sock.md"))
        refused_by_both(site, capsys, caplog, "stories/2021/sock.md:1: is a socket, not a file")
    finally:
        server.close()


def test_self_referencing_and_looping_links_are_problems_not_tracebacks(site, capsys, caplog):
    site.story("fine")
    folder = site.root / "stories/2021"
    (folder / "self.md").symlink_to("self.md")
    (folder / "ping.md").symlink_to("pong.md")
    (folder / "pong.md").symlink_to("ping.md")
    (folder / "gone.md").symlink_to("nothing-here.md")
    (folder / "loop").symlink_to(".")
    refused_by_both(site, capsys, caplog,
                    "stories/2021/self.md:1: is a link that leads nowhere",
                    "stories/2021/ping.md:1: is a link that leads nowhere",
                    "stories/2021/gone.md:1: is a link that leads nowhere",
                    "stories/2021/loop:1: is a link to a folder")  # fmt: skip


def test_a_linked_year_folder_is_refused_not_followed(built, outside, capsys, caplog):
    (built.root / "stories/2019").symlink_to(outside)
    refused_by_both(built, capsys, caplog, "stories/2019:1: is a link to a folder (make it a real folder)")
    assert SECRET.encode() not in site_bytes(built)


def test_a_folder_named_like_a_story_is_a_problem(site, capsys, caplog):
    site.story("fine")
    (site.root / "stories/2021/folder.md").mkdir()
    refused_by_both(site, capsys, caplog, "stories/2021/folder.md:1: is a folder, not a file")


def test_a_year_folder_in_superscript_digits_is_a_problem_not_a_traceback(site, capsys, caplog):
    site.story("fine")
    site.story("odd-year", year=2026)
    (site.root / "stories/2026").rename(site.root / "stories/²⁰²⁶")
    refused_by_both(site, capsys, caplog, "stories/²⁰²⁶/odd-year.md:2: stories live in stories/<year>/<slug>.md")


def test_a_file_name_ending_in_a_newline_is_refused(site, capsys, caplog):
    site.story("fine")
    good = site.story("new-line")
    good.rename(good.with_name("new-line\n.md"))
    refused_by_both(site, capsys, caplog, "bad file name 'new-line\\n.md'")


# -- images the content references -----------------------------------------------------------------


def test_story_images_linked_outside_or_special_are_refused(built, outside, capsys, caplog):
    folder = built.root / "stories/2021"
    (folder / "leak.jpg").symlink_to(outside / "secret.jpg")
    os.mkfifo(folder / "pipe.jpg")
    built.story("with-leak", image="leak.jpg", image_alt="A picture")
    built.story("with-pipe", image="pipe.jpg", image_alt="A picture")
    built.story("with-dots", image="../../../outside/secret.jpg", image_alt="A picture")
    built.story("with-device", image="/dev/zero", image_alt="A picture")
    refused_by_both(built, capsys, caplog,
                    "stories/2021/with-leak.md:15: image leak.jpg is a link to a file outside the project",
                    "stories/2021/with-pipe.md:15: image pipe.jpg is a FIFO (named pipe), not a file",
                    "stories/2021/with-dots.md:15: image ../../../outside/secret.jpg is outside the project",
                    "stories/2021/with-device.md:15: image /dev/zero is outside the project")  # fmt: skip


def test_an_oversized_story_image_is_refused_by_check_as_by_the_build(site, capsys, caplog):
    site.story("with-huge", image="huge.jpg", image_alt="A picture")
    huge = site.root / "stories/2021/huge.jpg"
    huge.write_bytes(picture_bytes("JPEG"))
    os.truncate(huge, 65_000_000)  # sparse: costs no disk
    refused_by_both(site, capsys, caplog, "stories/2021/with-huge.md:15: image huge.jpg is too large")


def test_image_reading_refuses_links_out_and_fifos(tmp_path, outside):
    from builder.images import process_images

    (tmp_path / "leak.jpg").symlink_to(outside / "secret.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")
    with time_limit():
        renditions, problems, _ = process_images(tmp_path, ["leak.jpg", "pipe.jpg"], tmp_path / "cache")
    assert renditions == {}
    messages = {p.path: p.message for p in problems}
    assert messages["leak.jpg"].startswith("is a link to a file outside the project")
    assert messages["pipe.jpg"].startswith("is a FIFO (named pipe), not a file")


# -- bounded work ------------------------------------------------------------------------------------

ALIAS_BOMB = "\n".join(
    ["a0: &a0 [x,x,x,x,x,x,x,x,x]"]
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    + ["draft: *a9"]
)


def test_a_yaml_alias_bomb_is_refused_before_it_is_built(site, capsys, caplog):
    assert len(ALIAS_BOMB) < 700
    site.story("fine")
    site.write("stories/2021/bomb.md", f"---\n{ALIAS_BOMB}\n---\n\nBody.\n")
    refused_by_both(site, capsys, caplog,
                    "stories/2021/bomb.md:3: YAML anchors and aliases (&name, *name) are not allowed")  # fmt: skip


def test_any_alias_is_refused_at_the_line_that_uses_it(site, capsys, caplog):
    site.story("fine")
    text = site.story("aliased", tags=["food"]).read_text(encoding="utf-8")
    text = text.replace("tags:\n- food\n", "tags: &t\n- food\ntitle2: *t\n")
    site.write("stories/2021/aliased.md", text)
    refused_by_both(site, capsys, caplog, "stories/2021/aliased.md:17: YAML anchors and aliases")


def test_deep_or_huge_front_matter_is_refused_with_a_message(site, capsys, caplog):
    site.story("fine")
    deep = "tags: " + "[" * 40 + "]" * 40
    site.write("stories/2021/deep.md", f"---\n{deep}\n---\n\nBody.\n")
    many = "\n".join(f"k{i}: v" for i in range(6000))
    site.write("stories/2021/many.md", f"---\n{many}\n---\n\nBody.\n")
    refused_by_both(site, capsys, caplog,
                    "stories/2021/deep.md:2: front matter is nested over 32 levels deep",
                    "stories/2021/many.md:2501: front matter has over 5000 values")  # fmt: skip


def test_oversized_files_front_matter_and_bodies_are_refused(site, capsys, caplog):
    site.story("fine")
    site.story("huge-file", body="word " * 250_000)
    site.story("long-body", body="word " * 120_000)
    site.story("long-meta", summary="x" * 70_000)
    refused_by_both(site, capsys, caplog,
                    "stories/2021/huge-file.md:1: is too large: 1.25 MB > 1 MB limit (split it into smaller files)",
                    "stories/2021/long-body.md:16: body is too long: 600001 characters > 500000 limit",
                    "stories/2021/long-meta.md:1: front matter is too long")  # fmt: skip


def test_a_huge_value_is_never_printed_in_full(site, capsys, caplog):
    site.story("fine")
    site.story("big-flag", draft="y" * 50_000)
    site.story("big-list", draft=["n"] * 3_000)
    site.story("big-date", date="2021-12-18T09:00" + "0" * 50_000)
    code, said = run_check(site, capsys)
    assert code == 1
    assert max(len(line) for line in said.splitlines()) < 200, said
    assert "stories/2021/big-flag.md:" in said and "`draft` must be true or false" in said
    assert "<a list of 3000 items>" in said
    assert "stories/2021/big-date.md:4: `date` is 50016 characters long" in said


# -- what site_src/ may publish ----------------------------------------------------------------------


def test_site_src_links_to_secrets_are_refused(built, capsys, caplog):
    src = built.root / "site_src"
    (src / "passwd.md").symlink_to("/etc/passwd")
    (src / "environ.txt").symlink_to("/proc/self/environ")
    (src / "overrides/assets/theme-leak.css").symlink_to("/etc/passwd")
    (src / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(src / "pipe.md")
    (src / "folder-loop").symlink_to(".")
    refused_by_both(built, capsys, caplog,
                    "site_src/passwd.md:1: is a link to a file outside the project",
                    "site_src/environ.txt:1: is a link to a file outside the project",
                    "site_src/overrides/assets/theme-leak.css:1: is a link to a file outside the project",
                    "site_src/zero.png:1: is a link to a file outside the project",
                    "site_src/pipe.md:1: is a FIFO (named pipe), not a file",
                    "site_src/folder-loop:1: is a link to a folder")  # fmt: skip
    published = site_bytes(built)
    assert b"root:x:" not in published and b"PATH=" not in published


def test_active_and_unknown_files_outside_overrides_are_refused(built, capsys, caplog):
    src = built.root / "site_src"
    (src / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>')
    (src / "page.html").write_text("<script>alert(3)</script>")
    (src / "extra.js").write_text("alert(4)")
    (src / "fake.jpg").write_text("<html><script>alert(5)</script></html>")
    (src / "notes.txt").write_text("plain text")
    hint = "(put styles and scripts in site_src/overrides/; convert pictures to JPEG or PNG)"
    refused_by_both(built, capsys, caplog, *(f"site_src/{name}:1: is not a Markdown page or a picture: "
                                             f"only those are published from site_src/ {hint}"
                                             for name in ("logo.svg", "page.html", "extra.js", "fake.jpg", "notes.txt")))  # fmt: skip
    assert b"alert(" not in site_bytes(built)


RASTERS = {
    "photo.jfif": ("JPEG", {"exif": tagged_exif(), "comment": SECRET.encode()}),
    "photo.jpe": ("JPEG", {"exif": tagged_exif()}),
    "scan.tif": ("TIFF", {"exif": tagged_exif()}),
    "scan.tiff": ("TIFF", {"exif": tagged_exif(), "description": SECRET}),
    "anim.gif": ("GIF", {"comment": SECRET.encode()}),
    "old.bmp": ("BMP", {}),
    "shot.png": ("PNG", {"exif": tagged_exif()}),
    "shot.webp": ("WEBP", {"exif": tagged_exif()}),
    "camera-upload.dat": ("JPEG", {"exif": tagged_exif()}),  # recognised by its bytes, not its name
}


def test_pictures_of_any_extension_are_published_from_pixels_without_metadata(site):
    src = site.root / "site_src"
    for name, (fmt, options) in RASTERS.items():
        (src / name).write_bytes(picture_bytes(fmt, **options))
    site.write("site_src/about.md", "# About\n\n" + "\n".join(f"![Picture {n}]({n})" for n in RASTERS) + "\n")
    site.build()
    for name in RASTERS:
        data = (site.root / "site" / name).read_bytes()
        assert SECRET.encode() not in data and b"PhoneMaker" not in data, name
        with Image.open(site.root / "site" / name) as im:
            assert im.size == (64, 48), name
            assert not im.getexif(), name
            assert "comment" not in im.info and "exif" not in im.info, name


def test_a_page_that_is_not_utf8_is_a_problem_not_a_traceback(site, capsys, caplog):
    (site.root / "site_src/latin1.md").write_bytes("# Caf\u00e9\n\nD\u00e9j\u00e0 vu.\n".encode("latin-1"))
    refused_by_both(site, capsys, caplog, "site_src/latin1.md:1: not UTF-8 text (invalid continuation byte at byte 5)")


def test_check_and_build_agree_on_a_picture_that_cannot_be_decoded(site, capsys, caplog):
    whole = picture_bytes("JPEG", size=(400, 300))
    (site.root / "site_src/cut.jfif").write_bytes(whole[: len(whole) // 2])
    refused_by_both(site, capsys, caplog, "site_src/cut.jfif:1: picture cannot be published: cannot be decoded")


def test_theme_overrides_may_hold_scripts_and_links_inside_the_project(site, capsys, caplog):
    assets = site.root / "site_src/overrides/assets"
    (assets / "extra.js").write_text("console.log('theme');\n")
    (assets / "copy.css").symlink_to(assets / "stories.css")
    code, said = run_check(site, capsys)
    assert code == 0, said
    built, log = run_build(site, caplog)
    assert built, log
    assert (site.root / "site/assets/extra.js").read_text() == "console.log('theme');\n"
