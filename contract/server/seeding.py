"""Contacts to start with, derived from the contact schema: plausible ones, and fresh ones.

A plausible contact's values follow each property's subschema (type, enum, format,
content) and look like real data; read-only counters get non-zero values so that an
update that wrongly resets them shows. A fresh contact is one as the platform makes it:
every property at its default, and "empty" where the default is: ``""`` for text and
enums, ``null`` for integers. The values depend only on the contact id: the same seed
gives the same contacts on every run.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

from contract.schema import Contract, Schema

# The resource identifier: the path's `:id` and the contact's own `id` property.
ID_PROPERTY = "id"
# When the platform made the contact: set for every contact, even a fresh one.
CREATED_PROPERTY = "date_create"

_TAGS = ("customer", "newsletter", "vip", "trial", "partner", "2024")
_EPOCH_START = datetime(2015, 1, 1, tzinfo=timezone.utc)


def _timestamp(rng: random.Random) -> int:
    return int(
        (
            _EPOCH_START + timedelta(days=rng.randrange(3650), seconds=rng.randrange(86400))
        ).timestamp()
    )


def _birthday(rng: random.Random) -> date:
    return date(1950, 1, 1) + timedelta(days=rng.randrange(20000))


def _birth_timestamp(rng: random.Random) -> int:
    birthday = _birthday(rng)
    return int(
        datetime(birthday.year, birthday.month, birthday.day, tzinfo=timezone.utc).timestamp()
    )


def _integer(schema: Schema, rng: random.Random) -> int:
    description = str(schema.get("description", "")).lower()
    if description.startswith("date"):
        return _birth_timestamp(rng) if "birth" in description else _timestamp(rng)
    if schema.get("readOnly"):
        return rng.randrange(1, 40)
    default = schema.get("default")
    return default if type(default) is int else rng.randrange(1, 100)


def _string(schema: Schema, contact_id: int, rng: random.Random) -> str:
    if schema.get("format") == "date":
        return _birthday(rng).isoformat()
    if schema.get("contentMediaType") == "application/json":
        return json.dumps(rng.sample(_TAGS, rng.randrange(1, 4)))
    if schema.get("readOnly"):
        # Read-only text is system-made: identifiers of sent messages.
        return ",".join(str(rng.randrange(1000, 99999)) for _ in range(rng.randrange(1, 4)))
    label = str(schema.get("description") or "value")
    return f"{label} {contact_id}"


def plausible_value(schema: Schema, contact_id: int, rng: random.Random) -> Any:
    """One value that *schema* accepts, chosen to look like real data."""
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):  # an "empty" null beside the type of a plausible value
        kind = next((k for k in kind if k != "null"), None)
    if kind == "integer":
        return _integer(schema, rng)
    if kind == "number":
        return round(rng.uniform(0, 10), 1) if schema.get("readOnly") else schema.get("default", 0)
    if kind == "string":
        return _string(schema, contact_id, rng)
    if kind == "boolean":
        return bool(schema.get("default", False))
    # Custom fields of other shapes start as their default, or null.
    return schema.get("default")


def _empty(schema: Schema) -> Any:
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "" if "string" in kinds else None


def fresh_contact(contract: Contract, contact_id: int) -> dict[str, Any]:
    """Every property of a contact as the platform makes it: defaults, else empty."""
    contact = {name: _empty(schema) for name, schema in contract.properties.items()}
    if ID_PROPERTY in contact:
        contact[ID_PROPERTY] = contact_id
    if CREATED_PROPERTY in contact:
        contact[CREATED_PROPERTY] = _timestamp(random.Random(contact_id))
    return contact


def plausible_contact(contract: Contract, contact_id: int) -> dict[str, Any]:
    """Every property of one contact, with values that depend only on *contact_id*."""
    rng = random.Random(contact_id)
    # A value an update could send (what the contact schema alone allows is looser).
    contact = {
        name: plausible_value(contract.rules(name), contact_id, rng) for name in contract.properties
    }
    if ID_PROPERTY in contact:
        contact[ID_PROPERTY] = contact_id
    return contact
