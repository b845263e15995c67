"""Certifying a fleet's installs side by side, each in a process of its own.

An install's run is ``contract certify`` in its own process group and its own folder of
the output (its certificate, its output, and any file that puts its contact back), with
its key in that process's environment only. One that hangs is stopped at its time-out
the way Ctrl-C stops a run, so that it puts its contact back; none can hold up another.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.errors import ContractError, Exit
from contract.fleet.coverage import InstallCoverage
from contract.fleet.file import Fleet, Install
from contract.fleet.ramp import RampUp
from contract.fleet.starter import Started, Starter

CERTIFIED = "certified"
NOT_CERTIFIED = "not certified"
COULD_NOT_RUN = "could not run"
VERDICTS = (CERTIFIED, NOT_CERTIFIED, COULD_NOT_RUN)

FLEET_JSON = "fleet.json"
"""The fleet report's data, in the output folder beside each install's folder."""
CERTIFICATE = "certificate.json"
CERTIFICATE_HTML = "certificate.html"
OUTCOME = "outcome.json"
OUTPUT = "output.txt"
STOP_GRACE_SECONDS = 60.0
"""How long a stopped run may take to put its contact back before it is killed."""

_REQUIREMENT_STATUS = {"not run": "not exercised", "error": "failed"}
FULL_COVERAGE_REQUIRED = (
    "every writable property must be exercised and every requirement verified "
    "(require_full_coverage)"
)
"""Why an install whose every requirement held is not certified."""


@dataclass
class InstallResult:
    """What certifying one install came to."""

    name: str
    url: str
    verdict: str
    exit_code: int
    restored: bool
    certificate: str | None
    """The JSON certificate, relative to the output folder."""
    requirements: dict[str, str] = field(default_factory=dict)
    """Each requirement's status; none for an install that could not run."""
    reason: str | None = None
    """Why it could not run, or why it is not certified when no requirement failed, in
    one line."""
    seconds: float = 0.0
    requests: int = 0
    coverage: InstallCoverage | None = None
    """The writable properties its run exercised; ``None`` when it could not run, or
    its certificate does not say."""

    @property
    def partial_coverage(self) -> bool:
        """True when the install's run left a writable property out."""
        return self.coverage is not None and self.coverage.partial

    def to_dict(self) -> dict[str, Any]:
        """The install's entry of ``fleet.json``."""
        return {
            "name": self.name,
            "url": self.url,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "restored": self.restored,
            "certificate": self.certificate,
            "requirements": self.requirements,
            "reason": self.reason,
            "seconds": self.seconds,
            "requests": self.requests,
            "coverage": self.coverage.to_dict() if self.coverage is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InstallResult:
        """An entry of ``fleet.json`` (or an install's ``outcome.json``) read back."""
        fields = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        if fields.get("coverage") is not None:
            fields["coverage"] = InstallCoverage.from_dict(fields["coverage"])
        return cls(**fields)


def requirement_status(verdict: str) -> str:
    """A certificate's verdict on a requirement in the fleet's words: *not run* is *not
    exercised*, *error* is *failed*."""
    return _REQUIREMENT_STATUS.get(verdict, verdict)


def _requirements(certificate: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(result["id"]): requirement_status(result["verdict"])
        for result in certificate.get("results", [])
    }


def _held_but_partial(
    certificate: Mapping[str, Any],
    requirements: Mapping[str, str],
    coverage: InstallCoverage | None,
) -> bool:
    """True when a run is not certified only because it was to exercise every writable
    property and verify every requirement, and did not."""
    held = all(status in ("passed", "not verifiable") for status in requirements.values())
    partial = coverage is not None and coverage.partial
    unverified = "not verifiable" in requirements.values()
    return bool(certificate.get("require_full_coverage")) and (partial or unverified) and held


def _last_error(output: str) -> str | None:
    lines = [line for line in output.splitlines() if line.startswith("contract certify: ")]
    return (
        lines[-1].removeprefix("contract certify: ").removeprefix("could not run: ")
        if lines
        else None
    )


def _environment(install: Install, environ: Mapping[str, str]) -> dict[str, str]:
    """The run's environment: this one without any ``CONTRACT_`` setting, plus the
    install's key."""
    env = {name: value for name, value in environ.items() if not name.startswith("CONTRACT_")}
    if install.api_key_env and install.api_key_env in environ:
        env["CONTRACT_API_KEY"] = environ[install.api_key_env]
    return env


class _Stopping:
    """The runs under way, so that a stop (Ctrl-C, SIGTERM) reaches each of them, and
    the runs still waiting for their turn to start, so that they start none."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: set[Started] = set()
        self.stopped = threading.Event()

    def stop_all(self) -> None:
        with self.lock:
            self.stopped.set()
            for run in self.runs:
                _signal_group(run, signal.SIGTERM)


class NotStarted(ContractError):
    """A stop came while the run waited for its turn: it never started."""


def _wait_for_turn(ramp: RampUp | None, stopping: _Stopping | None) -> None:
    delay = ramp.delay() if ramp is not None else 0.0
    if stopping is None:
        time.sleep(delay)
    elif stopping.stopped.wait(delay):
        raise NotStarted


def _signal_group(run: Started, which: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(run.pid, which)


def _stop(run: Started) -> bool:
    """Stop a run as Ctrl-C would, and kill it if it has not put its contact back within
    the grace; True when it ended on its own terms."""
    _signal_group(run, signal.SIGTERM)
    try:
        run.wait(timeout=STOP_GRACE_SECONDS)
        return True
    except subprocess.TimeoutExpired:
        _signal_group(run, signal.SIGKILL)
        run.wait()
        return False


def certify_install(
    install: Install,
    fleet: Fleet,
    out: Path,
    *,
    timeout: float,
    environ: Mapping[str, str],
    starter: Starter,
    stopping: _Stopping | None = None,
    ramp: RampUp | None = None,
) -> InstallResult:
    """Certify one install in its own process, once its turn to start has come (see
    :class:`~contract.fleet.ramp.RampUp`); its files go to ``out/NAME/``."""
    _wait_for_turn(ramp, stopping)
    folder = out / install.name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (folder / CERTIFICATE, folder / CERTIFICATE_HTML, folder / OUTCOME):
        stale.unlink(missing_ok=True)
    # Named from the run's folder, where it starts: no comma of a longer path splits them.
    argv = [
        "certify",
        *install.certify_arguments(fleet.folder),
        "--report",
        f"{CERTIFICATE},{CERTIFICATE_HTML}",
    ]
    began = time.monotonic()
    reason: str | None = None
    ended_cleanly = True
    (folder / OUTPUT).write_bytes(b"")
    run = starter.start(
        argv,
        cwd=folder.resolve(),
        env=_environment(install, environ),
        output=(folder / OUTPUT).resolve(),
    )
    if stopping is not None:
        with stopping.lock:
            stopping.runs.add(run)
            if stopping.stopped.is_set():
                _signal_group(run, signal.SIGTERM)
    try:
        code = run.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        ended_cleanly = _stop(run)
        code = Exit.CANNOT_RUN
        reason = f"no verdict within {timeout:g} s (--install-timeout): stopped"
    finally:
        if stopping is not None:
            with stopping.lock:
                stopping.runs.discard(run)
    seconds = round(time.monotonic() - began, 1)
    shown = (folder / OUTPUT).read_text(encoding="utf-8", errors="replace")
    certificate: dict[str, Any] = {}
    if (folder / CERTIFICATE).is_file():
        certificate = json.loads((folder / CERTIFICATE).read_text(encoding="utf-8"))
    restore_files = sorted(folder.glob("contract-restore-*.json"))
    restored = ended_cleanly and code != Exit.NOT_RESTORED and not restore_files
    if code == Exit.OK:
        verdict = CERTIFIED
    elif code == Exit.FAILED or (code == Exit.NOT_RESTORED and certificate):
        verdict = CERTIFIED if certificate.get("verdict") == CERTIFIED else NOT_CERTIFIED
    else:
        verdict = COULD_NOT_RUN
        if reason is None:
            reason = _last_error(shown) or f"contract certify ended with exit code {code}"
            if code < 0:
                reason = f"the run was killed by signal {-code}"
    # A run that could not run judged nothing: whatever its certificate holds (a stopped
    # run writes the requirements decided by then) is no verdict on the install.
    judged = certificate if verdict != COULD_NOT_RUN else {}
    requirements = _requirements(judged)
    coverage = InstallCoverage.from_certificate(judged)
    if verdict == NOT_CERTIFIED and _held_but_partial(judged, requirements, coverage):
        reason = FULL_COVERAGE_REQUIRED
    outcome = InstallResult(
        name=install.name,
        url=install.url,
        verdict=verdict,
        exit_code=Exit.NOT_RESTORED if not restored else int(code) if code >= 0 else 2,
        restored=restored,
        certificate=f"{install.name}/{CERTIFICATE}" if certificate else None,
        requirements=requirements,
        reason=reason,
        seconds=seconds,
        requests=int(certificate.get("totals", {}).get("requests", 0)),
        coverage=coverage,
    )
    (folder / OUTCOME).write_text(json.dumps(outcome.to_dict(), indent=2) + "\n", "utf-8")
    return outcome


def previous_outcome(install: Install, fleet: Fleet, out: Path) -> InstallResult | None:
    """The outcome kept in *out* for *install*, when its certificate is newer than the
    fleet file and its run came to a verdict (``--resume``)."""
    folder = out / install.name
    kept, certificate = folder / OUTCOME, folder / CERTIFICATE
    if not (kept.is_file() and certificate.is_file()):
        return None
    if certificate.stat().st_mtime <= fleet.path.stat().st_mtime:
        return None
    previous = InstallResult.from_dict(json.loads(kept.read_text(encoding="utf-8")))
    # A run stopped part-way (by an interrupt, a time-out) leaves a certificate of what it
    # decided by then: no verdict to keep, so the install is certified again.
    return previous if previous.verdict != COULD_NOT_RUN else None


def certify_fleet(
    installs: Iterable[Install],
    fleet: Fleet,
    out: Path,
    *,
    parallel: int,
    timeout: float,
    environ: Mapping[str, str],
    decided: Callable[[InstallResult], None],
    ramp_up: float = 0.0,
) -> list[InstallResult]:
    """Certify *installs*, *parallel* at a time, the first ones *ramp_up* seconds apart;
    *decided* hears each outcome as it comes. A stop (KeyboardInterrupt) stops every run
    under way, which put their contacts back (and *decided* hears them), starts no other,
    and is raised again as :class:`Stopped` once they have ended."""
    stopping = _Stopping()
    ramp = RampUp(parallel, ramp_up)
    outcomes: list[InstallResult] = []
    starter = Starter()
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="install") as pool:
        pending: set[Future[InstallResult]] = {
            pool.submit(
                certify_install,
                install,
                fleet,
                out,
                timeout=timeout,
                environ=environ,
                starter=starter,
                stopping=stopping,
                ramp=ramp,
            )
            for install in installs
        }
        try:
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    outcomes.append(future.result())
                    decided(outcomes[-1])
        except KeyboardInterrupt:
            for future in pending:
                future.cancel()
            stopping.stop_all()
            for future in pending:
                if not future.cancelled():
                    with contextlib.suppress(NotStarted):
                        outcomes.append(future.result())
                        decided(outcomes[-1])
            raise Stopped(outcomes) from None
        finally:
            starter.close()
    return outcomes


class Stopped(ContractError):
    """The fleet run was stopped; :attr:`outcomes` holds the installs decided by then."""

    def __init__(self, outcomes: list[InstallResult]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes
