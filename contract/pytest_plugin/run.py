"""What the plugin keeps for one pytest session: settings, contract, tape and certificate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contract.pytest_plugin.tape import Tape
from contract.recording import Replayer
from contract.report.certificate import Certificate
from contract.report.run_facts import not_restored_line
from contract.run.client import ContactClient
from contract.run.contact import ContactUnderTest, restore
from contract.run.interrupts import interrupts_deferred
from contract.run.outcomes import Stop
from contract.run.settings import RunSettings
from contract.spec.schema import Contract


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
        """Put the contact and its witnesses back; say loudly, and keep the values in a
        file, where one cannot be."""
        client.before_request = None  # a stop asked for must not stop the restore
        with interrupts_deferred():
            saved = restore(client, contact, Path(config.invocation_params.dir))
        self.certificate.restored.update(contact.outcomes)
        self.certificate.restore_files += saved
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        for contact_id, outcome in contact.outcomes.items():
            if not outcome.complete:
                reporter.write_line(
                    f"contract: {not_restored_line(contact_id, outcome)}", red=True, bold=True
                )
        for path in saved:
            reporter.write_line(
                f"contract: the values still to put back are in {path}: run "
                f"`contract restore {path}`",
                red=True,
                bold=True,
            )


RUN = pytest.StashKey[ContractRun]()


def contract_run(config: pytest.Config) -> ContractRun:
    """The session's certification state."""
    return config.stash[RUN]
