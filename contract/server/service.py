"""The UpdateContact rules both transports share: validation, treatments, storage.

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

from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.core.validation import UpdateValidator
from contract.core.violations import Violation
from contract.server.options import ServerOptions
from contract.server.steps import replace_steps
from contract.server.store import ContactStore, UnstorableValueError, encode_value
from contract.server.updates import NotFound, Rejected, Updated, UpdateOutcome, UpdateRequest

# The rules a treatment can waive, by the treatment's name in ServerOptions.
_POLICY_RULES = {"readonly_treatment": "read_only", "unknown_treatment": "unknown"}


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
        self._integers = frozenset(
            name for name in self.contract.properties if "integer" in self.contract.types(name)
        )
        # Formatted text (tags, birth_date): "" there is the platform's own "no value".
        self._clearable = frozenset(
            name
            for name in self.writable
            if self.contract.rules(name).get("type") == "string"
            and self.contract.rules(name).keys() & {"format", "contentSchema"}
        )
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
            encoded = {
                name: encode_value(name, self._whole(name, value)) for name, value in stored.items()
            }
        except UnstorableValueError as error:
            return self._rejected(
                contact_id, [Violation(error.name, "type", f"{error} (rule: type)")]
            )
        return self.answer(request, encoded)

    # --- the steps a planted fault may replace ---------------------------------------

    def rules(self, request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        """The contract's violations the update is refused for: all but those a treatment
        waives, none that calls a property read-only or unknown while it is stored, and
        none for ``""`` in a formatted text (``tags``, ``birth_date``): the documentation
        leaves that open, and this server, like the platform, takes back the "no value" a
        fresh contact holds."""
        found_in = self.validator.violations(request.properties, waived=self._waived)
        return [
            found
            for found in found_in
            if not (found.rule in _POLICY_RULES.values() and found.property in stored)
            and not (found.rule == "format" and self._clears(request, found.property))
        ]

    def _clears(self, request: UpdateRequest, name: str | None) -> bool:
        properties = request.properties
        return (
            name in self._clearable and isinstance(properties, Mapping) and properties[name] == ""
        )

    def stored(self, request: UpdateRequest) -> dict[str, Any]:
        """What an update that passes the rules stores: its writable properties."""
        assert isinstance(request.properties, Mapping)
        properties = request.properties
        # Found by the set, in C: a payload may hold 50,000 other names.
        present = self.writable.intersection(properties)
        return {name: properties[name] for name in self.contract.writable if name in present}

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

    def _whole(self, name: str, value: Any) -> Any:
        """A whole number sent as a decimal (``1e3``, an XML-RPC ``<double>``) to an integer
        property, as the integer it is: an integer property never holds a float."""
        if type(value) is float and name in self._integers and value.is_integer():
            return int(value)
        return value

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
            name: self._whole(name, stored[name]) if name in stored else schema.get("default")
            for name, schema in self.contract.properties.items()
        }
        contact.update((name, value) for name, value in stored.items() if name not in contact)
        return contact
