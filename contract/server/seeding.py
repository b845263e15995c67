"""Contacts to start with, derived from the contact schema: plausible ones, and fresh ones.

A plausible contact's values follow each property's subschema (type, enum, format,
content) and look like real data; read-only counters get non-zero values so that an
update that wrongly resets them shows. A fresh contact is one as the platform makes it:
every property at its default, and "empty" where the default is: ``""`` for text and
enums, ``null`` for integers. The values depend only on the contact id: the same seed
gives the same contacts on every run.
"""

from __future__ import annotations

import random
from typing import Any

from contract.core.plausible import plausible_value, timestamp
from contract.core.schema import Contract, Schema

# The resource identifier: the path's `:id` and the contact's own `id` property.
ID_PROPERTY = "id"
# When the platform made the contact: set for every contact, even a fresh one.
CREATED_PROPERTY = "date_create"


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
        contact[CREATED_PROPERTY] = timestamp(random.Random(contact_id))
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
