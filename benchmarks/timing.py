"""Timers wrapped around functions, to say where a build's time goes (`profile`, `inprocess`).

Inclusive wall time and calls per label; a function that calls itself (or another function
under the same label) counts its outermost call only, so nothing is counted twice.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from typing import Callable

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
_ACTIVE: set[str] = set()


def timed(label: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if label in _ACTIVE:
            return fn(*args, **kwargs)
        _ACTIVE.add(label)
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started
            CALLS[label] += 1
            _ACTIVE.discard(label)

    return wrapper


def time_attribute(owner, name: str, label: str) -> None:
    """Replace `owner.name` by a timed version, if it exists (code moves between versions)."""
    if hasattr(owner, name):
        setattr(owner, name, timed(label, getattr(owner, name)))


def time_pipeline(label: Callable[[str, Callable], str] = lambda name, fn: name) -> None:
    """Time every builder function `builder.pipeline.prepare` calls through the module's names.

    Wrapping the names rather than replaying the stages keeps this working while the pipeline
    changes. `prepare` itself is left alone: callers time it, and the plugin holds its own
    reference to it anyway.
    """
    import builder.pipeline as pipeline

    for name, value in list(vars(pipeline).items()):
        if callable(value) and not isinstance(value, type) and getattr(value, "__module__", "").startswith("builder."):
            if name != "prepare":
                setattr(pipeline, name, timed(label(name, value), value))


def reset() -> None:
    TIMES.clear()
    CALLS.clear()
