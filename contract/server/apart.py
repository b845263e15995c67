"""The reference server in a process of its own, forked from this one: what ``contract
certify`` with no URL certifies.

In the certifying process the server's threads would take turns with the client's for
one interpreter; forked, it answers on the other core while the client draws its next
examples. The child serves until the parent closes the pipe it holds (or ends, however
it ends), and leaves Ctrl-C and SIGTERM to the parent, which puts the contact back
through it before it goes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from contract.errors import ContractError
from contract.server.options import ServerOptions


class ServerDidNotStart(ContractError, RuntimeError):
    """The forked server could not serve; the message says why."""


@dataclass(frozen=True)
class ServerApart:
    """How to reach the server a child process runs."""

    url: str
    user: str
    api_key: str
    plausible_contact_ids: tuple[int, ...]
    pid: int
    """The child process that serves."""


def can_fork() -> bool:
    """Whether this process may fork a server: POSIX, and no other thread running (a lock
    another thread held at the fork would stay held in the child for ever)."""
    return hasattr(os, "fork") and threading.active_count() == 1


@contextlib.contextmanager
def server_apart(options: ServerOptions) -> Iterator[ServerApart]:
    """A reference server with *options* in a forked child, for the block; call only
    where :func:`can_fork` says so."""
    said, told = os.pipe()
    alive_read, alive_write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's lines run in the fork, not the tests
        os.close(said)
        os.close(alive_write)
        _serve(options, told, alive_read)
    os.close(told)
    os.close(alive_read)
    try:
        with os.fdopen(said, "rb") as answer:
            started = json.loads(answer.readline() or b"{}")
        if "url" not in started:
            raise ServerDidNotStart(started.get("error", "the server process ended at once"))
        yield ServerApart(
            started["url"], options.user, started["api_key"], tuple(started["plausible"]), child
        )
    finally:
        os.close(alive_write)  # the child's cue to stop
        os.waitpid(child, 0)


def _serve(options: ServerOptions, told: int, alive: int) -> None:  # pragma: no cover
    """The child: serve, say where, and stop when the parent lets go of *alive*."""
    from contract.server.runner import ReferenceServer

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    code = 0
    try:
        with ReferenceServer(options) as server:
            started = {
                "url": server.url,
                "api_key": server.api_key,
                "plausible": server.plausible_contact_ids,
            }
            os.write(told, json.dumps(started).encode() + b"\n")
            os.close(told)
            while os.read(alive, 1):
                pass
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.write(told, json.dumps({"error": str(error)}).encode() + b"\n")
        code = 1
    os._exit(code)
