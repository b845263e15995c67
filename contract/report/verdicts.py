"""Folding outcomes into one result per requirement: the one place verdicts are combined.

The terminal's progress lines, the certificate and its reports are all views of a
:class:`Fold`. It learns how many tests certify each requirement, takes
their :class:`~contract.run.outcomes.Outcome` one by one, and says when a requirement is
decided, that is when its last test has spoken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from contract.core.requirements import CATALOGUE, Requirement
from contract.run.outcomes import SEVERITY, Failure, Limit, Outcome, Stop, Verdict

BOTH = "both"
"""Where a test that compares the transports (no one transport) is counted."""


@dataclass
class TransportResult:
    """What the run found out about one requirement over one transport (or :data:`BOTH`)."""

    verdict: Verdict = "not run"
    cases: int = 0
    coverage: int = 0
    requests: int = 0
    seconds: float = 0.0
    failure: Failure | None = None
    """For ``failed``: the failure over this transport."""
    retries: int = 0
    """Requests among :attr:`requests` sent again after the network lost them."""
    shared: int = 0
    """Requests another requirement's tests sent, whose exchanges this one judged."""

    def to_json(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "verdict": self.verdict,
            "cases": self.cases,
            "coverage_cases": self.coverage,
            "explored_cases": self.cases - self.coverage,
            "requests": self.requests,
            "retries": self.retries,
            "shared_requests": self.shared,
            "seconds": round(self.seconds, 3),
            "failure": self.failure.to_json() if self.failure is not None else None,
        }


@dataclass
class RequirementResult:
    """What the run found out about one requirement."""

    requirement: Requirement
    verdict: Verdict = "not run"
    cases: int = 0
    coverage: int = 0
    """How many of the cases were fixed coverage cases; the rest Hypothesis drew."""
    requests: int = 0
    transports: list[str] = field(default_factory=list)
    reason: str | None = None
    stop: Stop | None = None
    failure: Failure | None = None
    seconds: float = 0.0
    """How long its tests ran, added up."""
    by_transport: dict[str, TransportResult] = field(default_factory=dict)
    """The same, per transport; a test that compares both transports under :data:`BOTH`."""
    retries: int = 0
    """Requests among :attr:`requests` sent again after the network lost them."""
    shared: int = 0
    """Requests another requirement's tests sent, whose exchanges this one judged: the
    evidence it shares (see :mod:`contract.run.evidence`), not among :attr:`requests`."""

    @property
    def id(self) -> str:
        """The requirement's id, ``UC-…``."""
        return self.requirement.id

    def take(self, outcome: Outcome, *, counted: bool = True) -> None:
        """Fold one outcome in: counts add up, the most severe verdict stands with its evidence.

        *counted* is false when the outcome is another requirement's test failing on this
        one (a 5xx in a UC-ENUM test also fails UC-NO5XX): its cases are counted there.
        """
        over = self.by_transport.setdefault(outcome.transport or BOTH, TransportResult())
        if counted:
            self.cases += outcome.cases
            self.coverage += outcome.coverage
            self.requests += outcome.requests
            self.retries += outcome.retries
            self.shared += outcome.shared
            self.seconds += outcome.seconds
            over.cases += outcome.cases
            over.coverage += outcome.coverage
            over.requests += outcome.requests
            over.retries += outcome.retries
            over.shared += outcome.shared
            over.seconds += outcome.seconds
        if SEVERITY[outcome.verdict] > SEVERITY[over.verdict]:
            over.verdict = outcome.verdict
            over.failure = outcome.failure
        if outcome.transport and outcome.transport not in self.transports:
            self.transports.append(outcome.transport)
        if SEVERITY[outcome.verdict] > SEVERITY[self.verdict]:
            self.verdict = outcome.verdict
            self.reason = outcome.reason
            self.stop = outcome.stop
            self.failure = outcome.failure


Decided = Callable[[RequirementResult], None]


class Fold:
    """Every requirement's result, built from the outcomes of the tests that certify it."""

    def __init__(self, on_decided: Decided | None = None) -> None:
        self.results: dict[Requirement, RequirementResult] = {
            requirement: RequirementResult(requirement) for requirement in CATALOGUE
        }
        self.stops: list[Stop] = []
        """Why the run ended early, if it did (the first is the reason)."""
        self.limits: list[Limit] = []
        """Valid values the install refused as a limit of its storage may."""
        self.on_decided = on_decided
        """Told each requirement's result as it is decided."""
        self._pending: Counter[Requirement] | None = None

    def expect(self, tests_per_requirement: Mapping[Requirement, int]) -> None:
        """How many tests certify each requirement; only the first count given counts."""
        if self._pending is None:
            self._pending = Counter(tests_per_requirement)

    def add(self, outcome: Outcome) -> None:
        """Fold in one test's outcome."""
        self.results[outcome.requirement].take(outcome)
        self.limits += outcome.limits
        failure = outcome.failure
        if failure is not None and failure.requirement != outcome.requirement:
            self.results[failure.requirement].take(outcome, counted=False)
        if self._pending is not None and self._pending[outcome.requirement] > 0:
            self._pending[outcome.requirement] -= 1
            if self._pending[outcome.requirement] == 0 and self.on_decided is not None:
                self.on_decided(self.results[outcome.requirement])

    def stopped(self, stop: Stop) -> None:
        """The run could not go on."""
        if stop not in self.stops:
            self.stops.append(stop)

    @property
    def ran(self) -> bool:
        """True once any requirement has a verdict."""
        return any(result.verdict != "not run" for result in self.results.values())

    @property
    def cannot_judge(self) -> Stop | None:
        """Why the run's verdict cannot stand, if it cannot: the run stopped early, or a
        test could not judge for a reason that lies outside the install's behaviour."""
        if self.stops:
            return self.stops[0]
        return next((r.stop for r in self.results.values() if r.stop is not None), None)

    @property
    def certified(self) -> bool:
        """Every requirement passed or could not be verified, and at least one passed."""
        verdicts = [result.verdict for result in self.results.values()]
        return all(v in ("passed", "not verifiable") for v in verdicts) and "passed" in verdicts
