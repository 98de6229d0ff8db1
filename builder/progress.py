"""Progress for long work: a bar on a terminal, a few plain lines in a log (CI, pipes)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts `done` of `total` items; silent for small jobs, where it would only be noise."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, minimum: int = 50) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = total >= minimum
        self.tty = self.enabled and self.stream.isatty()
        self.started = time.perf_counter()
        self.shown = -1

    def __call__(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        total = total or self.total
        if self.tty:
            filled = int(30 * done / total)
            self.stream.write(f"\r{self.label} [{'#' * filled}{' ' * (30 - filled)}] {done}/{total}")
            if done == total:
                self.stream.write(f" in {time.perf_counter() - self.started:.1f}s\n")
            self.stream.flush()
            return
        quarter = 4 * done // total
        if quarter > self.shown:
            self.shown = quarter
            self.stream.write(f"{self.label}: {done}/{total} ({25 * quarter}%)\n")
            self.stream.flush()
