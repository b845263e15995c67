"""Spacing the first runs of a fleet apart (``contract fleet --ramp-up``).

Started in the same instant, the first ``--parallel`` runs would send their first
requests together, a burst for installs that share a host; and, alike as installs often
are, they would end together too. Each later wave would then start together, and the
last, smaller one would run nearly alone while the machine idles. Spaced apart, runs
keep their spacing: as one ends, the next takes its slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RampUp:
    """The first *parallel* runs start *seconds* apart; later ones as soon as a slot frees."""

    def __init__(
        self, parallel: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.parallel = parallel
        self.seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._first: float | None = None
        self._turns = 0

    def delay(self) -> float:
        """How long the run asking now waits before it starts: its turn times the spacing,
        counted from the first start, for the first *parallel* runs; nothing after them."""
        with self._lock:
            turn, self._turns = self._turns, self._turns + 1
            now = self._clock()
            if self._first is None:
                self._first = now
            if turn >= self.parallel:
                return 0.0
            return max(0.0, self._first + turn * self.seconds - now)
