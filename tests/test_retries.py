"""A request the network lost is sent again, through the real HTTP stack on loopback: how
often, how long the client waits, what it counts and records, and what it never retries
(a connection that could not be opened, TLS, a name that does not resolve)."""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import served
from contract.exchange.answers import Exchange
from contract.exchange.endpoint import Endpoint
from contract.run.client import ContactClient, EndpointUnreachable, InstallLost
from contract.run.retrying import FIRST_WAIT, LONGEST_WAIT, Backoff
from tests.conftest import free_port

KEY = "retries-test-key"
CONTACT = b'{"id": 1, "name": "Ada"}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
ANSWER = HEAD % len(CONTACT) + CONTACT


def _read_request(connection: socket.socket) -> None:
    """Read one request's head (the client's reads carry no body)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            return
        received += chunk


def _reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


@contextlib.contextmanager
def _flaky_server(lost: Callable[[int], bool]) -> Iterator[tuple[str, list[int]]]:
    """A loopback server whose n-th connection (from 1) is reset once its request is read
    when ``lost(n)``, and answered with contact 1 otherwise. Yields its URL and the
    numbers of the connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    taken: list[int] = []

    def serve(connection: socket.socket, number: int) -> None:
        with contextlib.suppress(OSError):
            _read_request(connection)
            if lost(number):
                _reset(connection)
                return
            connection.sendall(ANSWER)
            _read_request(connection)  # keep-alive: until the client closes
            connection.close()

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                taken.append(len(taken) + 1)
                threading.Thread(target=serve, args=(connection, taken[-1]), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", taken
    finally:
        listener.close()


def _client(url: str, retries: int, waits: list[float], **endpoint: Any) -> ContactClient:
    return ContactClient(
        Endpoint(url, "admin", KEY, retries=retries, **endpoint), sleep=waits.append
    )


def test_a_reset_request_is_sent_again_until_it_is_answered() -> None:
    waits: list[float] = []
    with _flaky_server(lambda number: number <= 2) as (url, taken):
        client = _client(url, 3, waits)
        exchanges: list[Exchange] = []
        client.on_exchange = exchanges.append
        try:
            assert client.read(1) == {"id": 1, "name": "Ada"}
        finally:
            client.close()
    assert taken == [1, 2, 3]
    assert (client.retries, client.requests_sent) == (2, 3)
    # Each attempt is an exchange of its own, so a recording keeps the lost ones.
    assert [(e.attempt, e.error, e.status) for e in exchanges] == [
        (1, "connection", None),
        (2, "connection", None),
        (3, None, 200),
    ]
    # The waits went through the client's sleep, growing: up to 0.2 s, then up to 0.4 s.
    assert len(waits) == 2
    assert FIRST_WAIT / 2 <= waits[0] <= FIRST_WAIT <= waits[1] <= 2 * FIRST_WAIT


def test_an_install_that_always_resets_is_unreachable_after_every_attempt() -> None:
    waits: list[float] = []
    with _flaky_server(lambda number: True) as (url, taken):
        client = _client(url, 3, waits)
        try:
            with pytest.raises(EndpointUnreachable) as raised:
                client.read(1)
        finally:
            client.close()
    host = url.removeprefix("http://")
    assert str(raised.value) == f"cannot reach {host}: the connection was reset (4 attempts)"
    assert len(taken) == 4
    assert (client.retries, client.requests_sent, len(waits)) == (3, 4, 3)


def test_no_retries_sends_once_and_says_so_as_before() -> None:
    with _flaky_server(lambda number: True) as (url, taken):
        client = _client(url, 0, [])
        try:
            with pytest.raises(EndpointUnreachable, match=r"was reset$"):
                client.read(1)
        finally:
            client.close()
    assert (len(taken), client.retries) == (1, 0)


def test_a_run_that_loses_the_install_for_good_stops_naming_the_attempts() -> None:
    with _flaky_server(lambda number: number > 1) as (url, taken):
        client = ContactClient(
            Endpoint(url, "admin", KEY, retries=2), stop_when_lost=True, sleep=lambda s: None
        )
        try:
            assert client.read(1) is not None
            client.sessions["rest"].close()  # the next request needs a new connection
            with pytest.raises(InstallLost) as raised:
                client.read(1)
        finally:
            client.close()
    assert raised.value.stop.detail.endswith(": the connection was reset (3 attempts)")
    assert len(taken) == 4


def test_an_answer_lost_to_the_time_out_is_asked_for_again() -> None:
    release = threading.Event()
    answered: list[str] = []

    def slow_first(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if not answered:
            answered.append("held")
            release.wait(10)  # far past the client's time-out
        start_response("200 OK", [("Content-Type", "application/json")])
        return [CONTACT]

    waits: list[float] = []
    with served(slow_first) as url:
        client = _client(url, 3, waits, timeout=1.0)
        try:
            assert client.read(1) == {"id": 1, "name": "Ada"}
        finally:
            release.set()
            client.close()
    assert client.retries >= 1
    assert len(waits) == client.retries


def test_tls_failures_are_not_retried() -> None:
    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [CONTACT]

    waits: list[float] = []
    with served(plain) as url:
        client = _client(url.replace("http://", "https://"), 3, waits, timeout=5.0)
        exchanges: list[Exchange] = []
        client.on_exchange = exchanges.append
        try:
            with pytest.raises(EndpointUnreachable) as raised:
                client.read(1)
        finally:
            client.close()
    assert ": TLS failed" in str(raised.value)
    assert "attempts" not in str(raised.value)
    assert (client.retries, client.requests_sent, waits) == (0, 1, [])
    assert [e.error for e in exchanges] == ["unreachable"]


def test_a_connection_that_cannot_be_opened_is_not_retried() -> None:
    port = free_port()  # nothing listens there: the connection is refused
    exchanges: list[Exchange] = []
    client = _client(f"http://127.0.0.1:{port}", 3, [])
    client.on_exchange = exchanges.append
    with pytest.raises(EndpointUnreachable) as raised:
        client.read(1)
    assert str(raised.value) == f"cannot reach 127.0.0.1:{port}: the connection was refused"
    assert (client.retries, [e.error for e in exchanges]) == (0, ["unreachable"])


def test_a_name_that_does_not_resolve_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[object] = []

    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        looked_up.append(args[0])
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    client = _client("https://crm.example.invalid", 3, [])
    with pytest.raises(EndpointUnreachable, match=r"the name did not resolve$"):
        client.read(1)
    assert (len(looked_up), client.retries) == (1, 0)


def test_the_waits_grow_to_their_cap_with_jitter_that_leaves_random_alone() -> None:
    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    backoff = Backoff()
    firsts = {backoff.wait(1) for _ in range(20)}
    assert random.random() == expected  # Hypothesis's generator is never drawn from
    assert len(firsts) > 1  # jittered
    assert all(FIRST_WAIT / 2 <= wait <= FIRST_WAIT for wait in firsts)
    for retry in range(1, 12):
        ceiling = min(LONGEST_WAIT, FIRST_WAIT * 2 ** (retry - 1))  # 0.2, 0.4, 0.8, 1.6, 2, ...
        assert all(ceiling / 2 <= backoff.wait(retry) <= ceiling for _ in range(20))
