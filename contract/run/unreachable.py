"""Why an install could not be reached, in the words a person acts on: the name did not
resolve, the connection was refused or timed out, TLS failed; and whether sending again
may fare better (:func:`heals`): only when a connection that was open was lost.

``requests`` wraps the cause two or three times (``ConnectionError`` around urllib3's
``MaxRetryError`` around ``NewConnectionError`` around the socket's own error); the cause
is found by walking that chain, not by reading the message.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from contract.errors import ContractError

_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
"""What the network does to a request; anything else (a malformed address, a body that
cannot be decoded) happens the same way every time."""
_LASTING_CAUSES = (
    socket.gaierror,
    NameResolutionError,
    ssl.SSLError,
    NewConnectionError,
    ConnectTimeoutError,
)
"""No connection was opened (nothing listens there, or nothing answers: the system has
already tried again within the time-out), or none that could be trusted."""


class LastingConnectionError(ContractError, requests.ConnectionError):
    """A connection error that no retry heals, whatever its cause: what a replay raises
    where the recorded run met one (see :mod:`contract.recording.replayer`)."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    """*error*, then what it wraps: causes, contexts, a ``reason``, exceptions in its args."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        wrapped = [current.__cause__, current.__context__, reason, *current.args]
        pending += [item for item in wrapped if isinstance(item, BaseException)]


def _not_http(cause: BaseException) -> bool:
    """The install answered bytes that are no HTTP status line (a closed connection is
    another thing, though :class:`http.client.RemoteDisconnected` derives from it)."""
    return isinstance(cause, http.client.BadStatusLine) and not isinstance(
        cause, http.client.RemoteDisconnected
    )


def timed_out(error: requests.RequestException) -> bool:
    """True when the answer did not come in time: before its head, or while its body was
    read (requests reports that one as a connection error)."""
    return isinstance(error, requests.ReadTimeout) or any(
        isinstance(cause, ReadTimeoutError) for cause in _chain(error)
    )


def heals(error: requests.RequestException) -> bool:
    """True when sending the request again may fare better: a connection that was open
    was dropped or reset, or the answer did not come in time. False when no connection
    could be opened (refused, timed out, a name that does not resolve, TLS) and for what
    no retry changes: a malformed address, an answer that is not HTTP."""
    if not isinstance(error, _NETWORK_ERRORS) or isinstance(
        error,
        (LastingConnectionError, requests.exceptions.SSLError, requests.ConnectTimeout),
    ):
        return False
    return not any(isinstance(c, _LASTING_CAUSES) or _not_http(c) for c in _chain(error))


def why_unreachable(error: requests.RequestException, timeout: float) -> str:
    """The reason a request never got an answer, as a few words."""
    causes = list(_chain(error))
    if any(isinstance(c, (socket.gaierror, NameResolutionError)) for c in causes):
        return "the name did not resolve"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "the connection was refused"
    if any(isinstance(c, requests.exceptions.ConnectTimeout) for c in causes):
        return f"the connection timed out after {timeout:g} s"
    tls = next((c for c in causes if isinstance(c, ssl.SSLError)), None)
    if tls is not None or isinstance(error, requests.exceptions.SSLError):
        said = getattr(tls, "reason", None) or getattr(tls, "verify_message", None)
        return f"TLS failed ({str(said).replace('_', ' ').lower()})" if said else "TLS failed"
    if any(_not_http(c) for c in causes):
        return "the answer was not HTTP"
    if any(isinstance(c, http.client.RemoteDisconnected) for c in causes):
        return "the connection closed without an answer"
    if any(isinstance(c, ConnectionResetError) for c in causes):
        return "the connection was reset"
    if any(isinstance(c, ProtocolError) for c in causes):
        return "the connection closed without an answer"
    return type(error).__name__
