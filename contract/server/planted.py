"""What planted faults do: each function replaces one step of the reference server.

An override receives the server part it changes and the step it replaces, and returns
the step to use instead. The registry that names them is :mod:`contract.server.faults`.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from contract.schema import Contract
from contract.server.http_io import Response
from contract.server.store import ContactStore
from contract.server.updates import NotFound, Updated, UpdateOutcome, UpdateRequest
from contract.violations import Violation, violation

# A name of this many characters is still valid; one more trips `crash-on-long-name`.
LONG_NAME_LIMIT = 40
REPEAT_STATUS = 409
TEXT_PLAIN = "text/plain; charset=utf-8"
# What `crash-on-bad-id` spares: ids made of digits (0, -1, 007) keep their 404.
_NUMERIC_ID = re.compile(r"-?[0-9]+", re.ASCII)
# What XML-RPC still checks under `xmlrpc-skips-validation`: which properties an update
# names, not their values. Keeping these makes the fault differ from REST on values only.
_STRUCTURE_RULES = frozenset({"not_an_object", "empty", "read_only", "unknown"})
_BLANK_OF_TYPE: dict[str, Any] = {"integer": 0, "number": 0, "boolean": False, "string": ""}


class Service(Protocol):
    """What an override sees of the contact service."""

    contract: Contract
    writable: frozenset[str]
    store: ContactStore

    def answered_id(self, contact_id: int) -> int:
        """The id an accepted update is answered with."""


class PlantedAnswer(Exception):
    """An answer a fault imposes from inside the service; the application sends it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Rules = Callable[[UpdateRequest, frozenset[str]], list[Violation]]
Stored = Callable[[UpdateRequest], dict[str, Any]]
Answer = Callable[[UpdateRequest, Mapping[str, str]], UpdateOutcome]


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


# --- what it stores ------------------------------------------------------------------------


def dropping(name: str) -> Callable[[Service, Stored], Stored]:
    def override(service: Service, stored: Stored) -> Stored:
        def without(request: UpdateRequest) -> dict[str, Any]:
            kept = stored(request)
            kept.pop(name, None)
            return kept

        return without

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

RestAnswer = Callable[[str, str, Response], Response]


def letting_anyone_in(
    app: object, authorised: Callable[[str | None], bool]
) -> Callable[[str | None], bool]:
    return lambda header: True


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
