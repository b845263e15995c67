"""The contract as data: the schema files, their registry, and the derived facts.

Everything else in the package that knows a property name, type, enum or read-only
flag asks a :class:`Contract` built here. The files in ``schemas/`` are the single
source of truth; an optional *extension* adds an install's custom fields.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from contract.errors import ContractError

SchemaName = Literal["contact", "update", "response"]
SCHEMA_NAMES: tuple[SchemaName, ...] = ("contact", "update", "response")
Schema = dict[str, Any]


class SchemaExtensionError(ContractError, ValueError):
    """A schema extension that cannot be merged into the contract."""


def schema_directory() -> Path:
    """Where the schema files are: inside an installed wheel, or the source tree."""
    package = Path(__file__).parent.parent
    packaged = package / "schemas"
    if packaged.is_dir():
        return packaged
    return package.parent / "schemas"


@functools.cache
def load_schema_file(name: SchemaName) -> Schema:
    """One schema file exactly as written, ``$ref``s and all."""
    text = (schema_directory() / f"{name}.schema.json").read_text(encoding="utf-8")
    schema: Schema = json.loads(text)
    return schema


@functools.cache
def registry() -> Registry[Any]:
    """A ``referencing`` registry holding every schema file under its ``$id``."""
    resources = [DRAFT202012.create_resource(load_schema_file(name)) for name in SCHEMA_NAMES]
    return Registry().with_resources((resource.id(), resource) for resource in resources)  # type: ignore[misc]


def _inline_refs(node: Any, base_uri: str, reg: Registry[Any]) -> Any:
    """Replace every ``$ref`` under *node* by the subschema it points at."""
    if isinstance(node, list):
        return [_inline_refs(item, base_uri, reg) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = reg.resolver(base_uri).lookup(node["$ref"]).contents
        target_base = urldefrag(urljoin(base_uri, node["$ref"])).url
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {**_inline_refs(target, target_base, reg), **rest}
    return {key: _inline_refs(value, base_uri, reg) for key, value in node.items()}


def bundle(name: SchemaName) -> Schema:
    """A self-contained copy of one schema file, with its ``$ref``s inlined."""
    schema = load_schema_file(name)
    return _inline_refs(copy.deepcopy(schema), schema["$id"], registry())  # type: ignore[no-any-return]


def load_extension(source: Mapping[str, Any] | str | Path) -> Schema:
    """Read a schema extension from a mapping or from a JSON file's path."""
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SchemaExtensionError(
            f"cannot read schema extension {path}: {error.strerror}"
        ) from None
    except ValueError as error:
        raise SchemaExtensionError(f"schema extension {path} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise SchemaExtensionError(f"schema extension {path} must be a JSON object")
    return data


def _checked_extension(extension: Schema, built_in: Mapping[str, Any]) -> dict[str, Schema]:
    properties = extension.get("properties")
    if not isinstance(properties, dict) or not properties:
        raise SchemaExtensionError(
            'a schema extension is an object like {"properties": {"field": {"type": "string"}}}'
        )
    unexpected = sorted(set(extension) - {"properties", "$schema", "$id", "title", "description"})
    if unexpected:
        raise SchemaExtensionError(f"a schema extension may only add properties, not {unexpected}")
    for name, subschema in properties.items():
        if name in built_in:
            raise SchemaExtensionError(f"custom field `{name}` redefines a built-in property")
        if not isinstance(subschema, dict):
            raise SchemaExtensionError(
                f"custom field `{name}` must be described by a schema object"
            )
        problem = best_match(
            Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(subschema)
        )
        if problem is not None:
            where = "/".join(str(part) for part in problem.absolute_path)
            at = f" at `{where}`" if where else ""
            raise SchemaExtensionError(
                f"custom field `{name}` is no valid JSON Schema{at}: {problem.message}"
            )
    return properties


@dataclass(frozen=True)
class Contract:
    """The contact and update schemas, bundled, with the facts derived from them."""

    contact: Schema
    update: Schema
    response: Schema
    extension: Schema | None = field(default=None, compare=False)

    @property
    def properties(self) -> dict[str, Schema]:
        """Every contact property and its subschema, in documentation order."""
        return self.contact["properties"]  # type: ignore[no-any-return]

    def rules(self, name: str) -> Schema:
        """What a value of *name* must be: as an update sends it for a writable property,
        as the contact holds it otherwise. A contact may hold an "empty" value (``""`` in
        an enum, ``null`` for an integer) that no update may send."""
        update: Schema | None = self.update["properties"].get(name)
        return update if update is not None else self.properties[name]

    def types(self, name: str) -> frozenset[str]:
        """The JSON types a contact may hold in *name* (``null`` among them where its
        "empty" default is no value)."""
        kind = self.properties[name].get("type")
        return frozenset(kind if isinstance(kind, list) else [kind] if kind else [])

    @functools.cached_property
    def writable(self) -> tuple[str, ...]:
        """The properties an update may carry."""
        return tuple(self.update["properties"])

    @functools.cached_property
    def read_only(self) -> tuple[str, ...]:
        """The properties no update can change."""
        return tuple(name for name, sub in self.properties.items() if sub.get("readOnly"))

    @functools.cached_property
    def deprecated(self) -> frozenset[str]:
        """Writable properties the documentation marks as deprecated."""
        return frozenset(name for name in self.writable if self.properties[name].get("deprecated"))

    def enum(self, name: str) -> tuple[Any, ...] | None:
        """The allowed values of a property (those an update may send, for a writable one),
        or ``None`` when it has no enum."""
        values = self.rules(name).get("enum")
        return tuple(values) if values is not None else None

    @functools.cached_property
    def fingerprint(self) -> str:
        """A short hash of the effective schemas, for certificates and caches."""
        canonical = json.dumps([self.contact, self.update], sort_keys=True).encode()
        return hashlib.sha256(canonical).hexdigest()[:16]


def _build_contract(extension: Schema | None) -> Contract:
    contact = bundle("contact")
    update = bundle("update")
    if extension is not None:
        custom = _checked_extension(extension, contact["properties"])
        contact["properties"].update(copy.deepcopy(custom))
        update["properties"].update(
            {name: copy.deepcopy(sub) for name, sub in custom.items() if not sub.get("readOnly")}
        )
    return Contract(
        contact=contact, update=update, response=bundle("response"), extension=extension
    )


@functools.cache
def _default_contract() -> Contract:
    return _build_contract(None)


def load_contract(extension: Mapping[str, Any] | str | Path | None = None) -> Contract:
    """The contract of the documented API, plus an install's custom fields if given.

    *extension* is a JSON Schema fragment ``{"properties": {...}}`` (a mapping or the
    path of a JSON file). Custom fields are writable unless marked ``readOnly``.
    """
    if extension is None:
        return _default_contract()
    return _build_contract(load_extension(extension))
