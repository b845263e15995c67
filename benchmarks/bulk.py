"""Bulk validation: lines per second and peak memory of ``contract validate FILE`` on JSON Lines.

The baseline is a loop that only ``json.loads`` each line of the same file, in the same run.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks._format import share
from benchmarks._timing import Elapsed, timed
from benchmarks.payloads import json_lines
from contract.core.bulk import BulkResult, check_stream
from contract.core.validation import validator_for
from contract.core.violations import Violation

TARGET_RATIO = 0.5
_SUMMARY = re.compile(r"(\d+) record\(s\) checked: (\d+) valid, (\d+) invalid")


def write_lines(path: Path, count: int, invalid_share: float = 0.05) -> int:
    """Write *count* JSON Lines of payloads to *path*; return the file's size in bytes."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json_lines(count, invalid_share=invalid_share))
    return path.stat().st_size


def loads_only(path: Path) -> int:
    """The baseline: read the file line by line and ``json.loads`` each line, nothing else."""
    loads = json.loads
    count = 0
    with path.open("rb") as stream:
        for raw in stream:
            loads(raw)
            count += 1
    return count


def check_in_process(path: Path) -> BulkResult:
    """``contract.core.bulk.check_stream`` with the shared validator; violations are dropped."""

    def report(line: int, violations: list[Violation]) -> None:
        pass

    result = BulkResult()
    with path.open("rb") as stream:
        check_stream(stream, validator_for(), report, result)
    return result


@dataclass(frozen=True)
class CliRun:
    """One ``contract validate FILE`` subprocess: CPU and wall time, peak RSS, what it counted."""

    elapsed: Elapsed
    max_rss_kib: int
    records: int
    invalid: int
    exit_code: int


# Runs the ``contract`` command the way ``python -m contract`` does, then reports the
# process's own peak resident set size. ``VmHWM`` belongs to the memory the process has
# after ``exec``; the ``ru_maxrss`` a parent gets from ``wait4`` does not, on Linux: it
# keeps the high-water mark of the parent's memory the child was forked from.
_LAUNCHER = """
import resource, sys
from contract import __main__ as command
sys.argv = ["contract", *sys.argv[1:]]
try:
    code = command.run()
finally:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/status") as status:
            peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    sys.stderr.write(f"peak-rss-kib {peak}\\n")
sys.exit(code)
"""
_PEAK = re.compile(r"^peak-rss-kib (\d+)$", re.MULTILINE)


def run_cli(path: Path) -> CliRun:
    """Run ``contract validate FILE`` in a fresh interpreter, its report going to /dev/null.

    Its time is the child's CPU time (user and system, interpreter start included), from
    the rusage of the children this process has waited for; the wall time is kept too.
    """
    command = [sys.executable, "-c", _LAUNCHER, "validate", str(path)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stderr = child.stderr.decode("utf-8", "replace")
    summary, peak = _SUMMARY.search(stderr), _PEAK.search(stderr)
    if summary is None or peak is None:
        raise RuntimeError(f"contract validate gave no summary (exit {child.returncode}): {stderr}")
    records, _, invalid = (int(group) for group in summary.groups())
    return CliRun(Elapsed(cpu, wall), int(peak.group(1)), records, invalid, child.returncode)


@dataclass(frozen=True)
class Throughput:
    """One reader on one file: its fastest run, and its throughput as a share of the baseline's."""

    file: str
    reader: str
    elapsed: Elapsed
    ratio: float


@dataclass(frozen=True)
class BulkReport:
    """Throughput of each reader, and the CLI's peak memory at growing file sizes."""

    lines: int
    file_bytes: int
    invalid: int
    throughput: list[Throughput]
    memory: list[tuple[int, CliRun]]

    @property
    def cli_ratio(self) -> float:
        """CLI throughput on the mixed file as a share of the ``json.loads`` loop's (target 0.5)."""
        return self.throughput[2].ratio

    def memory_growth_mib(self) -> float:
        """Peak RSS of the largest run less that of the run on a tenth of the lines, in MiB."""
        return (self.memory[-1][1].max_rss_kib - self.memory[-2][1].max_rss_kib) / 1024

    def markdown(self) -> str:
        """The results as Markdown tables."""
        mib = self.file_bytes / 2**20
        invalid_share = self.invalid / self.lines
        lines = [
            f"{self.lines:,} lines ({mib:,.0f} MiB); the mixed file has {self.invalid:,} "
            f"invalid payloads ({invalid_share:.0%}).",
            "",
            "| file | reader | CPU seconds | lines per CPU second | throughput vs "
            "`json.loads` loop | wall seconds |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {row.file} | {row.reader} | {row.elapsed.cpu:.2f} "
            f"| {self.lines / row.elapsed.cpu:,.0f} | {share(row.ratio)} | {row.elapsed.wall:.2f} |"
            for row in self.throughput
        ]
        lines += [
            "",
            "Peak resident memory of the `contract validate FILE` process (mixed files):",
            "",
            "| lines in file | peak RSS | CPU seconds | wall seconds |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {count:,} | {run.max_rss_kib / 1024:.1f} MiB | {run.elapsed.cpu:.2f} "
            f"| {run.elapsed.wall:.2f} |"
            for count, run in self.memory
        ]
        return "\n".join(lines)


LOADS = "loop of `json.loads` per line (baseline)"
IN_PROCESS = "`contract.core.bulk.check_stream`, in process"
CLI = "`contract validate FILE`, subprocess end to end"


def _best(runs: list[Elapsed]) -> Elapsed:
    return min(runs, key=lambda elapsed: elapsed.cpu)


def _fastest(runs: list[CliRun]) -> CliRun:
    fastest = min(runs, key=lambda run: run.elapsed.cpu)
    return replace(fastest, max_rss_kib=max(run.max_rss_kib for run in runs))


def measure(
    lines: int, repeat: int, progress: Callable[[str], None] = lambda _: None
) -> BulkReport:
    """Write JSON Lines files of payloads and time every reader on them.

    The mixed file (about 5% invalid) is the one the target is about; an all-valid file of
    the same size shows what the invalid payloads cost. The readers take turns for
    *repeat* rounds and each keeps its fastest round. Memory is the CLI's peak RSS on
    1 line, a tenth of the lines, and all of them.
    """
    sizes = sorted({1, max(1, lines // 10), lines})
    with tempfile.TemporaryDirectory(prefix="contract-bench-") as directory:
        files = {count: Path(directory, f"mixed-{count}.jsonl") for count in sizes}
        all_valid = Path(directory, f"valid-{lines}.jsonl")
        progress(f"bulk: writing files of {', '.join(f'{count:,}' for count in sizes)} lines")
        file_bytes = {count: write_lines(path, count) for count, path in files.items()}
        write_lines(all_valid, lines, invalid_share=0.0)
        mixed = files[lines]
        loads: list[Elapsed] = []
        in_process: list[Elapsed] = []
        valid_loads: list[Elapsed] = []
        cli_runs: list[CliRun] = []
        valid_cli_runs: list[CliRun] = []
        for round_number in range(1, repeat + 1):
            progress(f"bulk: round {round_number}/{repeat} on {lines:,} lines")
            elapsed, read = timed(lambda: loads_only(mixed))
            loads.append(elapsed)
            elapsed, result = timed(lambda: check_in_process(mixed))
            in_process.append(elapsed)
            cli_runs.append(run_cli(mixed))
            elapsed, _ = timed(lambda: loads_only(all_valid))
            valid_loads.append(elapsed)
            valid_cli_runs.append(run_cli(all_valid))
        memory: list[tuple[int, CliRun]] = []
        for count in sizes[:-1]:
            progress(f"bulk: contract validate on {count:,} lines")
            memory.append((count, run_cli(files[count])))
    cli, valid_cli = _fastest(cli_runs), _fastest(valid_cli_runs)
    memory.append((lines, cli))
    if not read == result.records == cli.records == valid_cli.records == lines:
        raise RuntimeError(f"readers disagree: {read}, {result}, {cli}, {valid_cli}")
    if cli.invalid != result.invalid or valid_cli.invalid:
        raise RuntimeError(f"readers disagree on invalid payloads: {result}, {cli}, {valid_cli}")
    mixed_label = f"mixed ({result.invalid / lines:.0%} invalid)"
    baseline, valid_baseline = _best(loads), _best(valid_loads)
    throughput = [
        Throughput(mixed_label, LOADS, baseline, 1.0),
        Throughput(
            mixed_label, IN_PROCESS, _best(in_process), baseline.cpu / _best(in_process).cpu
        ),
        Throughput(mixed_label, CLI, cli.elapsed, baseline.cpu / cli.elapsed.cpu),
        Throughput("all valid", LOADS, valid_baseline, 1.0),
        Throughput("all valid", CLI, valid_cli.elapsed, valid_baseline.cpu / valid_cli.elapsed.cpu),
    ]
    return BulkReport(lines, file_bytes[lines], result.invalid, throughput, memory)
