"""One process's part of a run: its settings, contract, tape and client, the contacts it may
change, and how it opens the contact under test and the certifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.run.certifier import Certifier
from contract.run.client import ContactClient, EndpointUnreachable
from contract.run.contact import (
    ContactSetupError,
    ContactUnderTest,
    open_contact,
    put_back_every_contact,
    witness_candidates,
)
from contract.run.controls import run_control
from contract.run.interrupts import interrupts_deferred
from contract.run.outcomes import Problem, Stop, StopRun
from contract.run.settings import RunSettings
from contract.run.tape import Tape


@dataclass
class ContractRun:
    """What one process of a run keeps; on xdist, each process has its own."""

    settings: RunSettings
    contract: Contract
    tape: Tape
    workers: int = 1
    worker_index: int = 0
    client: ContactClient | None = None
    """The process's client, once opened: what it counted outside every test."""
    changed: list[tuple[ContactClient, ContactUnderTest]] = field(default_factory=list)
    """The contacts this process may have changed, to put back whatever happens."""

    def contact_id(self) -> int:
        """The contact this process may change: one per xdist worker."""
        ids = self.settings.contacts()
        return ids[self.worker_index % len(ids)]

    def open_contact(self, client: ContactClient) -> ContactUnderTest:
        """The contact this process may change, as it was before the run; from now on it
        is one to put back."""
        contact_id = self.contact_id()
        contact = self.tape.contact(
            contact_id, self.contract, lambda: self._read(client, contact_id)
        )
        self.changed.append((client, contact))
        return contact

    def _read(self, client: ContactClient, contact_id: int) -> ContactUnderTest:
        settings = self.settings
        try:
            return open_contact(
                client,
                contact_id,
                self.contract,
                settings.spell,
                witnesses=witness_candidates(contact_id, settings.witness_ids, settings.contacts()),
                named_witnesses=bool(settings.witness_ids),
            )
        except ContactSetupError as error:
            raise StopRun(Stop(Problem.NO_SUCH_CONTACT, str(error))) from None
        except EndpointUnreachable as error:
            raise StopRun(error.stop) from None

    def certifier(self, client: ContactClient, contact: ContactUnderTest) -> Certifier:
        """The certifier of every test, once each transport has had its positive control:
        a valid update that must be accepted (and read back, where the install can) for
        its refusals to count."""
        settings = self.settings

        def control(transport: Transport) -> str | None:
            return run_control(
                client,
                contact.id,
                self.contract,
                transport,
                reads_back=contact.readback,
                spell=settings.spell,
                exclude=contact.unsent(settings.allow_irreversible),
            )

        unproven = self.tape.unproven(settings.transports, control)
        # Made after the controls, whose requests belong to no requirement.
        certifier = Certifier(client, contact, self.contract, settings)
        certifier.unproven = unproven
        return certifier

    def put_back(
        self, client: ContactClient, contact: ContactUnderTest, save_in: Path
    ) -> list[str]:
        """Put the contact and its witnesses back, whatever a signal says meanwhile; returns
        the files holding the values that could not be (see
        :func:`~contract.run.contact.put_back_every_contact`)."""
        client.before_request = None  # a stop asked for must not stop the restore
        with interrupts_deferred():
            return put_back_every_contact(client, contact, save_in)

    def retries_outside_tests(self, in_tests: int, owner: bool) -> int:
        """This process's retries that no test's tally holds (*in_tests* are): opening
        the contact, the controls, the restore; and those the tape counts but did not send
        (a replay's recorded ones), counted once, by the process that owns the run."""
        retries = self.client.retries - in_tests if self.client is not None else 0
        return retries + (self.tape.retries_not_sent() if owner else 0)
