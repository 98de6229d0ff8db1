"""One pool of worker processes for a whole build, shared by images, Markdown and cards.

Each of the three used to start its own pool: three times the start-up (a fresh interpreter
importing Pillow, Markdown and the fonts, about 0.3 s on two cores), and three times a tail
where one worker finishes its last job while the other core waits. With one pool, images and
cards can be encoded in one thread while Markdown is rendered in another, and the pool keeps
both cores busy until everything is done.

Workers are spawned, not forked: `mkdocs serve` has threads running, and a fork can inherit a
lock some other thread holds. The pool starts on first use, so a build with nothing to encode
starts no process at all.

This module does not import MkDocs.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Workers:
    """A lazily started process pool; with one worker, everything runs in this process."""

    def __init__(self, count: int | None = None) -> None:
        self.count = max(1, count if count is not None else os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(max_workers=self.count, mp_context=context)
            return self._pool

    def parallel(self, jobs: int, minimum: int) -> bool:
        """Whether `jobs` jobs are worth sending to other processes."""
        return self.count > 1 and jobs >= minimum

    def map(self, fn: Callable[[T], R], items: Iterable[T], minimum: int = 2, chunksize: int = 1) -> Iterator[R]:
        """`fn` over `items` in order: in worker processes when there are at least `minimum`."""
        items = list(items)
        if not self.parallel(len(items), minimum):
            return map(fn, items)
        return self._executor().map(fn, items, chunksize=chunksize)

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        return self._executor().submit(fn, *args)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def borrowed(workers: Workers | None) -> Iterator[Workers]:
    """`workers` if the caller shares a pool, else a pool of our own, closed when done."""
    if workers is not None:
        yield workers
        return
    with Workers() as own:
        yield own
