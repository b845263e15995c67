"""``contract fleet merge``: the outputs of a fleet's shards, folded into one report."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contract.errors import ContractError
from contract.fleet.report import fleet_data
from contract.fleet.runner import FLEET_JSON, InstallResult


class MergeError(ContractError, ValueError):
    """Outputs that cannot be merged: :attr:`problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _read(folder: Path) -> dict[str, Any]:
    path = folder / FLEET_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MergeError([f"{folder}: no {FLEET_JSON}: not the output of contract fleet"]) from None
    except (OSError, ValueError) as error:
        raise MergeError([f"{path}: cannot be read: {error}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("installs"), list):
        raise MergeError([f"{path}: not a fleet report"])
    return data


def _given_twice(folders: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Each folder once, and a line for each folder given again (under any spelling, or
    through a link): merged twice, its installs would count twice."""
    first: dict[Path, Path] = {}
    problems = []
    for folder in folders:
        place = folder.resolve()
        if place not in first:
            first[place] = folder
        elif first[place] == folder:
            problems.append(f"cannot merge: {folder} is given twice")
        else:
            problems.append(f"cannot merge: {folder} is {first[place]}, given twice")
    return list(first.values()), problems


def _read_each(folders: Sequence[Path]) -> tuple[dict[Path, dict[str, Any]], list[str]]:
    """The report of each folder that holds one, and a line for each that does not."""
    runs, problems = {}, []
    for folder in folders:
        try:
            runs[folder] = _read(folder)
        except MergeError as error:
            problems += error.problems
    return runs, problems


def _same(key: str, what: str, runs: dict[Path, dict[str, Any]]) -> list[str]:
    values = {folder: data.get(key) for folder, data in runs.items()}
    first_folder, first = next(iter(values.items()))
    return [
        f"cannot merge: {folder} was made with {what} {value}, {first_folder} with {first}"
        for folder, value in values.items()
        if value != first
    ]


def merge_outputs(folders: Sequence[Path], out: Path) -> dict[str, Any]:
    """Fold the fleet outputs in *folders* into *out*: each install's files are copied
    and one report covers them all (each install's coverage, and any shard's interruption
    with the installs it left unstarted). Raises :class:`MergeError`, one line per problem,
    for a folder given twice, one that holds no report, outputs made with another library
    or schema version, and outputs that hold the same install."""
    once, problems = _given_twice(folders)
    runs, unread = _read_each(once)
    problems += unread
    if runs:
        problems += _same("library", "library", runs) + _same("schema", "schema", runs)
    owner: dict[str, Path] = {}
    for folder, data in runs.items():
        for install in data["installs"]:
            name = install["name"]
            if name in owner:
                problems.append(
                    f"cannot merge: install {name!r} is in both {owner[name]} and {folder}"
                )
            owner[name] = folder
    if problems:
        raise MergeError(problems)
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for folder, data in runs.items():
        for install in data["installs"]:
            source = folder / install["name"]
            if source.is_dir() and source.resolve() != (out / install["name"]).resolve():
                shutil.copytree(source, out / install["name"], dirs_exist_ok=True)
            outcomes.append(InstallResult.from_dict(install))
    schema = str(next(iter(runs.values()))["schema"])
    # A shard that was interrupted leaves the whole fleet interrupted, short of its
    # unstarted installs.
    unstarted = {name for data in runs.values() for name in data.get("not_started", [])}
    return fleet_data(
        outcomes,
        schema=schema,
        interrupted=any(data.get("interrupted") for data in runs.values()),
        not_started=unstarted - set(owner),
    )
