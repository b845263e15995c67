"""``python -m contract``: the command line, quiet about Ctrl-C at any moment of its start."""

import contextlib
import os
import signal
import sys
from typing import NoReturn


def _interrupted_while_starting(signum: int, frame: object) -> None:
    # Nothing has been changed yet: one line, and no traceback from the interrupted import.
    # The process ends here and now: a SystemExit raised into whatever import was running
    # can be swallowed by a library's ``except BaseException``, and the run would go on.
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command == "certify":
        _end("contract certify: could not run: interrupted\n", 2)  # certify's "could not run"
    _end("contract: interrupted\n", 128 + signum)


def _end(line: str, code: int) -> None:
    sys.stderr.write(line)
    sys.stderr.flush()
    os._exit(code)


# Installed as this module is imported, before the command line's own (slow) imports:
# a signal from here on ends the start quietly.
for _signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_signum, _interrupted_while_starting)


def run() -> int:
    """Run the ``contract`` command line; return its exit code. Until the command starts,
    a signal just ends the process; then SIGINT and SIGTERM both raise KeyboardInterrupt,
    which each command handles."""
    from contract.cli import main as cli

    args = cli.parse_args()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    return cli.run(args)


def main() -> NoReturn:
    """Run the ``contract`` command line and end the process with its exit code."""
    code = run()
    # Every file the command wrote is closed and every thread it started has ended: what
    # is left is tearing down the interpreter's objects, half a second after a
    # certification's many Hypothesis examples, which no one needs.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone, a stream closed
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
