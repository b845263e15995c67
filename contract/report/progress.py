"""What ``contract certify`` prints while the suite runs: a line as each requirement is
decided, and the first failure in full as soon as it is found."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import IO

from contract.report.certificate import Certificate
from contract.report.verdicts import RequirementResult
from contract.report.writers import not_exercised_notice
from contract.run.exercised import prepare_command
from contract.run.settings import Frontend, with_option_names

FIRST_FAILURE = "  the first failure, as found (the run goes on; the end shows each failure):\n"


@dataclass(eq=False)  # pytest keeps plugins in sets
class Progress:
    """A view of the run's fold, through the plugin's hooks; keeps the final certificate."""

    out: IO[str]
    url: str | None = None
    """The install's address, for the command that prepares its contact; ``None`` in a replay."""
    certificate: Certificate | None = None
    first_failure_shown: bool = False

    def pytest_contract_requirement_decided(self, result: RequirementResult) -> None:
        counts = f"{result.cases:>5} cases {result.requests:>6} requests"
        self.out.write(f"{result.id:<14} {result.verdict:<15} {counts}\n")
        if result.failure is not None and not self.first_failure_shown:
            # A slow install's run goes on for minutes: what failed is worth reading now.
            self.first_failure_shown = True
            self.out.write(FIRST_FAILURE + textwrap.indent(result.failure.message, "    ") + "\n")
        self.out.flush()

    def pytest_contract_irreversible(
        self, contact_id: int, exercised: bool, reasons: dict[str, str]
    ) -> None:
        prepare = prepare_command(self.url, contact_id) if self.url else None
        notice = not_exercised_notice(contact_id, reasons, exercised, prepare)
        self.out.write(with_option_names(notice, Frontend.CLI) + "\n")
        self.out.flush()

    def pytest_contract_certificate(self, certificate: Certificate) -> None:
        self.certificate = certificate
