"""Examples per second: ``valid_updates()`` against a plain ``st.fixed_dictionaries`` baseline.

Every strategy is drawn the same way: a fresh ``@given`` test with ``max_examples=N``, no
database, only the generate phase and a fixed seed, whose body keeps each example. The
CPU time of the whole test call, Hypothesis's engine included, divides the number of
calls. ``hypothesis_jsonschema.from_schema`` is measured the same way where it runs.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import contract
from benchmarks._timing import clock
from contract.core.schema import bundle
from contract.strategies import valid_updates

Payload = dict[str, Any]
BASELINE = "baseline"
OURS = "ours"
HYPOTHESIS_JSONSCHEMA = "hypothesis_jsonschema"


def plain_strategy() -> st.SearchStrategy[Payload]:
    """The baseline: ``st.fixed_dictionaries`` over the same writable properties, with plain
    per-type strategies (no transport limits, no date or JSON-content awareness)."""
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, schema in contract.load_contract().update["properties"].items():
        if "enum" in schema:
            optional[name] = st.sampled_from(schema["enum"])
        elif schema.get("type") == "integer":
            optional[name] = st.integers()
        elif schema.get("type") == "number":
            optional[name] = st.floats()
        else:
            optional[name] = st.text()
    return st.fixed_dictionaries({}, optional=optional)


@dataclass
class Draws:
    """One strategy's best run: examples drawn, seconds taken, and the examples themselves."""

    label: str
    examples: int = 0
    seconds: float = 0.0
    sample: list[Any] = field(default_factory=list)
    error: str | None = None
    warning_texts: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Examples drawn per second of the whole test call."""
        return self.examples / self.seconds if self.seconds else 0.0

    def share_valid(self) -> float:
        """The share of drawn examples that ``contract.is_valid_update`` accepts."""
        if not self.sample:
            return 0.0
        return sum(contract.is_valid_update(example) for example in self.sample) / len(self.sample)

    def mean_properties(self) -> float:
        """How many properties an example holds on average."""
        sizes = [len(example) for example in self.sample if isinstance(example, dict)]
        return sum(sizes) / len(sizes) if sizes else 0.0


def draw(strategy: st.SearchStrategy[Any], examples: int) -> tuple[float, list[Any]]:
    """Run one ``@given`` test of up to *examples* examples; its CPU time and what it drew."""
    drawn: list[Any] = []

    @seed(20240101)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(strategy)
    def keep(example: Any) -> None:
        drawn.append(example)

    start = clock()
    keep()
    return clock() - start, drawn


def _error_text(error: BaseException) -> str:
    last = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {error} (raised in {last.name})"


def _run_once(result: Draws, strategy: st.SearchStrategy[Any], examples: int) -> None:
    """One ``@given`` run; keeps it when it is the fastest so far, records errors and warnings."""
    drawn: list[Any] = []
    seconds = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            seconds, drawn = draw(strategy, examples)
        except Exception as error:
            result.error = _error_text(error)
    for warning in caught:
        text = f"{warning.category.__name__}: {warning.message}"
        if text not in result.warning_texts:
            result.warning_texts.append(text)
    if drawn and (result.examples == 0 or len(drawn) / seconds > result.per_second):
        result.examples, result.seconds, result.sample = len(drawn), seconds, drawn


def _from_schema() -> st.SearchStrategy[Any]:
    from hypothesis_jsonschema import from_schema

    strategy: st.SearchStrategy[Any] = from_schema(bundle("update"))
    return strategy


@dataclass(frozen=True)
class StrategiesReport:
    """Examples per second of each strategy, as ratios to the baseline's."""

    examples: int
    draws: dict[str, Draws]

    def ratio(self, key: str) -> float:
        """Examples per second as a multiple of the baseline's."""
        return self.draws[key].per_second / self.draws[BASELINE].per_second

    def markdown(self) -> str:
        """The results as a Markdown table."""
        lines = [
            f"Up to {self.examples:,} examples per `@given` run, best of the runs.",
            "",
            "| strategy | examples | examples/s | vs baseline | accepted by `is_valid_update` "
            "| properties per example |",
            "|---|---|---|---|---|---|",
        ]
        for key, result in self.draws.items():
            if result.error is not None:
                lines.append(f"| {result.label} | fails, see below | | | | |")
                continue
            lines.append(
                f"| {result.label} | {result.examples:,} | {result.per_second:,.0f} "
                f"| {self.ratio(key):.2f} | {result.share_valid():.0%} "
                f"| {result.mean_properties():.1f} |"
            )
        for result in self.draws.values():
            if result.error is not None:
                lines += ["", f"{result.label} failed: `{_one_line(result.error)}`"]
            for text in result.warning_texts:
                lines += ["", f"{result.label} warned: `{_one_line(text)}`"]
        return "\n".join(lines)


def _one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def measure(
    examples: int, repeat: int, progress: Callable[[str], None] = lambda _: None
) -> StrategiesReport:
    """Draw up to *examples* from each strategy, in *repeat* rounds taking turns; keep the best."""
    plan: list[tuple[str, str, Callable[[], st.SearchStrategy[Any]]]] = [
        (BASELINE, "plain `st.fixed_dictionaries` (baseline)", plain_strategy),
        (OURS, "ours: `contract.strategies.valid_updates()`", valid_updates),
        (HYPOTHESIS_JSONSCHEMA, "`hypothesis_jsonschema.from_schema`", _from_schema),
    ]
    draws: dict[str, Draws] = {}
    built: dict[str, st.SearchStrategy[Any]] = {}
    for key, label, build in plan:
        draws[key] = Draws(label)
        try:
            built[key] = build()
        except Exception as error:
            draws[key].error = _error_text(error)
    for round_number in range(1, repeat + 1):
        for key, strategy in built.items():
            if draws[key].error is None:
                progress(f"strategies: round {round_number}/{repeat}, {draws[key].label}")
                _run_once(draws[key], strategy, examples)
    return StrategiesReport(examples, draws)
