"""``contract certify`` run as a real subprocess, against real servers on loopback.

The targets are the embedded reference server (no ``--url``), ``contract serve``
subprocesses (some with planted faults, some with a database file), and two tiny
socket servers of this module: one that accepts connections and never answers, and
one that stands in as an HTTP proxy to prove that no traffic leaves for a remote host.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import json
import random
import re
import secrets
import shlex
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import contract
from contract.core.schema import load_contract
from contract.report.progress import FIRST_FAILURE
from tests.certify_output import (
    REQUIREMENTS,
    failure_block,
    field_of,
    is_progress,
    one_line_reason,
    parse,
    paste_into_bash,
    paste_into_python,
    reproduction_in,
)
from tests.conftest import (
    CONTACT_PATH,
    RUN_SECONDS,
    USER,
    Running,
    Served,
    certify,
    clean_environment,
    free_port,
    read_contact,
    run_contract,
    serve,
    silent_server,
)

EXAMPLES = "2"
FEW_EXAMPLES = "1"
SEED = 424242
# The user name is no secret and is written out; the key stays a variable.
PLACEHOLDERS = f'"{USER}:$CONTRACT_API_KEY"'
RESTORE_FILE = "contract-restore-1.json"
DEAD_SERVER_SECONDS = 10

SECRET_NAME = re.compile(r"key|secret|password|token|auth", re.IGNORECASE)


# --- 1, 2, 7: certifying the embedded reference server ------------------------------------


@dataclass
class Embedded:
    """The runs of the embedded reference server, and the reports they wrote: one per run,
    but for the last run, which writes the .md and the .xml at once."""

    cwd: Path
    results: dict[str, subprocess.CompletedProcess[str]]
    reports: dict[str, Path]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Embedded:
    cwd = tmp_path_factory.mktemp("embedded")
    reports = {suffix: cwd / f"certificate{suffix}" for suffix in (".json", ".html", ".md", ".xml")}
    runs = {
        # `contract certify --examples 5`, seeded, with the machine-readable certificate.
        ".json": ["--examples", EXAMPLES, "--seed", str(SEED)],
        # Two workers, one contact each.
        ".html": ["--workers", "2", "--contact-id", "1,2", "--examples", EXAMPLES],
        # The other formats do not depend on the transports: the quicker REST alone, both
        # written by the same run.
        ".md": ["--examples", FEW_EXAMPLES, "--transport", "rest", "--seed", str(SEED)],
    }
    written = {".json": ".json", ".html": ".html", ".md": ".md,.xml"}
    results = {
        suffix: certify(
            *args,
            "--report",
            ",".join(str(reports[each]) for each in written[suffix].split(",")),
            cwd=cwd,
        )
        for suffix, args in runs.items()
    }
    results[".xml"] = results[".md"]
    return Embedded(cwd, results, reports)


def test_certify_prints_a_progress_line_per_requirement_a_table_and_certified(
    embedded: Embedded,
) -> None:
    result = embedded.results[".json"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    printed = parse(result.stdout)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", printed.target)
    assert sorted(rid for rid, _ in printed.progress) == sorted(REQUIREMENTS), result.stdout
    assert {verdict for _, verdict in printed.progress} <= {"passed", "not verifiable"}
    assert printed.progress_before_table, result.stdout
    assert [rid for rid, _ in printed.table] == list(REQUIREMENTS), result.stdout
    assert {mark for _, mark in printed.table} <= {"PASS", "N/V"}
    assert printed.verdict_line.startswith("CERTIFIED"), result.stdout
    assert f"seed {SEED}" in printed.verdict_line


def test_every_report_format_is_written(embedded: Embedded) -> None:
    for suffix, path in embedded.reports.items():
        result = embedded.results[suffix]
        assert result.returncode == 0, f"{suffix}: {result.stdout}{result.stderr}"
        assert path.is_file(), f"no {path.name}: {result.stdout}"
        assert path.stat().st_size > 0
        assert f"certificate written to {path}" in result.stdout


def test_json_report_is_the_whole_certificate(embedded: Embedded) -> None:
    printed = parse(embedded.results[".json"].stdout)
    data = json.loads(embedded.reports[".json"].read_text(encoding="utf-8"))
    assert data["version"] == contract.__version__
    assert data["schema_fingerprint"] == load_contract().fingerprint
    assert data["seed"] == SEED == printed.seed
    assert data["target"] == printed.target
    options = data["options"]
    assert options["seed"] == SEED
    assert options["examples"] == int(EXAMPLES)
    assert options["transports"] == ["rest", "xmlrpc"]
    assert options["url"] == printed.target
    assert not [name for name in options if SECRET_NAME.search(name)], options
    date = datetime.datetime.fromisoformat(data["date"])
    assert date.tzinfo is not None
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs(now - date) < datetime.timedelta(minutes=10)
    assert data["verdict"] == "certified"
    assert [r["id"] for r in data["results"]] == list(REQUIREMENTS)
    for requirement in data["results"]:
        assert requirement["verdict"] in ("passed", "not verifiable"), requirement
        assert isinstance(requirement["cases"], int)
        assert isinstance(requirement["requests"], int)
        if requirement["verdict"] == "passed":
            assert requirement["cases"] >= 1, requirement
            # Judged on requests its own tests sent, or on another's (shared evidence).
            assert requirement["requests"] + requirement["shared_requests"] >= 1, requirement
            per_case = requirement["requests"] / requirement["cases"]
            assert requirement["requests_per_case"] == pytest.approx(per_case, abs=0.01)
        assert requirement["failure"] is None
    totals = data["totals"]
    assert totals["cases"] == sum(r["cases"] for r in data["results"])
    assert totals["requests"] == sum(r["requests"] for r in data["results"])
    assert totals["requests"] > totals["cases"] > 0


def test_markdown_report_lists_every_requirement(embedded: Embedded) -> None:
    text = embedded.reports[".md"].read_text(encoding="utf-8")
    printed = parse(embedded.results[".md"].stdout)
    assert text.startswith("# UpdateContact certificate: certified")
    assert printed.target in text
    assert str(SEED) in text
    for requirement in REQUIREMENTS:
        row = rf"^\| {requirement} \| (passed|not verifiable) \|"
        assert re.search(row, text, re.MULTILINE), requirement


class _Resources(HTMLParser):
    """Every tag and every attribute that could load something from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.loaded_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script" and dict(attrs).get("src"):
            self.loaded_scripts += 1
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster") and value:
                self.links.append(value)


def test_html_report_is_one_self_contained_page(embedded: Embedded) -> None:
    text = embedded.reports[".html"].read_text(encoding="utf-8")
    assert text.lower().startswith("<!doctype html")
    assert text.count("<html") == 1
    resources = _Resources()
    resources.feed(text)
    assert not {"link", "img", "iframe", "object", "embed"} & set(resources.tags)
    # The one script, for the copy buttons, is inline and loads nothing.
    assert resources.tags.count("script") <= 1
    assert resources.loaded_scripts == 0
    external = [link for link in resources.links if re.match(r"(https?:)?//", link)]
    assert not external, external
    assert "@import" not in text
    assert not re.search(r"url\(", text)
    assert "certified" in text
    assert "not certified" not in text
    assert parse(embedded.results[".html"].stdout).target in text
    for requirement in REQUIREMENTS:
        assert requirement in text


def test_xml_report_is_junit_with_testcases(embedded: Embedded) -> None:
    root = ET.parse(embedded.reports[".xml"]).getroot()
    assert root.tag in ("testsuites", "testsuite")
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert suites
    testcases = [case for suite in suites for case in suite.iter("testcase")]
    assert len(testcases) >= len(REQUIREMENTS)
    assert all(case.get("name") for case in testcases)
    for suite in suites:
        assert suite.get("failures") == "0"
        assert suite.get("errors") == "0"


def test_xml_report_names_every_requirement(embedded: Embedded) -> None:
    # The .xml is the certificate in JUnit form: a reader must be able to tell which
    # requirement each testcase certifies.
    text = embedded.reports[".xml"].read_text(encoding="utf-8")
    missing = [requirement for requirement in REQUIREMENTS if requirement not in text]
    assert not missing, f"the JUnit certificate never mentions {missing}"


def test_xml_report_leaves_out_hypothesis_statistics(embedded: Embedded) -> None:
    # Hypothesis adds its statistics (Base64) to JUnit reports for @given tests; the
    # suite's tests build theirs when they run, so none reach the certificate.
    text = embedded.reports[".xml"].read_text(encoding="utf-8")
    assert "hypothesis-statistics" not in text
    assert len(text.encode()) < 50_000


def test_two_workers_with_two_contacts_certify(embedded: Embedded) -> None:
    result = embedded.results[".html"]
    assert result.returncode == 0, result.stdout + result.stderr
    printed = parse(result.stdout)
    assert sorted(rid for rid, _ in printed.progress) == sorted(REQUIREMENTS), result.stdout
    assert [rid for rid, _ in printed.table] == list(REQUIREMENTS)
    assert {mark for _, mark in printed.table} <= {"PASS", "N/V"}
    assert printed.verdict_line.startswith("CERTIFIED")
    page = embedded.reports[".html"].read_text(encoding="utf-8")
    assert "certified" in page
    assert "not certified" not in page
    assert all(requirement in page for requirement in REQUIREMENTS)


# --- 3, 4: could not run ----------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A correct ``contract serve`` keeping its contacts in a database file."""
    database = tmp_path_factory.mktemp("served") / "contacts.db"
    with serve("--db", str(database)) as server:
        yield server


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--examples", "0"], "--examples"),
        (["--report", "out.pdf"], "out.pdf"),
        (["--workers", "2", "--contact-id", "1"], "--workers"),
        (["--timeout", "nan"], "--timeout"),
        (["--seed", "-1"], "--seed"),
    ],
    ids=["examples-0", "report-pdf", "workers-2-one-contact", "timeout-nan", "seed-negative"],
)
def test_bad_options_cannot_run(options: list[str], named: str, tmp_path: Path) -> None:
    result = certify(*options, cwd=tmp_path, timeout=60)
    reason = one_line_reason(result)
    assert named in reason, reason
    assert not (tmp_path / "out.pdf").exists()


def test_an_unknown_transport_cannot_run(tmp_path: Path) -> None:
    result = certify("--transport", "soap", cwd=tmp_path, timeout=60)
    reason = one_line_reason(result)
    assert result.stdout == ""
    assert reason == (
        "contract certify: could not run: --transport must be one of rest, xmlrpc, both, not 'soap'"
    )


def test_a_mistyped_option_shows_the_commands_usage_and_the_closest_option(
    tmp_path: Path,
) -> None:
    result = certify("--contactid", "3", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    *usage, reason = result.stderr.splitlines()
    assert usage[0].startswith("usage: contract certify")
    assert all(line.startswith(" ") for line in usage[1:]), result.stderr
    assert reason.startswith("contract certify: error: unrecognized arguments: --contactid")
    assert reason.endswith("did you mean --contact-id?")


def test_a_report_in_a_missing_directory_cannot_run(tmp_path: Path) -> None:
    report = ("--report", "missing/out.json")
    result = certify("--examples", FEW_EXAMPLES, "--transport", "rest", *report, cwd=tmp_path)
    reason = one_line_reason(result)
    assert "missing" in reason, reason


def test_nothing_listening_cannot_run(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    result = certify(
        "--url", url, "--api-key", "some-key", "--examples", FEW_EXAMPLES, cwd=tmp_path
    )
    reason = one_line_reason(result)
    assert reason.endswith(f"cannot reach 127.0.0.1:{port}: the connection was refused"), reason
    assert "certifying" not in result.stdout


def test_a_wrong_api_key_cannot_run(served: Served, tmp_path: Path) -> None:
    wrong = "wrong-" + secrets.token_hex(8)
    result = certify(
        *("--url", served.url, "--user", USER, "--api-key", wrong, "--examples", FEW_EXAMPLES),
        cwd=tmp_path,
    )
    reason = one_line_reason(result)
    assert re.search(r"credential|401|api key", reason, re.IGNORECASE), reason
    assert "certifying" not in result.stdout
    for secret in (wrong, served.api_key):
        assert secret not in result.stdout + result.stderr


def test_a_remote_install_needs_a_contact_id_and_gets_no_traffic(tmp_path: Path) -> None:
    # Every proxy variable points at a silent loopback server: had the run sent anything
    # to the remote install, the connection would have arrived there instead.
    with silent_server() as trap:
        proxies = dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"), trap.url)
        proxies |= {name.lower(): value for name, value in proxies.items()}
        env = clean_environment(**proxies, NO_PROXY="", no_proxy="")
        result = certify(
            *("--url", "https://install.example", "--api-key", "some-key", "--timeout", "2"),
            cwd=tmp_path,
            env=env,
            timeout=60,
        )
        time.sleep(0.3)
        connections = len(trap.accepted)
    reason = one_line_reason(result)
    assert "--contact-id" in reason, reason
    assert "certifying" not in result.stdout
    assert connections == 0


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with silent_server() as silent:
        started = time.monotonic()
        result = certify(
            *("--url", silent.url, "--api-key", "some-key", "--timeout", "1"),
            *("--examples", FEW_EXAMPLES),
            cwd=tmp_path,
            timeout=90,
        )
        elapsed = time.monotonic() - started
        connections = len(silent.accepted)
    reason = one_line_reason(result)
    assert connections >= 1  # it did connect, and waited for an answer
    # Every request waits --timeout, not the default 10 s; a loaded machine adds start-up time.
    assert elapsed < 60, f"took {elapsed:.1f} s"
    assert silent.url.removeprefix("http://") in reason, reason
    assert re.search(r"answer|time", reason), reason


# --- 5: faulty servers ------------------------------------------------------------------


@dataclass
class FaultRun:
    served: Served
    result: subprocess.CompletedProcess[str]
    report: Path
    contact_id: int
    before: dict[str, Any]


@pytest.fixture(scope="module")
def fault_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FaultRun]]:
    """``store-out-of-enum`` over REST on a fresh contact (2), ``accept-any-credentials``
    over XML-RPC on a plausible one (1); the servers keep running for the tests. (A
    failure costs hundreds of shrinking steps per transport, hence one transport each.)"""
    cwd = tmp_path_factory.mktemp("faults")
    plan = {
        "enum": ("store-out-of-enum", cwd / "enum.json", "rest", 2),
        "auth": ("accept-any-credentials", cwd / "auth.md", "xmlrpc", 1),
    }
    runs: dict[str, FaultRun] = {}
    with contextlib.ExitStack() as servers:
        for name, (fault, report, transport, contact_id) in plan.items():
            server = servers.enter_context(
                serve("--fault", fault, "--contacts", "1", "--fresh-contacts", "1")
            )
            before = read_contact(server, contact_id)
            result = certify(
                *("--url", server.url, "--user", USER, "--api-key", server.api_key),
                *("--transport", transport, "--examples", FEW_EXAMPLES, "--seed", str(SEED)),
                *("--report", str(report), "--contact-id", str(contact_id)),
                cwd=cwd,
            )
            runs[name] = FaultRun(server, result, report, contact_id, before)
        yield runs


def _only_failure(run: FaultRun, requirement: str) -> None:
    result = run.result
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    printed = parse(result.stdout)
    assert [rid for rid, verdict in printed.progress if verdict == "failed"] == [requirement]
    assert [rid for rid, mark in printed.table if mark == "FAIL"] == [requirement]
    assert printed.verdict_line.startswith("NOT CERTIFIED")
    # A failing run leaves its contact as it was, a fresh one included.
    assert read_contact(run.served, run.contact_id) == run.before
    assert f"contact {run.contact_id} restored: it reads back as before the run" in result.stdout


def test_the_first_failure_is_shown_as_soon_as_it_is_found(
    fault_runs: dict[str, FaultRun],
) -> None:
    lines = fault_runs["enum"].result.stdout.splitlines()
    shown = lines.index(FIRST_FAILURE.rstrip("\n"))
    decided = [i for i, line in enumerate(lines) if is_progress(line + "\n")]
    failed = next(i for i in decided if " failed " in lines[i])
    # Right under the line that decided it, before the requirements decided after it.
    assert shown == failed + 1
    assert any(i > shown for i in decided), "no requirement was decided after the failure"
    assert lines[shown + 1].startswith("    UC-ENUM over rest: expected ")
    # And again in full at the end, with every other failure.
    at_the_end = [i for i, line in enumerate(lines) if line.startswith("UC-ENUM over rest: ")]
    assert at_the_end, "the failure is not shown again at the end"
    assert at_the_end[0] > max(decided)


def _no_secret_anywhere(run: FaultRun) -> None:
    key = run.served.api_key
    assert key not in run.result.stdout
    assert key not in run.result.stderr
    assert run.report.is_file()
    assert key not in run.report.read_text(encoding="utf-8")


def test_an_out_of_enum_store_fails_uc_enum_with_a_curl_reproduction(
    fault_runs: dict[str, FaultRun],
) -> None:
    run = fault_runs["enum"]
    _only_failure(run, "UC-ENUM")
    block = failure_block(run.result.stdout, "UC-ENUM")
    heading = block[0]
    assert heading.startswith("UC-ENUM over rest:"), heading
    assert "expected" in heading
    got = field_of(block, "got")
    assert got.startswith("HTTP 200"), got
    payload = json.loads(field_of(block, "payload"))
    schema = load_contract()
    enums = {name: sub["enum"] for name, sub in schema.properties.items() if "enum" in sub}
    outside = {n: v for n, v in payload.items() if n in enums and v not in enums[n]}
    assert outside, f"no out-of-enum value in {payload}"
    words = shlex.split(reproduction_in(block))
    assert words[0] == "curl"
    assert words[words.index("-X") + 1] == "PUT"
    assert f"{run.served.url}{CONTACT_PATH.format(id=run.contact_id)}" in words
    assert words[words.index("-u") + 1] == f"{USER}:$CONTRACT_API_KEY"
    assert PLACEHOLDERS in reproduction_in(block)
    assert json.loads(words[words.index("--data-binary") + 1]) == payload
    # Pasted into a shell where only the key is set, it gets the failing answer again.
    pasted = paste_into_bash(reproduction_in(block), run.served.api_key)
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout.startswith("HTTP/1.1 200"), pasted.stdout
    assert str(SEED) in block[-1]
    _no_secret_anywhere(run)

    data = json.loads(run.report.read_text(encoding="utf-8"))
    assert data["verdict"] == "not certified"
    assert data["target"] == run.served.url
    results = {r["id"]: r for r in data["results"]}
    assert results["UC-ENUM"]["verdict"] == "failed"
    failure = results["UC-ENUM"]["failure"]
    assert failure["transport"] == "rest"
    assert failure["payload"] == payload
    assert failure["reproduction"] == reproduction_in(block)
    assert failure["expected"]
    assert failure["got"] == got
    assert failure["seed"] == SEED
    assert all(r["failure"] is None for rid, r in results.items() if rid != "UC-ENUM")


def test_accepting_any_credentials_fails_uc_auth_with_a_python_reproduction(
    fault_runs: dict[str, FaultRun],
) -> None:
    run = fault_runs["auth"]
    _only_failure(run, "UC-AUTH")
    block = failure_block(run.result.stdout, "UC-AUTH")
    assert block[0].startswith("UC-AUTH over xmlrpc:"), block[0]
    assert "expected" in block[0]
    assert field_of(block, "got").startswith("HTTP 200")
    payload = json.loads(field_of(block, "payload"))
    snippet = reproduction_in(block)
    compile(snippet, "<reproduction>", "exec")
    assert "xmlrpc.client" in snippet
    assert "contacts.UpdateContact" in snippet
    assert all(repr(name) in snippet for name in payload)
    assert f"{run.served.url}/api/2.0/xmlrpc" in snippet
    for variable in re.findall(r"os\.environ\[\"(\w+)\"\]", snippet):
        assert variable == "CONTRACT_API_KEY"
    assert str(SEED) in block[-1]
    _no_secret_anywhere(run)
    # Pasted as it is, it reaches the faulty server and gets the same answer: the id.
    pasted = paste_into_python(snippet, run.served.api_key)
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout.strip() == "1"
    report = run.report.read_text(encoding="utf-8")
    assert "| UC-AUTH | failed |" in report
    assert "contacts.UpdateContact" in report


def test_the_auth_reproduction_sends_what_failed(fault_runs: dict[str, FaultRun]) -> None:
    # The suite first tries an update without credentials; pasted, the reproduction must
    # send it without credentials too, or it shows nothing a correct server would refuse.
    block = failure_block(fault_runs["auth"].result.stdout, "UC-AUTH")
    assert "with no credentials" in block[0], block[0]
    snippet = reproduction_in(block)
    assert "CONTRACT_API_KEY" not in snippet, (
        "the reproduction of a request sent without credentials signs in:\n" + snippet
    )


# --- 6: the contact under test is restored ----------------------------------------------


def _certify_contact_1(served: Served, cwd: Path, *, default_sigint: bool = False) -> Running:
    """``contract certify`` of contact 1 of *served*, started in *cwd*."""
    return Running(
        *("certify", "--url", served.url, "--user", USER, "--api-key", served.api_key),
        *("--contact-id", "1", "--examples", FEW_EXAMPLES),
        cwd=cwd,
        default_sigint=default_sigint,
    )


def test_the_contact_reads_back_as_before_after_a_run(served: Served, tmp_path: Path) -> None:
    before = read_contact(served)
    result = _certify_contact_1(served, tmp_path).finish()
    assert result.returncode == 0, result.stdout + result.stderr
    assert read_contact(served) == before
    assert not (tmp_path / RESTORE_FILE).exists()


MOMENTS = 20
PROGRESS_LINES = len(REQUIREMENTS)


def _random_moments(rng: random.Random) -> list[tuple[int, float]]:
    """Moments of a run: after how many progress lines, and how many seconds after that.

    Counted in progress lines rather than seconds, so the moments spread over every phase
    of the run however fast this machine is: start-up (no line yet), each requirement,
    and the end, when the contact is being put back. Every phase gets one moment, the
    rest go to phases drawn at random, and each lands at a random delay in its phase.
    """
    phases = list(range(PROGRESS_LINES + 1))
    phases += [rng.randint(0, PROGRESS_LINES) for _ in range(MOMENTS - len(phases))]
    rng.shuffle(phases)
    return [
        (lines, rng.uniform(0.5, 1.0) if lines == 0 else rng.uniform(0.0, 0.15)) for lines in phases
    ]


@pytest.mark.long
def test_the_contact_is_restored_after_sigint_and_sigterm_at_20_random_moments(
    tmp_path: Path,
) -> None:
    rng = random.Random("moments")  # the same moments on every run
    moments = _random_moments(rng)
    signals = (signal.SIGINT, signal.SIGTERM)
    # Contact 1 is a plausible one, 4 a fresh one holding values no update can put back.
    # Two runs at once must not share contacts: each reads a witness of its own (2 and 3).
    options = ("--contacts", "3", "--fresh-contacts", "1")
    fresh, witness = 4, {1: "2", 4: "3"}
    with serve("--db", str(tmp_path / "contacts.db"), *options) as server:
        before = {contact_id: read_contact(server, contact_id) for contact_id in (1, 2, 3, 4)}
        assert (before[fresh]["gender"], before[fresh]["date_of_birth"]) == ("", None)

        def interrupt(contact_id: int, moment: tuple[int, float], signum: int) -> bool:
            """Interrupt a run of *contact_id* at *moment*; was the contact changed then?"""
            lines, delay = moment
            cwd = tmp_path / f"run-{contact_id}-{lines}-{delay:.3f}"
            cwd.mkdir()
            running = Running(
                *("certify", "--url", server.url, "--user", USER, "--api-key", server.api_key),
                # One transport and one example: the shortest run with every phase.
                *("--contact-id", str(contact_id), "--examples", "1", "--transport", "rest"),
                *("--witness-id", witness[contact_id]),
                cwd=cwd,
                default_sigint=True,
            )
            try:
                for _ in range(lines):
                    running.wait_for_line(is_progress, timeout=RUN_SECONDS)
                time.sleep(delay)
                # Held still while the contact is read, so the signal lands at this moment.
                running.process.send_signal(signal.SIGSTOP)
                changed = read_contact(server, contact_id) != before[contact_id]
                running.process.send_signal(signum)
                running.process.send_signal(signal.SIGCONT)
                result = running.finish(timeout=60)
            finally:
                running.stop()
            output = result.stdout + result.stderr
            where = f"{signal.Signals(signum).name} {delay:.2f} s after progress line {lines}"
            assert "Traceback" not in output, f"{where}:\n{output}"
            for read in (contact_id, int(witness[contact_id])):
                assert read_contact(server, read) == before[read], f"{where}:\n{output}"
            assert not list(cwd.glob("contract-restore-*.json")), f"{where}:\n{output}"
            assert server.api_key not in output
            return changed

        def interrupt_in_turn(contact_id: int) -> list[bool]:
            """Half the moments, one run after the other, on *contact_id* alone."""
            mine = range(int(contact_id == fresh), MOMENTS, 2)
            return [interrupt(contact_id, moments[i], signals[i // 2 % 2]) for i in mine]

        # Two runs at a time, each contact in one thread; each gets both signals in turn.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            changed = [found for part in pool.map(interrupt_in_turn, (1, fresh)) for found in part]
    # Some moments caught the contact changed, so restoring had work to do.
    assert sum(changed) >= 3, changed


def _catches(pid: int, signum: int) -> bool:
    """True once process *pid* runs ``contract`` and has a handler of its own for *signum*
    (Linux's SigCgt). Until it has exec'd, the child of a fork is still the test's worker,
    with the worker's handlers (and SIGINT ignored): a signal then would reach no command."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return False
    if b"contract" not in command:
        return False
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) & (1 << (signum - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_a_signal_in_the_first_half_second_ends_certify_with_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    """While Python imports the command (pytest, requests, the server), then while it
    starts the bundled server: counted from the moment the command's own code runs, which
    is when it catches SIGTERM (Python's start-up itself is no code of ours)."""
    moments = [(signal.SIGINT, step / 10) for step in range(6)]
    moments += [(signal.SIGTERM, step / 10 + 0.05) for step in range(5)]
    for signum, delay in moments:
        running = Running("certify", "--examples", "1", cwd=tmp_path, default_sigint=True)
        try:
            deadline = time.monotonic() + RUN_SECONDS
            while not _catches(running.process.pid, signal.SIGTERM):
                assert running.process.poll() is None, running.so_far()
                assert time.monotonic() < deadline, "the command never started"
                time.sleep(0.001)
            time.sleep(delay)
            running.process.send_signal(signum)
            result = running.finish(timeout=60)
        finally:
            running.stop()
        where = f"{signal.Signals(signum).name} {delay:.2f} s in"
        output = result.stdout + result.stderr
        assert result.returncode == 2, f"{where}:\n{output}"
        assert "Traceback" not in output, f"{where}:\n{output}"
        assert result.stderr.splitlines() == ["contract certify: could not run: interrupted"], (
            f"{where}:\n{output}"
        )


def _writable_values(contact: dict[str, Any]) -> dict[str, Any]:
    return {name: contact[name] for name in load_contract().writable if name in contact}


def _check_restore_file(cwd: Path, server: Served, before: dict[str, Any]) -> None:
    path = cwd / RESTORE_FILE
    assert path.is_file(), f"no {RESTORE_FILE} in the working directory"
    text = path.read_text(encoding="utf-8")
    assert server.api_key not in text
    saved = json.loads(text)
    assert saved["contact_id"] == 1
    assert saved["url"] == server.url
    # The whole contact as it read before: the run could not check what it left changed.
    assert saved["properties"] == before


def test_a_server_dying_mid_run_leaves_a_restore_file_that_puts_the_contact_back(
    tmp_path: Path,
) -> None:
    database, port = str(tmp_path / "contacts.db"), str(free_port())
    with serve("--db", database, "--port", port) as server:
        before = read_contact(server)
        running = _certify_contact_1(server, tmp_path)
        try:
            running.wait_for_line(is_progress, timeout=RUN_SECONDS)
            server.process.kill()
            server.process.wait(timeout=30)
            result = running.finish(timeout=DEAD_SERVER_SECONDS)
        finally:
            running.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 2, output  # the run could not finish: no verdict stands
    assert "Traceback" not in output
    assert re.search(r"not (fully )?restored", output, re.IGNORECASE), output
    assert RESTORE_FILE in output
    assert server.api_key not in output
    _check_restore_file(tmp_path, server, before)
    with serve("--db", database, "--port", port) as again:
        restored = run_contract(
            *("restore", str(tmp_path / RESTORE_FILE), "--user", USER, "--api-key", again.api_key)
        )
        assert restored.returncode == 0, restored.stderr
        assert read_contact(again) == before


def test_an_interrupted_run_that_cannot_restore_says_so(tmp_path: Path) -> None:
    with serve("--db", str(tmp_path / "contacts.db")) as server:
        before = read_contact(server)
        running = _certify_contact_1(server, tmp_path, default_sigint=True)
        try:
            running.wait_for_line(is_progress, timeout=RUN_SECONDS)
            server.process.kill()
            server.process.wait(timeout=30)
            running.process.send_signal(signal.SIGINT)
            result = running.finish(timeout=30)
        finally:
            running.stop()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    _check_restore_file(tmp_path, server, before)
    assert RESTORE_FILE in output, f"the run does not say where the original values are:\n{output}"
