"""The behaviour of planted faults: a contact service and an application that break the contract.

Only a server started with faults (``ServerOptions.faults``) is built from these
classes; a fault-free server never runs a line of this module. The registry of
names, requirements and descriptions is :mod:`contract.server.faults`.

Most faults live in :class:`FaultyContactService`, shared by both transports, so that
REST and XML-RPC go wrong together and only ``xmlrpc-skips-validation`` sets them
apart. The few that concern one transport's answer (a content type, a path id, a
crash) live in :class:`FaultyReferenceApp`.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Mapping
from typing import Any, Literal

from contract.schema import Schema
from contract.server.app import ReferenceApp
from contract.server.auth import BasicAuth
from contract.server.http_io import Response, error_response
from contract.server.options import Policy
from contract.server.rest import CONTACT_PATH
from contract.server.service import ContactService, NotFound, Updated, UpdateOutcome
from contract.server.store import ContactStore, UnstorableValueError, encode_value
from contract.server.xmlrpc import XMLRPCEndpoint, fault_response
from contract.validation import UpdateValidator
from contract.violations import Violation, violation

Transport = Literal["rest", "xmlrpc"]

# Faults that switch off one rule of the validator, by the rule's name in a Violation.
_UNCHECKED_RULE_OF_FAULT = {
    "store-out-of-enum": "enum",
    "accept-wrong-types": "type",
    "accept-bad-format": "format",
    "apply-read-only": "read_only",
    "store-unknown": "unknown",
    "accept-empty": "empty",
}
# What XML-RPC still checks under `xmlrpc-skips-validation`: which properties an update
# names, not their values. Keeping these makes the fault differ from REST on values only.
_STRUCTURE_RULES = frozenset({"not_an_object", "empty", "read_only", "unknown"})
# A name of this many characters is still valid; one more trips `crash-on-long-name`.
LONG_NAME_LIMIT = 40
REPEAT_STATUS = 409
TEXT_PLAIN = "text/plain; charset=utf-8"
# What `crash-on-bad-id` spares: ids made of digits (0, -1, 007) keep their 404.
_NUMERIC_ID = re.compile(r"-?[0-9]+", re.ASCII)
_BLANK_OF_TYPE: dict[str, Any] = {"integer": 0, "number": 0, "boolean": False, "string": ""}


class PlantedAnswer(Exception):
    """An answer a fault imposes from inside the service; the application sends it.

    An exception, because the transports only know the three real outcomes; the
    faulty application catches it before the safety net would log it as a bug.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def reset_value(schema: Schema) -> Any:
    """What ``reset-unsent`` writes: the default, else the first enum value, else ``""``/``0``."""
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    return _BLANK_OF_TYPE.get(kind, "") if isinstance(kind, str) else ""


class _LastUpdates:
    """The last update each contact got over each transport, for ``reject-repeat``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[Transport, int], Mapping[str, str] | None] = {}

    def repeats(self, key: tuple[Transport, int], encoded: Mapping[str, str]) -> bool:
        """True when *encoded* equals the last update under *key*; else remember it."""
        with self._lock:
            if self._last.get(key) == encoded:
                return True
            self._last[key] = encoded
            return False

    def forget(self, key: tuple[Transport, int]) -> None:
        """A refused update breaks a run of identical ones."""
        with self._lock:
            self._last[key] = None


class FaultyContactService(ContactService):
    """A contact service that breaks the contract the way its *faults* say.

    One instance per transport (see :meth:`for_xmlrpc`); they share the store and the
    memory of last updates.
    """

    def __init__(
        self,
        store: ContactStore,
        validator: UpdateValidator,
        *,
        faults: frozenset[str],
        readonly_policy: Policy = "reject",
        unknown_policy: Policy = "reject",
        transport: Transport = "rest",
        last_updates: _LastUpdates | None = None,
    ) -> None:
        super().__init__(
            store, validator, readonly_policy=readonly_policy, unknown_policy=unknown_policy
        )
        self.faults = faults
        self.transport = transport
        self._policies: dict[str, Policy] = {
            "readonly_policy": readonly_policy,
            "unknown_policy": unknown_policy,
        }
        self._unchecked = self._ignored_rules | {
            rule for name, rule in _UNCHECKED_RULE_OF_FAULT.items() if name in faults
        }
        self._values_unchecked = transport == "xmlrpc" and "xmlrpc-skips-validation" in faults
        self._read_only = frozenset(self.contract.read_only)
        self._reset = {
            name: encode_value(name, reset_value(self.contract.properties[name]))
            for name in self._writable
        }
        self._last_updates = last_updates or _LastUpdates()

    def for_xmlrpc(self) -> FaultyContactService:
        """The same service as the XML-RPC endpoint sees it (same store, same faults)."""
        return FaultyContactService(
            self.store,
            self.validator,
            faults=self.faults,
            transport="xmlrpc",
            last_updates=self._last_updates,
            **self._policies,
        )

    def _checked(self, found: Violation) -> bool:
        if found.rule in self._unchecked:
            return False
        return not (self._values_unchecked and found.rule not in _STRUCTURE_RULES)

    def _stores(self, name: str) -> bool:
        if name in self._writable:
            return True
        if name in self._read_only:
            return "apply-read-only" in self.faults
        return "store-unknown" in self.faults

    def update(self, contact_id: int, properties: object) -> UpdateOutcome:
        """Like :meth:`ContactService.update`, with the faults applied."""
        faults, key = self.faults, (self.transport, contact_id)
        if not isinstance(properties, Mapping):
            if "crash-on-non-object" in faults and self.transport == "rest":
                raise PlantedAnswer(500, "planted fault crash-on-non-object")
            self._last_updates.forget(key)
            return super().update(contact_id, properties)
        violations = [v for v in self.validator.violations(properties) if self._checked(v)]
        if violations:
            self._last_updates.forget(key)
            return self._rejected(contact_id, violations)
        applied = {name: value for name, value in properties.items() if self._stores(name)}
        try:
            encoded = {name: encode_value(name, value) for name, value in applied.items()}
        except UnstorableValueError as error:
            self._last_updates.forget(key)
            return self._rejected(
                contact_id, [Violation(error.name, "type", f"{error} (rule: type)")]
            )
        if "reject-valid-city" in faults and "city" in applied:
            self._last_updates.forget(key)
            message = "`city` cannot be updated (planted fault reject-valid-city)"
            return self._rejected(contact_id, [violation("city", "planted", message)])
        name = applied.get("name")
        if "crash-on-long-name" in faults and isinstance(name, str) and len(name) > LONG_NAME_LIMIT:
            raise PlantedAnswer(500, "planted fault crash-on-long-name")
        if "reject-repeat" in faults and self._last_updates.repeats(key, encoded):
            raise PlantedAnswer(REPEAT_STATUS, "this update repeats the last one (planted fault)")
        if "drop-department" in faults:
            applied.pop("department", None)
            encoded.pop("department", None)
        if "reset-unsent" in faults:
            encoded = {**self._reset, **encoded}
        stored = self.store.update(contact_id, encoded)
        if not stored and "create-unknown-id" in faults:
            stored = self.store.insert(contact_id, encoded)
        if not stored:
            # Otherwise a second try at an unknown contact would be "a repeat": 409, not 404.
            self._last_updates.forget(key)
            return NotFound(contact_id)
        answered = contact_id + 1 if "wrong-id" in faults else contact_id
        return Updated(answered, tuple(applied))

    def get(self, contact_id: int) -> dict[str, Any] | None:
        """Like :meth:`ContactService.get`; under ``store-unknown`` stored unknowns show too."""
        contact = super().get(contact_id)
        if contact is None or "store-unknown" not in self.faults:
            return contact
        stored = self.store.get(contact_id) or {}
        contact.update((name, value) for name, value in stored.items() if name not in contact)
        return contact


class _AnyCredentials(BasicAuth):
    """``accept-any-credentials``: every request is let in, with or without a header."""

    def allows(self, header: str | None) -> bool:
        """Always True."""
        return True


class FaultyReferenceApp(ReferenceApp):
    """The reference application around a :class:`FaultyContactService`, plus answer faults."""

    def __init__(
        self,
        service: FaultyContactService,
        *,
        user: str,
        api_key: str,
        xmlrpc_path: str,
        max_body_bytes: int,
        latency_ms: float = 0.0,
    ) -> None:
        super().__init__(
            service,
            user=user,
            api_key=api_key,
            xmlrpc_path=xmlrpc_path,
            max_body_bytes=max_body_bytes,
            latency_ms=latency_ms,
        )
        self.faults = service.faults
        self.xmlrpc = XMLRPCEndpoint(service.for_xmlrpc())
        if "accept-any-credentials" in self.faults:
            self._auth = _AnyCredentials(user, api_key)

    def _respond(self, environ: Mapping[str, Any]) -> Response:
        try:
            response = super()._respond(environ)
        except PlantedAnswer as answer:
            return self._planted(environ, answer)
        if environ.get("PATH_INFO") == self.xmlrpc_path:
            return response
        if (
            "text-plain-answer" in self.faults
            and response.status == 200
            and environ.get("REQUEST_METHOD") == "PUT"
        ):
            return dataclasses.replace(response, content_type=TEXT_PLAIN)
        if "crash-on-bad-id" in self.faults and response.status == 404:
            match = CONTACT_PATH.fullmatch(str(environ.get("PATH_INFO", "")))
            if match is not None and not _NUMERIC_ID.fullmatch(match["id"]):
                # The 404 came from the id check itself: method and credentials were fine.
                return self._internal_error(environ)
        return response

    def _planted(self, environ: Mapping[str, Any], answer: PlantedAnswer) -> Response:
        if answer.status >= 500:
            # The same answer as a real crash, so the fault looks like one from outside.
            return self._internal_error(environ)
        if environ.get("PATH_INFO") == self.xmlrpc_path:
            return fault_response(answer.status, answer.message)
        return error_response(answer.status, answer.message)


def faulty_app(
    store: ContactStore,
    validator: UpdateValidator,
    *,
    faults: frozenset[str],
    readonly_policy: Policy,
    unknown_policy: Policy,
    user: str,
    api_key: str,
    xmlrpc_path: str,
    max_body_bytes: int,
    latency_ms: float,
) -> FaultyReferenceApp:
    """The application of a server started with *faults*."""
    service = FaultyContactService(
        store,
        validator,
        faults=faults,
        readonly_policy=readonly_policy,
        unknown_policy=unknown_policy,
    )
    return FaultyReferenceApp(
        service,
        user=user,
        api_key=api_key,
        xmlrpc_path=xmlrpc_path,
        max_body_bytes=max_body_bytes,
        latency_ms=latency_ms,
    )
