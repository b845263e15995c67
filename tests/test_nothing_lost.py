"""Nothing lost on a fresh contact: values no update can put back are never sent, and a
contact the run leaves changed is said first, everywhere, with exit 3.

A fresh contact holds the documentation's "empty" defaults: ``""`` in ``gender`` and
``marital_status`` and ``null`` in ``date_of_birth``, values no update may send.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

import requests

from conftest import Wsgi, served
from contract.core.api import UPDATE_METHOD
from contract.core.schema import load_contract
from contract.recording.bodies import body_of
from contract.recording.compact import Expander
from contract.server import ReferenceServer
from tests.certify_output import is_progress, parse
from tests.conftest import USER, Served, certify, read_contact, run_contract, serve

IRREVERSIBLE = ("date_of_birth", "gender", "marital_status")
FRESH = 2  # with --contacts 1 --fresh-contacts 1
NULL = "date_of_birth's current value null is one no update can send back"
EMPTY = '{}\'s current value "" is one no update can send back'
HELD = (
    "3 properties whose values the run could not put back (date_of_birth, gender, "
    f"marital_status): {NULL}; {EMPTY.format('gender')}; {EMPTY.format('marital_status')}"
)


def _certify_fresh(server: Served, cwd: Path, *options: str) -> Any:
    return certify(
        *("--url", server.url, "--user", USER, "--api-key", server.api_key),
        *("--contact-id", str(FRESH), "--examples", "1", "--seed", "7", *options),
        cwd=cwd,
    )


def _properties_sent(recording: Path) -> list[dict[str, Any]]:
    """The properties of every update a recording holds, over REST and XML-RPC."""
    sent, expander = [], Expander()  # lines whole, as a replay reads them
    for line in recording.read_text(encoding="utf-8").splitlines():
        entry = expander.expand(json.loads(line))
        request = entry.get("request", {})
        body, properties = body_of(request).decode("utf-8", "replace") if request else "", None
        try:
            if entry["kind"] == "exchange" and request["method"] == "PUT":
                properties = json.loads(body)
            elif entry["kind"] == "exchange" and request["method"] == "POST":
                params, method = xmlrpc.client.loads(body)
                properties = params[1] if method == UPDATE_METHOD and len(params) == 2 else None
        except (ValueError, TypeError, RecursionError, xmlrpc.client.ResponseError, ExpatError):
            continue  # a malformed body, on purpose
        if isinstance(properties, dict):
            sent.append(properties)
    return sent


def test_a_fresh_contact_is_certified_without_sending_its_irreversible_values(
    tmp_path: Path,
) -> None:
    report, recording = tmp_path / "certificate.json", tmp_path / "run.jsonl"
    with serve("--contacts", "1", "--fresh-contacts", "1") as server:
        before = read_contact(server, FRESH)
        assert [before[name] for name in IRREVERSIBLE] == [None, "", ""]
        result = _certify_fresh(
            server, tmp_path, "--report", str(report), "--record", str(recording)
        )
        assert read_contact(server, FRESH) == before
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    # Said before any verdict, right after the line that says what is certified.
    assert lines[1] == (
        f"not exercised on contact {FRESH}: {HELD}; `contract prepare --url {server.url} "
        f"--contact-id {FRESH}` fills empty values with valid ones once, or "
        "--allow-irreversible exercises them anyway"
    )
    assert is_progress(lines[2]), lines[2]
    # The verdict says how much was exercised, and the lines after it why not the rest.
    assert parse(result.stdout).verdict_line.startswith(
        "CERTIFIED, 25 of 28 writable properties exercised (not exercised: date_of_birth, "
        "gender, marital_status): "
    )
    assert f"not exercised: {EMPTY.format('gender')}" in lines
    assert f"contact {FRESH} restored: it reads back as before the run" in output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["not_exercised"] == list(IRREVERSIBLE)
    assert data["coverage"]["not_exercised"] == list(IRREVERSIBLE)
    assert data["coverage"]["reason"]["date_of_birth"] == NULL
    assert data["irreversible"] == {str(FRESH): list(IRREVERSIBLE)}
    assert data["restore"]["complete"] is True
    # Only the probe that found them out carried them, with the contact's own values.
    sent = [{n: body[n] for n in IRREVERSIBLE if n in body} for body in _properties_sent(recording)]
    carried = [values for values in sent if values]
    assert carried, "the probe of the contact's own values is missing"
    assert all(values.items() <= {k: before[k] for k in IRREVERSIBLE}.items() for values in carried)
    assert not (tmp_path / f"contract-restore-{FRESH}.json").exists()


def test_values_no_update_can_put_back_are_named_first_with_exit_3(tmp_path: Path) -> None:
    """``fill-empty-values`` turns the fresh contact's empty values into others the run
    cannot undo: the run says so first, keeps them in the restore file, and exits 3."""
    report = tmp_path / "certificate.md"
    restore_file = tmp_path / f"contract-restore-{FRESH}.json"
    options = ("--contacts", "1", "--fresh-contacts", "1", "--fault", "fill-empty-values")
    with serve(*options) as server:
        before = read_contact(server, FRESH)
        result = _certify_fresh(server, tmp_path, "--report", str(report), "--transport", "rest")
        after = read_contact(server, FRESH)
        again = run_contract(
            *("restore", str(restore_file), "--user", USER, "--api-key", server.api_key),
            cwd=tmp_path,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "Traceback" not in output
    changed = {name for name in load_contract().writable if after[name] != before[name]}
    assert changed == set(IRREVERSIBLE)
    refused = "(the install refuses it)"
    first = (
        f"contact {FRESH} NOT fully restored: date_of_birth is 0, was null {refused}; gender "
        f'is "unknown", was "" {refused}; marital_status is "unknown", was "" {refused}'
    )
    # First after the progress lines, before failures and the table.
    lines = result.stdout.splitlines()
    assert first in lines
    table = next(i for i, line in enumerate(lines) if line.startswith("requirement"))
    assert lines.index(first) < table
    assert lines[lines.index(first) + 1] == (
        f"the values still to put back are in {restore_file}: run `contract restore {restore_file}`"
    )
    assert json.loads(restore_file.read_text(encoding="utf-8"))["properties"] == {
        "date_of_birth": None,
        "gender": "",
        "marital_status": "",
    }
    assert report.read_text(encoding="utf-8").splitlines()[2] == f"- **{first}**"
    # The fault shows as the requirement it breaks: unsent properties changed.
    assert "UC-PARTIAL over" in output
    assert "NOT CERTIFIED" in output
    # `contract restore` cannot do better: it says so per property, and exits 3.
    assert again.returncode == 3, again.stdout + again.stderr
    assert '`gender` is "unknown", not ""' in again.stderr
    assert server.api_key not in output + again.stdout + again.stderr


def test_allow_irreversible_exercises_them_after_a_warning(tmp_path: Path) -> None:
    with serve("--contacts", "1", "--fresh-contacts", "1") as server:
        result = _certify_fresh(
            server,
            tmp_path,
            "--allow-irreversible",
            "--transport",
            "rest",
            "--report",
            str(tmp_path / "c.json"),
        )
        after = read_contact(server, FRESH)
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.splitlines()[1] == (
        f"WARNING: exercised on contact {FRESH} anyway (--allow-irreversible), so the run "
        f"may leave them changed: {HELD}"
    )
    # Exercised, so changed, and named as such.
    assert after["gender"] != ""
    assert after["marital_status"] != ""
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data["not_exercised"] == []
    assert data["restore"]["complete"] is False
    assert {"gender", "marital_status"} <= set(data["restore"]["properties"])


def test_restore_puts_back_what_it_can_and_keeps_the_rest(tmp_path: Path) -> None:
    with serve("--contacts", "1", "--fresh-contacts", "1") as server:
        saved = read_contact(server, FRESH)
        url = f"{server.url}/api/2.0/contacts/{FRESH}"
        auth = (USER, server.api_key)
        changed = {"name": "Changed", "gender": "male", "city": "Oslo"}
        assert requests.put(url, json=changed, auth=auth, timeout=30).json() == FRESH
        restore_file = tmp_path / "contract-restore-2.json"
        properties = {name: saved[name] for name in ("name", "gender", "city")}
        restore_file.write_text(
            json.dumps({"url": server.url, "contact_id": FRESH, "properties": properties}),
            encoding="utf-8",
        )
        result = run_contract(
            *("restore", str(restore_file), "--user", USER, "--api-key", server.api_key),
            cwd=tmp_path,
        )
        now = read_contact(server, FRESH)
    assert result.returncode == 3, result.stdout + result.stderr
    # Everything the install takes is back, though one value of the same update is refused.
    assert (now["name"], now["city"], now["gender"]) == (saved["name"], saved["city"], "male")
    assert result.stderr.splitlines()[0] == 'contract restore: `gender` is "male", not ""'
    assert json.loads(restore_file.read_text(encoding="utf-8"))["properties"] == {"gender": ""}


def test_a_valid_value_the_install_refuses_to_take_back_fails_uc_accept(tmp_path: Path) -> None:
    """``reject-valid-city`` refuses any update that sets city, even to the contact's own
    value: said as that, in the singular, and a failure of UC-ACCEPT, not an empty value."""
    report = tmp_path / "certificate.json"
    with serve("--fault", "reject-valid-city") as server:
        before = read_contact(server, 4)
        result = certify(
            *("--url", server.url, "--user", USER, "--api-key", server.api_key),
            *("--contact-id", "4", "--examples", "1", "--transport", "rest"),
            *("--report", str(report)),
            cwd=tmp_path,
        )
        assert read_contact(server, 4) == before
    assert result.returncode == 1, result.stdout + result.stderr
    refused = f"the install refuses city's current value {json.dumps(before['city'])}"
    assert result.stdout.splitlines()[1] == (
        "not exercised on contact 4: 1 property whose value the run could not put back "
        f"(city): {refused}; --allow-irreversible exercises it anyway"
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["coverage"]["reason"] == {"city": refused}
    accept = next(row for row in data["results"] if row["id"] == "UC-ACCEPT")
    assert accept["verdict"] == "failed"
    assert accept["failure"]["payload"] == {"city": before["city"]}
    # An empty value `contract prepare` could fill is no such thing: no such hint.
    assert "contract prepare" not in result.stdout


class _HidingInReadBack:
    """The reference server, except that its read-back leaves out *hidden*: a legal
    install may show less than it stores."""

    def __init__(self, app: Wsgi, hidden: str) -> None:
        self.app, self.hidden = app, hidden

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        answered: list[Any] = []
        body = b"".join(self.app(environ, lambda *head: answered.append(head)))
        status, headers = answered[0][:2]
        if environ["REQUEST_METHOD"] == "GET" and status.startswith("200"):
            contact = json.loads(body)
            contact.pop(self.hidden, None)
            body = json.dumps(contact).encode()
        kept = [(name, value) for name, value in headers if name.lower() != "content-length"]
        start_response(status, [*kept, ("Content-Length", str(len(body)))])
        return [body]


def test_a_property_the_read_back_does_not_show_is_never_sent(tmp_path: Path) -> None:
    recording, report = tmp_path / "run.jsonl", tmp_path / "certificate.json"
    with ReferenceServer(contacts=3, user=USER) as server:
        stored = read_contact(server, 1)["hash"]
        with served(_HidingInReadBack(server.app, "hash")) as url:
            result = certify(
                *("--url", url, "--user", USER, "--api-key", server.api_key),
                *("--contact-id", "1", "--examples", "1", "--transport", "rest"),
                *("--report", str(report), "--record", str(recording)),
                cwd=tmp_path,
            )
        after = read_contact(server, 1)
    assert result.returncode == 0, result.stdout + result.stderr
    why = "the read-back does not show hash: no value is known to put back"
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["coverage"]["not_exercised"] == ["hash"]
    assert data["coverage"]["reason"] == {"hash": why}
    assert parse(result.stdout).verdict_line.startswith(
        "CERTIFIED, 27 of 28 writable properties exercised (not exercised: hash): "
    )
    assert f"not exercised: {why}" in result.stdout.splitlines()
    assert all("hash" not in sent for sent in _properties_sent(recording))
    assert after["hash"] == stored
