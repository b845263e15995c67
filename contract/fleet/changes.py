"""The kinds of change ``contract diff`` lists, in the order it lists them, and the
records of one change: :class:`Change` (of an install, or of a requirement over a
transport) and :class:`VersionChange`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from contract.core.requirements import CATALOGUE
from contract.fleet.snapshot import OVERALL

# The kinds of change, in the order every view lists them: what needs action first.
REGRESSED = "regressed"
"""A requirement that passed (or was not verifiable, or not exercised) fails now."""
NOW_COULD_NOT_RUN = "could not run"
"""An install that came to a verdict before could not run now (or was not started)."""
NOT_RESTORED = "not restored"
"""An install whose contacts read back as before then, and not now."""
NO_LONGER_CERTIFIED = "no longer certified"
COVERAGE_SHRANK = "coverage shrank"
"""Fewer writable properties exercised than before."""
STILL_FAILING = "still failing"
STILL_COULD_NOT_RUN = "still could not run"
STILL_NOT_RESTORED = "still not restored"
NEW = "new"
"""An install, or a requirement over a transport, only in the new run."""
GONE = "gone"
"""An install, or a requirement over a transport, only in the old run."""
CHANGED = "changed"
"""Any other change of a requirement's status, e.g. passed to not verifiable."""
FIXED = "fixed"
"""A requirement that failed passes now."""
NOW_CERTIFIED = "now certified"
RUNS_AGAIN = "runs again"
"""An install that could not run before came to a verdict now."""
RESTORED_AGAIN = "restored again"
COVERAGE_GREW = "coverage grew"

KINDS = (
    REGRESSED,
    NOW_COULD_NOT_RUN,
    NOT_RESTORED,
    NO_LONGER_CERTIFIED,
    COVERAGE_SHRANK,
    STILL_FAILING,
    STILL_COULD_NOT_RUN,
    STILL_NOT_RESTORED,
    NEW,
    GONE,
    CHANGED,
    FIXED,
    NOW_CERTIFIED,
    RUNS_AGAIN,
    RESTORED_AGAIN,
    COVERAGE_GREW,
)
REGRESSIONS = frozenset({REGRESSED, NOW_COULD_NOT_RUN, NOT_RESTORED, NO_LONGER_CERTIFIED})
"""The kinds that make ``contract diff`` exit 1."""

_REQUIREMENT_ORDER = {requirement.id: index for index, requirement in enumerate(CATALOGUE)}
BOTH = "both"
_TRANSPORT_ORDER = {"rest": 0, "xmlrpc": 1, BOTH: 2, OVERALL: 3}
_VERSION_NAMES = {"library": "library", "schema": "schema", "python": "Python"}


@dataclass(frozen=True)
class Change:
    """One thing that differs between the runs: of an install (*requirement* ``None``), or
    of a requirement over a transport."""

    kind: str
    install: str
    requirement: str | None = None
    transport: str | None = None
    """``rest``, ``xmlrpc``, ``both`` (a test comparing them) or ``overall``."""
    before: str | None = None
    """The old status, verdict or coverage (``28/28``); ``None`` for something new."""
    after: str | None = None
    detail: str | None = None
    """What else explains it: the requirements that fail, why it could not run, …"""

    @property
    def regression(self) -> bool:
        """True for a change that makes ``contract diff`` exit 1."""
        return self.kind in REGRESSIONS

    def sort_key(self) -> tuple[int, str, int, str, int]:
        """Regressions first, then by install, requirement (the catalogue's order) and
        transport."""
        requirement = self.requirement or ""
        return (
            KINDS.index(self.kind),
            self.install,
            _REQUIREMENT_ORDER.get(requirement, len(_REQUIREMENT_ORDER)),
            requirement,
            _TRANSPORT_ORDER.get(self.transport or "", -1),
        )

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON data, with whether it is a regression."""
        return dataclasses.asdict(self) | {"regression": self.regression}


@dataclass(frozen=True)
class VersionChange:
    """A version that differs between the runs: the library's, the schema's, …"""

    what: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{_VERSION_NAMES.get(self.what, self.what)} {self.before} \u2192 {self.after}"

    def to_dict(self) -> dict[str, str]:
        """The version change as JSON data."""
        return dataclasses.asdict(self)
