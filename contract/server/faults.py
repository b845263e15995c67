"""Planted faults: named ways a reference server can break the contract on purpose.

A server started with faults (``ReferenceServer(faults={"wrong-id"})`` or the hidden
``contract serve --fault wrong-id``) lets the certification suite prove that it fails
a faulty install on the right requirement. Each fault is narrow: it breaks the
requirement it names and as little else as it can. The behaviour lives in
:mod:`contract.server.faulty`; this module is only the registry, so that options can
be checked without importing the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One planted fault: its name, the requirement it breaks, what it does (one line)."""

    name: str
    requirement: str
    description: str


def _registry(*faults: Fault) -> dict[str, Fault]:
    return {fault.name: fault for fault in faults}


FAULTS: dict[str, Fault] = _registry(
    Fault(
        "reject-valid-city",
        "UC-ACCEPT",
        "a valid update that sets `city` is refused with 400 (XML-RPC: fault 400)",
    ),
    Fault(
        "wrong-id",
        "UC-ACCEPT",
        "a successful update answers the id + 1, over REST and XML-RPC",
    ),
    Fault(
        "text-plain-answer",
        "UC-RESPONSE",
        "a successful REST update answers `Content-Type: text/plain` (the body is still the id)",
    ),
    Fault(
        "drop-department",
        "UC-PERSIST",
        "an accepted `department` is silently not stored",
    ),
    Fault(
        "reset-unsent",
        "UC-PARTIAL",
        "an update resets every writable property it did not send to its default, "
        'first enum value, `0` or `""`',
    ),
    Fault(
        "reject-repeat",
        "UC-IDEMPOTENT",
        "a valid update identical to the previous one to the same contact over the same "
        "transport is answered 409 (XML-RPC: fault 409)",
    ),
    Fault(
        "store-out-of-enum",
        "UC-ENUM",
        "enum violations are not checked; the value is stored",
    ),
    Fault(
        "accept-wrong-types",
        "UC-TYPE",
        "type violations are not checked; the value is stored as sent",
    ),
    Fault(
        "accept-bad-format",
        "UC-FORMAT",
        "the content of `tags` and `birth_date` is not checked; the value is stored",
    ),
    Fault(
        "apply-read-only",
        "UC-READONLY",
        "read-only properties in an update are stored, whatever the read-only policy",
    ),
    Fault(
        "store-unknown",
        "UC-UNKNOWN",
        "unknown properties are accepted, stored and read back",
    ),
    Fault(
        "accept-empty",
        "UC-EMPTY",
        "`{}` is answered 200 with the id",
    ),
    Fault(
        "create-unknown-id",
        "UC-NOTFOUND",
        "a valid update of an unknown id creates that contact and is answered 200",
    ),
    Fault(
        "crash-on-bad-id",
        "UC-BADID",
        "a REST contact id that is not a number (`abc`) is answered 500",
    ),
    Fault(
        "accept-any-credentials",
        "UC-AUTH",
        "any credentials, or none, are accepted",
    ),
    Fault(
        "crash-on-non-object",
        "UC-MALFORMED",
        "a REST body that is JSON but not an object (`[]`, `1`) is answered 500",
    ),
    Fault(
        "crash-on-long-name",
        "UC-NO5XX",
        "a valid update whose `name` is over 40 characters is answered 500 and not stored",
    ),
    Fault(
        "xmlrpc-skips-validation",
        "UC-PARITY",
        "XML-RPC stores values without checking type, enum or format; REST still checks them",
    ),
)


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
