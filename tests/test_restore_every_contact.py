""" "Restored" means every contact the run changed or read reads back as before: the contact
under test with its read-only values, each witness, and each unknown id it sent updates to.

Each test certifies a reference server with a planted fault that leaves something changed,
then reads every contact back itself: the certificate's ``restore`` record and the exit
code must say what the contacts say.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

from tests.certify_output import is_progress
from tests.conftest import USER, Running, Served, certify, read_contact, serve, write_contact

CONTACT = 4
WITNESSES = [5, 3]  # the neighbours that exist, nearest first


def _certify(server: Served, cwd: Path, *options: str) -> tuple[int, str, dict[str, Any]]:
    """Certify contact 4 over REST; the exit code, what was printed, and the certificate."""
    report = cwd / "certificate.json"
    result = certify(
        *("--url", server.url, "--user", USER, "--api-key", server.api_key),
        *("--contact-id", str(CONTACT), "--examples", "1", "--seed", "5"),
        *("--transport", "rest", "--report", str(report), *options),
        cwd=cwd,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert server.api_key not in output
    return result.returncode, result.stdout, json.loads(report.read_text(encoding="utf-8"))


def _contacts(server: Served, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {contact_id: read_contact(server, contact_id) for contact_id in ids}


def test_a_witness_the_install_wrote_is_put_back_and_named(tmp_path: Path) -> None:
    with serve("--fault", "write-neighbour") as server:
        before = _contacts(server, [CONTACT, *WITNESSES])
        code, printed, certificate = _certify(server, tmp_path)
        after = _contacts(server, [CONTACT, *WITNESSES])
    assert code == 1, printed
    assert after == before
    # The options as they were in effect: the witnesses read, the connections used.
    assert certificate["options"]["witness_ids"] == sorted(WITNESSES)
    assert certificate["options"]["connections"] == 8
    restore = certificate["restore"]
    assert restore["complete"] is True
    witness = restore["contacts"]["5"]
    assert witness["role"] == "witness"
    assert witness["complete"] is True
    assert "name" in witness["repaired"]
    assert restore["contacts"]["3"] == {
        "complete": True,
        "role": "witness",
        "note": None,
        "properties": {},
        "repaired": [],
    }
    lines = printed.splitlines()
    assert f"contact {CONTACT} restored: it reads back as before the run" in lines
    assert "witness contact 3 unchanged: it reads back as before the run" in lines
    repaired = next(line for line in lines if line.startswith("witness contact 5 restored: "))
    assert "the install had changed " in repaired
    # True, and said: putting 5 back is an update, which this install writes into 6.
    assert "may have reached contacts the run never read" in repaired
    verdicts = {row["id"]: row["verdict"] for row in certificate["results"]}
    assert verdicts["UC-ISOLATION"] == "failed"


def test_read_only_values_the_install_applied_are_put_back(tmp_path: Path) -> None:
    with serve("--fault", "apply-read-only") as server:
        before = read_contact(server, CONTACT)
        code, printed, certificate = _certify(server, tmp_path)
        after = read_contact(server, CONTACT)
    assert code == 1, printed
    assert after == before  # every property, read-only ones included
    ours = certificate["restore"]["contacts"][str(CONTACT)]
    assert ours["complete"] is True
    assert {"id", "date_create"} <= set(ours["repaired"])
    line = next(line for line in printed.splitlines() if line.startswith(f"contact {CONTACT} "))
    assert line.startswith(
        f"contact {CONTACT} restored: it reads back as before the run (the install had "
        "changed read-only id, date_create"
    )


def test_a_key_the_install_added_is_named_and_the_run_exits_3(tmp_path: Path) -> None:
    with serve("--fault", "store-unknown") as server:
        before = read_contact(server, CONTACT)
        code, printed, certificate = _certify(server, tmp_path)
        after = read_contact(server, CONTACT)
    assert code == 3, printed
    added = set(after) - set(before)
    assert added
    assert {name: after[name] for name in before} == before
    restore = certificate["restore"]
    assert restore["complete"] is False
    left = restore["contacts"][str(CONTACT)]["properties"]
    assert set(left) == added
    for name in added:
        assert left[name]["now"] == after[name]
        assert "original" not in left[name]
        assert "no update takes a key away" in left[name]["why"]
    first = next(line for line in printed.splitlines() if "NOT fully restored" in line)
    assert first.startswith(f"contact {CONTACT} NOT fully restored: ")
    # Nothing a later `contract restore` could do: no file is written for a key.
    assert not (tmp_path / f"contract-restore-{CONTACT}.json").exists()


def test_an_update_stored_in_part_is_sent_again_in_smaller_parts(tmp_path: Path) -> None:
    with serve("--fault", "store-first-ten") as server:
        before = read_contact(server, CONTACT)
        code, printed, certificate = _certify(server, tmp_path)
        after = read_contact(server, CONTACT)
    assert code == 1, printed
    assert after == before
    ours = certificate["restore"]["contacts"][str(CONTACT)]
    assert ours["complete"] is True
    assert len(ours["repaired"]) > 10  # more than one update of ten could put back
    verdicts = {row["id"]: row["verdict"] for row in certificate["results"]}
    assert verdicts["UC-PERSIST"] == "failed"


def test_a_contact_an_update_created_is_named_and_the_run_exits_3(tmp_path: Path) -> None:
    with serve("--fault", "create-unknown-id") as server:
        code, printed, certificate = _certify(server, tmp_path)
    assert code == 3, printed
    restore = certificate["restore"]
    created = {
        contact_id: outcome
        for contact_id, outcome in restore["contacts"].items()
        if outcome["role"] == "unknown id"
    }
    assert created
    for contact_id, outcome in created.items():
        assert outcome["complete"] is False
        assert "did not exist before the run and does now" in outcome["note"]
        assert f"contact {contact_id} NOT fully restored: it did not exist" in printed
    assert restore["contacts"][str(CONTACT)]["complete"] is True


def test_a_witness_someone_else_changed_is_left_as_they_left_it(tmp_path: Path) -> None:
    """Another client's change is not the run's to undo: the witness keeps it, and the run
    says the witness does not read back as before (exit 3)."""
    with serve() as server:
        before = _contacts(server, [CONTACT, *WITNESSES])
        running = Running(
            *("certify", "--url", server.url, "--user", USER, "--api-key", server.api_key),
            *("--contact-id", str(CONTACT), "--examples", "1", "--transport", "rest"),
            cwd=tmp_path,
        )
        try:
            running.wait_for_line(is_progress, 300)
            running.process.send_signal(signal.SIGSTOP)  # changed while the run is held still
            theirs = {"city": "Changed by someone else"}
            write_contact(server, 3, theirs)
            running.process.send_signal(signal.SIGCONT)
            result = running.finish()
        finally:
            running.stop()
        after = _contacts(server, [CONTACT, *WITNESSES])
    assert result.returncode == 3, result.stdout + result.stderr
    assert after[3] == {**before[3], **theirs}
    assert after[CONTACT] == before[CONTACT]
    assert after[5] == before[5]
    line = next(line for line in result.stdout.splitlines() if "witness contact 3" in line)
    assert line.startswith("witness contact 3 NOT fully restored: city is ")
    assert "another client writes this contact too" in line
    assert not (tmp_path / "contract-restore-3.json").exists()
