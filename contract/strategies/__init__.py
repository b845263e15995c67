"""Hypothesis strategies for UpdateContact payloads, derived from the schema.

``valid_updates()`` draws payloads the contract accepts; ``invalid_updates()`` draws
:class:`InvalidCase` objects, each breaking exactly one labelled rule on one property.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contract.schema import Contract
from contract.strategies._invalid import (
    bad_format_values,
    has_format,
    out_of_enum_values,
    unknown_names,
    wrong_type_values,
)
from contract.strategies._limits import TransportLimits, limits_for
from contract.strategies._values import UnsupportedSchemaError, values_for
from contract.transports import TRANSPORTS, Transport
from contract.validation import Extension, validator_for

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


def property_values(
    name: str, transport: Transport = "rest", extension: Extension | None = None
) -> st.SearchStrategy[Any]:
    """Valid values of one property, as *transport* carries them."""
    return values_for(_contract(extension).properties[name], limits_for(transport))


def valid_updates(
    transport: Transport = "rest", extension: Extension | None = None
) -> st.SearchStrategy[Payload]:
    """Valid UpdateContact ``properties``: any non-empty mix of writable properties."""
    contract = _contract(extension)
    limits = limits_for(transport)
    optional = {
        name: values_for(contract.update["properties"][name], limits) for name in contract.writable
    }
    return st.fixed_dictionaries({}, optional=optional).filter(bool)


def _with_siblings(
    contract: Contract,
    limits: TransportLimits,
    name: str,
    bad: st.SearchStrategy[Any],
    siblings: bool,
) -> st.SearchStrategy[Payload]:
    """A payload of valid other properties (if *siblings*) plus *name* set to a *bad* value."""
    others = {
        other: values_for(contract.update["properties"][other], limits)
        for other in contract.writable
        if other != name
    }
    base = st.fixed_dictionaries({}, optional=others) if siblings else st.just({})
    return st.builds(lambda payload, value: {**payload, name: value}, base, bad)


def invalid_updates(
    transport: Transport = "rest",
    extension: Extension | None = None,
    *,
    rules: Collection[str] = RULES,
    siblings: bool = True,
) -> st.SearchStrategy[InvalidCase]:
    """Labelled invalid payloads, each breaking exactly one rule on one property.

    *rules* narrows the kinds drawn; with ``siblings=False`` the payload holds only
    the offending property, which is what a server with an ``ignore`` policy needs.
    """
    unknown_rules = sorted(set(rules) - set(RULES))
    if unknown_rules or not rules:
        raise ValueError(f"rules must be a non-empty subset of {RULES}, not {sorted(rules)}")
    contract = _contract(extension)
    limits = limits_for(transport)
    update = contract.update["properties"]

    def per_property(
        rule: str,
        names: Collection[str],
        bad_values: Callable[[dict[str, Any]], st.SearchStrategy[Any]],
    ) -> st.SearchStrategy[InvalidCase]:
        return st.sampled_from(sorted(names)).flatmap(
            lambda name: _with_siblings(
                contract, limits, name, bad_values(update[name]), siblings
            ).map(lambda payload: InvalidCase(payload, rule, name))
        )

    drawn: dict[str, st.SearchStrategy[InvalidCase]] = {
        "type": per_property("type", contract.writable, lambda sub: wrong_type_values(sub, limits)),
        "enum": per_property(
            "enum",
            [n for n in contract.writable if "enum" in update[n]],
            lambda sub: out_of_enum_values(sub, limits),
        ),
        "format": per_property(
            "format",
            [n for n in contract.writable if has_format(update[n])],
            lambda sub: bad_format_values(sub, limits),
        ),
        "read_only": st.sampled_from(contract.read_only).flatmap(
            lambda name: _extra_property(
                contract, limits, name, values_for(contract.properties[name], limits), siblings
            ).map(lambda payload: InvalidCase(payload, "read_only", name))
        ),
        "unknown": unknown_names(set(contract.properties), limits).flatmap(
            lambda name: _extra_property(
                contract, limits, name, limits.text(max_size=20), siblings
            ).map(lambda payload: InvalidCase(payload, "unknown", name))
        ),
        "empty": st.just(InvalidCase({}, "empty", None)),
    }
    return st.one_of([drawn[rule] for rule in RULES if rule in rules])


def _extra_property(
    contract: Contract,
    limits: TransportLimits,
    name: str,
    value: st.SearchStrategy[Any],
    siblings: bool,
) -> st.SearchStrategy[Payload]:
    base = valid_updates(limits.name, contract.extension) if siblings else st.just({})
    return st.builds(lambda payload, v: {**payload, name: v}, base, value)


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
