"""``contract serve`` as a real subprocess: its output, its options, its clean shutdown."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from contract.server.options import API_KEY_VARIABLE
from tests.conftest import Running, clean_environment, run_contract

from .clients import CONTACTS_PATH

READY_SECONDS = 30
LISTENING = re.compile(r"listening on (http://\S+)\n")


@dataclass
class Served:
    """A running ``contract serve`` and what it printed before it was ready."""

    running: Running
    url: str
    printed: list[str]

    @property
    def process(self) -> subprocess.Popen[str]:
        return self.running.process

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Send *signum*; wait for the exit; return its code and the rest of stdout and stderr."""
        self.process.send_signal(signum)
        result = self.running.finish(timeout=30)
        return result.returncode, result.stdout.removeprefix("".join(self.printed)), result.stderr


def _environment(api_key: str | None) -> dict[str, str]:
    return clean_environment(**({API_KEY_VARIABLE: api_key} if api_key is not None else {}))


@contextmanager
def serve(*args: str, api_key: str | None = "cli-test-key") -> Iterator[Served]:
    """Start ``contract serve --port 0 ARGS`` and wait until it prints its listening line."""
    running = Running("serve", "--port", "0", *args, env=_environment(api_key))
    try:
        listening = running.wait_for_line(
            lambda line: LISTENING.fullmatch(line) is not None, timeout=READY_SECONDS
        )
        url = LISTENING.fullmatch(listening)
        assert url is not None
        yield Served(running, url[1], list(running.stdout_lines))
    finally:
        running.stop()


def test_prints_one_listening_line_and_stops_cleanly_on_sigterm() -> None:
    with serve() as served:
        assert served.printed == [f"listening on {served.url}\n"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url)
        response = requests.put(
            f"{served.url}{CONTACTS_PATH}/1",
            json={"name": "Ada"},
            auth=("admin", "cli-test-key"),
            timeout=30,
        )
        assert (response.status_code, response.json()) == (200, 1)
        code, out, err = served.stop(signal.SIGTERM)
    assert (code, out) == (0, "")
    assert "Traceback" not in err
    assert "cli-test-key" not in err


def test_stops_cleanly_on_ctrl_c() -> None:
    with serve() as served:
        code, out, err = served.stop(signal.SIGINT)
    assert (code, out) == (0, "")
    assert "Traceback" not in err


def test_without_a_key_it_generates_one_and_prints_it() -> None:
    with serve(api_key=None) as served:
        assert len(served.printed) == 2
        generated = re.fullmatch(r"generated api key for user admin: (\S+)\n", served.printed[0])
        assert generated is not None
        url = f"{served.url}{CONTACTS_PATH}/1"
        assert requests.get(url, auth=("admin", generated[1]), timeout=30).status_code == 200
        assert requests.get(url, auth=("admin", "guess"), timeout=30).status_code == 401
        served.stop()


def test_options_shape_the_server(tmp_path: Path) -> None:
    args = ["--contacts", "3", "--fresh-contacts", "2", "--user", "ops", "--api-key", "k3y"]
    args += ["--readonly-treatment", "ignore", "--unknown-treatment", "ignore"]
    with serve(*args, "--xmlrpc-path", "/rpc", "--latency-ms", "250") as served:
        auth = ("ops", "k3y")
        assert (
            requests.get(f"{served.url}{CONTACTS_PATH}/3", auth=auth, timeout=30).status_code == 200
        )
        # Then the fresh contacts: 4 and 5.
        fresh = requests.get(f"{served.url}{CONTACTS_PATH}/4", auth=auth, timeout=30)
        assert (fresh.status_code, fresh.json()["gender"], fresh.json()["date_of_birth"]) == (
            200,
            "",
            None,
        )
        assert (
            requests.get(f"{served.url}{CONTACTS_PATH}/6", auth=auth, timeout=30).status_code == 404
        )
        started = time.monotonic()
        response = requests.put(
            f"{served.url}{CONTACTS_PATH}/2", json={"id": 7, "city": "Oslo"}, auth=auth, timeout=30
        )
        assert time.monotonic() - started >= 0.25
        assert response.status_code == 200
        ignored = requests.put(
            f"{served.url}{CONTACTS_PATH}/2",
            json={"nonsense": 1, "city": "Bergen"},
            auth=auth,
            timeout=30,
        )
        assert ignored.status_code == 200
        assert (
            requests.post(f"{served.url}/rpc", data=b"<x/>", auth=auth, timeout=30).status_code
            == 200
        )
        assert served.stop()[0] == 0


def test_a_file_database_keeps_updates_across_restarts(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "contacts.sqlite"
    database.parent.mkdir()
    with serve("--db", str(database), "--contacts", "5") as served:
        url = f"{served.url}{CONTACTS_PATH}/5"
        assert (
            requests.put(
                url, json={"name": "persisted"}, auth=("admin", "cli-test-key"), timeout=30
            ).status_code
            == 200
        )
        assert served.stop()[0] == 0
    with serve("--db", str(database), "--contacts", "2") as served:
        url = f"{served.url}{CONTACTS_PATH}/5"
        contact = requests.get(url, auth=("admin", "cli-test-key"), timeout=30).json()
        assert contact["name"] == "persisted"
        assert served.stop()[0] == 0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_contract("serve", *args, env=_environment("k"), timeout=60)


def test_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _cli("--port", str(taken.getsockname()[1]))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("contract serve: cannot start:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/dir/x.sqlite", "its folder {folder}/missing/dir does not exist"),
        (".", "it is a folder"),
        ("not-a-database.txt", "file is not a database"),
    ],
)
def test_an_unopenable_database_is_one_line_naming_the_path_and_why(
    tmp_path: Path, where: str, reason: str
) -> None:
    (tmp_path / "not-a-database.txt").write_text("hello, this is text\n" * 100)
    database = tmp_path / where
    result = _cli("--port", "0", "--db", str(database))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"contract serve: cannot start: the database {database}: ")
    assert reason.format(folder=tmp_path) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--readonly-treatment", "maybe"],
        ["--readonly-policy", "maybe"],
        ["--port", "-1"],
        ["--contacts", "many"],
        ["--latency-ms", "-5"],
        ["--threads", "0"],
    ],
)
def test_bad_options_exit_2(args: list[str]) -> None:
    result = _cli(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_the_help_names_the_treatments_not_their_former_names() -> None:
    shown = _cli("--help").stdout
    assert "--readonly-treatment {reject,ignore}" in shown
    assert "--unknown-treatment {reject,ignore}" in shown
    assert "-policy" not in shown


def test_the_former_policy_flags_still_work_and_say_once_what_replaced_them() -> None:
    args = ["--readonly-policy", "ignore", "--unknown-policy", "ignore"]
    with serve(*args) as served:
        auth = ("admin", "cli-test-key")
        answer = requests.put(
            f"{served.url}{CONTACTS_PATH}/1",
            json={"id": 7, "nonsense": 1, "city": "Oslo"},
            auth=auth,
            timeout=30,
        )
        assert answer.status_code == 200
        code, _, err = served.stop()
    assert code == 0
    assert err.splitlines() == [
        f"contract serve: --{kind}-policy is deprecated, use --{kind}-treatment (it says what "
        f"the server does; certify's --{kind}-policy says what a run demands)"
        for kind in ("readonly", "unknown")
    ]


# A signal before the wait, then one sent by another thread during it: each wait returns
# that signal's number. A wait that missed its signal would sleep until the time-out.
_WAITS = """
import os, signal, threading
from contract.cli.serve import StopSignals

with StopSignals() as stop:
    os.kill(os.getpid(), signal.SIGTERM)
    before = stop.wait()
with StopSignals() as stop:
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    during = stop.wait()
print(before, during)
"""


def test_the_wait_for_a_stop_signal_sees_one_sent_before_or_during_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WAITS], capture_output=True, text=True, timeout=60, check=False
    )
    expected = f"{int(signal.SIGTERM)} {int(signal.SIGINT)}\n"
    assert (done.returncode, done.stdout) == (0, expected), done
