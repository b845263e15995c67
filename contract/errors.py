"""What can go wrong: the one base of every error the library raises, the one type that
says a command could not run, and the exit code each way a command ends gets.

Every exception class of the package derives from :class:`ContractError`, beside the
built-in base that says its kind (``PayloadError`` is a ``ValueError``, ``CheckFailed``
an ``AssertionError``), so ``except ContractError`` catches whatever the library raises.
Two are not errors and stay outside: ``contract.run.outcomes.StopRun`` (a
``BaseException``, so that no ``except Exception`` of a test can swallow the end of a
run) and ``contract.run.interrupts.Interrupted`` (a ``KeyboardInterrupt``).
"""

from __future__ import annotations

import enum


class ContractError(Exception):
    """The base of every error this library raises."""


class CannotRun(ContractError):
    """A command could not do its job (certify, prepare, validate, …); the message is the
    one line that says why, printed as ``contract COMMAND: could not run: …``, and the
    command exits :attr:`Exit.CANNOT_RUN`."""


class Exit(enum.IntEnum):
    """What a ``contract`` command's exit code says."""

    OK = 0
    FAILED = 1
    CANNOT_RUN = 2
    NOT_RESTORED = 3
    """The run (or restore) left a contact different from before."""
    INTERRUPTED = 130
    """What shells report for Ctrl-C."""
