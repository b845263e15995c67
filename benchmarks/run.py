"""Run every benchmark, print the results as Markdown, and write them into ``benchmarks/README.md``.

python benchmarks/run.py            # the full run: about ten minutes on two cores
python benchmarks/run.py --quick    # rougher and quicker: 100,000 lines, fewer examples
python benchmarks/run.py --only validation --no-readme
python benchmarks/run.py --schemathesis PATH/TO/st   # Schemathesis from a venv of its own
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

if not __package__:  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _machine, bulk, certify, schemathesis_run, strategies, validation
from benchmarks._format import TIMES, share, times
from benchmarks._timing import DEFAULT_PLAN, QUICK_PLAN

README = Path(__file__).with_name("README.md")
START, END = "<!-- results:start -->", "<!-- results:end -->"
SECTIONS = ("validation", "bulk", "strategies", "certify", "schemathesis")
FLAT_MEMORY_MIB = 5.0


def _progress(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _targets(
    checked: validation.ValidationReport | None,
    streamed: bulk.BulkReport | None,
    drawn: strategies.StrategiesReport | None,
    certified: certify.CertifyReport | None = None,
    compared: schemathesis_run.ComparisonReport | None = None,
) -> list[str]:
    rows = ["| target | measured | met |", "|---|---|---|"]
    if checked is not None:
        index = checked.typical_valid_index()
        ours = checked.speedup(validation.OURS, index)
        function = checked.speedup("is_valid_update", index)
        wanted = f"{validation.TARGET_SPEEDUP:g}{TIMES}"
        rows.append(
            f"| typical valid payload: ours at least {wanted} faster than a cached "
            f"`Draft202012Validator` | {times(ours)} (`validator_for().is_valid`), "
            f"{times(function)} (`is_valid_update`) "
            f"| {_yes(ours >= validation.TARGET_SPEEDUP)} |"
        )
    if streamed is not None:
        ratio = streamed.cli_ratio
        growth = streamed.memory_growth_mib()
        small, large = streamed.memory[-2][0], streamed.memory[-1][0]
        peak = streamed.memory[-1][1].max_rss_kib / 1024
        rows += [
            f"| `contract validate FILE` throughput at least {share(bulk.TARGET_RATIO)} that of "
            f"a `json.loads`-only loop ({large:,} lines, mixed file) | {share(ratio)} "
            f"| {_yes(ratio >= bulk.TARGET_RATIO)} |",
            f"| memory stays flat: peak RSS grows by less than {FLAT_MEMORY_MIB:.0f} MiB from "
            f"{small:,} to {large:,} lines | {growth:+.1f} MiB (peak {peak:.1f} MiB) "
            f"| {_yes(growth < FLAT_MEMORY_MIB)} |",
        ]
    if drawn is not None:
        ratio = drawn.ratio(strategies.OURS)
        rows.append(
            "| `valid_updates()` examples/s no slower than plain `st.fixed_dictionaries` "
            f"| {share(ratio)} | {_yes(ratio >= 1.0)} |"
        )
        other = drawn.draws[strategies.HYPOTHESIS_JSONSCHEMA]
        status = (
            "fails, see the strategies section"
            if other.error is not None
            else f"runs: {share(drawn.ratio(strategies.HYPOTHESIS_JSONSCHEMA))} the baseline's "
            f"examples/s; {other.share_valid():.0%} of its examples are valid"
        )
        rows.append(f"| `hypothesis_jsonschema.from_schema` reported | {status} | (report only) |")
    if certified is not None:
        latency = certify.TARGET_LATENCY_MS
        one, many = certified.run(latency, 1), certified.run(latency, certify.TARGET_WORKERS)
        rows.append(
            f"| against `contract serve --latency-ms {latency:g}`, a certification with "
            f"{certify.TARGET_WORKERS} workers and {certify.TARGET_WORKERS} contacts at least "
            f"{certify.TARGET_SPEEDUP:g}{TIMES} faster than with 1 worker "
            f"({certified.examples} examples) | {times(certified.speedup(latency))} "
            f"({one.wall:.1f} s / {many.wall:.1f} s) | {_yes(certified.target_met())} |"
        )
    if compared is not None:
        target = (
            "Schemathesis and ours at equal examples: ours faster while checking more "
            f"requirements ({compared.examples} examples)"
        )
        if compared.ours is None or compared.theirs is None:
            rows.append(f"| {target} | Schemathesis {compared.missing} | n/a |")
        else:
            mine, theirs = compared.ours, compared.theirs
            rows.append(
                f"| {target} | Schemathesis's wall time {times(compared.wall_ratio())} ours "
                f"({theirs.wall:.1f} s / {mine.wall:.1f} s); ours sends "
                f"{times(compared.request_ratio())} its requests; {mine.requirements} "
                f"requirements vs {len(theirs.checks)} checks | {_yes(compared.target_met())} |"
            )
    return rows


def results_markdown(args: argparse.Namespace, sections: Sequence[str]) -> str:
    """Run the chosen sections and return the whole results section as Markdown."""
    started = time.perf_counter()
    plan = QUICK_PLAN if args.quick else DEFAULT_PLAN
    repeat = 1 if args.quick else 2
    checked = validation.measure(plan, _progress) if "validation" in sections else None
    streamed = bulk.measure(args.lines, repeat, _progress) if "bulk" in sections else None
    drawn = (
        strategies.measure(args.examples, 2 if args.quick else 3, _progress)
        if "strategies" in sections
        else None
    )
    certified = (
        certify.measure(args.certify_examples, repeat, _progress) if "certify" in sections else None
    )
    compared = (
        schemathesis_run.measure(args.schemathesis, args.certify_examples, repeat, _progress)
        if "schemathesis" in sections
        else None
    )
    elapsed = time.perf_counter() - started
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    mode = "quick run (`--quick`)" if args.quick else "default run"
    today = datetime.now(timezone.utc).date().isoformat()
    parts = [
        f"_Generated by `python benchmarks/run.py{' --quick' if args.quick else ''}` on {today}: "
        f"{mode}, {args.lines:,} lines, up to {args.examples:,} examples, "
        f"{args.certify_examples} certification examples; "
        f"took {elapsed:.0f} s._",
        "",
        "Machine:",
        "",
        *_machine.describe(),
        f"- Load average as the run ended (1, 5, 15 minutes): {load}; the machine is shared, "
        "so other work ran alongside",
        *(
            [
                "- `PYTHONDONTWRITEBYTECODE` is set: every Python process compiles the "
                "project's own modules from source, pytest's assertion rewriting included"
            ]
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            else []
        ),
        "",
        "### Targets",
        "",
        *_targets(checked, streamed, drawn, certified, compared),
    ]
    if checked is not None:
        parts += [
            "",
            "### Validation: time per call, and speed-up over the cached `Draft202012Validator`",
            "",
            "Each cell: how many times faster than the cached `Draft202012Validator` on the same "
            "payload (below 1 is slower), then the best time per call. **wrongly accepts** marks "
            "a verdict that differs from the contract's: only ours checks the `tags` "
            "`contentSchema` (a JSON array of strings) and rejects lone surrogates; the others "
            "only see a string (`fastjsonschema` checks that it parses as JSON).",
            "",
            checked.markdown(),
        ]
    if streamed is not None:
        parts += ["", "### Bulk: `contract validate FILE` on JSON Lines", "", streamed.markdown()]
    if drawn is not None:
        parts += ["", "### Strategies: examples per second", "", drawn.markdown()]
    if certified is not None:
        parts += [
            "",
            "### Certify: `contract certify` of the reference server, 1 and 4 workers",
            "",
            certified.markdown(),
        ]
    if compared is not None:
        parts += [
            "",
            "### Schemathesis and `contract certify` at equal examples",
            "",
            compared.markdown(),
        ]
    return "\n".join(parts)


def rewrite_readme(results: str, readme: Path = README) -> None:
    """Replace what lies between the results markers of *readme* with *results*."""
    text = readme.read_text(encoding="utf-8")
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{readme.name} lacks the {START} ... {END} markers")
    readme.write_text(f"{head}{START}\n{results}\n{END}{tail}", encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    """The options of ``benchmarks/run.py``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter, rougher run")
    parser.add_argument("--lines", type=int, help="lines in the bulk file (default 1,000,000)")
    parser.add_argument("--examples", type=int, help="examples per strategy run (default 1,000)")
    parser.add_argument(
        "--certify-examples",
        type=int,
        help="examples per requirement for the certify and schemathesis sections (default 25)",
    )
    parser.add_argument(
        "--schemathesis",
        default="st",
        metavar="PATH",
        help="Schemathesis's `st` command, installed in a venv of its own (default: st on PATH)",
    )
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, help="run only this section (repeatable)"
    )
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print the results; rewrite the README's results unless told not to."""
    args = build_parser().parse_args(argv)
    if args.lines is None:
        args.lines = 100_000 if args.quick else 1_000_000
    if args.examples is None:
        args.examples = 200 if args.quick else 1_000
    if args.certify_examples is None:
        args.certify_examples = 10 if args.quick else 25
    if args.lines < 10 or args.examples < 1 or args.certify_examples < 1:
        raise SystemExit(
            "--lines must be at least 10, --examples and --certify-examples at least 1"
        )
    sections = args.only or SECTIONS
    results = results_markdown(args, sections)
    sys.stdout.write(results + "\n")
    if args.no_readme or args.only:
        _progress("README.md left as it was (--no-readme or --only)")
    else:
        rewrite_readme(results)
        _progress(f"results written to {README.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
