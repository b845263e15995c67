"""The strategies draw what the contract accepts, and labelled cases of what it refuses."""

from __future__ import annotations

import json
import xmlrpc.client
from typing import Any

import pytest
from hypothesis import given, settings

import contract
from conftest import draw_many
from contract.core.rules import has_lone_surrogate
from contract.strategies import RULES, InvalidCase, invalid_updates, property_values, valid_updates

CONTRACT = contract.load_contract()
TRANSPORTS = ("rest", "xmlrpc")


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings_in(v)]]
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return []


def _ints_in(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [i for v in value.values() for i in _ints_in(v)]
    if isinstance(value, list):
        return [i for item in value for i in _ints_in(item)]
    return []


def _survives(payload: dict[str, Any], transport: str) -> None:
    """The payload goes through the transport's encoding and comes back unchanged."""
    if transport == "rest":
        assert json.loads(json.dumps(payload)) == payload
        assert all(abs(i) < 2**53 for i in _ints_in(payload))
        assert not any(has_lone_surrogate(s) for s in _strings_in(payload))
    else:
        request = xmlrpc.client.dumps((1, payload), "contacts.UpdateContact")
        assert xmlrpc.client.loads(request)[0] == (1, payload)
        assert all(-(2**31) <= i < 2**31 for i in _ints_in(payload))
        assert not any("\r" in s for s in _strings_in(payload))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_valid_payload_passes_validation_and_the_transport(transport: str) -> None:
    @settings(max_examples=150)
    @given(valid_updates(transport))  # type: ignore[arg-type]
    def check(payload: dict[str, Any]) -> None:
        assert payload
        assert contract.validate_update(payload) == payload
        _survives(payload, transport)

    check()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_invalid_case_breaks_exactly_its_labelled_rule(transport: str) -> None:
    @settings(max_examples=300)
    @given(invalid_updates(transport))  # type: ignore[arg-type]
    def check(case: InvalidCase) -> None:
        found = [(v.property, v.rule) for v in contract.iter_violations(case.payload)]
        assert found == [(case.property, case.rule)]
        _survives(case.payload, transport)

    check()


def _is_ambiguous(case: InvalidCase) -> bool:
    """What DESIGN.md says the suite never sends: 1.0 for integers, "" for formats and
    enums, case variants of allowed values, the key `last name`."""
    if case.property is None:
        return False
    value = case.payload.get(case.property)
    schema = CONTRACT.properties.get(case.property, {})
    if case.rule == "type" and schema.get("type") == "integer":
        return isinstance(value, float) and value.is_integer()
    if case.rule in ("format", "enum"):
        allowed = [str(v).casefold() for v in schema.get("enum", [])]
        return not str(value).strip() or str(value).strip().casefold() in allowed
    if case.rule == "unknown":
        squashed = case.property.replace(" ", "").replace("_", "").casefold()
        return squashed in {name.replace("_", "") for name in CONTRACT.properties}
    return False


@settings(max_examples=500)
@given(invalid_updates("rest") | invalid_updates("xmlrpc"))
def test_no_ambiguous_input_is_ever_drawn(case: InvalidCase) -> None:
    assert not _is_ambiguous(case)


def test_within_200_examples_every_writable_property_and_enum_value_is_drawn() -> None:
    payloads = draw_many(valid_updates(), 200)
    assert {name for payload in payloads for name in payload} == set(CONTRACT.writable)
    for name in CONTRACT.writable:
        enum = CONTRACT.enum(name)
        if enum is not None:
            seen = {payload[name] for payload in payloads if name in payload}
            assert seen == set(enum), name


def test_within_200_examples_every_read_only_property_is_drawn() -> None:
    # Alone, so that Hypothesis spends its 200 examples on the choice of property rather
    # than on mutating valid siblings. Derandomized: drawn at random, one property in
    # about a hundred runs was missed, and a test that fails by chance proves nothing.
    cases = draw_many(invalid_updates(rules={"read_only"}, siblings=False), 200, derandomize=True)
    assert {case.property for case in cases} == set(CONTRACT.read_only)


def test_within_200_examples_every_rule_is_drawn() -> None:
    cases = draw_many(invalid_updates(), 200)
    assert {case.rule for case in cases} == set(RULES)


@settings(max_examples=100)
@given(invalid_updates(rules={"enum", "format"}, siblings=False))
def test_without_siblings_the_payload_holds_only_the_offender(case: InvalidCase) -> None:
    assert list(case.payload) == [case.property]
    assert case.rule in {"enum", "format"}


def test_rules_must_be_known() -> None:
    with pytest.raises(ValueError, match="rules must be"):
        invalid_updates(rules={"spelling"})


def test_transport_must_be_known() -> None:
    with pytest.raises(ValueError, match="transport must be one of rest, xmlrpc"):
        valid_updates("soap")  # type: ignore[arg-type]


@settings(max_examples=100)
@given(property_values("tags"), property_values("birth_date", "xmlrpc"))
def test_formatted_properties_draw_well_formed_content(tags: str, birth_date: str) -> None:
    decoded = json.loads(tags)
    assert isinstance(decoded, list)
    assert all(isinstance(tag, str) for tag in decoded)
    assert len(birth_date) == 10
