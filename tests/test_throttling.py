"""Pacing and connections: rate limits, Retry-After on 429, and keep-alive reuse."""

from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from conftest import SUITE, Wsgi, served
from contract.run.throttle import (
    DEFAULT_RETRY_WAIT,
    MAX_RETRY_WAIT,
    RateLimit,
    Throttle,
    retry_after,
)
from contract.server import ReferenceServer
from tests.conftest import RunCli


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("10/s", 10), ("120/min", 2), ("5", 5), ("2.5 / second", 2.5), ("30/m", 0.5)],
)
def test_rate_limits_are_read_per_second_or_minute(text: str, per_second: float) -> None:
    assert RateLimit.parse(text).per_second == per_second


@pytest.mark.parametrize("text", ["fast", "0/s", "-1/s", "10/h", ""])
def test_a_bad_rate_limit_says_what_one_looks_like(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit.parse(text)


def test_retry_after_reads_seconds_and_dates_within_bounds() -> None:
    now = 1_800_000_000.0
    in_two_seconds = email.utils.formatdate(now + 2, usegmt=True)
    assert retry_after("3") == 3
    assert retry_after(in_two_seconds, now=lambda: now) == pytest.approx(2)
    assert retry_after(email.utils.formatdate(now - 50, usegmt=True), now=lambda: now) == 0
    assert retry_after("86400") == MAX_RETRY_WAIT
    for unusable in (None, "", "soon", "nan"):
        assert retry_after(unusable) == DEFAULT_RETRY_WAIT


def test_the_throttle_spaces_requests_evenly() -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    throttle = Throttle(RateLimit(4), clock=lambda: clock[0], sleep=sleep)
    for _ in range(5):
        throttle.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    clock[0] += 10  # idle time is not saved up for a burst
    throttle.wait()
    throttle.wait()
    assert slept[-1] == 0.25


class _Watched:
    """The reference server's app, noting when each request came and answering some 429."""

    def __init__(self, app: Wsgi, throttled: frozenset[int] = frozenset()) -> None:
        self.app = app
        self.throttled = throttled
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self.lock:
            self.arrivals.append(time.monotonic())
            number = len(self.arrivals)
        if number in self.throttled:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response("429 Too Many Requests", [("Retry-After", "1")])
            return [b"slow down"]
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReferenceServer]:
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        yield server


def test_a_rate_limit_holds_for_the_whole_run(
    pytester: pytest.Pytester, reference: ReferenceServer
) -> None:
    watched = _Watched(reference.app)
    with served(watched) as url:
        result = pytester.runpytest(
            *SUITE,
            "-k",
            "accepted_with",
            f"--contract-url={url}",
            "--contract-examples=8",
            "--contract-rate-limit=20/s",
        )
    assert result.ret == 0
    arrivals = watched.arrivals
    assert len(arrivals) >= 17
    # No ten requests within half a second. Arrivals, not sends, are what the server sees:
    # a busy machine can hold one request back, and the next ten then seem to come faster,
    # so most windows, not each, must last the half second (a limiter that lapses for part
    # of the run still fails).
    windows = sorted(later - first for first, later in zip(arrivals, arrivals[10:], strict=False))
    assert windows[len(windows) // 4] >= 0.5 - 0.03, windows


def test_a_429_is_sent_again_after_its_retry_after(
    pytester: pytest.Pytester, reference: ReferenceServer
) -> None:
    # After the set-up, which counts for no requirement: the contact's first read, its two
    # witnesses' reads, the write of its own values, and each transport's positive control
    # (an update and a read).
    set_up = 1 + 2 + 1 + 2 * 2
    throttled = (set_up + 3, set_up + 6)
    watched = _Watched(reference.app, throttled=frozenset(throttled))
    report = pytester.path / "certificate.json"
    with served(watched) as url:
        result = pytester.runpytest(
            *SUITE,
            "-k",
            "accepted_with",
            f"--contract-url={url}",
            "--contract-examples=5",
            f"--contract-report={report}",
        )
    assert result.ret == 0  # the throttled updates went through on their second try
    after_429 = [watched.arrivals[n] - watched.arrivals[n - 1] for n in throttled]
    assert min(after_429) >= 0.95
    results = json.loads(report.read_text(encoding="utf-8"))["results"]
    cases = sum(result["cases"] for result in results)
    requests = sum(result["requests"] for result in results)
    # An update and the read after it a case, which is the next case's read before (its
    # exchange serves UC-PERSIST and UC-PARTIAL too, see contract.run.evidence), a first
    # read for each transport's test, and the two throttled attempts.
    assert requests == 2 * cases + 2 + 2


def test_certify_refuses_a_bad_rate_limit(run_cli: RunCli) -> None:
    result = run_cli("certify", "--rate-limit", "fast")
    assert result.returncode == 2
    assert "--rate-limit: a rate limit looks like 10/s or 120/min, not 'fast'" in result.stderr


class _CountingProxy:
    """A TCP relay to *upstream* that counts the connections it accepts."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                self.accepted += 1
                server = socket.create_connection(self.upstream)
                for end in (client, server):  # relay each write at once, as sent
                    end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.listener.close()


@pytest.mark.long
@pytest.mark.parametrize(("workers", "connections"), [(1, 1), (2, 1), (1, 4)])
def test_each_worker_keeps_its_connections_open(
    pytester: pytest.Pytester, reference: ReferenceServer, workers: int, connections: int
) -> None:
    """One keep-alive connection per transport (REST also carries the read-backs), and
    at most *connections* more per transport for the refusals sent side by side."""
    proxy = _CountingProxy(("127.0.0.1", reference.port))
    try:
        result = pytester.runpytest(
            *SUITE,
            *(["-n", str(workers)] if workers > 1 else []),
            f"--contract-url={proxy.url}",
            f"--contract-contact-id={','.join(str(i + 1) for i in range(workers))}",
            "--contract-examples=1",
            f"--contract-connections={connections}",
        )
    finally:
        proxy.close()
    assert result.ret == 0
    if connections == 1:
        assert proxy.accepted == 2 * workers  # REST and XML-RPC, per worker
    else:
        assert 2 * workers < proxy.accepted <= 2 * (1 + connections) * workers
