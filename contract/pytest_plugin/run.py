"""What the plugin keeps for one pytest session: settings, contract, tape and certificate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contract.certificate import Certificate
from contract.client import ContactClient
from contract.interrupts import interrupts_deferred
from contract.outcomes import Stop
from contract.pytest_plugin.contact import ContactUnderTest, restore
from contract.pytest_plugin.tape import Tape
from contract.recording import Replayer
from contract.schema import Contract
from contract.settings import RunSettings


@dataclass
class ContractRun:
    """One session's certification state; on xdist, each process has its own."""

    settings: RunSettings
    contract: Contract
    tape: Tape | None
    certificate: Certificate
    workers: int = 1
    worker_index: int = 0
    changed: list[tuple[ContactClient, ContactUnderTest]] = field(default_factory=list)
    """The contacts this process may have changed, to put back whatever happens."""

    @property
    def replaying(self) -> bool:
        """True when answers come from a recording."""
        return isinstance(self.tape, Replayer)

    def contact_id(self) -> int:
        """The contact this process may change: one per xdist worker."""
        ids = self.settings.contacts()
        return ids[self.worker_index % len(ids)]

    def stopped(self, stop: Stop) -> None:
        """The run cannot go on, for this reason."""
        self.certificate.fold.stopped(stop)

    def restore(
        self, config: pytest.Config, client: ContactClient, contact: ContactUnderTest
    ) -> None:
        """Put the contact back; say loudly, and keep the values in a file, when it cannot be."""
        client.before_request = None  # a stop asked for must not stop the restore
        save_to = Path(config.invocation_params.dir) / f"contract-restore-{contact.id}.json"
        with interrupts_deferred():
            saved = restore(client, contact, self.contract.writable, save_to)
        if contact.outcome is not None:
            self.certificate.restored[contact.id] = contact.outcome
        if saved is None:
            return
        self.certificate.restore_file = saved
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            names = ", ".join(contact.outcome.properties) if contact.outcome else "its values"
            reporter.write_line(
                f"contract: contact {contact.id} was not fully restored ({names}); its "
                f"original values are in {saved}: run `contract restore {saved}`",
                red=True,
                bold=True,
            )


RUN = pytest.StashKey[ContractRun]()


def contract_run(config: pytest.Config) -> ContractRun:
    """The session's certification state."""
    return config.stash[RUN]
