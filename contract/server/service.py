"""The UpdateContact rules both transports share: validation, policies, storage.

REST and XML-RPC only translate requests into calls here and outcomes into
answers, so both reach the same verdict on the same payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract.schema import Contract
from contract.server.options import Policy
from contract.server.store import ContactStore, UnstorableValueError, encode_value
from contract.validation import UpdateValidator
from contract.violations import Violation


@dataclass(frozen=True)
class Updated:
    """The update was applied (possibly changing nothing, when every property was ignored)."""

    contact_id: int
    applied: tuple[str, ...]


@dataclass(frozen=True)
class NotFound:
    """No contact has this id."""

    contact_id: int


@dataclass(frozen=True)
class Rejected:
    """The payload breaks the contract; nothing was changed."""

    violations: tuple[Violation, ...]


UpdateOutcome = Updated | NotFound | Rejected


class ContactService:
    """Validates and applies updates, and reads contacts back, for one store."""

    def __init__(
        self,
        store: ContactStore,
        validator: UpdateValidator,
        *,
        readonly_policy: Policy = "reject",
        unknown_policy: Policy = "reject",
    ) -> None:
        self.store = store
        self.validator = validator
        self.contract: Contract = validator.contract
        self._writable = frozenset(self.contract.writable)
        ignored = set()
        if readonly_policy == "ignore":
            ignored.add("read_only")
        if unknown_policy == "ignore":
            ignored.add("unknown")
        self._ignored_rules = frozenset(ignored)

    def update(self, contact_id: int, properties: object) -> UpdateOutcome:
        """Apply *properties* to the contact, all or nothing, after the contract's checks."""
        violations = [
            v for v in self.validator.violations(properties) if v.rule not in self._ignored_rules
        ]
        if violations:
            return self._rejected(contact_id, violations)
        if not isinstance(properties, Mapping):  # pragma: no cover - the validator reports these
            return self._rejected(contact_id, self.validator.violations(properties))
        # What is left to ignore is exactly the keys that are not writable properties.
        applied = {name: value for name, value in properties.items() if name in self._writable}
        try:
            encoded = {name: encode_value(name, value) for name, value in applied.items()}
        except UnstorableValueError as error:
            return self._rejected(
                contact_id, [Violation(error.name, "type", f"{error} (rule: type)")]
            )
        if not self.store.update(contact_id, encoded):
            return NotFound(contact_id)
        return Updated(contact_id, tuple(applied))

    def _rejected(self, contact_id: int, violations: list[Violation]) -> UpdateOutcome:
        # An unknown contact is reported as such even when the payload is also wrong.
        if not self.store.exists(contact_id):
            return NotFound(contact_id)
        return Rejected(tuple(violations))

    def get(self, contact_id: int) -> dict[str, Any] | None:
        """The whole contact in the contract's property order, or None when there is none.

        A property the store has no value for (a custom field added after the contact
        was made) reads as its schema default, or null.
        """
        stored = self.store.get(contact_id)
        if stored is None:
            return None
        return {
            name: stored[name] if name in stored else schema.get("default")
            for name, schema in self.contract.properties.items()
        }
