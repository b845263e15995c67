"""The history of fleet runs: ``contract fleet --history``, ``contract history``, shards'
histories merged, files that are not histories, and writers that take turns or race."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from contract.cli.history import COLUMNS, EXITS
from contract.fleet.history import append_run, installs_in, recent_verdicts, runs_of
from contract.fleet.history_file import SCHEMA_VERSION, TABLES, HistoryError
from contract.fleet.history_merge import merge_histories
from contract.fleet.report import fleet_data
from contract.fleet.runner import InstallResult
from contract.fleet.shard import Shard
from contract.server import ReferenceServer
from tests.conftest import USER, Running, clean_environment, run_contract
from tests.test_readme import PAGES, render_exit_codes

ROOT = Path(__file__).resolve().parent.parent
CONTACT = 1


def _variable(name: str) -> str:
    return "KEY_" + name.upper().replace("-", "_")


def write_fleet(path: Path, installs: dict[str, ReferenceServer]) -> dict[str, str]:
    """A small fleet file (three examples, REST) of *installs*; the environment with
    their keys."""
    text = f'[defaults]\nuser = "{USER}"\nexamples = 3\ntransport = "rest"\n'
    for name, server in installs.items():
        text += (
            f'\n[[install]]\nname = "{name}"\nurl = "{server.url}"\n'
            f'api_key_env = "{_variable(name)}"\ncontact_ids = [{CONTACT}]\n'
        )
    path.write_text(text, encoding="utf-8")
    return clean_environment(**{_variable(name): s.api_key for name, s in installs.items()})


def fleet(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_contract("fleet", *args, "--ramp-up", "0", cwd=cwd, env=env, timeout=600)


def _json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@contextlib.contextmanager
def reference_servers(*faults: frozenset[str]) -> Iterator[list[ReferenceServer]]:
    """A reference server per entry of *faults*, each with those faults planted."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(ReferenceServer(user=USER, faults=f)) for f in faults]


@pytest.mark.long
def test_each_fleet_run_appends_its_installs_and_a_failing_one_shows_newest_first(
    tmp_path: Path,
) -> None:
    history = tmp_path / "out" / "history.sqlite"
    with reference_servers(frozenset(), frozenset(), frozenset({"wrong-id"})) as servers:
        acme, globex, faulty = servers
        env = write_fleet(tmp_path / "fleet.toml", {"acme": acme, "globex": globex})
        first = fleet(
            "fleet.toml", "--out", "out", "--history", str(history), cwd=tmp_path, env=env
        )
        assert first.returncode == 0, first.stdout + first.stderr
        first_report = _json(tmp_path / "out" / "fleet.json")
        # The same install, now answering the wrong id: a planted fault switched on.
        env = write_fleet(tmp_path / "fleet.toml", {"acme": acme, "globex": faulty})
        second = fleet(
            "fleet.toml", "--out", "out", "--history", str(history), cwd=tmp_path, env=env
        )
        assert second.returncode == 1, second.stdout + second.stderr
    report = _json(tmp_path / "out" / "fleet.json")
    assert report["history"] == "history.sqlite", "named relative to --out, for the merge"
    assert "appended to the history" in second.stdout.splitlines()[-1]

    rows = runs_of(history)
    assert [(row.install, row.verdict) for row in rows] == [
        ("acme", "certified"),
        ("globex", "not certified"),
        ("acme", "certified"),
        ("globex", "certified"),
    ]
    newest, oldest = rows[0].run, rows[2].run
    assert newest.id != oldest.id
    assert (newest.time, oldest.time) == (report["date"], first_report["date"])
    assert (newest.library, newest.schema) == (report["library"], report["schema"])
    assert newest.shard is None
    assert newest.interrupted is False
    for row, entry in zip(rows[:2], report["installs"], strict=True):
        certificate = _json(tmp_path / "out" / entry["certificate"])
        assert row.restored is True
        assert (row.exercised, row.writable) == (
            entry["coverage"]["exercised"],
            entry["coverage"]["writable"],
        )
        assert row.requirements == entry["requirements"]
        assert row.seed == certificate["seed"]
        assert row.versions == certificate["versions"]
        assert row.time == certificate["date"]
        assert row.seconds == entry["seconds"]
        assert set(row.transports) == set(row.requirements)
        assert row.transports["UC-TYPE"] == {"rest": "passed"}
    assert "UC-ACCEPT" in rows[1].failed
    assert rows[1].transports["UC-ACCEPT"]["rest"] == "failed"
    assert rows[3].failed == []

    # The file is what docs/history.md says: its tables and its version.
    with contextlib.closing(sqlite3.connect(history)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        assert set(TABLES) <= tables

    shown = run_contract("history", str(history), "--install", "globex")
    assert shown.returncode == 0, shown.stderr
    header, *lines = shown.stdout.splitlines()
    assert header.split("  ")[0] == COLUMNS[0]
    assert len(lines) == 2
    assert lines[0].split()[2:4] == ["globex", "not"], "the failing run first"
    assert "UC-ACCEPT" in lines[0]
    assert lines[1].split()[2:4] == ["globex", "certified"]
    for column in COLUMNS[1:]:  # aligned: every row's cells start under their heading
        start = header.index(column)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines)
    assert len(run_contract("history", str(history)).stdout.splitlines()) == 5
    assert len(run_contract("history", str(history), "--last", "1").stdout.splitlines()) == 3

    unknown = run_contract("history", str(history), "--install", "initech")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        f"contract history: {history}: no install 'initech' in this history; "
        "it holds acme, globex\n"
    )

    recent = recent_verdicts(history, ["globex", "initech"], last=1)
    assert [summary.verdict for summary in recent["globex"]] == ["not certified"]
    assert "UC-ACCEPT" in recent["globex"][0].failed
    assert recent["initech"] == []
    assert recent_verdicts(tmp_path / "none-yet.sqlite", ["globex"]) == {"globex": []}


def _shard_names() -> tuple[str, str]:
    """An install of shard 1/2 and one of 2/2."""
    names = [f"install-{n}" for n in range(20)]
    return (
        next(name for name in names if Shard(1, 2).holds(name)),
        next(name for name in names if Shard(2, 2).holds(name)),
    )


@pytest.mark.long
def test_shards_histories_merge_into_one_and_merging_again_adds_nothing(tmp_path: Path) -> None:
    one, two = _shard_names()
    with reference_servers(frozenset(), frozenset()) as (first, second):
        env = write_fleet(tmp_path / "fleet.toml", {one: first, two: second})
        # Shard 1 keeps its history in its output, where fleet.json names it; shard 2's
        # lies elsewhere, and the merge is told of it.
        for k, history in ((1, "shard-1/history.sqlite"), (2, "elsewhere.sqlite")):
            shard = fleet(
                *("fleet.toml", "--shard", f"{k}/2", "--out", f"shard-{k}", "--history", history),
                cwd=tmp_path,
                env=env,
            )
            assert shard.returncode == 0, shard.stdout + shard.stderr
    assert _json(tmp_path / "shard-1" / "fleet.json")["history"] == "history.sqlite"
    assert "history" not in _json(tmp_path / "shard-2" / "fleet.json")

    merge = ("merge", "shard-1", "shard-2", "--out", "merged", "--history", "merged/all.sqlite")
    refused = fleet(*merge, "--history-from", "fleet.toml", cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert (
        refused.stderr
        == "contract fleet: fleet.toml: not a history file (not an SQLite database)\n"
    )
    assert not (tmp_path / "merged" / "fleet.json").exists(), "refused before writing"

    merged = fleet(*merge, "--history-from", "elsewhere.sqlite", cwd=tmp_path, env=env)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "2 runs of 2 histories merged into merged/all.sqlite" in merged.stdout
    assert _json(tmp_path / "merged" / "fleet.json")["history"] == "all.sqlite"
    rows = runs_of(tmp_path / "merged" / "all.sqlite")
    assert sorted((row.run.shard, row.install) for row in rows) == [("1/2", one), ("2/2", two)]
    assert {row.verdict for row in rows} == {"certified"}

    again = fleet(*merge, "--history-from", "elsewhere.sqlite", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "0 runs of 2 histories merged" in again.stdout
    assert len(runs_of(tmp_path / "merged" / "all.sqlite")) == 2

    (tmp_path / "shard-1" / "history.sqlite").unlink()
    lost = fleet(*merge, cwd=tmp_path, env=env)
    assert lost.returncode == 2
    assert lost.stderr == f"contract fleet: {Path('shard-1', 'history.sqlite')}: no such file\n"


@pytest.mark.long
def test_an_interrupted_fleet_appends_the_installs_it_decided(tmp_path: Path) -> None:
    with (
        ReferenceServer(user=USER) as quick,
        ReferenceServer(user=USER, latency_ms=150.0) as slow,
    ):
        env = write_fleet(tmp_path / "fleet.toml", {"quick": quick, "slow": slow})
        run = Running(
            *("fleet", "fleet.toml", "--out", "out", "--history", "history.sqlite"),
            *("--parallel", "2", "--ramp-up", "0"),
            cwd=tmp_path,
            env=env,
        )
        run.wait_for_line(lambda line: line.startswith("quick: "), timeout=300)
        run.process.send_signal(signal.SIGINT)
        result = run.finish()
    assert result.returncode == 2, result.stdout + result.stderr
    rows = {row.install: row for row in runs_of(tmp_path / "history.sqlite")}
    assert rows["quick"].verdict == "certified"
    assert rows["quick"].run.interrupted is True
    # Stopped before its verdict, it judged nothing.
    assert rows["slow"].verdict == "could not run"
    assert rows["slow"].requirements == {}
    assert rows["slow"].transports == {}


NOT_HISTORIES = {
    "text.txt": "not a history file (not an SQLite database)",
    "empty.sqlite": "not a history file (an empty file)",
    "other.sqlite": "not a history file: it holds other tables (contacts)",
    "later.sqlite": "written by a later version of contract (history version 99; this one "
    "knows up to 1)",
    "folder": "a folder, not a history file",
    "missing.sqlite": "no such file",
}


def _not_a_history(folder: Path, name: str) -> Path:
    path = folder / name
    if name == "text.txt":
        path.write_text("acme,certified\n", encoding="utf-8")
    elif name == "empty.sqlite":
        path.write_bytes(b"")
    elif name == "folder":
        path.mkdir()
    elif name != "missing.sqlite":
        with contextlib.closing(sqlite3.connect(path)) as db:
            if name == "other.sqlite":
                db.execute("CREATE TABLE contacts (id INTEGER)")
            else:
                db.execute("PRAGMA user_version = 99")
            db.commit()
    return path


@pytest.mark.parametrize(("name", "problem"), NOT_HISTORIES.items(), ids=list(NOT_HISTORIES))
def test_a_file_that_is_not_a_history_is_refused_in_one_line(
    tmp_path: Path, name: str, problem: str
) -> None:
    path = _not_a_history(tmp_path, name)
    result = run_contract("history", name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"contract history: {name}: {problem}\n"
    assert result.stdout == ""
    if name in ("text.txt", "other.sqlite"):
        before = path.read_bytes()
        with pytest.raises(HistoryError, match="not a history file"):
            append_run(path, _report(["acme"]), tmp_path)
        with pytest.raises(HistoryError, match="not a history file"):
            merge_histories(tmp_path / "into.sqlite", [path])
        assert path.read_bytes() == before, "a file that is not a history is left alone"


def test_fleet_refuses_a_history_that_is_not_one_before_anything_runs(tmp_path: Path) -> None:
    _not_a_history(tmp_path, "text.txt")
    (tmp_path / "fleet.toml").write_text(
        '[[install]]\nname = "acme"\nurl = "http://127.0.0.1:9"\napi_key_env = "KEY_ACME"\n'
        "contact_ids = [1]\n",
        encoding="utf-8",
    )
    env = clean_environment(KEY_ACME="key-of-an-install-that-is-not-there")
    result = fleet("fleet.toml", "--history", "text.txt", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        "contract fleet: text.txt: not a history file (not an SQLite database)\n"
    )
    assert not (tmp_path / "fleet-report").exists()


def _report(names: list[str]) -> dict[str, Any]:
    """A fleet report of *names*, all certified, without certificates."""
    outcomes = [
        InstallResult(name, f"https://{name}.example", "certified", 0, True, None) for name in names
    ]
    return fleet_data(outcomes, schema="abc")


_APPEND = """
import json, sys
from pathlib import Path
from contract.fleet.history import append_run
data = json.loads(Path(sys.argv[2]).read_text())
for _ in range(int(sys.argv[3])):
    append_run(Path(sys.argv[1]), data, Path("."))
"""


def _appending(history: Path, report: Path, runs: int) -> subprocess.Popen[bytes]:
    """A process of its own that appends *runs* runs of *report* to *history*."""
    return subprocess.Popen(
        [sys.executable, "-c", _APPEND, str(history), str(report), str(runs)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )


def test_writers_that_take_turns_or_race_lose_no_run(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    report = tmp_path / "fleet.json"
    report.write_text(json.dumps(_report(["acme", "globex"])), encoding="utf-8")

    for _ in range(2):  # one process after the other
        assert _appending(history, report, 3).wait(timeout=120) == 0
    racing = [_appending(history, report, 15) for _ in range(3)]  # at the same time
    for process in racing:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors.decode()
    with ThreadPoolExecutor(max_workers=4) as pool:  # threads of one process, too
        ids = list(pool.map(lambda _: append_run(history, _report(["acme"]), tmp_path), range(8)))

    rows = runs_of(history)
    runs = {row.run.id for row in rows}
    assert len(runs) == 2 * 3 + 3 * 15 + 8
    assert set(ids) <= runs
    assert len(rows) == 2 * (2 * 3 + 3 * 15) + 8
    assert installs_in(history) == ["acme", "globex"]
    assert len(runs_of(history, install="globex", last=4)) == 4


def test_merging_copies_each_run_once(tmp_path: Path) -> None:
    one, two, into = (tmp_path / name for name in ("one.sqlite", "two.sqlite", "into.sqlite"))
    kept = append_run(one, _report(["acme"]), tmp_path)
    append_run(two, _report(["globex"]), tmp_path)
    assert merge_histories(into, [one, two, one]) == 2
    assert merge_histories(into, [one, two]) == 0
    append_run(one, _report(["acme"]), tmp_path)
    assert merge_histories(into, [one, into]) == 1, "only the new run; itself, never"
    assert kept in {row.run.id for row in runs_of(into, install="acme")}
    assert len(runs_of(into)) == 3


def test_the_history_command_is_documented() -> None:
    page = PAGES["docs/history.md"]
    assert render_exit_codes(EXITS) in "\n".join(line.strip() for line in page.splitlines())
    for option in ("--history", "--history-from", "--install", "--last"):
        assert f"`{option}" in page, option
    assert "`--history FILE`" in PAGES["docs/fleet.md"]
    help_text = run_contract("fleet", "--help").stdout
    assert "--history FILE" in help_text
    assert "--history-from FILE" in help_text
