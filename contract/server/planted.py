"""What planted faults do: each function replaces one step of the reference server (see
:mod:`contract.server.steps`). The registry that names them is :mod:`contract.server.faults`."""

from __future__ import annotations

import dataclasses
import datetime
import html
import json
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from contract.core.rules import has_lone_surrogate
from contract.core.violations import Violation, violation
from contract.server.http_io import Response
from contract.server.steps import (
    Answer,
    PlantedAnswer,
    RestAnswer,
    Rules,
    Service,
    Stored,
    XmlRpcAnswer,
    integer_names,
    letting_in,
)
from contract.server.store import encode_value
from contract.server.updates import NotFound, Updated, UpdateOutcome, UpdateRequest

# A name of this many characters is still valid; one more trips `crash-on-long-name`.
LONG_NAME_LIMIT = 40
REPEAT_STATUS = 409
TEXT_PLAIN = "text/plain; charset=utf-8"
_SLASHED = re.compile(r"['\"\\\\]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What `crash-on-bad-id` spares: ids made of digits (0, -1, 007) keep their 404.
_NUMERIC_ID = re.compile(r"-?[0-9]+", re.ASCII)
# What XML-RPC still checks under `xmlrpc-skips-validation`: which properties an update
# names, not their values. Keeping these makes the fault differ from REST on values only.
_STRUCTURE_RULES = frozenset({"not_an_object", "empty", "read_only", "unknown"})
_BLANK_OF_TYPE: dict[str, Any] = {"integer": 0, "number": 0, "boolean": False, "string": ""}
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
LONG_TEXT = 255


# --- which rules it checks -----------------------------------------------------------------


def waiving(rule: str) -> Callable[[Service, Rules], Rules]:
    def override(service: Service, rules: Rules) -> Rules:
        return lambda request, stored: [v for v in rules(request, stored) if v.rule != rule]

    return override


def refusing_city(service: Service, rules: Rules) -> Rules:
    def with_city(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        if not found and "city" in stored:
            message = "`city` cannot be updated (planted fault reject-valid-city)"
            found.append(violation("city", "planted", message))
        return found

    return with_city


def values_unchecked_over_xmlrpc(service: Service, rules: Rules) -> Rules:
    def structure_only(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        if request.transport != "xmlrpc":
            return found
        return [v for v in found if v.rule in _STRUCTURE_RULES]

    return structure_only


def crashing_on_non_objects(service: Service, rules: Rules) -> Rules:
    def crash(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        if request.transport == "rest" and not isinstance(request.properties, Mapping):
            raise PlantedAnswer(500, "planted fault crash-on-non-object")
        return rules(request, stored)

    return crash


def crashing_on_text_for_integers(service: Service, rules: Rules) -> Rules:
    integers = integer_names(service)

    def crash(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        if isinstance(request.properties, Mapping) and any(
            isinstance(request.properties.get(name), str) for name in integers
        ):
            raise PlantedAnswer(500, "planted fault crash-on-text-for-integer")
        return rules(request, stored)

    return crash


def taking_booleans_for_integers(service: Service, rules: Rules) -> Rules:
    return letting_in(rules, "type", integer_names(service), lambda value: isinstance(value, bool))


def accepting_impossible_dates(service: Service, rules: Rules) -> Rules:
    dates = frozenset(
        name for name in service.writable if service.contract.rules(name).get("format")
    )
    return letting_in(rules, "format", dates, lambda value: bool(_DATE_SHAPE.fullmatch(str(value))))


def storing_valid_siblings(service: Service, rules: Rules) -> Rules:
    def partly(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        properties = request.properties
        if found and isinstance(properties, Mapping):
            bad = {violation.property for violation in found}
            valid = {
                name: json.dumps(value)
                for name, value in properties.items()
                if name in service.writable and name not in bad
            }
            service.store.update(request.contact_id, valid)
        return found

    return partly


def _taken_by_prefix(writable: frozenset[str], key: object) -> str | None:
    """The writable property an install that matches keys by their beginning takes *key*
    for: the longest whose name begins with the key (of three letters or more), or that
    the key begins with."""
    if not isinstance(key, str) or len(key) < 3:
        return None
    matches = [name for name in writable if name.startswith(key) or key.startswith(name)]
    return max(matches, key=len) if matches else None


def taking_keys_by_prefix(service: Service, rules: Rules) -> Rules:
    def by_prefix(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        properties = request.properties if isinstance(request.properties, Mapping) else {}
        taken: dict[str, Any] = {}
        kept = []
        for offence in found:
            name = _taken_by_prefix(service.writable, offence.property)
            if offence.rule == "unknown" and name is not None:
                taken[name] = properties[offence.property]
            else:
                kept.append(offence)
        if taken and not kept:
            encoded = {name: json.dumps(value) for name, value in taken.items()}
            service.store.update(request.contact_id, encoded)
        return kept

    return by_prefix


def storing_refused_status(service: Service, rules: Rules) -> Rules:
    def stored_anyway(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        properties = request.properties
        outside = any(v.property == "status" and v.rule == "enum" for v in found)
        if outside and isinstance(properties, Mapping):
            service.store.update(request.contact_id, {"status": json.dumps(properties["status"])})
        return found

    return stored_anyway


# --- what it stores ------------------------------------------------------------------------


def mangling(change: Callable[[Any], Any]) -> Callable[[Service, Stored], Stored]:
    """Store each value as *change* makes it, silently."""

    def override(service: Service, stored: Stored) -> Stored:
        return lambda request: {name: change(value) for name, value in stored(request).items()}

    return override


def cut(value: Any) -> Any:
    """Text cut to 255 characters, as a too-narrow column would."""
    return value[:LONG_TEXT] if isinstance(value, str) else value


def trimmed(value: Any) -> Any:
    """Text without its leading and trailing whitespace."""
    return value.strip() if isinstance(value, str) else value


def normalised(value: Any) -> Any:
    """Text in Unicode's composed form (NFC)."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def without_leading_zeros(value: Any) -> Any:
    """All-digit text as a numeric column keeps it: ``"0821234567"`` as ``"821234567"``."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return str(int(value))
    return value


def html_escaped(value: Any) -> Any:
    """Text with its markup escaped for HTML, as a template escapes on the way in."""
    return html.escape(value) if isinstance(value, str) else value


def with_slashes(value: Any) -> Any:
    """Text as PHP's ``addslashes`` leaves it: a backslash before each quote and backslash."""
    return _SLASHED.sub(r"\\\g<0>", value) if isinstance(value, str) else value


def encoded_twice(value: Any) -> Any:
    """UTF-8 text decoded as Latin-1, as a connection in the wrong character set stores it."""
    if isinstance(value, str) and not value.isascii() and not has_lone_surrogate(value):
        return value.encode("utf-8").decode("latin-1")
    return value


def a_day_earlier(value: Any) -> Any:
    """A date a day earlier, as one converted through a time zone west of UTC is."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return value
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return value
    return (day - datetime.timedelta(days=1)).isoformat() if day > datetime.date.min else value


def wrapped_around(value: Any) -> Any:
    """An integer wrapped into signed 32 bits, as a C int would hold it."""
    if type(value) is not int:
        return value
    return (value + 2**31) % 2**32 - 2**31


def dropping(name: str) -> Callable[[Service, Stored], Stored]:
    def override(service: Service, stored: Stored) -> Stored:
        def without(request: UpdateRequest) -> dict[str, Any]:
            kept = stored(request)
            kept.pop(name, None)
            return kept

        return without

    return override


def keeping_the_first(count: int) -> Callable[[Service, Stored], Stored]:
    def override(service: Service, stored: Stored) -> Stored:
        def first(request: UpdateRequest) -> dict[str, Any]:
            return dict(list(stored(request).items())[:count])

        return first

    return override


def reset_value(schema: Mapping[str, Any]) -> Any:
    """What ``reset-unsent`` writes: the default, else the first enum value, else ``""``/``0``."""
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    return _BLANK_OF_TYPE.get(kind, "") if isinstance(kind, str) else ""


def resetting_unsent(service: Service, stored: Stored) -> Stored:
    properties = service.contract.properties
    reset = {name: reset_value(properties[name]) for name in service.writable}
    return lambda request: {**reset, **stored(request)}


def filling_empty(service: Service, stored: Stored) -> Stored:
    """Every empty enum (``""``) or integer (``null``) the update did not send gets a
    value: the first allowed one, or ``0``."""
    rules = service.contract.rules
    fills = {
        name: rules(name)["enum"][0] if rules(name).get("enum") else 0
        for name in service.writable
        if rules(name).get("enum") or rules(name).get("type") == "integer"
    }

    def filled(request: UpdateRequest) -> dict[str, Any]:
        current = service.store.get(request.contact_id) or {}
        empty = {n: v for n, v in fills.items() if current.get(n) in ("", None)}
        return {**empty, **stored(request)}

    return filled


def also_storing(kind: str) -> Callable[[Service, Stored], Stored]:
    """Store the update's read-only (or unknown) properties too: the service refuses no
    property it stores."""

    def override(service: Service, stored: Stored) -> Stored:
        read_only = frozenset(service.contract.read_only)

        def wanted(name: str) -> bool:
            if kind == "read-only":
                return name in read_only
            return name not in read_only and name not in service.writable

        def more(request: UpdateRequest) -> dict[str, Any]:
            assert isinstance(request.properties, Mapping)
            extra = {n: v for n, v in request.properties.items() if wanted(n)}
            return {**stored(request), **extra}

        return more

    return override


# --- what it answers -----------------------------------------------------------------------


def refusing_repeats(service: Service, answer: Answer) -> Answer:
    lock = threading.Lock()
    last: dict[tuple[str, int], str] = {}

    def refuse_repeat(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        key = (request.transport, request.contact_id)
        text = json.dumps(dict(encoded), sort_keys=True)
        with lock:
            if last.get(key) == text:
                raise PlantedAnswer(
                    REPEAT_STATUS, "this update repeats the last one (planted fault)"
                )
        outcome = answer(request, encoded)
        with lock:
            if isinstance(outcome, Updated):
                last[key] = text
            else:
                last.pop(key, None)
        return outcome

    return refuse_repeat


def crashing_on_long_names(service: Service, answer: Answer) -> Answer:
    def crash(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        name = json.loads(encoded.get("name", "null"))
        if isinstance(name, str) and len(name) > LONG_NAME_LIMIT:
            raise PlantedAnswer(500, "planted fault crash-on-long-name")
        return answer(request, encoded)

    return crash


LOST_UPDATE_WINDOW = 0.3
"""Seconds between the read and the write of ``lose-concurrent-updates``: of updates that
arrive within it of one another, all but one are lost."""


def losing_concurrent_updates(service: Service, answer: Answer) -> Answer:
    def read_modify_write(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        read = service.store.get(request.contact_id)
        time.sleep(LOST_UPDATE_WINDOW)  # no lock holds the record between read and write
        outcome = answer(request, encoded)
        if isinstance(outcome, Updated) and read is not None:
            whole = {name: encode_value(name, value) for name, value in read.items()}
            service.store.update(request.contact_id, {**whole, **encoded})
        return outcome

    return read_modify_write


def writing_the_neighbour(service: Service, answer: Answer) -> Answer:
    def too(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        outcome = answer(request, encoded)
        if isinstance(outcome, Updated) and encoded:
            service.store.update(request.contact_id + 1, encoded)  # nothing when it is missing
        return outcome

    return too


def creating_unknown_ids(service: Service, answer: Answer) -> Answer:
    def create(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        outcome = answer(request, encoded)
        if isinstance(outcome, NotFound) and service.store.insert(request.contact_id, encoded):
            return Updated(service.answered_id(request.contact_id), tuple(encoded))
        return outcome

    return create


def answering_the_next_id(
    service: Service, answered_id: Callable[[int], int]
) -> Callable[[int], int]:
    return lambda contact_id: answered_id(contact_id) + 1


# --- the application's steps ---------------------------------------------------------------


def letting_anyone_in(
    app: object, authorised: Callable[[str | None], bool]
) -> Callable[[str | None], bool]:
    return lambda header: True


def ignoring_the_scheme(
    app: object, authorised: Callable[[str | None], bool]
) -> Callable[[str | None], bool]:
    def any_scheme(header: str | None) -> bool:
        _, _, token = (header or "").strip().partition(" ")
        return authorised(f"Basic {token}")  # whatever name the scheme goes under

    return any_scheme


def writing_ints_as_i8(app: object, xmlrpc_answer: XmlRpcAnswer) -> XmlRpcAnswer:
    def as_i8(response: Response) -> Response:
        response = xmlrpc_answer(response)
        body = response.body.replace(b"<int>", b"<i8>").replace(b"</int>", b"</i8>")
        return dataclasses.replace(response, body=body)

    return as_i8


def refusing_credentials_with_400(app: object, rest_answer: RestAnswer) -> RestAnswer:
    def with_400(method: str, path_id: str, response: Response) -> Response:
        response = rest_answer(method, path_id, response)
        return dataclasses.replace(response, status=400) if response.status == 401 else response

    return with_400


def reading_back_another_id(app: object, rest_answer: RestAnswer) -> RestAnswer:
    def another(method: str, path_id: str, response: Response) -> Response:
        response = rest_answer(method, path_id, response)
        if method != "GET" or response.status != 200:
            return response
        contact = json.loads(response.body)
        contact["id"] = int(path_id) + 1
        return dataclasses.replace(response, body=json.dumps(contact).encode())

    return another


def answering_text_plain(app: object, rest_answer: RestAnswer) -> RestAnswer:
    def text_plain(method: str, path_id: str, response: Response) -> Response:
        response = rest_answer(method, path_id, response)
        if response.status == 200 and method == "PUT":
            return dataclasses.replace(response, content_type=TEXT_PLAIN)
        return response

    return text_plain


def crashing_on_bad_ids(app: object, rest_answer: RestAnswer) -> RestAnswer:
    def crash(method: str, path_id: str, response: Response) -> Response:
        response = rest_answer(method, path_id, response)
        if response.status == 404 and not _NUMERIC_ID.fullmatch(path_id):
            # The 404 came from the id check itself: method and credentials were fine.
            raise PlantedAnswer(500, "planted fault crash-on-bad-id")
        return response

    return crash
