"""The reference server forked into a process of its own (what ``contract certify`` with no
URL certifies): it serves, it leaves Ctrl-C to its parent, it ends with the block, and one
that cannot start says why."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
import requests

from contract.server import ServerOptions
from contract.server.apart import ServerDidNotStart, can_fork, server_apart

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_child_serves_ignores_ctrl_c_and_ends_with_the_block() -> None:
    with server_apart(ServerOptions(contacts=3)) as server:
        assert server.pid != os.getpid()
        assert server.plausible_contact_ids == (1, 2, 3)
        os.kill(server.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        os.kill(server.pid, signal.SIGTERM)
        answer = requests.get(
            f"{server.url}/api/2.0/contacts/1", auth=(server.user, server.api_key), timeout=10
        )
        assert answer.status_code == 200
        assert answer.json()["id"] == 1
    assert _gone(server.pid)


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    options = ServerOptions(contacts=3, schema_extension=tmp_path / "no-such-extension.json")
    with (
        pytest.raises(ServerDidNotStart, match=re.escape("no-such-extension.json")),
        server_apart(options),
    ):
        pass


def test_a_process_with_threads_running_does_not_fork() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()
