"""The tape a run plays through: the one thing that differs when it records or replays.

A run sends through its tape, which opens the client, finds the contact under test and
the positive controls' findings, and gives each test its cases. :class:`LiveTape` does
no more than send; a recorder writes everything down as it goes and a replayer answers
from a recording (both in :mod:`contract.recording`, which builds on this module). The
engine knows only :class:`Tape`: which tape a run uses is chosen once, before it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.exchange.endpoint import Endpoint
from contract.run.cases import EXPLORE, CaseNotes, Cases, DrawnCases
from contract.run.certifier import Certifier
from contract.run.client import ContactClient
from contract.run.contact import ContactUnderTest
from contract.run.settings import RunSettings


class Tape(Protocol):
    """Where a run's answers and cases come from, and who hears of them besides the run."""

    def target(self, settings: RunSettings) -> str | None:
        """What the certificate is about: the install the run's answers come from."""

    def client(
        self, endpoint: Endpoint, settings: RunSettings, workers: int
    ) -> AbstractContextManager[ContactClient]:
        """The client of the run (one of *workers* processes), open for the block."""

    def contact(
        self, contact_id: int, contract: Contract, read: Callable[[], ContactUnderTest]
    ) -> ContactUnderTest:
        """The contact under test as it was before the run: as *read* finds it."""

    def unproven(
        self, transports: Sequence[Transport], control: Callable[[Transport], str | None]
    ) -> dict[str, str]:
        """The transports whose refusals prove nothing, with why: what each one's positive
        control (*control* runs it) found."""

    def begin_test(self, test: str, requirement: str, transport: str | None) -> None:
        """A suite test begins: what follows belongs to it."""

    def end_test(self) -> None:
        """The test is over: what follows belongs to the run (set-up, restore)."""

    def cases(self, certifier: Certifier, examples: int, seed: int, shrink_budget: int) -> Cases:
        """The test's cases: *examples* drawn from *seed*, the shrink budget spent by
        *certifier*'s requests."""

    def retries_not_sent(self) -> int:
        """Requests sent again outside any test that the run counts but did not send."""

    def finish(self, owner: bool) -> None:
        """The run is over in this process; *owner*: the process that owns the run, which
        the others (xdist's workers) finished before."""


@contextmanager
def live_client(endpoint: Endpoint, settings: RunSettings, workers: int) -> Iterator[ContactClient]:
    """A client of the install, paced to this process's share of the rate limit."""
    limit = settings.rate_limit
    client = ContactClient(
        endpoint,
        stop_when_lost=True,
        rate_limit=limit.shared_by(workers) if limit else None,
        connections=settings.connections_in_effect,
    )
    try:
        yield client
    finally:
        client.close()


def drawn_cases(
    certifier: Certifier, examples: int, seed: int, shrink_budget: int, *, notes: CaseNotes
) -> Cases:
    """A test's cases as the run draws them, each told to *notes*."""
    return DrawnCases(
        examples=examples,
        seed=seed,
        notes=notes,
        on_phase=certifier.enter_phase,
        meter=certifier.client,
        shrink_budget=shrink_budget,
    )


class LiveTape:
    """Sends to the install and keeps nothing: a run that neither records nor replays."""

    def target(self, settings: RunSettings) -> str | None:
        """The install named."""
        return settings.url

    def client(
        self, endpoint: Endpoint, settings: RunSettings, workers: int
    ) -> AbstractContextManager[ContactClient]:
        """A live client."""
        return live_client(endpoint, settings, workers)

    def contact(
        self, contact_id: int, contract: Contract, read: Callable[[], ContactUnderTest]
    ) -> ContactUnderTest:
        """The contact as read."""
        return read()

    def unproven(
        self, transports: Sequence[Transport], control: Callable[[Transport], str | None]
    ) -> dict[str, str]:
        """Each control, run."""
        found = {transport: control(transport) for transport in transports}
        return {transport: reason for transport, reason in found.items() if reason is not None}

    def begin_test(self, test: str, requirement: str, transport: str | None) -> None:
        """Nothing to note."""

    def end_test(self) -> None:
        """Nothing to note."""

    def cases(self, certifier: Certifier, examples: int, seed: int, shrink_budget: int) -> Cases:
        """Cases as drawn."""
        return drawn_cases(certifier, examples, seed, shrink_budget, notes=self)

    def start_case(self, phase: str = EXPLORE) -> None:
        """Nothing to note."""

    def record_draw(self, label: str | None, value: Any) -> None:
        """Nothing to note."""

    def discard_case(self) -> None:
        """Nothing to note."""

    def retries_not_sent(self) -> int:
        """None: every retry counted was sent."""
        return 0

    def finish(self, owner: bool) -> None:
        """Nothing to close."""
