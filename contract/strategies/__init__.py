"""Hypothesis strategies for UpdateContact payloads, derived from the schema.

``valid_updates()`` draws payloads the contract accepts; ``invalid_updates()`` draws
:class:`InvalidCase` objects, each breaking exactly one labelled rule on one property.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contract.core.schema import Contract
from contract.core.transports import TRANSPORTS, Transport
from contract.core.validation import Extension, validator_for
from contract.strategies._invalid import (
    bad_format_values,
    has_format,
    out_of_enum_values,
    unknown_names,
    wrong_type_values,
)
from contract.strategies._limits import TransportLimits, limits_for
from contract.strategies._values import UnsupportedSchemaError, values_for

Payload = dict[str, Any]

RULES = ("type", "enum", "format", "read_only", "unknown", "empty")


@dataclass(frozen=True)
class InvalidCase:
    """An invalid payload with the one rule it breaks and the property that breaks it."""

    payload: Payload
    rule: str
    property: str | None


def _contract(extension: Extension | None) -> Contract:
    return validator_for(extension).contract


def _extension_key(extension: Extension | None) -> str | None:
    if extension is None:
        return None
    if isinstance(extension, Mapping):
        return "schema:" + json.dumps(extension, sort_keys=True)
    return "file:" + str(extension)


# Cases are mapped from tuples rather than built, so that a failing example prints as
# the InvalidCase it is, not as the call that made it.
def _invalid_case(rule: str, name: str, drawn: tuple[Payload, Any]) -> InvalidCase:
    payload, value = drawn
    return InvalidCase({**payload, name: value}, rule, name)


def _unknown_case(drawn: tuple[Payload, str, Any]) -> InvalidCase:
    payload, name, value = drawn
    return InvalidCase({**payload, name: value}, "unknown", name)


class _Drawing:
    """The strategies of one contract over one transport, built once: a certification
    draws thousands of payloads, and building strategies is what would cost."""

    def __init__(
        self, contract: Contract, limits: TransportLimits, exclude: frozenset[str]
    ) -> None:
        self.contract = contract
        self.limits = limits
        self.writable = [name for name in contract.writable if name not in exclude]
        update = contract.update["properties"]
        self.values = {name: values_for(update[name], limits) for name in self.writable}
        self.valid = st.fixed_dictionaries({}, optional=self.values).filter(bool)
        self._siblings: dict[str, st.SearchStrategy[Payload]] = {}

    def siblings(self, name: str | None, wanted: bool) -> st.SearchStrategy[Payload]:
        """Valid other properties to send beside *name*, or none when not *wanted*."""
        if not wanted:
            return st.just({})
        if name is None:
            return self.valid
        if name not in self._siblings:
            others = {other: s for other, s in self.values.items() if other != name}
            self._siblings[name] = st.fixed_dictionaries({}, optional=others)
        return self._siblings[name]

    def breaking(
        self,
        rule: str,
        names: Collection[str],
        bad_values: Callable[[dict[str, Any]], st.SearchStrategy[Any]],
        siblings: bool,
    ) -> st.SearchStrategy[InvalidCase]:
        """Cases where one of *names* holds a value that breaks *rule*."""
        update = self.contract.update["properties"]
        if not names:
            return st.nothing()
        return st.one_of(
            [
                st.tuples(self.siblings(name, siblings), bad_values(update[name])).map(
                    functools.partial(_invalid_case, rule, name)
                )
                for name in sorted(names)
            ]
        )

    def invalid(self, rules: Collection[str], siblings: bool) -> st.SearchStrategy[InvalidCase]:
        """Cases of the given *rules*."""
        contract, limits = self.contract, self.limits
        update = contract.update["properties"]
        writable = self.writable
        kinds: dict[str, Callable[[], st.SearchStrategy[InvalidCase]]] = {
            "type": lambda: self.breaking(
                "type", writable, lambda sub: wrong_type_values(sub, limits), siblings
            ),
            "enum": lambda: self.breaking(
                "enum",
                [name for name in writable if "enum" in update[name]],
                lambda sub: out_of_enum_values(sub, limits),
                siblings,
            ),
            "format": lambda: self.breaking(
                "format",
                [name for name in writable if has_format(update[name])],
                lambda sub: bad_format_values(sub, limits),
                siblings,
            ),
            "read_only": lambda: st.one_of(
                [
                    st.tuples(
                        self.siblings(None, siblings),
                        values_for(contract.rules(name), limits),
                    ).map(functools.partial(_invalid_case, "read_only", name))
                    for name in contract.read_only
                ]
            ),
            "unknown": lambda: st.tuples(
                self.siblings(None, siblings),
                unknown_names(set(contract.properties), limits),
                limits.text(max_size=20),
            ).map(_unknown_case),
            "empty": lambda: st.just(InvalidCase({}, "empty", None)),
        }
        per_rule = {rule: kinds[rule]() for rule in RULES if rule in rules}
        # A rule no sendable property can break (all excluded) draws nothing.
        per_rule = {rule: drawn for rule, drawn in per_rule.items() if not drawn.is_empty}
        if not per_rule:
            return st.nothing()
        # Choose the rule first: one_of would flatten into one branch per property, and
        # the rules with many properties would crowd out the others.
        return st.sampled_from(list(per_rule)).flatmap(per_rule.__getitem__)


_drawings: dict[tuple[str, str | None, bool, frozenset[str]], _Drawing] = {}
_invalid_strategies: dict[
    tuple[str, str | None, tuple[str, ...], bool, frozenset[str]],
    st.SearchStrategy[InvalidCase],
] = {}


def _drawing(
    transport: Transport, extension: Extension | None, ordinary: bool, exclude: frozenset[str]
) -> _Drawing:
    key = (transport, _extension_key(extension), ordinary, exclude)
    if key not in _drawings:
        limits = limits_for(transport, ordinary=ordinary)
        _drawings[key] = _Drawing(_contract(extension), limits, exclude)
    return _drawings[key]


def property_values(
    name: str,
    transport: Transport = "rest",
    extension: Extension | None = None,
    *,
    ordinary: bool = False,
) -> st.SearchStrategy[Any]:
    """Valid values of one property, as *transport* carries them (within ordinary storage
    limits, text up to 255 characters and 32-bit integers, when *ordinary*)."""
    limits = limits_for(transport, ordinary=ordinary)
    return values_for(_contract(extension).rules(name), limits)


def valid_updates(
    transport: Transport = "rest",
    extension: Extension | None = None,
    *,
    ordinary: bool = False,
    exclude: Collection[str] = (),
) -> st.SearchStrategy[Payload]:
    """Valid UpdateContact ``properties``: any non-empty mix of writable properties (within
    ordinary storage limits when *ordinary*), none of them in *exclude*."""
    return _drawing(transport, extension, ordinary, frozenset(exclude)).valid


def invalid_updates(
    transport: Transport = "rest",
    extension: Extension | None = None,
    *,
    rules: Collection[str] = RULES,
    siblings: bool = True,
    exclude: Collection[str] = (),
) -> st.SearchStrategy[InvalidCase]:
    """Labelled invalid payloads, each breaking exactly one rule on one property.

    Every other value stays within ordinary storage limits (text up to 255 characters,
    32-bit integers), so that an install refuses the case for its rule, not for a limit.

    *rules* narrows the kinds drawn; with ``siblings=False`` the payload holds only
    the offending property, which is what a server with an ``ignore`` policy needs.
    No writable property in *exclude* is sent, as the offender or beside it.
    """
    unknown_rules = sorted(set(rules) - set(RULES))
    if unknown_rules or not rules:
        raise ValueError(f"rules must be a non-empty subset of {RULES}, not {sorted(rules)}")
    excluded = frozenset(exclude)
    key = (transport, _extension_key(extension), tuple(sorted(rules)), siblings, excluded)
    if key not in _invalid_strategies:
        drawing = _drawing(transport, extension, True, excluded)
        _invalid_strategies[key] = drawing.invalid(rules, siblings)
    return _invalid_strategies[key]


__all__ = [
    "RULES",
    "TRANSPORTS",
    "InvalidCase",
    "Transport",
    "TransportLimits",
    "UnsupportedSchemaError",
    "invalid_updates",
    "limits_for",
    "property_values",
    "valid_updates",
]
