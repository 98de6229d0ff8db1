"""Listing and reading the project's files without ever leaving the project.

Content is untrusted input, and a file name is part of it: a story can be a link to
`/etc/passwd`, `/proc/self/environ` (the build's secrets) or `/dev/zero`, a FIFO that blocks
the first `read`, a link to itself, or a folder called `story.md`. So nothing here follows a
link blindly or reads a path it has not looked at first:

- listing walks folders with `os.scandir`, never descending through a link (a linked folder
  could lead anywhere, or back to itself, for ever);
- a file is readable only if `lstat` says it is a regular file, or a link whose target
  resolves inside the project root to a regular file;
- reading opens with `O_NONBLOCK | O_NOFOLLOW`, checks the opened descriptor is a regular
  file (the path could have been swapped since it was looked at) and reads at most a cap.

Engine-free and small: the loader, the image pipeline and the `site_src/` scan share it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CONTENT_MAX_BYTES = 1_000_000
"""A story, campaign or profile file: the longest real story is a few dozen kilobytes."""

IMAGE_MAX_BYTES = 64_000_000
"""A source picture: a 50 MP phone photo is under 30 MB."""
IMAGE_TOO_LARGE = "save it smaller: 3000 pixels wide is plenty for the web"


class Refusal(Exception):
    """A path that may not be read, and why, in words for the person who put it there."""

    def __init__(self, path: Path, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.path, self.message, self.hint = path, message, hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def target(root: Path, path: Path) -> Path:
    """The resolved regular file `path` stands for, or a `Refusal` saying why it stands for none.

    `root` must be resolved. A link is allowed only when its whole chain ends inside `root`
    at a regular file, so that a link from one content file to another still works while
    nothing outside the project (or no file at all) can be reached; '..' and linked folders on
    the way are held to the same rule, since the resolved path is what is checked.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        if not Path(os.path.normpath(path)).is_relative_to(root):
            raise Refusal(path, "is outside the project", "copy the file into the project instead") from None
        raise Refusal(path, "not found") from None
    except OSError as error:
        raise Refusal(path, f"cannot be read: {error.strerror or error}") from None
    except ValueError:  # a NUL in the name
        raise Refusal(path, "is not a usable file name") from None
    link = stat.S_ISLNK(mode)
    try:
        real = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):
        raise Refusal(path, "is a link that leads nowhere (it points at itself, loops, or its target is gone)",
                      "replace the link with the file itself") from None  # fmt: skip
    if not real.is_relative_to(root):
        what = "is a link to a file outside the project" if link else "is outside the project"
        raise Refusal(path, what, "copy the file into the project instead")
    if link:
        mode = os.stat(real).st_mode
    if not stat.S_ISREG(mode):
        hint = "rename or remove the folder" if stat.S_ISDIR(mode) else "only ordinary files can be published"
        raise Refusal(path, f"is {_kind(mode)}, not a file", hint)
    return real


def read_bounded(root: Path, path: Path, cap: int, hint: str = "split it into smaller files") -> bytes:
    """The bytes of the regular file `path` stands for, at most `cap` of them, or a `Refusal`.

    `O_NONBLOCK` makes opening a FIFO swapped in after `target` looked return at once instead
    of waiting for a writer; `fstat` on the descriptor then refuses it. `O_NOFOLLOW` refuses
    a link swapped in for the resolved target.
    """
    real = target(root, path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refusal(path, "changed into a link while being read", "build again") from None
        raise Refusal(path, f"cannot be read: {error.strerror or error}") from None
    try:
        mode = os.fstat(fd)
        if not stat.S_ISREG(mode.st_mode):
            raise Refusal(path, f"is {_kind(mode.st_mode)}, not a file", "only ordinary files can be published")
        if mode.st_size > cap:
            raise Refusal(path, f"is too large: {_size(mode.st_size)} > {_size(cap)} limit", hint)
        chunks, size = [], 0  # os.read, not a buffered file: a third of the cost per story
        while size <= cap:
            expected = max(mode.st_size + 1 - size, 1 << 16)  # the file may grow, or report size 0
            chunk = os.read(fd, min(expected, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise Refusal(path, f"is too large: over the {_size(cap)} limit", hint)
    return data


def _size(count: int) -> str:
    return f"{count / 1_000_000:.3g} MB" if count >= 100_000 else f"{count / 1000:.3g} KB"


@dataclass(frozen=True)
class Listing:
    """What a walk found: candidate files (not yet vetted by `target`), and folders it refused."""

    files: tuple[Path, ...]
    refused: tuple[Refusal, ...]


def walk(top: Path, is_content: Callable[[str], bool] = lambda name: False) -> Listing:
    """Every non-folder entry under `top`, sorted, without descending through any link.

    A linked folder is refused rather than entered (it could loop or leave the project), and
    so is a real folder whose name `is_content` claims (a folder named `story.md` is a
    mistake to report, not a place to look). Entries that are not folders (files, links,
    devices, FIFOs) are listed for the caller to vet with `target`, which knows the rules.
    """
    files: list[Path] = []
    refused: list[Refusal] = []
    if top.is_symlink():
        return Listing((), (Refusal(top, "is a link to a folder", "make it a real folder"),))
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        except OSError as error:
            refused.append(Refusal(folder, f"cannot be listed: {error.strerror or error}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if is_content(entry.name):
                    refused.append(Refusal(path, "is a folder, not a file", "rename or remove the folder"))
                else:
                    stack.append(path)
            elif entry.is_symlink() and _is_dir(path):
                refused.append(Refusal(path, "is a link to a folder", "make it a real folder"))
            else:
                files.append(path)
    return Listing(tuple(sorted(files)), tuple(sorted(refused, key=lambda r: r.path)))


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, RuntimeError):
        return False
