"""What ``contract certify`` prints while the suite runs, and the certificate it keeps."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from contract.certificate import REQUIREMENTS, SEVERITY, Certificate, Verdict

if TYPE_CHECKING:
    import pytest


def _requirement_of(nodeid: str) -> str | None:
    """The requirement a suite test certifies, from its node id (all xdist tells the controller)."""
    from contract.pytest_plugin import MARKER

    module_path, _, rest = nodeid.partition("::")
    function = rest.split("[")[0]
    module_name = "contract.suite." + Path(module_path).stem
    module = sys.modules.get(module_name)
    if module is None:
        import importlib

        module = importlib.import_module(module_name)
    for mark in getattr(getattr(module, function, None), "pytestmark", []):
        if mark.name == MARKER:
            return str(mark.args[0])
    return None


@dataclass
class _Tally:
    pending: int = 0
    verdict: Verdict = "not run"
    cases: int = 0
    requests: int = 0


@dataclass(eq=False)  # pytest keeps plugins in sets
class Progress:
    """Prints a line as each requirement finishes, and keeps the certificate at the end."""

    out: IO[str]
    tallies: dict[str, _Tally] = field(default_factory=lambda: {r: _Tally() for r in REQUIREMENTS})
    certificate: Certificate | None = None
    stopped: str | None = None
    counted: bool = False

    def _count(self, nodeids: list[str]) -> None:
        if self.counted:
            return
        self.counted = True
        for nodeid in nodeids:
            requirement = _requirement_of(nodeid)
            if requirement is not None:
                self.tallies[requirement].pending += 1

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not hasattr(session.config, "workerinput"):
            self._count([item.nodeid for item in session.items])

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._count(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name != "contract":
                continue
            outcome = json.loads(str(value))
            requirement = _requirement_of(report.nodeid) or outcome["requirement"]
            tally = self.tallies[requirement]
            tally.pending -= 1
            tally.cases += outcome["cases"]
            tally.requests += outcome["requests"]
            verdict: Verdict = "failed" if outcome["verdict"] == "failed" else outcome["verdict"]
            if SEVERITY[verdict] > SEVERITY[tally.verdict]:
                tally.verdict = verdict
            if tally.pending == 0:
                counts = f"{tally.cases:>5} cases {tally.requests:>6} requests"
                self.out.write(f"{requirement:<14} {tally.verdict:<15} {counts}\n")
                self.out.flush()

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest.exit() carries .msg; a run stopped for a lost install carries its reason.
        reason = getattr(excinfo.value, "msg", None) or str(excinfo.value) or "interrupted"
        self.stopped = reason.removeprefix("EndpointUnreachable: ")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from contract.pytest_plugin import CERTIFICATE

        self.certificate = session.config.stash[CERTIFICATE]
