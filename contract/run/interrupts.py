"""Signals during a run: Ctrl-C and SIGTERM stop it between two requests, never mid-step,
and never while a contact is being put back."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

_STOPPING = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The user asked the run to stop (Ctrl-C or SIGTERM); raised before the next request."""


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def interrupt_on_sigterm() -> Callable[[], None]:
    """Turn SIGTERM into KeyboardInterrupt, so that both end a run the same way.

    Returns the function that puts the previous handler back.
    """
    if not _in_main_thread():
        return lambda: None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def undo() -> None:
        signal.signal(signal.SIGTERM, previous)

    return undo


class StopAtNextRequest:
    """While installed, SIGINT and SIGTERM ask the run to stop at its next request.

    An interrupt raised wherever the signal lands (inside Hypothesis, pytest or the HTTP
    stack) can leave the run half-torn and the contact unrestored; a request is a point
    where stopping is clean. A second signal interrupts at once.
    """

    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        """Raise :class:`Interrupted` if a stop was asked for."""
        if self.requested:
            raise Interrupted("interrupted")

    def install(self) -> Callable[[], None]:
        """Take over SIGINT and SIGTERM; returns the function that gives them back."""
        if not _in_main_thread():
            return lambda: None

        def request(signum: int, frame: FrameType | None) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        previous = {signum: signal.signal(signum, request) for signum in _STOPPING}

        def undo() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        return undo


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then raise KeyboardInterrupt.

    Putting a contact back must not stop halfway because the user pressed Ctrl-C again.
    """
    if not _in_main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, remember) for signum in _STOPPING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise KeyboardInterrupt
