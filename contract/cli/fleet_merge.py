"""``contract fleet merge DIR… --out DIR``: the outputs of a fleet's shards folded into one
report (and, with ``--history``, their histories into one)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contract.cli.fleet_outputs import (
    beside_baseline,
    exit_with,
    fail,
    publish,
    read_baseline,
    say_baseline,
)


def run_merge(args: argparse.Namespace) -> int:
    """Merge the shards' outputs in ``args.folders`` into ``args.out``; the exit code."""
    from contract.fleet.baseline import known_failures
    from contract.fleet.history import HistoryError
    from contract.fleet.history_merge import histories_to_merge, merge_histories
    from contract.fleet.merge import MergeError, merge_outputs
    from contract.fleet.report import FLEET_HTML, exit_code
    from contract.fleet.runner import InstallResult
    from contract.fleet.snapshot import DiffInputError
    from contract.fleet.totals import counted, interruption

    folders = [Path(folder) for folder in args.folders]
    if not folders:
        return fail(["merge needs the output folders of the shards: merge DIR... --out DIR"])
    if args.history_from and not args.history:
        return fail(["--history-from needs --history FILE, the history to merge into"])
    history = Path(args.history) if args.history else None
    out = Path(args.out)
    try:
        baseline = read_baseline(args.baseline)
        given = [Path(file) for file in args.history_from]
        sources = [] if history is None else histories_to_merge(folders, given, history)
        data = merge_outputs(folders, out)
        copied = 0 if history is None else merge_histories(history, sources)
    except MergeError as error:
        return fail(error.problems)
    except HistoryError as error:
        return fail([str(error)])
    except DiffInputError as error:
        return fail([f"--baseline: {error}"])
    held = [entry["name"] for entry in data["installs"]] + data["not_started"]
    data = beside_baseline(data, baseline, args.baseline, out, held)
    _, appended = publish(data, out, history=history, append=False)
    count = data["totals"]
    sys.stdout.write(
        f"merged {len(folders)} outputs: {count['installs']} installs: {counted(count)}\n"
        f"fleet report written to {out / FLEET_HTML}\n"
    )
    if history is not None:
        print(f"{copied} runs of {len(sources)} histories merged into {history}")
    say_baseline(data)
    stopped = interruption(data)
    if stopped is not None:
        sys.stderr.write(f"contract fleet: {stopped}\n")
    outcomes = [InstallResult.from_dict(install) for install in data["installs"]]
    code = exit_code(outcomes, interrupted=data["interrupted"], known=known_failures(data))
    return exit_with(code, appended)
