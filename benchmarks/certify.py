"""``contract certify`` of the reference server: wall time, cases and requests per second.

The reference server runs as ``contract serve`` in a process of its own (see
``_server.py``), answering at once or after a delay of 50 ms that stands in for a remote
install. ``contract certify --url URL`` runs against it as a subprocess, end to end,
with 1 worker on contact 1 and with 4 workers on contacts 1 to 4, the API key passed
only through ``CONTRACT_API_KEY``. Its JSON certificate gives the cases and requests;
the server's own count gives the requests it answered and when the first and last came,
which splits the wall time into start-up, requests and tail. The baseline of each
latency is the 1-worker run of the same benchmark run.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import certify_speed
from benchmarks._format import times
from benchmarks._server import USER, Traffic, serve

LATENCIES_MS = (0.0, 50.0)
WORKERS = (1, 4)
SEED = 1
TARGET_LATENCY_MS = 50.0
TARGET_WORKERS = 4
TARGET_SPEEDUP = 3.0


@dataclass(frozen=True)
class CertifyRun:
    """One ``contract certify`` subprocess against a fresh reference server."""

    latency_ms: float
    workers: int
    examples: int
    wall: float
    certificate: dict[str, Any]
    traffic: Traffic | None
    cpu: float  # CPU seconds of the command and its workers

    @property
    def verdict(self) -> str:
        """The certificate's overall verdict."""
        return str(self.certificate["verdict"])

    @property
    def cases(self) -> int:
        """Test cases run, summed over the requirements."""
        return sum(int(result["cases"]) for result in self.certificate["results"])

    @property
    def requests(self) -> int:
        """Requests the checks sent, summed over the requirements (the certificate's count)."""
        return sum(int(result["requests"]) for result in self.certificate["results"])

    @property
    def requirements(self) -> int:
        """Requirements given a verdict."""
        return len(self.certificate["results"])

    def verdicts(self) -> dict[str, int]:
        """How many requirements got each verdict."""
        counts: dict[str, int] = {}
        for result in self.certificate["results"]:
            counts[result["verdict"]] = counts.get(result["verdict"], 0) + 1
        return counts


def contact_ids(workers: int) -> list[int]:
    """One contact per worker: 1, or 1 to 4."""
    return list(range(1, workers + 1))


def run_once(examples: int, workers: int, latency_ms: float) -> CertifyRun:
    """Start a reference server, certify it once with *workers* workers, stop it."""
    with serve(latency_ms=latency_ms) as server:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, certificate = certify_speed.certify(
            examples,
            workers,
            url=server.url,
            user=USER,
            contact_ids=contact_ids(workers),
            seed=SEED,
            env=server.client_environment(),
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return CertifyRun(latency_ms, workers, examples, wall, certificate, server.traffic, cpu)


def command(run: CertifyRun) -> str:
    """The command line of *run*, for the report (the key is in the environment)."""
    ids = ",".join(map(str, contact_ids(run.workers)))
    return (
        f"`contract certify --url URL --user {USER} --contact-id {ids} --workers {run.workers} "
        f"--seed {SEED} --examples {run.examples}`"
    )


@dataclass(frozen=True)
class CertifyReport:
    """The fastest run of each latency and worker count."""

    examples: int
    rounds: int
    runs: list[CertifyRun]

    def run(self, latency_ms: float, workers: int) -> CertifyRun:
        """The run of *latency_ms* with *workers* workers."""
        return next(r for r in self.runs if r.latency_ms == latency_ms and r.workers == workers)

    def speedup(self, latency_ms: float, workers: int = TARGET_WORKERS) -> float:
        """How many times faster *workers* workers certify than 1, at the same latency."""
        return self.run(latency_ms, 1).wall / self.run(latency_ms, workers).wall

    def busy_speedup(self, latency_ms: float, workers: int = TARGET_WORKERS) -> float:
        """The same, counting only the time the server had a request in progress."""
        one, many = self.run(latency_ms, 1).traffic, self.run(latency_ms, workers).traffic
        if one is None or many is None or not many.busy_seconds():
            return float("nan")
        return one.busy_seconds() / many.busy_seconds()

    def target_met(self) -> bool:
        """4 workers at least 3 times faster than 1 against a server answering after 50 ms."""
        return self.speedup(TARGET_LATENCY_MS) >= TARGET_SPEEDUP

    def markdown(self) -> str:
        """The runs, where their time goes, and the requests per requirement."""
        lines = [
            f"{self.examples} examples per requirement and transport, seed {SEED}; each "
            f"configuration run {self.rounds} time(s), the fastest kept. The reference server "
            "is started afresh for every run (seeded with 10 contacts).",
            "",
            "| server latency | workers (contacts) | verdict | wall s | cases | cases/s "
            "| requests | requests/s | speedup over 1 worker |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for run in self.runs:
            speedup = self.run(run.latency_ms, 1).wall / run.wall
            lines.append(
                f"| {run.latency_ms:g} ms | {run.workers} ({len(contact_ids(run.workers))}) "
                f"| {run.verdict} | {run.wall:.1f} | {run.cases:,} | {run.cases / run.wall:.0f} "
                f"| {run.requests:,} | {run.requests / run.wall:.0f} | {times(speedup)} |"
            )
        lines += [
            "",
            "Where the wall time goes, from the server's side: *busy* is the time the server's "
            "application had at least one request in progress (the union of the requests' "
            "spans, the latency included); *rest* is the remainder of the wall time: "
            "interpreter and pytest start-up, starting the workers, generating payloads and "
            "checking answers between requests, HTTP on both sides, writing the certificate. "
            "*In flight* is the mean number of requests in progress while busy: with 4 "
            "workers it would be 4 if they overlapped perfectly. The server counts every "
            "request it answers, including those of each session's set-up and of putting the "
            "contact back, which the certificate's per-requirement counts leave out. *CPU s* "
            "is the CPU time of the command and its workers (user and system, from the "
            "rusage of waited-for children); the server's is not in it.",
            "",
            "| server latency | workers | wall s | busy s | rest s | in flight "
            "| busy speedup over 1 worker | CPU s | requests at the server | in the certificate |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for run in self.runs:
            traffic = run.traffic
            if traffic is None:
                lines.append(
                    f"| {run.latency_ms:g} ms | {run.workers} | {run.wall:.1f} | n/a | n/a | n/a "
                    f"| n/a | {run.cpu:.1f} | n/a | {run.requests:,} |"
                )
                continue
            busy = traffic.busy_seconds()
            lines.append(
                f"| {run.latency_ms:g} ms | {run.workers} | {run.wall:.1f} | {busy:.1f} "
                f"| {run.wall - busy:.1f} | {traffic.in_flight():.2f} "
                f"| {times(self.busy_speedup(run.latency_ms, run.workers))} | {run.cpu:.1f} "
                f"| {traffic.requests:,} | {run.requests:,} |"
            )
        baseline = self.run(0.0, 1)
        lines += [
            "",
            f"Requests per requirement and per test case ({command(baseline)}, 0 ms; the "
            "other runs send the same, the seed being fixed):",
            "",
            certify_speed.table(baseline.wall, baseline.certificate, self.examples, 1),
        ]
        return "\n".join(lines)


def measure(
    examples: int,
    rounds: int,
    progress: Callable[[str], None],
    latencies_ms: Sequence[float] = LATENCIES_MS,
    workers: Sequence[int] = WORKERS,
) -> CertifyReport:
    """Certify the reference server at each latency with each worker count, *rounds* times.

    The configurations take turns round by round, so that a burst of other work on the
    machine hits them alike; each keeps its fastest run.
    """
    best: dict[tuple[float, int], CertifyRun] = {}
    for round_ in range(rounds):
        for latency in latencies_ms:
            for count in workers:
                progress(
                    f"certify: {count} worker(s), {latency:g} ms latency, {examples} examples "
                    f"(round {round_ + 1} of {rounds})"
                )
                run = run_once(examples, count, latency)
                key = (latency, count)
                if key not in best or run.wall < best[key].wall:
                    best[key] = run
    return CertifyReport(examples, rounds, list(best.values()))
