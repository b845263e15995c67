"""REST: ``PUT`` and ``GET /api/2.0/contacts/{id}`` as calls to the contact service."""

from __future__ import annotations

import json
import re
from typing import Any

from contract.core.violations import Violation
from contract.errors import ContractError
from contract.server.http_io import Response, error_response, json_response, violations_response
from contract.server.service import ContactService
from contract.server.updates import NotFound, Rejected

CONTACT_PATH = re.compile(r"/api/2\.0/contacts/(?P<id>[^/]*)")
CONTACT_METHODS = ("GET", "HEAD", "PUT")

# Python refuses to turn longer digit strings into ints (a quadratic-time guard);
# such a number is answered as unreadable rather than as a crash.
MAX_INTEGER_DIGITS = 4300
# What Python's refusal says (a hook checking each integer instead would cost more than
# the parse of a body of 50,000 of them).
_INTEGER_TOO_LONG = "integer string conversion"
_ID = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)


class UnreadableJSONError(ContractError, ValueError):
    """A body that is not JSON this server can read."""


def parse_contact_id(text: str) -> int | None:
    """The id in a contact path, or None when it is not a positive decimal integer."""
    return int(text) if _ID.fullmatch(text) else None


def _refuse_constant(name: str) -> Any:
    raise UnreadableJSONError(f"{name} is not a JSON value")


def parse_json_body(body: bytes) -> Any:
    """The JSON value of a request body; raises :class:`UnreadableJSONError` with a reason."""
    if not body.strip():
        raise UnreadableJSONError("the body is empty")
    try:
        # Decoded strictly here: json.loads() would decode bytes with "surrogatepass",
        # passing UTF-8-encoded surrogates (invalid UTF-8) off as lone surrogate escapes.
        text = body.decode(json.detect_encoding(body))
        return json.loads(text, parse_constant=_refuse_constant)
    except UnreadableJSONError:
        raise
    except RecursionError:
        raise UnreadableJSONError("the body nests too deeply") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        if _INTEGER_TOO_LONG in str(error):  # Python's own words name its internals
            raise UnreadableJSONError(
                f"an integer has more than {MAX_INTEGER_DIGITS} digits"
            ) from None
        raise UnreadableJSONError(str(error)) from None


def not_json_response(reason: str) -> Response:
    """The 400 answer to a body that is not JSON."""
    message = f"the body must be a JSON object of properties to update: {reason} (rule: not_json)"
    return violations_response([Violation(None, "not_json", message)])


def contact_not_found(contact_id: int | None) -> Response:
    """The 404 answer for an unknown or malformed contact id."""
    what = "malformed contact id" if contact_id is None else f"no contact has id {contact_id}"
    return error_response(404, what)


def put_contact(service: ContactService, contact_id: int, body: bytes) -> Response:
    """Update a contact from a JSON body: 200 with the id, 400, or 404."""
    try:
        properties = parse_json_body(body)
    except UnreadableJSONError as error:
        if not service.store.exists(contact_id):
            return contact_not_found(contact_id)
        return not_json_response(str(error))
    outcome = service.update(contact_id, properties, "rest")
    if isinstance(outcome, NotFound):
        return contact_not_found(contact_id)
    if isinstance(outcome, Rejected):
        return violations_response(outcome.violations, outcome.status)
    return json_response(200, outcome.contact_id)


def get_contact(service: ContactService, contact_id: int) -> Response:
    """Read a contact back: 200 with every property, or 404."""
    contact = service.get(contact_id)
    if contact is None:
        return contact_not_found(contact_id)
    return json_response(200, contact)
