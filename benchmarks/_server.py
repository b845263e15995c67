"""The reference server as a subprocess, counting the requests it answers.

``contract serve --port 0`` runs in a fresh interpreter started by a short launcher: it
runs the ``contract`` module exactly as ``python -m contract`` does, after wrapping the
WSGI application handed to waitress in a counter. The counter notes every request the
application is called for, when it began and when the answer was ready (wall clock),
and writes them to a file as the server exits. So the requests of any client, ours or
another tool, are counted the same way, at the server, and a run's wall time can be
split into the time the server was busy and the time the client spent on its own.

The API key reaches the server through ``CONTRACT_SERVER_API_KEY`` and the client
through ``CONTRACT_API_KEY``: never on a command line, never in the output.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

USER = "admin"
_LISTENING = re.compile(r"listening on (http://\S+)")
_TRAFFIC_VARIABLE = "BENCHMARK_TRAFFIC_FILE"

# Wraps what waitress serves, not the application object the runner keeps (it reaches into
# ``app.service`` to close the store), then runs ``contract`` as ``python -m contract`` does
# (which ends the process at once, so the spans are written before that).
_LAUNCHER = """
import json, os, sys, threading, time
from contract import __main__ as command
from contract.server import runner

lock = threading.Lock()
spans = []
create_server = runner.create_server


def counted(app):
    def application(environ, start_response):
        began = time.time()
        try:
            return app(environ, start_response)
        finally:
            ended = time.time()
            with lock:
                spans.append((began, ended))

    return application


def write():
    with open(os.environ["BENCHMARK_TRAFFIC_FILE"], "w") as out:
        with lock:
            json.dump(spans, out)


def serving(app, *args, **options):
    return create_server(counted(app), *args, **options)


runner.create_server = serving
sys.argv = ["contract", *sys.argv[1:]]
try:
    code = command.run()
finally:
    write()
sys.exit(code)
"""


@dataclass(frozen=True)
class Traffic:
    """The requests the server answered: when each began and ended (wall clock, seconds)."""

    spans: list[tuple[float, float]]

    @property
    def requests(self) -> int:
        """How many requests the application answered."""
        return len(self.spans)

    def busy_seconds(self) -> float:
        """How long at least one request was in progress: the union of the spans."""
        busy, reach = 0.0, float("-inf")
        for began, ended in sorted(self.spans):
            if ended > reach:
                busy += ended - max(began, reach)
                reach = ended
        return busy

    def in_flight(self) -> float:
        """Requests in progress on average while the server was busy."""
        busy = self.busy_seconds()
        return sum(ended - began for began, ended in self.spans) / busy if busy else 0.0


@dataclass
class Server:
    """A running reference server: where it listens and its key; ``traffic`` once it stopped."""

    url: str
    api_key: str = field(repr=False)
    traffic: Traffic | None = None

    def client_environment(self) -> dict[str, str]:
        """This process's environment plus the user and key a client takes from variables."""
        return {**os.environ, "CONTRACT_USER": USER, "CONTRACT_API_KEY": self.api_key}


@contextmanager
def serve(
    latency_ms: float = 0.0, contacts: int = 10, faults: Sequence[str] = ()
) -> Iterator[Server]:
    """Run ``contract serve --port 0`` until the block ends; then SIGTERM it and read its count.

    A fresh server for every run: each starts from the same seeded contacts, and its count
    holds one client's requests only.
    """
    api_key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as folder:
        counts = Path(folder) / "traffic.json"
        env = {**os.environ, "CONTRACT_SERVER_API_KEY": api_key, _TRAFFIC_VARIABLE: str(counts)}
        env.pop("CONTRACT_API_KEY", None)
        command = [sys.executable, "-c", _LAUNCHER, "serve", "--port", "0"]
        command += ["--user", USER, "--contacts", str(contacts), "--latency-ms", f"{latency_ms:g}"]
        command += [f"--fault={fault}" for fault in faults]
        # Its log goes to a file: a pipe nobody reads would block the server once full.
        log = Path(folder) / "server.log"
        with log.open("w", encoding="utf-8") as errors:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=env,
                cwd=folder,
            )
        assert process.stdout is not None
        server: Server | None = None
        try:
            for line in process.stdout:
                match = _LISTENING.search(line)
                if match:
                    server = Server(match[1], api_key)
                    break
            if server is None:
                process.wait()
                stderr = log.read_text(encoding="utf-8").strip()
                raise RuntimeError(f"contract serve exited before listening: {stderr}")
            yield server
        finally:
            stop(process)
        if counts.is_file():
            spans = json.loads(counts.read_text(encoding="utf-8"))
            server.traffic = Traffic([(float(began), float(ended)) for began, ended in spans])


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a ``contract serve`` as Ctrl-C would, or kill it if it does not stop in 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
