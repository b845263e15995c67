"""A process that has imported what a certification needs, and forks one child per
install: each run starts with its imports done, instead of spending a second of CPU on
them (a third of a small run's CPU, on a machine certifying many at once).

It speaks JSON lines on its standard input and output. A request names the command
line, folder, environment and output file of a run; the answer is the child's process
id, and later its exit code. Each child leads a process group of its own, so that the
fleet can stop it as it stops any run. The zygote itself starts no thread: it forks
from one thread only.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import runpy
import select
import signal
import sys
from typing import Any, NoReturn

PRELOADED = (
    "contract.cli.main",
    "contract.cli.certify",
    "contract.report.progress",
    "contract.cli.options",
    "contract.pytest_plugin",
    "contract.report.writers",
    "contract.suite.test_access",
    "contract.suite.test_policies",
    "contract.suite.test_refusals",
    "contract.suite.test_robustness",
    "contract.suite.test_updates",
    "xdist.plugin",
    "_hypothesis_pytestplugin",
    "_pytest.python",
    "_pytest.junitxml",
)
"""What every certification imports; the suite runs with ``--assert=plain``, so its
modules need no rewriting and may be imported ahead."""


def _scan_for_constants() -> None:
    """Hypothesis reads every module loaded outside the standard library and
    site-packages for constants to try, the first time a test draws, and again only for
    modules loaded since: a tenth of a second that each child would spend anew."""
    try:
        from hypothesis.internal.conjecture.providers import _get_local_constants

        _get_local_constants()
    except Exception:  # a private function, which another Hypothesis may lack or change:
        return  # then each child scans, as it would without a zygote


def _child(request: dict[str, Any]) -> NoReturn:
    """Become the run the request describes, and end with its exit code."""
    code = 2
    try:
        os.setsid()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.argv = ["contract", *request["argv"]]
        # What ``python -m contract`` runs, by name: the fleet starts commands, as a shell
        # does, and stands below the command line that offers it. It ends the process.
        runpy.run_module("contract", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 2
    except BaseException as error:
        with contextlib.suppress(Exception):
            sys.stderr.write(f"contract certify: could not run: {type(error).__name__}\n")
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
    os._exit(code)


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve() -> None:
    """Read requests until standard input closes; fork a child for each; report each
    child's exit code as it ends."""
    for name in PRELOADED:
        importlib.import_module(name)
    _scan_for_constants()
    # What is imported stays for good: kept out of the collector's sight, it is neither
    # walked by each child's collections nor copied into the child by them.
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the fleet stops runs, not the zygote
    _say({"ready": True})
    children: dict[int, int] = {}
    pending = b""
    reading = True
    while reading or children:
        ready, _, _ = select.select([0] if reading else [], [], [], 0.1)
        if ready:
            chunk = os.read(0, 65536)
            reading = bool(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request)
                children[pid] = request["id"]
                _say({"id": request["id"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            _say({"id": children.pop(pid), "exit": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
