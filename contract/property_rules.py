"""One property's rules, compiled twice from its subschema: a fast yes/no and a full report.

The fast check answers "certainly valid?" with plain type tests; whatever it cannot
answer falls back to the full check, so both always agree (a test proves it).
"""

from __future__ import annotations

import json
import json.scanner
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract.violations import Violation, expected_type, got, show, violation

Check = Callable[[Any], bool]

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
    }
)
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


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_calendar_date(value: Any) -> bool:
    # jsonschema's own "date" test, minus the dispatch cost of FormatChecker.conforms.
    if type(value) is not str or _ISO_DATE.fullmatch(value) is None:
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


def _is_finite_number(value: Any) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _compile_value_check(schema: dict[str, Any]) -> Check | None:
    """A plain-Python check for the simple schemas content holds (arrays of strings and alike)."""
    keys = schema.keys() - _ANNOTATIONS
    kind = schema.get("type")
    if keys == {"type"} and kind == "string":
        return lambda value: type(value) is str
    if keys == {"type"} and kind == "integer":
        return lambda value: type(value) is int
    if kind == "array" and keys <= {"type", "items"}:
        item_check = _compile_value_check(schema.get("items", {"type": "string"}))
        if item_check is None:
            return None
        return lambda value: type(value) is list and all(item_check(item) for item in value)
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
            self._content = _compile_value_check(content) or content_validator.is_valid
        self.is_valid: Check = self._compile_fast_check() or self._is_valid_by_report

    def _is_valid_by_report(self, value: Any) -> bool:
        return self.violation(value) is None

    def _content_ok(self, text: str) -> bool:
        assert self._content is not None
        decoded, value = decode_json_content(text)
        return decoded and self._content(value)

    def _compile_fast_check(self) -> Check | None:
        schema = self.schema
        keys = schema.keys() - _ANNOTATIONS
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
            return lambda value: _is_text(value) and self._content_ok(value)
        return None

    def violation(self, value: Any) -> Violation | None:
        """The one violation to report for *value*, the most basic broken rule first."""
        try:
            errors = list(self._validator.iter_errors(value))
        except Exception:  # a hostile value (odd __eq__, endless nesting) is simply invalid
            return self._type_violation(value)
        if errors:
            return self._describe(min(errors, key=self._priority), value)
        if isinstance(value, float) and not math.isfinite(value):
            return self._violation(
                "type", f"must be a finite number (JSON has no NaN or Infinity), {got(value)}"
            )
        if isinstance(value, str):
            if has_lone_surrogate(value):
                return self._violation(
                    "text", f"must be Unicode text without lone surrogates, {got(value)}"
                )
            if self._content is not None and not self._content_ok(value):
                return self._violation("format", f"must be {self._format_hint()}, {got(value)}")
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
