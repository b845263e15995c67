"""An install's coverage as the fleet reports it: how many of the writable properties its
run exercised, and why it left any out (see :mod:`contract.run.exercised`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.run.exercised import headline


@dataclass(frozen=True)
class InstallCoverage:
    """The writable properties one install's run exercised, as counts, and each one it
    left out with why."""

    exercised: int
    writable: int
    not_exercised: Mapping[str, str] = field(default_factory=dict)
    """Each writable property the run sent nothing, and why, in the contract's order."""

    @property
    def partial(self) -> bool:
        """True when the run left any writable property out."""
        return bool(self.not_exercised)

    @property
    def fraction(self) -> str:
        """``25/28``."""
        return f"{self.exercised}/{self.writable}"

    def headline(self) -> str:
        """``25 of 28 writable properties exercised (not exercised: …)``, in the words of
        the install's own verdict line; empty when every property was exercised."""
        return headline(self.writable, list(self.not_exercised))

    def to_dict(self) -> dict[str, Any]:
        """The install's ``coverage`` in ``fleet.json``."""
        return {
            "exercised": self.exercised,
            "writable": self.writable,
            "not_exercised": dict(self.not_exercised),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InstallCoverage:
        """An install's ``coverage`` of ``fleet.json`` read back."""
        return cls(int(data["exercised"]), int(data["writable"]), dict(data["not_exercised"]))

    @classmethod
    def from_certificate(cls, certificate: Mapping[str, Any]) -> InstallCoverage | None:
        """The coverage a certificate's JSON states; ``None`` for one that states none
        (a certificate older than the ``coverage`` field)."""
        coverage = certificate.get("coverage")
        if not isinstance(coverage, Mapping):
            return None
        reasons = coverage.get("reason", {})
        left_out = [str(name) for name in coverage.get("not_exercised", [])]
        return cls(
            exercised=len(coverage.get("exercised", [])),
            writable=int(coverage.get("writable", 0)),
            not_exercised={name: str(reasons.get(name, "")) for name in left_out},
        )
