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
from contract.errors import Exit
from contract.server.options import (
    DEFAULT_CONTACTS,
    DEFAULT_HOST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_NETWORK_HOLD_SECONDS,
    DEFAULT_THREADS,
    DEFAULT_XMLRPC_PATH,
    MEMORY_DATABASE,
    ServerOptions,
)
from contract.server.profiles import PROFILES
from contract.spec.api import DEFAULT_USER
from contract.spec.policies import TREATMENTS

API_KEY_VARIABLE = "CONTRACT_SERVER_API_KEY"
EXITS = {
    Exit.OK: "stopped cleanly by Ctrl-C or SIGTERM",
    Exit.CANNOT_RUN: "cannot start: the port or the database cannot be opened, or a bad "
    "option; one line says why",
}
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a non-negative number: {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above zero: {text}")
    return value


def add_serve_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``serve`` on the ``contract`` command's subparsers; returns its parser."""
    serve = add_command(
        commands,
        "serve",
        EXITS,
        help="run the reference UpdateContact server (REST + XML-RPC on SQLite)",
        description="Run the reference UpdateContact server until Ctrl-C or SIGTERM.",
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="the address to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--port",
        type=_non_negative_int,
        default=8080,
        help="the port to listen on; 0 picks a free one (default: %(default)s)",
    )
    serve.add_argument(
        "--user", default=DEFAULT_USER, help="the Basic auth user name (default: %(default)s)"
    )
    serve.add_argument(
        "--api-key",
        metavar="KEY",
        help="the Basic auth API key "
        f"(default: ${API_KEY_VARIABLE}, else a generated one, printed at start)",
    )
    serve.add_argument(
        "--db",
        default=MEMORY_DATABASE,
        metavar="PATH",
        help="the SQLite database file, created if missing (default: %(default)s)",
    )
    serve.add_argument(
        "--contacts",
        type=_non_negative_int,
        default=DEFAULT_CONTACTS,
        metavar="N",
        help="make sure contacts 1..N exist, with plausible data (default: %(default)s)",
    )
    serve.add_argument(
        "--fresh-contacts",
        type=_non_negative_int,
        default=DEFAULT_CONTACTS,
        metavar="M",
        help="make sure contacts N+1..N+M exist as the platform makes them: defaults, and "
        '"" or null where the default is empty (default: %(default)s)',
    )
    serve.add_argument(
        "--readonly-policy",
        choices=TREATMENTS,
        default="reject",
        help="what an update carrying read-only properties gets: reject (400) or ignore "
        "(dropped, the rest applied) (default: %(default)s)",
    )
    serve.add_argument(
        "--unknown-policy",
        choices=TREATMENTS,
        default="reject",
        help="what an update carrying unknown properties gets: reject (400) or ignore "
        "(dropped, the rest applied) (default: %(default)s)",
    )
    serve.add_argument(
        "--latency-ms",
        type=_non_negative_float,
        default=0.0,
        metavar="N",
        help="delay every answer by N milliseconds, to rehearse a remote install "
        "(default: %(default)g)",
    )
    serve.add_argument(
        "--xmlrpc-path",
        default=DEFAULT_XMLRPC_PATH,
        metavar="PATH",
        help="where the XML-RPC endpoint listens (default: %(default)s)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help="larger request bodies are answered 413 (default: %(default)s)",
    )
    serve.add_argument(
        "--threads",
        type=_positive_int,
        default=DEFAULT_THREADS,
        metavar="N",
        help="worker threads serving requests (default: %(default)s)",
    )
    serve.add_argument(
        "--schema-extension",
        metavar="FILE",
        help='a JSON Schema fragment {"properties": {...}} adding the install\'s custom fields '
        "(default: none)",
    )
    serve.add_argument(
        "--profile",
        choices=tuple(PROFILES),
        default="default",
        help="a legal variant of the contract that real installs show: "
        + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values())
        + " (default: %(default)s)",
    )
    serve.add_argument(
        "--network-seed",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="with --profile bad-network: the seed of which requests meet trouble, so a run "
        "can be played again (default: %(default)s)",
    )
    serve.add_argument(
        "--network-hold",
        type=_positive_float,
        default=DEFAULT_NETWORK_HOLD_SECONDS,
        metavar="S",
        help="with --profile bad-network: seconds an answer it holds is held, after its "
        "update is applied; longer than the client's time-out (default: %(default)g)",
    )
    # Planted faults are for testing the certification suite, not for users: kept out of --help.
    serve.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help=argparse.SUPPRESS
    )
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
    return ServerOptions(
        host=args.host,
        port=args.port,
        user=args.user,
        api_key=args.api_key or os.environ.get(API_KEY_VARIABLE) or None,
        db=args.db,
        contacts=args.contacts,
        fresh_contacts=args.fresh_contacts,
        readonly_policy=args.readonly_policy,
        unknown_policy=args.unknown_policy,
        latency_ms=args.latency_ms,
        xmlrpc_path=args.xmlrpc_path,
        max_body_bytes=args.max_body_bytes,
        threads=args.threads,
        schema_extension=args.schema_extension,
        faults=frozenset(args.fault),
        profile=args.profile,
        network_seed=args.network_seed,
        network_hold_seconds=args.network_hold,
    )


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
            server = ReferenceServer(_options(args))
            server.start()
        except sqlite3.Error as error:
            reason = _database_trouble(args.db, error)
            sys.stderr.write(f"contract serve: cannot start: the database {args.db}: {reason}\n")
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
