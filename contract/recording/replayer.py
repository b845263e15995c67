"""Replaying a recording: ``responses`` answers each request from it, and each test runs
its recorded cases again."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
import responses
from hypothesis import strategies as st

from contract.checks import CheckFailed
from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.errors import ContractError
from contract.exchange.answers import Exchange
from contract.exchange.endpoint import Endpoint
from contract.recording.lines import RecordedAnswer, RecordedCase, Recording, recorded_path
from contract.recording.recorder import Scope
from contract.run.cases import (
    BATCH,
    BATCH_SIZE,
    COVERAGE,
    EXPLORE,
    PROBES,
    BatchUndecided,
    Cases,
    Draws,
    coverage_phase,
)
from contract.run.certifier import Certifier
from contract.run.client import ContactClient
from contract.run.contact import ContactUnderTest, read_contact
from contract.run.outcomes import Problem, Stop
from contract.run.settings import RunSettings
from contract.run.unreachable import LastingConnectionError

T = TypeVar("T")

REPLAY_HOST = "https://recorded.invalid"
"""Where a replayed run sends its requests: nowhere, as ``responses`` answers them all."""
# The answer is the recorded one; these described the original transfer, not this one.
_TRANSFER_HEADERS = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
)
_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")


class NotInRecording(ContractError):
    """The replayed run needs something the recording does not hold."""

    def __init__(self, what: str) -> None:
        detail = f"{what} is not in the recording: record again"
        super().__init__(detail)
        self.stop = Stop(Problem.NOT_IN_RECORDING, detail)


class ReplayedDraws:
    """Stands in for Hypothesis's ``data`` object: each draw returns the recorded value."""

    def __init__(self, case: RecordedCase) -> None:
        self._draws = deque(case.draws)
        self._case = case

    def draw(self, strategy: object, label: str | None = None) -> Any:
        """The case's next recorded value; *strategy* is not drawn from."""
        if not self._draws:
            raise NotInRecording(f"draw {label!r} of {self._case.test} case {self._case.index}")
        recorded_label, value = self._draws.popleft()
        if recorded_label != label:
            raise NotInRecording(
                f"draw {label!r} of {self._case.test} case {self._case.index} "
                f"(the recording drew {recorded_label!r} there)"
            )
        return value


def _body(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


class Replayer:
    """The tape of a replay (see :class:`~contract.run.tape.Tape`): serves a recording's
    answers to the requests of the case being replayed, and its cases to each test."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.scope = Scope()
        self._answers: dict[tuple[str, str, bytes], deque[RecordedAnswer]] = {}
        self._client: ContactClient | None = None

    def target(self, settings: RunSettings) -> str | None:
        """The install the recording was made on."""
        if settings.replay_source is None:
            return settings.url
        recorded = self.recording.header.get("target")
        return f"{recorded} (replayed from {settings.replay_source.name})"

    @contextmanager
    def client(
        self, endpoint: Endpoint, settings: RunSettings, workers: int
    ) -> Iterator[ContactClient]:
        """A client whose requests the recording answers."""
        # Offline: no pacing, no waiting out a recorded 429, and each batch in the order
        # it was recorded in (answers to equal requests are served in turn).
        client = ContactClient(endpoint, stop_when_lost=True, sleep=lambda seconds: None)
        client.on_reused = self.take_reused
        self._client = client
        try:
            with self.intercepting():
                yield client
        finally:
            self._client = None

    def contact(
        self, contact_id: int, contract: Contract, read: Callable[[], ContactUnderTest]
    ) -> ContactUnderTest:
        """The contact as the recording read it; nothing is read from an install."""
        return self.recorded_contact(contact_id, contract)

    def recorded_contact(self, contact_id: int, contract: Contract) -> ContactUnderTest:
        """The contact under test as the recording read it."""
        recorded = self.recording.contacts.get(contact_id)
        if recorded is None:
            raise NotInRecording(f"contact {contact_id}")
        if recorded.witnesses is None:
            raise NotInRecording(f"which witnesses contact {contact_id}'s run read")
        contact = read_contact(
            recorded.id, recorded.original, recorded.no_readback, recorded.irreversible, contract
        )
        contact.witnesses = dict(recorded.witnesses)
        contact.restored = True  # nothing was changed, so there is nothing to restore
        return contact

    def unproven(
        self, transports: Sequence[Transport], control: Callable[[Transport], str | None]
    ) -> dict[str, str]:
        """What the recorded controls found; none is sent again."""
        return dict(self.recording.unproven)

    def begin_test(self, test: str, requirement: str, transport: str | None) -> None:
        """Answer from *test*'s recorded cases."""
        self.scope.begin_test(test, requirement, transport)

    def end_test(self) -> None:
        """Answer as the set-up was answered."""
        self.scope.end_test()

    def cases(self, certifier: Certifier, examples: int, seed: int, shrink_budget: int) -> Cases:
        """The recorded cases of the test, whatever the run's examples and seed."""
        return ReplayedCases(self, certifier)

    def retries_not_sent(self) -> int:
        """The recorded retries outside any test."""
        return self.recording.retries_outside_tests

    def finish(self, owner: bool) -> None:
        """Nothing to close: the recording was read whole."""

    def has_cases(self, phase: str) -> bool:
        """True when the test in progress recorded cases of *phase*."""
        test = self.scope.test
        return any(case.phase == phase for case in self.recording.cases.get(test or "", []))

    def recorded_cases(self, phase: str) -> list[RecordedCase]:
        """The recorded cases of the *phase* of the test in progress."""
        test = self.scope.test
        cases = [case for case in self.recording.cases.get(test or "", []) if case.phase == phase]
        if not cases:
            raise NotInRecording(f"the {phase} cases of the test {test}")
        return cases

    def enter_case(self, case: RecordedCase) -> None:
        """Answer from *case*'s exchanges from now on, each at most once, in recorded order."""
        self.scope.case = case.index
        self._answers = {}
        for key, answer in case.exchanges:
            self._answers.setdefault(key, deque()).append(answer)

    def answer(self, request: requests.PreparedRequest) -> tuple[int, Mapping[str, str], bytes]:
        """The recorded answer to *request*, matched on method, path and body."""
        path = recorded_path(request.url or "")
        method = str(request.method)
        queue = self._answers.get((method, path, _body(request)))
        if not queue:
            where = f"{self.scope.test} case {self.scope.case}" if self.scope.test else "set-up"
            raise NotInRecording(f"{method} {path} with this body, in {where},")
        recorded = queue.popleft()
        if recorded.repeated and self._client is not None:
            self._client.answered_from_reuse += 1
        if recorded.error == "timeout":
            raise requests.ReadTimeout("the recorded request timed out")
        if recorded.error == "unreachable":
            raise LastingConnectionError("the recorded request met an error no retry heals")
        if recorded.error is not None:
            raise requests.ConnectionError("the recorded request lost its connection")
        headers = {
            name: value
            for name, value in recorded.headers.items()
            if name.lower() not in _TRANSFER_HEADERS
        }
        assert recorded.status is not None
        return recorded.status, headers, recorded.body

    def take_reused(self, exchanges: Sequence[Exchange]) -> None:
        """Exchanges the test judged without sending them, as it did when recorded: their
        answers leave the case, so that the case's next requests get their own."""
        for exchange in exchanges:
            key = (exchange.method, recorded_path(exchange.url), exchange.request_body)
            queue = self._answers.get(key)
            if queue:
                queue.popleft()

    @contextmanager
    def intercepting(self) -> Iterator[responses.RequestsMock]:
        """Route every request ``requests`` sends in this process to :meth:`answer`."""
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in _METHODS:
                mock.add_callback(method, re.compile(".*"), callback=self.answer, content_type=None)
            yield mock


class ReplayedCases:
    """A test's recorded cases, each run again with its draws and answers as recorded; the
    last failure of a phase is the verdict, as Hypothesis's last run is the shrunk example
    it reports."""

    def __init__(self, replayer: Replayer, certifier: Certifier) -> None:
        self._replayer = replayer
        self._certifier = certifier

    def cover(
        self, probes: Sequence[Mapping[str, Any]], check: Callable[[list[Any]], object]
    ) -> None:
        """The recorded coverage case; *probes* are the recorded ones, not these."""
        with coverage_phase(self._certifier.enter_phase):
            self._replay(COVERAGE, lambda draws: check(draws.draw(st.nothing(), PROBES)))

    def explore(self, case: Callable[[Draws], object]) -> None:
        """Every recorded example."""
        self._replay(EXPLORE, case)

    def explore_in_batches(
        self,
        draw: Callable[[Draws], T],
        check: Callable[[list[T]], object],
        case: Callable[[Draws], object],
    ) -> None:
        """The recorded batch, then the examples run one by one where the run did."""

        def batch(draws: Draws) -> None:
            size: int = draws.draw(st.nothing(), BATCH_SIZE)
            check([draw(draws) for _ in range(size)])

        try:
            self._replay(BATCH, batch)
        except BatchUndecided:
            self._replay(EXPLORE, case)
        except CheckFailed as batch_failure:
            if self._replayer.has_cases(EXPLORE):
                self._replay(EXPLORE, case)
            raise batch_failure from None

    def once(self, case: Callable[[], object]) -> None:
        """*case*, once per recorded case."""
        self._replay(EXPLORE, lambda draws: case())

    def _replay(self, phase: str, run: Callable[[Draws], object]) -> None:
        replayer, certifier = self._replayer, self._certifier
        failure: CheckFailed | None = None
        for recorded in replayer.recorded_cases(phase):
            if recorded.discarded:
                continue
            replayer.enter_case(recorded)
            if recorded.contact is not None:
                certifier.contact = replayer.recorded_contact(recorded.contact, certifier.contract)
            try:
                run(ReplayedDraws(recorded))
            except CheckFailed as error:
                failure = error
        if failure is not None:
            raise failure
