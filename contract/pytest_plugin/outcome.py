"""A suite test's report as an :class:`~contract.run.outcomes.Outcome`, and what travels with it.

Under pytest-xdist only test reports reach the controller, so an outcome rides in the
report's ``user_properties`` as JSON; so do each worker's counts (how many tests
certify each requirement) and its contact under test, once, on its first report.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Iterator

import pytest

from contract.checks import CheckFailed
from contract.core.requirements import Requirement, requirement
from contract.pytest_plugin.marker import REQUIREMENT
from contract.run.certifier import Tally
from contract.run.outcomes import Failure, Outcome, check_failure, stop_of

OUTCOME_PROPERTY = "contract"
TESTS_PER_REQUIREMENT_PROPERTY = "contract-tests-per-requirement"
CONTACT_PROPERTY = "contract-contact"
"""The contact a worker certifies and its irreversible properties, on its first report."""


def transport_of(item: pytest.Item) -> str | None:
    """The transport a test is parametrized with, if any."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    transport = params.get("transport")
    return str(transport) if transport is not None else None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2] if isinstance(longrepr, tuple) else longrepr).removeprefix("Skipped: ")


def outcome_of(
    item: pytest.Item,
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    *,
    tally: Tally,
    seed: int,
) -> Outcome:
    """What the test's decisive report says about its requirement."""
    made = functools.partial(
        Outcome,
        item.stash[REQUIREMENT],
        transport_of(item),
        cases=tally.cases,
        requests=tally.requests,
        retries=tally.retries,
        shared=tally.shared,
        coverage=tally.coverage,
        limits=tuple(tally.limits),
        seconds=round(report.duration, 3),
    )
    if report.passed:
        return made("passed")
    if report.skipped:
        return made("not verifiable", reason=_skip_reason(report))
    error = check_failure(call.excinfo.value) if call.excinfo is not None else None
    if isinstance(error, CheckFailed):
        return made("failed", failure=Failure.of_check(error, seed))
    stop = stop_of(error) if error is not None else None
    if stop is not None:
        return made("error", reason=stop.detail, stop=stop)
    reason = f"{type(error).__name__}: {error}" if error else report.longreprtext[:500]
    return made("error", reason=reason)


def tests_per_requirement(items: Iterable[pytest.Item]) -> str:
    """How many of *items* certify each requirement, as JSON."""
    counts = Counter(item.stash[REQUIREMENT].id for item in items if REQUIREMENT in item.stash)
    return json.dumps(dict(counts))


def tests_per_requirement_from(text: str) -> dict[Requirement, int]:
    """The inverse of :func:`tests_per_requirement`."""
    return {requirement(rid): int(count) for rid, count in json.loads(text).items()}


def carried(report: pytest.TestReport, name: str) -> Iterator[str]:
    """The values of the report's user properties called *name*."""
    for key, value in report.user_properties:
        if key == name:
            yield str(value)
