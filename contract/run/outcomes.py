"""What one test of the suite found out, as data: its verdict, its failure, or why it
could not judge.

An :class:`Outcome` is made where the test ran (an xdist worker, perhaps) and travels as
JSON to the process that folds outcomes into the certificate (:mod:`contract.report.verdicts`).
Why a run could not go on is a :class:`Problem`, never a prefix of a message.
"""

from __future__ import annotations

import enum
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any, Literal

from contract.checks import CheckFailed
from contract.core.requirements import Requirement, requirement

if sys.version_info >= (3, 11):
    _ExceptionGroup = BaseExceptionGroup  # noqa: F821 (a builtin from 3.11 on)
else:  # Hypothesis depends on the backport there
    from exceptiongroup import BaseExceptionGroup as _ExceptionGroup

Verdict = Literal["passed", "failed", "error", "not verifiable", "not run"]

SEVERITY: dict[Verdict, int] = {
    "not run": 0,
    "not verifiable": 1,
    "passed": 2,
    "error": 3,
    "failed": 4,
}
"""When several tests speak of one requirement, the most severe verdict stands."""


class Problem(enum.Enum):
    """Why a run could not go on, or a test could not judge."""

    UNUSABLE_SETTINGS = "the run's settings name no install it can certify"
    UNREACHABLE = "the install could not be reached or did not answer in time"
    CREDENTIALS_REFUSED = "the install refused the credentials"
    WRONG_ADDRESS = "the install answered 404 or 405 where the contract's paths should be"
    NO_SUCH_CONTACT = "the contact under test does not exist"
    NOT_IN_RECORDING = "a replay needed an exchange the recording does not hold"
    INTERRUPTED = "the run was interrupted"


@dataclass(frozen=True)
class Stop:
    """A :class:`Problem` and the one line that says it to a person."""

    problem: Problem
    detail: str

    def __str__(self) -> str:
        return self.detail

    def to_json(self) -> dict[str, str]:
        """JSON-ready fields."""
        return {"problem": self.problem.name, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stop:
        """The inverse of :meth:`to_json`."""
        return cls(Problem[data["problem"]], str(data["detail"]))


class StopRun(BaseException):
    """The run cannot go on: raised through Hypothesis and pytest without being shrunk.

    A BaseException, so that Hypothesis does not try a lost connection example by example.
    """

    def __init__(self, stop: Stop) -> None:
        super().__init__(stop.detail)
        self.stop = stop


def stop_of(error: BaseException) -> Stop | None:
    """The :class:`Stop` an exception carries, if it is one that says why a run could not judge."""
    stop = getattr(error, "stop", None)
    return stop if isinstance(stop, Stop) else None


def check_failure(error: BaseException) -> BaseException:
    """The CheckFailed inside *error*, if any, else *error*.

    Hypothesis raises a FlakyFailure group when the replay of a failing example passes,
    which a stateful install does (the first attempt changed what the second sees): the
    first failure still stands.
    """
    if isinstance(error, _ExceptionGroup):
        for inner in error.exceptions:
            found = check_failure(inner)
            if isinstance(found, CheckFailed):
                return found
    return error


@dataclass(frozen=True)
class Failure:
    """A broken requirement: what was expected, what came back, and how to send it again."""

    requirement: Requirement
    transport: str | None
    expected: str
    got: str
    payload: Any
    reproduction: str | None
    message: str
    """The whole failure as a person reads it (see :meth:`contract.checks.CheckFailed.render`)."""
    seed: int
    phase: str = "explore"
    """``coverage`` when a fixed case found it (any seed finds it), else ``explore``."""
    fully_shrunk: bool = True
    """False when the shrink budget ran out before the payload was minimal."""

    @classmethod
    def of_check(cls, error: CheckFailed, seed: int) -> Failure:
        """A check's failure as data."""
        return cls(
            requirement=error.requirement,
            transport=error.transport,
            expected=error.expected,
            got=error.got,
            payload=error.payload,
            reproduction=error.reproduction,
            message=str(error),
            seed=seed,
            phase=error.phase,
            fully_shrunk=error.shrink_budget_spent is None,
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields; the requirement as its id."""
        return {**asdict(self), "requirement": self.requirement.id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Failure:
        """The inverse of :meth:`to_json`."""
        return cls(**{**data, "requirement": requirement(data["requirement"])})


@dataclass(frozen=True)
class Limit:
    """A valid value the install refused, as a limit of its storage may: not a failure."""

    property: str
    value: str
    """The value, described: ``text of 300 characters``, or the integer."""
    transport: str
    answer: str

    def to_json(self) -> dict[str, str]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """What one test found out about the requirement it certifies, over one transport."""

    requirement: Requirement
    transport: str | None
    verdict: Verdict
    cases: int = 0
    requests: int = 0
    reason: str | None = None
    """Why the test could not judge (``not verifiable``) or broke (``error``)."""
    stop: Stop | None = None
    failure: Failure | None = None
    """For ``failed``: the failure, which may belong to another requirement (a 5xx is UC-NO5XX)."""
    coverage: int = 0
    """How many of the cases were the coverage phase's fixed cases."""
    limits: tuple[Limit, ...] = ()
    seconds: float = 0.0
    """How long the test ran."""
    retries: int = 0
    """How many of its requests were sent again after the network lost them."""
    shared: int = 0
    """Requests another test sent whose exchanges this one judged (see
    :mod:`contract.run.evidence`): evidence it did not pay for, not among *requests*."""

    def to_json(self) -> str:
        """One line of JSON, as it travels from an xdist worker to the controller."""
        data = {
            **asdict(self),
            "requirement": self.requirement.id,
            "stop": self.stop.to_json() if self.stop else None,
            "failure": self.failure.to_json() if self.failure else None,
            "limits": [limit.to_json() for limit in self.limits],
        }
        return json.dumps(data, default=repr)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        """The inverse of :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            requirement=requirement(data["requirement"]),
            transport=data["transport"],
            verdict=data["verdict"],
            cases=int(data["cases"]),
            requests=int(data["requests"]),
            reason=data["reason"],
            stop=Stop.from_json(data["stop"]) if data["stop"] else None,
            failure=Failure.from_json(data["failure"]) if data["failure"] else None,
            coverage=int(data["coverage"]),
            limits=tuple(Limit(**limit) for limit in data["limits"]),
            seconds=float(data.get("seconds", 0.0)),
            retries=int(data.get("retries", 0)),
            shared=int(data.get("shared", 0)),
        )
