"""Certifying a fleet: ``contract fleet`` of 50 installs 50 ms away, with ``--parallel``
1, 4 and 16, one after another: wall time, peak memory, requests per second, CPU.

python benchmarks/fleet.py                       # all, about 16 minutes on two cores
python benchmarks/fleet.py --parallel 16 --no-readme
python benchmarks/fleet.py --installs 8 --parallel 1 --parallel 4 --no-readme   # a quick look

Each install is a reference server of its own (``contract serve --latency-ms 50``, started
by the counting launcher of ``_server.py``), so no two installs share a server; all the
servers of a run are started afresh before it, side by side, and stopped after it. Each
install changes contact 1 of its server and reads contacts 2 and 3 as its witnesses
(``witness_ids``), which nothing changes. The fleet file is generated: ``[defaults]``
sets the user, ``examples``, ``seed`` and ``transport = "rest"``; each install names the
environment variable that holds its key (``api_key_env``), and the keys, made here, are
only ever in environment variables.

Per ``--parallel`` value: the wall time of the ``contract fleet`` command
(``time.monotonic``, from starting it to its exit); its peak memory, the largest sum of
the resident set sizes (``VmRSS``, from ``/proc/PID/statm``) of the fleet process and every
process descended from it, sampled every 0.2 s (shared pages are counted once per process
that maps them, so this overstates what the processes take together); the CPU seconds of
the command and its descendants (the rusage of waited-for children) and those of the
servers (``/proc/PID/stat`` as they listen and as the run ends); requests per second,
the sum of the installs' ``requests`` in ``fleet.json`` over the wall time. A run counts
only when the command exits 0 and ``fleet.json`` holds every install, certified and
restored: otherwise the table says so and the script exits 1, so that a fault in the
set-up never passes for a fast run. Results are printed as Markdown and, unless
``--no-readme``, written between the ``fleet`` markers of ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _machine
from benchmarks._format import replace_section, times
from benchmarks._server import _LAUNCHER, _TRAFFIC_VARIABLE, USER

INSTALLS = 50
LATENCY_MS = 50.0
PARALLEL = (1, 4, 16)
EXAMPLES = 5
SEED = 1
TRANSPORT = "rest"
CONTACT = 1
WITNESSES = (2, 3)
SAMPLE_SECONDS = 0.2
TARGET_SPEEDUP = 8.0
"""Wall time at ``--parallel 16`` at most 1/8 of the sequential one."""
MEMORY_LIMIT = 2 * 1024**3
"""Peak memory at ``--parallel 16`` under 2 GiB."""
KEY_VARIABLE = "FLEET_BENCHMARK_KEY_{:02d}"
_LISTENING = re.compile(r"listening on (http://\S+)")
_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a running process (0 once it is gone)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _TICK if fields else 0.0


def _descendants(root: int) -> list[int]:
    """*root* and every process descended from it, as ``/proc`` shows them now."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _rss(pid: int) -> int:
    """Resident bytes of a process (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text(encoding="utf-8").split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class Sampler(threading.Thread):
    """Every 0.2 s, the summed RSS of a process and its descendants; keeps the peak."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.peak_processes = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = _descendants(self.root)
            self.peak = max(self.peak, sum(_rss(pid) for pid in pids))
            self.peak_processes = max(self.peak_processes, len(pids))
            self.samples += 1
            self.done.wait(SAMPLE_SECONDS)


@dataclass
class Install:
    """One install: its reference server, where it listens, and its key."""

    process: subprocess.Popen[str]
    url: str
    api_key: str
    traffic: Path
    cpu_at_start: float = 0.0


@contextmanager
def servers(count: int, latency_ms: float, folder: Path) -> Iterator[list[Install]]:
    """*count* reference servers, started side by side and stopped when the block ends."""
    started: list[tuple[subprocess.Popen[str], str, Path]] = []
    running: list[Install] = []
    try:
        for number in range(count):
            api_key = secrets.token_urlsafe(24)
            traffic = folder / f"traffic-{number:02d}.json"
            env = {**os.environ, "CONTRACT_SERVER_API_KEY": api_key}
            env[_TRAFFIC_VARIABLE] = str(traffic)
            env.pop("CONTRACT_API_KEY", None)
            command = [sys.executable, "-c", _LAUNCHER, "serve", "--port", "0", "--user", USER]
            command += ["--contacts", "10", "--latency-ms", f"{latency_ms:g}"]
            with (folder / f"server-{number:02d}.log").open("w", encoding="utf-8") as log:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    env=env,
                    cwd=folder,
                )
            started.append((process, api_key, traffic))
        for number, (process, api_key, traffic) in enumerate(started):
            assert process.stdout is not None
            url = None
            for line in process.stdout:
                match = _LISTENING.search(line)
                if match:
                    url = match[1]
                    break
            if url is None:
                said = (folder / f"server-{number:02d}.log").read_text(encoding="utf-8")
                raise RuntimeError(f"contract serve exited before listening: {said.strip()}")
            running.append(Install(process, url, api_key, traffic, _cpu_seconds(process.pid)))
        yield running
    finally:
        for process, _, _ in started:
            process.send_signal(signal.SIGTERM)
        for process, _, _ in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def write_fleet_file(path: Path, installs: Sequence[Install], examples: int, seed: int) -> None:
    """The fleet file: defaults, and one install per server, each key by variable name."""
    lines = [
        "[defaults]",
        f'user = "{USER}"',
        f"examples = {examples}",
        f"seed = {seed}",
        f'transport = "{TRANSPORT}"',
        "",
    ]
    for number, install in enumerate(installs):
        lines += [
            "[[install]]",
            f'name = "install-{number:02d}"',
            f'url = "{install.url}"',
            f'api_key_env = "{KEY_VARIABLE.format(number)}"',
            f"contact_ids = [{CONTACT}]",
            f"witness_ids = [{', '.join(map(str, WITNESSES))}]",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


@dataclass(frozen=True)
class Run:
    """One ``contract fleet`` run at one ``--parallel``."""

    parallel: int
    installs: int
    wall: float
    exit_code: int
    data: dict[str, Any] | None
    peak_rss: int
    peak_processes: int
    samples: int
    cpu: float
    """CPU seconds of the fleet command and its descendants."""
    server_cpu: float
    """CPU seconds the servers spent during the run."""
    server_requests: int
    load_before: float
    problems: list[str]

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The installs of ``fleet.json``."""
        return list(self.data["installs"]) if self.data else []

    @property
    def certified(self) -> int:
        """Installs certified and restored."""
        return sum(e["verdict"] == "certified" and e["restored"] for e in self.entries)

    @property
    def ok(self) -> bool:
        """Every install certified and restored, and the command exited 0."""
        return not self.problems

    @property
    def requests(self) -> int:
        """The installs' requests, from ``fleet.json``."""
        return sum(int(entry["requests"]) for entry in self.entries)

    @property
    def install_seconds(self) -> list[float]:
        """Each install's own time, from ``fleet.json``."""
        return [float(entry["seconds"]) for entry in self.entries]


def _problems(run_code: int, data: dict[str, Any] | None, installs: int) -> list[str]:
    problems = []
    if run_code != 0:
        problems.append(f"contract fleet exited {run_code}")
    if data is None:
        return [*problems, "no fleet.json"]
    entries = data["installs"]
    if len(entries) != installs:
        problems.append(f"fleet.json holds {len(entries)} installs, not {installs}")
    for entry in entries:
        if entry["verdict"] != "certified" or not entry["restored"]:
            failed = [r for r, status in entry["requirements"].items() if status == "failed"]
            problems.append(
                f"{entry['name']}: {entry['verdict']}, restored {entry['restored']}"
                + (f", failed {', '.join(failed)}" if failed else "")
                + (f" ({entry['reason']})" if entry.get("reason") else "")
            )
        elif int(entry["requests"]) <= 0:
            problems.append(f"{entry['name']}: certified with no requests")
    return problems


def run_fleet(
    parallel: int, installs: int, examples: int, seed: int, latency_ms: float, progress: Any
) -> Run:
    """Start the servers, run ``contract fleet`` on them, and measure it."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        progress(f"--parallel {parallel}: starting {installs} servers")
        with servers(installs, latency_ms, folder) as running:
            fleet_file = folder / "fleet.toml"
            write_fleet_file(fleet_file, running, examples, seed)
            env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
            env |= {KEY_VARIABLE.format(n): s.api_key for n, s in enumerate(running)}
            out = folder / "out"
            command = [sys.executable, "-m", "contract", "fleet", str(fleet_file)]
            command += ["--out", str(out), "--parallel", str(parallel)]
            load_before = os.getloadavg()[0]
            progress(f"--parallel {parallel}: contract fleet of {installs} installs")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with (folder / "fleet.log").open("w", encoding="utf-8") as log:
                started = time.monotonic()
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
                )
                sampler = Sampler(process.pid)
                sampler.start()
                code = process.wait()
                wall = time.monotonic() - started
            sampler.done.set()
            sampler.join()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = sum(_cpu_seconds(s.process.pid) - s.cpu_at_start for s in running)
            report = out / "fleet.json"
            data = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
            shown = (folder / "fleet.log").read_text(encoding="utf-8").strip().splitlines()
        server_requests = 0
        for server in running:
            if server.traffic.is_file():
                server_requests += len(json.loads(server.traffic.read_text(encoding="utf-8")))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    problems = _problems(code, data, installs)
    if problems:
        progress(f"--parallel {parallel}: NOT every install certified: {problems[:5]}")
        progress(f"--parallel {parallel}: its output ended: {' / '.join(shown[-5:])}")
    run = Run(
        parallel,
        installs,
        wall,
        code,
        data,
        sampler.peak,
        sampler.peak_processes,
        sampler.samples,
        cpu,
        server_cpu,
        server_requests,
        load_before,
        problems,
    )
    progress(
        f"--parallel {parallel}: {wall:.1f} s, {run.certified}/{installs} certified, peak "
        f"{_mib(run.peak_rss)}, {run.requests:,} requests, CPU {cpu:.1f} s + servers "
        f"{server_cpu:.1f} s"
    )
    return run


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.0f} MiB"


def render(runs: Sequence[Run], examples: int, seed: int, latency_ms: float, took: float) -> str:
    """The results as Markdown."""
    today = datetime.date.today().isoformat()
    cores = _machine.usable_cores()
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    installs = runs[0].installs
    lines = [
        f"_Generated by `python benchmarks/fleet.py` on {today}: {installs} installs, each a "
        f"`contract serve --latency-ms {latency_ms:g}` of its own; `examples = {examples}`, "
        f'`seed = {seed}`, `transport = "{TRANSPORT}"`; took {took / 60:.1f} minutes._',
        "",
        "Machine:",
        "",
        *_machine.describe(),
        f"- Load average as the run ended (1, 5, 15 minutes): {load}; the machine is shared, "
        "so other work ran alongside (the 1-minute load before each run is in the table)",
        "",
    ]
    by_parallel = {run.parallel: run for run in runs}
    first, last = by_parallel.get(1), by_parallel.get(16)
    lines += ["| target | measured | met |", "|---|---|---|"]
    if first and last:
        ratio = first.wall / last.wall
        valid = first.ok and last.ok
        met = "yes" if valid and ratio >= TARGET_SPEEDUP else "**no**"
        lines.append(
            f"| `--parallel 16`: wall time at most 1/8 of `--parallel 1`'s | "
            f"{first.wall:.0f} s / {last.wall:.0f} s = {times(ratio)} | {met} |"
        )
    if last:
        met = "yes" if last.ok and last.peak_rss < MEMORY_LIMIT else "**no**"
        lines.append(
            f"| `--parallel 16`: peak memory under 2 GiB | {_mib(last.peak_rss)} | {met} |"
        )
    every = all(run.ok for run in runs)
    lines += [
        f"| every install certified and restored, in every run | "
        f"{', '.join(f'{run.certified}/{run.installs}' for run in runs)} "
        f"| {'yes' if every else '**no**'} |",
        "",
        "| `--parallel` | certified | wall s | speed-up over 1 | peak RSS, fleet and descendants "
        "| peak processes | requests | requests/s | CPU s, fleet and certify | CPU s, servers "
        "| CPU floor s | install s, median (max) | load before |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        speedup = times(first.wall / run.wall) if first else "n/a"
        seconds = run.install_seconds
        median = f"{statistics.median(seconds):.1f} ({max(seconds):.1f})" if seconds else "n/a"
        floor = (run.cpu + run.server_cpu) / cores
        lines.append(
            f"| {run.parallel} | {run.certified}/{run.installs} | {run.wall:.1f} | {speedup} "
            f"| {_mib(run.peak_rss)} | {run.peak_processes} | {run.requests:,} "
            f"| {run.requests / run.wall:.1f} | {run.cpu:.1f} | {run.server_cpu:.1f} "
            f"| {floor:.0f} | {median} | {run.load_before:.1f} |"
        )
    lines += [""]
    if first and last and first.install_seconds:
        alone = statistics.median(first.install_seconds)
        rounds = math.ceil(last.installs / last.parallel)
        floor = (last.cpu + last.server_cpu) / cores
        per_install = (last.cpu + last.server_cpu) / last.installs
        lines += [
            f"Where the time goes at `--parallel 16`: {last.wall:.0f} s of wall time. "
            f"The {last.installs} certifications and their servers used {last.cpu:.0f} s + "
            f"{last.server_cpu:.0f} s of CPU ({per_install:.1f} s per install), which on "
            f"{cores} cores takes at least {floor:.0f} s even if nothing else ran; the "
            f"rounds of waiting on the servers take at least {rounds} rounds of {alone:.1f} s "
            f"(one install alone, the median at `--parallel 1`) = {rounds * alone:.0f} s. "
            f"With both floors, the best ratio this machine allows is about "
            f"{times(first.wall / max(floor, rounds * alone))}.",
            "",
        ]
    for run in runs:
        if run.problems:
            shown = "; ".join(run.problems[:5])
            more = f" and {len(run.problems) - 5} more" if len(run.problems) > 5 else ""
            lines += [f"`--parallel {run.parallel}` did not certify everything: {shown}{more}.", ""]
    lines += [
        f"Requests counted at the servers, every request of the run included (each "
        f"certification's reads before and after, which no requirement counts): "
        f"{', '.join(f'{run.server_requests:,}' for run in runs)}; peak RSS sampled "
        f"{', '.join(str(run.samples) for run in runs)} times.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the Markdown and, unless told not to, update the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--installs", type=int, default=INSTALLS, help="installs (servers)")
    parser.add_argument(
        "--parallel", type=int, action="append", help="a --parallel value (repeatable)"
    )
    parser.add_argument("--examples", type=int, default=EXAMPLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS)
    parser.add_argument("--no-readme", action="store_true", help="print only")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def progress(line: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {line}", file=sys.stderr, flush=True)

    runs = [
        run_fleet(parallel, args.installs, args.examples, args.seed, args.latency_ms, progress)
        for parallel in args.parallel or PARALLEL
    ]
    markdown = render(runs, args.examples, args.seed, args.latency_ms, time.monotonic() - started)
    print(markdown)
    if not args.no_readme:
        replace_section("fleet", markdown)
    progress("done")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
