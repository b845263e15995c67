"""`contract openapi` describes the same contract to other tools."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from contract import load_contract
from tests.conftest import RunCli


def test_the_document_is_valid_openapi_3_1(run_cli: RunCli) -> None:
    result = run_cli("openapi")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_it_describes_put_and_get_with_basic_auth(run_cli: RunCli) -> None:
    document = json.loads(run_cli("openapi").stdout)
    operations = document["paths"]["/api/2.0/contacts/{id}"]
    assert set(operations) == {"parameters", "put", "get"}
    assert document["components"]["securitySchemes"]["basicAuth"] == {
        "type": "http",
        "scheme": "basic",
    }
    assert document["security"] == [{"basicAuth": []}]


def test_its_schemas_are_the_contracts(run_cli: RunCli) -> None:
    schemas = json.loads(run_cli("openapi").stdout)["components"]["schemas"]
    contract = load_contract()
    assert set(schemas["ContactProperties"]["properties"]) == set(contract.writable)
    assert set(schemas["Contact"]["properties"]) == set(contract.properties)
    request = Draft202012Validator(schemas["ContactProperties"])
    assert request.is_valid({"name": "Ada"})
    assert not request.is_valid({"score": 1})
    assert not request.is_valid({})


def test_custom_fields_reach_the_document(run_cli: RunCli, tmp_path: Path) -> None:
    extension = tmp_path / "ext.json"
    extension.write_text(json.dumps({"properties": {"loyalty_tier": {"type": "string"}}}))
    document = json.loads(run_cli("openapi", "--schema-extension", str(extension)).stdout)
    validate(document)
    assert "loyalty_tier" in document["components"]["schemas"]["ContactProperties"]["properties"]
