"""Pacing requests for installs that throttle: a rate limit, and ``Retry-After`` on 429."""

from __future__ import annotations

import email.utils
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_RETRY_WAIT = 60.0
"""The longest ``Retry-After`` honoured, in seconds; a longer one waits this long."""
MAX_THROTTLED_RETRIES = 5
"""How often one request is sent again after 429 before its 429 stands as the answer."""
DEFAULT_RETRY_WAIT = 1.0
"""The wait after a 429 that names none."""
_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute))?\s*")


@dataclass(frozen=True)
class RateLimit:
    """At most :attr:`per_second` requests a second."""

    per_second: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"10/s"``, ``"120/min"`` or ``"10"`` (per second); ``ValueError`` says the rule."""
        match = _RATE.fullmatch(text)
        if match is None:
            raise ValueError(f"a rate limit looks like 10/s or 120/min, not {text!r}")
        count = float(match.group(1))
        per_second = count / 60 if (match.group(2) or "s").startswith("m") else count
        if not math.isfinite(per_second) or per_second <= 0:
            raise ValueError(f"a rate limit must be above zero, not {text!r}")
        return cls(per_second)

    def shared_by(self, workers: int) -> RateLimit:
        """Each worker's share, so that the run as a whole keeps the limit."""
        return RateLimit(self.per_second / max(1, workers))

    def __str__(self) -> str:
        return f"{self.per_second:g}/s"


class Throttle:
    """Spaces requests evenly so that none comes sooner than the limit allows."""

    def __init__(
        self,
        limit: RateLimit | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when the next request may go."""
        if self.limit is None:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + 1 / self.limit.per_second
        if start > now:
            self._sleep(start - now)


def retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float:
    """Seconds to wait before sending again, from a ``Retry-After`` header.

    The header holds seconds or an HTTP date; a missing or unreadable one gives
    :data:`DEFAULT_RETRY_WAIT`, and no wait is longer than :data:`MAX_RETRY_WAIT`.
    """
    if value is None or not value.strip():
        return DEFAULT_RETRY_WAIT
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_WAIT
        seconds = when.timestamp() - now()
    if not math.isfinite(seconds):
        return DEFAULT_RETRY_WAIT
    return min(max(seconds, 0.0), MAX_RETRY_WAIT)
