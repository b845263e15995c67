"""The contact under test: read before the run, put back after it, whatever happens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.checks import same_value
from contract.client import ContactClient, EndpointUnreachable, InstallLost, ReadBackUnavailable
from contract.controls import Spell, misdirected_status, missing_contact
from contract.outcomes import StopRun


class ContactSetupError(RuntimeError):
    """The contact under test cannot be used; the message says why."""


@dataclass
class ContactUnderTest:
    """One contact the run may change, and what it held before."""

    id: int
    original: dict[str, Any] | None
    no_readback: str | None = None
    restored: bool = field(default=False)

    @property
    def readback(self) -> bool:
        """True when the install reads contacts back, so changes can be seen."""
        return self.original is not None


def open_contact(client: ContactClient, contact_id: int, spell: Spell) -> ContactUnderTest:
    """Read the contact before the run; an install without read-back is noted, not refused,
    but one that refuses the credentials stops the run."""
    try:
        original = client.read(contact_id)
    except ReadBackUnavailable as reason:
        if reason.status == 401:
            what = f"a read of contact {contact_id}"
            stop = misdirected_status("rest", reason.url, reason.status, what, spell)
            assert stop is not None
            raise StopRun(stop) from None
        return ContactUnderTest(contact_id, None, str(reason))
    if original is None:
        raise ContactSetupError(missing_contact(client.endpoint.base_url, contact_id, spell))
    return ContactUnderTest(contact_id, original)


def restore(
    client: ContactClient, contact: ContactUnderTest, writable: tuple[str, ...], save_to: Path
) -> str | None:
    """Write back the original writable values that changed.

    Returns ``None`` when the contact is as it was, else the path of a file holding the
    original values, for ``contract restore FILE``.
    """
    if contact.restored or contact.original is None:
        return None
    original = {name: contact.original[name] for name in writable if name in contact.original}
    try:
        current = client.read(contact.id) or {}
        changed = {n: v for n, v in original.items() if not same_value(v, current.get(n))}
        if not changed or client.update(contact.id, changed, "rest").accepted:
            contact.restored = True
            return None
    except (EndpointUnreachable, InstallLost, ReadBackUnavailable):
        pass
    save_to.write_text(
        json.dumps(
            {"url": client.endpoint.base_url, "contact_id": contact.id, "properties": original},
            indent=2,
            ensure_ascii=True,
        )
        + "\n",
        encoding="utf-8",
    )
    contact.restored = True
    return str(save_to)
