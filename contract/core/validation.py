"""Validating an UpdateContact payload before it is sent."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from contract.core.rules import Check, PropertyRules
from contract.core.schema import Contract, load_contract
from contract.core.violations import (
    DeprecatedPropertyWarning,
    PayloadError,
    Violation,
    closest_property,
    got,
    show,
    violation,
)

Extension = Mapping[str, Any] | str | Path

MAX_VIOLATIONS = 100
"""How many violations a report lists unless asked for all; one more counts the rest."""
_MAX_SUGGESTIONS = 100


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
    if type(properties) is dict:
        return list(properties.items())
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

    def violations(
        self,
        properties: object,
        *,
        limit: int | None = MAX_VIOLATIONS,
        waived: Collection[str] = (),
    ) -> list[Violation]:
        """The violations in *properties* as a list (see :meth:`iter_violations`), empty
        when it is valid."""
        if self.is_certainly_valid(properties):
            return []
        return list(self.iter_violations(properties, limit=limit, waived=waived))

    def iter_violations(
        self,
        properties: object,
        *,
        limit: int | None = MAX_VIOLATIONS,
        waived: Collection[str] = (),
    ) -> Iterator[Violation]:
        """The violations in *properties*, one per offending property, in payload order.

        At most *limit* of them (``None``: every one); past it, one more violation of rule
        ``truncated`` counts the rest, which are neither described nor given a "did you
        mean": a payload of 50,000 misspelt keys is judged in milliseconds. *waived* rules
        (``read_only``, ``unknown``: what an install that ignores such properties skips)
        are not reported.
        """
        unwaivable = set(waived) - {"read_only", "unknown"}
        if unwaivable:
            raise ValueError(f"only read_only and unknown can be waived, not {sorted(unwaivable)}")
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
        listed = 0
        if len(items) < self._min_properties:
            listed += 1
            yield violation(
                None,
                "empty",
                f"properties must name at least {self._min_properties} property to update, "
                f"{got(properties)}",
            )
        rules_of, read_only = self._rules, self._read_only
        report_read_only, report_unknown = "read_only" not in waived, "unknown" not in waived
        for index, (key, value) in enumerate(items):
            plain = key if type(key) is str else _plain_name(key)
            rules = rules_of.get(plain)
            if rules is not None:
                found = rules.violation(value)
            elif plain in read_only:
                found = _read_only_violation(plain, value) if report_read_only else None
            elif report_unknown:
                # A "did you mean" compares the name with every property: the first few
                # only, so that a flood of unknown keys costs no more than its reading.
                found = self._unknown_violation(key, plain, value, listed < _MAX_SUGGESTIONS)
            else:
                found = None
            if found is None:
                continue
            if listed == limit:
                rest = 1 + self._offences_in(items[index + 1 :], report_read_only, report_unknown)
                yield violation(
                    None,
                    "truncated",
                    f"and {rest:,} more violation{'s' if rest != 1 else ''}, not listed: the "
                    f"first {limit} are",
                )
                return
            listed += 1
            yield found

    def _offences_in(
        self, items: list[tuple[Any, Any]], report_read_only: bool, report_unknown: bool
    ) -> int:
        """How many of *items* break the contract, told without describing one."""
        rules_of, read_only = self._rules, self._read_only
        keys = [key for key, _ in items]
        # Only plain str is hashed here: a key of a hostile type may raise from __hash__.
        if set(map(type, keys)) == {str} and len(set(keys)) == len(keys):
            # Plain, unique names (any JSON object's): counted by sets, in C; at most one
            # value per property of the contract to judge.
            names = set(keys)
            known, held = names & rules_of.keys(), len(names & read_only)
            values = dict(items) if known else {}
            broken = sum(not rules_of[name].accepts(values[name]) for name in known)
            unknown = len(names) - len(known) - held
            return broken + report_read_only * held + report_unknown * unknown
        count = 0
        for key, value in items:
            plain = key if type(key) is str else _plain_name(key)
            rules = rules_of.get(plain)
            if rules is not None:
                count += not rules.accepts(value)
            elif plain in read_only:
                count += report_read_only
            else:
                count += report_unknown
        return count

    def _unknown_violation(
        self, key: object, plain: str | None, value: Any, suggest: bool
    ) -> Violation:
        name = show(key) if plain is None else plain
        suggestion = closest_property(name, self._writable) if suggest else None
        hint = f"; did you mean `{suggestion}`?" if suggestion else ""
        return violation(name, "unknown", f"`{name}` is not a contact property, {got(value)}", hint)

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


def _read_only_violation(name: str, value: Any) -> Violation:
    return violation(
        name, "read_only", f"`{name}` is read-only and cannot be updated, {got(value)}"
    )


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
    properties: object, *, extension: Extension | None = None, limit: int | None = MAX_VIOLATIONS
) -> Iterator[Violation]:
    """The contract violations in *properties*, nothing when it is valid: at most *limit*
    of them, then one that counts the rest (``limit=None``: every one)."""
    return validator_for(extension).iter_violations(properties, limit=limit)
