"""One property's rules, compiled twice from its subschema: a fast yes/no and a full report.

The fast check answers "certainly valid?" with plain type tests; whatever it cannot
answer falls back to the full check, so both always agree (a test proves it).
"""

from __future__ import annotations

import json
import json.scanner
import math
from collections.abc import Callable
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract.core.violations import Violation, expected_type, got, show, violation

Check = Callable[[Any], bool]

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
#: Keywords that describe a value without constraining it.
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "x-text-kind",
    }
)
_PLAIN_JSON_TYPES = frozenset({str, int, float, bool, type(None), list, dict})
_RULE_OF_KEYWORD = {"const": "enum", "contentSchema": "format"}
_RULE_PRIORITY = {"type": 0, "enum": 1, "format": 2}


def has_lone_surrogate(text: str) -> bool:
    """True when *text* holds a lone surrogate, which no UTF-8 or XML document can carry."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_text(value: Any) -> bool:
    return type(value) is str and (value.isascii() or not has_lone_surrogate(value))


def _is_calendar_date(value: Any) -> bool:
    # jsonschema's "date" test (ASCII YYYY-MM-DD, then a real day) without the dispatch cost
    # of FormatChecker.conforms; fromisoformat reads only ASCII digits in those positions.
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    if not value.isascii():
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


_JSON_WHITESPACE = " \t\n\r"
# typeshed types make_scanner's argument as a scanner; it takes the decoder.
_scan_json_value: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]
)


def decode_json_content(text: str) -> tuple[bool, Any]:
    """Decode a string holding JSON: ``(True, value)``, or ``(False, None)`` when it is not JSON.

    The same verdict as ``json.loads``, through its C scanner without the wrapper's cost.
    """
    start = (
        0 if text[:1] not in _JSON_WHITESPACE else len(text) - len(text.lstrip(_JSON_WHITESPACE))
    )
    try:
        value, end = _scan_json_value(text, start)
    except (StopIteration, ValueError, RecursionError):
        return False, None
    if end != len(text) and text[end:].strip(_JSON_WHITESPACE):
        return False, None
    return True, value


def _not_a_non_finite_float(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _no_lone_surrogate(value: Any) -> bool:
    return not isinstance(value, str) or not has_lone_surrogate(value)


def _surrogate_free(value: Any) -> bool:
    """True when no string inside the decoded JSON *value* holds a lone surrogate."""
    if isinstance(value, str):
        return not has_lone_surrogate(value)
    if isinstance(value, list):
        return all(_surrogate_free(item) for item in value)
    if isinstance(value, dict):
        return all(_surrogate_free(key) and _surrogate_free(item) for key, item in value.items())
    return True


def _is_finite_number(value: Any) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _compile_value_check(schema: dict[str, Any]) -> Check | None:
    """A plain-Python check, exactly as strict as JSON Schema, for the decoded content of
    a string (an array of strings, as `tags` holds), or ``None`` to leave it to jsonschema."""
    keys = schema.keys() - ANNOTATIONS
    kind = schema.get("type")
    if keys == {"type"} and kind == "string":
        return lambda value: type(value) is str
    if kind == "array" and keys == {"type"}:
        return lambda value: type(value) is list
    if kind == "array" and keys == {"type", "items"} and schema["items"] == {"type": "string"}:
        return lambda value: type(value) is list and all(type(item) is str for item in value)
    return None


class PropertyRules:
    """The rules of one writable property, with a fast check and a full report."""

    def __init__(self, name: str, schema: dict[str, Any]) -> None:
        self.name = name
        self.schema = schema
        self._validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
        content = schema.get("contentSchema")
        self._content: Check | None = None
        if content is not None and schema.get("contentMediaType") == "application/json":
            content_validator = Draft202012Validator(content, format_checker=FORMAT_CHECKER)
            content_check = _compile_value_check(content) or content_validator.is_valid
            # A "\ud800" escape inside the content is as unsendable as one outside it.
            self._content = lambda value: content_check(value) and _surrogate_free(value)
        # Rules jsonschema does not enforce: (passes, rule, what a valid value must be).
        self._extra_rules: list[tuple[Check, str, str]] = [
            (
                _not_a_non_finite_float,
                "type",
                "must be a finite number (JSON has no NaN or Infinity)",
            ),
            (_no_lone_surrogate, "text", "must be Unicode text without lone surrogates"),
        ]
        if self._content is not None:
            self._extra_rules.append(
                (self._content_or_not_text, "format", f"must be {self._format_hint()}")
            )
        fast_check = self._compile_fast_check()
        self.is_certainly_valid: Check = fast_check or self._accepts_slowly
        # A compiled check's "no" is final for plain JSON values, except that JSON Schema
        # also counts an integral float (1.0) as an integer.
        self._fast_check_is_exact = fast_check is not None
        self._exact_for = _PLAIN_JSON_TYPES - (
            {float} if schema.get("type") == "integer" else set()
        )

    def accepts(self, value: Any) -> bool:
        """True when *value* is valid: the same verdict as :meth:`violation`, without a message."""
        if self.is_certainly_valid(value):
            return True
        if self._fast_check_is_exact and type(value) in self._exact_for:
            return False
        return self._accepts_slowly(value)

    def _accepts_slowly(self, value: Any) -> bool:
        try:
            return self._validator.is_valid(value) and all(
                passes(value) for passes, _, _ in self._extra_rules
            )
        except Exception:  # a hostile value (odd __eq__, endless nesting) is simply invalid
            return False

    def _content_or_not_text(self, value: Any) -> bool:
        return not isinstance(value, str) or self._content_ok(value)

    def _content_ok(self, text: str) -> bool:
        assert self._content is not None
        decoded, value = decode_json_content(text)
        return decoded and self._content(value)

    def _compile_fast_check(self) -> Check | None:
        schema = self.schema
        keys = schema.keys() - ANNOTATIONS
        kind = schema.get("type")
        if keys == {"type"} and kind == "integer":
            return lambda value: type(value) is int
        if keys == {"type"} and kind == "number":
            return _is_finite_number
        if kind != "string":
            return None
        if keys == {"type"}:
            return _is_text
        if keys == {"type", "enum"} and all(type(v) is str for v in schema["enum"]):
            allowed = frozenset(schema["enum"])
            return lambda value: type(value) is str and value in allowed
        if keys == {"type", "format"}:
            wanted = schema["format"]
            if wanted == "date":
                return _is_calendar_date
            return lambda value: _is_text(value) and FORMAT_CHECKER.conforms(value, wanted)
        if keys == {"type", "contentMediaType", "contentSchema"} and self._content is not None:
            content_check = self._content

            def is_json_content(value: Any) -> bool:
                if not _is_text(value):
                    return False
                decoded, content = decode_json_content(value)
                return decoded and content_check(content)

            return is_json_content
        return None

    def violation(self, value: Any) -> Violation | None:
        """The one violation to report for *value*, the most basic broken rule first."""
        if self.is_certainly_valid(value):
            return None
        try:
            return self._full_report(value)
        except Exception:  # a hostile value (odd __eq__, endless nesting) is simply invalid
            return self._type_violation(value)

    def _full_report(self, value: Any) -> Violation | None:
        """What :meth:`violation` reports; a hostile value may make it raise."""
        errors = list(self._validator.iter_errors(value))
        if errors:
            return self._describe(min(errors, key=self._priority), value)
        for passes, rule, requirement in self._extra_rules:
            if not passes(value):
                return self._violation(rule, f"{requirement}, {got(value)}")
        return None

    @staticmethod
    def _priority(error: ValidationError) -> int:
        return _RULE_PRIORITY.get(
            _RULE_OF_KEYWORD.get(str(error.validator), str(error.validator)), 9
        )

    def _violation(self, rule: str, text: str, hint: str = "") -> Violation:
        return violation(self.name, rule, f"`{self.name}` {text}", hint)

    def _type_violation(self, value: Any) -> Violation:
        return self._violation(
            "type", f"must be {expected_type(self.schema.get('type', 'valid'))}, {got(value)}"
        )

    def _describe(self, error: ValidationError, value: Any) -> Violation:
        rule = _RULE_OF_KEYWORD.get(str(error.validator), str(error.validator))
        if rule == "type" and not error.path:
            return self._type_violation(value)
        if rule == "enum" and not error.path:
            allowed = self.schema.get("enum", [self.schema.get("const")])
            return self._violation(
                "enum",
                f"must be one of {', '.join(map(show, allowed))}, {got(value)}",
                self._enum_hint(value, allowed),
            )
        if rule == "format" and not error.path:
            return self._violation("format", f"must be {self._format_hint()}, {got(value)}")
        where = "".join(f"[{show(step)}]" for step in error.path)
        return self._violation(
            rule, f"{where}: {show(error.instance)} breaks `{rule}`: {error.message[:200]}"
        )

    @staticmethod
    def _enum_hint(value: Any, allowed: list[Any]) -> str:
        if not isinstance(value, str):
            return ""
        for candidate in allowed:
            if isinstance(candidate, str) and candidate.casefold() == value.strip().casefold():
                return f"; did you mean {candidate!r}? Values are case-sensitive"
        return ""

    def _format_hint(self) -> str:
        schema = self.schema
        example = f", e.g. {schema['examples'][0]!r}" if schema.get("examples") else ""
        if schema.get("format") == "date":
            return f"a real calendar date written YYYY-MM-DD{example}"
        if "format" in schema:
            return f"a valid {schema['format']!r} value{example}"
        content = schema.get("contentSchema", {})
        if content.get("type") == "array":
            item_type = content.get("items", {}).get("type", "value")
            return f"a string holding a JSON array of {item_type}s{example}"
        return f"a string holding JSON that matches its contentSchema{example}"
