"""Schemathesis (``st run``) and ``contract certify``, side by side on the reference server.

Schemathesis is not a dependency of this project: it is found as a command (``st`` on
``PATH``, or the path given to ``run.py --schemathesis``), installed in a virtual
environment of its own. It runs on the OpenAPI 3.1 document ``contract openapi``
writes, with ``--checks all``, one worker, a fixed seed and ``--max-examples`` equal to
our ``--examples``, against a fresh reference server that answers at once. The API key
reaches it through a configuration file that names the variable ``CONTRACT_API_KEY``
(``password = "${CONTRACT_API_KEY}"``), so it is on no command line. Its JSON report
gives the test cases and failures; its NDJSON event log, the checks it ran. Requests
are counted at the server for both tools (see ``_server.py``). The baseline is
``contract certify`` with one worker, run alternately with it in the same benchmark run.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import certify
from benchmarks._format import times
from benchmarks._server import USER, Traffic, serve

SEED = 1
NOT_INSTALLED = (
    "not installed: pip install schemathesis in its own venv and pass --schemathesis "
    "(the path of its `st` command)"
)
# The key stays in the environment: Schemathesis resolves ``${NAME}`` in its configuration.
_CONFIG = f'[auth.basic]\nusername = "{USER}"\npassword = "${{CONTRACT_API_KEY}}"\n'


def find(command: str) -> str | None:
    """The ``st`` executable *command* names (a path, or a name looked up on ``PATH``)."""
    return shutil.which(command)


def version(executable: str) -> str:
    """Schemathesis's version, as ``st --version`` tells it."""
    said = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)
    return said.stdout.strip().rpartition(" ")[2] or "unknown"


@dataclass(frozen=True)
class Failure:
    """One kind of failure Schemathesis reported: its code, title, and how often."""

    code: str
    title: str
    count: int


@dataclass(frozen=True)
class SchemathesisRun:
    """One ``st run``: wall time, exit code, what its reports say, the server's count."""

    wall: float
    exit_code: int
    cases: int
    operations: int
    failures: list[Failure]
    checks: dict[str, tuple[int, int]]  # check name: (run, failed)
    answers: dict[str, int]  # a failed check's code and the server's answer: how often
    phases: dict[str, str]
    traffic: Traffic | None

    @property
    def requests(self) -> int | None:
        """Requests the server answered during the run."""
        return None if self.traffic is None else self.traffic.requests


def _answer(interaction: dict[str, Any] | None) -> str:
    """What the server answered in *interaction*: the status and the properties it refused."""
    if not interaction or not interaction.get("response"):
        return "no answer recorded"
    response = interaction["response"]
    said = f"HTTP {response.get('status_code')}"
    content = response.get("content") or {}
    try:
        body = json.loads(base64.b64decode(content.get("$base64", "")))
    except ValueError:
        return said
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list):
        refused = [
            f"`{error.get('property')}` ({error.get('rule')})"
            for error in errors
            if isinstance(error, dict)
        ]
        said += " refusing " + ", ".join(refused)
    return said


def _events(events: Path) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    """From the NDJSON event log: how often each check ran and failed, and each failure's
    answer (code, then what the server said), with how often it came."""
    counts: dict[str, tuple[int, int]] = {}
    answers: dict[str, int] = {}
    with events.open(encoding="utf-8") as lines:
        for line in lines:
            event: dict[str, Any] = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished is None:
                continue
            recorder = finished.get("recorder", {})
            for case, results in recorder.get("checks", {}).items():
                for result in results:
                    failed = result["status"] == "failure"
                    run, failures = counts.get(result["name"], (0, 0))
                    counts[result["name"]] = (run + 1, failures + failed)
                    if failed:
                        code = result.get("failure_info", {}).get("failure", {}).get("code", "?")
                        key = f"{code}: {_answer(recorder.get('interactions', {}).get(case))}"
                        answers[key] = answers.get(key, 0) + 1
    return counts, answers


def run_once(
    executable: str,
    openapi: Path,
    examples: int,
    *,
    latency_ms: float = 0.0,
    faults: tuple[str, ...] = (),
) -> SchemathesisRun:
    """Start a reference server (answering after *latency_ms*, with the planted *faults*),
    run Schemathesis on it once, stop it."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "schemathesis.toml"
        config.write_text(_CONFIG, encoding="utf-8")
        report, events = Path(folder) / "report.json", Path(folder) / "events.ndjson"
        with serve(latency_ms=latency_ms, faults=faults) as server:
            command = [executable, "--config-file", str(config), "run", str(openapi)]
            command += ["--url", server.url, "--checks", "all", "--workers", "1"]
            command += ["--max-examples", str(examples), "--seed", str(SEED), "--no-color"]
            command += ["--report", "json,ndjson", f"--report-json-path={report}"]
            command += [f"--report-ndjson-path={events}"]
            started = time.perf_counter()
            child = subprocess.run(
                command, capture_output=True, text=True, cwd=folder, env=server.client_environment()
            )
            wall = time.perf_counter() - started
        if not report.is_file():
            said = (child.stdout + child.stderr).strip().splitlines()[-5:]
            raise RuntimeError(f"st run exited {child.returncode}: {' / '.join(said)}")
        summary: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        checks, answers = _events(events) if events.is_file() else ({}, {})
        return SchemathesisRun(
            wall=wall,
            exit_code=child.returncode,
            cases=int(summary["test_cases"]["generated"]),
            operations=int(summary["operations"]["tested"]),
            failures=[
                Failure(str(failure["code"]), str(failure["title"]), int(failure["count"]))
                for failure in summary.get("failures", [])
            ],
            checks=checks,
            answers=answers,
            phases={name: str(phase["status"]) for name, phase in summary["phases"].items()},
            traffic=server.traffic,
        )


def write_openapi(path: Path) -> None:
    """Write the document ``python -m contract openapi`` prints to *path*."""
    document = subprocess.run(
        [sys.executable, "-m", "contract", "openapi"], capture_output=True, check=True
    ).stdout
    path.write_bytes(document)


@dataclass(frozen=True)
class ComparisonReport:
    """Schemathesis and ``contract certify`` at the same number of examples, or why not."""

    examples: int
    rounds: int
    version: str = ""
    ours: certify.CertifyRun | None = None
    theirs: SchemathesisRun | None = None
    missing: str | None = None

    def wall_ratio(self) -> float:
        """Schemathesis's wall time over ours: above 1, ours is faster."""
        if self.ours is None or self.theirs is None:
            return float("nan")
        return self.theirs.wall / self.ours.wall

    def request_ratio(self) -> float:
        """Requests ours sent over the requests Schemathesis sent, both counted at the server."""
        if self.ours is None or self.ours.traffic is None or self.theirs is None:
            return float("nan")
        return self.ours.traffic.requests / (self.theirs.requests or float("nan"))

    def target_met(self) -> bool:
        """Ours faster at equal examples, while checking more requirements than it has checks."""
        if self.ours is None or self.theirs is None:
            return False
        return self.wall_ratio() > 1 and self.ours.requirements > len(self.theirs.checks)

    def markdown(self) -> str:
        """The two runs side by side, then Schemathesis's checks and failures."""
        if self.missing is not None or self.ours is None or self.theirs is None:
            return f"Schemathesis: {self.missing or NOT_INSTALLED}."
        ours, theirs = self.ours, self.theirs
        ours_requests = ours.traffic.requests if ours.traffic is not None else ours.requests
        theirs_requests = theirs.requests or 0
        verdicts = ", ".join(f"{count} {verdict}" for verdict, count in ours.verdicts().items())
        found = (
            "; ".join(f"{f.code} {f.title} ({f.count})" for f in theirs.failures) or "no failures"
        )
        failed_checks = sum(failed for _, failed in theirs.checks.values())
        run_checks = sum(run for run, _ in theirs.checks.values())
        lines = [
            f"Schemathesis {self.version} and `contract certify`, both at {self.examples} "
            f"examples, one worker, seed {SEED}, each against a fresh reference server with no "
            f"latency; run alternately {self.rounds} time(s), the fastest of each kept. "
            "Requests are counted at the server. The same setting means different amounts of "
            "work: ours draws the examples per requirement and transport, Schemathesis per "
            "API operation and test phase.",
            "",
            "| tool | command | wall s | test cases | requests | requests/s | what it checks "
            "| what it found | wall time, ours = 1 |",
            "|---|---|---:|---:|---:|---:|---|---|---:|",
            f"| ours | {certify.command(ours)} | {ours.wall:.1f} | {ours.cases:,} "
            f"| {ours_requests:,} | {ours_requests / ours.wall:.0f} "
            f"| {ours.requirements} requirements, over REST and XML-RPC "
            f"| {ours.verdict}: {verdicts} | {times(1.0)} |",
            f"| Schemathesis | `st run OPENAPI --url URL --checks all --workers 1 --max-examples "
            f"{self.examples} --seed {SEED}` | {theirs.wall:.1f} | {theirs.cases:,} "
            f"| {theirs_requests:,} | {theirs_requests / theirs.wall:.0f} "
            f"| {len(theirs.checks)} checks on {theirs.operations} REST operations "
            f"| exit {theirs.exit_code}: {found} | {times(self.wall_ratio())} |",
            "",
            f"Ours takes {times(1 / self.wall_ratio())} Schemathesis's wall time, sending "
            f"{times(self.request_ratio())} its requests; per request, ours is "
            f"{times((ours_requests / ours.wall) / (theirs_requests / theirs.wall))} as fast. "
            f"Schemathesis's phases: "
            + ", ".join(f"{name} {status}" for name, status in theirs.phases.items())
            + ".",
            "",
            f"The checks Schemathesis ran ({run_checks:,} results, {failed_checks} failed):",
            "",
            "| check | run | failed |",
            "|---|---:|---:|",
        ]
        for name, (run, failed) in sorted(theirs.checks.items()):
            lines.append(f"| `{name}` | {run:,} | {failed} |")
        if theirs.answers:
            lines += ["", "What the server answered where a check failed:", ""]
            lines += [f"- {answer}: {count}" for answer, count in sorted(theirs.answers.items())]
        return "\n".join(lines)


def measure(
    command: str, examples: int, rounds: int, progress: Callable[[str], None]
) -> ComparisonReport:
    """Run Schemathesis and ``contract certify`` alternately, *rounds* times each."""
    executable = find(command)
    if executable is None:
        progress(f"schemathesis: {command!r} not found; section skipped")
        return ComparisonReport(examples, rounds, missing=NOT_INSTALLED)
    found = version(executable)
    ours: certify.CertifyRun | None = None
    theirs: SchemathesisRun | None = None
    with tempfile.TemporaryDirectory() as folder:
        openapi = Path(folder) / "openapi.json"
        write_openapi(openapi)
        for round_ in range(rounds):
            progress(f"schemathesis: st run, {examples} examples (round {round_ + 1} of {rounds})")
            run = run_once(executable, openapi, examples)
            if theirs is None or run.wall < theirs.wall:
                theirs = run
            progress(
                f"schemathesis: contract certify, {examples} examples "
                f"(round {round_ + 1} of {rounds})"
            )
            mine = certify.run_once(examples, 1, 0.0)
            if ours is None or mine.wall < ours.wall:
                ours = mine
    return ComparisonReport(examples, rounds, found, ours, theirs)
