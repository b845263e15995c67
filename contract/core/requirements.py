"""The requirement catalogue: what a certificate lists, each requirement declared once.

Everything that names a requirement (the checks, the suite's ``@certifies``, the planted
faults, the certificate, the README's table) takes it from here, so a misspelt id is an
error where it is written, not a row that silently never fills.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from contract.errors import ContractError


@dataclass(frozen=True)
class Requirement:
    """One promise of the contract, as the certificate lists it."""

    id: str
    statement: str
    needs_readback: bool
    """Judged on the contact as it reads back: without read-back it is *not verifiable*."""
    changes_contact: bool
    """Its tests send updates the install should apply to the contact under test."""
    judges_refusals: bool
    """Its verdict rests on refusals, which count only where a valid update was accepted."""
    order: int
    """Its row in the certificate, counted from 0."""
    exercises: str | None = None
    """Which writable properties its tests send values of: ``writable`` (every one),
    ``enum`` (those with enumerated values), ``format`` (those whose text has a format or
    a content type), or ``None`` when its verdict is about no property in particular."""

    def __str__(self) -> str:
        return self.id


class UnknownRequirementError(ContractError, LookupError):
    """A requirement id that is not in the catalogue; the message names the closest ones."""


_CATALOGUE: list[Requirement] = []


def _declare(
    id: str,
    statement: str,
    *,
    needs_readback: bool = False,
    changes_contact: bool = False,
    judges_refusals: bool = False,
    exercises: str | None = None,
) -> Requirement:
    requirement = Requirement(
        id, statement, needs_readback, changes_contact, judges_refusals, len(_CATALOGUE), exercises
    )
    _CATALOGUE.append(requirement)
    return requirement


ACCEPT = _declare(
    "UC-ACCEPT",
    "a valid update is accepted and answered with the contact's id",
    changes_contact=True,
    exercises="writable",
)
RESPONSE = _declare(
    "UC-RESPONSE",
    "answers are well formed (REST JSON integer body and JSON content type; "
    "XML-RPC methodResponse int)",
    changes_contact=True,
    exercises="writable",
)
PERSIST = _declare(
    "UC-PERSIST",
    "every accepted property reads back exactly as sent",
    needs_readback=True,
    changes_contact=True,
    exercises="writable",
)
PARTIAL = _declare(
    "UC-PARTIAL",
    "properties not sent are unchanged",
    needs_readback=True,
    changes_contact=True,
    exercises="writable",
)
IDEMPOTENT = _declare(
    "UC-IDEMPOTENT",
    "sending the same update twice gives the same answer and state",
    needs_readback=True,
    changes_contact=True,
    exercises="writable",
)
ENUM = _declare(
    "UC-ENUM",
    "a value outside an enum is rejected and nothing changes",
    judges_refusals=True,
    exercises="enum",
)
TYPE = _declare(
    "UC-TYPE",
    "a value of the wrong JSON type is rejected and nothing changes",
    judges_refusals=True,
    exercises="writable",
)
FORMAT = _declare(
    "UC-FORMAT",
    "tags and birth_date with the wrong content are rejected",
    judges_refusals=True,
    exercises="format",
)
READONLY = _declare(
    "UC-READONLY",
    "no read-only property ever changes through an update",
    needs_readback=True,
    changes_contact=True,
    judges_refusals=True,
)
UNKNOWN = _declare(
    "UC-UNKNOWN",
    "unknown properties are never stored",
    needs_readback=True,
    changes_contact=True,
    judges_refusals=True,
)
EMPTY = _declare("UC-EMPTY", "an empty properties object is rejected", judges_refusals=True)
NOTFOUND = _declare(
    "UC-NOTFOUND",
    "an unknown contact id is answered 404 / Fault and creates nothing",
    needs_readback=True,
    judges_refusals=True,
)
BADID = _declare(
    "UC-BADID",
    "a malformed id (text, zero, negative) is rejected, not a 5xx",
    judges_refusals=True,
)
AUTH = _declare(
    "UC-AUTH", "missing or wrong credentials are refused and change nothing", judges_refusals=True
)
MALFORMED = _declare(
    "UC-MALFORMED", "a body that is not a JSON object is rejected, not a 5xx", judges_refusals=True
)
NO5XX = _declare(
    "UC-NO5XX",
    "no request the suite sends ever gets a 5xx",
    changes_contact=True,
    exercises="writable",
)
PARITY = _declare(
    "UC-PARITY",
    "REST and XML-RPC reach the same verdict on the same payload",
    changes_contact=True,
    exercises="writable",
)
ATOMIC = _declare(
    "UC-ATOMIC",
    "a refused payload stores none of its properties, not even the valid ones",
    needs_readback=True,
    judges_refusals=True,
    exercises="writable",
)
ISOLATION = _declare(
    "UC-ISOLATION",
    "an update changes no other contact (witness contacts read before and after)",
    needs_readback=True,
    changes_contact=True,
)

CONCURRENT = _declare(
    "UC-CONCURRENT",
    "updates of different properties of one contact that arrive together all persist",
    needs_readback=True,
    changes_contact=True,
    exercises="writable",
)

CATALOGUE: tuple[Requirement, ...] = tuple(_CATALOGUE)
"""Every requirement, in the certificate's order."""
_BY_ID = {requirement.id: requirement for requirement in CATALOGUE}


def requirement(wanted: Requirement | str) -> Requirement:
    """The catalogue's requirement for *wanted* (an id such as ``"UC-ENUM"``, or one already).

    Raises :class:`UnknownRequirementError` naming the closest ids for anything else.
    """
    if isinstance(wanted, Requirement) and _BY_ID.get(wanted.id) == wanted:
        return wanted
    found = _BY_ID.get(wanted) if isinstance(wanted, str) else None
    if found is not None:
        return found
    close = difflib.get_close_matches(str(wanted).upper(), _BY_ID, n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UnknownRequirementError(
        f"{wanted!r} is not a requirement of the contract{hint} "
        f"(the catalogue: {', '.join(_BY_ID)})"
    )
