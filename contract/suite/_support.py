"""How suite tests are declared: the requirement they certify and their Hypothesis settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings

from contract.defaults import DEFAULT_EXAMPLES
from contract.pytest_plugin import MARKER, active_config
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


def certifies(requirement: str, *, share: float = 1.0) -> Callable[[Test], Test]:
    """Mark a test as certifying *requirement*; a Hypothesis test gets the run's examples
    (times *share*) and seed, no example database, and stops at its first, shrunk failure."""
    config = active_config()
    examples = max(1, round((config.examples if config else DEFAULT_EXAMPLES) * share))
    seed = config.seed if config else 0

    def decorate(test: Test) -> Test:
        if hasattr(test, "hypothesis"):
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
