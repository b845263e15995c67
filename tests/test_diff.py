"""``contract diff OLD NEW``: certificates and fleet reports of reference servers, some with
planted faults, made by the real ``contract certify`` and ``contract fleet`` and compared
by the real command line; inputs it cannot read; every report format."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from contract.errors import Exit
from contract.fleet.diff import Change, Diff, compare, load_fleet_report, load_run
from contract.fleet.snapshot import InstallSnapshot, Snapshot, fleet_snapshot
from contract.server import ReferenceServer
from tests.conftest import USER, certify, clean_environment, free_port, run_contract

# The runs the module's fixtures certify are made once, in one worker.
pytestmark = pytest.mark.xdist_group("diff")

EXAMPLES = "3"
SEED = "1"
HOSTILE = '<script>alert("diff")</script> & <b>bold</b>'


def diff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``contract diff ARGS`` in *cwd*, to its end."""
    return run_contract("diff", *args, cwd=cwd, timeout=120)


def rows(stdout: str) -> list[list[str]]:
    """The terminal table's rows, split on the runs of spaces that align its columns."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("change  "))
    end = lines.index("", start)
    return [re.split(r"\s{2,}", line.strip()) for line in lines[start + 1 : end]]


def _certify(server: ReferenceServer, contact_id: int, report: Path) -> None:
    result = certify(
        *("--url", server.url, "--user", USER, "--contact-id", str(contact_id)),
        *("--examples", EXAMPLES, "--transport", "rest", "--seed", SEED),
        *("--report", str(report)),
        cwd=report.parent,
        env=clean_environment(CONTRACT_API_KEY=server.api_key),
    )
    assert result.returncode in (Exit.OK, Exit.FAILED), result.stdout + result.stderr
    assert report.is_file(), result.stdout + result.stderr


# --- single certificates ------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    """Certificates of servers as they should be and with faults planted."""

    folder: Path
    clean: Path
    """The reference server as it should be, certified on a contact with every property."""
    fresh: Path
    """The same server, certified on a fresh contact: fewer properties exercised."""
    faulty: Path
    """A server answering the wrong id: UC-ACCEPT fails over REST."""
    worse: Path
    """A server that also stores values outside enums: UC-ENUM fails too."""
    clean_url: str
    faulty_url: str


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    folder = tmp_path_factory.mktemp("certificates")
    with (
        ReferenceServer(contacts=3, fresh_contacts=1, user=USER) as clean,
        ReferenceServer(contacts=3, user=USER, faults=frozenset({"wrong-id"})) as faulty,
        ReferenceServer(
            contacts=3, user=USER, faults=frozenset({"wrong-id", "store-out-of-enum"})
        ) as worse,
    ):
        _certify(clean, 1, folder / "clean.json")
        _certify(clean, clean.fresh_contact_ids[0], folder / "fresh.json")
        _certify(faulty, 1, folder / "faulty.json")
        _certify(worse, 1, folder / "worse.json")
        return Certificates(
            folder,
            clean=folder / "clean.json",
            fresh=folder / "fresh.json",
            faulty=folder / "faulty.json",
            worse=folder / "worse.json",
            clean_url=clean.url,
            faulty_url=faulty.url,
        )


def test_a_fault_switched_on_regresses_and_names_install_requirement_and_transport(
    certificates: Certificates,
) -> None:
    result = diff("clean.json", "faulty.json", cwd=certificates.folder)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    assert result.stderr == ""
    table = rows(result.stdout)
    assert table[0] == [
        "regressed",
        certificates.faulty_url,
        "UC-ACCEPT",
        "rest",
        "passed",
        "failed",
    ]
    assert ["no longer certified", certificates.faulty_url, "certified", "not certified"] in table
    # Regressions first: no other kind of change comes before the last of them.
    kinds = [row[0] for row in table]
    assert kinds == sorted(kinds, key=lambda kind: kind not in ("regressed", "no longer certified"))
    # Two certificates are one install, though they certified two servers.
    assert (
        f"note: the certificates name different targets, {certificates.clean_url} and "
        f"{certificates.faulty_url}: compared as one install"
    ) in result.stdout
    assert result.stdout.splitlines()[-1].startswith("REGRESSED: ")


def test_a_fault_switched_off_is_fixed_and_exits_0(certificates: Certificates) -> None:
    result = diff("faulty.json", "clean.json", cwd=certificates.folder)
    assert result.returncode == Exit.OK, result.stdout + result.stderr
    table = rows(result.stdout)
    assert ["fixed", certificates.clean_url, "UC-ACCEPT", "rest", "failed", "passed"] in table
    assert ["now certified", certificates.clean_url, "not certified", "certified"] in table
    assert not any(row[0] == "regressed" for row in table)
    assert result.stdout.splitlines()[-1].startswith("NO REGRESSION: ")


def test_a_failure_there_before_is_still_failing_and_another_fault_regresses(
    certificates: Certificates,
) -> None:
    result = diff("faulty.json", "worse.json", cwd=certificates.folder)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    table = [row[:1] + row[2:] for row in rows(result.stdout)]  # the install is one
    assert ["regressed", "UC-ENUM", "rest", "passed", "failed"] in table
    assert ["still failing", "UC-ACCEPT", "rest", "failed", "failed"] in table
    assert not any(row[0] == "no longer certified" for row in table)


def test_the_same_run_twice_is_no_change(certificates: Certificates) -> None:
    result = diff("clean.json", "clean.json", cwd=certificates.folder)
    assert result.returncode == Exit.OK, result.stdout + result.stderr
    assert re.fullmatch(r"NO CHANGE: \d+ results unchanged", result.stdout.splitlines()[-1])
    assert "change  " not in result.stdout


def test_fewer_properties_exercised_is_coverage_that_shrank(certificates: Certificates) -> None:
    result = diff("clean.json", "fresh.json", cwd=certificates.folder)
    fresh = json.loads(certificates.fresh.read_text(encoding="utf-8"))["coverage"]
    left_out = fresh["not_exercised"]
    assert left_out, "a fresh contact leaves properties out"
    shrank = next(row for row in rows(result.stdout) if row[0] == "coverage shrank")
    writable = fresh["writable"]
    assert shrank == [
        "coverage shrank",
        certificates.clean_url,
        f"{writable}/{writable}",
        f"{writable - len(left_out)}/{writable}",
        f"not exercised now: {', '.join(left_out)}",
    ]
    # Coverage is said, not counted as a regression: the exit code follows the results.
    regressed = any(row[0] == "regressed" for row in rows(result.stdout))
    assert result.returncode == (Exit.FAILED if regressed else Exit.OK), result.stdout

    back = diff("fresh.json", "clean.json", cwd=certificates.folder)
    grew = next(row for row in rows(back.stdout) if row[0] == "coverage grew")
    assert grew[2:] == [f"{writable - len(left_out)}/{writable}", f"{writable}/{writable}"]


def _edited(source: Path, copy: Path, **changes: Any) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


def test_runs_of_other_library_and_schema_versions_compare_and_say_so(
    certificates: Certificates,
) -> None:
    clean = json.loads(certificates.clean.read_text(encoding="utf-8"))
    _edited(
        certificates.clean,
        certificates.folder / "older.json",
        version="0.0.9",
        schema_fingerprint="0123456789abcdef",
        versions={"library": "0.0.9", "schema": "0123456789abcdef"},
    )
    result = diff("older.json", "faulty.json", cwd=certificates.folder)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    assert (
        f"versions differ: library 0.0.9 \u2192 {clean['version']}; schema 0123456789abcdef "
        f"\u2192 {clean['schema_fingerprint']} (the results are compared all the same)"
    ) in result.stdout
    assert rows(result.stdout)[0][0] == "regressed"


UNREADABLE = {
    "missing.json": (None, "no such file or folder"),
    "empty.json": ("", "not JSON: the file is empty"),
    "broken.json": ('{"results": [', "not JSON: Expecting value at line 1, column 14"),
    "binary.json": (b"\xff\xfe\x00\x01", "not JSON: not UTF-8 text"),
    "list.json": ("[1, 2]", "neither a certificate"),
    "other.json": (
        '{"name": "not a run"}',
        "neither a certificate (contract certify --report FILE.json) nor a fleet report (the "
        "folder contract fleet wrote, or its fleet.json)",
    ),
    "bad-results.json": (
        '{"results": [{"verdict": "passed"}]}',
        "a certificate that cannot be read: result 1 has no requirement id",
    ),
    "bad-fleet.json": (
        '{"installs": [7]}',
        "a fleet report that cannot be read: install 1 has no name",
    ),
    "folder": ("folder", "a folder without fleet.json: not a fleet report"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
@pytest.mark.parametrize("side", ["old", "new"])
def test_an_input_that_cannot_be_read_is_one_line_naming_it_and_exit_2(
    certificates: Certificates, tmp_path: Path, name: str, side: str
) -> None:
    content, problem = UNREADABLE[name]
    if content == "folder":
        (tmp_path / name).mkdir()
    elif isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    elif content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    shutil.copy(certificates.clean, tmp_path / "good.json")
    inputs = (name, "good.json") if side == "old" else ("good.json", name)
    result = diff(*inputs, "--report", "diff.md", cwd=tmp_path)
    assert result.returncode == Exit.CANNOT_RUN, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"contract diff: {name}: {problem}"), result.stderr
    assert not (tmp_path / "diff.md").exists()


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        ("diff.txt", "diff.txt: a report ends in .md, .json, .html"),
        ("nowhere/diff.md", "nowhere/diff.md: the folder nowhere does not exist"),
    ],
)
def test_a_report_that_cannot_be_written_is_one_line_and_exit_2(
    certificates: Certificates, report: str, problem: str
) -> None:
    result = diff("clean.json", "faulty.json", "--report", report, cwd=certificates.folder)
    assert result.returncode == Exit.CANNOT_RUN
    assert result.stderr == f"contract diff: {problem}\n"


# --- report formats -----------------------------------------------------------------------


class Page(HTMLParser):
    """A page's table rows as text cells, and whether any element came from the runs."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_every_report_format_holds_the_regression(certificates: Certificates) -> None:
    folder = certificates.folder
    result = diff("clean.json", "faulty.json", "--report", "d.md,d.json,d.html", cwd=folder)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    for suffix in ("md", "json", "html"):
        assert f"diff written to d.{suffix}\n" in result.stdout
    url = certificates.faulty_url

    markdown = (folder / "d.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Certification diff\n\n**REGRESSED: ")
    assert f"| **regressed** | {url} | UC-ACCEPT | rest | passed | failed |  |" in markdown

    data = json.loads((folder / "d.json").read_text(encoding="utf-8"))
    assert data["regressed"] is True
    assert data["changes"][0] == {
        "kind": "regressed",
        "install": url,
        "requirement": "UC-ACCEPT",
        "transport": "rest",
        "before": "passed",
        "after": "failed",
        "detail": None,
        "regression": True,
    }
    assert data["old"]["kind"] == data["new"]["kind"] == "certificate"

    text = (folder / "d.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    header, first = page.rows[0], page.rows[1]
    assert header == ["change", "install", "requirement", "transport", "before", "after", "detail"]
    assert first == ["\u2717 regressed", url, "UC-ACCEPT", "rest", "passed", "failed", ""]
    assert not page.tags & {"script", "link", "img", "iframe"}, "self-contained, nothing run"
    assert 'name="viewport"' in text


def test_every_value_from_the_runs_is_escaped(certificates: Certificates) -> None:
    folder = certificates.folder
    _edited(certificates.faulty, folder / "hostile.json", target=HOSTILE)
    result = diff("clean.json", "hostile.json", "--report", "h.html,h.md", cwd=folder)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    text = (folder / "h.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    assert page.rows[1][1] == HOSTILE, "shown as text, exactly"
    assert not page.tags & {"script", "b"}
    assert "&lt;script&gt;" in text
    markdown = (folder / "h.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert" in markdown


# --- fleet reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fleets:
    """Two nights of a fleet, as ``contract fleet`` wrote them, and a certificate."""

    folder: Path
    before: Path
    """alpha, beta and delta, each certified."""
    after: Path
    """alpha with a fault, beta not reachable, gamma added, delta dropped."""
    alpha: Path
    """A certificate of the server alpha was certified on before."""


def _fleet_file(path: Path, installs: dict[str, tuple[str, str]]) -> dict[str, str]:
    """A fleet file of *installs* (name: url, key) and the environment that holds the keys."""
    text = (
        f'[defaults]\nuser = "{USER}"\nexamples = {EXAMPLES}\nseed = {SEED}\n'
        'transport = "rest"\ncontact_ids = [1]\n'
    )
    keys = {}
    for name, (url, key) in installs.items():
        variable = f"KEY_{name.upper()}"
        text += f'\n[[install]]\nname = "{name}"\nurl = "{url}"\napi_key_env = "{variable}"\n'
        keys[variable] = key
    path.write_text(text, encoding="utf-8")
    return clean_environment(**keys)


@pytest.fixture(scope="module")
def fleets(tmp_path_factory: pytest.TempPathFactory) -> Fleets:
    folder = tmp_path_factory.mktemp("fleets")
    with (
        ReferenceServer(contacts=3, user=USER) as alpha,
        ReferenceServer(contacts=3, user=USER) as beta,
        ReferenceServer(contacts=3, user=USER) as other,
        ReferenceServer(contacts=3, user=USER, faults=frozenset({"wrong-id"})) as faulty,
    ):
        nights = {
            "before": {
                "alpha": (alpha.url, alpha.api_key),
                "beta": (beta.url, beta.api_key),
                "delta": (other.url, other.api_key),
            },
            "after": {
                "alpha": (faulty.url, faulty.api_key),
                "beta": (f"http://127.0.0.1:{free_port()}", "key-of-a-server-that-is-gone"),
                "gamma": (other.url, other.api_key),
            },
        }
        for night, installs in nights.items():
            env = _fleet_file(folder / f"{night}.toml", installs)
            result = run_contract(
                "fleet", f"{night}.toml", "--out", night, "--ramp-up", "0", cwd=folder, env=env
            )
            assert (folder / night / "fleet.json").is_file(), result.stdout + result.stderr
        _certify(alpha, 1, folder / "alpha.json")
    return Fleets(folder, folder / "before", folder / "after", folder / "alpha.json")


def test_a_fleet_s_regressions_and_its_new_gone_and_unreachable_installs(fleets: Fleets) -> None:
    result = diff("before", "after", cwd=fleets.folder)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    table = rows(result.stdout)
    assert table[0] == ["regressed", "alpha", "UC-ACCEPT", "rest", "passed", "failed"]
    could_not = next(row for row in table if row[0] == "could not run")
    assert could_not[:4] == ["could not run", "beta", "certified", "could not run"]
    assert "cannot reach 127.0.0.1" in could_not[4]
    assert ["new", "gamma", "certified"] in table
    assert ["gone", "delta", "certified"] in table
    assert ["no longer certified", "alpha", "certified", "not certified"] in table
    assert result.stdout.startswith("old: fleet report before/fleet.json: 3 installs, library ")
    # The fleet.json itself is the same input as its folder.
    again = diff("before/fleet.json", "after/fleet.json", cwd=fleets.folder)
    assert rows(again.stdout) == table


def test_without_certificates_a_fleet_compares_per_requirement(
    fleets: Fleets, tmp_path: Path
) -> None:
    bare = tmp_path / "after"
    shutil.copytree(fleets.after, bare)
    (bare / "alpha" / "certificate.json").unlink()
    result = diff(str(fleets.before), str(bare), cwd=tmp_path)
    assert result.returncode == Exit.FAILED, result.stdout + result.stderr
    assert ["regressed", "alpha", "UC-ACCEPT", "overall", "passed", "failed"] in rows(result.stdout)
    assert "alpha: compared per requirement: one run gives no transports" in result.stdout
    assert "no readable certificate.json for alpha" in result.stdout


def test_a_certificate_is_the_fleet_s_install_at_its_address(fleets: Fleets) -> None:
    result = diff("before", "alpha.json", cwd=fleets.folder)
    assert result.returncode == Exit.OK, result.stdout + result.stderr
    table = rows(result.stdout)
    assert {row[1] for row in table} == {"beta", "delta"}, "alpha is matched, and unchanged"
    assert all(row[0] == "gone" for row in table)
    assert "is compared with install 'alpha', at its address" in result.stdout


def test_the_functions_a_baseline_needs(fleets: Fleets) -> None:
    """What ``contract fleet --baseline`` builds on: a report loaded, one made in memory,
    and their comparison as data."""
    before = load_fleet_report(fleets.before)
    data = json.loads((fleets.after / "fleet.json").read_text(encoding="utf-8"))
    after = fleet_snapshot(data, fleets.after)
    assert after == load_run(fleets.after / "fleet.json")
    found: Diff = compare(before, after)
    assert {(c.kind, c.install) for c in found.regressions} == {
        ("regressed", "alpha"),
        ("could not run", "beta"),
        ("no longer certified", "alpha"),
    }
    assert found.changes[0] == Change("regressed", "alpha", "UC-ACCEPT", "rest", "passed", "failed")
    assert found.exit_code() == Exit.FAILED
    assert json.loads(json.dumps(found.to_dict()))["counts"]["new"] == 1


def test_restores_and_runs_are_compared_per_install() -> None:
    """What no reference server does on request: a contact left changed, an install that
    could not run twice, one that ran again, one an interrupted fleet never started."""

    def run(*installs: InstallSnapshot, not_started: tuple[str, ...] = ()) -> Snapshot:
        named = {install.name: install for install in installs}
        return Snapshot(Path("fleet.json"), "fleet report", named, not_started=not_started)

    old = run(
        InstallSnapshot("kept", "certified", restored=True),
        InstallSnapshot("left", "not certified", restored=False),
        InstallSnapshot("down", "could not run", reason="cannot reach it"),
        InstallSnapshot("back", "could not run"),
        InstallSnapshot("stopped", "certified"),
    )
    new = run(
        InstallSnapshot("kept", "certified", restored=False),
        InstallSnapshot("left", "not certified", restored=True),
        InstallSnapshot("down", "could not run", reason="still cannot reach it"),
        InstallSnapshot("back", "certified", statuses={"UC-ACCEPT": "passed"}),
        not_started=("stopped",),
    )
    found = {(c.kind, c.install, c.before, c.after, c.detail) for c in compare(old, new).changes}
    assert found == {
        ("not restored", "kept", "restored", "not restored", None),
        ("restored again", "left", "not restored", "restored", None),
        ("still could not run", "down", "could not run", "could not run", "still cannot reach it"),
        ("runs again", "back", "could not run", "certified", None),
        ("could not run", "stopped", "certified", "not started", None),
    }
    assert compare(old, new).exit_code() == Exit.FAILED
