"""Replaying a recording: ``responses`` answers each request from it, case by case."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
import responses

from contract.errors import ContractError
from contract.recording.lines import RecordedAnswer, RecordedCase, Recording
from contract.recording.recorder import Scope
from contract.run.outcomes import Problem, Stop
from contract.run.unreachable import LastingConnectionError

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
    """Serves a recording's answers to the requests of the case being replayed."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.scope = Scope()
        self._answers: dict[tuple[str, str, bytes], deque[RecordedAnswer]] = {}

    def has_cases(self, phase: str) -> bool:
        """True when the test in progress recorded cases of *phase*."""
        test = self.scope.test
        return any(case.phase == phase for case in self.recording.cases.get(test or "", []))

    def cases(self, phase: str) -> list[RecordedCase]:
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
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        method = str(request.method)
        queue = self._answers.get((method, path, _body(request)))
        if not queue:
            where = f"{self.scope.test} case {self.scope.case}" if self.scope.test else "set-up"
            raise NotInRecording(f"{method} {path} with this body, in {where},")
        recorded = queue.popleft()
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

    @contextmanager
    def intercepting(self) -> Iterator[responses.RequestsMock]:
        """Route every request ``requests`` sends in this process to :meth:`answer`."""
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in _METHODS:
                mock.add_callback(method, re.compile(".*"), callback=self.answer, content_type=None)
            yield mock
