"""Where a suite test's cases come from: drawn by Hypothesis, recorded as they are drawn,
or replayed from a recording.

The Hypothesis test is built when the test runs, from the run's settings: nothing about a
run is fixed when the suite is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import StopTest, UnsatisfiedAssumption

from contract.checks import CheckFailed
from contract.pytest_plugin.tape import Tape
from contract.recording import RecordedCase, Recorder, ReplayedDraws, Replayer

T = TypeVar("T")


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


class RecordedDraws:
    """Hypothesis's ``data``, writing each value drawn to the recording."""

    def __init__(self, data: Draws, recorder: Recorder) -> None:
        self._data = data
        self._recorder = recorder

    def draw(self, strategy: st.SearchStrategy[T], label: str | None = None) -> T:
        """Draw as Hypothesis does, and record the value."""
        value = self._data.draw(strategy, label=label)
        self._recorder.record_draw(label, value)
        return value


class Cases:
    """Runs the cases of one suite test."""

    def __init__(
        self,
        *,
        examples: int,
        seed: int,
        tape: Tape | None,
        on_replayed_case: Callable[[RecordedCase], None],
    ) -> None:
        self.examples = examples
        self.seed = seed
        self.tape = tape
        self._on_replayed_case = on_replayed_case

    def explore(
        self, case: Callable[[Draws], object], *, covering: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        """Run *case* on each of the *covering* draws (label to value), then on the run's
        number of Hypothesis examples, the first failure shrunk to a minimal one; in a
        replay, on each recorded case."""
        if isinstance(self.tape, Replayer):
            self._replay(lambda recorded: case(ReplayedDraws(recorded)))
            return
        recorder = self.tape
        for fixed in covering:
            draws: Draws = FixedDraws(fixed)
            if recorder is not None:
                recorder.start_case()
                draws = RecordedDraws(draws, recorder)
            case(draws)

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
        def drawn(data: st.DataObject) -> None:
            if recorder is None:
                case(data)
                return
            recorder.start_case()
            try:
                case(RecordedDraws(data, recorder))
            except (StopTest, UnsatisfiedAssumption):
                recorder.discard_case()  # Hypothesis threw the example away before it ran
                raise

        drawn()

    def once(self, case: Callable[[], object]) -> None:
        """Run *case*, which draws nothing: once, or once per recorded case of a replay."""
        if isinstance(self.tape, Replayer):
            self._replay(lambda recorded: case())
            return
        if isinstance(self.tape, Recorder):
            self.tape.start_case()
        case()

    def _replay(self, run: Callable[[RecordedCase], Any]) -> None:
        """Every recorded case, as Hypothesis ran every example; the last failure is the
        verdict, as Hypothesis's last run is the shrunk example it reports."""
        assert isinstance(self.tape, Replayer)
        failure: CheckFailed | None = None
        for recorded in self.tape.cases():
            if recorded.discarded:
                continue
            self.tape.enter_case(recorded)
            self._on_replayed_case(recorded)
            try:
                run(recorded)
            except CheckFailed as error:
                failure = error
        if failure is not None:
            raise failure
