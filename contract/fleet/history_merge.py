"""Fleet histories folded into one: each shard of a fleet appends its runs to a history
of its own (see :mod:`contract.fleet.history`), and ``contract fleet merge --history``
copies them into one, finding each shard's through the ``history`` its ``fleet.json``
records."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from contract.fleet.history_file import (
    COLUMNS,
    HistoryError,
    attach,
    check_readable,
    transaction,
    writable,
)
from contract.fleet.runner import FLEET_JSON

HISTORY_KEY = "history"
"""The key of ``fleet.json`` that names the run's history, relative to the output folder."""


def _same_file(one: Path, other: Path) -> bool:
    return one.exists() and other.exists() and os.path.samefile(one, other)


def merge_histories(into: Path, sources: Sequence[Path]) -> int:
    """Copy into the history at *into* (created if missing) every run of *sources* that it
    does not hold, by run id, so that merging again adds nothing; the number of runs
    copied. Every source is checked first: one that is not a history raises
    :class:`HistoryError` and nothing is written."""
    for source in sources:
        check_readable(source)
    copied = 0
    with writable(into) as db:
        for source in sources:
            if _same_file(source, into):
                continue
            attach(db, source, "source")
            try:
                with transaction(db, into):
                    copied += _copy_new_runs(db)
            finally:
                db.execute("DETACH DATABASE source")
    return copied


def _copy_new_runs(db: sqlite3.Connection) -> int:
    # The runs table last: until it holds a run id, the run's rows count as new.
    copied = 0
    for table in ("installs", "requirement_verdicts", "transport_verdicts", "runs"):
        columns = ", ".join(COLUMNS[table])
        copied = db.execute(
            f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}"
            " WHERE run_id NOT IN (SELECT run_id FROM main.runs) ORDER BY rowid"
        ).rowcount
    return copied


def name_in_report(data: dict[str, Any], history: Path | None, out: Path) -> None:
    """Name *history* in *data* (``fleet.json``) by its path relative to the output folder
    *out*, where ``contract fleet merge`` finds it wherever the folder has moved; a
    history outside *out* is not named."""
    if history is None:
        return
    with contextlib.suppress(ValueError):  # not in *out*: relative_to refuses it
        data[HISTORY_KEY] = history.resolve().relative_to(out.resolve()).as_posix()


def histories_to_merge(folders: Sequence[Path], given: Sequence[Path], into: Path) -> list[Path]:
    """The histories ``contract fleet merge --history INTO`` merges: those the shards'
    reports in *folders* name, then those *given*; raises :class:`HistoryError` for one
    that cannot be read, or an *into* that cannot be written, before anything is."""
    sources = [*shard_histories(folders), *given]
    for source in sources:
        check_readable(source)
    with writable(into):
        pass
    return sources


def shard_histories(folders: Sequence[Path]) -> list[Path]:
    """The history each of *folders*' ``fleet.json`` names; a folder whose report names
    none (or that holds no readable report, which the merge of the reports refuses) adds
    nothing."""
    found = []
    for folder in folders:
        try:
            data = json.loads((folder / FLEET_JSON).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        named = data.get(HISTORY_KEY) if isinstance(data, dict) else None
        if named is None:
            continue
        relative = PurePosixPath(named) if isinstance(named, str) else None
        if relative is None or relative.is_absolute() or ".." in relative.parts:
            raise HistoryError(
                folder / FLEET_JSON,
                f"its {HISTORY_KEY!r} must name a file in {folder}, not {named!r}",
            )
        found.append(folder / relative)
    return found
