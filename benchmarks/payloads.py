"""The payloads the benchmarks use: three fixed sizes, their invalid twins, and a JSON Lines file.

Property names, types and enums come from the contract; only the sample text is made up.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from contract import load_contract

Payload = dict[str, Any]
Schema = dict[str, Any]

# Sample text a CRM holds: names, firms, places, phone numbers; some of it beyond ASCII.
_TEXT = (
    "Ada", "Lovelace", "Zoë", "José García", "Nguyễn Thị Mai", "Øyvind", "O'Brien",
    "Analytical Engines Ltd", "Müller & Söhne GmbH", "株式会社サンプル", "Head of Marketing",
    "Sales", "Research and Development", "Education", "221B Baker Street", "Rue de Rivoli 12",
    "London", "München", "São Paulo", "Kraków", "United Kingdom", "Deutschland", "Ontario",
    "SW1A 1AA", "80331", "+44 20 7946 0958", "+49 89 1234567", "(555) 010-4477", "Dr.",
    "MSc", "a1b2c3d4e5f6", "import-2024-000123",
)  # fmt: skip
_TAGS = ("vip", "2024", "newsletter", "lead", "customer", "partner", "événement", "beta")
_FIRST_BIRTHDAY = date(1940, 1, 1)
_BIRTHDAY_SPAN = (date(2008, 12, 31) - _FIRST_BIRTHDAY).days


def _properties() -> dict[str, Schema]:
    properties: dict[str, Schema] = load_contract().update["properties"]
    return properties


def _is_json_content(schema: Schema) -> bool:
    return schema.get("contentMediaType") == "application/json"


def _value(schema: Schema, rng: random.Random) -> Any:
    """A realistic valid value for one writable property."""
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return rng.randint(1, 250)
    if kind == "number":
        return round(rng.uniform(0, 100), 2)
    if schema.get("format") == "date":
        return (_FIRST_BIRTHDAY + timedelta(days=rng.randrange(_BIRTHDAY_SPAN))).isoformat()
    if _is_json_content(schema):
        return json.dumps(rng.sample(_TAGS, rng.randint(0, 3)), ensure_ascii=rng.random() < 0.5)
    return rng.choice(_TEXT)


def _names_where(test: Callable[[Schema], bool]) -> list[str]:
    return [name for name, schema in _properties().items() if test(schema)]


def _full_valid(typical: Payload) -> Payload:
    rng = random.Random(28)
    drawn = {name: _value(schema, rng) for name, schema in _properties().items()}
    return {**drawn, **typical}


def _check_names(payload: Payload) -> Payload:
    unknown = set(payload) - set(_properties())
    assert not unknown, f"benchmark payload uses properties the contract lacks: {unknown}"
    return payload


SMALL_VALID: Payload = _check_names({"name": "Ada"})
TYPICAL_VALID: Payload = _check_names(
    {
        "name": "Ada",
        "lastname": "Lovelace",
        "status": "on",
        "company_name": "Analytical Engines Ltd",
        "city": "London",
        "country_id": 44,
        "tags": '["vip","2024"]',
        "birth_date": "1990-12-10",
    }
)
FULL_VALID: Payload = _full_valid(TYPICAL_VALID)


@dataclass(frozen=True)
class Case:
    """One payload to validate, with the verdict the contract gives it."""

    size: str
    label: str
    payload: Payload
    valid: bool


VALID_CASES = (
    Case("small", "1 property", SMALL_VALID, True),
    Case("typical", f"{len(TYPICAL_VALID)} properties", TYPICAL_VALID, True),
    Case("full", f"all {len(FULL_VALID)} writable properties", FULL_VALID, True),
)
INVALID_CASES = (
    Case("small", "wrong type (`name`: 42)", {"name": 42}, False),
    Case("small", "misspelt key (`last name`)", {"last name": "Lovelace"}, False),
    Case("typical", "value outside enum (`status`)", {**TYPICAL_VALID, "status": "active"}, False),
    Case(
        "typical",
        "`tags` JSON but not an array of strings",
        {**TYPICAL_VALID, "tags": '{"vip": true}'},
        False,
    ),
    Case(
        "full", "impossible date (`birth_date`)", {**FULL_VALID, "birth_date": "1990-02-30"}, False
    ),
)


def _break_one_rule(payload: Payload, rng: random.Random) -> Payload:
    """A copy of *payload* that breaks one rule: the mistakes a real export makes."""
    broken = dict(payload)
    mistake = rng.randrange(7)
    if mistake == 0:
        broken[rng.choice(_names_where(lambda s: "enum" in s))] = "maybe"
    elif mistake == 1:
        broken[rng.choice(_names_where(lambda s: s.get("type") == "string"))] = rng.randint(1, 99)
    elif mistake == 2:
        broken[rng.choice(_names_where(lambda s: s.get("type") == "integer"))] = "12"
    elif mistake == 3:
        broken["last name"] = rng.choice(_TEXT)
    elif mistake == 4:
        broken[rng.choice(load_contract().read_only)] = 1
    elif mistake == 5:
        broken[rng.choice(_names_where(lambda s: s.get("format") == "date"))] = "1990-02-30"
    else:
        name = rng.choice(_names_where(_is_json_content))
        broken[name] = rng.choice(("vip,2024", '{"vip": true}', "[1, 2]"))
    return broken


def random_payload(rng: random.Random, invalid_share: float) -> Payload:
    """A payload of 1 to 8 properties, mostly few; invalid with probability *invalid_share*."""
    properties = _properties()
    count = min(len(properties), rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8)))
    names = rng.sample(sorted(properties), count)
    payload = {name: _value(properties[name], rng) for name in names}
    if rng.random() < invalid_share:
        return _break_one_rule(payload, rng) if rng.random() < 0.98 else {}
    return payload


def json_lines(count: int, *, seed: int = 2024, invalid_share: float = 0.05) -> Iterator[str]:
    """*count* JSON Lines of realistic payloads, drawn from a pool of distinct ones."""
    rng = random.Random(seed)
    pool = [
        json.dumps(random_payload(rng, invalid_share), ensure_ascii=rng.random() < 0.3) + "\n"
        for _ in range(min(count, 20_000))
    ]
    remaining = count
    while remaining > 0:
        chunk = min(remaining, 100_000)
        yield from rng.choices(pool, k=chunk)
        remaining -= chunk
