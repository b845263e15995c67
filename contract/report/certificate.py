"""The certificate: one verdict per requirement of the catalogue, with its evidence."""

from __future__ import annotations

import datetime
import importlib.metadata
import platform
import time
from dataclasses import dataclass, field
from typing import Any

from contract import __version__
from contract.core.schema import Contract
from contract.report.verdicts import BOTH, Fold, RequirementResult
from contract.run import exercised
from contract.run.exercised import Coverage
from contract.run.put_back import Restored
from contract.run.settings import RunSettings


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Certificate:
    """How the run was made, and the fold of its outcomes."""

    target: str | None
    options: dict[str, Any]
    schema_fingerprint: str
    seed: int
    fold: Fold = field(default_factory=Fold)
    date: str = field(default_factory=_now)
    version: str = __version__
    restore_files: list[str] = field(default_factory=list)
    """The files holding values the run could not put back, one per contact."""
    irreversible: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Per contact under test, the writable properties whose value it held the install
    would not take back."""
    exercised_irreversible: bool = False
    """True when the run sent those properties anyway (``--allow-irreversible``)."""
    writable: tuple[str, ...] = ()
    """The contract's writable properties, in its order."""
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The writable properties each kind of requirement exercises (see
    :func:`contract.run.exercised.scopes`)."""
    unexercised: dict[int, dict[str, str]] = field(default_factory=dict)
    """Per contact under test, the writable properties the run could not put back, and why."""
    require_full_coverage: bool = False
    """True when a run that leaves a writable property unexercised is not certified."""
    witnesses_read: set[int] = field(default_factory=set)
    """The witness contacts the run read, on every worker."""
    restored: dict[int, Restored] = field(default_factory=dict)
    """Per contact the run changed, what putting it back achieved."""
    started: float = field(default_factory=time.monotonic, repr=False, compare=False)
    """When the run began (:func:`time.monotonic`)."""
    finished: float | None = field(default=None, repr=False, compare=False)
    """When it ended; until then, its length is measured up to now."""
    retries_outside_tests: int = 0
    """Requests sent again after a network error outside every test: opening the contact,
    the positive controls, the restore."""

    @classmethod
    def of_run(cls, settings: RunSettings, contract: Contract, target: str | None) -> Certificate:
        """The certificate a run of *contract* with *settings* begins with, about *target*."""
        return cls(
            target=target,
            options=settings.public() if settings.url else {},
            schema_fingerprint=contract.fingerprint,
            seed=settings.seed,
            exercised_irreversible=settings.allow_irreversible,
            writable=contract.writable,
            scopes=exercised.scopes(contract),
            require_full_coverage=settings.require_full_coverage,
        )

    @property
    def retries(self) -> int:
        """Every request the run sent again after the network lost it."""
        return self.retries_outside_tests + sum(result.retries for result in self.results)

    @property
    def seconds(self) -> float:
        """How long the run took (so far)."""
        end = self.finished if self.finished is not None else time.monotonic()
        return round(end - self.started, 1)

    @property
    def policies(self) -> dict[str, str | None]:
        """What the install was required to do with read-only and unknown properties."""
        return {
            "readonly": self.options.get("readonly_policy"),
            "unknown": self.options.get("unknown_policy"),
        }

    @property
    def transports(self) -> list[str]:
        """The transports the run certified: as asked, else as the results show."""
        asked = self.options.get("transports")
        if asked:
            return [str(transport) for transport in asked]
        seen = (t for result in self.results for t in result.by_transport if t != BOTH)
        return sorted(set(seen), key=lambda t: (t != "rest", t))

    @property
    def versions(self) -> dict[str, str]:
        """The versions a rerun needs to reproduce the run: the library's, the schema's
        (its fingerprint), Python's and Hypothesis's."""
        try:
            hypothesis = importlib.metadata.version("hypothesis")
        except importlib.metadata.PackageNotFoundError:
            hypothesis = "unknown"
        return {
            "library": self.version,
            "schema": self.schema_fingerprint,
            "python": platform.python_version(),
            "hypothesis": hypothesis,
        }

    @property
    def coverage(self) -> Coverage:
        """Which writable properties the run exercised, and why it left any out: on any
        contact under test, a value the run could not have put back."""
        reasons: dict[str, str] = {}
        if not self.exercised_irreversible:
            several = len(self.unexercised) > 1
            for contact_id, why in self.unexercised.items():
                for name, reason in why.items():
                    reasons.setdefault(
                        name, f"contact {contact_id}: {reason}" if several else reason
                    )
        return Coverage(self.writable, reasons, self.scopes)

    @property
    def not_exercised(self) -> list[str]:
        """The writable properties the run sent nothing, on any contact under test."""
        return self.coverage.not_exercised

    @property
    def restore(self) -> dict[str, Any] | None:
        """Whether every contact the run changed or read (the contact under test, each
        witness, each unknown id it sent updates to) reads back as before, and each
        property that does not: ``{"complete": …, "properties": {name: {"original": …,
        "now": …, "why": …, "contact_id": …}}, "contacts": {id: {"role": …, …}}}``.
        ``None`` when the run changed no contact it could read back."""
        if not self.restored:
            return None
        properties: dict[str, Any] = {}
        for contact_id, restored in self.restored.items():
            for name, values in restored.properties.items():
                properties.setdefault(name, {**values, "contact_id": contact_id})
        return {
            "complete": all(restored.complete for restored in self.restored.values()),
            "properties": properties,
            "contacts": {
                str(contact_id): restored.to_json()
                for contact_id, restored in self.restored.items()
            },
        }

    @property
    def left_changed(self) -> bool:
        """True when the run left a contact it changed or read different from before."""
        return any(not restored.complete for restored in self.restored.values())

    @property
    def results(self) -> list[RequirementResult]:
        """Every requirement's result, in the catalogue's order."""
        return list(self.fold.results.values())

    @property
    def certified(self) -> bool:
        """Every requirement passed or could not be verified, and at least one passed; with
        :attr:`require_full_coverage`, every writable property was exercised and every
        requirement verified too."""
        if self.require_full_coverage and (not self.coverage.complete or self.unverified):
            return False
        return self.fold.certified

    @property
    def unverified(self) -> list[RequirementResult]:
        """The requirements the run could not verify (*not verifiable*), with why."""
        return [result for result in self.results if result.verdict == "not verifiable"]

    @property
    def coverage_refused(self) -> bool:
        """True when the verdict is "not certified" only for want of coverage."""
        return self.fold.certified and not self.certified

    @property
    def verdict(self) -> str:
        """``certified`` or ``not certified``."""
        return "certified" if self.certified else "not certified"

    def to_dict(self) -> dict[str, Any]:
        """The certificate as JSON-ready data."""
        exercised = self.coverage
        results = [_result_dict(result, exercised) for result in self.results]
        cases = sum(result.cases for result in self.results)
        coverage = sum(result.coverage for result in self.results)
        requests = sum(result.requests for result in self.results)
        retries = sum(result.retries for result in self.results)
        return {
            "restore": self.restore,
            "target": self.target,
            "options": self.options,
            "schema_fingerprint": self.schema_fingerprint,
            "seed": self.seed,
            "date": self.date,
            "version": self.version,
            "restore_file": self.restore_files[0] if self.restore_files else None,
            "restore_files": self.restore_files,
            "verdict": self.verdict,
            "coverage": exercised.to_json(),
            "require_full_coverage": self.require_full_coverage,
            "not_exercised": exercised.not_exercised,
            "irreversible": {str(k): list(v) for k, v in self.irreversible.items()},
            "results": results,
            "limits": [limit.to_json() for limit in self.fold.limits],
            "totals": {
                "cases": cases,
                "requests": requests,
                "requests_per_case": _per_case(requests, cases),
                "retries": retries,
                "coverage_cases": coverage,
                "explored_cases": cases - coverage,
                "test_seconds": round(sum(result.seconds for result in self.results), 3),
            },
            "policies": self.policies,
            "transports": self.transports,
            "versions": self.versions,
            "seconds": self.seconds,
            "retries": self.retries,
        }


def _result_dict(result: RequirementResult, coverage: Coverage) -> dict[str, Any]:
    failure = result.failure.to_json() if result.failure is not None else None
    return {
        "id": result.id,
        "requirement": result.requirement.statement,
        "verdict": result.verdict,
        "cases": result.cases,
        "coverage_cases": result.coverage,
        "explored_cases": result.cases - result.coverage,
        "requests": result.requests,
        "retries": result.retries,
        "shared_requests": result.shared,
        "transports": list(result.transports),
        "reason": result.reason,
        "not_exercised": coverage.missed_by(result.requirement),
        "failure": failure,
        "requests_per_case": _per_case(result.requests, result.cases),
        "seconds": round(result.seconds, 3),
        "by_transport": {
            transport: over.to_json() for transport, over in result.by_transport.items()
        },
    }


def _per_case(requests: int, cases: int) -> float | None:
    return round(requests / cases, 2) if cases else None
