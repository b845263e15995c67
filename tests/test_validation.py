"""Validating payloads before sending: verdicts, violations as data, messages for people."""

from __future__ import annotations

import json
import math
import warnings
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contract
from contract import DeprecatedPropertyWarning, PayloadError, Violation
from contract.core.rules import decode_json_content
from contract.strategies import invalid_updates, valid_updates


def _only_violation(payload: object) -> Violation:
    violations = list(contract.iter_violations(payload))
    assert len(violations) == 1, violations
    return violations[0]


def test_a_valid_payload_is_returned_as_is() -> None:
    payload = {"name": "Ada", "lastname": "Lovelace", "status": "off", "tags": '["vip","2024"]'}
    assert contract.validate_update(payload) is payload
    assert contract.is_valid_update(payload)
    assert list(contract.iter_violations(payload)) == []


def test_any_mapping_is_accepted_and_returned_as_a_dict() -> None:
    result = contract.validate_update(OrderedDict(name="Ada"))
    assert type(result) is dict
    assert result == {"name": "Ada"}


@pytest.mark.parametrize(
    ("payload", "prop", "rule", "fragments"),
    [
        (
            {"country_id": True},
            "country_id",
            "type",
            ["`country_id`", "an integer", "boolean True"],
        ),
        ({"country_id": 1.5}, "country_id", "type", ["an integer", "1.5"]),
        ({"name": 7}, "name", "type", ["`name`", "a string", "integer 7"]),
        ({"name": None}, "name", "type", ["null None"]),
        ({"status": 3}, "status", "type", ["a string"]),
        ({"status": "maybe"}, "status", "enum", ["'on', 'off', 'suppressed'", "'maybe'"]),
        ({"status": "ON"}, "status", "enum", ["did you mean 'on'?"]),
        ({"tags": "vip"}, "tags", "format", ["JSON array of strings", "'vip'"]),
        ({"tags": "[1, 2]"}, "tags", "format", ["JSON array of strings"]),
        ({"tags": '{"a": "b"}'}, "tags", "format", ["JSON array of strings"]),
        ({"birth_date": "2023-02-29"}, "birth_date", "format", ["calendar date", "YYYY-MM-DD"]),
        ({"birth_date": "31/12/1990"}, "birth_date", "format", ["'31/12/1990'"]),
        ({"score": 3.5}, "score", "read_only", ["`score` is read-only and cannot be updated"]),
        ({"id": 9}, "id", "read_only", ["`id` is read-only"]),
        (
            {"last name": "Smith"},
            "last name",
            "unknown",
            ["`last name`", "did you mean `lastname`?"],
        ),
        ({"Lastname": "Smith"}, "Lastname", "unknown", ["did you mean `lastname`?"]),
        ({"favourite_colour": "blue"}, "favourite_colour", "unknown", ["not a contact property"]),
        ({"name": "\ud800"}, "name", "text", ["lone surrogate"]),
        ({}, None, "empty", ["at least 1 property"]),
        ([{"name": "Ada"}], None, "not_an_object", ["JSON object", "array"]),
        ("name=Ada", None, "not_an_object", ["string 'name=Ada'"]),
        (None, None, "not_an_object", ["null"]),
    ],
)
def test_each_rule_is_reported_with_its_property_and_a_helpful_message(
    payload: object, prop: str | None, rule: str, fragments: list[str]
) -> None:
    violation = _only_violation(payload)
    assert (violation.property, violation.rule) == (prop, rule)
    assert f"(rule: {rule})" in violation.message
    for fragment in fragments:
        assert fragment in violation.message
    assert not contract.is_valid_update(payload)


def test_payload_error_lists_every_violation() -> None:
    payload = {"status": "ON", "score": 1, "country_id": "1", "last name": "x", "name": "ok"}
    with pytest.raises(PayloadError) as raised:
        contract.validate_update(payload)
    error = raised.value
    assert isinstance(error, ValueError)
    assert [(v.property, v.rule) for v in error.errors] == [
        ("status", "enum"),
        ("score", "read_only"),
        ("country_id", "type"),
        ("last name", "unknown"),
    ]
    assert str(error).startswith("4 contract violations in the update payload:")
    for violation in error.errors:
        assert violation.message in str(error)
        assert violation.to_dict() == {
            "property": violation.property,
            "rule": violation.rule,
            "message": violation.message,
        }


def test_huge_values_are_shortened_in_messages() -> None:
    violation = _only_violation({"status": "x" * 1_000_000})
    assert len(violation.message) < 300


def test_date_of_birth_is_valid_but_warns_that_it_is_deprecated() -> None:
    assert contract.is_valid_update({"date_of_birth": 631152000})
    with pytest.warns(DeprecatedPropertyWarning, match="`date_of_birth` is deprecated"):
        contract.validate_update({"date_of_birth": 631152000})


def test_no_warning_without_deprecated_properties() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        contract.validate_update({"birth_date": "1990-12-31"})


def test_integral_floats_follow_json_schema() -> None:
    # DESIGN.md calls `1.0` ambiguous; the validator keeps JSON Schema's reading.
    assert contract.is_valid_update({"country_id": 1.0})
    assert not contract.is_valid_update({"country_id": math.inf})
    assert not contract.is_valid_update({"country_id": math.nan})


class _Hostile:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparison either")

    __hash__ = object.__hash__


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "payload",
    [
        b'{"name": "Ada"}',
        {"status": _Hostile()},
        {_Hostile(): "x"},
        {"name": _nested(100_000)},
        {"tags": "[" * 100_000 + "]" * 100_000},
        {"country_id": float("nan")},
        {"name": b"bytes"},
        {"name": bytearray(b"x")},
        {("tuple", "key"): 1},
        {"status": {"nested": {"junk": [1, {2: 3}]}}},
        _Hostile(),
        {"name": "x" * 10_000_000, "score": 1},
    ],
)
def test_odd_input_gives_a_payload_error_never_another_exception(payload: object) -> None:
    with pytest.raises(PayloadError):
        contract.validate_update(payload)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
_odd = st.one_of(
    _json,
    st.binary(),
    st.dictionaries(
        st.sampled_from(list(contract.load_contract().properties)) | st.text(), _json | st.binary()
    ),
    st.dictionaries(st.integers() | st.binary() | st.none(), _json, max_size=3),
)


@given(_odd)
def test_any_value_gives_a_verdict_or_a_payload_error(payload: object) -> None:
    if contract.is_valid_update(payload):
        assert contract.validate_update(payload) == payload
    else:
        with pytest.raises(PayloadError) as raised:
            contract.validate_update(payload)
        assert raised.value.errors
        assert all(v.rule and v.message for v in raised.value.errors)


@given(
    st.one_of(
        valid_updates("rest"),
        valid_updates("xmlrpc"),
        invalid_updates().map(lambda c: c.payload),
        _odd,
    )
)
def test_the_fast_path_and_the_full_report_agree(payload: object) -> None:
    validator = contract.validator_for()
    fast = validator.is_certainly_valid(payload)
    report = list(validator.iter_violations(payload))
    if fast:
        assert report == []
    assert validator.is_valid(payload) == (report == [])


def test_the_validator_is_built_once_and_shared() -> None:
    assert contract.validator_for() is contract.validator_for()


@settings(max_examples=200)
@given(valid_updates())
def test_every_valid_payload_also_passes_plain_jsonschema(payload: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    from contract.core.schema import bundle

    oracle = Draft202012Validator(
        bundle("update"), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert oracle.is_valid(payload)


@given(
    st.text()
    | _json.map(json.dumps).flatmap(
        lambda t: st.sampled_from([t, f" {t}\n", f"{t} x", f"\ufeff{t}"])
    )
)
def test_json_content_is_decoded_exactly_as_json_loads_does(text: str) -> None:
    try:
        expected = (True, json.loads(text))
    except (ValueError, RecursionError):
        expected = (False, None)
    decoded = decode_json_content(text)
    assert decoded[0] == expected[0]
    assert json.dumps(decoded[1]) == json.dumps(expected[1])


_date_like = st.from_regex(
    r"[0-9+\- ٣W]{4}-[0-9 ٣x]{1,2}-[0-9\n٣]{1,3}", fullmatch=True
) | st.dates().map(lambda day: day.isoformat())


@given(_date_like | st.text(max_size=12))
def test_the_fast_date_test_is_jsonschemas_date_format(text: str) -> None:
    from contract.core.rules import FORMAT_CHECKER, _is_calendar_date

    assert _is_calendar_date(text) == FORMAT_CHECKER.conforms(text, "date")


FLOOD = {f"unknown_{i:05d}": i for i in range(10_000)}


def test_a_flood_of_violations_is_listed_up_to_a_hundred_then_counted() -> None:
    listed = list(contract.iter_violations({**FLOOD, "nmae": "Ada"}))
    assert len(listed) == contract.core.validation.MAX_VIOLATIONS + 1 == 101
    assert {found.rule for found in listed[:100]} == {"unknown"}
    assert listed[100] == Violation(
        None,
        "truncated",
        "and 9,901 more violations, not listed: the first 100 are (rule: truncated)",
    )
    with pytest.raises(PayloadError) as caught:
        contract.validate_update(FLOOD)
    assert len(caught.value.errors) == 101
    assert len(str(caught.value)) < 20_000


def test_the_full_report_is_there_on_request_with_few_suggestions() -> None:
    flood = {**FLOOD, "nmae": "Ada", "status": "ON"}
    every = list(contract.iter_violations(flood, limit=None))
    assert len(every) == 10_002
    assert every[-1].rule == "enum"
    # "did you mean" for the first hundred unknown names only: each costs a comparison
    # with every property.
    assert every[-2] == Violation(
        "nmae", "unknown", "`nmae` is not a contact property, got string 'Ada' (rule: unknown)"
    )
    assert "did you mean `name`" in next(
        found.message for found in contract.iter_violations({"nmae": "Ada"})
    )
    assert [found.rule for found in contract.iter_violations(flood, limit=2)] == [
        "unknown",
        "unknown",
        "truncated",
    ]


def test_waived_rules_are_not_reported_and_others_still_are() -> None:
    validator = contract.validator_for()
    flood = {**FLOOD, "score": 5, "status": "ON"}
    assert [v.rule for v in validator.violations(flood, waived={"unknown", "read_only"})] == [
        "enum"
    ]
    with pytest.raises(ValueError, match="only read_only and unknown can be waived"):
        validator.violations(flood, waived={"enum"})


def test_a_lone_surrogate_inside_tags_is_refused_as_anywhere_else() -> None:
    assert not contract.is_valid_update({"tags": '["\\ud800"]'})
    assert not contract.is_valid_update({"tags": '["vip", {"a": "\\udfff"}]'})
    assert contract.is_valid_update({"tags": '["\\u00e9t\\u00e9", "\\ud83d\\ude42"]'})
    (found,) = contract.iter_violations({"tags": '["\\ud800"]'})
    assert (found.property, found.rule) == ("tags", "format")
