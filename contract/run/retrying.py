"""Sending a request again when the network lost it: how long to wait between attempts,
and the loop that sends until an answer comes or the attempts run out.

Every request a run sends is idempotent (a read, a PUT or an XML-RPC UpdateContact that
sets the same values again, a refusal that changes nothing), so sending one again is
safe whether or not the install saw the attempt that was lost. Which errors may heal is
:func:`contract.run.unreachable.heals`' to say.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from contract.errors import ContractError

DEFAULT_RETRIES = 3
"""How often a request lost to the network is sent again before the run gives up."""
MAX_RETRIES = 10
"""More than this would keep a run waiting on an install that is down."""
FIRST_WAIT = 0.2
"""Seconds before the first retry, at most; each retry after it waits up to twice as long."""
LONGEST_WAIT = 2.0
"""The longest wait between two attempts, in seconds."""

T = TypeVar("T")


class Lost(ContractError):
    """An attempt the network lost: why, in a person's words, and whether another attempt
    may fare better. :attr:`attempts` says how many were made, once the last one is lost."""

    def __init__(self, reason: str, *, heals: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.heals = heals
        self.attempts = 1

    def __str__(self) -> str:
        return self.reason if self.attempts == 1 else f"{self.reason} ({self.attempts} attempts)"


class Backoff:
    """The wait before each retry: doubling from :data:`FIRST_WAIT` up to
    :data:`LONGEST_WAIT`, each drawn from the upper half of its range, so that the waits
    grow and clients that failed together do not all come back together.

    The jitter comes from a generator of its own, never the ``random`` module's: a
    Hypothesis run, which seeds that one, draws the same examples whatever the network did.
    """

    def __init__(self, first: float = FIRST_WAIT, longest: float = LONGEST_WAIT) -> None:
        self.first = first
        self.longest = longest
        self._jitter = random.Random()

    def wait(self, retry: int) -> float:
        """Seconds to wait before retry number *retry* (1 for the first)."""
        ceiling = min(self.longest, self.first * 2.0 ** min(retry - 1, 32))
        return self._jitter.uniform(ceiling / 2, ceiling)


def send_with_retries(
    send: Callable[[int], T],
    *,
    retries: int,
    backoff: Backoff,
    sleep: Callable[[float], None],
    on_retry: Callable[[], None],
) -> T:
    """``send(attempt)`` (attempts count from 1) until it returns. After a :class:`Lost`
    that may heal, *on_retry* is told, *sleep* waits the back-off, and the request goes
    again, at most *retries* more times; the last :class:`Lost`, or one that will not
    heal, is raised with the number of attempts made."""
    attempt = 1
    while True:
        try:
            return send(attempt)
        except Lost as lost:
            if not lost.heals or attempt > retries:
                lost.attempts = attempt
                raise
        on_retry()
        sleep(backoff.wait(attempt))
        attempt += 1
