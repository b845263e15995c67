"""Bulk validation: check every payload of a file and report each violation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from contract.core.payload_files import InputError, iter_records
from contract.core.validation import UpdateValidator
from contract.core.violations import Violation

Report = Callable[[int, list[Violation]], None]
Unreadable = Callable[[InputError], None]


@dataclass
class BulkResult:
    """How many records were read, how many broke the contract, and how many lines could
    not be read (with ``keep_going`` only: otherwise the first ends the reading)."""

    records: int = 0
    invalid: int = 0
    unreadable: int = 0

    @property
    def valid(self) -> int:
        """Records with no violation."""
        return self.records - self.invalid


def check_stream(
    stream: IO[bytes],
    validator: UpdateValidator,
    report: Report,
    result: BulkResult,
    *,
    unreadable: Unreadable | None = None,
) -> None:
    """Validate every record of *stream*, calling *report* with each invalid record's violations.

    *result* is filled in as records are read, so it is meaningful even when reading
    stops early with :class:`contract.core.payload_files.InputError`. With *unreadable*, a JSON
    Lines line that cannot be read is handed to it, and reading goes on.
    """
    is_certainly_valid = validator.is_certainly_valid
    records = invalid = 0
    skip = None
    if unreadable is not None:
        on_unreadable = unreadable

        def skip(error: InputError) -> None:
            result.unreadable += 1
            on_unreadable(error)

    try:
        for line, value in iter_records(stream, skip=skip):
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


def text_unreadable(out: IO[str]) -> Unreadable:
    """``line N: unreadable: reason``."""

    def unreadable(error: InputError) -> None:
        out.write(f"line {error.line}: unreadable: {error.reason}\n")

    return unreadable


def json_unreadable(out: IO[str]) -> Unreadable:
    """One JSON object per line that could not be read: its number and why."""

    def unreadable(error: InputError) -> None:
        out.write(json.dumps({"line": error.line, "unreadable": error.reason}) + "\n")

    return unreadable
