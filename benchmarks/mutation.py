"""The oracle's strength by mutation: cosmic-ray changes the reference server's rules, storage
and answers one small edit at a time, and ``contract certify`` must notice each change.

python benchmarks/mutation.py                  # every mutant, one at a time: 30 to 45 minutes
python benchmarks/mutation.py --jobs 2         # two at a time, on a machine with cores to spare
python benchmarks/mutation.py --sample 20 --no-readme          # a quick look
python benchmarks/mutation.py --modules auth.py --no-readme    # one module

The mutated modules are the server's own decisions: ``service.py``, ``updates.py``,
``store.py``, ``rest.py``, ``xmlrpc.py``, ``xmlrpc_codec.py``, ``app.py``, ``auth.py`` and
``http_io.py`` (the planted faults, install profiles, network, command line, runner, seeding and
options are the test bench, not the server under test). A mutant is *killed* when
``contract certify --seed N`` of the bundled server, with the mutant in place and default
settings otherwise, does not exit 0; one that runs past the time-out is killed too, and counted
apart.

Nothing in the working tree is mutated. The ``contract`` package (without ``__pycache__``) and
``schemas/`` are copied into a temporary folder, once per job; cosmic-ray's session lives
there, and every process it starts sees the copy first on ``PYTHONPATH``, with
``PYTHONDONTWRITEBYTECODE=1`` so that no stale bytecode can hide a mutant. Before any mutant,
the script checks that ``contract`` imports from the copy and that the unmutated copy
certifies. The folder is removed at the end unless ``--keep`` is given (then ``cosmic-ray
dump``, ``cr-report`` and ``cr-html`` can read the sessions in it, and ``--rescore DIR``
reports the run again with the readings as they are then, running nothing).

Mutations inside annotations are not run: every module mutated has ``from __future__ import
annotations``, so an annotation is never evaluated and its mutants cannot change behaviour.
The survivors are written, with their diffs, to ``benchmarks/mutation-survivors.md``; each is
read in ``benchmarks/mutation-survivors.toml`` as equivalent (and why) or a gap in the checks.
The score is killed over the mutants run that are not read as equivalent. Results are printed
as Markdown and, unless ``--no-readme``, written between the ``mutation`` markers of
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

if not __package__:  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _certify_mutant
from benchmarks._format import replace_section
from benchmarks._mutants import (
    MODULE_LEVEL,
    READINGS,
    SURVIVORS,
    Mutant,
    MutantFate,
    Mutation,
    Reading,
    Result,
    assign_ids,
    load_readings,
)
from benchmarks._mutation_report import MutationRun, Settings, render, render_survivors

PROJECT = Path(__file__).resolve().parent.parent
SERVER = Path("contract", "server")
MODULES = (
    "service.py",
    "updates.py",
    "store.py",
    "rest.py",
    "xmlrpc.py",
    "xmlrpc_codec.py",
    "app.py",
    "auth.py",
    "http_io.py",
)
TEST_BENCH = (
    "faults.py",
    "planted.py",
    "profiles.py",
    "network.py",
    "cli.py",
    "runner.py",
    "seeding.py",
    "options.py",
)
"""Modules that plant faults or run the server: mutating them says nothing about the checks."""
SEED = 1
TIMEOUT = 60.0
RUNNER = "certify_mutant.py"
SESSION = "session.sqlite"
RECORD = "run.json"
"""What a kept workspace remembers of its run, for ``--rescore``."""
WAIT_SECONDS = 0.5
PROGRESS_SECONDS = 30.0
_MARKED = re.compile(rf"^{re.escape(_certify_mutant.MARK)} (-?\d+) after ([\d.]+) s$", re.MULTILINE)
# certify's closing table: one row per requirement, its verdict second.
_FAILED = re.compile(r"^(UC-[A-Z0-9]+)\s+FAIL\b", re.MULTILINE)
_NOT_VERIFIABLE = re.compile(r"^(UC-[A-Z0-9]+)\s+N/V\b", re.MULTILINE)
_VERDICT = re.compile(r"^(NOT CERTIFIED|CERTIFIED): ", re.MULTILINE)

Progress = Callable[[str], None]


# --- the workspace --------------------------------------------------------------------------


def _copy_project(folder: Path) -> None:
    """What certify needs, without bytecode: ``contract`` and ``schemas``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("contract", "schemas"):
        shutil.copytree(PROJECT / name, folder / name, ignore=ignore)


def _environment(folder: Path) -> dict[str, str]:
    """The environment of every process that runs a mutant in *folder*: the copy first on the
    path, no bytecode written, and none of the ``CONTRACT_`` variables, which would aim
    certify elsewhere (``CONTRACT_URL``) or change its run (``CONTRACT_SEED``)."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("CONTRACT_")
    }
    environment["PYTHONPATH"] = str(folder)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def _check_copy_is_imported(folder: Path) -> None:
    """Refuse to start when ``contract`` would not come from the copy: every mutant would
    then survive for a reason that has nothing to do with the checks."""
    probe = "import contract.server.service as m; print(m.__file__)"
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=folder,
        env=_environment(folder),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(folder.resolve()):
        raise SystemExit(f"contract is imported from {found}, not from the copy in {folder}")


def _test_command(root: Path, seed: int) -> list[str]:
    return [sys.executable, str(root / RUNNER), f"--seed={seed}"]


def _write_config(root: Path, modules: Sequence[str], seed: int, timeout: float) -> Path:
    """The cosmic-ray configuration: module paths relative to a job's folder, the local
    (one mutant at a time) distributor, certify as the test command."""
    shutil.copyfile(Path(_certify_mutant.__file__), root / RUNNER)
    paths = [str(SERVER / module) for module in modules]
    config = root / "cosmic-ray.toml"
    # JSON strings and floats are TOML too.
    config.write_text(
        "\n".join(
            [
                "[cosmic-ray]",
                f"module-path = {json.dumps(paths)}",
                f"timeout = {float(timeout)!r}",
                "excluded-modules = []",
                f"test-command = {json.dumps(shlex.join(_test_command(root, seed)))}",
                "",
                "[cosmic-ray.distributor]",
                'name = "local"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


def _baseline(root: Path, folder: Path, seed: int, timeout: float) -> float:
    """Certify the unmutated copy; it must pass, or no kill would mean anything."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            _test_command(root, seed),
            cwd=folder,
            env=_environment(folder),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the unmutated server is not certified within {timeout:g} s") from None
    if done.returncode != 0:
        said = " / ".join(done.stdout.strip().splitlines()[-5:])
        raise SystemExit(f"the unmutated server is not certified (exit {done.returncode}): {said}")
    return time.monotonic() - started


# --- cosmic-ray's session ---------------------------------------------------------------------


def _cosmic_ray(*arguments: str, folder: Path) -> str:
    """Run one cosmic-ray command in *folder*; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "cosmic_ray.cli", *arguments],
        cwd=folder,
        env=_environment(folder),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        said = " / ".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"cosmic-ray {arguments[0]} failed (exit {done.returncode}): {said}")
    return done.stdout


SessionRow = tuple[dict[str, Any], dict[str, Any] | None]


def _dump(session: Path, folder: Path) -> list[SessionRow]:
    """Every work item of *session* with its result (None while pending): ``cosmic-ray dump``."""
    rows = _cosmic_ray("dump", str(session), folder=folder).splitlines()
    return [cast("SessionRow", tuple(json.loads(row))) for row in rows if row.strip()]


def _mutation(item: Mapping[str, Any]) -> Mutation:
    (spec,) = item["mutations"]
    line, column = spec["start_pos"]
    return Mutation(
        job_id=str(item["job_id"]),
        path=str(spec["module_path"]),
        operator=str(spec["operator_name"]).removeprefix("core/"),
        occurrence=int(spec["occurrence"]),
        line=int(line),
        column=int(column),
        definition=spec["definition_name"] or MODULE_LEVEL,
    )


def _skip(session: Path, job_ids: Collection[str], why: str) -> None:
    """Mark work items as skipped, the way cosmic-ray's own filters do, so ``exec`` leaves them."""
    if not job_ids:
        return
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as database:
        skipped = WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=why)
        database.set_multiple_results(list(job_ids), skipped)


def _results_count(session: Path) -> int:
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as database:
        return int(database.num_results)


# --- which mutants run ----------------------------------------------------------------------


Span = tuple[tuple[int, int], tuple[int, int]]


def _annotation_spans(source: str) -> list[Span]:
    """Where *source*'s annotations stand, as ((line, column), (line, column)) in characters;
    none when the module evaluates its annotations (no ``from __future__ import annotations``)."""
    tree = ast.parse(source)
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    if not postponed:
        return []
    lines = source.splitlines()

    def position(line: int, offset: int) -> tuple[int, int]:
        # ast counts UTF-8 bytes; cosmic-ray (parso) counts characters.
        return line, len(lines[line - 1].encode("utf-8")[:offset].decode("utf-8"))

    return [
        (
            position(node.lineno, node.col_offset),
            position(node.end_lineno or node.lineno, node.end_col_offset or 0),
        )
        for node in _annotations(tree)
    ]


def _annotations(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [argument for argument in (arguments.vararg, arguments.kwarg) if argument]
            yield from (argument.annotation for argument in every if argument.annotation)
            if node.returns is not None:
                yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def _in_annotations(mutants: Sequence[Mutant], sources: Mapping[str, str]) -> set[str]:
    """The ids of the mutants that change only an annotation."""
    spans = {path: _annotation_spans(source) for path, source in sources.items()}
    return {
        mutant.id
        for mutant in mutants
        if any(
            start <= (mutant.mutation.line, mutant.mutation.column) < end
            for start, end in spans[mutant.mutation.path]
        )
    }


def _sample(mutants: Sequence[Mutant], size: int | None) -> list[Mutant]:
    """*size* mutants, the same ones every time: those whose ids hash lowest, which spreads
    them over modules and operators; all of them without a size."""
    if size is None:
        return list(mutants)
    ranked = sorted(mutants, key=lambda mutant: hashlib.sha256(mutant.id.encode()).digest())
    chosen = {mutant.id for mutant in ranked[:size]}
    return [mutant for mutant in mutants if mutant.id in chosen]


# --- running the jobs -------------------------------------------------------------------------


@dataclass
class Job:
    """One copy of the project, its session, and the mutants it runs one after another."""

    folder: Path
    mutants: list[Mutant]
    skipped: int = 0
    """Work items of its session that it does not run."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def session(self) -> Path:
        """The job's own cosmic-ray session."""
        return self.folder / SESSION

    def done(self) -> int:
        """Mutants this job has finished."""
        return _results_count(self.session) - self.skipped


def _prepare_jobs(template: Path, folders: Sequence[Path], chosen: Sequence[Mutant]) -> list[Job]:
    """Deal the chosen mutants out in turn, so each job gets every module; each job's session
    is the template with the other jobs' mutants skipped."""
    jobs = [
        Job(folder, list(chosen[index :: len(folders)])) for index, folder in enumerate(folders)
    ]
    every = _count_work_items(template)
    for job in jobs:
        shutil.copyfile(template, job.session)
        others = {mutant.mutation.job_id for mutant in chosen} - {
            mutant.mutation.job_id for mutant in job.mutants
        }
        _skip(job.session, others, "run by another job")
        job.skipped = every - len(job.mutants)
    return jobs


def _count_work_items(session: Path) -> int:
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as database:
        return int(database.num_work_items)


def _run_jobs(jobs: Sequence[Job], config: Path, progress: Progress) -> None:
    """``cosmic-ray exec`` in every job's folder, side by side; progress every few seconds."""
    total = sum(len(job.mutants) for job in jobs)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        for job in jobs:
            log = stack.enter_context((job.folder / "exec.log").open("wb"))
            job.process = subprocess.Popen(
                [sys.executable, "-m", "cosmic_ray.cli", "exec", str(config), str(job.session)],
                cwd=job.folder,
                env=_environment(job.folder),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, job.process)
        reported = started
        while any(job.process.poll() is None for job in jobs if job.process):
            time.sleep(WAIT_SECONDS)
            if time.monotonic() - reported >= PROGRESS_SECONDS:
                reported = time.monotonic()
                _report_progress(jobs, total, reported - started, progress)
    for job in jobs:
        if job.process and job.process.returncode != 0:
            log_tail = (job.folder / "exec.log").read_text(errors="replace").splitlines()[-5:]
            raise SystemExit(f"cosmic-ray exec failed in {job.folder}: {' / '.join(log_tail)}")


def _report_progress(jobs: Sequence[Job], total: int, elapsed: float, progress: Progress) -> None:
    done = sum(job.done() for job in jobs)
    left = f", about {elapsed / done * (total - done) / 60:.0f} min left" if done else ""
    progress(f"{done}/{total} mutants run{left}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End a job still running (on Ctrl-C or an error); the mutant it was testing runs in a
    session of its own and ends with its certification."""
    if process.poll() is None:
        process.terminate()
        process.wait()


def _result(data: Mapping[str, Any], timeout: float) -> Result:
    """What became of one mutant, from its cosmic-ray result."""
    output, diff = str(data.get("output") or ""), str(data.get("diff") or "")
    if data["worker_outcome"] != "normal" or data["test_outcome"] == "incompetent":
        return Result(MutantFate.ERROR, 0.0, diff=diff, output=output)
    if data["test_outcome"] == "killed" and output == "timeout":  # cosmic-ray's own word
        return Result(MutantFate.TIMED_OUT, timeout, diff=diff, output=output)
    marked = _MARKED.search(output)
    code, seconds = (int(marked[1]), float(marked[2])) if marked else (None, 0.0)
    outcome = MutantFate.SURVIVED if data["test_outcome"] == "survived" else MutantFate.KILLED
    return Result(
        outcome,
        seconds,
        code,
        failed=tuple(_FAILED.findall(output)),
        not_verifiable=tuple(_NOT_VERIFIABLE.findall(output)),
        verdict=verdict[1] if (verdict := _VERDICT.search(output)) else None,
        diff=diff,
        output=output,
    )


def _collect(
    folders: Sequence[Path], mutants: Sequence[Mutant], timeout: float
) -> dict[str, Result]:
    """The results of the mutants run in the jobs' *folders*, by the mutants' stable ids;
    a mutant another job ran is skipped in this job's session, and left out."""
    ids = {mutant.mutation.job_id: mutant.id for mutant in mutants}
    results = {}
    for folder in folders:
        for item, data in _dump(folder / SESSION, folder):
            if data is not None and data["worker_outcome"] != "skipped":
                results[ids[item["job_id"]]] = _result(data, timeout)
    return results


# --- the whole run ---------------------------------------------------------------------------


def _mutants(session: Path, folder: Path) -> tuple[list[Mutant], dict[str, str]]:
    """The session's mutants with their stable ids, and the sources of their modules."""
    mutations = [_mutation(item) for item, _ in _dump(session, folder)]
    sources = {
        path: (folder / path).read_text(encoding="utf-8")
        for path in {mutation.path for mutation in mutations}
    }
    lines = {path: source.splitlines() for path, source in sources.items()}
    return assign_ids(mutations, lines), sources


def measure(root: Path, settings: Settings, progress: Progress) -> MutationRun:
    """Make the workspace in *root*, run the chosen mutants, and gather the results."""
    started = time.monotonic()
    folders = [root / f"job-{number}" for number in range(1, settings.jobs + 1)]
    for folder in folders:
        _copy_project(folder)
    _check_copy_is_imported(folders[0])
    config = _write_config(root, settings.modules, settings.seed, settings.timeout)
    baseline = _baseline(root, folders[0], settings.seed, settings.timeout)
    progress(f"the unmutated copy is certified in {baseline:.1f} s")
    template = root / SESSION
    _cosmic_ray("init", str(config), str(template), folder=folders[0])
    mutants, sources = _mutants(template, folders[0])
    annotations = _in_annotations(mutants, sources)
    runnable = [mutant for mutant in mutants if mutant.id not in annotations]
    chosen = _sample(runnable, settings.sample)
    chosen_ids = {mutant.id for mutant in chosen}
    _skip(
        template,
        [mutant.mutation.job_id for mutant in mutants if mutant.id not in chosen_ids],
        "not run: an annotation, or not in the sample",
    )
    progress(
        f"{len(mutants)} mutants, {len(annotations)} of them in annotations; "
        f"running {len(chosen)} in {len(folders)} job(s)"
    )
    jobs = _prepare_jobs(template, folders, chosen)
    _run_jobs(jobs, config, progress)
    run = MutationRun(
        settings=settings,
        mutants=mutants,
        in_annotations=frozenset(annotations),
        chosen=chosen,
        results=_collect(folders, mutants, settings.timeout),
        baseline_seconds=baseline,
        wall_seconds=time.monotonic() - started,
        date=datetime.now(timezone.utc).date().isoformat(),
    )
    _record(root, run)
    return run


def _record(root: Path, run: MutationRun) -> None:
    """What ``--rescore`` needs besides the sessions: the settings and the times."""
    settings = run.settings
    record = {
        "command": settings.command,
        "modules": settings.modules,
        "seed": settings.seed,
        "timeout": settings.timeout,
        "jobs": settings.jobs,
        "sample": settings.sample,
        "baseline_seconds": run.baseline_seconds,
        "wall_seconds": run.wall_seconds,
        "date": run.date,
    }
    (root / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")


def rescore(root: Path, readings: Mapping[str, Reading]) -> MutationRun:
    """The run kept in *root* (``--keep``), read again with *readings*: no mutant is run."""
    try:
        record = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SystemExit(f"{root} holds no finished run (run with --keep to keep one)") from None
    settings = Settings(
        command=record["command"],
        modules=tuple(record["modules"]),
        seed=record["seed"],
        timeout=record["timeout"],
        jobs=record["jobs"],
        sample=record["sample"],
        readings=readings,
    )
    folders = sorted(root.glob("job-*"))
    mutants, sources = _mutants(root / SESSION, folders[0])
    results = _collect(folders, mutants, settings.timeout)
    return MutationRun(
        settings=settings,
        mutants=mutants,
        in_annotations=frozenset(_in_annotations(mutants, sources)),
        chosen=[mutant for mutant in mutants if mutant.id in results],
        results=results,
        baseline_seconds=record["baseline_seconds"],
        wall_seconds=record["wall_seconds"],
        date=record["date"],
    )


def _modules(names: Sequence[str] | None) -> tuple[str, ...]:
    """The modules to mutate, by file name (``auth.py`` or ``auth``); the default set without."""
    if not names:
        return MODULES
    chosen = tuple(dict.fromkeys(name if name.endswith(".py") else f"{name}.py" for name in names))
    for name in chosen:
        if name in TEST_BENCH:
            raise SystemExit(f"{name} is part of the test bench, not the server under test")
        if not (PROJECT / SERVER / name).is_file():
            raise SystemExit(f"no module {SERVER / name}")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--modules",
        nargs="+",
        metavar="MODULE",
        help=f"modules of {SERVER} to mutate (default: {' '.join(MODULES)})",
    )
    parser.add_argument(
        "--sample", type=int, metavar="N", help="run only N mutants, the same N every time"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"certify's seed (default {SEED})")
    parser.add_argument(
        "--jobs", type=int, default=1, help="mutants run side by side, one copy each (default 1)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT,
        help=f"seconds one certification may take before its mutant counts as killed "
        f"by time-out (default {TIMEOUT:g})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary workspace, and say where"
    )
    parser.add_argument(
        "--rescore",
        type=Path,
        metavar="WORKSPACE",
        help="run nothing: report again the run kept in WORKSPACE (--keep), with the readings "
        "as they are now",
    )
    parser.add_argument(
        "--no-readme",
        action="store_true",
        help=f"print only: leave README.md and {SURVIVORS.name} as they are",
    )
    parser.add_argument(
        "--survivors",
        type=Path,
        help=f"where to write the survivors and their diffs (default {SURVIVORS.name}, "
        "none with --no-readme)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the Markdown, and write the survivors and the README section."""
    given = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(given)
    if importlib.util.find_spec("cosmic_ray") is None:
        raise SystemExit("cosmic-ray is not installed: pip install -e '.[bench]'")
    if args.jobs < 1 or (args.sample is not None and args.sample < 1) or args.timeout <= 0:
        raise SystemExit("--jobs and --sample must be at least 1, --timeout above 0")
    readings = load_readings(READINGS)
    run = rescore(args.rescore, readings) if args.rescore else _measured(args, given, readings)
    markdown = render(run)
    print(markdown)
    survivors = args.survivors or (None if args.no_readme else SURVIVORS)
    if survivors is not None:
        survivors.write_text(render_survivors(run), encoding="utf-8")
        _say(f"survivors written to {survivors}")
    if not args.no_readme:
        replace_section("mutation", markdown)
        _say("results written to README.md")
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _measured(
    args: argparse.Namespace, given: list[str], readings: Mapping[str, Reading]
) -> MutationRun:
    """Run the benchmark in a temporary workspace, removed at the end unless ``--keep``."""
    settings = Settings(
        command=shlex.join(["python", "benchmarks/mutation.py", *given]),
        modules=_modules(args.modules),
        seed=args.seed,
        timeout=args.timeout,
        jobs=args.jobs,
        sample=args.sample,
        readings=readings,
    )
    started = time.monotonic()

    def progress(line: str) -> None:
        _say(f"[{time.monotonic() - started:6.0f} s] {line}")

    root = Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        return measure(root, settings, progress)
    finally:
        if args.keep:
            progress(f"workspace kept in {root} (report it again with --rescore {root})")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
