"""Validator speed: ours against jsonschema, fastjsonschema and jsonschema-rs, same payloads."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import fastjsonschema
import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator

import contract
from benchmarks._format import micro, times
from benchmarks._timing import TimingPlan, seconds_per_call
from benchmarks.payloads import INVALID_CASES, TYPICAL_VALID, VALID_CASES, Case
from contract.core.schema import bundle

Check = Callable[[object], bool]
BASELINE = "cached"
OURS = "ours"
TARGET_SPEEDUP = 20.0


@dataclass(frozen=True)
class Contender:
    """One way of answering "is this payload valid?"."""

    key: str
    label: str
    check: Check
    valid_only: bool = False


def contenders() -> list[Contender]:
    """Every validator compared, built once (``jsonschema.validate`` builds one per call)."""
    schema = bundle("update")
    format_checker = Draft202012Validator.FORMAT_CHECKER

    def validate_each_call(payload: object) -> bool:
        try:
            jsonschema.validate(payload, schema, format_checker=format_checker)
        except jsonschema.ValidationError:
            return False
        return True

    compiled = fastjsonschema.compile(schema, use_default=False)

    def fastjsonschema_check(payload: object) -> bool:
        try:
            compiled(payload)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    def validate_update(payload: object) -> bool:
        contract.validate_update(payload)
        return True

    cached = Draft202012Validator(schema, format_checker=format_checker)
    rust = jsonschema_rs.validator_for(schema, validate_formats=True)
    return [
        Contender("validate", "`jsonschema.validate`", validate_each_call),
        Contender(BASELINE, "cached `Draft202012Validator`", cached.is_valid),
        Contender("fastjsonschema", "`fastjsonschema`", fastjsonschema_check),
        Contender("jsonschema_rs", "`jsonschema-rs`", rust.is_valid),
        Contender(OURS, "ours: `validator_for().is_valid`", contract.validator_for().is_valid),
        Contender("is_valid_update", "ours: `is_valid_update`", contract.is_valid_update),
        Contender("validate_update", "ours: `validate_update`", validate_update, valid_only=True),
    ]


@dataclass(frozen=True)
class Timing:
    """One contender on one case: seconds per call and the verdict it gave."""

    seconds: float
    verdict: bool


@dataclass(frozen=True)
class ValidationReport:
    """Every contender's timing on every case, with the cached validator as the baseline."""

    contenders: list[Contender]
    cases: list[Case]
    timings: dict[tuple[str, int], Timing]
    per_kind: list[tuple[str, float, float]]

    def speedup(self, key: str, case_index: int) -> float:
        """How many times faster than the cached ``Draft202012Validator`` (above 1 is faster)."""
        baseline = self.timings[(BASELINE, case_index)].seconds
        return baseline / self.timings[(key, case_index)].seconds

    def typical_valid_index(self) -> int:
        """Which case is the typical valid payload the target is stated for."""
        return next(i for i, case in enumerate(self.cases) if case.payload is TYPICAL_VALID)

    def markdown(self) -> str:
        """The results as Markdown tables."""
        head = ["payload", "verdict", *(c.label for c in self.contenders)]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for index, case in enumerate(self.cases):
            cells = [f"{case.size}: {case.label}", "valid" if case.valid else "invalid"]
            for contender in self.contenders:
                timing = self.timings.get((contender.key, index))
                cells.append(
                    "n/a" if timing is None else self._cell(contender.key, index, timing, case)
                )
            lines.append("| " + " | ".join(cells) + " |")
        lines += [
            "",
            "Where ours spends its time: one-property payloads, one per kind of rule "
            "(time per call, and the cached `Draft202012Validator` on the same payload).",
            "",
            "| property (kind) | ours | cached `Draft202012Validator` | ours faster by |",
            "|---|---|---|---|",
        ]
        for label, ours, cached in self.per_kind:
            lines.append(f"| {label} | {micro(ours)} | {micro(cached)} | {times(cached / ours)} |")
        return "\n".join(lines)

    def _cell(self, key: str, index: int, timing: Timing, case: Case) -> str:
        text = f"{times(self.speedup(key, index))} ({micro(timing.seconds)})"
        if timing.verdict != case.valid:
            text += " **wrongly " + ("accepts" if timing.verdict else "rejects") + "**"
        return text


def _rule_kind(schema: dict[str, object]) -> str:
    if "enum" in schema:
        return "enum"
    if "format" in schema:
        return f"format {schema['format']}"
    if "contentSchema" in schema:
        return "JSON content"
    return str(schema.get("type"))


def _per_kind_payloads() -> list[tuple[str, dict[str, object]]]:
    """One-property payloads from the typical one, the first property of each kind of rule."""
    properties = contract.load_contract().update["properties"]
    picked: dict[str, tuple[str, dict[str, object]]] = {}
    for name, value in TYPICAL_VALID.items():
        kind = _rule_kind(properties[name])
        picked.setdefault(kind, (f"`{name}` ({kind})", {name: value}))
    return list(picked.values())


def measure(plan: TimingPlan, progress: Callable[[str], None] = lambda _: None) -> ValidationReport:
    """Time every contender on every case (valid and invalid payloads)."""
    everyone = contenders()
    cases: Sequence[Case] = [*VALID_CASES, *INVALID_CASES]
    timings: dict[tuple[str, int], Timing] = {}
    with warnings.catch_warnings():
        # The full payload carries the deprecated `date_of_birth`: validate_update warns
        # on every call. The warning is still issued (and paid for), just not printed.
        warnings.simplefilter("ignore", contract.DeprecatedPropertyWarning)
        for index, case in enumerate(cases):
            progress(f"validation: {case.size}, {case.label}")
            running = [c for c in everyone if case.valid or not c.valid_only]
            best = seconds_per_call([c.check for c in running], case.payload, plan)
            for contender, seconds in zip(running, best, strict=True):
                timings[(contender.key, index)] = Timing(seconds, contender.check(case.payload))
    baseline = next(c for c in everyone if c.key == BASELINE).check
    ours = next(c for c in everyone if c.key == OURS).check
    per_kind = []
    for label, payload in _per_kind_payloads():
        ours_seconds, baseline_seconds = seconds_per_call([ours, baseline], payload, plan)
        per_kind.append((label, ours_seconds, baseline_seconds))
    return ValidationReport(everyone, list(cases), timings, per_kind)
