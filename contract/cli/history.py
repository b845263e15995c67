"""``contract history FILE``: the fleet runs a history holds, as a table, newest first."""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract.cli.command import add_command
from contract.errors import CannotRun, Exit

if TYPE_CHECKING:
    from contract.fleet.history import InstallRun

EXITS = {
    Exit.OK: "the runs are shown (or the history holds none yet)",
    Exit.CANNOT_RUN: "the file is missing, cannot be read or is not a history, or it holds no "
    "install of the name --install gives (one line says which it holds)",
}
COLUMNS = (
    "time (UTC)",
    "install",
    "verdict",
    "restored",
    "coverage",
    "failed requirements",
    "seed",
    "versions",
)
EMPTY = "-"


def add_history_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``contract history`` on the CLI's sub-command parsers; returns its parser."""
    history = add_command(
        commands,
        "history",
        EXITS,
        help="show the fleet runs a history file holds",
        description="contract history FILE: the runs that contract fleet --history FILE "
        "appended, one row per install and run, newest run first.",
    )
    history.add_argument("file", metavar="FILE", help="the history file")
    history.add_argument(
        "--install", metavar="NAME", help="only this install's runs (default: every install)"
    )
    history.add_argument(
        "--last",
        metavar="N",
        type=_positive_int,
        help="only the last N runs: with --install, that install's last N (default: all)",
    )
    history.set_defaults(handler=run_history)
    return history


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"takes a whole number of at least 1, not {text!r}")
    return int(text)


def run_history(args: argparse.Namespace) -> int:
    """``contract history``: print the runs; the exit code."""
    from contract.fleet.history import HistoryError, installs_in, runs_of

    path = Path(args.file)
    try:
        if args.install is not None:
            known = installs_in(path)
            if args.install not in known:
                held = f"it holds {', '.join(known)}" if known else "it holds no run yet"
                raise CannotRun(f"{path}: no install {args.install!r} in this history; {held}")
        runs = runs_of(path, install=args.install, last=args.last)
    except HistoryError as error:
        raise CannotRun(str(error)) from None
    if not runs:
        print(f"{path}: no runs yet")
        return Exit.OK
    sys.stdout.write(render_table([_cells(run) for run in runs]))
    return Exit.OK


def _time(text: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text  # shown as stored, rather than not at all
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _versions(versions: dict[str, str]) -> str:
    if not versions:
        return EMPTY
    shown = versions.get("library", "?")
    extra = [f"{name} {versions[key]}" for key, name in _RUNTIMES if key in versions]
    return f"{shown} ({', '.join(extra)})" if extra else shown


_RUNTIMES = (("python", "Python"), ("hypothesis", "Hypothesis"))


def _cells(run: InstallRun) -> list[str]:
    return [
        _time(run.run.time),
        run.install,
        run.verdict,
        "yes" if run.restored else "NO",
        run.coverage or EMPTY,
        ", ".join(run.failed) or EMPTY,
        EMPTY if run.seed is None else str(run.seed),
        _versions(dict(run.versions)),
    ]


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """*rows* under :data:`COLUMNS`, each column as wide as its widest cell, two spaces
    apart, no space at a line's end."""
    table = [list(COLUMNS), *map(list, rows)]
    widths = [max(len(row[n]) for row in table) for n in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    ]
    return "".join(line.rstrip() + "\n" for line in lines)
