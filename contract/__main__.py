"""``python -m contract``: the command line, quiet about Ctrl-C at any moment of its start."""

import signal
import sys


def _interrupted_while_starting(signum: int, frame: object) -> None:
    # Nothing has been changed yet: leave as a shell expects after Ctrl-C or SIGTERM,
    # without the traceback an interrupted import would print.
    sys.exit(128 + signum)


def main() -> int:
    """Run the ``contract`` command line: until the command starts, a signal just ends it."""
    previous = {
        signum: signal.signal(signum, _interrupted_while_starting)
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    from contract import cli

    args = cli.parse_args()
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    return cli.run(args)


if __name__ == "__main__":
    sys.exit(main())
