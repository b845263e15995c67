"""Validating an UpdateContact payload before it is sent."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from contract.property_rules import Check, PropertyRules
from contract.schema import Contract, load_contract
from contract.violations import (
    DeprecatedPropertyWarning,
    PayloadError,
    Violation,
    closest_property,
    got,
    property_label,
    show,
    violation,
)

Extension = Mapping[str, Any] | str | Path


def _fast_path(checks: dict[str, Check], min_properties: int) -> Check:
    """Plain type tests that say "certainly valid", or defer to the full report."""
    check_of = checks.get

    def is_certainly_valid(properties: object) -> bool:
        # The hot path of bulk validation: no allocation, no attribute lookups.
        if type(properties) is not dict or len(properties) < min_properties:
            return False
        for name, value in properties.items():
            check = check_of(name)
            if check is None or not check(value):
                return False
        return True

    return is_certainly_valid


class UpdateValidator:
    """Validates UpdateContact payloads against one contract; build once, reuse."""

    def __init__(self, contract: Contract | None = None) -> None:
        self.contract = contract or load_contract()
        update = self.contract.update
        if update.get("additionalProperties") is not False:
            raise ValueError("the update schema must forbid additional properties")
        self._min_properties: int = update.get("minProperties", 0)
        self._rules = {name: PropertyRules(name, sub) for name, sub in update["properties"].items()}
        #: True only for certainly valid payloads: plain type tests, no messages.
        self.is_certainly_valid = _fast_path(
            {name: rules.is_certainly_valid for name, rules in self._rules.items()},
            self._min_properties,
        )
        self._read_only = frozenset(self.contract.read_only)
        self._writable = tuple(self._rules)
        self._deprecated = self.contract.deprecated

    def is_valid(self, properties: object) -> bool:
        """True when *properties* is a valid update payload."""
        return self.is_certainly_valid(properties) or self._accepts(properties)

    def _accepts(self, properties: object) -> bool:
        # The verdict of iter_violations, without building a single message.
        if not isinstance(properties, Mapping):
            return False
        try:
            items = list(properties.items())
        except Exception:
            return False
        rules = self._rules
        return len(items) >= self._min_properties and all(
            isinstance(key, str) and key in rules and rules[key].accepts(value)
            for key, value in items
        )

    def violations(self, properties: object) -> list[Violation]:
        """Every violation in *properties* as a list, empty when it is valid."""
        if self.is_certainly_valid(properties):
            return []
        return list(self.iter_violations(properties))

    def iter_violations(self, properties: object) -> Iterator[Violation]:
        """Every violation in *properties*, one per offending property, in payload order."""
        if not isinstance(properties, Mapping):
            yield violation(
                None,
                "not_an_object",
                f"properties must be a JSON object of property names to values, {got(properties)}",
            )
            return
        try:
            items = list(properties.items())
        except Exception:
            yield violation(
                None,
                "not_an_object",
                f"properties could not be read as a mapping: {show(properties)}",
            )
            return
        if len(items) < self._min_properties:
            yield violation(
                None,
                "empty",
                f"properties must name at least {self._min_properties} property to update, "
                f"{got(properties)}",
            )
        for key, value in items:
            yield from self._property_violation(key, value)

    def _property_violation(self, key: object, value: Any) -> Iterator[Violation]:
        rules = self._rules.get(key) if isinstance(key, str) else None
        if rules is not None:
            found = rules.violation(value)
            if found is not None:
                yield found
            return
        name = property_label(key)
        if key in self._read_only:
            yield violation(
                name, "read_only", f"`{name}` is read-only and cannot be updated, {got(value)}"
            )
            return
        suggestion = closest_property(name, self._writable)
        hint = f"; did you mean `{suggestion}`?" if suggestion else ""
        yield violation(name, "unknown", f"`{name}` is not a contact property, {got(value)}", hint)

    def validate(self, properties: object) -> dict[str, Any]:
        """*properties* as a dict when valid; else :class:`PayloadError` listing every violation."""
        errors = self.violations(properties)
        if errors:
            raise PayloadError(errors)
        payload = properties if type(properties) is dict else dict(properties)  # type: ignore[call-overload]
        used = self._deprecated.intersection(payload)
        for name in sorted(used):
            comment = self.contract.properties[name].get("$comment", "")
            warnings.warn(
                f"`{name}` is deprecated. {comment}".strip(),
                DeprecatedPropertyWarning,
                stacklevel=3,
            )
        return payload


@functools.cache
def _shared_validator() -> UpdateValidator:
    return UpdateValidator(load_contract())


@functools.cache
def _validator_for_key(key: str) -> UpdateValidator:
    return UpdateValidator(load_contract(json.loads(key)))


def validator_for(extension: Extension | None = None) -> UpdateValidator:
    """The shared validator for the contract, or for the contract plus *extension*."""
    if extension is None:
        return _shared_validator()
    if not isinstance(extension, Mapping):
        return UpdateValidator(load_contract(extension))
    return _validator_for_key(json.dumps(extension, sort_keys=True))


def validate_update(properties: object, *, extension: Extension | None = None) -> dict[str, Any]:
    """The payload, when it is valid UpdateContact ``properties``; else :class:`PayloadError`."""
    return validator_for(extension).validate(properties)


def is_valid_update(properties: object, *, extension: Extension | None = None) -> bool:
    """True when *properties* is a valid UpdateContact payload."""
    validator = _shared_validator() if extension is None else validator_for(extension)
    return validator.is_valid(properties)


def iter_violations(
    properties: object, *, extension: Extension | None = None
) -> Iterator[Violation]:
    """Every contract violation in *properties*; nothing when it is valid."""
    return validator_for(extension).iter_violations(properties)
