"""A fleet over several nights: ``contract fleet --baseline PREVIOUS`` against installs of
which one regresses (a planted fault switched on), one is fixed and one fails as before;
the same nights through ``contract diff``, the history, and shards merged with both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contract.fleet.history import runs_of
from tests.conftest import run_contract
from tests.test_history import fleet, reference_servers, write_fleet

# The nights are run once, in one worker.
pytestmark = pytest.mark.xdist_group("nights")

# Each night, which server each install is: a clean one, or one with a fault planted. No
# two installs of one night share a server: each certifies its contact 1.
CLEAN, WRONG_ID = frozenset[str](), frozenset({"wrong-id"})
OUT_OF_ENUM = frozenset({"store-out-of-enum"})


def _json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _standings(report: Path) -> dict[str, str]:
    return {i["name"]: i["baseline"]["status"] for i in _json(report / "fleet.json")["installs"]}


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two nights of a three-install fleet: acme certified then regressed (wrong id),
    globex failing then fixed, initech failing the same way both nights (it stores a
    value outside an enum); the second night without and with the first as baseline, and
    a third night with acme fixed again."""
    root = tmp_path_factory.mktemp("nights")
    found: dict[str, Any] = {"root": root}
    servers = reference_servers(CLEAN, CLEAN, WRONG_ID, OUT_OF_ENUM)
    with servers as (clean, other_clean, wrong_id, out_of_enum):

        def night(name: str, installs: dict[str, Any], *options: str) -> Any:
            env = write_fleet(root / "fleet.toml", installs)
            found[name] = fleet("fleet.toml", "--out", name, *options, cwd=root, env=env)
            return found[name]

        history = str(root / "history.sqlite")
        night("first", {"acme": clean, "globex": wrong_id, "initech": out_of_enum})
        second = {"acme": wrong_id, "globex": clean, "initech": out_of_enum}
        night("second-alone", second)
        night("second", second, "--baseline", "first", "--history", history)
        third = {"acme": clean, "globex": other_clean, "initech": out_of_enum}
        night("third-alone", third)
        night("third", third, "--baseline", "second", "--history", history)
    return found


@pytest.mark.long
def test_a_regression_fails_the_fleet_and_is_listed_first(nights: dict[str, Any]) -> None:
    root, second = nights["root"], nights["second"]
    assert nights["first"].returncode == 1
    assert nights["second-alone"].returncode == 1
    assert second.returncode == 1, second.stdout + second.stderr
    assert _standings(root / "second") == {
        "acme": "regressed",
        "globex": "fixed",
        "initech": "known failure",
    }
    out = second.stdout
    assert "since the baseline first" in out
    assert "1 regressed, 1 fixed, 1 with known failures" in out
    assert "  acme: regressed: UC-ACCEPT over rest (passed \u2192 failed)" in out
    assert "  globex: fixed: UC-ACCEPT over rest (failed \u2192 passed)" in out
    assert "  initech: known failure: UC-ENUM over rest\n" in out
    # fleet.md opens with the regressions, then the fixes, then the known failures.
    markdown = (root / "second" / "fleet.md").read_text(encoding="utf-8")
    order = [markdown.index(h) for h in ("### Regressions", "### Fixed", "### Known failures")]
    assert order == sorted(order)
    assert order[-1] < markdown.index("| install |")
    (row,) = [line for line in markdown.splitlines() if line.startswith("| acme |")]
    assert row.startswith("| acme | not certified | UC-ACCEPT, ")
    assert "| **regressed** (was certified) | yes |" in row
    report = _json(root / "second" / "fleet.json")
    assert report["baseline"]["source"] == "first"
    assert report["baseline"]["installs"]["regressed"] == 1


@pytest.mark.long
def test_known_failures_alone_do_not_fail_the_fleet(nights: dict[str, Any]) -> None:
    root = nights["root"]
    # Without a baseline initech's old failure fails the night; with one, it is known.
    assert nights["third-alone"].returncode == 1
    third = nights["third"]
    assert third.returncode == 0, third.stdout + third.stderr
    assert _standings(root / "third") == {
        "acme": "fixed",
        "globex": "unchanged",
        "initech": "known failure",
    }
    assert ": 1 fixed, 1 with known failures, 1 unchanged\n" in third.stdout  # no zeros
    totals = _json(root / "third" / "fleet.json")["totals"]
    assert totals["not certified"] == 1, "a known failure is still counted"


@pytest.mark.long
def test_contract_diff_says_the_same_as_the_baseline(nights: dict[str, Any]) -> None:
    root = nights["root"]
    diffed = run_contract("diff", "first", "second", cwd=root, timeout=60)
    assert diffed.returncode == 1
    lines = diffed.stdout.splitlines()
    assert any("regressed" in line and "acme" in line and "UC-ACCEPT" in line for line in lines)
    assert any("fixed" in line and "globex" in line for line in lines)
    assert any("still failing" in line and "initech" in line for line in lines)
    assert run_contract("diff", "second", "third", cwd=root, timeout=60).returncode == 0


@pytest.mark.long
def test_the_history_holds_both_nights_with_their_verdicts(nights: dict[str, Any]) -> None:
    rows = runs_of(nights["root"] / "history.sqlite")
    assert [(row.install, row.verdict) for row in rows] == [
        ("acme", "certified"),
        ("globex", "certified"),
        ("initech", "not certified"),
        ("acme", "not certified"),
        ("globex", "certified"),
        ("initech", "not certified"),
    ]
    assert rows[5].failed == ["UC-ENUM"]


@pytest.mark.long
def test_shards_with_a_baseline_merge_into_one_report_and_one_history(
    nights: dict[str, Any],
) -> None:
    root = nights["root"]
    with reference_servers(CLEAN, WRONG_ID, OUT_OF_ENUM) as (clean, wrong_id, out_of_enum):
        env = write_fleet(
            root / "fleet.toml", {"acme": wrong_id, "globex": clean, "initech": out_of_enum}
        )
        shards = []
        for k in (1, 2):
            shard = f"shard-{k}"
            history = f"{shard}/history.sqlite"
            ran = fleet(
                *("fleet.toml", "--out", shard, "--shard", f"{k}/2"),
                *("--baseline", "first", "--history", history),
                cwd=root,
                env=env,
            )
            assert ran.returncode in (0, 1), ran.stdout + ran.stderr
            # A shard compares only its own installs: the others are not "gone".
            assert "gone" not in json.dumps(_json(root / shard / "fleet.json")["baseline"])
            shards.append(shard)
    merged = run_contract(
        *("fleet", "merge", *shards, "--out", "merged"),
        *("--baseline", "first", "--history", "merged.sqlite"),
        cwd=root,
        timeout=120,
    )
    assert merged.returncode == 1, merged.stdout + merged.stderr
    assert _standings(root / "merged") == _standings(root / "second")
    assert {row.install for row in runs_of(root / "merged.sqlite")} == {
        "acme",
        "globex",
        "initech",
    }


def test_a_baseline_that_cannot_be_read_is_refused_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "fleet.toml").write_text(
        '[[install]]\nname = "acme"\nurl = "http://127.0.0.1:9"\napi_key_env = "ACME_KEY"\n',
        encoding="utf-8",
    )
    (tmp_path / "previous").mkdir()
    ran = run_contract(
        *("fleet", "fleet.toml", "--out", "out", "--baseline", "previous"),
        cwd=tmp_path,
        env={"ACME_KEY": "k"},
        timeout=60,
    )
    assert ran.returncode == 2
    assert "--baseline: previous: a folder without fleet.json: not a fleet report" in ran.stderr
    assert not (tmp_path / "out").exists()
