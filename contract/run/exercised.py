"""Which writable properties a run exercised, and why it left any out.

A run sends nothing to a property whose value it could not put back afterwards: a value
no update can send (a fresh contact's ``""`` gender), a value the install refuses to take
back, or a value the read-back does not show. That keeps the contact safe, and makes the
run's evidence smaller: every report says how much smaller (:class:`Coverage`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract.core.requirements import Requirement
from contract.core.schema import Contract
from contract.core.validation import UpdateValidator

REFUSED_VALID = "the install refuses "
"""How the reason begins for a valid value the install refuses: a fault (UC-ACCEPT)."""


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def why_not_exercised(
    contract: Contract,
    original: Mapping[str, Any],
    refused: Collection[str],
) -> dict[str, str]:
    """Each writable property a run must leave alone on a contact that read *original*,
    with why, in a sentence that names it: absent from the read-back, or in *refused* (the
    install would not take its own current value back), told apart by whether the
    contract allows that value."""
    validator = UpdateValidator(contract)
    reasons = {}
    for name in contract.writable:
        if name not in original:
            reasons[name] = f"the read-back does not show {name}: no value is known to put back"
        elif name in refused:
            value = _shown(original[name])
            if validator.is_valid({name: original[name]}):
                reasons[name] = f"{REFUSED_VALID}{name}'s current value {value}"
            else:
                reasons[name] = f"{name}'s current value {value} is one no update can send back"
    return reasons


def scopes(contract: Contract) -> dict[str, tuple[str, ...]]:
    """The writable properties each scope a requirement may exercise covers (see
    :attr:`Requirement.exercises`: ``writable``, ``enum``, ``format``), in the contract's
    order."""
    return {
        "writable": contract.writable,
        "enum": tuple(name for name in contract.writable if contract.enum(name) is not None),
        "format": tuple(
            name
            for name in contract.writable
            if {"format", "contentMediaType"} & contract.rules(name).keys()
        ),
    }


def prepare_command(url: str | None, contact_id: int) -> str:
    """The command that fills a contact's values once, so that every run exercises them."""
    where = f"--url {url} " if url else ""
    return f"contract prepare {where}--contact-id {contact_id}"


def plural(count: int, noun: str) -> str:
    """``1 property``, ``2 properties``."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def headline(writable: int, not_exercised: Sequence[str]) -> str:
    """``23 of 28 writable properties exercised (not exercised: …)``, as every report says
    it (a run's, a fleet's); empty when nothing was left out."""
    if not not_exercised:
        return ""
    return (
        f"{writable - len(not_exercised)} of {writable} writable properties exercised "
        f"(not exercised: {', '.join(not_exercised)})"
    )


@dataclass(frozen=True)
class Coverage:
    """How many of the writable properties a run exercised, and why the rest were not."""

    writable: tuple[str, ...]
    reasons: Mapping[str, str] = field(default_factory=dict)
    """Each writable property not exercised, and why."""
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def not_exercised(self) -> list[str]:
        """The writable properties the run sent nothing, in the contract's order."""
        return [name for name in self.writable if name in self.reasons]

    @property
    def exercised(self) -> list[str]:
        """The writable properties the run sent values of."""
        return [name for name in self.writable if name not in self.reasons]

    @property
    def complete(self) -> bool:
        """True when every writable property was exercised."""
        return not self.reasons

    def missed_by(self, requirement: Requirement) -> list[str]:
        """The properties *requirement*'s tests would have exercised, but did not."""
        if requirement.exercises is None:
            return []
        within = self.scopes.get(requirement.exercises, self.writable)
        return [name for name in within if name in self.reasons]

    def headline(self) -> str:
        """``23 of 28 writable properties exercised (not exercised: …)``; empty when all were."""
        return headline(len(self.writable), self.not_exercised)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields: ``exercised``, ``not_exercised`` and each one's ``reason``."""
        return {
            "writable": len(self.writable),
            "exercised": self.exercised,
            "not_exercised": self.not_exercised,
            "reason": {name: self.reasons[name] for name in self.not_exercised},
            "complete": self.complete,
        }
