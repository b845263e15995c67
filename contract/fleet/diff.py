"""What changed between two runs: ``contract diff OLD NEW``, as data.

:func:`load_run` (or :func:`load_fleet_report`) reads each run into a
:class:`~contract.fleet.snapshot.Snapshot`; :func:`compare` lists each :class:`Change`
per install, requirement and transport into a :class:`Diff`. Nothing here prints or
writes: :mod:`contract.fleet.diff_report` says a diff in each format.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from contract.errors import Exit
from contract.fleet.changes import (
    BOTH,
    CHANGED,
    COVERAGE_GREW,
    COVERAGE_SHRANK,
    FIXED,
    GONE,
    KINDS,
    NEW,
    NO_LONGER_CERTIFIED,
    NOT_RESTORED,
    NOW_CERTIFIED,
    NOW_COULD_NOT_RUN,
    REGRESSED,
    REGRESSIONS,
    RESTORED_AGAIN,
    RUNS_AGAIN,
    STILL_COULD_NOT_RUN,
    STILL_FAILING,
    STILL_NOT_RESTORED,
    Change,
    VersionChange,
)
from contract.fleet.runner import CERTIFIED, NOT_CERTIFIED
from contract.fleet.snapshot import (
    CERTIFICATE,
    DiffInputError,
    InstallSnapshot,
    Snapshot,
    load_fleet_report,
    load_run,
)

__all__ = [
    "KINDS",
    "REGRESSIONS",
    "Change",
    "Diff",
    "DiffInputError",
    "InstallSnapshot",
    "Snapshot",
    "VersionChange",
    "compare",
    "load_fleet_report",
    "load_run",
]


@dataclass(frozen=True)
class Diff:
    """Everything that changed from the *old* run to the *new* one."""

    old: Snapshot
    new: Snapshot
    changes: tuple[Change, ...]
    """Regressions first (see :data:`KINDS`)."""
    versions: tuple[VersionChange, ...] = ()
    notes: tuple[str, ...] = ()
    """How the runs were matched and compared, where a reader needs to know."""
    unchanged: int = 0
    """Results (install, requirement, transport) with the same status in both runs."""

    @property
    def regressions(self) -> tuple[Change, ...]:
        """The changes that make ``contract diff`` exit 1."""
        return tuple(change for change in self.changes if change.regression)

    @property
    def regressed(self) -> bool:
        """True when anything regressed."""
        return bool(self.regressions)

    def counts(self) -> dict[str, int]:
        """How many changes of each kind there are, for the kinds there are, in order."""
        found = [change.kind for change in self.changes]
        return {kind: found.count(kind) for kind in KINDS if kind in found}

    def exit_code(self) -> Exit:
        """1 when anything regressed, else 0."""
        return Exit.FAILED if self.regressed else Exit.OK

    def to_dict(self) -> dict[str, Any]:
        """The diff as JSON data: both runs, versions, notes, counts and changes."""
        return {
            "old": self.old.summary(),
            "new": self.new.summary(),
            "regressed": self.regressed,
            "versions": [version.to_dict() for version in self.versions],
            "notes": list(self.notes),
            "counts": self.counts(),
            "unchanged": self.unchanged,
            "changes": [change.to_dict() for change in self.changes],
        }


def _status_change(before: str, after: str) -> str | None:
    """The kind of change from status *before* to *after*; ``None`` for none."""
    if after == "failed":
        return STILL_FAILING if before == "failed" else REGRESSED
    if before == after:
        return None
    return FIXED if before == "failed" and after == "passed" else CHANGED


def _verdict_detail(install: InstallSnapshot) -> str | None:
    if not install.ran:
        return install.reason
    failed = install.failed()
    return f"failed: {', '.join(failed)}" if failed else install.reason


def _running(old: InstallSnapshot, new: InstallSnapshot) -> Change | None:
    """How the install's coming to a verdict changed; ``None`` when it came to one in
    both runs."""
    if old.ran and new.ran:
        return None
    kind = NOW_COULD_NOT_RUN if old.ran else RUNS_AGAIN if new.ran else STILL_COULD_NOT_RUN
    return Change(
        kind, new.name, before=old.verdict, after=new.verdict, detail=_verdict_detail(new)
    )


def _verdict(old: InstallSnapshot, new: InstallSnapshot) -> Change | None:
    if old.verdict == new.verdict:
        return None
    if old.verdict == CERTIFIED and new.verdict == NOT_CERTIFIED:
        kind = NO_LONGER_CERTIFIED
    else:  # a verdict of another version of the library is said as it is
        kind = NOW_CERTIFIED if new.verdict == CERTIFIED else CHANGED
    return Change(kind, new.name, before=old.verdict, after=new.verdict)


_RESTORE = {
    (True, False): NOT_RESTORED,
    (False, True): RESTORED_AGAIN,
    (False, False): STILL_NOT_RESTORED,
}


def _restore(old: InstallSnapshot, new: InstallSnapshot) -> Change | None:
    if old.restored is None or new.restored is None:
        return None  # a run that does not say
    kind = _RESTORE.get((old.restored, new.restored))
    if kind is None:
        return None
    said = {True: "restored", False: "not restored"}
    return Change(kind, new.name, before=said[old.restored], after=said[new.restored])


def _coverage(old: InstallSnapshot, new: InstallSnapshot) -> Change | None:
    if old.coverage is None or new.coverage is None:
        return None
    if new.coverage.exercised == old.coverage.exercised:
        return None
    shrank = new.coverage.exercised < old.coverage.exercised
    left_out = [p for p in new.coverage.not_exercised if p not in old.coverage.not_exercised]
    return Change(
        COVERAGE_SHRANK if shrank else COVERAGE_GREW,
        new.name,
        before=old.coverage.fraction,
        after=new.coverage.fraction,
        detail=f"not exercised now: {', '.join(left_out)}" if shrank and left_out else None,
    )


def _whole_install(old: InstallSnapshot, new: InstallSnapshot) -> list[Change]:
    """The install's changes as a whole: whether it ran, and if it did both times, its
    verdict, restore and coverage."""
    running = _running(old, new)
    if running is not None:
        return [running]
    found = (_verdict(old, new), _restore(old, new), _coverage(old, new))
    return [change for change in found if change is not None]


def _status(
    install: InstallSnapshot, results: dict[tuple[str, str], str], rid: str, transport: str
) -> str | None:
    found = results.get((rid, transport))
    if found is None and transport == BOTH:
        # A check over both transports, or of the requirement as a whole, may be listed
        # only when it fails: the requirement's own status stands for it in the other run.
        return install.statuses.get(rid)
    return found


def _requirements(old: InstallSnapshot, new: InstallSnapshot) -> tuple[list[Change], int]:
    """The install's changes per requirement and transport, and how many stayed the same.
    Per transport when both runs say so; else per requirement, under ``overall``."""
    per_transport = bool(old.by_transport) and bool(new.by_transport)
    before = old.results(per_transport=per_transport)
    after = new.results(per_transport=per_transport)
    changes, same = [], 0
    for rid, transport in sorted(before.keys() | after.keys()):
        was = _status(old, before, rid, transport)
        now = _status(new, after, rid, transport)
        kind = NEW if was is None else GONE if now is None else _status_change(was, now)
        if kind is None:
            same += 1
        else:
            changes.append(Change(kind, new.name, rid, transport, was, now))
    return changes, same


def _install_changes(old: InstallSnapshot | None, new: InstallSnapshot | None) -> list[Change]:
    if old is None and new is not None:
        return [Change(NEW, new.name, after=new.verdict, detail=_verdict_detail(new))]
    if new is None and old is not None:
        return [Change(GONE, old.name, before=old.verdict, detail=_verdict_detail(old))]
    return []


def _renamed(single: Snapshot, name: str) -> Snapshot:
    (install,) = single.installs.values()
    return dataclasses.replace(single, installs={name: dataclasses.replace(install, name=name)})


def _matched(old: Snapshot, new: Snapshot) -> tuple[Snapshot, Snapshot, list[str]]:
    """The runs with a certificate's install named as the other run names it: two
    certificates are one install whatever their targets, and a certificate is the fleet
    report's install at its address."""
    if old.kind == CERTIFICATE and new.kind == CERTIFICATE:
        (was,), (now,) = old.installs.values(), new.installs.values()
        if was.name == now.name:
            return old, new, []
        note = (
            f"the certificates name different targets, {was.name} and {now.name}: "
            "compared as one install"
        )
        return _renamed(old, now.name), new, [note]
    if CERTIFICATE not in (old.kind, new.kind):
        return old, new, []
    single, fleet = (old, new) if old.kind == CERTIFICATE else (new, old)
    (install,) = single.installs.values()
    address = (install.url or "").rstrip("/")
    found = [i for i in fleet.installs.values() if address and (i.url or "").rstrip("/") == address]
    if not found:
        return old, new, [f"no install of {fleet.path} has the certificate's address {install.url}"]
    name = found[0].name
    note = f"the certificate of {install.name} is compared with install {name!r}, at its address"
    single = _renamed(single, name)
    return (single, new, [note]) if old.kind == CERTIFICATE else (old, single, [note])


def _versions(old: Snapshot, new: Snapshot) -> tuple[VersionChange, ...]:
    return tuple(
        VersionChange(what, old.versions[what], new.versions[what])
        for what in old.versions
        if what in new.versions and old.versions[what] != new.versions[what]
    )


def compare(old: Snapshot, new: Snapshot) -> Diff:
    """Every change from the *old* run to the *new* one, regressions first. Runs of
    different library or schema versions compare too; :attr:`Diff.versions` says so."""
    old, new, notes = _matched(old, new)
    changes: list[Change] = []
    unchanged = 0
    for name in sorted(old.installs.keys() | new.installs.keys()):
        was, now = old.installs.get(name), new.installs.get(name)
        if was is not None and now is None and name in new.not_started:
            changes.append(Change(NOW_COULD_NOT_RUN, name, before=was.verdict, after="not started"))
        elif was is None or now is None:
            changes += _install_changes(was, now)
        else:
            changes += _whole_install(was, now)
            if was.ran and now.ran:
                found, same = _requirements(was, now)
                changes += found
                unchanged += same
                if bool(was.by_transport) != bool(now.by_transport):
                    notes.append(f"{name}: compared per requirement: one run gives no transports")
    return Diff(
        old=old,
        new=new,
        changes=tuple(sorted(changes, key=Change.sort_key)),
        versions=_versions(old, new),
        notes=(*old.notes, *new.notes, *notes),
        unchanged=unchanged,
    )
