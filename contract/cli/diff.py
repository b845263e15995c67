"""``contract diff OLD NEW``: what changed between two certifications or fleet reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from contract.cli.command import add_command
from contract.errors import Exit

EXITS = {
    Exit.OK: "nothing regressed: no change, or only fixes, failures that were there before, "
    "new or gone installs and requirements, and coverage that grew or shrank",
    Exit.FAILED: "something regressed: a requirement over a transport fails that did not, "
    "or an install could not run, is no longer certified, or left a contact changed, where "
    "it did not before",
    Exit.CANNOT_RUN: "an input cannot be read (missing, not JSON, neither a certificate nor a "
    "fleet report), or a report cannot be written; one line names the file and the problem",
}


def add_diff_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``contract diff`` on the CLI's sub-command parsers; returns its parser."""
    diff = add_command(
        commands,
        "diff",
        EXITS,
        help="compare two certificates or fleet reports: what regressed, what was fixed",
        description="contract diff OLD NEW: compare two runs, each a certificate "
        "(contract certify --report FILE.json) or a fleet report (the folder contract fleet "
        "wrote, or its fleet.json), and print a table of what changed per install, "
        "requirement and transport, regressions first.",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the earlier run")
    diff.add_argument("new", type=Path, metavar="NEW", help="the later run")
    diff.add_argument(
        "--report",
        metavar="PATH[,PATH...]",
        help="also write the diff to each file, in the format its suffix names: .md (for a "
        "CI job's summary), .json, .html (default: none)",
    )
    diff.set_defaults(handler=run_diff)
    return diff


def _fail(line: str) -> int:
    sys.stderr.write(f"contract diff: {line}\n")
    return Exit.CANNOT_RUN


def _report_paths(text: str | None) -> tuple[list[Path], str | None]:
    """The files of ``--report``, or the one line that says why they cannot be written."""
    from contract.fleet.diff_report import REPORT_FORMATS

    if text is None:
        return [], None
    paths = [Path(part.strip()) for part in text.split(",") if part.strip()]
    if not paths:
        return [], f"--report names no file: {text!r}"
    for path in paths:
        if path.suffix.lower() not in REPORT_FORMATS:
            return [], f"{path}: a report ends in {', '.join(REPORT_FORMATS)}"
        if not path.resolve().parent.is_dir():
            return [], f"{path}: the folder {path.parent} does not exist"
    return paths, None


def run_diff(args: argparse.Namespace) -> int:
    """``contract diff``: the table on stdout, each report written; the exit code."""
    from contract.fleet.diff import DiffInputError, compare, load_run
    from contract.fleet.diff_report import to_text, write_diff_report

    reports, problem = _report_paths(args.report)
    if problem is not None:
        return _fail(problem)
    try:
        diff = compare(load_run(args.old), load_run(args.new))
    except DiffInputError as error:
        return _fail(str(error))
    sys.stdout.write(to_text(diff))
    for path in reports:
        try:
            write_diff_report(diff, path)
        except OSError as error:
            return _fail(f"{path}: cannot be written: {error.strerror or error}")
        sys.stdout.write(f"diff written to {path}\n")
    return diff.exit_code()
