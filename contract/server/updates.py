"""What an update is, and what became of it: the language of the service and its faults."""

from __future__ import annotations

from dataclasses import dataclass

from contract.core.transports import Transport
from contract.core.violations import Violation


@dataclass(frozen=True)
class UpdateRequest:
    """One update, as either transport hands it to the service."""

    contact_id: int
    properties: object
    transport: Transport


@dataclass(frozen=True)
class Updated:
    """The update was applied (possibly changing nothing, when every property was ignored)."""

    contact_id: int
    applied: tuple[str, ...]


@dataclass(frozen=True)
class NotFound:
    """No contact has this id."""

    contact_id: int


@dataclass(frozen=True)
class Rejected:
    """The payload breaks the contract; nothing was changed."""

    violations: tuple[Violation, ...]

    @property
    def status(self) -> int:
        """422 when only a limit of the install's storage refused it, else 400."""
        return 422 if all(found.rule == "limit" for found in self.violations) else 400


UpdateOutcome = Updated | NotFound | Rejected
