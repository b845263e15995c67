"""``contract serve``: the reference server in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from contract.cli.command import add_command
from contract.cli.options import add_option, option_values
from contract.errors import Exit
from contract.server.options import SERVE_OPTIONS, ServerOptions

EXITS = {
    Exit.OK: "stopped cleanly by Ctrl-C or SIGTERM",
    Exit.CANNOT_RUN: "cannot start: the port or the database cannot be opened, or a bad "
    "option; one line says why",
}
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_serve_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``serve`` on the ``contract`` command's subparsers; returns its parser."""
    serve = add_command(
        commands,
        "serve",
        EXITS,
        help="run the reference UpdateContact server (REST + XML-RPC on SQLite)",
        description="Run the reference UpdateContact server until Ctrl-C or SIGTERM.",
    )
    for option in SERVE_OPTIONS:
        add_option(serve, option)
    serve.set_defaults(handler=run_serve)
    return serve


def _database_trouble(database: str, error: sqlite3.Error) -> str:
    """Why SQLite could not use *database*, in terms of the file and its folder."""
    path = Path(database)
    folder = path.parent
    if not folder.is_dir():
        return f"its folder {folder} does not exist ({error})"
    if path.is_dir():
        return f"it is a folder ({error})"
    if not path.exists() and not os.access(folder, os.W_OK):
        return f"its folder {folder} is not writable ({error})"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"the file cannot be read and written ({error})"
    return str(error)


def _options(args: argparse.Namespace) -> ServerOptions:
    return ServerOptions(**option_values(args, SERVE_OPTIONS, os.environ))


class StopSignals:
    """Catches SIGINT and SIGTERM while active, so that serving ends cleanly rather than abruptly.

    The handler only sets an attribute: a signal handler must not take a lock the
    interrupted code may hold. Waiting costs nothing while no signal comes: the
    interpreter writes a byte to a socket as each signal arrives, and :meth:`wait`
    sleeps on that socket, so a signal that comes just before it sleeps still wakes it.
    Use it from the main thread, the only one that receives signals.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}
        self._previous_wakeup = -1
        self._wakeup: tuple[socket.socket, socket.socket] | None = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum

    def __enter__(self) -> StopSignals:
        self._wakeup = socket.socketpair()
        writer = self._wakeup[1]
        writer.setblocking(False)
        self._previous_wakeup = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._previous = {signum: signal.signal(signum, self._handle) for signum in _STOP_SIGNALS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_wakeup)
        if self._wakeup is not None:
            for end in self._wakeup:
                end.close()
            self._wakeup = None

    def wait(self) -> int:
        """Block until a stop signal has arrived (maybe already); return its number."""
        if self._wakeup is None:
            raise RuntimeError("StopSignals.wait() outside its `with` block")
        reader = self._wakeup[0]
        while self.received is None:
            select.select([reader], [], [])
            reader.recv(512)
        return self.received


def run_serve(args: argparse.Namespace) -> int:
    """Run ``contract serve`` with parsed *args*; returns the exit code."""
    # Imported here so that other commands do not pay for waitress and the app at start-up.
    from contract.server.runner import ReferenceServer

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with StopSignals() as stop:
        try:
            options = _options(args)
            server = ReferenceServer(options)
            server.start()
        except sqlite3.Error as error:
            database = str(options.db)
            reason = _database_trouble(database, error)
            sys.stderr.write(f"contract serve: cannot start: the database {database}: {reason}\n")
            return Exit.CANNOT_RUN
        except (OSError, ValueError) as error:
            sys.stderr.write(f"contract serve: cannot start: {error}\n")
            return Exit.CANNOT_RUN
        try:
            if server.options.faults:
                # stderr, so the two lines on stdout stay what scripts expect.
                faults = ", ".join(sorted(server.options.faults))
                sys.stderr.write(
                    f"contract serve: planted faults, breaking the contract: {faults}\n"
                )
                sys.stderr.flush()
            if server.api_key_generated:
                sys.stdout.write(f"generated api key for user {server.user}: {server.api_key}\n")
            sys.stdout.write(f"listening on {server.url}\n")
            sys.stdout.flush()
            stop.wait()
        finally:
            server.stop()
    return Exit.OK
