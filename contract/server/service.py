"""The UpdateContact rules both transports share: validation, policies, storage.

REST and XML-RPC only translate requests into calls here and outcomes into answers, so
both reach the same verdict on the same payload.

An update goes through four steps, each a method a planted fault may replace (see
:mod:`contract.server.faults`): which rules it checks (:meth:`ContactService.rules`),
what it stores (:meth:`~ContactService.stored`), what it answers
(:meth:`~ContactService.answer`) and which id it answers (:meth:`~ContactService.answered_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.schema import Contract
from contract.server.options import ServerOptions
from contract.server.steps import replace_steps
from contract.server.store import ContactStore, UnstorableValueError, encode_value
from contract.server.updates import NotFound, Rejected, Updated, UpdateOutcome, UpdateRequest
from contract.transports import Transport
from contract.validation import UpdateValidator
from contract.violations import Violation

# The rules a policy can waive, by the policy's name in ServerOptions.
_POLICY_RULES = {"readonly_policy": "read_only", "unknown_policy": "unknown"}


class ContactService:
    """Validates and applies updates, and reads contacts back, for one store."""

    def __init__(
        self, store: ContactStore, validator: UpdateValidator, options: ServerOptions | None = None
    ) -> None:
        options = options or ServerOptions()
        self.store = store
        self.validator = validator
        self.contract: Contract = validator.contract
        self.writable = frozenset(self.contract.writable)
        self._waived = frozenset(
            rule for policy, rule in _POLICY_RULES.items() if getattr(options, policy) == "ignore"
        )
        replace_steps(self, options.overrides())

    def update(
        self, contact_id: int, properties: object, transport: Transport = "rest"
    ) -> UpdateOutcome:
        """Apply *properties* to the contact, all or nothing, after the contract's checks."""
        request = UpdateRequest(contact_id, properties, transport)
        stored = self.stored(request) if isinstance(properties, Mapping) else {}
        violations = self.rules(request, frozenset(stored))
        if violations:
            return self._rejected(contact_id, violations)
        try:
            encoded = {name: encode_value(name, value) for name, value in stored.items()}
        except UnstorableValueError as error:
            return self._rejected(
                contact_id, [Violation(error.name, "type", f"{error} (rule: type)")]
            )
        return self.answer(request, encoded)

    # --- the steps a planted fault may replace ---------------------------------------

    def rules(self, request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        """The contract's violations the update is refused for: all but those a policy
        waives, and none that calls a property read-only or unknown while it is stored."""
        return [
            found
            for found in self.validator.violations(request.properties)
            if found.rule not in self._waived
            and not (found.rule in _POLICY_RULES.values() and found.property in stored)
        ]

    def stored(self, request: UpdateRequest) -> dict[str, Any]:
        """What an update that passes the rules stores: its writable properties."""
        assert isinstance(request.properties, Mapping)
        return {name: value for name, value in request.properties.items() if name in self.writable}

    def answer(self, request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        """Store the values, one transaction; the outcome the transports answer with."""
        if not self.store.update(request.contact_id, encoded):
            return NotFound(request.contact_id)
        return Updated(self.answered_id(request.contact_id), tuple(encoded))

    def answered_id(self, contact_id: int) -> int:
        """The id an accepted update is answered with: the contact's."""
        return contact_id

    # ------------------------------------------------------------------------------------

    def _rejected(self, contact_id: int, violations: list[Violation]) -> UpdateOutcome:
        # An unknown contact is reported as such even when the payload is also wrong.
        if not self.store.exists(contact_id):
            return NotFound(contact_id)
        return Rejected(tuple(violations))

    def get(self, contact_id: int) -> dict[str, Any] | None:
        """The whole contact in the contract's property order, or None when there is none.

        A property the store has no value for (a custom field added after the contact
        was made) reads as its schema default, or null; anything else the store holds
        follows the contract's properties.
        """
        stored = self.store.get(contact_id)
        if stored is None:
            return None
        contact = {
            name: stored[name] if name in stored else schema.get("default")
            for name, schema in self.contract.properties.items()
        }
        contact.update((name, value) for name, value in stored.items() if name not in contact)
        return contact
