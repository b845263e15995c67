"""Bulk validation: check every payload of a file and report each violation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from contract.records import iter_records
from contract.validation import UpdateValidator
from contract.violations import Violation

Report = Callable[[int, list[Violation]], None]


@dataclass
class BulkResult:
    """How many records were read and how many broke the contract."""

    records: int = 0
    invalid: int = 0

    @property
    def valid(self) -> int:
        """Records with no violation."""
        return self.records - self.invalid


def check_stream(
    stream: IO[bytes], validator: UpdateValidator, report: Report, result: BulkResult
) -> None:
    """Validate every record of *stream*, calling *report* with each invalid record's violations.

    *result* is filled in as records are read, so it is meaningful even when reading
    stops early with :class:`contract.records.InputError`.
    """
    is_certainly_valid = validator.is_certainly_valid
    records = invalid = 0
    try:
        for line, value in iter_records(stream):
            records += 1
            if is_certainly_valid(value):
                continue
            found = validator.violations(value)
            if found:
                invalid += 1
                report(line, found)
    finally:
        result.records += records
        result.invalid += invalid


def text_reporter(out: IO[str]) -> Report:
    """``line N: property: message``, one line per violation."""

    def report(line: int, violations: list[Violation]) -> None:
        for violation in violations:
            out.write(f"line {line}: {violation.property or 'properties'}: {violation.message}\n")

    return report


def json_reporter(out: IO[str]) -> Report:
    """One JSON object per invalid record: its line and its violations."""

    def report(line: int, violations: list[Violation]) -> None:
        out.write(
            json.dumps({"line": line, "violations": [v.to_dict() for v in violations]}) + "\n"
        )

    return report
