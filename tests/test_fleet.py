"""``contract fleet``: many reference servers on loopback, certified side by side, sharded
and merged; fleet files with mistakes; a server lost mid-run; keys kept out of everything."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import key_forms
from contract.cli.main import parse_args
from contract.cli.serve import _options as server_options
from contract.errors import Exit
from contract.fleet.file import FleetFileError, parse_fleet
from contract.fleet.ramp import RampUp
from contract.fleet.report import exit_code, fleet_data, write_fleet_report
from contract.fleet.runner import InstallResult
from contract.fleet.shard import Shard
from contract.server import ReferenceServer
from tests.chromium import BROWSER, chromium
from tests.conftest import (
    USER,
    Running,
    Served,
    clean_environment,
    free_port,
    read_contact,
    run_contract,
    serve,
)

CONTACT = 3


@dataclass(frozen=True)
class Member:
    """An install of the test fleet: how its server runs, and what the fleet must find."""

    name: str
    server: tuple[str, ...]
    keys: str = ""
    verdict: str = "certified"
    fails: str | None = None


FLEET = [
    Member("plain", ()),
    Member("limits", ("--profile", "limits")),
    Member("lenient", ("--profile", "lenient-numbers")),
    Member("plain-422", ("--profile", "plain-422")),
    Member("ignores-read-only", ("--readonly-treatment", "ignore"), 'readonly_policy = "ignore"'),
    Member("rejects-unknown", ("--unknown-treatment", "reject"), 'unknown_policy = "reject"'),
    Member(
        "read-only-mismatch",
        ("--readonly-treatment", "ignore"),
        'readonly_policy = "reject"',
        "not certified",
        "UC-READONLY",
    ),
    Member("wrong-id", ("--fault", "wrong-id"), "", "not certified", "UC-ACCEPT"),
    Member("enum", ("--fault", "store-out-of-enum"), "", "not certified", "UC-ENUM"),
    Member("empty", ("--fault", "accept-empty"), "", "not certified", "UC-EMPTY"),
    Member("neighbour", ("--fault", "write-neighbour"), "", "not certified", "UC-ISOLATION"),
    Member(
        "parity",
        ("--fault", "xmlrpc-skips-validation"),
        'transport = "both"',
        "not certified",
        "UC-PARITY",
    ),
]


def _variable(name: str) -> str:
    return "KEY_" + name.upper().replace("-", "_")


@contextlib.contextmanager
def servers(options: Sequence[tuple[str, ...]]) -> Iterator[list[Served]]:
    """One ``contract serve`` per entry of *options*, started side by side."""
    with contextlib.ExitStack() as stack:
        managers = [serve(*option) for option in options]
        with ThreadPoolExecutor(max_workers=8) as pool:
            started = list(pool.map(lambda manager: manager.__enter__(), managers))
        for manager in managers:
            stack.push(manager.__exit__)
        yield started


@contextlib.contextmanager
def servers_in_process(options: Sequence[tuple[str, ...]]) -> Iterator[list[ReferenceServer]]:
    """The same servers as :func:`servers`, in this process: each ``contract serve`` would
    spend most of a second of CPU importing what this process holds already."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(
                ReferenceServer(
                    server_options(parse_args(["serve", "--port", "0", "--user", USER, *option]))
                )
            )
            for option in options
        ]


def fleet_file(path: Path, entries: Sequence[tuple[Member, str]], extra: str = "") -> Path:
    """A fleet file for *entries* (member, url): one example, REST, seed 1."""
    text = f'[defaults]\nuser = "{USER}"\nexamples = 1\nseed = 1\ntransport = "rest"\n{extra}\n'
    for member, url in entries:
        text += (
            f'\n[[install]]\nname = "{member.name}"\nurl = "{url}"\n'
            f'api_key_env = "{_variable(member.name)}"\ncontact_ids = [{CONTACT}]\n{member.keys}\n'
        )
    path.write_text(text, encoding="utf-8")
    return path


def run_fleet(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_contract("fleet", *args, cwd=cwd, env=env, timeout=900)


def _matrix(out: Path) -> dict[str, tuple[str, int, bool, dict[str, str]]]:
    data = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    return {
        i["name"]: (i["verdict"], i["exit_code"], i["restored"], i["requirements"])
        for i in data["installs"]
    }


@pytest.mark.long
def test_a_fleet_of_twelve_servers_gives_the_right_matrix_and_shards_merge_into_it(
    tmp_path: Path,
) -> None:
    """Profiles, policies and planted faults, plus an install that is not there."""
    gone = Member("gone", (), "", "could not run")
    with servers_in_process([member.server for member in FLEET]) as started:
        entries = [(m, s.url) for m, s in zip(FLEET, started, strict=True)]
        entries.append((gone, f"http://127.0.0.1:{free_port()}"))
        path = fleet_file(tmp_path / "fleet.toml", entries)
        keys = {_variable(m.name): s.api_key for m, s in zip(FLEET, started, strict=True)}
        keys[_variable("gone")] = "key-of-an-install-that-is-not-there"
        env = clean_environment(**keys)
        before = {m.name: read_contact(s, CONTACT) for m, s in zip(FLEET, started, strict=True)}

        single = run_fleet(path.name, "--out", "single", cwd=tmp_path, env=env)
        after = {m.name: read_contact(s, CONTACT) for m, s in zip(FLEET, started, strict=True)}

    assert single.returncode == Exit.CANNOT_RUN, single.stdout + single.stderr
    matrix = _matrix(tmp_path / "single")
    assert set(matrix) == {m.name for m in [*FLEET, gone]}
    for member in [*FLEET, gone]:
        verdict, _, restored, requirements = matrix[member.name]
        assert verdict == member.verdict, (member.name, matrix[member.name])
        assert restored
        failed = {rid for rid, status in requirements.items() if status == "failed"}
        if member.fails:
            assert member.fails in failed, (member.name, failed)
        else:
            assert not failed, (member.name, failed)
    assert after == before, "every install's contact is as it was"

    lines = single.stdout.splitlines()
    assert lines[0].startswith("certifying 13 installs of fleet.toml, 4 at a time")
    decided = [line for line in lines if line.split(":")[0] in matrix]
    assert len(decided) == 13
    assert decided[-1].endswith("[13/13 done: 6 certified, 6 not certified, 1 could not run]")
    gone_line = next(line for line in decided if line.startswith("gone:"))
    assert "COULD NOT RUN: cannot reach 127.0.0.1" in gone_line
    assert "the connection was refused" in gone_line

    for member in FLEET:
        folder = tmp_path / "single" / member.name
        assert json.loads((folder / "certificate.json").read_text("utf-8"))["verdict"]
        assert "<!doctype html>" in (folder / "certificate.html").read_text("utf-8").lower()
    page = (tmp_path / "single" / "fleet.html").read_text("utf-8")
    assert 'href="wrong-id/certificate.html"' in page
    assert '✗<span class="sr"> failed</span>' in page
    assert '✓<span class="sr"> passed</span>' in page
    assert " src=" not in page, "self-contained"
    summary = (tmp_path / "single" / "fleet.md").read_text("utf-8")
    assert "| wrong-id | not certified | UC-ACCEPT, " in summary
    assert " | yes | 28/28 | [json](wrong-id/certificate.json) |" in summary

    # Each shard resumes from a copy of the single run's folders, so that the shards hold
    # the same certificates: what is compared is the choice of installs and the merge.
    shards = []
    for k in (1, 2, 3):
        shutil.copytree(tmp_path / "single", tmp_path / f"shard-{k}")
        (tmp_path / f"shard-{k}" / "fleet.json").unlink()
        shards.append(
            run_fleet(
                path.name,
                "--shard",
                f"{k}/3",
                "--resume",
                "--out",
                f"shard-{k}",
                cwd=tmp_path,
                env=env,
            )
        )
    shares = [set(_matrix(tmp_path / f"shard-{k}")) for k in (1, 2, 3)]
    assert sum(map(len, shares)) == 13
    assert set().union(*shares) == set(matrix)
    for result in shards:
        assert "certifying 0 installs" in result.stdout or "gone" in result.stdout
    merged = run_fleet(
        "merge", "shard-1", "shard-2", "shard-3", "--out", "merged", cwd=tmp_path, env=env
    )
    assert merged.returncode == single.returncode, merged.stderr
    assert _matrix(tmp_path / "merged") == matrix
    assert (tmp_path / "merged" / "wrong-id" / "certificate.html").is_file()

    shown = single.stdout + single.stderr + merged.stdout + merged.stderr
    shown += "".join(result.stdout + result.stderr for result in shards)
    written = "".join(
        file.read_text("utf-8", errors="replace") for file in tmp_path.rglob("*") if file.is_file()
    )
    for key in keys.values():
        for form in key_forms(USER, key):
            assert form not in shown
            assert form not in written


@pytest.mark.long
def test_a_server_lost_mid_run_marks_its_install_and_leaves_the_others_intact(
    tmp_path: Path,
) -> None:
    members = [Member("first", ()), Member("second", ()), Member("lost", ())]
    options = [(), (), ("--latency-ms", "40")]
    with servers(options) as started:
        first, second, lost = started
        path = fleet_file(
            tmp_path / "fleet.toml", [(m, s.url) for m, s in zip(members, started, strict=True)]
        )
        env = clean_environment(
            **{_variable(m.name): s.api_key for m, s in zip(members, started, strict=True)}
        )
        before = [read_contact(s, CONTACT) for s in (first, second)]
        run = Running("fleet", path.name, "--out", "out", cwd=tmp_path, env=env)
        output = tmp_path / "out" / "lost" / "output.txt"
        run.wait_for_line(lambda line: line.startswith("certifying"), timeout=120)
        deadline = time.monotonic() + 120
        while run.process.poll() is None and time.monotonic() < deadline:
            if output.is_file() and "UC-" in output.read_text("utf-8", errors="replace"):
                break  # its run is under way: a requirement has been decided
            time.sleep(0.1)
        lost.stop()
        result = run.finish()
        after = [read_contact(s, CONTACT) for s in (first, second)]

    matrix = _matrix(tmp_path / "out")
    assert matrix["lost"][0] == "could not run", result.stdout
    assert matrix["first"][0] == matrix["second"][0] == "certified"
    assert matrix["first"][2]
    assert matrix["second"][2]
    assert after == before
    assert result.returncode in (Exit.CANNOT_RUN, Exit.NOT_RESTORED)
    assert result.returncode == exit_code(
        InstallResult.from_dict(i)
        for i in json.loads((tmp_path / "out" / "fleet.json").read_text("utf-8"))["installs"]
    )


@pytest.mark.long
def test_an_install_past_its_timeout_is_stopped_puts_its_contact_back_and_could_not_run(
    tmp_path: Path,
) -> None:
    member = Member("slow", ())
    with servers([("--latency-ms", "300")]) as (slow,):
        path = fleet_file(tmp_path / "fleet.toml", [(member, slow.url)])
        before = read_contact(slow, CONTACT)
        env = clean_environment(**{_variable("slow"): slow.api_key})
        result = run_fleet(
            path.name, "--install-timeout", "3", "--out", "out", cwd=tmp_path, env=env
        )
        after = read_contact(slow, CONTACT)
    assert result.returncode == Exit.CANNOT_RUN, result.stdout + result.stderr
    assert (
        "slow: COULD NOT RUN: no verdict within 3 s (--install-timeout): stopped" in result.stdout
    )
    assert after == before
    again = run_fleet(path.name, "--resume", "--out", "out", cwd=tmp_path, env=env)
    assert "certifying 1 installs" in again.stdout, "no certificate was kept, so it runs again"


def test_the_first_runs_start_ramp_up_seconds_apart_and_later_ones_at_once() -> None:
    now = [100.0]
    ramp = RampUp(parallel=3, seconds=2.0, clock=lambda: now[0])
    delays = [ramp.delay()]
    now[0] = 100.5
    delays += [ramp.delay(), ramp.delay()]
    now[0] = 130.0  # a slot has freed: the fourth run takes it as it asks
    delays.append(ramp.delay())
    assert delays == [0.0, 1.5, 3.5, 0.0]
    assert RampUp(parallel=3, seconds=0.0, clock=lambda: 7.0).delay() == 0.0


def test_a_stop_during_the_ramp_up_starts_no_other_run(tmp_path: Path) -> None:
    # Three installs on one server, a minute apart: stopped as the first one runs, the
    # fleet never starts the other two, and reports the one it started.
    with servers([()]) as (server,):
        entries = [(Member(name, ()), server.url) for name in ("first", "second", "third")]
        path = fleet_file(tmp_path / "fleet.toml", entries)
        text = path.read_text(encoding="utf-8")
        for number, name in enumerate(("second", "third"), start=2):
            text = text.replace(
                f'api_key_env = "{_variable(name)}"\ncontact_ids = [{CONTACT}]',
                f'api_key_env = "{_variable(name)}"\ncontact_ids = [{number}]',
            )
        path.write_text(text, encoding="utf-8")
        env = clean_environment(**{_variable(m.name): server.api_key for m, _ in entries})
        before = read_contact(server, CONTACT)
        run = Running(
            "fleet",
            path.name,
            "--out",
            "out",
            "--parallel",
            "3",
            "--ramp-up",
            "60",
            cwd=tmp_path,
            env=env,
        )
        output = tmp_path / "out" / "first" / "output.txt"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run.process.poll() is None:
            if output.is_file() and "certifying" in output.read_text("utf-8", errors="replace"):
                break
            time.sleep(0.1)
        run.process.send_signal(signal.SIGINT)
        result = run.finish()
        after = read_contact(server, CONTACT)
    assert result.returncode == Exit.CANNOT_RUN, result.stdout + result.stderr
    assert list(_matrix(tmp_path / "out")) == ["first"]
    assert not (tmp_path / "out" / "second").exists()
    assert not (tmp_path / "out" / "third").exists()
    assert after == before


BAD_FLEET = """
[defaults]
examples = 0
url = "https://shared.example"

[[install]]
name = "acme corp"
url = "https://admin:hunter2@acme.example"
api_key = "s3cret-key-in-the-file"
api_key_env = "acme_key"
contact_ids = "4711"

[[install]]
name = "globex"
url = "https://globex.example"
transprt = "rest"

[[install]]
name = "globex"
url = "https://globex.example"
"""


def test_a_fleet_file_with_mistakes_gets_one_line_per_problem_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(BAD_FLEET, encoding="utf-8")
    result = run_fleet(path.name, cwd=tmp_path, env=clean_environment())
    assert result.returncode == Exit.CANNOT_RUN
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "contract fleet: fleet.toml: defaults: examples: 0 is less than the minimum of 1",
        "contract fleet: fleet.toml: install 'acme corp': api_key: a key is never written in "
        "the fleet file; put it in an environment variable and name that variable with "
        "api_key_env",
        "contract fleet: fleet.toml: install 'acme corp': api_key_env: must name an environment "
        "variable (capitals, digits and _), not hold the key",
        "contract fleet: fleet.toml: install 'acme corp': contact_ids: must be a list, e.g. "
        "[4711], not '4711'",
        "contract fleet: fleet.toml: install 'acme corp': name: letters, digits, '.', '_' and "
        "'-', starting with a letter or digit",
        "contract fleet: fleet.toml: install 'acme corp': url: must be an http:// or https:// "
        "address with no user or key in it",
        "contract fleet: fleet.toml: install 'globex': transprt: not a fleet key; did you mean "
        "transport?",
        "contract fleet: fleet.toml: defaults: url: belongs to each install, not to the defaults",
        "contract fleet: fleet.toml: install 'globex': name: 2 installs have this name",
        # Both installs called globex lack it: said once.
        "contract fleet: fleet.toml: install 'globex': api_key_env: required, the variable "
        "that holds its key",
    ]
    assert "s3cret" not in result.stderr
    assert "hunter2" not in result.stderr


def test_settings_certify_would_refuse_and_keys_are_named_by_install(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[[install]]\nname = "a"\nurl = "https://a.example"\napi_key_env = "A_KEY"\n'
        'rate_limit = "fast"\n'
        '[[install]]\nname = "b"\nurl = "https://b.example"\napi_key_env = "B_KEY"\n'
        "contact_ids = [5]\nwitness_ids = [5]\n",
        encoding="utf-8",
    )
    result = run_fleet(path.name, cwd=tmp_path, env=clean_environment())
    assert result.returncode == Exit.CANNOT_RUN
    first, second, *unset = result.stderr.splitlines()
    assert first.startswith("contract fleet: fleet.toml: install 'a': rate_limit: ")
    assert second.startswith("contract fleet: fleet.toml: install 'b': witness_ids names contact 5")
    assert unset == [
        f"contract fleet: fleet.toml: install '{name}': api_key_env: the variable {name.upper()}"
        "_KEY is not set"
        for name in ("a", "b")
    ]

    path.write_text(
        '[[install]]\nname = "a"\nurl = "https://a.example"\napi_key_env = "A_KEY"\n'
        "# the key, pasted by mistake: abcd-1234-efgh\n"
        '[[install]]\nname = "b"\nurl = "https://b.example"\napi_key_env = "B_KEY"\n',
        encoding="utf-8",
    )
    result = run_fleet(path.name, cwd=tmp_path, env=clean_environment(A_KEY="abcd-1234-efgh"))
    assert result.returncode == Exit.CANNOT_RUN
    assert result.stderr.splitlines() == [
        "contract fleet: fleet.toml: install 'a': the key in A_KEY is written in the fleet "
        "file; keep it only in the environment",
        "contract fleet: fleet.toml: install 'b': api_key_env: the variable B_KEY is not set",
    ]
    assert "abcd-1234-efgh" not in result.stdout + result.stderr


MANY_KINDS_OF_MISTAKES = """
[defaults]
user = "certifier"

[[install]]
name = "acme"
url = "https://acme.example"
api_key_env = "ACME_KEY"
contact_ids = "4711"
unknown_policy = "sometimes"

[[install]]
name = "globex"
url = "https://globex.example"
api_key_env = "GLOBEX_KEY"
rate_limit = "fast"
schema_extension = "missing-fields.json"

[[install]]
name = "initech"
url = "https://initech.example"
api_key_env = "INITECH_KEY"
# pasted by mistake: initech-key-1234

[[install]]
name = "hooli"
url = "https://hooli.example"
api_key_env = "HOOLI_KEY"
contact_ids = [5]
witness_ids = [5]

[[install]]
name = "umbrella"
url = "https://umbrella.example"
"""


def test_every_kind_of_problem_in_a_fleet_file_is_told_at_once(tmp_path: Path) -> None:
    # Schema mistakes in one install hide neither its unset variable nor any other
    # install's settings, extension or keys; two bad settings of one install are both said.
    path = tmp_path / "fleet.toml"
    path.write_text(MANY_KINDS_OF_MISTAKES, encoding="utf-8")
    env = clean_environment(GLOBEX_KEY="k-globex", INITECH_KEY="initech-key-1234", HOOLI_KEY="k")
    result = run_fleet(path.name, "--shard", "x", cwd=tmp_path, env=env)
    assert result.returncode == Exit.CANNOT_RUN
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "contract fleet: --shard takes K/N with 1 <= K <= N, e.g. 2/3, not 'x'",
        "contract fleet: fleet.toml: install 'acme': contact_ids: must be a list, e.g. [4711], "
        "not '4711'",
        "contract fleet: fleet.toml: install 'acme': unknown_policy: must be one of reject, "
        "ignore, either",
        "contract fleet: fleet.toml: install 'globex': rate_limit: a rate limit looks like 10/s "
        "or 120/min, not 'fast'",
        "contract fleet: fleet.toml: install 'globex': schema_extension missing-fields.json: "
        "cannot read schema extension missing-fields.json: No such file or directory",
        "contract fleet: fleet.toml: install 'hooli': witness_ids names contact 5, which "
        "contact_ids lets the run change: a witness is only read",
        "contract fleet: fleet.toml: install 'initech': the key in INITECH_KEY is written in "
        "the fleet file; keep it only in the environment",
        "contract fleet: fleet.toml: install 'umbrella': api_key_env: required, the variable "
        "that holds its key",
        "contract fleet: fleet.toml: install 'acme': api_key_env: the variable ACME_KEY is not set",
    ]
    assert "initech-key-1234" not in result.stderr
    assert not (tmp_path / "fleet-report").exists(), "nothing ran"


DOCS_MISTAKES = """
[defaults]
readonly_policy = "either"
unknown_policy = "either"
rate_limit = "10/s"

[[install]]
name = "acme corp"
url = "https://acme.crm.example.com"
api_key = "pasted"
api_key_env = "ACME_API_KEY"
contact_ids = "4711"

[[install]]
name = "globex"
url = "https://crm.globex.example"
api_key_env = "GLOBEX_API_KEY"
transprt = "rest"
unknown_policy = "sometimes"
schema_extension = "globex-custom-fields.json"

[[install]]
name = "initech"
url = "https://initech.example"
api_key_env = "INITECH_API_KEY"
rate_limit = "fast"
contact_ids = [5]
witness_ids = [5]

[[install]]
name = "hooli"
url = "https://hooli.example"
api_key_env = "HOOLI_API_KEY"
# hooli-key-1234
"""


def test_the_docs_lines_for_a_fleet_file_with_mistakes_are_what_it_says(tmp_path: Path) -> None:
    page = (Path(__file__).parent.parent / "docs" / "fleet.md").read_text(encoding="utf-8")
    after = page[page.index("A file with mistakes is refused") :]
    (shown,) = re.findall(r"```text\n(.*?)```", after, re.S)[:1]
    (tmp_path / "fleet.toml").write_text(DOCS_MISTAKES, encoding="utf-8")
    env = clean_environment(
        ACME_API_KEY="k-acme", INITECH_API_KEY="k-initech", HOOLI_API_KEY="hooli-key-1234"
    )
    result = run_fleet("fleet.toml", cwd=tmp_path, env=env)
    assert result.returncode == Exit.CANNOT_RUN
    assert result.stderr == shown


def test_a_default_refused_is_said_once_of_the_defaults(tmp_path: Path) -> None:
    text = (
        '[defaults]\nrate_limit = "fast"\nschema_extension = "nope.json"\n'
        '[[install]]\nname = "a"\nurl = "https://a.example"\n'
        '[[install]]\nname = "b"\nurl = "https://b.example"\nrate_limit = "slow"\n'
    )
    with pytest.raises(FleetFileError) as refused:
        parse_fleet(text, tmp_path / "fleet.toml")
    assert refused.value.problems == [
        "fleet.toml: defaults: rate_limit: a rate limit looks like 10/s or 120/min, not 'fast'",
        "fleet.toml: defaults: schema_extension nope.json: cannot read schema extension "
        "nope.json: No such file or directory",
        "fleet.toml: install 'b': rate_limit: a rate limit looks like 10/s or 120/min, not 'slow'",
    ]


def test_a_shard_is_refused_only_the_unset_variables_of_its_own_installs(
    tmp_path: Path,
) -> None:
    names = [f"install-{n}" for n in range(8)]
    path = tmp_path / "fleet.toml"
    path.write_text(
        "".join(
            f'[[install]]\nname = "{name}"\nurl = "https://{name}.example"\n'
            f'api_key_env = "KEY_{n}"\n'
            for n, name in enumerate(names)
        ),
        encoding="utf-8",
    )
    result = run_fleet(path.name, "--shard", "1/2", cwd=tmp_path, env=clean_environment())
    assert result.returncode == Exit.CANNOT_RUN
    unset = [line.split("'")[1] for line in result.stderr.splitlines()]
    assert unset == [name for name in names if Shard(1, 2).holds(name)]


def _report(folder: Path, names: Sequence[str], library: str = "0.1.0") -> Path:
    folder.mkdir()
    installs: list[dict[str, Any]] = [
        InstallResult(name, f"https://{name}.example", "certified", 0, True, None).to_dict()
        for name in names
    ]
    data = {"installs": installs, "library": library, "schema": "abc", "totals": {}}
    (folder / "fleet.json").write_text(json.dumps(data), "utf-8")
    return folder


def test_merge_refuses_other_versions_and_overlapping_installs(tmp_path: Path) -> None:
    _report(tmp_path / "a", ["acme", "globex"])
    _report(tmp_path / "b", ["globex"], library="0.0.9")
    _report(tmp_path / "c", ["initech"])
    result = run_fleet("merge", "a", "b", "--out", "m", cwd=tmp_path, env=clean_environment())
    assert result.returncode == Exit.CANNOT_RUN
    assert result.stderr.splitlines() == [
        "contract fleet: cannot merge: b was made with library 0.0.9, a with 0.1.0",
        "contract fleet: cannot merge: install 'globex' is in both a and b",
    ]
    result = run_fleet("merge", "a", "c", "--out", "m", cwd=tmp_path, env=clean_environment())
    assert result.returncode == Exit.OK, result.stderr
    assert set(_matrix(tmp_path / "m")) == {"acme", "globex", "initech"}
    result = run_fleet("merge", "a", "nowhere", "--out", "m", cwd=tmp_path, env=clean_environment())
    assert (
        result.stderr
        == "contract fleet: nowhere: no fleet.json: not the output of contract fleet\n"
    )


def test_merge_refuses_a_folder_given_twice_under_any_name(tmp_path: Path) -> None:
    _report(tmp_path / "shard-1", ["acme"])
    _report(tmp_path / "shard-2", ["globex"])
    (tmp_path / "link").symlink_to("shard-1")
    env = clean_environment()
    for again, said in (
        ("shard-1", "shard-1 is given twice"),
        ("./shard-1/", "shard-1 is given twice"),
        ("link", "link is shard-1, given twice"),
    ):
        result = run_fleet(
            "merge", "shard-1", "shard-2", again, "--out", "m", cwd=tmp_path, env=env
        )
        assert result.returncode == Exit.CANNOT_RUN, result.stdout
        assert result.stderr == f"contract fleet: cannot merge: {said}\n"
        assert not (tmp_path / "m").exists()
    result = run_fleet("merge", "shard-1", "shard-2", "--out", "m", cwd=tmp_path, env=env)
    assert result.returncode == Exit.OK, result.stderr
    assert "merged 2 outputs: 2 installs" in result.stdout


def test_shards_are_disjoint_cover_the_fleet_and_adding_an_install_moves_no_other() -> None:
    names = [f"install-{n}" for n in range(200)]
    for count in (1, 2, 3, 7):
        shards = [Shard(k, count) for k in range(1, count + 1)]
        owners = {name: [s for s in shards if s.holds(name)] for name in names}
        assert all(len(owner) == 1 for owner in owners.values())
        if count > 1:
            assert all(any(s.holds(name) for name in names) for s in shards)
    assert Shard.parse("2/3") == Shard(2, 3)
    for bad in ("0/3", "4/3", "3", "a/b", "1/0"):
        with pytest.raises(ValueError, match="--shard takes K/N"):
            Shard.parse(bad)


def test_the_exit_code_is_the_most_serious_outcome() -> None:
    def outcome(verdict: str, restored: bool = True) -> InstallResult:
        return InstallResult("x", "https://x.example", verdict, 0, restored, None)

    certified, failed, gone = (
        outcome("certified"),
        outcome("not certified"),
        outcome("could not run"),
    )
    assert exit_code([certified, certified]) == Exit.OK
    assert exit_code([certified, failed]) == Exit.FAILED
    assert exit_code([failed, gone]) == Exit.CANNOT_RUN
    assert exit_code([gone, failed, outcome("certified", restored=False)]) == Exit.NOT_RESTORED
    assert exit_code([]) == Exit.OK


def test_the_fleet_command_names_its_parts_in_help() -> None:
    result = run_contract("fleet", "--help")
    assert result.returncode == 0
    flags = ("--out", "--parallel", "--install-timeout", "--ramp-up", "--shard", "--resume")
    for flag in (*flags, "merge"):
        assert flag in result.stdout
    assert "exit codes:" in result.stdout


def test_the_docs_fleet_file_is_a_valid_fleet(tmp_path: Path) -> None:
    page = (Path(__file__).parent.parent / "docs" / "fleet.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", page, re.S)
    custom_fields = {"properties": {"loyalty_tier": {"type": "string"}}}
    (tmp_path / "globex-custom-fields.json").write_text(json.dumps(custom_fields), "utf-8")
    fleet = parse_fleet(example, tmp_path / "fleet.toml")
    assert [install.name for install in fleet.installs] == ["acme", "globex"]
    globex = fleet.installs[1]
    assert globex.settings["unknown_policy"] == "reject"
    assert globex.settings["rate_limit"] == "10/s"
    arguments = globex.certify_arguments(tmp_path)
    assert arguments[:2] == ["--url", "https://crm.globex.example"]
    assert "--contact-id" in arguments
    assert arguments[arguments.index("--contact-id") + 1] == "12,13"
    assert str(tmp_path / "globex-custom-fields.json") in arguments


def _chromium_dom(page: Path, query: str, profile: Path) -> str:
    if BROWSER is None:
        pytest.skip("no chromium here: .ci/run installs it")
    shown = chromium(profile, "--dump-dom", page.resolve().as_uri() + query)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_fleet_html_filters_and_sorts_as_its_address_says_in_a_browser(tmp_path: Path) -> None:
    verdicts = {"acme": "certified", "globex": "not certified", "initech": "could not run"}
    outcomes = [
        InstallResult(name, f"https://{name}.example", verdict, 0, True, None)
        for name, verdict in verdicts.items()
    ]
    write_fleet_report(fleet_data(outcomes, schema="abc"), tmp_path)
    page = tmp_path / "fleet.html"

    everything = _chromium_dom(page, "", tmp_path / "profile")
    assert "3 of 3 installs shown" in everything

    dom = _chromium_dom(
        page, "?verdict=not+certified&sort=install&order=descending", tmp_path / "p2"
    )
    assert "1 of 3 installs shown" in dom
    rows = re.findall(r'<tr data-name="(\w+)" data-verdict="[^"]+"( hidden="")?>', dom)
    assert rows == [("initech", ' hidden=""'), ("globex", ""), ("acme", ' hidden=""')]
    assert 'data-column="install" aria-sort="descending"' in dom
