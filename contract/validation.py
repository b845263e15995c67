"""Validating an UpdateContact payload before it is sent."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from contract.property_rules import Check, PropertyRules
from contract.schema import Contract, load_contract
from contract.violations import (
    DeprecatedPropertyWarning,
    PayloadError,
    Violation,
    closest_property,
    got,
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
        try:  # free on Python 3.11+: a key whose __eq__ raises is left to the full report
            for name, value in properties.items():
                check = check_of(name)
                if check is None or not check(value):
                    return False
        except Exception:
            return False
        return True

    return is_certainly_valid


def _is_mapping(properties: object) -> bool:
    """``isinstance(properties, Mapping)``, answered even for a hostile object."""
    try:
        return isinstance(properties, Mapping)
    except Exception:  # an object whose __class__ raises is no mapping
        return False


def _items(properties: Mapping[Any, Any]) -> list[tuple[Any, Any]] | None:
    """The (key, value) pairs of *properties*, or None when its items() cannot be read as pairs."""
    try:
        return [(key, value) for key, value in properties.items()]
    except Exception:
        return None


def _plain_name(key: Any) -> str | None:
    """A string key as a plain ``str``, read without calling a ``str`` subclass's methods."""
    return str.__str__(key) if issubclass(type(key), str) else None


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
        if not _is_mapping(properties):
            return False
        items = _items(cast("Mapping[Any, Any]", properties))
        if items is None or len(items) < self._min_properties:
            return False
        for key, value in items:
            rules = self._rules_for(_plain_name(key))
            if rules is None or not rules.accepts(value):
                return False
        return True

    def _rules_for(self, name: str | None) -> PropertyRules | None:
        """The rules of the writable property *name*, if it is one."""
        return None if name is None else self._rules.get(name)

    def violations(self, properties: object) -> list[Violation]:
        """Every violation in *properties* as a list, empty when it is valid."""
        if self.is_certainly_valid(properties):
            return []
        return list(self.iter_violations(properties))

    def iter_violations(self, properties: object) -> Iterator[Violation]:
        """Every violation in *properties*, one per offending property, in payload order."""
        if not _is_mapping(properties):
            yield violation(
                None,
                "not_an_object",
                f"properties must be a JSON object of property names to values, {got(properties)}",
            )
            return
        items = _items(cast("Mapping[Any, Any]", properties))
        if items is None:
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
        plain = _plain_name(key)
        rules = self._rules_for(plain)
        if rules is not None:
            found = rules.violation(value)
            if found is not None:
                yield found
            return
        if plain in self._read_only:
            yield violation(
                plain, "read_only", f"`{plain}` is read-only and cannot be updated, {got(value)}"
            )
            return
        name = show(key) if plain is None else plain
        suggestion = closest_property(name, self._writable)
        hint = f"; did you mean `{suggestion}`?" if suggestion else ""
        yield violation(name, "unknown", f"`{name}` is not a contact property, {got(value)}", hint)

    def _checked_copy(self, properties: object) -> dict[str, Any]:
        """*properties*, once the full report finds it valid, as a dict keyed by plain ``str``:
        itself when it already is one, else a copy of what its ``items()`` gave to be checked."""
        errors = list(self.iter_violations(properties))
        if errors:
            raise PayloadError(errors)
        if type(properties) is dict and all(type(key) is str for key in properties):
            return properties
        valid = cast("Mapping[Any, Any]", properties)
        return {str.__str__(key): value for key, value in valid.items()}

    def validate(self, properties: object) -> dict[str, Any]:
        """*properties* as a dict when valid; else :class:`PayloadError` listing every violation."""
        if type(properties) is dict and self.is_certainly_valid(properties):
            payload = properties
        else:
            payload = self._checked_copy(properties)
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
