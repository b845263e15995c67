"""Where a suite test's cases come from: the coverage phase's fixed cases, then Hypothesis's
draws, recorded as they come, or both replayed from a recording.

Exploration runs one of two ways. One by one, each example sent as Hypothesis draws it,
and a failure shrunk within the shrink budget. Or in a batch, for checks that can judge
many examples at once (refusals that a read before and after prove harmless): the run's
examples are drawn first, without sending anything, and judged together; only when the
batch fails are they run one by one, from the same seed, to find and shrink the failure.

The Hypothesis test is built when the test runs, from the run's settings: nothing about a
run is fixed when the suite is imported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import StopTest, UnsatisfiedAssumption

from contract.checks import CheckFailed
from contract.errors import ContractError
from contract.pytest_plugin.tape import Tape
from contract.recording import RecordedCase, Recorder, ReplayedDraws, Replayer
from contract.run.shrink_budget import DrawLog, RequestMeter, ShrinkBudget, Withheld

T = TypeVar("T")
COVERAGE, EXPLORE, BATCH = "coverage", "explore", "batch"
_PROBES = "coverage"
_BATCH_SIZE = "batch"


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


class RecordedDraws:
    """Draws from another source, each value written to the recording."""

    def __init__(self, data: Draws, recorder: Recorder) -> None:
        self._data = data
        self._recorder = recorder

    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T:
        """Draw as the source does, and record the value."""
        value = self._data.draw(strategy, label=label)
        self._recorder.record_draw(label, value)
        return value


class Cases:
    """Runs the cases of one suite test: coverage first, then exploration."""

    def __init__(
        self,
        *,
        examples: int,
        seed: int,
        tape: Tape | None,
        on_phase: Callable[[str], None],
        on_replayed_case: Callable[[RecordedCase], None],
        meter: RequestMeter,
        shrink_budget: int,
    ) -> None:
        self.examples = examples
        self.seed = seed
        self.tape = tape
        self._on_phase = on_phase
        self._on_replayed_case = on_replayed_case
        self._meter = meter
        self.shrink_budget = shrink_budget

    def cover(
        self, probes: Sequence[Mapping[str, Any]], check: Callable[[list[Any]], object]
    ) -> None:
        """The coverage phase: *check* gets every probe (JSON data) at once, so that it can
        send them as a batch; recorded, and replayed, as one case."""
        self._on_phase(COVERAGE)
        try:
            if isinstance(self.tape, Replayer):
                self._replay(COVERAGE, lambda draws: check(draws.draw(st.nothing(), _PROBES)))
                return
            draws: Draws = FixedDraws({_PROBES: list(probes)})
            if isinstance(self.tape, Recorder):
                self.tape.start_case(COVERAGE)
                draws = RecordedDraws(draws, self.tape)
            check(draws.draw(st.nothing(), _PROBES))
        except CheckFailed as error:
            error.phase = COVERAGE
            raise
        finally:
            self._on_phase(EXPLORE)

    def explore(self, case: Callable[[Draws], object]) -> None:
        """Run *case* on the run's number of Hypothesis examples, one by one, the first
        failure shrunk to a minimal one within the shrink budget; in a replay, on each
        recorded case."""
        if isinstance(self.tape, Replayer):
            self._replay(EXPLORE, case)
            return
        recorder = self.tape
        budget = ShrinkBudget(self.shrink_budget, self._meter)

        def one(data: st.DataObject) -> None:
            if recorder is None:
                budget.run(case, data)
                return
            recorder.start_case()
            try:
                budget.run(case, RecordedDraws(data, recorder))
            except (StopTest, UnsatisfiedAssumption):
                recorder.discard_case()  # Hypothesis threw the example away before it ran
                raise
            except Withheld:
                recorder.discard_case()
            except CheckFailed as error:
                if error.shrink_budget_spent is not None:
                    recorder.discard_case()  # the smallest failure, raised again unsent
                raise

        def each(data: st.DataObject) -> None:
            # Past the shrink budget, an example is not sent and counts as passing.
            with contextlib.suppress(Withheld):
                one(data)

        self._hypothesis(each)()

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
        if isinstance(self.tape, Replayer):
            self._replay_batches(draw, check, case)
            return
        examples: list[list[tuple[str | None, Any]]] = []
        values: list[T] = []

        def collect(data: st.DataObject) -> None:
            log = DrawLog(data)
            values.append(draw(log))
            examples.append(log.drawn)

        self._hypothesis(collect)()
        if isinstance(self.tape, Recorder):
            self.tape.start_case(BATCH)
            self.tape.record_draw(_BATCH_SIZE, len(values))
            for label, value in (pair for drawn in examples for pair in drawn):
                self.tape.record_draw(label, value)
        try:
            check(values)
        except BatchUndecided:
            self.explore(case)
        except CheckFailed as batch_failure:
            self.explore(case)
            raise batch_failure from None

    def _replay_batches(
        self,
        draw: Callable[[Draws], T],
        check: Callable[[list[T]], object],
        case: Callable[[Draws], object],
    ) -> None:
        assert isinstance(self.tape, Replayer)

        def batch(draws: Draws) -> None:
            size: int = draws.draw(st.nothing(), _BATCH_SIZE)
            check([draw(draws) for _ in range(size)])

        try:
            self._replay(BATCH, batch)
        except BatchUndecided:
            self._replay(EXPLORE, case)
        except CheckFailed as batch_failure:
            if self.tape.has_cases(EXPLORE):
                self._replay(EXPLORE, case)
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
        """Run *case*, which draws nothing: once, or once per recorded case of a replay."""
        if isinstance(self.tape, Replayer):
            self._replay(EXPLORE, lambda draws: case())
            return
        if isinstance(self.tape, Recorder):
            self.tape.start_case()
        case()

    def _replay(self, phase: str, run: Callable[[Draws], object]) -> None:
        """Every recorded case of *phase*, as Hypothesis ran every example; the last failure
        is the verdict, as Hypothesis's last run is the shrunk example it reports."""
        assert isinstance(self.tape, Replayer)
        failure: CheckFailed | None = None
        for recorded in self.tape.cases(phase):
            if recorded.discarded:
                continue
            self.tape.enter_case(recorded)
            self._on_replayed_case(recorded)
            try:
                run(ReplayedDraws(recorded))
            except CheckFailed as error:
                failure = error
        if failure is not None:
            raise failure
