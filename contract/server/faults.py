"""Planted faults: named ways a reference server can break the contract on purpose.

A server started with faults (``ReferenceServer(faults={"wrong-id"})`` or the hidden
``contract serve --fault wrong-id``) lets the certification suite prove that it fails a
faulty install on the right requirement. Each fault is narrow: it breaks the
requirement it is registered with and as little else as it can.

A fault replaces one step of the server, which receives the step it replaces:

- the contact service's (:class:`~contract.server.service.ContactService`): ``rules``
  it checks, what it ``stored``, what it ``answer``\\ s, the ``answered_id``;
- the application's (:class:`~contract.server.app.ReferenceApp`): whether a request is
  ``authorised``, and the ``rest_answer`` it sends.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contract import requirements
from contract.requirements import Requirement
from contract.server.updates import NotFound, Updated, UpdateOutcome, UpdateRequest
from contract.violations import Violation, violation

if TYPE_CHECKING:
    from contract.server.app import ReferenceApp
    from contract.server.http_io import Response
    from contract.server.service import ContactService

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


class PlantedAnswer(Exception):
    """An answer a fault imposes from inside the service; the application sends it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Fault:
    """One planted fault: its name, the requirement it breaks, what it does (one line), and
    the step it replaces: ``override(owner, step)`` returns the step to use instead."""

    name: str
    requirement: Requirement
    description: str
    step: str
    override: Callable[[Any, Any], Any]


Rules = Callable[[UpdateRequest, frozenset[str]], list[Violation]]
Stored = Callable[[UpdateRequest], dict[str, Any]]
Answer = Callable[[UpdateRequest, Mapping[str, str]], UpdateOutcome]


# --- which rules it checks -----------------------------------------------------------------


def _waiving(rule: str) -> Callable[[ContactService, Rules], Rules]:
    def override(service: ContactService, rules: Rules) -> Rules:
        return lambda request, stored: [v for v in rules(request, stored) if v.rule != rule]

    return override


def _refusing_city(service: ContactService, rules: Rules) -> Rules:
    def with_city(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        if not found and "city" in stored:
            message = "`city` cannot be updated (planted fault reject-valid-city)"
            found.append(violation("city", "planted", message))
        return found

    return with_city


def _values_unchecked_over_xmlrpc(service: ContactService, rules: Rules) -> Rules:
    def structure_only(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        if request.transport != "xmlrpc":
            return found
        return [v for v in found if v.rule in _STRUCTURE_RULES]

    return structure_only


def _crashing_on_non_objects(service: ContactService, rules: Rules) -> Rules:
    def crash(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        if request.transport == "rest" and not isinstance(request.properties, Mapping):
            raise PlantedAnswer(500, "planted fault crash-on-non-object")
        return rules(request, stored)

    return crash


# --- what it stores ------------------------------------------------------------------------


def _dropping(name: str) -> Callable[[ContactService, Stored], Stored]:
    def override(service: ContactService, stored: Stored) -> Stored:
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


def _resetting_unsent(service: ContactService, stored: Stored) -> Stored:
    properties = service.contract.properties
    reset = {name: reset_value(properties[name]) for name in service.writable}
    return lambda request: {**reset, **stored(request)}


def _also_storing(kind: str) -> Callable[[ContactService, Stored], Stored]:
    """Store the update's read-only (or unknown) properties too: the service refuses no
    property it stores."""

    def override(service: ContactService, stored: Stored) -> Stored:
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


def _refusing_repeats(service: ContactService, answer: Answer) -> Answer:
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


def _crashing_on_long_names(service: ContactService, answer: Answer) -> Answer:
    def crash(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        name = json.loads(encoded.get("name", "null"))
        if isinstance(name, str) and len(name) > LONG_NAME_LIMIT:
            raise PlantedAnswer(500, "planted fault crash-on-long-name")
        return answer(request, encoded)

    return crash


def _creating_unknown_ids(service: ContactService, answer: Answer) -> Answer:
    def create(request: UpdateRequest, encoded: Mapping[str, str]) -> UpdateOutcome:
        outcome = answer(request, encoded)
        if isinstance(outcome, NotFound) and service.store.insert(request.contact_id, encoded):
            return Updated(service.answered_id(request.contact_id), tuple(encoded))
        return outcome

    return create


def _answering_the_next_id(
    service: ContactService, answered_id: Callable[[int], int]
) -> Callable[[int], int]:
    return lambda contact_id: answered_id(contact_id) + 1


# --- the application's steps ---------------------------------------------------------------

RestAnswer = Callable[[Mapping[str, Any], "Response"], "Response"]


def _letting_anyone_in(
    app: ReferenceApp, authorised: Callable[[str | None], bool]
) -> Callable[[str | None], bool]:
    return lambda header: True


def _answering_text_plain(app: ReferenceApp, rest_answer: RestAnswer) -> RestAnswer:
    def text_plain(environ: Mapping[str, Any], response: Response) -> Response:
        response = rest_answer(environ, response)
        if response.status == 200 and environ.get("REQUEST_METHOD") == "PUT":
            return dataclasses.replace(response, content_type=TEXT_PLAIN)
        return response

    return text_plain


def _crashing_on_bad_ids(app: ReferenceApp, rest_answer: RestAnswer) -> RestAnswer:
    from contract.server.rest import CONTACT_PATH

    def crash(environ: Mapping[str, Any], response: Response) -> Response:
        response = rest_answer(environ, response)
        match = CONTACT_PATH.fullmatch(str(environ.get("PATH_INFO", "")))
        if response.status == 404 and match is not None and not _NUMERIC_ID.fullmatch(match["id"]):
            # The 404 came from the id check itself: method and credentials were fine.
            raise PlantedAnswer(500, "planted fault crash-on-bad-id")
        return response

    return crash


def _registry(*faults: Fault) -> dict[str, Fault]:
    return {fault.name: fault for fault in faults}


FAULTS: dict[str, Fault] = _registry(
    Fault(
        "reject-valid-city",
        requirements.ACCEPT,
        "a valid update that sets `city` is refused with 400 (XML-RPC: fault 400)",
        "rules",
        _refusing_city,
    ),
    Fault(
        "wrong-id",
        requirements.ACCEPT,
        "a successful update answers the id + 1, over REST and XML-RPC",
        "answered_id",
        _answering_the_next_id,
    ),
    Fault(
        "text-plain-answer",
        requirements.RESPONSE,
        "a successful REST update answers `Content-Type: text/plain` (the body is still the id)",
        "rest_answer",
        _answering_text_plain,
    ),
    Fault(
        "drop-department",
        requirements.PERSIST,
        "an accepted `department` is silently not stored",
        "stored",
        _dropping("department"),
    ),
    Fault(
        "reset-unsent",
        requirements.PARTIAL,
        "an update resets every writable property it did not send to its default, "
        'first enum value, `0` or `""`',
        "stored",
        _resetting_unsent,
    ),
    Fault(
        "reject-repeat",
        requirements.IDEMPOTENT,
        "a valid update identical to the last one accepted for the same contact over the same "
        "transport is answered 409 (XML-RPC: fault 409)",
        "answer",
        _refusing_repeats,
    ),
    Fault(
        "store-out-of-enum",
        requirements.ENUM,
        "enum violations are not checked; the value is stored",
        "rules",
        _waiving("enum"),
    ),
    Fault(
        "accept-wrong-types",
        requirements.TYPE,
        "type violations are not checked; the value is stored as sent",
        "rules",
        _waiving("type"),
    ),
    Fault(
        "accept-bad-format",
        requirements.FORMAT,
        "the content of `tags` and `birth_date` is not checked; the value is stored",
        "rules",
        _waiving("format"),
    ),
    Fault(
        "apply-read-only",
        requirements.READONLY,
        "read-only properties in an update are stored, whatever the read-only policy",
        "stored",
        _also_storing("read-only"),
    ),
    Fault(
        "store-unknown",
        requirements.UNKNOWN,
        "unknown properties are accepted, stored and read back",
        "stored",
        _also_storing("unknown"),
    ),
    Fault(
        "accept-empty",
        requirements.EMPTY,
        "`{}` is answered 200 with the id",
        "rules",
        _waiving("empty"),
    ),
    Fault(
        "create-unknown-id",
        requirements.NOTFOUND,
        "a valid update of an unknown id creates that contact and is answered 200",
        "answer",
        _creating_unknown_ids,
    ),
    Fault(
        "crash-on-bad-id",
        requirements.BADID,
        "a REST contact id that is not a number (`abc`) is answered 500",
        "rest_answer",
        _crashing_on_bad_ids,
    ),
    Fault(
        "accept-any-credentials",
        requirements.AUTH,
        "any credentials, or none, are accepted",
        "authorised",
        _letting_anyone_in,
    ),
    Fault(
        "crash-on-non-object",
        requirements.MALFORMED,
        "a REST body that is JSON but not an object (`[]`, `1`) is answered 500",
        "rules",
        _crashing_on_non_objects,
    ),
    Fault(
        "crash-on-long-name",
        requirements.NO5XX,
        "a valid update whose `name` is over 40 characters is answered 500 and not stored",
        "answer",
        _crashing_on_long_names,
    ),
    Fault(
        "xmlrpc-skips-validation",
        requirements.PARITY,
        "XML-RPC stores values without checking type, enum or format; REST still checks them",
        "rules",
        _values_unchecked_over_xmlrpc,
    ),
)


def install_faults(owner: object, names: Iterable[str]) -> None:
    """Replace each step of *owner* (a service or an application) that a named fault
    overrides; steps of the other kind of owner are left to it."""
    for name in sorted(names):
        fault = FAULTS[name]
        step = getattr(owner, fault.step, None)
        if step is not None:
            setattr(owner, fault.step, fault.override(owner, step))


class UnknownFaultError(ValueError):
    """A fault name that is not in :data:`FAULTS`."""


def known_faults() -> str:
    """The known fault names, for an error message."""
    return ", ".join(sorted(FAULTS))


def check_fault_names(names: Iterable[str]) -> frozenset[str]:
    """*names* as a frozenset; :class:`UnknownFaultError` names any that is not a known fault."""
    if isinstance(names, str):
        # A lone string would otherwise be taken apart into one-letter "names".
        raise UnknownFaultError(f"faults must be a set of fault names, not the string {names!r}")
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys(), key=str)
    if unknown:
        listed = ", ".join(map(repr, unknown))
        raise UnknownFaultError(f"unknown fault {listed}; known faults: {known_faults()}")
    return chosen
