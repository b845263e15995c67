"""A fleet report of twenty installs, as a fleet's run could leave it: one fails the last
requirement of the matrix, one fails two, one could not run, one left properties out; and
over time, beside the night before and a history. The tests lay it out in Chromium; the
docs' screenshot script photographs it."""

from __future__ import annotations

from pathlib import Path

from contract.core.requirements import CATALOGUE
from contract.fleet.baseline import against_baseline, load_baseline, with_baseline
from contract.fleet.coverage import InstallCoverage
from contract.fleet.history import append_run, recent_verdicts
from contract.fleet.report import fleet_data, write_fleet_report
from contract.fleet.runner import InstallResult

NAMES = (
    "acme", "blue-sun", "cyberdyne", "duff", "globex", "gringotts", "hooli", "initech",
    "massive-dynamic", "monsters-inc", "oscorp", "pied-piper", "soylent", "stark",
    "tyrell", "umbrella", "vandelay", "wayne", "weyland-yutani", "wonka",
)  # fmt: skip
LAST_REQUIREMENT = CATALOGUE[-1].id
FAILS_LAST = "cyberdyne"
"""The install that fails the matrix's last requirement; the third row, by name."""
FAILS_TWO = "globex"
COULD_NOT_RUN = "initech"
PARTIAL = "hooli"
LONG_URL = "https://customer-relations.a-rather-long-subdomain.weyland-yutani.example/api/v2"


FIXED_SINCE = "duff"
"""The install that failed UC-ENUM the night before (over time)."""


def _outcome(name: str, *, night_before: bool = False) -> InstallResult:
    statuses = {requirement.id: "passed" for requirement in CATALOGUE}
    url = LONG_URL if name == "weyland-yutani" else f"https://crm.{name}.example"
    if name == COULD_NOT_RUN:
        reason = f"cannot reach crm.{name}.example: the connection was refused"
        return InstallResult(name, url, "could not run", 2, True, None, reason=reason)
    coverage = InstallCoverage(28, 28)
    if name == PARTIAL:
        coverage = InstallCoverage(
            25,
            28,
            {
                field: f'{field}\'s current value "" is one no update can send back'
                for field in ("date_of_birth", "gender", "marital_status")
            },
        )
    failed = {FAILS_LAST: [LAST_REQUIREMENT], FAILS_TWO: ["UC-ACCEPT", "UC-ENUM"]}
    if night_before:  # the last requirement held then; another install failed one
        failed = {FAILS_TWO: ["UC-ACCEPT", "UC-ENUM"], FIXED_SINCE: ["UC-ENUM"]}
    statuses |= dict.fromkeys(failed.get(name, []), "failed")
    if name == "soylent":
        statuses["UC-PARITY"] = "not verifiable"
    verdict = "not certified" if name in failed else "certified"
    certificate = f"{name}/certificate.json"
    return InstallResult(
        name, url, verdict, int(name in failed), True, certificate, statuses, coverage=coverage
    )


def write_sample_fleet(out: Path, *, over_time: bool = False) -> Path:
    """The sample fleet's report written into *out*; its ``fleet.html``. *over_time*, it
    follows four nights in a history beside it, the night before being its baseline:
    since then one install regressed, one was fixed, and one fails as it did."""
    out.mkdir(parents=True, exist_ok=True)
    data = fleet_data([_outcome(name) for name in NAMES], schema="sample")
    if not over_time:
        write_fleet_report(data, out)
        return out / "fleet.html"
    history = out.parent / f"{out.name}-history.sqlite"
    before = out.parent / f"{out.name}-night-before"
    before.mkdir(exist_ok=True)
    earlier = fleet_data([_outcome(n, night_before=True) for n in NAMES], schema="sample")
    for _ in range(3):
        append_run(history, earlier, before)
    write_fleet_report(earlier, before)
    diff = against_baseline(load_baseline(before), data, out, NAMES)
    data = with_baseline(data, diff, before.name)
    append_run(history, data, out)
    write_fleet_report(data, out, recent_verdicts(history, NAMES))
    return out / "fleet.html"
