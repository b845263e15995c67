"""The contact under test: read before the run, put back after it, whatever happens."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.answers import Answer
from contract.client import ContactClient, EndpointUnreachable, InstallLost, ReadBackUnavailable
from contract.controls import Spell, misdirected, misdirected_status, missing_contact
from contract.exercised import why_not_exercised
from contract.outcomes import StopRun
from contract.restoring import Restored, put_back, refused_properties
from contract.schema import Contract


class ContactSetupError(RuntimeError):
    """The contact under test cannot be used; the message says why."""


@dataclass
class ContactUnderTest:
    """One contact the run may change, and what it held before."""

    id: int
    original: dict[str, Any] | None
    no_readback: str | None = None
    restored: bool = field(default=False)
    irreversible: frozenset[str] = frozenset()
    """Writable properties whose current value the install refuses to take back."""
    not_exercised: Mapping[str, str] = field(default_factory=dict)
    """The writable properties whose values the run could not put back, each with why:
    the irreversible ones, and those the read-back does not show."""
    outcome: Restored | None = None
    """What putting the contact back achieved, once done."""

    def unsent(self, allow_irreversible: bool) -> frozenset[str]:
        """The writable properties the run must send nothing: those it could not put back,
        unless the run allows irreversible changes."""
        return frozenset() if allow_irreversible else frozenset(self.not_exercised)

    @property
    def readback(self) -> bool:
        """True when the install reads contacts back, so changes can be seen."""
        return self.original is not None


def read_contact(
    contact_id: int,
    original: dict[str, Any] | None,
    no_readback: str | None,
    irreversible: Collection[str],
    contract: Contract,
) -> ContactUnderTest:
    """The contact under test as the run found it, with what it must leave alone."""
    not_exercised = {} if original is None else why_not_exercised(contract, original, irreversible)
    return ContactUnderTest(
        contact_id,
        original,
        no_readback,
        irreversible=frozenset(irreversible),
        not_exercised=not_exercised,
    )


def open_contact(
    client: ContactClient, contact_id: int, contract: Contract, spell: Spell
) -> ContactUnderTest:
    """Read the contact before the run, and find which of its values the install would
    not take back; an install without read-back is noted, not refused, but one that
    refuses the credentials stops the run."""
    try:
        original = client.read(contact_id)
    except ReadBackUnavailable as reason:
        if reason.status == 401:
            what = f"a read of contact {contact_id}"
            stop = misdirected_status("rest", reason.url, reason.status, what, spell)
            assert stop is not None
            raise StopRun(stop) from None
        return read_contact(contact_id, None, str(reason), (), contract)
    if original is None:
        raise ContactSetupError(missing_contact(client.endpoint.base_url, contact_id, spell))
    # The contact's own values, sent back: a write that changes nothing where it is taken.
    current = {name: original[name] for name in contract.writable if name in original}
    answers: list[Answer] = []
    refused = refused_properties(client, contact_id, current, answered=answers)
    for answer in answers:
        stop = misdirected(answer, "a write of the contact's own values", spell)
        if stop is not None:
            raise StopRun(stop)
    return read_contact(contact_id, original, None, refused, contract)


def restore(
    client: ContactClient, contact: ContactUnderTest, writable: tuple[str, ...], save_to: Path
) -> str | None:
    """Put back every original writable value that changed, one property at a time where
    the install refuses them together, and record what is still not as it was.

    Returns ``None`` when the contact is as it was, else the path of a file holding the
    original values still to put back, for ``contract restore FILE``.
    """
    if contact.restored or contact.original is None:
        return None
    original = {name: contact.original[name] for name in writable if name in contact.original}
    try:
        outcome = put_back(client, contact.id, original)
    except (EndpointUnreachable, InstallLost, ReadBackUnavailable):
        outcome = Restored(False, {n: {"original": v, "now": None} for n, v in original.items()})
    contact.restored, contact.outcome = True, outcome
    if outcome.complete:
        return None
    still = {name: original[name] for name in outcome.properties}
    save_to.write_text(
        json.dumps(
            {"url": client.endpoint.base_url, "contact_id": contact.id, "properties": still},
            indent=2,
            ensure_ascii=True,
        )
        + "\n",
        encoding="utf-8",
    )
    return str(save_to)
