"""Deterministic cases derived from the schema, run before Hypothesis explores.

A random draw may or may not reach a given property; a coverage case reaches each one,
in every run, whatever the seed.
"""

from __future__ import annotations

from typing import Any

from contract.schema import Contract, Schema

_XMLRPC_MAX_INT = 2**31 - 1


def changed_value(schema: Schema, current: Any) -> Any:
    """A value of *schema*'s kind that differs from *current* and every transport carries
    unchanged: what a probe sends to see whether it sticks."""
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value != current), schema["enum"][0])
    kind = schema.get("type")
    if kind == "integer":
        whole = current if type(current) is int else 0
        return whole + 1 if whole < _XMLRPC_MAX_INT else whole - 1
    if kind == "number":
        number = current if type(current) in (int, float) else 0
        return number + 0.5 if abs(number) < 2**40 else 0.5
    text = current if isinstance(current, str) else ""
    return (text[:40] + " (probe)") if text != "probe" else "probe 2"


def read_only_probes(contract: Contract, original: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One case per read-only property: that property, set to a value it does not hold."""
    now = original or {}
    return [
        {"property": name, "value": changed_value(contract.properties[name], now.get(name))}
        for name in contract.read_only
    ]
