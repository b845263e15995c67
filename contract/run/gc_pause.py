"""The garbage collector during a certification run.

A run makes and drops Hypothesis's objects by the million, nearly all freed by their
reference counts as they go. The collector's default young generation (700 objects)
has it walk them over and over on the way, and every full collection (Hypothesis,
pytest's end of run and the thresholds each ask for some) walks all the modules,
schemas and strategies as well, which live to the end of the run anyway. Sparing it
both takes about a tenth of a run's CPU off.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

RUN_THRESHOLDS = (50_000, 50, 50)
"""The collector's thresholds during a run: a young generation about seventy times the
default, so that it is collected that much less often."""


class _FreezeOnceCollected:
    """Moves what the run has built by the time its tests are collected out of the
    collector's sight."""

    def pytest_collection_finish(self) -> None:
        gc.freeze()


@contextlib.contextmanager
def collector_spared(plugins: list[Any]) -> Iterator[None]:
    """For the pytest run given *plugins*: the collector's thresholds raised, and what is
    built by collection time frozen; both given back after. Where something is frozen
    already (a process forked from one that froze its imports), that freezing is left to
    whoever made it, and the run adds none."""
    thresholds = gc.get_threshold()
    freezing = not gc.get_freeze_count()
    if freezing:
        plugins.append(_FreezeOnceCollected())
    gc.set_threshold(*RUN_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freezing:
            gc.unfreeze()
