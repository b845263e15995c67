"""Starting an install's run: forked from the zygote when it is up, else a new process.

Either way the run leads a process group of its own, whose id is its process id, so it
is stopped the same way; only the zygote's children are waited for through it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any


class Started:
    """A run under way: its process id, and its exit code once it ends."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._ended = threading.Event()
        self._code: int | None = None

    def ended(self, code: int) -> None:
        """Called once, with the exit code (negative: killed by that signal)."""
        self._code = code
        self._ended.set()

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; raises :class:`subprocess.TimeoutExpired` after *timeout* s."""
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(["contract", "certify"], timeout or 0)
        assert self._code is not None
        return self._code


class _Spawned(Started):
    """A run started as a process of its own."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(process.pid)
        self.process = process

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout)


class Starter:
    """Starts runs of ``contract ARGV``: forked by a zygote (imports done once), or, when
    it cannot be started or has gone, as new processes."""

    def __init__(self, *, use_zygote: bool = True) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, Started] = {}
        self._pids: dict[int, threading.Event] = {}
        self._zygote: subprocess.Popen[bytes] | None = None
        if use_zygote:
            self._zygote = self._start_zygote()

    def _start_zygote(self) -> subprocess.Popen[bytes] | None:
        zygote = subprocess.Popen(
            [sys.executable, "-m", "contract.fleet.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert zygote.stdout is not None
        if json.loads(zygote.stdout.readline() or b"{}").get("ready") is not True:
            zygote.kill()
            zygote.wait()
            return None
        threading.Thread(target=self._listen, args=(zygote.stdout,), daemon=True).start()
        return zygote

    def _listen(self, answers: IO[bytes]) -> None:
        for line in answers:
            message: dict[str, Any] = json.loads(line)
            with self._lock:
                started = self._waiting.get(message["id"])
                if started is None:
                    continue
                if "pid" in message:
                    started.pid = message["pid"]
                    self._pids.pop(message["id"]).set()
                else:
                    del self._waiting[message["id"]]
                    started.ended(int(message["exit"]))
        with self._lock:  # the zygote has gone: what it started can no longer be heard
            self._zygote = None
            for started in self._waiting.values():
                started.ended(-9)
            for known in self._pids.values():
                known.set()
            self._waiting.clear()
            self._pids.clear()

    def start(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], output: Path
    ) -> Started:
        """``contract ARGV`` in *cwd* with exactly *env*, its output appended to *output*."""
        output.touch()  # there from the start, whichever way the run is started
        forked = self._fork(argv, cwd, env, output)
        if forked is not None:
            return forked
        with open(output, "ab") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "contract", *argv],
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return _Spawned(process)

    def _fork(
        self, argv: Sequence[str], cwd: Path, env: Mapping[str, str], output: Path
    ) -> Started | None:
        """The run, forked by the zygote; None when there is no zygote to fork it."""
        request: dict[str, Any] = {
            "argv": list(argv),
            "cwd": str(cwd),
            "env": dict(env),
            "output": str(output),
        }
        with self._lock:
            zygote = self._zygote
            if zygote is None or zygote.stdin is None:
                return None
            self._next += 1
            request["id"] = number = self._next
            started, known = Started(0), threading.Event()
            self._waiting[number], self._pids[number] = started, known
            try:
                zygote.stdin.write(json.dumps(request).encode() + b"\n")
                zygote.stdin.flush()
            except OSError:
                self._zygote = None
                del self._waiting[number], self._pids[number]
                return None
        known.wait()
        return started if started.pid else None

    def close(self) -> None:
        """Let the zygote end once its children have."""
        with self._lock:
            zygote, self._zygote = self._zygote, None
        if zygote is not None and zygote.stdin is not None:
            zygote.stdin.close()
            zygote.wait()
