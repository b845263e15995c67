"""The fleet report: ``fleet.json`` (the data), ``fleet.md`` (for a CI summary), and the
exit code, from the installs' outcomes."""

from __future__ import annotations

import datetime
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract import __version__
from contract.core.requirements import CATALOGUE
from contract.errors import Exit
from contract.fleet.baseline import REGRESSED, opening
from contract.fleet.baseline import counted as counted_standings
from contract.fleet.report_columns import STATUS, failed_requirements
from contract.fleet.report_html import to_html
from contract.fleet.runner import (
    CERTIFIED,
    COULD_NOT_RUN,
    FLEET_JSON,
    NOT_CERTIFIED,
    InstallResult,
)
from contract.fleet.totals import counted, interruption, sentence, totals

if TYPE_CHECKING:
    from contract.fleet.history import RunSummary

FLEET_MD = "fleet.md"
FLEET_HTML = "fleet.html"


def exit_code(
    outcomes: Iterable[InstallResult], *, interrupted: bool = False, known: Collection[str] = ()
) -> Exit:
    """0 when every install is certified; else the most serious of 3 (a contact not
    restored), 2 (an install could not run, or the fleet was interrupted) and 1 (an
    install not certified, unless *known* names it: every failure of it is a known one)."""
    outcomes = list(outcomes)
    if any(not outcome.restored for outcome in outcomes):
        return Exit.NOT_RESTORED
    if interrupted or any(outcome.verdict == COULD_NOT_RUN for outcome in outcomes):
        return Exit.CANNOT_RUN
    if any(o.verdict == NOT_CERTIFIED and o.name not in known for o in outcomes):
        return Exit.FAILED
    return Exit.OK


def fleet_data(
    outcomes: Iterable[InstallResult],
    *,
    schema: str,
    shard: str | None = None,
    interrupted: bool = False,
    not_started: Iterable[str] = (),
) -> dict[str, Any]:
    """``fleet.json``: the installs by name, the totals, whether the fleet was interrupted
    and which installs that left unstarted, and the versions that made it."""
    ordered = sorted(outcomes, key=lambda outcome: outcome.name)
    return {
        "installs": [outcome.to_dict() for outcome in ordered],
        "totals": totals(ordered),
        "interrupted": interrupted,
        "not_started": sorted(not_started),
        "library": __version__,
        "schema": schema,
        "shard": shard,
        "requirements": [requirement.id for requirement in CATALOGUE],
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def progress_line(outcome: InstallResult, decided: Sequence[InstallResult], of: int) -> str:
    """The line printed as *outcome* is decided, with its coverage when partial and the
    running count."""
    count = totals(decided)
    said = outcome.verdict.upper()
    if outcome.coverage is not None and outcome.coverage.partial:
        said += f", {outcome.coverage.headline()}"
    if outcome.reason:
        said += f": {outcome.reason}"
    if not outcome.restored:
        said += " (contact NOT restored)"
    return (
        f"{outcome.name}: {said} [{len(decided)}/{of} done: {count[CERTIFIED]} certified, "
        f"{count[NOT_CERTIFIED]} not certified, {count[COULD_NOT_RUN]} could not run]"
    )


def _exercised_cell(install: Mapping[str, Any]) -> str:
    coverage = install.get("coverage")
    if coverage is None:
        return "" if install["verdict"] == COULD_NOT_RUN else "not recorded"
    shown = f"{coverage['exercised']}/{coverage['writable']}"
    if not coverage["not_exercised"]:
        return shown
    return f"**{shown}** ⚠ not exercised: {', '.join(coverage['not_exercised'])}"


def _not_exercised_list(installs: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        f"- {install['name']}: {reason}"
        for install in installs
        for reason in ((install.get("coverage") or {}).get("not_exercised") or {}).values()
    ]
    if not lines:
        return []
    heading = "Not exercised: the writable properties a run left out, and why."
    return [heading, "", *lines, ""]


def _standing_cell(install: Mapping[str, Any]) -> str:
    found = install.get("baseline") or {}
    status = str(found.get("status", ""))
    shown = f"**{status}**" if status == REGRESSED else status
    return shown + (f" (was {found['before']})" if found.get("before") else "")


def _since_baseline(data: Mapping[str, Any]) -> list[str]:
    """The comparison with the baseline: its counts, then the regressions, the fixes and
    the known failures, each install on a line."""
    found = data.get("baseline")
    if found is None:
        return []
    lines = [
        f"## Since the baseline ({found['date'] or 'undated'})",
        "",
        f"Against `{found['source']}`: {counted_standings(found['installs'])}.",
        "",
    ]
    for versions in found.get("versions_changed", []):
        lines += [f"Not the same version: {versions}.", ""]
    for section in opening(data):
        said = [f"- {name}: {what}" for name, what in section.installs]
        lines += [f"### {section.heading}", "", *(said or ["None."]), ""]
    return lines


def to_markdown(data: dict[str, Any]) -> str:
    """``fleet.md``: the totals (and the interruption, if any), then one row per install
    with its failed requirements and its coverage, in ``fleet.html``'s order, then why any
    property was not exercised."""
    count = data["totals"]
    lines = ["# Fleet certification", "", f"{count['installs']} installs: {counted(count)}.", ""]
    stopped = interruption(data)
    if stopped is not None:
        lines += [f"{sentence(stopped)}.", ""]
        if data["not_started"]:
            lines += [f"Not started: {', '.join(data['not_started'])}.", ""]
    lines += [
        f"Library {data['library']}, schema {data['schema']}"
        + (f", shard {data['shard']}" if data.get("shard") else "")
        + ".",
        "",
    ]
    lines += _since_baseline(data)
    baseline = "baseline | " if data.get("baseline") else ""
    lines += [
        f"| install | verdict | failed requirements | {baseline}restored | exercised "
        "| certificate |",
        "|---|---|---|---|---|---|" + ("---|" if baseline else ""),
    ]
    for install in data["installs"]:
        failed = failed_requirements(install)
        verdict = install["verdict"] + (f": {install['reason']}" if install.get("reason") else "")
        link = f"[json]({install['certificate']})" if install.get("certificate") else ""
        standing = f"{_standing_cell(install)} | " if baseline else ""
        lines.append(
            f"| {install['name']} | {verdict.replace('|', '/')} | "
            f"{', '.join(failed)} | {standing}"
            f"{'yes' if install['restored'] else '**NO**'} | {_exercised_cell(install)} | "
            f"{link} |"
        )
    lines += ["", "Requirements: " + ", ".join(f"{m} {w}" for m, w, _ in STATUS.values()), ""]
    lines += _not_exercised_list(data["installs"])
    return "\n".join(lines)


def write_fleet_report(
    data: dict[str, Any], out: Path, recent: Mapping[str, Sequence[RunSummary]] | None = None
) -> None:
    """``fleet.json``, ``fleet.md`` and ``fleet.html`` in *out*; *recent* (each install's
    last runs, from a history) shows in the page."""
    (out / FLEET_JSON).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (out / FLEET_MD).write_text(to_markdown(data), "utf-8")
    (out / FLEET_HTML).write_text(to_html(data, recent), "utf-8")
