"""The certificate: one verdict per requirement of the catalogue, with its evidence."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from contract import __version__

Verdict = Literal["passed", "failed", "error", "not verifiable", "not run"]

REQUIREMENTS: dict[str, str] = {
    "UC-ACCEPT": "a valid update is accepted and answered with the contact's id",
    "UC-RESPONSE": "answers are well formed (REST JSON integer body and JSON content type; "
    "XML-RPC methodResponse int)",
    "UC-PERSIST": "every accepted property reads back exactly as sent",
    "UC-PARTIAL": "properties not sent are unchanged",
    "UC-IDEMPOTENT": "sending the same update twice gives the same answer and state",
    "UC-ENUM": "a value outside an enum is rejected and nothing changes",
    "UC-TYPE": "a value of the wrong JSON type is rejected and nothing changes",
    "UC-FORMAT": "tags and birth_date with the wrong content are rejected",
    "UC-READONLY": "no read-only property ever changes through an update",
    "UC-UNKNOWN": "unknown properties are never stored",
    "UC-EMPTY": "an empty properties object is rejected",
    "UC-NOTFOUND": "an unknown contact id is answered 404 / Fault and creates nothing",
    "UC-BADID": "a malformed id (text, zero, negative) is rejected, not a 5xx",
    "UC-AUTH": "missing or wrong credentials are refused and change nothing",
    "UC-MALFORMED": "a body that is not a JSON object is rejected, not a 5xx",
    "UC-NO5XX": "no request the suite sends ever gets a 5xx",
    "UC-PARITY": "REST and XML-RPC reach the same verdict on the same payload",
}

# When several tests speak of one requirement, the worst outcome stands.
SEVERITY: dict[Verdict, int] = {
    "not run": 0,
    "not verifiable": 1,
    "passed": 2,
    "error": 3,
    "failed": 4,
}


@dataclass
class RequirementResult:
    """What the run found out about one requirement."""

    id: str
    requirement: str
    verdict: Verdict = "not run"
    cases: int = 0
    requests: int = 0
    transports: list[str] = field(default_factory=list)
    reason: str | None = None
    failure: dict[str, Any] | None = None

    def record(
        self,
        verdict: Verdict,
        *,
        transport: str | None,
        cases: int,
        requests: int,
        reason: str | None = None,
        failure: dict[str, Any] | None = None,
    ) -> None:
        """Fold one test's outcome into this requirement's verdict."""
        self.cases += cases
        self.requests += requests
        if transport and transport not in self.transports:
            self.transports.append(transport)
        if SEVERITY[verdict] > SEVERITY[self.verdict]:
            self.verdict = verdict
            self.reason = reason
            self.failure = failure


@dataclass
class Certificate:
    """Every requirement's verdict, and how the run was made."""

    target: str | None
    options: dict[str, Any]
    schema_fingerprint: str
    seed: int
    date: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        )
    )
    version: str = __version__
    results: dict[str, RequirementResult] = field(
        default_factory=lambda: {
            rid: RequirementResult(rid, text) for rid, text in REQUIREMENTS.items()
        }
    )
    restore_file: str | None = None

    @property
    def certified(self) -> bool:
        """Every requirement passed or could not be verified, and at least one passed."""
        verdicts = [result.verdict for result in self.results.values()]
        return all(v in ("passed", "not verifiable") for v in verdicts) and "passed" in verdicts

    @property
    def verdict(self) -> str:
        """``certified`` or ``not certified``."""
        return "certified" if self.certified else "not certified"

    def to_dict(self) -> dict[str, Any]:
        """The certificate as JSON-ready data."""
        data = asdict(self)
        data["verdict"] = self.verdict
        data["results"] = [
            {**asdict(result), "requests_per_case": _per_case(result.requests, result.cases)}
            for result in self.results.values()
        ]
        cases = sum(result.cases for result in self.results.values())
        requests = sum(result.requests for result in self.results.values())
        data["totals"] = {
            "cases": cases,
            "requests": requests,
            "requests_per_case": _per_case(requests, cases),
        }
        return data


def _per_case(requests: int, cases: int) -> float | None:
    return round(requests / cases, 2) if cases else None
