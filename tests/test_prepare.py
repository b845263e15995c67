"""A fresh contact: coverage said, refused with --require-full-coverage, and `contract
prepare` as the way out, after which a run exercises every writable property and leaves
the contact as it found it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract.core.schema import load_contract
from contract.core.validation import validator_for
from tests.certify_output import parse
from tests.conftest import USER, Served, certify, read_contact, run_contract, serve

FRESH = 2  # with --contacts 1 --fresh-contacts 1
EMPTY = ("date_of_birth", "tags", "birth_date", "gender", "marital_status")


def _prepare(server: Served, cwd: Path, *options: str) -> Any:
    return run_contract(
        *("prepare", "--url", server.url, "--user", USER, "--api-key", server.api_key),
        *("--contact-id", str(FRESH), *options),
        cwd=cwd,
    )


def _certify(server: Served, cwd: Path, *options: str) -> tuple[Any, dict[str, Any]]:
    report = cwd / "certificate.json"
    result = certify(
        *("--url", server.url, "--user", USER, "--api-key", server.api_key),
        *("--contact-id", str(FRESH), "--examples", "1", "--seed", "3"),
        *("--report", str(report), *options),
        cwd=cwd,
    )
    return result, json.loads(report.read_text(encoding="utf-8"))


def test_full_coverage_required_fails_a_fresh_contact_naming_what_and_why(
    tmp_path: Path,
) -> None:
    with serve("--contacts", "1", "--fresh-contacts", "1") as server:
        before = read_contact(server, FRESH)
        result, certificate = _certify(server, tmp_path, "--require-full-coverage")
        assert read_contact(server, FRESH) == before
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = parse(result.stdout).verdict_line
    assert verdict.startswith(
        "NOT CERTIFIED, 25 of 28 writable properties exercised (not exercised: date_of_birth, "
        "gender, marital_status)"
    )
    lines = result.stdout.splitlines()
    assert 'not exercised: gender\'s current value "" is one no update can send back' in lines
    assert any("asked to exercise every writable property" in line for line in lines)
    assert certificate["verdict"] == "not certified"
    assert certificate["require_full_coverage"] is True
    assert all(row["verdict"] != "failed" for row in certificate["results"])
    enum = next(row for row in certificate["results"] if row["id"] == "UC-ENUM")
    assert enum["not_exercised"] == ["gender", "marital_status"]


def test_prepare_shows_then_sets_then_every_run_exercises_everything(tmp_path: Path) -> None:
    with serve("--contacts", "1", "--fresh-contacts", "1") as server:
        fresh = read_contact(server, FRESH)
        shown = _prepare(server, tmp_path)
        assert read_contact(server, FRESH) == fresh  # without --yes nothing is sent
        done = _prepare(server, tmp_path, "--yes")
        prepared = read_contact(server, FRESH)
        again = _prepare(server, tmp_path, "--yes")
        result, certificate = _certify(server, tmp_path, "--require-full-coverage")
        after = read_contact(server, FRESH)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    planned = [line.split(":")[0].strip() for line in shown.stdout.splitlines()[1:-1]]
    assert planned == list(EMPTY)
    assert shown.stdout.splitlines()[-1] == (
        "nothing was sent: run again with --yes to set these values"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    saved = json.loads((tmp_path / f"contract-prepared-{FRESH}.json").read_text("utf-8"))
    assert saved["url"] == server.url
    assert saved["contact_id"] == FRESH
    assert saved["was"] == {name: fresh[name] for name in EMPTY}
    assert saved["set"] == {name: prepared[name] for name in EMPTY}
    validator = validator_for()
    assert all(validator.is_valid({name: prepared[name]}) for name in EMPTY)
    # Only the empty values changed.
    assert {k: v for k, v in prepared.items() if k not in EMPTY} == {
        k: v for k, v in fresh.items() if k not in EMPTY
    }
    assert again.returncode == 0
    assert "nothing to prepare" in again.stdout
    # Every writable property exercised, and the contact left as prepare left it.
    assert result.returncode == 0, result.stdout + result.stderr
    assert parse(result.stdout).verdict_line.startswith(f"CERTIFIED: {server.url}")
    assert certificate["coverage"]["complete"] is True
    assert certificate["coverage"]["exercised"] == list(load_contract().writable)
    assert after == prepared
    assert server.api_key not in shown.stdout + done.stdout + result.stdout + result.stderr


def test_prepare_says_in_one_line_why_it_cannot(tmp_path: Path) -> None:
    with serve("--contacts", "1", "--fresh-contacts", "1") as server:
        missing = run_contract(
            *("prepare", "--url", server.url, "--user", USER, "--api-key", server.api_key),
            *("--contact-id", "99"),
            cwd=tmp_path,
        )
        no_contact = run_contract(
            *("prepare", "--url", server.url, "--user", USER, "--api-key", server.api_key),
            cwd=tmp_path,
        )
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"contract prepare: could not run: contact 99 does not exist on {server.url}"
    ]
    assert no_contact.returncode == 2
    assert no_contact.stderr.splitlines() == [
        "contract prepare: could not run: give --contact-id: the one contact to prepare"
    ]
