"""Why an install could not be reached, in the words a person acts on: the name did not
resolve, the connection was refused or timed out, TLS failed.

``requests`` wraps the cause two or three times (``ConnectionError`` around urllib3's
``MaxRetryError`` around ``NewConnectionError`` around the socket's own error); the cause
is found by walking that chain, not by reading the message.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import requests
from urllib3.exceptions import NameResolutionError, ProtocolError


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
    if any(isinstance(c, ConnectionResetError) for c in causes):
        return "the connection was reset"
    if any(isinstance(c, ProtocolError) for c in causes):
        return "the connection closed without an answer"
    return type(error).__name__
