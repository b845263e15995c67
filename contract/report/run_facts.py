"""What every view of a certificate says about the run itself, which its reader trusts
first: whether each contact the run changed or read reads back as it did before the run,
and how many requests the network made it send again."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from contract.report.certificate import Certificate
from contract.run.put_back import Restored

_ROLES = {"witness": "witness contact", "unknown id": "contact"}


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _named(contact_id: int, outcome: Restored) -> str:
    return f"{_ROLES.get(outcome.role, 'contact')} {contact_id}"


def _difference(name: str, values: dict[str, Any]) -> str:
    if "original" not in values:
        return f"{name} is {_shown(values['now'])}: {values['why']}"
    why = f" ({values['why']})" if values.get("why") else ""
    return f"{name} is {_shown(values['now'])}, was {_shown(values['original'])}{why}"


def not_restored_line(contact_id: int, outcome: Restored) -> str:
    """The line that says what is still not as it was in one contact."""
    left = [outcome.note] if outcome.note else []
    left += [_difference(name, values) for name, values in outcome.properties.items()]
    return f"{_named(contact_id, outcome)} NOT fully restored: {'; '.join(left)}"


def restored_line(contact_id: int, outcome: Restored, writable: Collection[str] = ()) -> str | None:
    """The line that says a contact reads back as before, and what the install had
    changed that no update should (a witness, read-only values of the contact under
    test, given its *writable* properties); ``None`` where there is nothing to say (an
    unknown id that is still unknown)."""
    if outcome.role == "unknown id":
        return None
    named = _named(contact_id, outcome)
    if outcome.role == "contact under test":
        read_only = [name for name in outcome.repaired if writable and name not in writable]
        if read_only:
            return (
                f"{named} restored: it reads back as before the run (the install had "
                f"changed read-only {', '.join(read_only)}, put back too)"
            )
        return f"{named} restored: it reads back as before the run"
    if outcome.repaired:
        return (
            f"{named} restored: the install had changed {', '.join(outcome.repaired)} in "
            "it; it reads back as before the run (the updates that put it back may have "
            "reached contacts the run never read, as the run's own updates reached this one)"
        )
    return f"{named} unchanged: it reads back as before the run"


def restore_lines(certificate: Certificate) -> list[str]:
    """Whether the contacts the run changed or read read back as before, each contact left
    changed first; nothing when the run changed none it could read."""
    left = [
        not_restored_line(contact_id, outcome)
        for contact_id, outcome in certificate.restored.items()
        if not outcome.complete
    ]
    restored = [
        restored_line(contact_id, outcome, certificate.writable)
        for contact_id, outcome in certificate.restored.items()
        if outcome.complete
    ]
    files = [
        f"the values still to put back are in {path}: run `contract restore {path}`"
        for path in certificate.restore_files
    ]
    return left + files + [line for line in restored if line is not None]


def retries_line(certificate: Certificate) -> str | None:
    """How many requests the network made the run send again, if any; the option as
    ``{--retries}``, for the front end to spell."""
    retries = certificate.retries
    if not retries:
        return None
    requests = "request" if retries == 1 else "requests"
    return (
        f"retried {retries} {requests} after network errors "
        "(the network, not the install: see {--retries})"
    )
