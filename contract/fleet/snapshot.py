"""One run's results as ``contract diff`` compares them, read from a certificate or a fleet
report.

A certificate (``contract certify --report FILE.json``) is a fleet of one install, named
by the address it certified (its ``target``). A fleet report is the folder ``contract
fleet`` wrote, or its ``fleet.json``: each install's verdict, restore and coverage come
from ``fleet.json``, and its results per requirement and transport from its
``certificate.json`` when that is there; else from ``fleet.json``'s statuses, which name
no transport and are kept under the transport :data:`OVERALL`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.errors import ContractError
from contract.fleet.coverage import InstallCoverage
from contract.fleet.runner import CERTIFIED, COULD_NOT_RUN, FLEET_JSON, NOT_CERTIFIED

OVERALL = "overall"
"""The transport of a requirement's status when its run says none per transport."""
CERTIFICATE = "certificate"
FLEET_REPORT = "fleet report"

# As the fleet report says them (contract.fleet.runner): a check that could not judge
# counts as failed, and a requirement no test ran is not exercised.
_SAID_AS = {"error": "failed", "not run": "not exercised"}
_NEITHER = (
    "neither a certificate (contract certify --report FILE.json) nor a fleet report "
    "(the folder contract fleet wrote, or its fleet.json)"
)


class DiffInputError(ContractError, ValueError):
    """An input that cannot be compared: :attr:`path` names it, :attr:`problem` says why."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class InstallSnapshot:
    """One install's results in one run."""

    name: str
    verdict: str
    """``certified``, ``not certified`` or ``could not run``."""
    url: str | None = None
    restored: bool | None = None
    """Whether every contact reads back as before; ``None`` where the run does not say."""
    coverage: InstallCoverage | None = None
    statuses: Mapping[str, str] = field(default_factory=dict)
    """Each requirement's status over all transports: ``passed``, ``failed``, ``not
    verifiable`` or ``not exercised``."""
    by_transport: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Each requirement's status per transport (``rest``, ``xmlrpc``, ``both``); empty
    when the run says none (a fleet report without the install's certificate)."""
    reason: str | None = None
    """Why it could not run, or is not certified though no requirement failed."""

    @property
    def ran(self) -> bool:
        """True when the run came to a verdict."""
        return self.verdict != COULD_NOT_RUN

    def results(self, *, per_transport: bool) -> dict[tuple[str, str], str]:
        """Each (requirement, transport) and its status; with *per_transport* false, one
        status per requirement, under the transport :data:`OVERALL`."""
        if not per_transport:
            return {(rid, OVERALL): status for rid, status in self.statuses.items()}
        return {
            (rid, transport): status
            for rid, over in self.by_transport.items()
            for transport, status in over.items()
        }

    def failed(self) -> list[str]:
        """The requirements that failed, in the run's order."""
        return [rid for rid, status in self.statuses.items() if status == "failed"]


@dataclass(frozen=True)
class Snapshot:
    """A run's results: a certificate's one install, or a fleet report's installs."""

    path: Path
    kind: str
    """:data:`CERTIFICATE` or :data:`FLEET_REPORT`."""
    installs: Mapping[str, InstallSnapshot]
    versions: Mapping[str, str] = field(default_factory=dict)
    """``library`` and ``schema`` (a fingerprint); a certificate adds ``python`` and
    ``hypothesis``."""
    date: str | None = None
    not_started: tuple[str, ...] = ()
    """The installs an interrupted fleet never started."""
    notes: tuple[str, ...] = ()
    """What a reader of the comparison should know of this input."""

    def summary(self) -> dict[str, Any]:
        """What the run is, as data: path, kind, installs, versions, date."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "installs": len(self.installs),
            "versions": dict(self.versions),
            "date": self.date,
        }


def _read_json(path: Path) -> Any:
    """The JSON in *path*; raises :class:`DiffInputError` saying why it cannot be had."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DiffInputError(path, "no such file or folder") from None
    except UnicodeDecodeError:
        raise DiffInputError(path, "not JSON: not UTF-8 text") from None
    except OSError as error:
        raise DiffInputError(path, f"cannot be read: {error.strerror or error}") from None
    if not text.strip():
        raise DiffInputError(path, "not JSON: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise DiffInputError(path, f"not JSON: {error.msg} at {where}") from None
    except (ValueError, RecursionError) as error:  # a huge integer, nesting too deep
        raise DiffInputError(path, f"not JSON this can read: {error}") from None


def _status(value: Any) -> str:
    text = str(value)
    return _SAID_AS.get(text, text)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shape(path: Path, kind: str, what: str, ok: bool) -> None:
    """Raise, saying *what* is wrong with the *kind* of input, unless *ok*."""
    if not ok:
        raise DiffInputError(path, f"a {kind} that cannot be read: {what}")


def _certificate_results(
    path: Path, data: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A certificate's statuses per requirement, and per requirement and transport."""
    results = data.get("results")
    if not isinstance(results, list):
        raise DiffInputError(path, f"a {CERTIFICATE} that cannot be read: no list of results")
    statuses: dict[str, str] = {}
    by_transport: dict[str, dict[str, str]] = {}
    for number, result in enumerate(results, start=1):
        ok = isinstance(result, Mapping) and isinstance(result.get("id"), str)
        _shape(path, CERTIFICATE, f"result {number} has no requirement id", ok)
        rid = str(result["id"])
        statuses[rid] = _status(result.get("verdict"))
        over = result.get("by_transport")
        _shape(
            path,
            CERTIFICATE,
            f"{rid}: by_transport is not an object",
            isinstance(over, Mapping | None),
        )
        by_transport[rid] = {
            str(transport): _status(each.get("verdict") if isinstance(each, Mapping) else each)
            for transport, each in (over or {}).items()
        }
    return statuses, by_transport


def _is_certificate(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("results"), list)


def _is_fleet(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("installs"), list)


def certificate_snapshot(data: Mapping[str, Any], path: Path) -> Snapshot:
    """The certificate *data*, read from *path*, as a fleet of one install named by its
    ``target`` (by the file's name when it has none)."""
    _shape(path, CERTIFICATE, "no list of results", _is_certificate(data))
    statuses, by_transport = _certificate_results(path, data)
    restore = data.get("restore")
    verdict = _text(data.get("verdict"))
    install = InstallSnapshot(
        name=_text(data.get("target")) or path.stem,
        verdict=verdict if verdict in (CERTIFIED, NOT_CERTIFIED) else NOT_CERTIFIED,
        url=_text(data.get("target")),
        # No restore at all: the run changed no contact it could read.
        restored=bool(restore.get("complete", True)) if isinstance(restore, Mapping) else True,
        coverage=InstallCoverage.from_certificate(data),
        statuses=statuses,
        by_transport=by_transport,
    )
    stated = data.get("versions")
    given: Mapping[str, Any] = stated if isinstance(stated, Mapping) else {}
    versions = {
        "library": data.get("version") or given.get("library"),
        "schema": data.get("schema_fingerprint") or given.get("schema"),
        "python": given.get("python"),
        "hypothesis": given.get("hypothesis"),
    }
    return Snapshot(
        path=path,
        kind=CERTIFICATE,
        installs={install.name: install},
        versions={key: str(value) for key, value in versions.items() if value is not None},
        date=_text(data.get("date")),
    )


def _install_certificate(folder: Path, entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The install's certificate beside the fleet report, if it is there and reads."""
    name = entry.get("certificate")
    if not isinstance(name, str) or entry.get("verdict") == COULD_NOT_RUN:
        return None  # a run that could not run judged nothing, whatever it wrote
    try:
        data = _read_json(folder / name)
    except DiffInputError:
        return None
    return data if _is_certificate(data) else None


def _fleet_install(path: Path, folder: Path, entry: Any, number: int) -> InstallSnapshot:
    ok = isinstance(entry, Mapping) and isinstance(entry.get("name"), str)
    _shape(path, FLEET_REPORT, f"install {number} has no name", ok)
    name = str(entry["name"])
    requirements = entry.get("requirements") or {}
    _shape(
        path,
        FLEET_REPORT,
        f"install {name!r}: requirements is not an object",
        isinstance(requirements, Mapping),
    )
    coverage = entry.get("coverage")
    try:
        covered = InstallCoverage.from_dict(coverage) if isinstance(coverage, Mapping) else None
    except (KeyError, TypeError, ValueError):
        raise DiffInputError(
            path, f"a {FLEET_REPORT} that cannot be read: install {name!r}: coverage lacks counts"
        ) from None
    verdict = _text(entry.get("verdict")) or COULD_NOT_RUN
    statuses = {str(rid): _status(status) for rid, status in requirements.items()}
    by_transport: dict[str, dict[str, str]] = {}
    certificate = _install_certificate(folder, entry)
    if certificate is not None:
        with contextlib.suppress(DiffInputError):  # then fleet.json's statuses stand alone
            said, by_transport = _certificate_results(folder / entry["certificate"], certificate)
            statuses = statuses or said
    restored = entry.get("restored")
    return InstallSnapshot(
        name=name,
        verdict=verdict,
        url=_text(entry.get("url")),
        restored=restored if isinstance(restored, bool) else None,
        coverage=covered,
        statuses=statuses if verdict != COULD_NOT_RUN else {},
        by_transport=by_transport if verdict != COULD_NOT_RUN else {},
        reason=_text(entry.get("reason")),
    )


def fleet_snapshot(data: Mapping[str, Any], folder: Path, path: Path | None = None) -> Snapshot:
    """The fleet report *data* (``fleet.json``, as read or as ``fleet_data`` made it),
    whose installs' certificates are in *folder*; *path* names it in what is said."""
    path = path if path is not None else folder / FLEET_JSON
    _shape(path, FLEET_REPORT, "no list of installs", _is_fleet(data))
    installs = [
        _fleet_install(path, folder, entry, number)
        for number, entry in enumerate(data["installs"], start=1)
    ]
    without = [i.name for i in installs if i.ran and i.statuses and not i.by_transport]
    notes = []
    if without:
        notes.append(
            f"{path}: no readable certificate.json for {', '.join(without)}: their "
            f"requirements are compared as {FLEET_JSON} states them, over all transports"
        )
    not_started = data.get("not_started")
    return Snapshot(
        path=path,
        kind=FLEET_REPORT,
        installs={install.name: install for install in installs},
        versions={
            key: str(data[key]) for key in ("library", "schema") if data.get(key) is not None
        },
        date=_text(data.get("date")),
        not_started=tuple(map(str, not_started)) if isinstance(not_started, list) else (),
        notes=tuple(notes),
    )


def load_fleet_report(path: Path) -> Snapshot:
    """The fleet report in the folder *path* (or the ``fleet.json`` it names); raises
    :class:`DiffInputError` naming the file and the problem."""
    if path.is_dir():
        if not (path / FLEET_JSON).is_file():
            raise DiffInputError(path, f"a folder without {FLEET_JSON}: not a fleet report")
        path = path / FLEET_JSON
    data = _read_json(path)
    _shape(path, FLEET_REPORT, "no list of installs", _is_fleet(data))
    return fleet_snapshot(data, path.parent, path)


def load_run(path: Path) -> Snapshot:
    """A certificate or a fleet report, whichever *path* holds; raises
    :class:`DiffInputError` naming the file and the problem."""
    if path.is_dir():
        return load_fleet_report(path)
    data = _read_json(path)
    if _is_fleet(data):
        return fleet_snapshot(data, path.parent, path)
    if _is_certificate(data):
        return certificate_snapshot(data, path)
    raise DiffInputError(path, _NEITHER)
