"""Shared timers: a best-of-N per-call timer built on :mod:`timeit`, and one for whole runs.

Both count the CPU time of this process (user and system), not wall-clock time: on a
machine shared with other work, time spent waiting for a core is not the code's, and
CPU time leaves it out. Child processes are timed by their own CPU time, see ``bulk.py``.
"""

from __future__ import annotations

import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
clock = time.process_time


@dataclass(frozen=True)
class TimingPlan:
    """How hard to time: batches per measurement, and the least time one batch must take."""

    repeat: int
    min_batch_seconds: float


DEFAULT_PLAN = TimingPlan(repeat=7, min_batch_seconds=0.05)
QUICK_PLAN = TimingPlan(repeat=3, min_batch_seconds=0.02)


def _calls_per_batch(timer: timeit.Timer, min_seconds: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... calls that take at least *min_seconds*."""
    base = 1
    while True:
        for factor in (1, 2, 5):
            number = base * factor
            if timer.timeit(number) >= min_seconds:
                return number
        base *= 10


def seconds_per_call(
    funcs: Sequence[Callable[[object], object]], arg: object, plan: TimingPlan
) -> list[float]:
    """The best time of one ``func(arg)`` call, for each of *funcs*.

    Each function is timed in ``plan.repeat`` batches, the functions taking turns batch
    by batch so that a burst of other work on the machine hits them alike; the fastest
    batch is the figure least disturbed by it. ``timeit`` turns the garbage collector off
    while a batch runs.
    """
    timers = [
        timeit.Timer("func(arg)", timer=clock, globals={"func": func, "arg": arg}) for func in funcs
    ]
    numbers = [_calls_per_batch(timer, plan.min_batch_seconds) for timer in timers]
    best = [float("inf")] * len(timers)
    for _ in range(plan.repeat):
        for index, (timer, number) in enumerate(zip(timers, numbers, strict=True)):
            best[index] = min(best[index], timer.timeit(number) / number)
    return best


@dataclass(frozen=True)
class Elapsed:
    """The CPU time and the wall-clock time of one run."""

    cpu: float
    wall: float


def timed(run: Callable[[], T]) -> tuple[Elapsed, T]:
    """Run *run* once (garbage collector on); its CPU and wall seconds, and its result."""
    cpu, wall = clock(), time.perf_counter()
    result = run()
    return Elapsed(clock() - cpu, time.perf_counter() - wall), result
