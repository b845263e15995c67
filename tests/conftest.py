"""The harness of the command-line tests: ``contract`` commands and servers as real processes.

``Running`` starts a ``contract …`` subprocess whose output lines a test can wait for, and
``run_contract`` runs one to its end (``certify`` runs ``contract certify``): every test
that runs the command runs it through these. ``serve`` starts ``contract serve`` on
loopback; ``silent_server`` accepts connections and never answers. Nothing here passes a
key on a command line except to ``contract serve``, whose own key it is.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from contract.server import ReferenceServer

USER = "certifier"
CONTACT_PATH = "/api/2.0/contacts/{id}"
# How long a command may take here before the test gives up on it (a whole certification
# run takes 3 to 10 s on 2 cores, several times that on a loaded machine); runs that must
# stop early get much less.
RUN_SECONDS = 300
LISTENING = re.compile(r"listening on (http://\S+)")


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without CONTRACT_* settings or proxies, plus *extra*."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("CONTRACT_") and not name.upper().endswith("_PROXY")
    }
    env.update(extra)
    return env


def _default_sigint() -> None:
    # A shell that starts jobs in the background makes them ignore SIGINT, and children
    # inherit that; Ctrl-C in a terminal reaches a process with the default action.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stdin(given: str | int | IO[bytes] | None) -> int | IO[bytes]:
    if isinstance(given, str):
        return subprocess.PIPE  # written by a thread of its own
    return subprocess.DEVNULL if given is None else given


class Running:
    """A ``contract …`` subprocess whose stdout lines a test can wait for as they come.

    The one way the tests start a ``contract`` command: ``python -m contract ARGS`` in
    *cwd* (the tests' own by default), with *env* (by default :func:`clean_environment`:
    no setting of the developer's reaches the command, credentials come in as the test
    gives them), text output read as it comes, and *stdin* as text, a file or a file
    descriptor, or nothing.
    """

    def __init__(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | int | IO[bytes] | None = None,
        default_sigint: bool = False,
    ) -> None:
        self.args = [sys.executable, "-m", "contract", *args]
        self.process = subprocess.Popen(
            self.args,
            cwd=cwd,
            env=dict(env) if env is not None else clean_environment(),
            stdin=_stdin(stdin),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            preexec_fn=_default_sigint if default_sigint else None,
        )
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._pumps = [
            threading.Thread(target=self._pump_stdout, daemon=True),
            threading.Thread(target=self._pump_stderr, daemon=True),
        ]
        if isinstance(stdin, str):
            self._pumps.append(threading.Thread(target=self._feed, args=(stdin,), daemon=True))
        for pump in self._pumps:
            pump.start()

    def _pump_stdout(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout as stream:
            for line in stream:
                self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr as stream:
            for line in stream:
                self.stderr_lines.append(line)

    def _feed(self, text: str) -> None:
        assert self.process.stdin is not None
        # A command that stops reading early (a usage error, say) closes the pipe.
        with contextlib.suppress(BrokenPipeError), self.process.stdin as stream:
            stream.write(text)

    def shown(self) -> str:
        """The command line, API key hidden."""
        words = self.args[2:]
        return shlex.join(
            "***" if i and words[i - 1] == "--api-key" else word for i, word in enumerate(words)
        )

    def so_far(self) -> str:
        """What the command printed until now, for a failure message."""
        return f"stdout:\n{''.join(self.stdout_lines)}\nstderr:\n{''.join(self.stderr_lines)}"

    def wait_for_line(self, wanted: Callable[[str], bool], timeout: float) -> str:
        """The first stdout line *wanted* accepts; fails if the command ends or is slow."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                self._lines.put(None)
                pytest.fail(f"`{self.shown()}` ended too early\n{self.so_far()}")
            self.stdout_lines.append(line)
            if wanted(line):
                return line
        self.stop()
        pytest.fail(f"`{self.shown()}`: no such line in {timeout} s\n{self.so_far()}")

    def finish(self, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess[str]:
        """Wait for the exit; a command still running after *timeout* s is killed and fails."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(
                f"`{self.shown()}` was still running after {timeout:g} s "
                f"and was killed\n{self.so_far()}"
            )
        for pump in self._pumps:
            pump.join(timeout=30)
        while (line := self._lines.get(timeout=5)) is not None:
            self.stdout_lines.append(line)
        return subprocess.CompletedProcess(
            self.args, code, "".join(self.stdout_lines), "".join(self.stderr_lines)
        )

    def stop(self) -> None:
        """Kill the command if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def run_contract(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | int | IO[bytes] | None = None,
    timeout: float = RUN_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """Run ``contract ARGS`` as :class:`Running` does, to its end (at most *timeout* s)."""
    return Running(*args, cwd=cwd, env=env, stdin=stdin).finish(timeout)


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli() -> RunCli:
    """:func:`run_contract`, as a fixture."""
    return run_contract


def certify(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = RUN_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run ``contract certify ARGS`` to its end."""
    return run_contract("certify", *args, cwd=cwd, env=env, timeout=timeout)


@dataclass
class Served:
    """A running ``contract serve`` on loopback."""

    running: Running
    url: str
    api_key: str

    @property
    def process(self) -> subprocess.Popen[str]:
        return self.running.process

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.running.stop()


@contextlib.contextmanager
def serve(*options: str) -> Iterator[Served]:
    """``contract serve --port 0`` with an explicit, random API key, stopped at the end."""
    api_key = "key-" + secrets.token_hex(12)
    running = Running(
        "serve",
        *("--host", "127.0.0.1", "--port", "0"),
        *("--user", USER, "--api-key", api_key),
        *options,
    )
    served = Served(running, "", api_key)
    try:
        first = running.wait_for_line(lambda line: True, timeout=30)
        match = LISTENING.match(first)
        assert match, f"contract serve printed {first!r} instead of its address"
        served.url = match.group(1)
        yield served
    finally:
        served.stop()


def read_contact(served: Served | ReferenceServer, contact_id: int = 1) -> dict[str, Any]:
    """The contact as ``GET /api/2.0/contacts/:id`` answers it."""
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(
            served.url + CONTACT_PATH.format(id=contact_id),
            auth=(USER, served.api_key),
            timeout=30,
        )
    assert response.status_code == 200, response.text
    contact = response.json()
    assert isinstance(contact, dict)
    return contact


def write_contact(
    served: Served | ReferenceServer, contact_id: int, values: dict[str, Any]
) -> None:
    """Update the contact as another client of the install would."""
    with requests.Session() as session:
        session.trust_env = False
        response = session.put(
            served.url + CONTACT_PATH.format(id=contact_id),
            json=values,
            auth=(USER, served.api_key),
            timeout=30,
        )
    assert response.status_code == 200, response.text


@dataclass
class Silent:
    """A TCP server on loopback that accepts connections and never answers."""

    url: str
    accepted: list[socket.socket] = field(default_factory=list)


@contextlib.contextmanager
def silent_server() -> Iterator[Silent]:
    """A :class:`Silent` server for the duration of the block."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    silent = Silent(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            silent.accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield silent
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()
        for connection in silent.accepted:
            connection.close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
