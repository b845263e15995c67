"""``contract fleet … --baseline PREVIOUS``: each install's result beside an earlier fleet
report's, and which failures are old news.

A failure the baseline holds too (the same install, requirement and transport) is a
**known failure**: shown and counted, but an install whose every failure is known does
not make the fleet's exit code 1. A regression (see :mod:`contract.fleet.changes`), a
failure of a requirement or install the baseline does not hold, an install that could
not run and a contact left changed keep their exit codes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.fleet.changes import (
    FIXED,
    NEW,
    NOW_CERTIFIED,
    RESTORED_AGAIN,
    RUNS_AGAIN,
    STILL_COULD_NOT_RUN,
    STILL_FAILING,
    STILL_NOT_RESTORED,
    Change,
)
from contract.fleet.diff import Diff, compare
from contract.fleet.runner import NOT_CERTIFIED
from contract.fleet.snapshot import OVERALL, Snapshot, fleet_snapshot, load_fleet_report

REGRESSED = "regressed"
KNOWN_FAILURE = "known failure"
FIXED_SINCE = "fixed"
NEW_INSTALL = "new"
UNCHANGED = "unchanged"
STANDINGS = (REGRESSED, FIXED_SINCE, KNOWN_FAILURE, NEW_INSTALL, UNCHANGED)
"""Each install's standing against the baseline, in the order the reports list them."""
_FIXES = frozenset({FIXED, NOW_CERTIFIED, RUNS_AGAIN, RESTORED_AGAIN})
_STILL = frozenset({STILL_FAILING, STILL_COULD_NOT_RUN, STILL_NOT_RESTORED})


def load_baseline(path: Path) -> Snapshot:
    """The earlier fleet report at *path* (its folder or its ``fleet.json``); raises
    :class:`~contract.fleet.snapshot.DiffInputError` naming the file and the problem."""
    return load_fleet_report(path)


def _is_regression(change: Change) -> bool:
    """A regression, or a failure the baseline does not hold: of a requirement (or an
    install) that is new since."""
    if change.regression:
        return True
    return change.kind == NEW and (
        change.after == "failed" or (change.requirement is None and change.after == NOT_CERTIFIED)
    )


def _said(change: Change) -> str:
    where = f" over {change.transport}" if change.transport not in (None, OVERALL) else ""
    what = change.requirement or change.kind
    moved = change.before and change.after and change.before != change.after
    return f"{what}{where}" + (f" ({change.before} \u2192 {change.after})" if moved else "")


_WORDS = {KNOWN_FAILURE: "with known failures"}


def counted(installs: Mapping[str, int]) -> str:
    """``1 regressed, 2 with known failures, 16 unchanged``: the installs per standing,
    those with none left out."""
    return ", ".join(f"{n} {_WORDS.get(status, status)}" for status, n in installs.items() if n)


@dataclass(frozen=True)
class Standing:
    """One install against the baseline: its standing, and what regressed, was fixed and
    still fails."""

    status: str
    """One of :data:`STANDINGS`."""
    regressed: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    known: tuple[str, ...] = ()
    before: str | None = None
    """The install's verdict in the baseline; ``None`` for an install new since."""

    def to_dict(self) -> dict[str, Any]:
        """The install's ``baseline`` entry of ``fleet.json``."""
        return dataclasses.asdict(self) | {
            "regressed": list(self.regressed),
            "fixed": list(self.fixed),
            "known": list(self.known),
        }


def standing(diff: Diff, name: str) -> Standing:
    """Install *name*'s standing in *diff* (baseline → this run)."""
    changes = [change for change in diff.changes if change.install == name]
    regressed = tuple(_said(change) for change in changes if _is_regression(change))
    fixed = tuple(_said(change) for change in changes if change.kind in _FIXES)
    known = tuple(_said(change) for change in changes if change.kind in _STILL)
    was = diff.old.installs.get(name)
    now = diff.new.installs.get(name)
    if regressed:
        status = REGRESSED
    elif was is None:
        status = NEW_INSTALL
    elif known or (now is not None and now.verdict == NOT_CERTIFIED):
        status = KNOWN_FAILURE
    elif fixed:
        status = FIXED_SINCE
    else:
        status = UNCHANGED
    return Standing(status, regressed, fixed, known, was.verdict if was else None)


def against_baseline(
    baseline: Snapshot, data: Mapping[str, Any], out: Path, installs: Collection[str]
) -> Diff:
    """This run (*data*, its certificates in *out*) compared with *baseline*, whose
    installs other than *installs* (another shard's, say) are left out."""
    kept = {name: found for name, found in baseline.installs.items() if name in installs}
    earlier = dataclasses.replace(baseline, installs=kept)
    return compare(earlier, fleet_snapshot(data, out))


def with_baseline(data: dict[str, Any], diff: Diff, source: str) -> dict[str, Any]:
    """*data* (``fleet.json``) with each install's ``baseline`` standing, and a
    ``baseline`` entry: where it came from, its date and versions, the installs per
    standing and the changes."""
    standings = {entry["name"]: standing(diff, entry["name"]) for entry in data["installs"]}
    installs = [
        entry | {"baseline": standings[entry["name"]].to_dict()} for entry in data["installs"]
    ]
    per_standing = {
        status: sum(found.status == status for found in standings.values()) for status in STANDINGS
    }
    return data | {
        "installs": installs,
        "baseline": {
            "source": source,
            "date": diff.old.date,
            "versions": dict(diff.old.versions),
            "installs": per_standing,
            "versions_changed": [str(version) for version in diff.versions],
            "changes": [change.to_dict() for change in diff.changes],
        },
    }


def known_failures(data: Mapping[str, Any]) -> frozenset[str]:
    """The installs not certified whose every failure the baseline holds too."""
    return frozenset(
        entry["name"]
        for entry in data["installs"]
        if entry["verdict"] == NOT_CERTIFIED
        and (entry.get("baseline") or {}).get("status") == KNOWN_FAILURE
    )


@dataclass(frozen=True)
class Opening:
    """One section a report with a baseline opens with: its heading, the standing it
    lists, and what it says of each install, install by install."""

    heading: str
    status: str
    installs: tuple[tuple[str, str], ...]


_SECTIONS = (
    ("Regressions", REGRESSED, "regressed"),
    ("Fixed", FIXED_SINCE, "fixed"),
    ("Known failures", KNOWN_FAILURE, "known"),
)
"""The sections, in order: what needs action first."""


def opening(data: Mapping[str, Any]) -> list[Opening]:
    """What a report with a baseline opens with: the regressions, the fixes and the known
    failures; empty for a report without one."""
    if data.get("baseline") is None:
        return []
    return [
        Opening(
            heading,
            status,
            tuple(
                (entry["name"], "; ".join(entry["baseline"][key]))
                for entry in data["installs"]
                if (entry.get("baseline") or {}).get(key)
            ),
        )
        for heading, status, key in _SECTIONS
    ]


def summary_lines(data: Mapping[str, Any]) -> list[str]:
    """What the terminal says after a run with a baseline: the count per standing, then
    each install that regressed, was fixed or fails as before."""
    found = data.get("baseline")
    if found is None:
        return []
    lines = [
        f"since the baseline {found['source']} ({found['date'] or 'undated'}): "
        + counted(found["installs"])
    ]
    for section in opening(data):
        lines += [f"  {name}: {section.status}: {said}" for name, said in section.installs]
    return lines
