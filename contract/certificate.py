"""The certificate: one verdict per requirement of the catalogue, with its evidence."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from contract import __version__
from contract.fold import Fold, RequirementResult


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
    restore_file: str | None = None

    @property
    def results(self) -> list[RequirementResult]:
        """Every requirement's result, in the catalogue's order."""
        return list(self.fold.results.values())

    @property
    def certified(self) -> bool:
        """Every requirement passed or could not be verified, and at least one passed."""
        return self.fold.certified

    @property
    def verdict(self) -> str:
        """``certified`` or ``not certified``."""
        return "certified" if self.certified else "not certified"

    def to_dict(self) -> dict[str, Any]:
        """The certificate as JSON-ready data."""
        results = [_result_dict(result) for result in self.results]
        cases = sum(result.cases for result in self.results)
        requests = sum(result.requests for result in self.results)
        return {
            "target": self.target,
            "options": self.options,
            "schema_fingerprint": self.schema_fingerprint,
            "seed": self.seed,
            "date": self.date,
            "version": self.version,
            "restore_file": self.restore_file,
            "verdict": self.verdict,
            "results": results,
            "limits": [limit.to_json() for limit in self.fold.limits],
            "totals": {
                "cases": cases,
                "requests": requests,
                "requests_per_case": _per_case(requests, cases),
            },
        }


def _result_dict(result: RequirementResult) -> dict[str, Any]:
    failure = result.failure.to_json() if result.failure is not None else None
    return {
        "id": result.id,
        "requirement": result.requirement.statement,
        "verdict": result.verdict,
        "cases": result.cases,
        "coverage_cases": result.coverage,
        "explored_cases": result.cases - result.coverage,
        "requests": result.requests,
        "transports": list(result.transports),
        "reason": result.reason,
        "failure": failure,
        "requests_per_case": _per_case(result.requests, result.cases),
    }


def _per_case(requests: int, cases: int) -> float | None:
    return round(requests / cases, 2) if cases else None
