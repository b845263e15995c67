"""Where a suite test's cases come from: the coverage phase's fixed cases, then Hypothesis's
draws, noted as they come for a recording; or both replayed from a recording (the
tape decides which, see :mod:`contract.run.tape`).

Exploration runs one of two ways. One by one, each example sent as Hypothesis draws it,
and a failure shrunk within the shrink budget. Or in a batch, for checks that can judge
many examples at once (refusals that a read before and after prove harmless): the run's
examples are drawn first, without sending anything, and judged together; only when the
batch fails are they run one by one, from the same seed, to find and shrink the failure.

The Hypothesis test is built when the test runs, from the run's settings: nothing about a
run is fixed when the suite is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import StopTest, UnsatisfiedAssumption

from contract.checks import CheckFailed
from contract.errors import ContractError
from contract.run.shrink_budget import DrawLog, RequestMeter, ShrinkBudget, Withheld

T = TypeVar("T")
COVERAGE, EXPLORE, BATCH = "coverage", "explore", "batch"
PROBES = "coverage"
"""The label of a coverage case's one draw: every probe."""
BATCH_SIZE = "batch"
"""The label of a batch's first draw: how many examples follow."""


class BatchUndecided(ContractError):
    """A batch cannot judge its examples together (the install accepted some that a
    policy lets it accept): they are to be run one by one."""


class Draws(Protocol):
    """What a case draws its values from: Hypothesis's ``data``, or a recording."""

    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T:
        """The next value."""


class FixedDraws:
    """The draws of a coverage case: each label's value, fixed in advance."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T:
        """The value fixed for *label*; *strategy* is not drawn from."""
        value: T = self._values[label or ""]
        return value


def each_payload(case: Callable[[Draws], object]) -> Callable[[list[Any]], None]:
    """A coverage check that runs *case* on each probe's ``payload``, as if it were drawn
    with the label ``payload``."""

    def run(probes: list[Any]) -> None:
        for probe in probes:
            case(FixedDraws({"payload": probe["payload"]}))

    return run


class CaseNotes(Protocol):
    """What hears of each case as it is drawn: a recorder writes it down."""

    def start_case(self, phase: str = EXPLORE) -> None:
        """A case of *phase* begins."""

    def record_draw(self, label: str | None, value: Any) -> None:
        """The case drew *value*."""

    def discard_case(self) -> None:
        """The case was thrown away before it ran, or past the shrink budget."""


class NotedDraws:
    """Draws from another source, each value told to the notes."""

    def __init__(self, data: Draws, notes: CaseNotes) -> None:
        self._data = data
        self._notes = notes

    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T:
        """Draw as the source does, and note the value."""
        value = self._data.draw(strategy, label=label)
        self._notes.record_draw(label, value)
        return value


class Cases(Protocol):
    """Runs the cases of one suite test: coverage first, then exploration."""

    def cover(
        self, probes: Sequence[Mapping[str, Any]], check: Callable[[list[Any]], object]
    ) -> None:
        """The coverage phase: *check* gets every probe (JSON data) at once, so that it can
        send them as a batch; recorded, and replayed, as one case."""

    def explore(self, case: Callable[[Draws], object]) -> None:
        """Run *case* on the run's number of Hypothesis examples, one by one, the first
        failure shrunk to a minimal one within the shrink budget; in a replay, on each
        recorded case."""

    def explore_in_batches(
        self,
        draw: Callable[[Draws], T],
        check: Callable[[list[T]], object],
        case: Callable[[Draws], object],
    ) -> None:
        """Draw the run's examples with *draw*, sending nothing, and judge them all at once
        with *check*. If that fails, run *case* (which draws the same way, then sends) one
        by one from the same seed, as :meth:`explore` does, so that Hypothesis finds the
        failing example and shrinks it; if none fails alone, the batch's failure stands.
        If *check* raises :class:`BatchUndecided`, the examples run one by one instead."""

    def once(self, case: Callable[[], object]) -> None:
        """Run *case*, which draws nothing: once, or once per recorded case of a replay."""


@contextmanager
def coverage_phase(on_phase: Callable[[str], None]) -> Iterator[None]:
    """The coverage phase, then exploration; a failure within is marked as coverage's."""
    on_phase(COVERAGE)
    try:
        yield
    except CheckFailed as error:
        error.phase = COVERAGE
        raise
    finally:
        on_phase(EXPLORE)


class DrawnCases:
    """A test's cases as the run draws them: fixed ones, then Hypothesis's; each told to
    *notes* as it goes."""

    def __init__(
        self,
        *,
        examples: int,
        seed: int,
        notes: CaseNotes,
        on_phase: Callable[[str], None],
        meter: RequestMeter,
        shrink_budget: int,
    ) -> None:
        self.examples = examples
        self.seed = seed
        self.notes = notes
        self._on_phase = on_phase
        self._meter = meter
        self.shrink_budget = shrink_budget

    def cover(
        self, probes: Sequence[Mapping[str, Any]], check: Callable[[list[Any]], object]
    ) -> None:
        """Every probe, as one case."""
        with coverage_phase(self._on_phase):
            self.notes.start_case(COVERAGE)
            draws = NotedDraws(FixedDraws({PROBES: list(probes)}), self.notes)
            check(draws.draw(st.nothing(), PROBES))

    def explore(self, case: Callable[[Draws], object]) -> None:
        """Hypothesis's examples one by one, the first failure shrunk within the budget."""
        notes = self.notes
        budget = ShrinkBudget(self.shrink_budget, self._meter)

        def one(data: st.DataObject) -> None:
            notes.start_case()
            try:
                budget.run(case, NotedDraws(data, notes))
            except (StopTest, UnsatisfiedAssumption):
                notes.discard_case()  # Hypothesis threw the example away before it ran
                raise
            except Withheld:
                notes.discard_case()  # past the shrink budget: not sent, counts as passing
            except CheckFailed as error:
                if error.shrink_budget_spent is not None:
                    notes.discard_case()  # the smallest failure, raised again unsent
                raise

        self._hypothesis(one)()

    def explore_in_batches(
        self,
        draw: Callable[[Draws], T],
        check: Callable[[list[T]], object],
        case: Callable[[Draws], object],
    ) -> None:
        """Hypothesis's examples judged at once; one by one only when that fails."""
        examples: list[list[tuple[str | None, Any]]] = []
        values: list[T] = []

        def collect(data: st.DataObject) -> None:
            log = DrawLog(data)
            values.append(draw(log))
            examples.append(log.drawn)

        self._hypothesis(collect)()
        self.notes.start_case(BATCH)
        self.notes.record_draw(BATCH_SIZE, len(values))
        for label, value in (pair for drawn in examples for pair in drawn):
            self.notes.record_draw(label, value)
        try:
            check(values)
        except BatchUndecided:
            self.explore(case)
        except CheckFailed as batch_failure:
            self.explore(case)
            raise batch_failure from None

    def _hypothesis(self, test: Callable[[st.DataObject], None]) -> Callable[[], None]:
        """*test* as a Hypothesis test of the run's examples and seed."""

        @settings(
            max_examples=self.examples,
            database=None,
            deadline=None,
            derandomize=False,
            report_multiple_bugs=False,
            print_blob=False,
            suppress_health_check=list(HealthCheck),
            # Every example is requests to a live install: shrink to a minimal payload,
            # but skip the explain phase, which would send hundreds more.
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        )
        @seed(self.seed)
        @given(data=st.data())
        def hypothesis_test(data: st.DataObject) -> None:
            test(data)

        return hypothesis_test

    def once(self, case: Callable[[], object]) -> None:
        """*case*, once."""
        self.notes.start_case()
        case()
