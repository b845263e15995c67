"""What ``contract certify`` prints while the suite runs: a line as each requirement is decided."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from contract.certificate import Certificate
from contract.fold import RequirementResult
from contract.reports import irreversible_notice
from contract.settings import Door, spelt


@dataclass(eq=False)  # pytest keeps plugins in sets
class Progress:
    """A view of the run's fold, through the plugin's hooks; keeps the final certificate."""

    out: IO[str]
    certificate: Certificate | None = None

    def pytest_contract_requirement_decided(self, result: RequirementResult) -> None:
        counts = f"{result.cases:>5} cases {result.requests:>6} requests"
        self.out.write(f"{result.id:<14} {result.verdict:<15} {counts}\n")
        self.out.flush()

    def pytest_contract_irreversible(
        self, contact_id: int, properties: tuple[str, ...], exercised: bool
    ) -> None:
        notice = irreversible_notice(contact_id, properties, exercised)
        self.out.write(spelt(notice, Door.CLI) + "\n")
        self.out.flush()

    def pytest_contract_certificate(self, certificate: Certificate) -> None:
        self.certificate = certificate
