"""An OpenAPI 3.1 description of the endpoint, derived from the schemas."""

from __future__ import annotations

import copy
from typing import Any

from contract.core.api import CONTACT_PATH
from contract.core.schema import Contract, Schema


def _component(schema: Schema) -> Schema:
    embedded = copy.deepcopy(schema)
    embedded.pop("$id", None)
    embedded.pop("$schema", None)
    return embedded


def _request(schema: Schema) -> Schema:
    """The update as a request body: no property has a default there, since a property
    not sent is left as the contact holds it (and a contact's "no value", such as
    ``null`` for an integer, is no value an update may send)."""
    embedded = _component(schema)
    for subschema in embedded["properties"].values():
        subschema.pop("default", None)
    return embedded


def _answer(description: str, schema_name: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema_name is not None:
        answer["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        }
    return answer


def openapi_document(contract: Contract, version: str) -> dict[str, Any]:
    """PUT and GET of one contact, with Basic auth, as an OpenAPI 3.1 document whose
    ``info.version`` is *version* (the library's, which the command line knows)."""
    refused = {
        "401": _answer("Missing or wrong credentials."),
        "404": _answer("No contact has this id."),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "UpdateContact",
            "version": version,
            "description": "Update a contact's properties, and read the contact back.",
        },
        "servers": [
            {"url": "https://{install}", "variables": {"install": {"default": "install.example"}}}
        ],
        "security": [{"basicAuth": []}],
        "paths": {
            CONTACT_PATH: {
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "description": "The ID of the contact.",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                ],
                "put": {
                    "operationId": "updateContact",
                    "summary": "Update a contact's properties",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ContactProperties"}
                            }
                        },
                    },
                    "responses": {
                        "200": _answer("The ID of the updated contact.", "ContactId"),
                        "400": _answer("The properties break the contract."),
                        "422": _answer("The properties break the contract."),
                        **refused,
                    },
                },
                "get": {
                    "operationId": "getContact",
                    "summary": "Read a contact back",
                    "responses": {"200": _answer("The contact.", "Contact"), **refused},
                },
            }
        },
        "components": {
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
            "schemas": {
                "Contact": _component(contract.contact),
                "ContactProperties": _request(contract.update),
                "ContactId": _component(contract.response),
            },
        },
    }
