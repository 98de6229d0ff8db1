"""Publishing a build all at once, or not at all.

A build writes into a staging folder beside the real one; only a build that finished is
swapped into place. A failed build leaves the previous site exactly as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

TEMP_NAME = re.compile(r"^\..+\.tmp$")
"""How `write_atomic` names a file until it is whole; one left over means a build was killed."""


def staging_dir(final: Path) -> Path:
    """A fresh folder on the same file system as `final`, so the swap is a rename."""
    staging = final.parent / f".{final.name}.building-{os.getpid()}"
    discard(staging)
    for stale in final.parent.glob(f".{final.name}.old-*"):  # a removal a killed build left unfinished
        discard_later(stale)
    return staging


def swap_into_place(staging: Path, final: Path) -> None:
    """The new site in place in two renames; the old one is removed after the build has returned.

    Removing a site of ~1,600 folders took a third of a no-change build at 1,000 stories
    (rmdir is slow on a busy disk), and nobody waits for it: the new site is already whole.
    """
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    discard(old)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    discard_later(old)


_REMOVING: list[subprocess.Popen] = []
"""Removals under way; held so that none is reported as a process left running."""


def discard_later(path: Path) -> None:
    """Remove a folder from a detached process (the next build sweeps up if it was killed)."""
    if not path.exists():
        return
    try:
        _REMOVING.append(subprocess.Popen(
            ["rm", "-rf", "--", str(path)], start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
    except OSError:
        discard(path)


def link_files(site_dir: Path, files: list[tuple[str, Path]]) -> None:
    """Place cached files (image derivatives, cards) in the site as hard links: no copying.

    The cache replaces a file by renaming a new one over it, never by writing into it, so a
    published link keeps its bytes whatever the cache does later. Where the cache is on
    another file system, the file is copied.
    """
    made: set[Path] = set()
    for url, source in files:
        target = site_dir / url
        if target.parent not in made:  # a thousand cards share one folder; mkdir is a slow call here
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def write_unless_unchanged(target: Path, data: bytes, previous: Path | None) -> bool:
    """Write `data` at `target`, or hard-link the previous build's file there if it holds these bytes.

    A rebuild then rewrites only what changed: the unchanged files keep their inode and time
    (a sync to a host or CDN sends what changed), and a link is a fifth of the cost of writing a
    file here. The previous site is never written into: its folder is renamed away whole at the
    swap, and a failed build only removes the staging folder's names. Returns True if written.
    """
    if previous is not None:
        try:
            if previous.stat().st_size == len(data) and previous.read_bytes() == data:
                try:
                    os.link(previous, target)
                except FileExistsError:  # MkDocs wrote one first (sitemap.xml): ours replaces it
                    target.unlink()
                    os.link(previous, target)
                return False
        except OSError:
            pass
    target.write_bytes(data)
    return True


def write_files(site_dir: Path, files: list[tuple[str, bytes]], previous_site: Path | None) -> int:
    """Generated files (feeds, search index) into the staging site; returns how many were written."""
    made: set[Path] = set()
    written = 0
    for url, data in files:
        target = site_dir / url
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        written += write_unless_unchanged(target, data, previous_site / url if previous_site else None)
    return written


def discard(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def write_atomic(path: Path, data: bytes) -> None:
    """Whole or absent: an interrupted build never leaves half a file under the final name."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
