"""What ``contract fleet`` and its merge do once the installs are decided: each install
set beside the ``--baseline``, the run appended to the ``--history``, and the report
written, each install's last runs in its page."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract.errors import Exit

if TYPE_CHECKING:
    from contract.fleet.snapshot import Snapshot

RECENT_RUNS = 10
"""How many of an install's last runs ``fleet.html`` shows beside it."""


def fail(lines: Sequence[str]) -> int:
    """Say each problem on a line of its own; the exit code of a fleet that cannot run."""
    for line in lines:
        sys.stderr.write(f"contract fleet: {line}\n")
    return Exit.CANNOT_RUN


def read_baseline(source: str | None) -> Snapshot | None:
    """The fleet report ``--baseline`` names, read before anything runs; raises
    :class:`~contract.fleet.snapshot.DiffInputError` naming the file and the problem."""
    from contract.fleet.baseline import load_baseline

    return load_baseline(Path(source)) if source else None


def beside_baseline(
    data: dict[str, Any],
    baseline: Snapshot | None,
    source: str | None,
    out: Path,
    held: Sequence[str],
) -> dict[str, Any]:
    """The report *data* with each install's standing against *baseline*, if any; *held*
    names the installs this run (or shard) holds."""
    from contract.fleet.baseline import against_baseline, with_baseline

    if baseline is None or source is None:
        return data
    return with_baseline(data, against_baseline(baseline, data, out, held), source)


def publish(
    data: dict[str, Any], out: Path, *, history: Path | None, append: bool
) -> tuple[str | None, bool]:
    """Append the run to *history* when *append* says so, then write the report, each
    install's last runs from *history* in its page. What to say of the append (``None``
    when nothing was appended), and ``False`` when it could not be (its line said)."""
    from contract.fleet.history import HistoryError, append_run, recent_verdicts
    from contract.fleet.history_merge import name_in_report
    from contract.fleet.report import write_fleet_report

    name_in_report(data, history, out)
    said, appended = None, True
    if history is not None and append:
        try:
            said = f"run {append_run(history, data, out)} appended to the history {history}"
        except HistoryError as error:
            fail([str(error)])
            appended = False
    recent = None
    if history is not None and appended:
        names = [install["name"] for install in data["installs"]]
        recent = recent_verdicts(history, names, last=RECENT_RUNS)
    write_fleet_report(data, out, recent)
    return said, appended


def say_baseline(data: dict[str, Any]) -> None:
    """Print how the run compares with its baseline, if it has one."""
    from contract.fleet.baseline import summary_lines

    for line in summary_lines(data):
        print(line, flush=True)


def exit_with(code: int, appended: bool) -> int:
    """*code*, or 2 when the history could not be appended (3 stays 3)."""
    return code if appended or code == Exit.NOT_RESTORED else Exit.CANNOT_RUN
