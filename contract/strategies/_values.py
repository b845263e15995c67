"""Valid values drawn from one property's subschema."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from contract.core.real_data import DATES, KIND_KEYWORD, text_values
from contract.core.rules import ANNOTATIONS
from contract.errors import ContractError
from contract.strategies._limits import TransportLimits

_SUPPORTED = ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "format",
    "contentMediaType",
    "contentSchema",
    "items",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "pattern",
}


class UnsupportedSchemaError(ContractError, ValueError):
    """A subschema uses keywords the strategies cannot draw values for."""


_JSON_WRITERS: tuple[Callable[[Any], str], ...] = tuple(
    functools.partial(json.dumps, ensure_ascii=ascii_only, separators=separators)
    for ascii_only in (False, True)
    for separators in ((",", ":"), (", ", ": "))
)


def json_texts(values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """*values* written as JSON text the ways a client may write it: compact or spaced,
    escaped or not."""
    return st.tuples(values, st.sampled_from(_JSON_WRITERS)).map(lambda pair: pair[1](pair[0]))


def values_for(schema: dict[str, Any], limits: TransportLimits) -> st.SearchStrategy[Any]:
    """Every value *schema* accepts that *limits*' transport carries unchanged."""
    unsupported = sorted(set(schema) - _SUPPORTED)
    if unsupported:
        raise UnsupportedSchemaError(f"cannot draw values for a schema using {unsupported}")
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null" or limits.has_null]
        return st.one_of([_of_type(schema, k, limits) for k in kinds])
    return _of_type(schema, kind, limits)


def _of_type(schema: dict[str, Any], kind: Any, limits: TransportLimits) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "integer":
        return limits.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        fractions = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return limits.integers(low, high) | fractions
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(
            values_for(schema.get("items", {"type": "string"}), limits),
            min_size=schema.get("minItems", 0),
            max_size=schema.get("maxItems", 8),
        )
    if kind == "string":
        return _strings(schema, limits)
    raise UnsupportedSchemaError(f"cannot draw values of type {kind!r}")


def _within(texts: st.SearchStrategy[str], limits: TransportLimits) -> st.SearchStrategy[str]:
    """*texts*, no longer than the limits' longest text, when they set one."""
    longest = limits.max_text
    if longest is None:
        return texts

    def short(text: str) -> bool:
        return len(text) <= longest

    return texts.filter(short)


def _or_real(
    drawn: st.SearchStrategy[str], real: tuple[str, ...], schema: dict[str, Any]
) -> st.SearchStrategy[str]:
    """*drawn*, and now and then a value as real data holds it (see
    :mod:`contract.core.real_data`) that the schema's lengths allow."""
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    fitting = [text for text in real if len(text) >= low and (high is None or len(text) <= high)]
    if not fitting:
        return drawn
    return st.one_of(drawn, drawn, drawn, st.sampled_from(fitting))


def _strings(schema: dict[str, Any], limits: TransportLimits) -> st.SearchStrategy[str]:
    if schema.get("format") == "date":
        return _or_real(st.dates().map(lambda day: day.isoformat()), DATES, schema)
    if "format" in schema:
        raise UnsupportedSchemaError(f"cannot draw strings of format {schema['format']!r}")
    if schema.get("contentMediaType") == "application/json":
        content = schema.get("contentSchema", {"type": "string"})
        return _within(json_texts(values_for(content, limits)), limits)
    if "pattern" in schema:
        pattern = st.from_regex(schema["pattern"], fullmatch=True, alphabet=limits.characters)
        return _within(pattern, limits)
    drawn = limits.text(schema.get("minLength", 0), schema.get("maxLength"))
    return _or_real(drawn, text_values(schema.get(KIND_KEYWORD)), schema)
