"""A failing test's shrink budget: once shrinking has spent it, the smallest failure found
so far stands, marked "not fully shrunk".

Hypothesis shrinks a failure by running ever smaller examples, each of them requests to a
live install; a failing requirement could cost hundreds. Past the budget, an example is
not sent: its draws are noted and it counts as passing, so Hypothesis stops finding
smaller failures and replays its smallest one, whose failure is raised again as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from contract.checks import CheckFailed
from contract.errors import ContractError
from contract.run.client import RequestWithheld

T = TypeVar("T")
Drawn = list[tuple[str | None, Any]]


class RequestMeter(Protocol):
    """Counts the requests sent, and can withhold them (:class:`ContactClient` does)."""

    requests_sent: int

    def withheld(self) -> AbstractContextManager[None]:
        """Within the block, a request raises :class:`RequestWithheld`."""


class _Source(Protocol):
    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T: ...


class DrawLog:
    """Draws from *source*, noting each label and value."""

    def __init__(self, source: _Source) -> None:
        self._source = source
        self.drawn: Drawn = []

    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T:
        """The source's next value, noted."""
        value = self._source.draw(strategy, label=label)
        self.drawn.append((label, value))
        return value


class Withheld(ContractError):
    """An example past the budget: not sent, and to be counted as passing."""


@dataclass
class _Smallest:
    drawn: Drawn
    error: CheckFailed


class ShrinkBudget:
    """Runs a test's Hypothesis examples, sending none once shrinking has spent *requests*."""

    def __init__(self, requests: int, meter: RequestMeter) -> None:
        self.requests = requests
        self._meter = meter
        self._first_failure_at: int | None = None
        self._smallest: _Smallest | None = None

    @property
    def spent(self) -> bool:
        """True once the requests sent since the first failure reach the budget."""
        start = self._first_failure_at
        return start is not None and self._meter.requests_sent - start >= self.requests

    def run(self, case: Callable[[DrawLog], object], data: _Source) -> None:
        """Run *case* on one example drawn from *data*.

        Raises :class:`Withheld` for an example past the budget that is not the smallest
        failure, and that failure, marked not fully shrunk, for the one that is.
        """
        log = DrawLog(data)
        if self.spent:
            with self._meter.withheld(), suppress(RequestWithheld, CheckFailed):
                case(log)
            smallest = self._smallest
            if smallest is not None and _begins(smallest.drawn, log.drawn):
                smallest.error.not_fully_shrunk(self.requests)
                raise smallest.error
            raise Withheld
        try:
            case(log)
        except CheckFailed as error:
            if self._first_failure_at is None:
                self._first_failure_at = self._meter.requests_sent
            self._smallest = _Smallest(log.drawn, error)
            raise


def _begins(whole: Drawn, start: Drawn) -> bool:
    """True when *start* is how *whole* begins: a case withheld at its first request has
    drawn only what came before it."""
    return bool(start) and whole[: len(start)] == start
