"""What a worker process hands the process that folds the certificate, besides outcomes:
the contact it opened, then its stops, restores and retries outside tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from contract.report.certificate import Certificate
from contract.run.contact import ContactUnderTest
from contract.run.outcomes import Stop
from contract.run.put_back import Restored

_STOPS = "contract_stops"
_RESTORE = "contract_restore"
_RETRIES = "contract_retries"


def opened(contact: ContactUnderTest, writable: Sequence[str]) -> str:
    """The contact under test as JSON: its id, its irreversible properties (in the
    contract's order), those the run cannot exercise with why, and its witnesses."""
    return json.dumps(
        {
            "id": contact.id,
            "irreversible": [name for name in writable if name in contact.irreversible],
            "not_exercised": dict(contact.not_exercised),
            "witnesses": list(contact.witnesses),
        }
    )


def take_opened(certificate: Certificate, text: str) -> tuple[int, dict[str, str]]:
    """Note a contact :func:`opened` in the certificate; returns its id and the properties
    the run could not put back, with why."""
    contact = json.loads(text)
    contact_id, irreversible = int(contact["id"]), tuple(contact["irreversible"])
    reasons: dict[str, str] = dict(contact["not_exercised"])
    certificate.irreversible[contact_id] = irreversible
    certificate.unexercised[contact_id] = reasons
    certificate.witnesses_read.update(int(witness) for witness in contact["witnesses"])
    if certificate.options:  # the witnesses read, not those asked for
        certificate.options["witness_ids"] = sorted(certificate.witnesses_read)
    return contact_id, reasons


def hand_over(certificate: Certificate, output: MutableMapping[str, Any]) -> None:
    """Write into *output* what no test report carried: why the run stopped, what putting
    the contacts back achieved, and the retries outside tests."""
    output[_STOPS] = [stop.to_json() for stop in certificate.fold.stops]
    output[_RESTORE] = {
        "files": certificate.restore_files,
        "contacts": {str(k): v.to_json() for k, v in certificate.restored.items()},
    }
    output[_RETRIES] = certificate.retries_outside_tests


def take_over(certificate: Certificate, output: Mapping[str, Any]) -> None:
    """Fold what a worker handed over (see :func:`hand_over`) into the certificate."""
    for stop in output.get(_STOPS, []):
        certificate.fold.stopped(Stop.from_json(stop))
    restore = output.get(_RESTORE, {})
    certificate.restore_files += restore.get("files", [])
    for contact_id, restored in restore.get("contacts", {}).items():
        certificate.restored[int(contact_id)] = Restored.from_json(restored)
    certificate.retries_outside_tests += int(output.get(_RETRIES, 0))
