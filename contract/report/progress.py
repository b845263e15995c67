"""What ``contract certify`` prints while the suite runs: a line as each requirement is decided."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from contract.report.certificate import Certificate
from contract.report.verdicts import RequirementResult
from contract.report.writers import not_exercised_notice
from contract.run.exercised import prepare_command
from contract.run.settings import Frontend, with_option_names


@dataclass(eq=False)  # pytest keeps plugins in sets
class Progress:
    """A view of the run's fold, through the plugin's hooks; keeps the final certificate."""

    out: IO[str]
    url: str | None = None
    """The install's address, for the command that prepares its contact; ``None`` in a replay."""
    certificate: Certificate | None = None

    def pytest_contract_requirement_decided(self, result: RequirementResult) -> None:
        counts = f"{result.cases:>5} cases {result.requests:>6} requests"
        self.out.write(f"{result.id:<14} {result.verdict:<15} {counts}\n")
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
