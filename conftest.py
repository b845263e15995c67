"""Fixtures and Hypothesis profiles shared by the project's own tests and benchmarks."""

from __future__ import annotations

import base64
import compileall
import contextlib
import gc
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import HealthCheck, given, settings

import contract
from contract.run.gc_pause import RUN_THRESHOLDS

pytest_plugins = ["pytester"]

# CI runs the same number of examples as a developer, without the deadline a busy
# 2-core machine would trip, and prints the blob that reproduces any failure.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
# Everything CI does, with the long scenarios at full size: 100,000 values thrown at the
# validator instead of 20,000, 30 s of load instead of 15. For a nightly job, or a release.
settings.register_profile("thorough", settings.get_profile("ci"))
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)
THOROUGH = PROFILE == "thorough"
"""Whether the long scenarios run at full size."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--burn-cpus",
        type=int,
        default=0,
        metavar="N",
        help="keep N processes spinning on the CPU for the whole run, to prove the suite "
        "holds on a busy machine (default: 0)",
    )


_BURNERS = pytest.StashKey[list["subprocess.Popen[bytes]"]]()


def pytest_configure(config: pytest.Config) -> None:
    burners = config.stash[_BURNERS] = []
    if hasattr(config, "workerinput"):
        return  # the controller starts the burners, once for the whole run
    # The suite starts hundreds of Python processes. Where PYTHONDONTWRITEBYTECODE is set,
    # as on this project's machines, each would compile the package from source again
    # (about a quarter of a second of CPU); compiled once here, they all load it.
    compileall.compile_dir(Path(contract.__file__).parent, quiet=2)
    for _ in range(config.getoption("burn_cpus")):
        spin = [sys.executable, "-c", "while True: pass"]
        burners.append(subprocess.Popen(spin, stdin=subprocess.DEVNULL))


def pytest_collection_finish(session: pytest.Session) -> None:
    # What a process has imported and collected by now stays to its end: out of the
    # collector's sight, the full collections that the tests set off (about 170 in a
    # run, a tenth of a second of CPU each) walk only what the tests themselves made.
    # The tests' Hypothesis runs spare the collector as a certification run does.
    gc.freeze()
    gc.set_threshold(*RUN_THRESHOLDS)


def pytest_unconfigure(config: pytest.Config) -> None:
    for burner in config.stash.get(_BURNERS, []):
        burner.kill()
        burner.wait()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # One worker more than there are cores: many tests wait on a subprocess or a socket,
    # and a core would idle then (on 2 cores, 3 workers finished the suite 7% sooner).
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else 3


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The long scenarios first: no worker is left alone with one while the other idles.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


SUITE = ("--pyargs", "contract.suite", "-p", "no:cacheprovider")
"""The built-in certification suite, as a pytester run selects it."""


def key_forms(user: str, key: str) -> list[str]:
    """The API key as it could leak: plain, Base64, and Base64 of the Basic credential."""
    credential = f"{user}:{key}".encode()
    return [
        key,
        base64.b64encode(key.encode()).decode(),
        base64.b64encode(credential).decode(),
        base64.urlsafe_b64encode(credential).decode(),
    ]


def draw_many(strategy: Any, count: int, *, derandomize: bool = False) -> list[Any]:
    """*count* examples of *strategy*, drawn the way a ``@given`` test draws them
    (the same ones on every run with *derandomize*)."""
    drawn: list[Any] = []

    @settings(max_examples=count, database=None, derandomize=derandomize)
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


Wsgi = Any


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingMixIn, WSGIServer):
    """A connection per thread, as a real install serves several clients at once; and no
    Nagle delay, which would hold each answer's body back until the client acknowledged
    its headers (40 ms a request). Its backlog holds every connection a run opens at once:
    with socketserver's 5, a loaded machine that is slow to accept drops connections, and
    the client's connect times out."""

    daemon_threads = True
    request_queue_size = 64

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


@contextlib.contextmanager
def served(app: Wsgi) -> Iterator[str]:
    """*app* on a loopback port of its own, for the length of the block."""
    httpd = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
