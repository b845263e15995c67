"""The ``contract_requirement`` marker: which requirement a test certifies, and its share of
the run's examples."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from contract.core.requirements import Requirement, requirement

MARKER = "contract_requirement"
REQUIREMENT = pytest.StashKey[Requirement]()
"""The requirement a collected test certifies, read from its marker at collection."""
EXAMPLES = pytest.StashKey[int]()
"""How many Hypothesis examples the test draws: the run's, times the marker's share."""

Test = TypeVar("Test", bound=Callable[..., object])


def certifies(wanted: Requirement | str, *, share: float = 1.0) -> Callable[[Test], Test]:
    """Mark a test as certifying *wanted* (a requirement, or its id), drawing *share* of
    the run's examples. An id that is not in the catalogue is an error here and now."""
    found = requirement(wanted)
    mark: Callable[[Test], Test] = getattr(pytest.mark, MARKER)(found.id, share=share)
    return mark
