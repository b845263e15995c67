"""``contract fleet`` says what each install's run tested: its coverage in every view, the
``require_full_coverage`` key, an interrupted fleet whose line and reports agree, and
``--resume`` after it."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import Wsgi, served
from contract.core.schema import schema_directory
from contract.errors import Exit
from contract.fleet.coverage import InstallCoverage
from contract.fleet.file import parse_fleet
from contract.fleet.keys import FLEET_KEYS
from contract.fleet.report import fleet_data, write_fleet_report
from contract.fleet.runner import InstallResult, previous_outcome
from contract.server import ReferenceServer
from tests.chromium import BROWSER, chromium
from tests.conftest import USER, Running, clean_environment, read_contact, run_contract

ROOT = Path(__file__).parent.parent
LEFT_OUT = ("date_of_birth", "gender", "marital_status")
"""What a run cannot exercise on a fresh contact: no update can put its empty values back."""
HEADLINE = (
    "25 of 28 writable properties exercised (not exercised: date_of_birth, gender, marital_status)"
)


@dataclass(frozen=True)
class Entry:
    """An install of a test fleet: its name, where it is, and its keys beyond the defaults."""

    name: str
    server: ReferenceServer
    contact_id: int
    keys: str = ""
    url: str = ""

    @property
    def variable(self) -> str:
        return "KEY_" + self.name.upper().replace("-", "_")


def write_fleet(path: Path, entries: Iterable[Entry]) -> dict[str, str]:
    """The fleet file for *entries* (one example, REST, seed 1); the environment with
    their keys."""
    text = f'[defaults]\nuser = "{USER}"\nexamples = 1\nseed = 1\ntransport = "rest"\n'
    keys = {}
    for entry in entries:
        text += (
            f'\n[[install]]\nname = "{entry.name}"\nurl = "{entry.url or entry.server.url}"\n'
            f'api_key_env = "{entry.variable}"\ncontact_ids = [{entry.contact_id}]\n{entry.keys}\n'
        )
        keys[entry.variable] = entry.server.api_key
    path.write_text(text, encoding="utf-8")
    return clean_environment(**keys)


@pytest.fixture
def plausible_and_fresh() -> Iterator[tuple[ReferenceServer, ReferenceServer]]:
    """Two servers, each with contact 1 plausible and contact 2 fresh: one install's run
    changes a contact of its own server only, as witnesses of the other are read."""
    with (
        ReferenceServer(contacts=1, fresh_contacts=1, user=USER) as one,
        ReferenceServer(contacts=1, fresh_contacts=1, user=USER) as other,
    ):
        yield one, other


def _installs(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    return {install["name"]: install for install in data["installs"]}


def _md_rows(out: Path) -> dict[str, list[str]]:
    """``fleet.md``'s table: each install's cells after its name."""
    rows = {}
    for line in (out / "fleet.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("install", "---"):
            rows[cells[0]] = cells[1:]
    return rows


def _html_rows(out: Path) -> dict[str, str]:
    page = (out / "fleet.html").read_text(encoding="utf-8")
    return dict(re.findall(r'<tr data-name="([^"]+)"[^>]*>(.*?)</tr>', page))


@pytest.mark.long
def test_each_install_s_coverage_is_in_every_view_of_the_fleet(
    tmp_path: Path, plausible_and_fresh: tuple[ReferenceServer, ReferenceServer]
) -> None:
    one, other = plausible_and_fresh
    fresh_id = other.fresh_contact_ids[0]
    env = write_fleet(
        tmp_path / "fleet.toml",
        [Entry("plausible", one, one.plausible_contact_ids[0]), Entry("fresh", other, fresh_id)],
    )
    before = read_contact(other, fresh_id)
    result = run_contract("fleet", "fleet.toml", "--out", "out", cwd=tmp_path, env=env)
    assert result.returncode == Exit.OK, result.stdout + result.stderr
    assert read_contact(other, fresh_id) == before

    # The progress line says it in the words of the install's own verdict line.
    lines = result.stdout.splitlines()
    fresh_line = next(line for line in lines if line.startswith("fresh: "))
    assert fresh_line.startswith(f"fresh: CERTIFIED, {HEADLINE} [")
    own = (tmp_path / "out" / "fresh" / "output.txt").read_text(encoding="utf-8")
    assert f"CERTIFIED, {HEADLINE}: {other.url} (seed 1)" in own
    plausible_line = next(line for line in lines if line.startswith("plausible: "))
    assert plausible_line.startswith("plausible: CERTIFIED [")
    assert "2 installs: 2 certified, 0 not certified, 0 could not run, 0 not restored, " in (
        result.stdout
    )
    assert "1 with partial coverage\n" in result.stdout

    data = json.loads((tmp_path / "out" / "fleet.json").read_text(encoding="utf-8"))
    assert data["totals"]["partial coverage"] == 1
    assert data["interrupted"] is False
    installs = _installs(tmp_path / "out")
    assert installs["plausible"]["coverage"] == {
        "exercised": 28,
        "writable": 28,
        "not_exercised": {},
    }
    fresh = installs["fresh"]["coverage"]
    assert (fresh["exercised"], fresh["writable"]) == (25, 28)
    assert tuple(fresh["not_exercised"]) == LEFT_OUT
    assert fresh["not_exercised"]["gender"] == (
        'gender\'s current value "" is one no update can send back'
    )

    rows = _md_rows(tmp_path / "out")
    assert rows["plausible"][:4] == ["certified", "", "yes", "28/28"]
    assert rows["fresh"][:4] == [
        "certified",
        "",
        "yes",
        "**25/28** ⚠ not exercised: date_of_birth, gender, marital_status",
    ]
    summary = (tmp_path / "out" / "fleet.md").read_text(encoding="utf-8")
    assert '- fresh: gender\'s current value "" is one no update can send back' in summary

    cells = _html_rows(tmp_path / "out")
    assert '<td class="ok exercised" data-key="1.0000">28/28</td>' in cells["plausible"]
    partial = re.search(r'<td class="warn exercised"[^>]*title="([^"]*)"', cells["fresh"])
    assert partial, cells["fresh"]
    assert 'gender\'s current value "" is one no update can send back' in html.unescape(
        partial.group(1)
    )
    assert (
        "<summary>⚠ 25/28 partial: date_of_birth, gender, marital_status</summary>"
        in (cells["fresh"])
    )
    page = (tmp_path / "out" / "fleet.html").read_text(encoding="utf-8")
    assert "<li>1 with partial coverage</li>" in page

    merged = run_contract("fleet", "merge", "out", "--out", "merged", cwd=tmp_path, env=env)
    assert merged.returncode == Exit.OK, merged.stderr
    assert "1 with partial coverage" in merged.stdout
    assert {name: i["coverage"] for name, i in _installs(tmp_path / "merged").items()} == {
        name: i["coverage"] for name, i in installs.items()
    }


@pytest.mark.long
def test_require_full_coverage_makes_an_install_that_left_properties_out_not_certified(
    tmp_path: Path, plausible_and_fresh: tuple[ReferenceServer, ReferenceServer]
) -> None:
    one, other = plausible_and_fresh
    env = write_fleet(
        tmp_path / "fleet.toml",
        [
            Entry("plausible", one, one.plausible_contact_ids[0]),
            Entry("fresh", other, other.fresh_contact_ids[0], "require_full_coverage = true"),
        ],
    )
    result = run_contract("fleet", "fleet.toml", "--out", "out", cwd=tmp_path, env=env)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    why = (
        "every writable property must be exercised and every requirement verified "
        "(require_full_coverage)"
    )
    assert f"fresh: NOT CERTIFIED, {HEADLINE}: {why} [" in result.stdout
    assert "2 installs: 1 certified, 1 not certified, 0 could not run, 0 not restored" in (
        result.stdout
    )
    installs = _installs(tmp_path / "out")
    assert installs["plausible"]["verdict"] == "certified"
    assert installs["fresh"]["verdict"] == "not certified"
    assert tuple(installs["fresh"]["coverage"]["not_exercised"]) == LEFT_OUT
    # Only the coverage is wanting: no requirement failed, and the reason says so.
    assert "failed" not in installs["fresh"]["requirements"].values()
    assert installs["fresh"]["reason"] == why
    assert _md_rows(tmp_path / "out")["fresh"][0] == f"not certified: {why}"
    certificate = json.loads((tmp_path / "out" / "fresh" / "certificate.json").read_text("utf-8"))
    assert certificate["require_full_coverage"] is True


class Gate:
    """A WSGI app whose requests wait while the gate is shut; it tells when one came."""

    def __init__(self, app: Wsgi, *, shut: bool = False) -> None:
        self.app = app
        self.opened = threading.Event()
        self.reached = threading.Event()
        if not shut:
            self.opened.set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.reached.set()
        self.opened.wait()
        return self.app(environ, start_response)


def _wait_for_file_text(path: Path, text: str, run: Running, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and run.process.poll() is None:
        if path.is_file() and text in path.read_text("utf-8", errors="replace"):
            return
        time.sleep(0.1)
    run.stop()
    pytest.fail(f"{path} never held {text!r}\n{run.so_far()}")


@pytest.mark.long
def test_an_interrupted_fleet_says_the_same_totals_everywhere_and_no_verdict_of_a_stopped_run(
    tmp_path: Path,
) -> None:
    """Five installs, two at a time: one decided, two stopped mid-run (one after it decided
    requirements, one at its first request), two never started."""
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(ReferenceServer(contacts=1, fresh_contacts=1, user=USER))
            for _ in range(3)
        ]
        gates = [Gate(servers[0].app), Gate(servers[2].app, shut=True)]
        urls = [stack.enter_context(served(gate)) for gate in gates]
        # Held answers must not time the runs out: only the interrupt ends them.
        slow = "timeout = 600"
        entries = [
            Entry("held-after-verdicts", servers[0], 1, slow, urls[0]),
            Entry("quick", servers[1], 1),
            Entry("held-before-suite", servers[2], 1, slow, urls[1]),
            Entry("later-1", servers[1], 1),
            Entry("later-2", servers[1], 1),
        ]
        env = write_fleet(tmp_path / "fleet.toml", entries)
        before = [read_contact(server) for server in servers]
        run = Running(
            "fleet",
            "fleet.toml",
            *("--out", "out", "--parallel", "2", "--ramp-up", "0"),
            cwd=tmp_path,
            env=env,
        )
        # The first run decides requirements, then its answers are held.
        _wait_for_file_text(tmp_path / "out" / "held-after-verdicts" / "output.txt", "UC-", run)
        gates[0].opened.clear()
        run.wait_for_line(lambda line: line.startswith("quick: CERTIFIED"), timeout=300)
        # The slot that frees goes to the third, whose first request is held.
        assert gates[1].reached.wait(timeout=300), run.so_far()
        run.process.send_signal(signal.SIGINT)
        for gate in gates:
            gate.opened.set()  # the stopped runs put their contacts back
        result = run.finish()
        after = [read_contact(server) for server in servers]

    assert result.returncode == Exit.CANNOT_RUN, result.stdout + result.stderr
    assert after == before
    totals = (
        "1 certified, 0 not certified, 2 could not run, 0 not restored, 0 with partial coverage"
    )
    said = f"interrupted: the report holds 3 of 5 installs ({totals}); 2 were not started"
    assert f"contract fleet: {said}\n" in result.stderr
    assert "[3/5 done: 1 certified, 0 not certified, 2 could not run]" in result.stdout

    out = tmp_path / "out"
    data = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    assert data["totals"] == {
        "installs": 3,
        "certified": 1,
        "not certified": 0,
        "could not run": 2,
        "not restored": 0,
        "partial coverage": 0,
    }
    assert data["interrupted"] is True
    assert data["not_started"] == ["later-1", "later-2"]
    stopped = ("held-after-verdicts", "held-before-suite")
    installs = _installs(out)
    for name in stopped:
        assert installs[name]["verdict"] == "could not run", installs[name]
        assert installs[name]["requirements"] == {}
        assert installs[name]["coverage"] is None
        assert installs[name]["restored"]
    # Its certificate holds the requirements decided before the stop; the fleet shows none.
    partial = json.loads((out / stopped[0] / "certificate.json").read_text(encoding="utf-8"))
    assert any(result["verdict"] != "not run" for result in partial["results"])

    summary = (out / "fleet.md").read_text(encoding="utf-8")
    assert f"3 installs: {totals}.\n" in summary
    assert f"Interrupted: the report holds 3 of 5 installs ({totals}); 2 were not started.\n" in (
        summary
    )
    assert "Not started: later-1, later-2." in summary
    rows = _md_rows(out)
    assert set(rows) == {"quick", *stopped}
    for name in stopped:
        verdict, failed, restored, exercised, _ = rows[name]
        assert verdict.startswith("could not run")
        assert (restored, exercised, failed) == ("yes", "", "")

    page = (out / "fleet.html").read_text(encoding="utf-8")
    assert f"Interrupted: the report holds 3 of 5 installs ({totals}); 2 were not started." in (
        html.unescape(page)
    )
    cells = _html_rows(out)
    for name in stopped:
        verdict, failed, restored, judged = re.findall(r"<td[^>]*>(.*?)</td>", cells[name])
        assert verdict == "could not run"
        assert (failed, restored) == ("none judged", "yes")
        assert judged.startswith("could not run: no requirement was judged ("), judged
    assert '✓<span class="sr"> passed</span>' in cells["quick"]


def test_coverage_round_trips_and_older_certificates_state_none() -> None:
    coverage = InstallCoverage(25, 28, dict.fromkeys(LEFT_OUT, "why"))
    outcome = InstallResult("a", "https://a.example", "certified", 0, True, None, coverage=coverage)
    assert InstallResult.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome
    assert outcome.partial_coverage
    assert coverage.headline() == HEADLINE
    assert InstallCoverage.from_certificate({"verdict": "certified", "results": []}) is None
    older = {"installs": [{k: v for k, v in outcome.to_dict().items() if k != "coverage"}]}
    assert InstallResult.from_dict(older["installs"][0]).coverage is None


def test_every_fleet_key_is_in_the_schema_and_the_docs_table() -> None:
    schema = json.loads((schema_directory() / "fleet.schema.json").read_text(encoding="utf-8"))
    settings = set(schema["$defs"]["settings"]["properties"])
    assert settings == {"name", "url", "api_key_env", *FLEET_KEYS}
    page = (ROOT / "docs" / "fleet.md").read_text(encoding="utf-8")
    table = [line for line in page.splitlines() if line.startswith("| `")]
    documented = {key for line in table for key in re.findall(r"`(\w+)`", line.split("|")[1])}
    assert documented >= settings


def test_fleet_html_sorts_by_coverage_and_by_a_requirement_past_rows_that_could_not_run(
    tmp_path: Path,
) -> None:
    if BROWSER is None:
        pytest.skip("no chromium here: .ci/run installs it")
    outcomes = [
        InstallResult(
            "acme",
            "https://acme.example",
            "certified",
            0,
            True,
            None,
            {"UC-ENUM": "passed"},
            coverage=InstallCoverage(28, 28),
        ),
        InstallResult(
            "globex",
            "https://globex.example",
            "not certified",
            1,
            True,
            None,
            {"UC-ENUM": "failed"},
            coverage=InstallCoverage(25, 28, dict.fromkeys(LEFT_OUT, "why")),
        ),
        InstallResult("initech", "https://initech.example", "could not run", 2, True, None),
    ]
    write_fleet_report(fleet_data(outcomes, schema="abc"), tmp_path)
    page = (tmp_path / "fleet.html").resolve().as_uri()

    def order(query: str, profile: str) -> list[str]:
        shown = chromium(tmp_path / profile, "--dump-dom", page + query)
        assert shown.returncode == 0, shown.stderr
        return re.findall(r'<tr data-name="(\w+)"', shown.stdout)

    assert order("?sort=exercised", "p1") == ["globex", "acme", "initech"]
    assert order("?sort=UC-ENUM", "p2") == ["globex", "acme", "initech"]
    assert order("?sort=UC-ENUM&order=descending", "p3") == ["initech", "acme", "globex"]


@pytest.mark.parametrize(
    ("verdict", "kept"), [("certified", True), ("not certified", True), ("could not run", False)]
)
def test_resume_keeps_an_install_s_verdict_but_certifies_one_that_could_not_run_again(
    tmp_path: Path, verdict: str, kept: bool
) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[[install]]\nname = "acme"\nurl = "https://acme.example"\napi_key_env = "A_KEY"\n',
        encoding="utf-8",
    )
    fleet = parse_fleet(path.read_text(encoding="utf-8"), path)
    folder = tmp_path / "out" / "acme"
    folder.mkdir(parents=True)
    outcome = InstallResult(
        "acme", "https://acme.example", verdict, 0, True, "acme/certificate.json"
    )
    (folder / "outcome.json").write_text(json.dumps(outcome.to_dict()), encoding="utf-8")
    # A stopped run's certificate holds what it decided before the stop.
    (folder / "certificate.json").write_text('{"verdict": "not certified"}', encoding="utf-8")
    later = path.stat().st_mtime + 10
    os.utime(folder / "certificate.json", (later, later))
    previous = previous_outcome(fleet.installs[0], fleet, tmp_path / "out")
    assert previous == (outcome if kept else None)
