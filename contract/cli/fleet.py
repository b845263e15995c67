"""``contract fleet FLEET.toml`` (and ``contract fleet merge DIR…``, in
:mod:`contract.cli.fleet_merge`): the command, its options, and the fleet's run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from contract.cli.command import add_command
from contract.cli.fleet_merge import run_merge
from contract.cli.fleet_outputs import (
    beside_baseline,
    exit_with,
    fail,
    publish,
    read_baseline,
    say_baseline,
)
from contract.errors import Exit

EXITS = {
    Exit.OK: "every install is certified",
    Exit.FAILED: "an install is not certified (and every install ran, leaving its contact "
    "as it was), but for a known failure: every failure of it is in the --baseline too",
    Exit.CANNOT_RUN: "an install could not run, or the fleet file, the options, the "
    "baseline, the history or the outputs to merge cannot be used (one line per problem), "
    "or the fleet was interrupted",
    Exit.NOT_RESTORED: "an install's contact was not fully restored: its line and its folder "
    "say which values, and hold the file that puts them back",
}
DEFAULT_OUT = "fleet-report"
DEFAULT_INSTALL_TIMEOUT = 3600.0
DEFAULT_RAMP_UP = 1.0


def add_fleet_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``contract fleet`` on the CLI's sub-command parsers; returns its parser."""
    fleet = add_command(
        commands,
        "fleet",
        EXITS,
        help="certify every install of a fleet file, or merge the outputs of its shards",
        description="contract fleet FLEET.toml: certify each install the fleet file lists, "
        "several at a time, each in its own process, and write each certificate and the "
        "fleet report (fleet.json, fleet.html, fleet.md) to --out.\n"
        "contract fleet merge DIR... --out DIR: fold the outputs of a fleet's shards into "
        "one report.\n"
        "With --baseline PREVIOUS, each install is shown beside an earlier report, and a "
        "failure that report holds too is a known failure (contract diff compares any two). "
        "With --history FILE, each run is appended to a history file (merge: the shards' "
        "histories are merged into it), which contract history FILE shows.",
    )
    fleet.add_argument(
        "target", metavar="FLEET.toml|merge", help="the fleet file, or merge to merge outputs"
    )
    fleet.add_argument("folders", nargs="*", metavar="DIR", help="with merge: the outputs")
    fleet.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"where certificates and the fleet report go (default: {DEFAULT_OUT})",
    )
    fleet.add_argument(
        "--parallel",
        metavar="N",
        type=_positive_int,
        default=4,
        help="installs certified at the same time (default: 4)",
    )
    fleet.add_argument(
        "--install-timeout",
        metavar="S",
        type=_positive_float,
        default=DEFAULT_INSTALL_TIMEOUT,
        help="seconds one install's certification may take; then it is stopped, puts its "
        f"contact back, and could not run (default: {DEFAULT_INSTALL_TIMEOUT:g})",
    )
    fleet.add_argument(
        "--ramp-up",
        metavar="S",
        type=_seconds_or_none,
        default=DEFAULT_RAMP_UP,
        help="seconds between the starts of the first --parallel installs, so that they do "
        "not all begin, nor end, in the same instant; 0 starts them together "
        f"(default: {DEFAULT_RAMP_UP:g})",
    )
    fleet.add_argument(
        "--shard",
        metavar="K/N",
        help="certify only shard K of N: a stable share of the installs, chosen by a hash "
        "of each name (default: all)",
    )
    fleet.add_argument(
        "--resume",
        action="store_true",
        help="skip installs whose certificate in --out is newer than the fleet file, unless "
        "they could not run (default: off)",
    )
    fleet.add_argument(
        "--baseline",
        metavar="PREVIOUS",
        help="an earlier fleet report (its folder or fleet.json): each install's result is "
        "shown beside it, and a failure it holds too is a known failure, counted but not "
        "what makes the exit code 1; with merge: the merged report's baseline "
        "(default: none)",
    )
    fleet.add_argument(
        "--history",
        metavar="FILE",
        help="append the run to this history (an SQLite file, created if missing; `contract "
        "history FILE` shows it); with merge: merge the shards' histories into it "
        "(default: none)",
    )
    fleet.add_argument(
        "--history-from",
        metavar="FILE",
        action="append",
        default=[],
        help="with merge --history: a shard's history to merge besides those its fleet.json "
        "names; repeatable (default: none)",
    )
    fleet.set_defaults(handler=run_fleet, interrupted=(Exit.CANNOT_RUN, "interrupted"))
    return fleet


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"takes a whole number of at least 1, not {text!r}")
    return int(text)


def _seconds_or_none(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"takes a number of seconds, 0 or more, not {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"takes a number of seconds above 0, not {text!r}")
    return value


def run_fleet(args: argparse.Namespace) -> int:
    """``contract fleet``: certify the fleet, or merge shard outputs; the exit code."""
    if args.target == "merge":
        return run_merge(args)
    if args.folders:
        return fail([f"give one fleet file, not {args.target} {' '.join(args.folders)}"])
    if args.history_from:
        return fail(["--history-from goes with merge: contract fleet merge DIR... --history FILE"])
    return _certify(args, Path(args.target))


def _certify(args: argparse.Namespace, path: Path) -> int:
    from contract.core.schema import load_contract
    from contract.fleet.baseline import known_failures
    from contract.fleet.file import FleetFileError, load_fleet
    from contract.fleet.history import HistoryError, prepare_history
    from contract.fleet.report import FLEET_HTML, exit_code, fleet_data, progress_line
    from contract.fleet.runner import InstallResult, Stopped, certify_fleet, previous_outcome
    from contract.fleet.shard import Shard
    from contract.fleet.snapshot import DiffInputError
    from contract.fleet.totals import counted, interruption
    from contract.run.interrupts import interrupt_on_sigterm

    # Every problem of the command line, the file and the keys is told at once.
    problems: list[str] = []
    shard = None
    try:
        shard = Shard.parse(args.shard) if args.shard else None
    except ValueError as error:
        problems.append(str(error))
    history = Path(args.history) if args.history else None
    try:
        if history is not None:
            prepare_history(history)  # refused before any install runs, not after
    except HistoryError as error:
        problems.append(str(error))
    baseline = None
    try:
        baseline = read_baseline(args.baseline)
    except DiffInputError as error:
        problems.append(f"--baseline: {error}")
    try:
        fleet = load_fleet(path, environ=os.environ, chosen=shard.holds if shard else None)
    except FleetFileError as error:
        return fail(problems + error.problems)
    if problems:
        return fail(problems)
    chosen = [i for i in fleet.installs if shard is None or shard.holds(i.name)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kept: list[InstallResult] = []
    to_run = []
    for install in chosen:
        previous = previous_outcome(install, fleet, out) if args.resume else None
        if previous is None:
            to_run.append(install)
        else:
            kept.append(previous)
    of_shard = f" (shard {shard}: {len(chosen)} of {len(fleet.installs)})" if shard else ""
    resumed = f", {len(kept)} kept from an earlier run" if kept else ""
    print(
        f"certifying {len(to_run)} installs of {path}{of_shard}{resumed}, "
        f"{args.parallel} at a time, to {out}",
        flush=True,
    )
    decided: list[InstallResult] = list(kept)

    def said(outcome: InstallResult) -> None:
        decided.append(outcome)
        print(progress_line(outcome, decided, len(chosen)), flush=True)

    schema = load_contract().fingerprint
    undo = interrupt_on_sigterm()
    try:
        certify_fleet(
            to_run,
            fleet,
            out,
            parallel=args.parallel,
            timeout=args.install_timeout,
            environ=os.environ,
            decided=said,
            ramp_up=args.ramp_up,
        )
    except Stopped as stopped:
        decided = list(kept) + stopped.outcomes
        held = {outcome.name for outcome in decided}
        data = fleet_data(
            decided,
            schema=schema,
            shard=str(shard) if shard else None,
            interrupted=True,
            not_started=[install.name for install in chosen if install.name not in held],
        )
        data = beside_baseline(data, baseline, args.baseline, out, [i.name for i in chosen])
        told, appended = publish(data, out, history=history, append=True)
        say_baseline(data)
        # The same totals, in the same words, as the report just written.
        sys.stderr.write(f"contract fleet: {interruption(data)}\n")
        if told is not None:
            print(told, flush=True)
        code = exit_code(decided, interrupted=True, known=known_failures(data))
        return exit_with(code, appended)
    finally:
        undo()
    data = fleet_data(decided, schema=schema, shard=str(shard) if shard else None)
    data = beside_baseline(data, baseline, args.baseline, out, [i.name for i in chosen])
    told, appended = publish(data, out, history=history, append=True)
    count = data["totals"]
    print(
        f"{count['installs']} installs: {counted(count)}\n"
        f"fleet report written to {out / FLEET_HTML}"
    )
    say_baseline(data)
    if told is not None:
        print(told, flush=True)
    return exit_with(exit_code(decided, known=known_failures(data)), appended)
