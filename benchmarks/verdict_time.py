"""Time to verdict on a remote install: ``contract certify`` beside Schemathesis against a
reference server 50 ms away, what each catches of the planted faults, and what each
requirement costs before and after a given commit.

python benchmarks/verdict_time.py --schemathesis PATH/TO/st          # all, about 15 minutes
python benchmarks/verdict_time.py --schemathesis st --before 8880d81 --no-readme
python benchmarks/verdict_time.py --schemathesis st --no-faults       # timings only

Every run starts a fresh ``contract serve`` (see ``_server.py``). The timings run against
``--latency-ms 50``; the planted faults against servers that answer at once (what a tool
catches does not depend on the latency, and 29 faults at 50 ms would take an hour).
``--before REF`` certifies with the library as it was at the git commit REF, checked out
into a temporary work tree, beside the current one on the same kind of server: the
per-requirement table shows both. Results are printed as Markdown and, unless
``--no-readme``, written between the ``verdict`` markers of ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _machine, certify_speed, schemathesis_run
from benchmarks._format import replace_section
from benchmarks._server import USER, Traffic, serve
from contract.server.faults import FAULTS

LATENCY_MS = 50.0
EXAMPLES = 25  # contract certify's default, and the Schemathesis command's --max-examples
SEED = 1
FRESH_CONTACT = 11
"""The first fresh contact of ``contract serve --contacts 10`` (its defaults, "empty"
values and all): a real install's test contact often is one, and a fault such as
``fill-empty-values`` shows only there."""


@dataclass(frozen=True)
class Ours:
    """One ``contract certify`` run: wall time, certificate, and the server's count."""

    wall: float
    certificate: dict[str, Any]
    traffic: Traffic | None
    cpu: float
    """CPU seconds of the command and its workers (the server's not included)."""

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        """The certificate's results by requirement id."""
        return {result["id"]: result for result in self.certificate["results"]}

    @property
    def requests(self) -> int:
        """Requests the server answered (the certificate's count when it kept none)."""
        if self.traffic is not None:
            return self.traffic.requests
        return sum(int(result["requests"]) for result in self.certificate["results"])

    @property
    def cases(self) -> int:
        """Test cases run, over every requirement."""
        return sum(int(result["cases"]) for result in self.certificate["results"])


def certify(
    workers: int,
    *,
    latency_ms: float = LATENCY_MS,
    faults: tuple[str, ...] = (),
    library: Path | None = None,
    contact_ids: Sequence[int] = (),
) -> Ours:
    """``contract certify`` with default settings of a fresh server, on contacts 1 to
    *workers* unless *contact_ids* says otherwise; *library* is a work tree whose
    ``contract`` runs instead of this one."""
    with serve(latency_ms=latency_ms, faults=faults) as server:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, certificate = certify_speed.certify(
            EXAMPLES,
            workers,
            url=server.url,
            user=USER,
            contact_ids=list(contact_ids or range(1, workers + 1)),
            seed=SEED,
            env=server.client_environment(),
            cwd=library,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Ours(wall, certificate, server.traffic, cpu)


EMBEDDED_RUNS = 5
"""How often the embedded default runs: CPU-bound, it varies by a second on a shared
machine, so its median is the measure."""


def embedded() -> float:
    """Wall time of ``contract certify`` with no URL (the bundled reference server): the
    median of :data:`EMBEDDED_RUNS` runs."""
    return statistics.median(certify_speed.certify(EXAMPLES, 1)[0] for _ in range(EMBEDDED_RUNS))


@contextmanager
def work_tree(ref: str) -> Iterator[Path]:
    """The repository at *ref*, checked out into a temporary folder for the block."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "before"
        git = ["git", "-C", str(root)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), ref], check=True)
        try:
            yield tree
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)


def _new_failures(run: schemathesis_run.SchemathesisRun, clean: set[str]) -> list[str]:
    """The failures (check code and the server's answer) a clean server did not give."""
    return sorted(set(run.answers) - clean)


@dataclass(frozen=True)
class FaultRow:
    """One planted fault: whether each tool caught it, and how it showed."""

    fault: str
    requirement: str
    ours: str
    ours_caught: bool
    theirs: str
    theirs_caught: bool


def fault_rows(st: str, openapi: Path, progress: Any) -> tuple[list[FaultRow], set[str]]:
    """Both tools against a server with each planted fault, answering at once."""
    clean = schemathesis_run.run_once(st, openapi, EXAMPLES)
    clean_answers = set(clean.answers)
    rows = []
    for number, name in enumerate(sorted(FAULTS), start=1):
        progress(f"fault {number} of {len(FAULTS)}: {name}")
        requirement = FAULTS[name].requirement.id
        ours = certify(1, latency_ms=0.0, faults=(name,), contact_ids=[FRESH_CONTACT])
        verdict = ours.results[requirement]["verdict"]
        theirs = schemathesis_run.run_once(st, openapi, EXAMPLES, faults=(name,))
        new = _new_failures(theirs, clean_answers)
        rows.append(
            FaultRow(
                name,
                requirement,
                f"{requirement} {verdict}",
                verdict == "failed",
                "; ".join(new) if new else "nothing new",
                bool(new),
            )
        )
    return rows, clean_answers


def _where(run: Ours, workers: int) -> str:
    """Where *run*'s wall time went: waiting on the server, or the CPU."""
    if run.traffic is None:
        return ""
    busy = run.traffic.busy_seconds()
    turns = busy / (LATENCY_MS / 1000)
    cores = _machine.usable_cores()
    return (
        f"the server had a request in progress for {busy:.1f} s (about {turns:,.0f} round "
        f"trips of {LATENCY_MS:g} ms one after another; {run.traffic.in_flight():.1f} in "
        f"flight on average); {workers} process(es) used {run.cpu:.1f} s of CPU on "
        f"{cores} cores"
    )


def _per_case(result: dict[str, Any] | None) -> str:
    if result is None:
        return "n/a | n/a"
    cases, requests = int(result["cases"]), int(result["requests"])
    return f"{requests:,} | {requests / cases if cases else 0:.2f}"


def render(
    one: Ours,
    four: Ours,
    theirs: schemathesis_run.SchemathesisRun,
    version: str,
    embedded_wall: float,
    after: Ours,
    before: Ours | None,
    before_ref: str | None,
    faults: list[FaultRow] | None,
    clean: set[str],
) -> str:
    """The results as Markdown."""
    half = theirs.wall / 2
    today = datetime.date.today().isoformat()
    lines = [
        f"_Generated by `python benchmarks/verdict_time.py` on {today}._",
        "",
        "Machine:",
        "",
        *_machine.describe(),
        "",
        "| target | measured | met | where the time went |",
        "|---|---|---|---|",
        f"| one worker, default settings, no slower than Schemathesis (both against "
        f"`contract serve --latency-ms 50`) | {one.wall:.1f} s against {theirs.wall:.1f} s "
        f"| {'yes' if one.wall <= theirs.wall else '**no**'} | {_where(one, 1)} |",
        f"| `--workers 4`: at most half of Schemathesis's time | {four.wall:.1f} s against "
        f"{half:.1f} s | {'yes' if four.wall <= half else '**no**'} | {_where(four, 4)} |",
        f"| the embedded default (`contract certify`, no URL) under 3 s (median of "
        f"{EMBEDDED_RUNS} runs) | {embedded_wall:.1f} s "
        f"| {'yes' if embedded_wall < 3 else '**no**'} | |",
        "",
        "| run (50 ms latency) | wall s | requests at the server | test cases |",
        "|---|---:|---:|---:|",
        f"| `contract certify --url URL --user {USER} --contact-id 1 --seed {SEED}` "
        f"| {one.wall:.1f} | {one.requests:,} | {one.cases:,} |",
        f"| the same with `--workers 4 --contact-id 1,2,3,4` | {four.wall:.1f} "
        f"| {four.requests:,} | {four.cases:,} |",
        f"| Schemathesis {version}: `st run OPENAPI --url URL --checks all --workers 1 "
        f"--max-examples {EXAMPLES} --seed {SEED}` | {theirs.wall:.1f} "
        f"| {theirs.requests or 0:,} | {theirs.cases:,} |",
        "",
    ]
    title = f"before (`{before_ref}`)" if before_ref else "before"
    lines += [
        f"Requests per requirement, {title} and after, one worker, seed {SEED}, "
        f"{EXAMPLES} examples (the counts do not depend on the latency):",
        "",
        f"| requirement | {title}: requests | per case | after: requests | per case "
        "| after: judged on another's |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    earlier = before.results if before is not None else {}
    for requirement, result in after.results.items():
        shared = int(result.get("shared_requests", 0))
        lines.append(
            f"| {requirement} | {_per_case(earlier.get(requirement))} | {_per_case(result)} "
            f"| {shared:,} |"
        )
    total_before = sum(int(r["requests"]) for r in earlier.values()) if earlier else None
    total_after = sum(int(r["requests"]) for r in after.results.values())
    shown = f"{total_before:,}" if total_before is not None else "n/a"
    total_shared = sum(int(r.get("shared_requests", 0)) for r in after.results.values())
    lines += [f"| all | {shown} | | {total_after:,} | | {total_shared:,} |", ""]
    if faults is not None:
        lines += _fault_table(faults, clean)
    return "\n".join(lines)


def _fault_table(rows: list[FaultRow], clean: set[str]) -> list[str]:
    both = [row.fault for row in rows if row.ours_caught and row.theirs_caught]
    ours_only = [row.fault for row in rows if row.ours_caught and not row.theirs_caught]
    theirs_only = [row.fault for row in rows if row.theirs_caught and not row.ours_caught]
    lines = [
        f"Planted faults, each on a fresh server answering at once, both tools with the "
        f"commands above, ours on contact {FRESH_CONTACT}, which holds the values the "
        f"platform gives a new contact. Ours catches a fault when its requirement fails. "
        f"Schemathesis "
        f"catches one when it reports a failure (check code and the server's answer) that "
        f"it does not report on the fault-free server, where it reports "
        f"{'; '.join(sorted(clean)) or 'nothing'}.",
        "",
        "| fault | ours | Schemathesis |",
        "|---|---|---|",
    ]
    for row in rows:
        ours = f"{'**caught**' if row.ours_caught else 'missed'}: {row.ours}"
        theirs = f"{'**caught**' if row.theirs_caught else 'missed'}: {row.theirs}"
        lines.append(f"| `{row.fault}` | {ours} | {theirs.replace('|', '/')} |")
    lines += [
        "",
        f"- Caught by both ({len(both)}): {', '.join(both) or 'none'}.",
        f"- Caught by ours only ({len(ours_only)}): {', '.join(ours_only) or 'none'}.",
        f"- Caught by Schemathesis only ({len(theirs_only)}): {', '.join(theirs_only) or 'none'}.",
        "",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the Markdown and, unless told not to, update the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schemathesis", default="st", help="Schemathesis's `st` command")
    parser.add_argument("--before", metavar="REF", help="a git commit to compare against")
    parser.add_argument("--no-faults", action="store_true", help="skip the planted faults")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    args = parser.parse_args(argv)
    st = schemathesis_run.find(args.schemathesis)
    if st is None:
        print(schemathesis_run.NOT_INSTALLED, file=sys.stderr)
        return 2
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {line}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        openapi = Path(folder) / "openapi.json"
        schemathesis_run.write_openapi(openapi)
        progress("contract certify, 1 worker, 50 ms")
        one = certify(1)
        progress("contract certify, 4 workers, 50 ms")
        four = certify(4)
        progress("Schemathesis, 50 ms")
        theirs = schemathesis_run.run_once(st, openapi, EXAMPLES, latency_ms=LATENCY_MS)
        progress("contract certify, embedded default")
        embedded_wall = embedded()
        progress("contract certify, 1 worker, at once")
        after = certify(1, latency_ms=0.0)
        before = None
        if args.before:
            progress(f"contract certify as of {args.before}, 1 worker, at once")
            with work_tree(args.before) as tree:
                before = certify(1, latency_ms=0.0, library=tree)
        faults: list[FaultRow] | None = None
        clean: set[str] = set()
        if not args.no_faults:
            faults, clean = fault_rows(st, openapi, progress)
    markdown = render(
        one,
        four,
        theirs,
        schemathesis_run.version(st),
        embedded_wall,
        after,
        before,
        args.before,
        faults,
        clean,
    )
    print(markdown)
    if not args.no_readme:
        replace_section("verdict", markdown)
    progress("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
