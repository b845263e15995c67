"""Plausible values: what a property of a real contact might hold, derived from its schema.

Each value is one an update may send (its type, enum, format and content as the contract
says), and looks like real data: a date of birth that is a birthday, tags that are a
JSON array of words, a name that says which property and contact it is. The same random
generator gives the same values.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

from contract.core.schema import Schema

_TAGS = ("customer", "newsletter", "vip", "trial", "partner", "2024")
_EPOCH_START = datetime(2015, 1, 1, tzinfo=timezone.utc)


def timestamp(rng: random.Random) -> int:
    """A moment between 2015 and 2025, as Unix time."""
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
        return _birth_timestamp(rng) if "birth" in description else timestamp(rng)
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
