"""Planted faults: named ways a reference server can break the contract on purpose.

A server started with faults (``ReferenceServer(faults={"wrong-id"})`` or the hidden
``contract serve --fault wrong-id``) lets the certification suite prove that it fails a
faulty install on the right requirement. Each fault is narrow: it breaks the
requirement it is registered with and as little else as it can.

A fault replaces one step of the server (see :mod:`contract.server.planted`):

- the contact service's (:class:`~contract.server.service.ContactService`): which
  ``rules`` it checks, what it ``stored``, what it ``answer``\\ s, the ``answered_id``;
- the application's (:class:`~contract.server.app.ReferenceApp`): whether a request is
  ``authorised``, and the ``rest_answer`` and ``xmlrpc_answer`` it sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from contract.core import requirements
from contract.core.requirements import Requirement
from contract.errors import ContractError
from contract.server import planted
from contract.server.steps import Override


@dataclass(frozen=True)
class Fault:
    """One planted fault: its name, the requirement it breaks, what it does (one line), and
    the step it replaces: ``override(owner, step)`` returns the step to use instead."""

    name: str
    requirement: Requirement
    description: str
    step: str
    override: Callable[[Any, Any], Any]


def _registry(*faults: Fault) -> dict[str, Fault]:
    return {fault.name: fault for fault in faults}


FAULTS: dict[str, Fault] = _registry(
    Fault(
        "reject-valid-city",
        requirements.ACCEPT,
        "a valid update that sets `city` is refused with 400 (XML-RPC: fault 400)",
        "rules",
        planted.refusing_city,
    ),
    Fault(
        "wrong-id",
        requirements.ACCEPT,
        "a successful update answers the id + 1, over REST and XML-RPC",
        "answered_id",
        planted.answering_the_next_id,
    ),
    Fault(
        "text-plain-answer",
        requirements.RESPONSE,
        "a successful REST update answers `Content-Type: text/plain` (the body is still the id)",
        "rest_answer",
        planted.answering_text_plain,
    ),
    Fault(
        "write-ints-as-i8",
        requirements.RESPONSE,
        "XML-RPC answers write every int (the id, a fault's code) as `<i8>`, which is no "
        "XML-RPC type",
        "xmlrpc_answer",
        planted.writing_ints_as_i8,
    ),
    Fault(
        "read-back-another-id",
        requirements.PERSIST,
        "a read-back shows the id one higher than the contact's",
        "rest_answer",
        planted.reading_back_another_id,
    ),
    Fault(
        "drop-department",
        requirements.PERSIST,
        "an accepted `department` is silently not stored",
        "stored",
        planted.dropping("department"),
    ),
    Fault(
        "store-first-ten",
        requirements.PERSIST,
        "an accepted update is answered with success, but only its first ten properties are stored",
        "stored",
        planted.keeping_the_first(10),
    ),
    Fault(
        "reset-unsent",
        requirements.PARTIAL,
        "an update resets every writable property it did not send to its default, "
        'first enum value, `0` or `""`',
        "stored",
        planted.resetting_unsent,
    ),
    Fault(
        "fill-empty-values",
        requirements.PARTIAL,
        'an update also fills every empty enum (`""`) or integer (`null`) it did not send, '
        "with the first allowed value or `0`: on a fresh contact, values no update can put back",
        "stored",
        planted.filling_empty,
    ),
    Fault(
        "reject-repeat",
        requirements.IDEMPOTENT,
        "a valid update identical to the last one accepted for the same contact over the same "
        "transport is answered 409 (XML-RPC: fault 409)",
        "answer",
        planted.refusing_repeats,
    ),
    Fault(
        "crash-on-text-for-integer",
        requirements.TYPE,
        'an update giving an integer property text (`"abc"`) is answered 500',
        "rules",
        planted.crashing_on_text_for_integers,
    ),
    Fault(
        "store-booleans-as-integers",
        requirements.TYPE,
        "`true` and `false` for an integer property are accepted and stored",
        "rules",
        planted.taking_booleans_for_integers,
    ),
    Fault(
        "store-out-of-enum",
        requirements.ENUM,
        "enum violations are not checked; the value is stored",
        "rules",
        planted.waiving("enum"),
    ),
    Fault(
        "accept-wrong-types",
        requirements.TYPE,
        "type violations are not checked; the value is stored as sent",
        "rules",
        planted.waiving("type"),
    ),
    Fault(
        "accept-bad-format",
        requirements.FORMAT,
        "the content of `tags` and `birth_date` is not checked; the value is stored",
        "rules",
        planted.waiving("format"),
    ),
    Fault(
        "accept-impossible-dates",
        requirements.FORMAT,
        "a `birth_date` shaped YYYY-MM-DD is accepted even when no such day exists",
        "rules",
        planted.accepting_impossible_dates,
    ),
    Fault(
        "cut-long-text",
        requirements.PERSIST,
        "text over 255 characters is accepted and silently cut to 255",
        "stored",
        planted.mangling(planted.cut),
    ),
    Fault(
        "trim-text",
        requirements.PERSIST,
        "text is stored without its leading and trailing whitespace",
        "stored",
        planted.mangling(planted.trimmed),
    ),
    Fault(
        "normalise-unicode",
        requirements.PERSIST,
        "text is stored in Unicode's composed form (NFC)",
        "stored",
        planted.mangling(planted.normalised),
    ),
    Fault(
        "strip-leading-zeros",
        requirements.PERSIST,
        'text of digits alone is stored as a numeric column keeps it: "0821234567" as "821234567"',
        "stored",
        planted.mangling(planted.without_leading_zeros),
    ),
    Fault(
        "escape-markup",
        requirements.PERSIST,
        "text is stored with its markup escaped for HTML (`<` as `&lt;`, `&` as `&amp;`)",
        "stored",
        planted.mangling(planted.html_escaped),
    ),
    Fault(
        "add-slashes",
        requirements.PERSIST,
        "text is stored with a backslash before each quote and backslash, as PHP's "
        "addslashes leaves it",
        "stored",
        planted.mangling(planted.with_slashes),
    ),
    Fault(
        "double-encode-utf8",
        requirements.PERSIST,
        "text beyond ASCII is stored as its UTF-8 bytes read as Latin-1 (`Zoë` as `ZoÃ«`)",
        "stored",
        planted.mangling(planted.encoded_twice),
    ),
    Fault(
        "shift-dates",
        requirements.PERSIST,
        "a date is stored a day earlier, as one converted through a time zone west of UTC",
        "stored",
        planted.mangling(planted.a_day_earlier),
    ),
    Fault(
        "wrap-integers",
        requirements.PERSIST,
        "integers are stored wrapped into signed 32 bits",
        "stored",
        planted.mangling(planted.wrapped_around),
    ),
    Fault(
        "apply-read-only",
        requirements.READONLY,
        "read-only properties in an update are stored, whatever the read-only treatment",
        "stored",
        planted.also_storing("read-only"),
    ),
    Fault(
        "store-unknown",
        requirements.UNKNOWN,
        "unknown properties are accepted, stored and read back",
        "stored",
        planted.also_storing("unknown"),
    ),
    Fault(
        "take-keys-by-prefix",
        requirements.UNKNOWN,
        "an unknown key that begins a writable property's name, or begins with it, is "
        "stored in that property (`nam`, `name_2` in `name`)",
        "rules",
        planted.taking_keys_by_prefix,
    ),
    Fault(
        "accept-empty",
        requirements.EMPTY,
        "`{}` is answered 200 with the id",
        "rules",
        planted.waiving("empty"),
    ),
    Fault(
        "create-unknown-id",
        requirements.NOTFOUND,
        "a valid update of an unknown id creates that contact and is answered 200",
        "answer",
        planted.creating_unknown_ids,
    ),
    Fault(
        "crash-on-bad-id",
        requirements.BADID,
        "a REST contact id that is not a number (`abc`) is answered 500",
        "rest_answer",
        planted.crashing_on_bad_ids,
    ),
    Fault(
        "accept-any-credentials",
        requirements.AUTH,
        "any credentials, or none, are accepted",
        "authorised",
        planted.letting_anyone_in,
    ),
    Fault(
        "refuse-credentials-with-400",
        requirements.AUTH,
        "over REST, missing or wrong credentials are refused with 400 instead of 401",
        "rest_answer",
        planted.refusing_credentials_with_400,
    ),
    Fault(
        "accept-any-scheme",
        requirements.AUTH,
        "the right user and key are accepted under any authentication scheme "
        "(`Bearer dXNlcjprZXk=`), not only Basic",
        "authorised",
        planted.ignoring_the_scheme,
    ),
    Fault(
        "crash-on-non-object",
        requirements.MALFORMED,
        "a REST body that is JSON but not an object (`[]`, `1`) is answered 500",
        "rules",
        planted.crashing_on_non_objects,
    ),
    Fault(
        "crash-on-long-name",
        requirements.NO5XX,
        "a valid update whose `name` is over 40 characters is answered 500 and not stored",
        "answer",
        planted.crashing_on_long_names,
    ),
    Fault(
        "store-refused-status",
        requirements.ENUM,
        "an update refused for a `status` outside its allowed values still stores that `status`",
        "rules",
        planted.storing_refused_status,
    ),
    Fault(
        "store-valid-siblings",
        requirements.ATOMIC,
        "a refused update still stores its valid properties",
        "rules",
        planted.storing_valid_siblings,
    ),
    Fault(
        "write-neighbour",
        requirements.ISOLATION,
        "an accepted update is also written into the contact whose id is one higher",
        "answer",
        planted.writing_the_neighbour,
    ),
    Fault(
        "lose-concurrent-updates",
        requirements.CONCURRENT,
        "an update reads the whole contact, waits, and writes it all back: of updates that "
        "arrive together, all but one are lost",
        "answer",
        planted.losing_concurrent_updates,
    ),
    Fault(
        "xmlrpc-skips-validation",
        requirements.PARITY,
        "XML-RPC stores values without checking type, enum or format; REST still checks them",
        "rules",
        planted.values_unchecked_over_xmlrpc,
    ),
)


def fault_overrides(names: Iterable[str]) -> list[Override]:
    """The steps the named faults replace, and how."""
    return [(FAULTS[name].step, FAULTS[name].override) for name in sorted(names)]


class UnknownFaultError(ContractError, ValueError):
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
