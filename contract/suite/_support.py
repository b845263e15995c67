"""How suite tests are declared: the requirement they certify and their Hypothesis settings."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import StopTest, UnsatisfiedAssumption

from contract.checks import CheckFailed
from contract.defaults import DEFAULT_EXAMPLES
from contract.pytest_plugin import MARKER, active_config, active_tape
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.tape import RecordedDraws, replayed_contact
from contract.recording import Recorder, ReplayedDraws, Replayer
from contract.schema import Contract, load_contract

Test = TypeVar("Test", bound=Callable[..., Any])


def suite_contract() -> Contract:
    """The contract the run certifies against, custom fields included."""
    config = active_config()
    return load_contract(config.schema_extension if config else None)


def extension() -> str | None:
    """The run's schema extension, for the strategies."""
    config = active_config()
    return config.schema_extension if config else None


def _recording_cases(inner: Callable[..., Any]) -> Callable[..., Any]:
    """Hypothesis's inner test, made to record each example as a case and what it drew."""

    @functools.wraps(inner)
    def recorded(*args: Any, data: Any, **kwargs: Any) -> Any:
        tape = active_tape()
        if not isinstance(tape, Recorder) or tape.scope.test is None:
            return inner(*args, data=data, **kwargs)
        tape.start_case()
        try:
            return inner(*args, data=RecordedDraws(data, tape), **kwargs)
        except (StopTest, UnsatisfiedAssumption):
            tape.discard_case()  # Hypothesis threw the example away before it ran
            raise

    return recorded


def _replaying(test: Test) -> Test:
    """The test run once per recorded case, each drawing what the recording drew.

    Every case runs, as Hypothesis ran every example; the last failure is the verdict,
    as Hypothesis's last run is the shrunk example it reports.
    """
    hypothesis_test = getattr(test, "hypothesis", None)
    inner = hypothesis_test.inner_test if hypothesis_test is not None else test

    # Not functools.wraps: the replay must not look like a Hypothesis test to pytest.
    def replay(*args: Any, **kwargs: Any) -> None:
        tape = active_tape()
        assert isinstance(tape, Replayer)
        certifier = kwargs.get("contract_certifier")
        failure: CheckFailed | None = None
        for case in tape.cases():
            if case.discarded:
                continue
            tape.enter_case(case)
            if isinstance(certifier, Certifier) and case.contact is not None:
                certifier.contact = replayed_contact(tape, case.contact)
            drawing = {"data": ReplayedDraws(case)} if hypothesis_test is not None else {}
            try:
                inner(*args, **kwargs, **drawing)
            except CheckFailed as error:
                failure = error
        if failure is not None:
            raise failure

    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(replay, name, getattr(test, name))
    replay.__signature__ = inspect.signature(test)  # type: ignore[attr-defined]
    if hasattr(test, "pytestmark"):
        replay.pytestmark = list(test.pytestmark)  # type: ignore[attr-defined]
    return cast(Test, replay)


def certifies(requirement: str, *, share: float = 1.0) -> Callable[[Test], Test]:
    """Mark a test as certifying *requirement*; a Hypothesis test gets the run's examples
    (times *share*) and seed, no example database, and stops at its first, shrunk failure.

    When the run replays a recording, the test runs the recorded cases instead."""
    config = active_config()
    examples = max(1, round((config.examples if config else DEFAULT_EXAMPLES) * share))
    seed = config.seed if config else 0

    def decorate(test: Test) -> Test:
        if config is not None and config.replay is not None:
            test = _replaying(test)
        elif hasattr(test, "hypothesis"):
            test.hypothesis.inner_test = _recording_cases(test.hypothesis.inner_test)
            test = settings(
                max_examples=examples,
                database=None,
                deadline=None,
                derandomize=False,
                report_multiple_bugs=False,
                print_blob=False,
                suppress_health_check=list(HealthCheck),
                # Every example is requests to a live install: shrink to a minimal
                # payload, but skip the explain phase, which would send hundreds more.
                phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
            )(test)
            test = hypothesis.seed(seed)(test)
        marked: Test = getattr(pytest.mark, MARKER)(requirement)(test)
        return marked

    return decorate
