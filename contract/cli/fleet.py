"""``contract fleet FLEET.toml`` and ``contract fleet merge DIR…``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract.cli.command import add_command
from contract.errors import Exit

if TYPE_CHECKING:
    from contract.fleet.snapshot import Snapshot

EXITS = {
    Exit.OK: "every install is certified",
    Exit.FAILED: "an install is not certified (and every install ran, leaving its contact "
    "as it was)",
    Exit.CANNOT_RUN: "an install could not run, or the fleet file, the options, the history "
    "or the outputs to merge cannot be used (one line per problem), or the fleet was "
    "interrupted",
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


def _fail(lines: list[str]) -> int:
    for line in lines:
        sys.stderr.write(f"contract fleet: {line}\n")
    return Exit.CANNOT_RUN


def run_fleet(args: argparse.Namespace) -> int:
    """``contract fleet``: certify the fleet, or merge shard outputs; the exit code."""
    if args.target == "merge":
        return _merge(args)
    if args.folders:
        return _fail([f"give one fleet file, not {args.target} {' '.join(args.folders)}"])
    if args.history_from:
        return _fail(["--history-from goes with merge: contract fleet merge DIR... --history FILE"])
    return _certify(args, Path(args.target))


def _merge(args: argparse.Namespace) -> int:
    from contract.fleet.baseline import known_failures
    from contract.fleet.history import HistoryError
    from contract.fleet.history_merge import histories_to_merge, merge_histories, name_in_report
    from contract.fleet.merge import MergeError, merge_outputs
    from contract.fleet.report import FLEET_HTML, exit_code, write_fleet_report
    from contract.fleet.runner import InstallResult
    from contract.fleet.snapshot import DiffInputError
    from contract.fleet.totals import counted, interruption

    folders = [Path(folder) for folder in args.folders]
    if not folders:
        return _fail(["merge needs the output folders of the shards: merge DIR... --out DIR"])
    if args.history_from and not args.history:
        return _fail(["--history-from needs --history FILE, the history to merge into"])
    history = Path(args.history) if args.history else None
    out = Path(args.out)
    try:
        baseline = _baseline(args)
        given = [Path(file) for file in args.history_from]
        sources = [] if history is None else histories_to_merge(folders, given, history)
        data = merge_outputs(folders, out)
        copied = 0 if history is None else merge_histories(history, sources)
    except MergeError as error:
        return _fail(error.problems)
    except HistoryError as error:
        return _fail([str(error)])
    except DiffInputError as error:
        return _fail([f"--baseline: {error}"])
    held = [entry["name"] for entry in data["installs"]] + data["not_started"]
    data = _beside(data, baseline, args.baseline, out, held)
    name_in_report(data, history, out)
    write_fleet_report(data, out)
    count = data["totals"]
    sys.stdout.write(
        f"merged {len(folders)} outputs: {count['installs']} installs: {counted(count)}\n"
        f"fleet report written to {out / FLEET_HTML}\n"
    )
    if history is not None:
        print(f"{copied} runs of {len(sources)} histories merged into {history}")
    _say_baseline(data)
    stopped = interruption(data)
    if stopped is not None:
        sys.stderr.write(f"contract fleet: {stopped}\n")
    outcomes = [InstallResult.from_dict(install) for install in data["installs"]]
    return exit_code(outcomes, interrupted=data["interrupted"], known=known_failures(data))


def _certify(args: argparse.Namespace, path: Path) -> int:
    from contract.core.schema import load_contract
    from contract.fleet.baseline import known_failures
    from contract.fleet.file import FleetFileError, keys_written_in, load_fleet
    from contract.fleet.history import HistoryError, prepare_history
    from contract.fleet.history_merge import name_in_report
    from contract.fleet.report import FLEET_HTML, exit_code, fleet_data, progress_line
    from contract.fleet.report import write_fleet_report as write
    from contract.fleet.runner import InstallResult, Stopped, certify_fleet, previous_outcome
    from contract.fleet.shard import Shard
    from contract.fleet.snapshot import DiffInputError
    from contract.fleet.totals import counted, interruption
    from contract.run.interrupts import interrupt_on_sigterm

    try:
        shard = Shard.parse(args.shard) if args.shard else None
    except ValueError as error:
        return _fail([str(error)])
    try:
        fleet = load_fleet(path)
    except FleetFileError as error:
        return _fail(error.problems)
    chosen = [i for i in fleet.installs if shard is None or shard.holds(i.name)]
    problems = keys_written_in(fleet, os.environ)
    problems += [
        f"{path.name}: install {i.name!r}: api_key_env: required, the variable that holds its key"
        for i in chosen
        if not i.api_key_env
    ]
    problems += [
        f"{path.name}: install {i.name!r}: api_key_env: the variable {i.api_key_env} is not set"
        for i in chosen
        if i.api_key_env and not os.environ.get(i.api_key_env)
    ]
    history = Path(args.history) if args.history else None
    try:
        if history is not None:
            prepare_history(history)  # refused before any install runs, not after
    except HistoryError as error:
        problems.append(str(error))
    try:
        baseline = _baseline(args)
    except DiffInputError as error:
        problems.append(f"--baseline: {error}")
    if problems:
        return _fail(problems)
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
        data = _beside(data, baseline, args.baseline, out, [i.name for i in chosen])
        name_in_report(data, history, out)
        write(data, out)
        _say_baseline(data)
        # The same totals, in the same words, as the report just written.
        sys.stderr.write(f"contract fleet: {interruption(data)}\n")
        code = exit_code(decided, interrupted=True, known=known_failures(data))
        return _append(data, out, history, code)
    finally:
        undo()
    data = fleet_data(decided, schema=schema, shard=str(shard) if shard else None)
    data = _beside(data, baseline, args.baseline, out, [i.name for i in chosen])
    name_in_report(data, history, out)
    write(data, out)
    count = data["totals"]
    print(
        f"{count['installs']} installs: {counted(count)}\n"
        f"fleet report written to {out / FLEET_HTML}"
    )
    _say_baseline(data)
    return _append(data, out, history, exit_code(decided, known=known_failures(data)))


def _baseline(args: argparse.Namespace) -> Snapshot | None:
    """The fleet report ``--baseline`` names, read before anything runs."""
    from contract.fleet.baseline import load_baseline

    return load_baseline(Path(args.baseline)) if args.baseline else None


def _beside(
    data: dict[str, Any], baseline: Snapshot | None, source: str, out: Path, held: list[str]
) -> dict[str, Any]:
    """The report *data* with each install's standing against *baseline*, if any."""
    from contract.fleet.baseline import against_baseline, with_baseline

    if baseline is None:
        return data
    return with_baseline(data, against_baseline(baseline, data, out, held), source)


def _say_baseline(data: dict[str, Any]) -> None:
    from contract.fleet.baseline import summary_lines

    for line in summary_lines(data):
        print(line, flush=True)


def _append(data: dict[str, Any], out: Path, history: Path | None, code: int) -> int:
    """Append the run whose report was just written to *history*; the exit code, 2 (3 for
    a contact not restored) when it could not be."""
    from contract.fleet.history import HistoryError, append_run

    if history is None:
        return code
    try:
        run_id = append_run(history, data, out)
    except HistoryError as error:
        _fail([str(error)])
        return code if code == Exit.NOT_RESTORED else Exit.CANNOT_RUN
    print(f"run {run_id} appended to the history {history}", flush=True)
    return code
