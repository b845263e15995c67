"""The history of fleet runs: ``contract fleet --history FILE`` appends each run to an
SQLite file, ``contract history FILE`` reads them back, newest first.

A run is one ``contract fleet`` command (one shard's, when the fleet is sharded): its id,
time, versions, shard and whether it was interrupted, and what each install's run came to
(verdict, restore, coverage, each requirement's verdict overall and per transport, seed,
versions, seconds, time). Shards' histories fold into one with
:func:`contract.fleet.history_merge.merge_histories`. The file itself (tables, version,
locking) is :mod:`contract.fleet.history_file`'s.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.core.requirements import CATALOGUE
from contract.fleet.history_file import COLUMNS, readable, transaction, writable
from contract.fleet.history_file import HistoryError as HistoryError  # raised by the readers
from contract.fleet.runner import COULD_NOT_RUN, requirement_status

_INT64 = range(-(2**63), 2**63)
_CATALOGUE_ORDER = {requirement.id: n for n, requirement in enumerate(CATALOGUE)}


@dataclass(frozen=True)
class Run:
    """One fleet run: a ``contract fleet`` command, or one shard's."""

    id: str
    time: str
    """When its report was written, ISO 8601 in UTC."""
    library: str
    schema: str
    """The fingerprint of the contract's schemas."""
    shard: str | None
    interrupted: bool


@dataclass(frozen=True)
class InstallRun:
    """What one install's certification came to in one fleet run."""

    run: Run
    install: str
    url: str
    verdict: str
    reason: str | None
    restored: bool
    exercised: int | None
    """Writable properties exercised; ``None`` when the run could not run."""
    writable: int | None
    seed: int | None
    versions: Mapping[str, str]
    """The certificate's: library, schema, Python and Hypothesis."""
    seconds: float
    requests: int
    time: str
    """When its certificate was made (an install kept by ``--resume`` keeps its own)."""
    requirements: Mapping[str, str] = field(default_factory=dict)
    """Each requirement's verdict: passed, failed, not verifiable or not exercised."""
    transports: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per requirement, its verdict per transport (``rest``, ``xmlrpc``, ``both``)."""

    @property
    def failed(self) -> list[str]:
        """The requirements it failed, in the catalogue's order."""
        return [rid for rid, verdict in self.requirements.items() if verdict == "failed"]

    @property
    def coverage(self) -> str | None:
        """``25/28``: writable properties exercised of all; ``None`` when not recorded."""
        if self.exercised is None or self.writable is None:
            return None
        return f"{self.exercised}/{self.writable}"


@dataclass(frozen=True)
class RunSummary:
    """One of an install's recent runs, as small as a strip of marks beside its row needs."""

    run_id: str
    time: str
    verdict: str
    restored: bool
    partial_coverage: bool
    failed: tuple[str, ...]


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _certificate(out: Path, relative: object) -> dict[str, Any]:
    if not isinstance(relative, str):
        return {}
    try:
        data = json.loads((out / relative).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # the fleet report says what it says of the install; the rest is unknown
    return data if isinstance(data, dict) else {}


def _install_rows(
    run_id: str, install: Mapping[str, Any], out: Path, time: str
) -> tuple[tuple[object, ...], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The install's row, its requirements' rows and their per-transport rows."""
    name = str(install["name"])
    certificate = _certificate(out, install.get("certificate"))
    coverage = install.get("coverage") or {}
    row: tuple[object, ...] = (
        *(run_id, name, str(install.get("url", "")), str(install["verdict"])),
        install.get("reason"),
        bool(install["restored"]),
        coverage.get("exercised"),
        coverage.get("writable"),
        _stored_seed(certificate.get("seed")),
        json.dumps(certificate.get("versions") or {}, sort_keys=True),
        float(install.get("seconds", 0.0)),
        int(install.get("requests", 0)),
        str(certificate.get("date") or time),
    )
    requirements: list[tuple[object, ...]] = [
        (run_id, name, str(rid), str(verdict))
        for rid, verdict in (install.get("requirements") or {}).items()
    ]
    # A run that could not run judged nothing, whatever its stopped certificate holds.
    results = certificate.get("results", []) if install["verdict"] != COULD_NOT_RUN else []
    transports: list[tuple[object, ...]] = [
        (run_id, name, str(result["id"]), str(transport), requirement_status(over["verdict"]))
        for result in results
        for transport, over in (result.get("by_transport") or {}).items()
    ]
    return row, requirements, transports


def _stored_seed(seed: object) -> int | None:
    # SQLite's integers are 64-bit: a seed past that is not stored rather than refused.
    if isinstance(seed, int) and not isinstance(seed, bool) and seed in _INT64:
        return seed
    return None


def _insert(table: str) -> str:
    columns = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def prepare_history(path: Path) -> None:
    """Create the history at *path*, or check that it is one this library can append to;
    raises :class:`HistoryError` saying why not."""
    with writable(path):
        pass


def append_run(path: Path, data: Mapping[str, Any], out: Path) -> str:
    """Append the fleet run that *data* (``fleet.json``, whose certificates lie in *out*)
    reports to the history at *path*, created if missing; its new run id."""
    run_id = uuid.uuid4().hex
    time = str(data.get("date") or _now())
    run = (run_id, time, str(data["library"]), str(data["schema"]), data.get("shard"))
    # Read every certificate before the write lock is taken: the lock is held only for
    # the inserts, so that shards writing to one file wait little for one another.
    rows = [_install_rows(run_id, install, out, time) for install in data["installs"]]
    with writable(path) as db, transaction(db, path):
        db.execute(_insert("runs"), (*run, bool(data.get("interrupted"))))
        db.executemany(_insert("installs"), [row for row, _, _ in rows])
        db.executemany(_insert("requirement_verdicts"), [r for _, rs, _ in rows for r in rs])
        db.executemany(_insert("transport_verdicts"), [t for _, _, ts in rows for t in ts])
    return run_id


_CHOSEN_RUNS = """SELECT run_id FROM runs
    WHERE :install IS NULL OR run_id IN (SELECT run_id FROM installs WHERE install = :install)
    ORDER BY time DESC, rowid DESC LIMIT :last"""


def _verdicts(
    db: sqlite3.Connection, table: str, parameters: Mapping[str, object]
) -> list[sqlite3.Row]:
    return db.execute(
        f"WITH chosen AS ({_CHOSEN_RUNS}) SELECT v.* FROM {table} v JOIN chosen USING (run_id)"
        " WHERE :install IS NULL OR v.install = :install ORDER BY v.rowid",
        parameters,
    ).fetchall()


def runs_of(path: Path, install: str | None = None, last: int | None = None) -> list[InstallRun]:
    """The installs' runs in the history at *path*, newest run first (installs by name
    within a run): only *install*'s when given, of the *last* runs (of those holding
    *install*) when given. Raises :class:`HistoryError` for a file that is not a history."""
    parameters = {"install": install, "last": -1 if last is None else last}
    with readable(path) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            f"WITH chosen AS ({_CHOSEN_RUNS}) SELECT r.time AS run_time, r.library, r.shard,"
            " r.schema_fingerprint, r.interrupted, i.* FROM chosen JOIN runs r USING (run_id)"
            " JOIN installs i USING (run_id) WHERE :install IS NULL OR i.install = :install"
            " ORDER BY r.time DESC, r.rowid DESC, i.install",
            parameters,
        ).fetchall()
        requirements: dict[tuple[str, str], dict[str, str]] = {}
        for v in _verdicts(db, "requirement_verdicts", parameters):
            verdicts = requirements.setdefault((v["run_id"], v["install"]), {})
            verdicts[v["requirement"]] = v["verdict"]
        transports: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
        for v in _verdicts(db, "transport_verdicts", parameters):
            per = transports.setdefault((v["run_id"], v["install"]), {})
            per.setdefault(v["requirement"], {})[v["transport"]] = v["verdict"]
    return [_install_run(row, requirements, transports) for row in rows]


def _install_run(
    row: sqlite3.Row,
    requirements: Mapping[tuple[str, str], dict[str, str]],
    transports: Mapping[tuple[str, str], dict[str, dict[str, str]]],
) -> InstallRun:
    key = (row["run_id"], row["install"])
    run = Run(
        *(row["run_id"], row["run_time"], row["library"], row["schema_fingerprint"]),
        *(row["shard"], bool(row["interrupted"])),
    )
    return InstallRun(
        run=run,
        install=row["install"],
        url=row["url"],
        verdict=row["verdict"],
        reason=row["reason"],
        restored=bool(row["restored"]),
        exercised=row["exercised"],
        writable=row["writable"],
        seed=row["seed"],
        versions=json.loads(row["versions"]),
        seconds=row["seconds"],
        requests=row["requests"],
        time=row["time"],
        requirements=requirements.get(key, {}),
        transports=transports.get(key, {}),
    )


def installs_in(path: Path) -> list[str]:
    """The names of the installs the history at *path* holds runs of, sorted."""
    with readable(path) as db:
        return [
            str(row[0]) for row in db.execute("SELECT DISTINCT install FROM installs ORDER BY 1")
        ]


def recent_verdicts(
    path: Path, installs: Iterable[str], last: int = 10
) -> dict[str, list[RunSummary]]:
    """Each of *installs*' *last* runs in the history at *path*, newest first, for a strip
    of marks beside its row in ``fleet.html``: an empty list for an install the history
    holds no run of, and for every install when *path* does not exist yet. Raises
    :class:`HistoryError` for a file that is not a history."""
    names = list(installs)
    if not path.exists():
        return {name: [] for name in names}
    query = """SELECT r.run_id, r.time, i.verdict, i.restored,
        coalesce(i.exercised < i.writable, 0) AS partial,
        (SELECT group_concat(v.requirement, ',') FROM requirement_verdicts v
            WHERE v.run_id = i.run_id AND v.install = i.install AND v.verdict = 'failed')
        FROM installs i JOIN runs r USING (run_id) WHERE i.install = ?
        ORDER BY r.time DESC, r.rowid DESC LIMIT ?"""
    with readable(path) as db:
        return {
            name: [
                RunSummary(run_id, time, verdict, bool(restored), bool(partial), _ids(failed))
                for run_id, time, verdict, restored, partial, failed in db.execute(
                    query, (name, last)
                )
            ]
            for name in names
        }


def _ids(joined: str | None) -> tuple[str, ...]:
    """The requirement ids SQLite joined, in the catalogue's order."""
    ids = joined.split(",") if joined else []
    return tuple(
        sorted(ids, key=lambda rid: (_CATALOGUE_ORDER.get(rid, len(_CATALOGUE_ORDER)), rid))
    )
