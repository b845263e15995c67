"""A bad network in front of the reference server, for the ``bad-network`` profile: a
request now and then dropped unanswered, a connection reset after the update was applied,
an answer held past the client's time-out.

It acts on waitress's connections (its channel), where a network would, so the
application never knows. Each request's fate is drawn from ``ServerOptions.network_seed``
and the request itself: the same requests meet the same fates in every run.
A request the network failed is answered the next time it comes (the same method, path
and body), so no request fails twice in a row and a client that sends again once gets
through. Every request of a certification is idempotent: a run over this network must
reach the verdicts it reaches over a clean one.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import socket
import struct
import threading
import time

from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.parser import HTTPRequestParser

from contract.server.waitress_errors import JsonErrorChannel

DROPPED_SHARE = 1 / 40
"""Requests closed unanswered before the application sees them, as a load balancer
closes an idle keep-alive connection."""
RESET_SHARE = 1 / 80
"""Requests applied, then answered with a reset connection (RST) instead of an answer."""
HELD_SHARE = 1 / 400
"""Requests applied, then answered only after the hold: past the client's time-out."""
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST
_REMEMBERED = 100_000
"""Distinct requests remembered; a server that has seen more forgets them all, so that
its memory stays flat however long it runs."""


class Fate(enum.Enum):
    """What the network does to one request."""

    ANSWERED = "answered"
    DROPPED = "dropped"
    RESET = "reset"
    HELD = "held"


_SHARES = ((Fate.DROPPED, DROPPED_SHARE), (Fate.RESET, RESET_SHARE), (Fate.HELD, HELD_SHARE))


class BadNetwork:
    """Draws each request's fate; shared by every connection of one server.

    A fate depends on the seed, the request and how often the same request came before,
    not on the order requests arrive in: requests sent side by side meet the same fates
    in every run with the same seed.
    """

    def __init__(self, seed: int, hold_seconds: float) -> None:
        self.seed = seed
        self.hold_seconds = hold_seconds
        self._seen: dict[bytes, int] = {}
        self._failed: set[bytes] = set()
        self._lock = threading.Lock()

    def fate(self, request: bytes) -> Fate:
        """The fate of *request* (its request line and body): a request the network
        failed last time it came is answered."""
        key = hashlib.sha256(request).digest()
        with self._lock:
            if len(self._seen) >= _REMEMBERED:  # a long-running server: start afresh
                self._seen.clear()
                self._failed.clear()
            seen = self._seen[key] = self._seen.get(key, 0) + 1
            if key in self._failed:
                self._failed.discard(key)
                return Fate.ANSWERED
            digest = hashlib.sha256(b"%d:%d:%s" % (self.seed, seen, key)).digest()
            draw = int.from_bytes(digest[:8], "big") / 2**64
            for fate, share in _SHARES:
                if draw < share:
                    self._failed.add(key)
                    return fate
                draw -= share
            return Fate.ANSWERED


def request_bytes(method: str, uri: str, body: bytes) -> bytes:
    """What a request's fate is drawn from: its method, path with query, and body."""
    return f"{method} {uri}\n".encode("latin-1") + body


def _request_bytes(request: HTTPRequestParser) -> bytes:
    """:func:`request_bytes` of a request waitress read, without moving the application's
    place in its body."""
    body = request.get_body_stream()
    start = body.tell()
    content = body.read()
    body.seek(start)
    # waitress keeps both as text, though its type stubs say otherwise of the method.
    method, uri = getattr(request, "command", ""), getattr(request, "request_uri", "")
    return request_bytes(str(method), str(uri), content)


def bad_network_channel(network: BadNetwork) -> type[HTTPChannel]:
    """A waitress connection class whose requests meet the fates *network* draws."""

    class BadNetworkChannel(JsonErrorChannel):
        _captured: bytearray | None = None
        """While set, what the application answers goes here, not to the client."""
        _late: tuple[float, bytes] | None = None
        """A held answer: when it is due, and its bytes."""

        def service(self) -> None:
            request = self.requests[0]
            fate = Fate.ANSWERED if request.error else network.fate(_request_bytes(request))
            if fate is Fate.DROPPED:
                self._close()
                return
            if fate is Fate.ANSWERED:
                super().service()
                return
            # Applied first, so that an answer lost or late never reorders two writes.
            captured = self._captured = bytearray()
            try:
                super().service()
            finally:
                self._captured = None
            if fate is Fate.RESET:
                with contextlib.suppress(OSError):  # the client may have gone already
                    if self.socket is not None:
                        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
                self._close()
            else:
                self._late = (time.monotonic() + network.hold_seconds, bytes(captured))

        def write_soon(self, data: bytes) -> int:
            if self._captured is None:
                return super().write_soon(data)
            self._captured += data
            return len(data)

        def _close(self) -> None:
            """Close the connection with no answer, as waitress closes it on an error."""
            for request in self.requests:
                request.close()
            self.cancel()
            self.server.pull_trigger()

        def _late_answer_due(self) -> bool:
            return self._late is not None and time.monotonic() >= self._late[0]

        def writable(self) -> bool:
            # The loop asks at least once a second, so a held answer goes within a second
            # of its time, unless the client has closed the connection by then.
            return bool(super().writable()) or self._late_answer_due()

        def handle_write(self) -> None:
            if self._late is not None and self._late_answer_due():
                answer, self._late = self._late[1], None
                with contextlib.suppress(ClientDisconnected, OSError):  # it stopped waiting
                    super().write_soon(answer)
            super().handle_write()

    return BadNetworkChannel
