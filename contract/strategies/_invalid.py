"""Values that break exactly one rule of a property's subschema.

Nothing here draws what the design calls ambiguous: integral floats for integers,
``""`` for formatted strings or enums, case or spacing variants of allowed values.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from hypothesis import strategies as st

from contract.core.rules import FORMAT_CHECKER, decode_json_content
from contract.strategies._limits import TransportLimits
from contract.strategies._values import json_texts, values_for

_FINITE = st.floats(allow_nan=False, allow_infinity=False)


def _squash(text: str) -> str:
    return "".join(text.split()).replace("_", "").replace("-", "").casefold()


def is_numeric_text(text: str) -> bool:
    """True for text a lenient install may read as a number ("12", " 1.5"): ambiguous."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _non_numeric_text(limits: TransportLimits) -> st.SearchStrategy[str]:
    """Text no install may take for a number: ``""`` and words, never ``"12"``."""
    return limits.text(max_size=8).filter(lambda text: not is_numeric_text(text))


def _simple_values(limits: TransportLimits) -> st.SearchStrategy[Any]:
    scalars: st.SearchStrategy[Any] = st.booleans() | limits.integers() | limits.text(max_size=8)
    return scalars | st.none() if limits.has_null else scalars


def wrong_type_values(schema: dict[str, Any], limits: TransportLimits) -> st.SearchStrategy[Any]:
    """Values of a JSON type the property does not take: booleans, fractions and text that
    is no number for integers, numbers for strings, and arrays, objects or null for
    anything."""
    kind = schema.get("type")
    options: list[st.SearchStrategy[Any]] = []
    if kind != "array":
        options.append(st.lists(_simple_values(limits), max_size=3))
    if kind != "object":
        options.append(
            st.dictionaries(limits.text(min_size=1, max_size=8), _simple_values(limits), max_size=3)
        )
    if limits.has_null:
        options.append(st.none())
    if kind == "integer":
        fractions = _FINITE.filter(lambda x: not float(x).is_integer())
        options += [st.booleans(), fractions, _non_numeric_text(limits)]
    elif kind == "number":
        options += [st.booleans(), _non_numeric_text(limits)]
    elif kind == "string":
        options += [limits.integers(), _FINITE]
    elif kind == "boolean":
        options += [limits.integers(), limits.text(max_size=8)]
    return st.one_of(options)


def out_of_enum_values(schema: dict[str, Any], limits: TransportLimits) -> st.SearchStrategy[str]:
    """Non-empty text of the right type that is no allowed value, nor a case or spacing variant."""
    allowed = {_squash(str(value)) for value in schema["enum"]}
    return limits.text(min_size=1, max_size=20).filter(
        lambda text: text.strip() != "" and _squash(text) not in allowed
    )


def _impossible_dates() -> st.SearchStrategy[str]:
    def exists(year: int, month: int, day: int) -> bool:
        try:
            date(year, month, day)
        except ValueError:
            return False
        return True

    numbers = st.tuples(st.integers(1000, 9999), st.integers(1, 99), st.integers(1, 99))
    return numbers.filter(lambda ymd: not exists(*ymd)).map(
        lambda ymd: f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"
    )


def _other_date_shapes() -> st.SearchStrategy[str]:
    return st.dates(min_value=date(1000, 1, 1)).flatmap(
        lambda day: st.sampled_from(
            [
                day.strftime("%d/%m/%Y"),
                day.strftime("%m-%d-%Y"),
                day.strftime("%Y%m%d"),
                f"{day.isoformat()}T00:00:00Z",
                day.strftime("%d %B %Y"),
            ]
        )
    )


def _not_json(limits: TransportLimits) -> st.SearchStrategy[str]:
    return limits.text(min_size=1, max_size=20).filter(
        lambda text: text.strip() != "" and not decode_json_content(text)[0]
    )


def bad_format_values(schema: dict[str, Any], limits: TransportLimits) -> st.SearchStrategy[str]:
    """Non-empty strings whose content breaks the property's format or content schema."""
    if schema.get("format") == "date":
        text = limits.text(min_size=1, max_size=12).filter(
            lambda s: s.strip() != "" and not FORMAT_CHECKER.conforms(s.strip(), "date")
        )
        return st.one_of(_impossible_dates(), _other_date_shapes(), text)
    content = schema.get("contentSchema", {})
    wrong_content = wrong_type_values(content, limits).filter(
        lambda value: not (isinstance(value, float) and not math.isfinite(value))
    )
    options = [_not_json(limits), json_texts(wrong_content)]
    items = content.get("items")
    if content.get("type") == "array" and isinstance(items, dict) and "type" in items:
        bad_items = st.lists(wrong_type_values(items, limits), min_size=1, max_size=3)
        mixed = st.tuples(st.lists(values_for(items, limits), max_size=2), bad_items)
        options.append(json_texts(mixed.map(lambda parts: parts[0] + parts[1])))
    return st.one_of(options)


def has_format(schema: dict[str, Any]) -> bool:
    """True when the subschema constrains a string's content (a format or a content schema)."""
    return schema.get("format") == "date" or "contentSchema" in schema


def unknown_names(known: set[str], limits: TransportLimits) -> st.SearchStrategy[str]:
    """Property names that no contact has, nor resemble one up to case and separators."""
    squashed = {_squash(name) for name in known}
    return limits.text(min_size=1, max_size=24).filter(
        lambda name: name.strip() != "" and _squash(name) not in squashed
    )
