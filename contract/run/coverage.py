"""Deterministic cases derived from the schema, run before Hypothesis explores.

A random draw may or may not reach a given property or kind of value; a coverage case
reaches each one, in every run, whatever the seed. Nothing here names a property: the
cases come from each property's type, enum and format in the contract.

Every function leaves out the writable properties in *exclude*: those whose current
value the install would not take back are never sent (see :mod:`contract.run.put_back`).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

from contract.core.real_data import DATES, KIND_KEYWORD, SHARED, own_values
from contract.core.schema import Contract, Schema
from contract.core.transports import Transport

Probe = dict[str, Any]
"""One coverage case: ``payload``, the ``property`` on trial and the ``kind`` of value."""

# One value of each JSON type, and the types (as a schema names them) it belongs to.
_WRONG_TYPES: tuple[tuple[str, Any, frozenset[str]], ...] = (
    ("a boolean", True, frozenset({"boolean"})),
    ("an integer", 12, frozenset({"integer", "number"})),
    ("a fraction", 1.5, frozenset({"number"})),
    ("text that is no number", "abc", frozenset({"string"})),
    ("empty text", "", frozenset({"string"})),
    ("null", None, frozenset({"null"})),
    ("an array", [1], frozenset({"array"})),
    ("an object", {"a": 1}, frozenset({"object"})),
)
_OUTSIDE_ENUM = "outside-every-enum"
# Content that breaks a date's format: not on the calendar, or not YYYY-MM-DD at all.
_BAD_DATES = (
    ("30 February", "2023-02-30"),
    ("month 13", "2023-13-01"),
    ("day 00", "2023-01-00"),
    ("another date layout", "01/02/2023"),
    ("no leading zeros", "2023-1-2"),
    ("29 February of 1900", "1900-02-29"),  # 1900 was no leap year
)
# Content that breaks "a JSON array of strings".
_BAD_ARRAY_TEXTS = (
    ("text that is not JSON", "vip, 2024"),
    ("a JSON object", '{"tag": "vip"}'),
    ("a JSON string", '"vip"'),
    ("an array holding a number", '["vip", 2024]'),
)
LONG_TEXT = 255
"""Text longer than this is a limit an install may refuse (any 4xx or fault)."""
MAX_TEXT = 10_000
INT_LIMIT = 2**31
"""Integers outside signed 32 bits are a limit an install may refuse."""
_LARGEST_INT: dict[Transport, int] = {"rest": 2**53 - 1, "xmlrpc": 2**31 - 1}


def _probe(name: str | None, value: Any, kind: str, **payload: Any) -> Probe:
    body = dict(payload) if name is None else {**payload, name: value}
    return {"payload": body, "property": name, "kind": kind}


def sendable(contract: Contract, exclude: Collection[str] = ()) -> list[str]:
    """The writable properties a run may send: all but those in *exclude*."""
    return [name for name in contract.writable if name not in exclude]


def _types(schema: Schema) -> frozenset[str]:
    kind = schema.get("type")
    return frozenset(kind if isinstance(kind, list) else [kind] if kind else [])


def wrong_types(
    contract: Contract, transport: Transport, *, exclude: Collection[str] = ()
) -> list[Probe]:
    """Every writable property with every value of a JSON type it does not take that the
    transport carries (XML-RPC has no null)."""
    probes = []
    for name in sendable(contract, exclude):
        accepted = _types(contract.rules(name))
        for kind, value, types in _WRONG_TYPES:
            if types & accepted or (value is None and transport == "xmlrpc"):
                continue
            probes.append(_probe(name, value, f"{kind} for {'/'.join(sorted(accepted))}"))
    return probes


def outside_enums(contract: Contract, *, exclude: Collection[str] = ()) -> list[Probe]:
    """Every writable property with allowed values, set to text that is none of them."""
    return [
        _probe(name, _OUTSIDE_ENUM, "a value outside the enum")
        for name in sendable(contract, exclude)
        if contract.rules(name).get("enum")
    ]


def bad_formats(contract: Contract, *, exclude: Collection[str] = ()) -> list[Probe]:
    """Every formatted writable property with content that breaks its format."""
    probes = []
    for name in sendable(contract, exclude):
        schema = contract.rules(name)
        if schema.get("format") == "date":
            probes += [_probe(name, value, kind) for kind, value in _BAD_DATES]
        elif schema.get("contentSchema", {}).get("type") == "array":
            probes += [_probe(name, value, kind) for kind, value in _BAD_ARRAY_TEXTS]
    return probes


def free_text(contract: Contract, *, exclude: Collection[str] = ()) -> list[str]:
    """The writable properties of plain text: no enum, format or content schema."""
    return [
        name
        for name in sendable(contract, exclude)
        if _types(contract.rules(name)) == {"string"}
        and not contract.rules(name).keys() & {"enum", "format", "contentSchema"}
    ]


def stored_exactly(
    contract: Contract, transport: Transport, *, exclude: Collection[str] = ()
) -> list[Probe]:
    """Valid values that storage commonly mangles, and every enum value: each must read
    back exactly once accepted. Text over 255 characters and integers outside 32 bits
    may be refused as a limit."""
    text = free_text(contract, exclude=exclude)[0]
    names = sendable(contract, exclude)
    integers = [n for n in names if _types(contract.rules(n)) == {"integer"}]
    decomposed = unicodedata.normalize("NFD", "Ångström café")
    probes = [
        _probe(text, "x" * (LONG_TEXT + 45), "text of 300 characters"),
        _probe(text, "long text " * (MAX_TEXT // 10), f"text of {MAX_TEXT:,} characters"),
        _probe(text, "  spaced  ", "leading and trailing whitespace"),
        _probe(text, decomposed, "text in Unicode decomposed form (NFD)"),
        _probe(text, "\U0001f600 \U0001d11e", "characters outside the Basic Multilingual Plane"),
    ]
    if integers:
        largest = _LARGEST_INT[transport]
        probes += [
            _probe(integers[0], largest, "the largest integer the transport carries"),
            _probe(integers[0], -largest - (transport == "xmlrpc"), "the smallest integer"),
        ]
    for name in names:
        for value in contract.rules(name).get("enum", []):
            probes.append(_probe(name, value, "an allowed value"))
    return probes


def is_limit(value: Any) -> bool:
    """True for a value an install may refuse as a limit of its storage."""
    if isinstance(value, str):
        return len(value) > LONG_TEXT
    return type(value) is int and not -INT_LIMIT <= value < INT_LIMIT


def changed_value(schema: Schema, current: Any) -> Any:
    """A valid value of *schema* that differs from *current* and every transport carries
    unchanged: what a probe sends to see whether it sticks."""
    if schema.get("format") == "date":
        return "2001-02-03" if current != "2001-02-03" else "2001-02-04"
    if schema.get("contentSchema", {}).get("type") == "array":
        return '["probe"]' if current != '["probe"]' else '["probe", "2"]'
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value != current), schema["enum"][0])
    kind = schema.get("type")
    if kind == "integer":
        whole = current if type(current) is int else 0
        return whole + 1 if whole < INT_LIMIT - 1 else whole - 1
    if kind == "number":
        number = current if type(current) in (int, float) else 0
        return number + 0.5 if abs(number) < 2**40 else 0.5
    text = current if isinstance(current, str) else ""
    return (text[:40] + " (probe)") if text != "probe" else "probe 2"


def every_writable(
    contract: Contract, current: dict[str, Any] | None, *, exclude: Collection[str] = ()
) -> Probe:
    """One update of every writable property at once, each to a valid value it does not
    hold: no property a valid update may carry is left untried."""
    now = current or {}
    payload = {
        name: changed_value(contract.rules(name), now.get(name))
        for name in sendable(contract, exclude)
    }
    return {"payload": payload, "property": None, "kind": "every writable property at once"}


def one_property(
    contract: Contract, current: dict[str, Any] | None, *, exclude: Collection[str] = ()
) -> Probe:
    """An update of one free-text property alone, to a value it does not hold."""
    name = free_text(contract, exclude=exclude)[0]
    value = changed_value(contract.rules(name), (current or {}).get(name))
    return {"payload": {name: value}, "property": name, "kind": "one property alone"}


def long_texts(contract: Contract, *, exclude: Collection[str] = ()) -> list[Probe]:
    """Every free-text property with text of 300 characters: where a column is narrower,
    the install may refuse it, but never fail."""
    return [
        _probe(name, "x" * (LONG_TEXT + 45), "text of 300 characters")
        for name in free_text(contract, exclude=exclude)
    ]


def read_only_probes(contract: Contract, original: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One case per read-only property: that property, set to a value it does not hold."""
    now = original or {}
    return [
        {"property": name, "value": changed_value(contract.rules(name), now.get(name))}
        for name in contract.read_only
    ]


def with_valid_sibling(
    contract: Contract,
    probes: list[Probe],
    current: dict[str, Any],
    *,
    exclude: Collection[str] = (),
) -> list[Probe]:
    """*probes* with a valid change of a free-text property beside the bad one: a refused
    payload must store neither (UC-ATOMIC)."""
    sibling = free_text(contract, exclude=exclude)[0]
    value = changed_value(contract.rules(sibling), current.get(sibling))
    return [
        {**probe, "payload": {sibling: value, **probe["payload"]}}
        for probe in probes
        if probe["property"] != sibling
    ]


ROUND = 4
"""How many single-property updates a round of UC-CONCURRENT sends at the same moment."""


def concurrent_rounds(
    contract: Contract,
    current: dict[str, Any] | None,
    transports: Sequence[Transport],
    *,
    exclude: Collection[str] = (),
) -> list[Probe]:
    """Every sendable property in rounds of :data:`ROUND` single-property updates, each to
    a value it does not hold, to be sent together: over each transport alone, then mixed,
    in turn."""
    now = current or {}
    names = sendable(contract, exclude)
    mixes = [[transport] for transport in transports]
    if len(transports) > 1:
        mixes.append(list(transports))
    groups = [names[start : start + ROUND] for start in range(0, len(names), ROUND)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # one update alone arrives with nothing
        groups[-2] += groups.pop()
    rounds = []
    for number, group in enumerate(groups):
        over = mixes[number % len(mixes)]
        updates = [
            {
                "transport": over[index % len(over)],
                "payload": {name: changed_value(contract.rules(name), now.get(name))},
            }
            for index, name in enumerate(group)
        ]
        rounds.append({"updates": updates, "kind": f"{len(updates)} updates at once"})
    return rounds


def _own_values(contract: Contract, name: str) -> tuple[str, ...]:
    """What property *name* must be sent of real data, when it is text or a date."""
    schema = contract.rules(name)
    if schema.get("format") == "date":
        return DATES
    if name in free_text(contract):
        return own_values(schema.get(KIND_KEYWORD))
    return ()


def as_real_data(contract: Contract, *, exclude: Collection[str] = ()) -> list[Probe]:
    """Updates of every text and date property at once with values as real data holds
    them (see :mod:`contract.core.real_data`), until each property has had each of its own:
    its kind's values, and numbers and other types written as text. Where a text
    property has had its own, it takes the next of the values all text shares (markup,
    names in other scripts), so that each of those goes to several properties."""
    own = {name: _own_values(contract, name) for name in sendable(contract, exclude)}
    own = {name: values for name, values in own.items() if values}
    if not own:
        return []
    count = max(len(values) for values in own.values())
    shared = itertools.cycle(SHARED)
    probes = []
    for number in range(count):
        payload = {}
        for name, values in own.items():
            if number < len(values):
                payload[name] = values[number]
            elif values is not DATES:
                payload[name] = next(shared)
        kind = f"values as real data holds them ({number + 1} of {count})"
        probes.append({"payload": payload, "property": None, "kind": kind})
    return probes


def unknown_lookalikes(contract: Contract, *, exclude: Collection[str] = ()) -> list[Probe]:
    """Unknown keys that begin a writable property's name, or that begin with it: an
    install that takes a key by its prefix stores them in that property."""
    name = free_text(contract, exclude=exclude)[0]
    known = contract.properties.keys()
    keys = [name[:-1], f"{name}_2"]
    return [
        _probe(key, "unknown lookalike", f"an unknown key like `{name}`")
        for key in keys
        if key not in known and len(key) >= 3
    ]


DEEP = 1000
"""How deep a value is nested in :func:`deeply_nested`: past what a recursive reader of
JSON or XML-RPC holds."""


def _call(contact_id: int, params: str, *, closed: bool = True) -> str:
    """An UpdateContact methodCall of *params* (each a ``<param>``), optionally cut off."""
    head = (
        "<?xml version='1.0'?><methodCall><methodName>contacts.UpdateContact</methodName>"
        f"<params><param><value><int>{contact_id}</int></value></param>{params}"
    )
    return head + ("</params></methodCall>" if closed else "")


def _struct(name: str, value: str) -> str:
    return (
        "<param><value><struct><member>"
        f"<name>{name}</name><value>{value}</value>"
        "</member></struct></value></param>"
    )


def not_xmlrpc_calls(
    contract: Contract, contact_id: int, *, exclude: Collection[str] = ()
) -> list[str]:
    """Well-formed XML that is no valid UpdateContact call, each otherwise a valid update of
    the contact under test (so that one taken anyway shows, and is put back): another
    root element, no parameters, a third parameter, an id that is no int, and a call cut
    off before its end."""
    name = free_text(contract, exclude=exclude)[0]
    change = _struct(name, "<string>malformed call</string>")
    no_params = (
        "<?xml version='1.0'?><methodCall><methodName>contacts.UpdateContact</methodName>"
        "</methodCall>"
    )
    bad_id = _call(contact_id, change).replace(
        f"<int>{contact_id}</int>", "<boolean>2</boolean>", 1
    )
    return [
        "<?xml version='1.0'?><contact/>",
        no_params,
        _call(contact_id, change + "<param><value><string>extra</string></value></param>"),
        bad_id,
        _call(contact_id, change, closed=False),
    ]


def deeply_nested(contract: Contract, *, exclude: Collection[str] = ()) -> str:
    """A REST update body whose one property holds a JSON array nested :data:`DEEP` deep.

    Over XML-RPC the same depth takes 43 KB, too much to keep in every recording: the
    reference server's own tests send that one."""
    name = free_text(contract, exclude=exclude)[0]
    return '{"' + name + '": ' + "[" * DEEP + "]" * DEEP + "}"


HUGE_REST_IDS = ("9223372036854775808", "99999999999999999999")
"""Contact ids past what a signed 64-bit column holds: to be refused, not answered 5xx."""


def huge_xmlrpc_ids(contract: Contract, *, exclude: Collection[str] = ()) -> list[str]:
    """UpdateContact calls whose id is past 64 bits, as ``<i8>`` and as ``<int>``."""
    name = free_text(contract, exclude=exclude)[0]
    change = _struct(name, "<string>huge id</string>")
    return [
        _call(0, change).replace("<int>0</int>", "<i8>9223372036854775808</i8>", 1),
        _call(0, change).replace("<int>0</int>", "<int>-18446744073709551616</int>", 1),
    ]
