"""The schema files against the documented table, both ways: nothing missing, nothing invented."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contract.core.schema import SCHEMA_NAMES, bundle, load_contract, load_schema_file, registry

# The seed's table, copied by hand as this test's independent witness:
# (name, type, enum values, read-only, default as the table writes it)
SEED_TABLE: list[tuple[str, str, tuple[str, ...], bool, str]] = [
    ("country_id", "integer", (), False, "1"),
    ("city_id", "integer", (), False, "1"),
    ("name", "string", (), False, "empty"),
    ("last name", "string", (), False, "empty"),
    ("status", "string", ("on", "off", "suppressed"), False, "on"),
    ("preferred_email_format", "string", ("html", "text"), False, "HTML"),
    ("title", "string", (), False, "empty"),
    ("company_position", "string", (), False, "empty"),
    ("company_name", "string", (), False, "empty"),
    ("department", "string", (), False, "empty"),
    ("industry", "string", (), False, "empty"),
    ("address", "string", (), False, "empty"),
    ("city", "string", (), False, "empty"),
    ("country", "string", (), False, "empty"),
    ("state", "string", (), False, "empty"),
    ("zip", "string", (), False, "empty"),
    ("telephone_office", "string", (), False, "empty"),
    ("telephone_home", "string", (), False, "empty"),
    ("telephone_fax", "string", (), False, "empty"),
    ("date_of_birth", "integer", (), False, "empty"),
    ("tags", "string", (), False, "empty"),
    ("birth_date", "string", (), False, "empty"),
    ("gender", "string", ("unknown", "male", "female"), False, "empty"),
    ("marital_status", "string", ("unknown", "single", "married"), False, "empty"),
    ("education_level", "string", (), False, "empty"),
    ("hash", "string", (), False, "empty"),
    ("unique_id", "string", (), False, "empty"),
    ("id", "integer", (), True, "empty"),
    ("date_create", "integer", (), True, "empty"),
    ("score", "float", (), True, "2"),
    ("rating", "integer", (), True, "2"),
    ("email_status", "string", ("none", "bouncing", "bounced", "always send"), True, "none"),
    ("create_notifications", "string", ("yes", "no"), False, "no"),
    ("email_bounce_hard_count", "integer", (), True, "0"),
    ("email_bounce_soft_count", "integer", (), True, "0"),
    ("block_bounce_count", "integer", (), True, "0"),
    ("sms_bounce_hard_count", "integer", (), True, "0"),
    ("sms_bounce_soft_count", "integer", (), True, "0"),
    ("sms_bounce_consecutive_count", "integer", (), True, "0"),
    ("complaints_count", "integer", (), True, "0"),
    ("forward_count", "integer", (), True, "empty"),
    ("invite_count", "integer", (), True, "empty"),
    ("bounce_unidentified_count", "integer", (), True, "0"),
    ("autoresponder_count", "integer", (), True, "0"),
    ("email_message_ids", "string", (), True, "empty"),
    ("sms_message_ids", "string", (), True, "empty"),
    ("email_message_count", "integer", (), True, "0"),
    ("sms_message_count", "integer", (), True, "0"),
    ("message_reads_inferred", "integer", (), True, "0"),
    ("message_reads_unique", "integer", (), True, "0"),
    ("message_link_clicks", "integer", (), True, "0"),
    ("message_link_clicks_unique", "integer", (), True, "0"),
]
# How DESIGN.md reads the table: `last name` is the key `lastname`.
CANONICAL = {"last name": "lastname"}
JSON_TYPE = {"integer": "integer", "string": "string", "float": "number"}


def _key(name: str) -> str:
    return CANONICAL.get(name, name)


# "empty" in the table, yet every contact has them from the moment it is made.
_SET_BY_THE_PLATFORM = frozenset({"id", "date_create"})


def _expected_default(json_type: str, default: str, formatted: bool) -> Any:
    """The schema's `default` for the table's text.

    "empty" is no value: ``""`` for text and enums, ``null`` for integers, as a contact
    the platform makes holds them. Formatted text holds ``""`` too, but has no default,
    since ``""`` would break its format.
    """
    if default == "empty":
        return ("" if not formatted else ...) if json_type == "string" else None
    if json_type == "integer":
        return int(default)
    if json_type == "number":
        return float(default)
    return default.lower()  # `HTML` is a typo of the listed `html`


def test_the_copy_of_the_table_is_the_documented_shape() -> None:
    assert len(SEED_TABLE) == 52
    assert sum(read_only for *_, read_only, _ in SEED_TABLE) == 24
    assert sum(bool(enum) for _, _, enum, _, _ in SEED_TABLE) == 6


@pytest.mark.parametrize(("name", "type_", "enum", "read_only", "default"), SEED_TABLE)
def test_every_row_of_the_table_is_in_the_contact_schema(
    name: str, type_: str, enum: tuple[str, ...], read_only: bool, default: str
) -> None:
    schema = load_schema_file("contact")["properties"][_key(name)]
    if name in _SET_BY_THE_PLATFORM:
        assert (schema["type"], schema.get("default", ...)) == (JSON_TYPE[type_], ...)
        return
    json_type, empty = JSON_TYPE[type_], default == "empty"
    # A contact read back may hold "no value": null beside an integer, "" in an enum.
    assert schema["type"] == (
        ["integer", "null"] if empty and json_type == "integer" else json_type
    )
    assert tuple(schema.get("enum", ())) == ((*enum, "") if enum and empty else enum)
    assert schema.get("readOnly", False) is read_only
    formatted = "format" in schema or "contentSchema" in schema
    assert schema.get("default", ...) == _expected_default(json_type, default, formatted)
    assert schema["description"]


def test_the_contact_schema_invents_no_property() -> None:
    documented = {_key(name) for name, *_ in SEED_TABLE}
    assert set(load_schema_file("contact")["properties"]) == documented


def test_only_date_of_birth_is_deprecated() -> None:
    properties = load_schema_file("contact")["properties"]
    assert [name for name, sub in properties.items() if sub.get("deprecated")] == ["date_of_birth"]


def test_the_update_schema_holds_exactly_the_writable_properties() -> None:
    update = load_schema_file("update")
    writable = {_key(name) for name, _, _, read_only, _ in SEED_TABLE if not read_only}
    assert set(update["properties"]) == writable
    assert len(writable) == 28
    assert update["additionalProperties"] is False
    assert update["minProperties"] == 1


def test_update_properties_are_references_into_the_contact_schema() -> None:
    contact = load_schema_file("contact")["properties"]
    bundled = bundle("update")["properties"]
    for name, subschema in load_schema_file("update")["properties"].items():
        rest = dict(subschema)
        assert rest.pop("$ref") == f"contact.schema.json#/properties/{name}"
        # All an update may add: the contact's "no value" taken out of the rule, since
        # no update can write it.
        allowed = [v for v in contact[name].get("enum", []) if v != ""]
        assert rest in ({}, {"enum": allowed}, {"type": "integer"}, {"format": "date"})
        assert bundled[name] == {**contact[name], **rest}


def test_the_response_is_a_positive_integer() -> None:
    validator = Draft202012Validator(load_schema_file("response"))
    assert validator.is_valid(42)
    assert not validator.is_valid(0)
    assert not validator.is_valid("42")
    assert not validator.is_valid(True)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_file_is_a_valid_2020_12_schema_with_an_id(name: str) -> None:
    schema = load_schema_file(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{name}.schema.json")
    assert registry().contents(schema["$id"]) == schema


def test_references_resolve_through_the_registry() -> None:
    update = load_schema_file("update")
    validator = Draft202012Validator(
        update, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert validator.is_valid({"status": "off", "birth_date": "2024-02-29"})
    assert not validator.is_valid({"status": "maybe"})
    assert not validator.is_valid({"birth_date": "2023-02-29"})
    assert not validator.is_valid({"score": 3})


def test_the_contract_exposes_the_derived_facts() -> None:
    contract = load_contract()
    assert len(contract.properties) == 52
    assert len(contract.writable) == 28
    assert len(contract.read_only) == 24
    assert contract.enum("status") == ("on", "off", "suppressed")
    assert contract.enum("name") is None
    assert contract.deprecated == {"date_of_birth"}
    assert len(contract.fingerprint) == 16


def test_schema_files_are_plain_json_with_a_trailing_newline() -> None:
    from contract.core.schema import schema_directory

    for name in SCHEMA_NAMES:
        text = (schema_directory() / f"{name}.schema.json").read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert json.loads(text) == load_schema_file(name)
