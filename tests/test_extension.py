"""Custom fields: a schema extension reaches validation, strategies and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import contract
from conftest import SUITE, draw_many
from contract.strategies import InvalidCase, invalid_updates, valid_updates
from tests.conftest import RunCli

EXTENSION: dict[str, Any] = {
    "properties": {
        "loyalty_tier": {"type": "string", "enum": ["gold", "silver"]},
        "member_since": {"type": "string", "format": "date"},
        "crm_score": {"type": "integer", "readOnly": True},
        "nickname": {"type": "string", "maxLength": 12},
    }
}


@pytest.fixture
def extension_file(tmp_path: Path) -> Path:
    path = tmp_path / "custom-fields.json"
    path.write_text(json.dumps(EXTENSION), encoding="utf-8")
    return path


def test_custom_fields_are_valid_only_with_the_extension(extension_file: Path) -> None:
    payload = {"name": "Ada", "loyalty_tier": "gold", "member_since": "2020-01-31"}
    assert not contract.is_valid_update(payload)
    assert contract.is_valid_update(payload, extension=EXTENSION)
    assert contract.validate_update(payload, extension=extension_file) == payload


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        ({"loyalty_tier": "bronze"}, "enum"),
        ({"member_since": "2020-02-30"}, "format"),
        ({"crm_score": 5}, "read_only"),
        ({"nickname": "x" * 13}, "maxLength"),
        ({"nickname": 12}, "type"),
    ],
)
def test_custom_fields_rules_are_enforced(payload: dict[str, Any], rule: str) -> None:
    violations = list(contract.iter_violations(payload, extension=EXTENSION))
    assert [(v.property, v.rule) for v in violations] == [(next(iter(payload)), rule)]


def test_the_extended_contract_lists_the_custom_fields() -> None:
    extended = contract.load_contract(EXTENSION)
    assert "loyalty_tier" in extended.writable
    assert "crm_score" in extended.read_only
    assert "crm_score" not in extended.writable
    assert extended.fingerprint != contract.load_contract().fingerprint
    assert "loyalty_tier" not in contract.load_contract().writable


@pytest.mark.parametrize(
    ("extension", "message"),
    [
        ({"properties": {"name": {"type": "integer"}}}, "redefines a built-in property"),
        ({"properties": {}}, "a schema extension is an object like"),
        ({"required": ["x"], "properties": {"x": {}}}, "may only add properties"),
        ({"properties": {"x": 5}}, "must be described by a schema object"),
        (
            {"properties": {"x": {"type": "nonsense"}}},
            "custom field `x` is no valid JSON Schema at `type`",
        ),
        (
            {"properties": {"x": {"type": "string", "readOnly": "yes"}}},
            "custom field `x` is no valid JSON Schema at `readOnly`: 'yes' is not of type",
        ),
    ],
)
def test_bad_extensions_are_refused_clearly(extension: dict[str, Any], message: str) -> None:
    with pytest.raises(contract.SchemaExtensionError, match=message):
        contract.load_contract(extension)


def test_an_unreadable_extension_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{nope", encoding="utf-8")
    with pytest.raises(contract.SchemaExtensionError, match="is not JSON"):
        contract.load_contract(broken)
    with pytest.raises(contract.SchemaExtensionError, match="cannot read"):
        contract.load_contract(tmp_path / "missing.json")


@settings(max_examples=100)
@given(valid_updates(extension=EXTENSION))
def test_valid_strategies_draw_custom_fields(payload: dict[str, Any]) -> None:
    assert contract.is_valid_update(payload, extension=EXTENSION)


@settings(max_examples=200)
@given(invalid_updates(extension=EXTENSION))
def test_invalid_strategies_break_custom_fields_too(case: InvalidCase) -> None:
    found = [
        (v.property, v.rule) for v in contract.iter_violations(case.payload, extension=EXTENSION)
    ]
    assert found == [(case.property, case.rule)]


def test_strategies_reach_every_custom_field() -> None:
    payloads = draw_many(valid_updates(extension=EXTENSION), 200)
    cases = draw_many(
        invalid_updates(extension=EXTENSION, rules={"read_only"}, siblings=False), 200
    )
    writable = {name for name, sub in EXTENSION["properties"].items() if not sub.get("readOnly")}
    assert writable <= {name for payload in payloads for name in payload}
    assert "crm_score" in {case.property for case in cases}


_BAD_EXTENSIONS = [
    ({"properties": {"x": {"type": "nonsense"}}}, "custom field `x` is no valid JSON Schema"),
    ({"properties": {"name": {"type": "string"}}}, "redefines a built-in property"),
    ({"properties": {"x": {"type": "object"}}}, "cannot draw values of type 'object'"),
]


@pytest.mark.parametrize(("extension", "message"), _BAD_EXTENSIONS)
def test_a_bad_extension_is_one_line_and_exit_2_from_certify(
    tmp_path: Path, run_cli: RunCli, extension: dict[str, Any], message: str
) -> None:
    path = tmp_path / "custom-fields.json"
    path.write_text(json.dumps(extension), encoding="utf-8")
    remote = ["--url", "http://127.0.0.1:9", "--api-key", "k", "--contact-id", "1"]
    for target in (remote, ["--mock"]):
        result = run_cli("certify", *target, "--schema-extension", str(path))
        assert result.returncode == 2, result.stdout + result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"contract certify: could not run: --schema-extension {path}: ")
        assert message in line
        assert "INTERNALERROR" not in result.stdout + result.stderr


@pytest.mark.parametrize(("extension", "message"), _BAD_EXTENSIONS)
def test_a_bad_extension_is_one_error_line_under_pytest(
    pytester: pytest.Pytester, extension: dict[str, Any], message: str
) -> None:
    path = pytester.path / "custom-fields.json"
    path.write_text(json.dumps(extension), encoding="utf-8")
    result = pytester.runpytest(
        *SUITE, "--contract-url=http://127.0.0.1:9", f"--contract-schema-extension={path}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = [line for line in result.stderr.lines if line.strip()]
    assert line.startswith(f"ERROR: --contract-schema-extension {path}: ")
    assert message in line
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
