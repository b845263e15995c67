"""Recording a certification and replaying it offline: same verdicts, no secrets, no guessing."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import xmlrpc.client
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import SUITE, Wsgi, key_forms, served
from contract.core.requirements import CATALOGUE
from contract.core.schema import load_contract
from contract.exchange.answers import Exchange
from contract.exchange.endpoint import Endpoint
from contract.recording import (
    REDACTED,
    InvalidRecording,
    NotInRecording,
    Recorder,
    Redactor,
    Replayer,
    header,
    load,
    merge,
    part_path,
)
from contract.recording.bodies import body_fields, body_of
from contract.recording.compact import Expander
from contract.recording.lines import draw_fields, drawn_value, dumps
from contract.run.client import ContactClient, EndpointUnreachable
from contract.server import ReferenceServer
from contract.server.xmlrpc_codec import dump_fault
from contract.strategies import InvalidCase
from tests.conftest import RunCli, run_contract

COOKIE = "session-cookie-value-4242"


def _verdicts(report: Path) -> dict[str, tuple[str, int, int]]:
    results = json.loads(report.read_text(encoding="utf-8"))["results"]
    return {r["id"]: (r["verdict"], r["cases"], r["requests"]) for r in results}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _whole(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines as a replay reads them: scope filled in, headers and bodies rebuilt."""
    expander = Expander()
    return [expander.expand(json.loads(json.dumps(line))) for line in lines]


def _write(path: Path, lines: Iterable[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


@pytest.fixture(scope="module")
def correct_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default certification of the bundled reference server, recorded; the server is gone
    after."""
    folder = tmp_path_factory.mktemp("correct-run")
    result = run_contract(
        "certify",
        "--record",
        str(folder / "run.jsonl"),
        "--report",
        str(folder / "live.json"),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture
def recorded(pytester: pytest.Pytester, correct_run: Path) -> Path:
    """This test's own copy of the recorded correct run, next to the live certificate."""
    for name in ("run.jsonl", "live.json"):
        shutil.copy(correct_run / name, pytester.path / name)
    return pytester.path / "run.jsonl"


def test_the_redactor_removes_the_key_in_every_form() -> None:
    redactor = Redactor("admin", "s3cr3t+key", "crm.example.com:8443")
    forms = [b"s3cr3t+key", base64.b64encode(b"s3cr3t+key"), base64.b64encode(b"admin:s3cr3t+key")]
    text = b" ".join(forms)
    redacted = redactor.bytes(text + b" s3cr3t%2Bkey https://crm.example.com:8443/x")
    assert b"s3cr3t" not in redacted
    assert b"czNjcjN0" not in redacted  # Base64 of the key's start
    assert b"crm.example.com" not in redacted
    assert redacted.count(REDACTED.encode()) == 4
    headers = redactor.headers(
        {"Authorization": "Basic abc", "Set-Cookie": "id=1", "Cookie": "id=1", "Accept": "*/*"}
    )
    assert headers == {
        "Authorization": REDACTED,
        "Set-Cookie": REDACTED,
        "Cookie": REDACTED,
        "Accept": "*/*",
    }


@pytest.mark.parametrize("body", [b"", b'{"name": "\xc3\xa9"}', b"\xff\xfe\x00 not UTF-8"])
def test_bodies_round_trip_as_text_or_base64(body: bytes) -> None:
    fields = json.loads(json.dumps(body_fields(body)))
    assert body_of(fields) == body
    assert ("body_base64" in fields) == (body == b"\xff\xfe\x00 not UTF-8")


def test_drawn_values_round_trip_with_their_kind() -> None:
    case = InvalidCase({"status": "maybe", "x": [1, 2.5, None]}, "enum", "status")
    for value in (case, {"name": "a", "city_id": 3}, None, [1, "b"]):
        assert drawn_value(json.loads(json.dumps(draw_fields(value)))) == value


def test_a_broken_recording_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"kind": "contact"}\n', encoding="utf-8")
    with pytest.raises(InvalidRecording, match="is not a recording of format 2"):
        load(path)
    _write(path, [{"kind": "recording", "format": 1}, {"kind": "draw", "test": "t", "case": 0}])
    with pytest.raises(InvalidRecording, match=r"broken.jsonl, line 2: KeyError"):
        load(path)
    path.write_text('{"kind": "recording", "format": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(InvalidRecording, match=r"line 2: not JSON"):
        load(path)
    _write(path, [{"kind": "recording", "format": 3, "tool": "updatecontact-contract/9.0"}])
    with pytest.raises(InvalidRecording, match=r"format 3; this version reads format 1 or 2"):
        load(path)
    path.write_bytes(gzip.compress(b'{"kind": "recording", "format": 2}\n')[:-8])
    with pytest.raises(InvalidRecording, match=r"broken.jsonl: cannot be read to its end"):
        load(path)


def _one_case_recording(path: Path, answers: list[dict[str, Any]]) -> Replayer:
    head = {"kind": "recording", "format": 1, "xmlrpc_path": "/api/2.0/xmlrpc"}
    case = {"kind": "case", "test": "t", "case": 0}
    request = {"method": "GET", "path": "/api/2.0/contacts/1", "headers": {}, "body": ""}
    exchanges = [
        {"kind": "exchange", "test": "t", "case": 0, "request": request, **answer}
        for answer in answers
    ]
    _write(path, [head, case, *exchanges])
    replayer = Replayer(load(path))
    replayer.begin_test("t", "UC-ACCEPT", "rest")
    replayer.enter_case(replayer.recorded_cases("explore")[0])
    return replayer


def test_replay_answers_in_recorded_order_then_refuses(tmp_path: Path) -> None:
    contact = {"status": 200, "headers": {"Content-Type": "application/json"}}
    replayer = _one_case_recording(
        tmp_path / "r.jsonl",
        [
            {"response": {**contact, "body": '{"name": "before"}'}},
            {"response": {**contact, "body": '{"name": "after"}'}},
            {"error": "timeout"},
        ],
    )
    client = ContactClient(Endpoint("https://recorded.invalid", "admin", "unused"))
    with replayer.intercepting():
        assert client.read(1) == {"name": "before"}
        assert client.read(1) == {"name": "after"}
        with pytest.raises(EndpointUnreachable, match="did not answer"):
            client.read(1)
        with pytest.raises(NotInRecording, match=r"GET /api/2\.0/contacts/1 .* record again"):
            client.read(1)
        with pytest.raises(NotInRecording, match="not in the recording: record again"):
            client.update(1, {"name": "x"}, "rest")


def test_a_replay_reaches_the_live_verdicts_offline(
    pytester: pytest.Pytester, recorded: Path
) -> None:
    assert _lines(recorded)[0]["format"] == 2  # the compact format
    result = pytester.runpytest(
        *SUITE, f"--contract-replay={recorded}", f"--contract-report={pytester.path / 'r.json'}"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["CERTIFIED: http://127.0.0.1:* (replayed from run.jsonl)*"])
    live, replayed = _verdicts(pytester.path / "live.json"), _verdicts(pytester.path / "r.json")
    assert replayed == live  # verdicts, and the same cases and requests
    assert {verdict for verdict, _, _ in live.values()} == {"passed"}


def test_the_recording_keeps_the_host_only_in_its_header(recorded: Path) -> None:
    head, *rest = recorded.read_text(encoding="utf-8").splitlines()
    target = json.loads(head)["target"]
    assert target.startswith("http://127.0.0.1:")
    # Drawn text may hold "127.0.0.1" (Hypothesis draws constants from the code), not the port.
    assert not any(target.removeprefix("http://") in line for line in rest)
    kinds = {line["kind"] for line in _lines(recorded)}
    assert kinds >= {"recording", "contact", "case", "draw", "exchange"}
    exchanges = [line for line in _whole(_lines(recorded)) if line["kind"] == "exchange"]
    exchange = next(line for line in exchanges if line["test"] is not None)
    assert exchange["requirement"].startswith("UC-")
    assert exchange["request"]["headers"]["Authorization"] == REDACTED


def test_an_answer_edited_into_a_violation_fails_its_requirement(
    pytester: pytest.Pytester, recorded: Path
) -> None:
    lines = _lines(recorded)
    index, _ = next(
        (i, line)
        for i, line in enumerate(_whole(lines))
        if line["kind"] == "exchange"
        and line["requirement"] == "UC-ENUM"
        and line["request"]["method"] == "PUT"
    )
    refusal = lines[index]
    assert refusal["response"]["status"] == 400
    refusal["response"] = {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": "1",
    }
    _write(recorded, lines)
    report = pytester.path / "edited.json"
    result = pytester.runpytest(
        *SUITE, f"--contract-replay={recorded}", f"--contract-report={report}"
    )
    assert result.ret == 1
    failed = {r for r, (verdict, _, _) in _verdicts(report).items() if verdict != "passed"}
    assert failed == {"UC-ENUM"}
    result.stdout.fnmatch_lines(["*UC-ENUM over rest: expected *"])


def test_a_request_missing_from_the_recording_fails_clearly(
    pytester: pytest.Pytester, recorded: Path
) -> None:
    lines = _lines(recorded)
    dropped = next(
        i
        for i, line in enumerate(_whole(lines))
        if line["kind"] == "exchange" and line["requirement"] == "UC-PERSIST"
    )
    del lines[dropped]
    _write(recorded, lines)
    report = pytester.path / "missing.json"
    result = pytester.runpytest(
        *SUITE, f"--contract-replay={recorded}", f"--contract-report={report}"
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*NotInRecording: * is not in the recording: record again*"])
    assert _verdicts(report)["UC-PERSIST"][0] == "error"


def test_record_mode_once_records_then_replays(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = pytester.path / "once.jsonl.gz"
    args = (*SUITE, "-k", "accepted_with", f"--contract-record={recording}")
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        first = pytester.runpytest(
            *args, f"--contract-url={server.url}", "--contract-record-mode=once"
        )
        assert first.ret == 0
    written = recording.read_bytes()
    assert written[:2] == b"\x1f\x8b"  # the name says gzip
    assert b'"kind": "exchange"' in gzip.decompress(written)
    second = pytester.runpytest(*args, "--contract-record-mode=once")
    assert second.ret == 0
    second.stdout.fnmatch_lines(["*(replayed from once.jsonl.gz)*"])
    assert recording.read_bytes() == written
    unreachable = pytester.runpytest(*args, "--contract-url=http://127.0.0.1:9")
    assert unreachable.ret != 0  # mode all (the default) records again, so it needs the install


@pytest.mark.long
def test_xdist_workers_each_take_a_contact_and_record_one_file_that_replays(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording, report = pytester.path / "workers.jsonl", pytester.path / "certificate.json"
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        result = pytester.runpytest(
            *SUITE,
            "-n",
            "2",
            f"--contract-url={server.url}",
            "--contract-contact-id=1,2",
            "--contract-examples=2",
            f"--contract-record={recording}",
            f"--contract-report={report}",
        )
        assert result.ret == 0
    verdicts = {r["verdict"] for r in json.loads(report.read_text(encoding="utf-8"))["results"]}
    assert verdicts == {"passed"}
    assert list(pytester.path.glob("workers.jsonl.*")) == []
    contacts = {line["id"] for line in _lines(recording) if line["kind"] == "contact"}
    assert contacts == {1, 2}
    replayed = pytester.runpytest(*SUITE, f"--contract-replay={recording}")
    assert replayed.ret == 0


def _with_cookies(app: Wsgi) -> Wsgi:
    """The reference server, setting a session cookie on every answer."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            return start_response(status, [*headers, ("Set-Cookie", f"sid={COOKIE}")], *rest)

        return app(environ, start)  # type: ignore[no-any-return]

    return wrapped


def test_nothing_the_run_wrote_holds_a_secret(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = pytester.path / "out"
    out.mkdir()
    with ReferenceServer(contacts=3) as server, served(_with_cookies(server.app)) as url:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        secrets = [*key_forms(server.user, server.api_key), COOKIE]
        # One whole run, recorded; the other report formats from a part of the suite.
        runs = [
            pytester.runpytest(
                *SUITE,
                f"--contract-url={url}",
                "--contract-examples=3",
                f"--contract-report={out / f'certificate{suffix}'}",
                *extra,
            )
            for suffix, extra in (
                (".json", [f"--contract-record={out / 'run.jsonl'}"]),
                (".md", ["-k", "auth or malformed"]),
                (".html", ["-k", "auth or malformed"]),
                (".xml", ["-k", "auth or malformed"]),
            )
        ]
    assert [run.ret for run in runs] == [0, 0, 0, 0]
    written = sorted(path for path in pytester.path.rglob("*") if path.is_file())
    assert out / "run.jsonl" in written
    assert len([path for path in written if path.parent == out]) == 5
    for path in written:
        content = path.read_bytes()
        assert not [secret for secret in secrets if secret.encode() in content], path
    for run in runs:
        printed = run.stdout.str() + run.stderr.str()
        assert not [secret for secret in secrets if secret in printed]
    assert "Set-Cookie" in (out / "run.jsonl").read_text(encoding="utf-8")


def test_certify_records_and_replays_gzipped(run_cli: RunCli, tmp_path: Path) -> None:
    recording = tmp_path / "certify.jsonl.gz"
    live = run_cli("certify", "--examples", "3", "--record", str(recording), timeout=120)
    assert live.returncode == 0, live.stderr
    assert f"exchanges recorded to {recording}" in live.stdout
    compressed = recording.read_bytes()
    assert compressed[:2] == b"\x1f\x8b"  # gzip
    head = json.loads(gzip.decompress(compressed).decode("utf-8").splitlines()[0])
    assert (head["kind"], head["format"]) == ("recording", 2)
    replay = run_cli("certify", "--replay", str(recording), timeout=120)
    assert replay.returncode == 0, replay.stderr
    assert "replaying" in replay.stdout
    assert "(recorded against http://127.0.0.1:" in replay.stdout
    summary = [line for line in live.stdout.splitlines() if line.startswith("UC-")]
    assert len(summary) == 2 * len(CATALOGUE)  # a progress line and a summary line each
    assert all(line in replay.stdout for line in summary)


def test_certify_cannot_replay_what_is_not_recorded(run_cli: RunCli, tmp_path: Path) -> None:
    missing = run_cli("certify", "--replay", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2
    assert "no recording at" in missing.stderr
    partial = tmp_path / "partial.jsonl"
    head = {
        "kind": "recording",
        "format": 1,
        "xmlrpc_path": "/api/2.0/xmlrpc",
        "schema_fingerprint": load_contract().fingerprint,
        "options": {"contact_ids": [1]},
    }
    contact = {"kind": "contact", "id": 1, "original": {"name": "x"}, "no_readback": None}
    _write(partial, [head, contact])
    result = run_cli("certify", "--replay", str(partial), timeout=120)
    assert result.returncode == 2
    assert "is not in the recording: record again" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_default_recording_is_under_a_megabyte_one_line_an_exchange(correct_run: Path) -> None:
    recording = correct_run / "run.jsonl"
    size = recording.stat().st_size
    assert size < 1_000_000, f"a default recording of {size:,} bytes"
    texts = recording.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [json.loads(text) for text in texts]
    assert lines[0]["format"] == 2
    # Each line is one JSON object in the one way the recorder writes it: it diffs as a line.
    assert [dumps(line) for line in lines] == texts
    whole = _whole(lines)
    readbacks = [
        (line, written)
        for line, written in zip(whole, lines, strict=True)
        if line["kind"] == "exchange"
        and line["request"]["method"] == "GET"
        and line.get("response", {}).get("status") == 200
    ]
    patched = [w for _, w in readbacks if {"body_patch", "body_patch_drawn"} & w["response"].keys()]
    assert len(patched) > len(readbacks) / 2  # a read-back is what changed since the last
    for line, _ in readbacks:
        assert isinstance(json.loads(body_of(line["response"])), dict)


def _sent(
    method: str,
    path: str,
    body: bytes,
    answer: bytes,
    headers: dict[str, str] | None = None,
    status: int = 200,
) -> Exchange:
    sent = {"Accept": "application/json", "Authorization": "Basic c2VjcmV0"}
    answer_headers = {"Content-Length": str(len(answer)), "Content-Type": "application/json"}
    return Exchange(
        method,
        f"https://crm.example.com{path}",
        sent,
        body,
        status,
        answer_headers | (headers or {}),
        answer,
    )


def _record(path: Path, redactor: Redactor, draws: list[Any], exchanges: list[Exchange]) -> None:
    recorder = Recorder(part_path(path, "main"), redactor)
    recorder.scope.begin_test("t", "UC-PERSIST", "rest")
    recorder.start_case()
    for value in draws:
        recorder.record_draw("payload", value)
    for exchange in exchanges:
        recorder.record_exchange(exchange)
    recorder.close()
    rpc = "https://crm.example.com/api/2.0/xmlrpc"
    merge(path, header("https://crm.example.com/api/2.0", rpc, "admin", {}, "f"))


def test_compact_lines_rebuild_every_body_and_header_exactly(tmp_path: Path) -> None:
    contact = {"id": 7, "name": "Ada", "city": "Zürich", "tags": "[]", "score": 2}
    payload = {"name": "Grace 🎉", "city": "\u2028 line\x85break\x7f"}
    contact_path = "/api/2.0/contacts/7"
    call = xmlrpc.client.dumps((7, payload), "contacts.UpdateContact", allow_none=True)
    untagged = {name: value for name, value in (contact | payload).items() if name != "tags"}
    exchanges = [
        _sent("GET", contact_path, b"", json.dumps(contact).encode(), {"Date": "Mon, 1"}),
        _sent("PUT", contact_path, json.dumps(payload, ensure_ascii=False).encode(), b"7"),
        _sent("GET", contact_path, b"", json.dumps(contact | payload).encode(), {"Date": "Tue"}),
        _sent(
            "POST",
            "/api/2.0/xmlrpc",
            call.encode(),
            dump_fault(400, "`name` <is> & wrong"),
            {"Content-Type": "text/xml"},
        ),
        _sent("GET", contact_path, b"", json.dumps(untagged | {"score": 3}).encode()),
        _sent("GET", contact_path, b"", b"\xff not UTF-8", {"Content-Length": "99"}),
        _sent("GET", contact_path, b"", b'{"id": 7,"name":"spaced its own way"}'),
        Exchange("GET", f"https://crm.example.com{contact_path}", {}, b"", error="timeout"),
    ]
    path = tmp_path / "compact.jsonl"
    redactor = Redactor("admin", "secret", "crm.example.com")
    _record(path, redactor, [payload], exchanges)
    lines = _lines(path)
    forms = {
        name
        for line in lines[1:]
        for part in ("request", "response")
        for name in line.get(part, {})
    }
    assert forms >= {
        "body_json_drawn",
        "body_patch_drawn",
        "body_xmlrpc_drawn",
        "body_xmlrpc_fault",
        "body_patch",
        "body_removed",
        "body_base64",
        "body",
        "headers_patch",
    }
    assert "Grace 🎉" in path.read_text(encoding="utf-8")  # text as itself, not escaped
    assert r"\u2028 line\u0085break\u007f" in path.read_text(encoding="utf-8")  # not these
    rebuilt = [line for line in _whole(lines) if line["kind"] == "exchange"]
    assert len(rebuilt) == len(exchanges) == len(lines) - 3  # the header, the case, its draw
    for line, exchange in zip(rebuilt, exchanges, strict=True):
        assert body_of(line["request"]) == exchange.request_body
        assert line["request"]["headers"] == redactor.headers(exchange.request_headers)
        if exchange.error is None:
            assert body_of(line["response"]) == exchange.response_body
            assert line["response"]["headers"] == exchange.response_headers
    replayed = load(path).cases["t"][0]
    assert [answer.body for _, answer in replayed.exchanges] == [
        exchange.response_body for exchange in exchanges
    ]
    assert [key[2] for key, _ in replayed.exchanges] == [e.request_body for e in exchanges]


@pytest.mark.parametrize("name", ["keyless.jsonl", "keyless.jsonl.gz"])
def test_no_form_of_the_key_in_a_compact_recording_plain_or_gzipped(
    tmp_path: Path, name: str
) -> None:
    key = "s3cr3t+key"
    secrets = key_forms("admin", key)
    contact_path = "/api/2.0/contacts/7"
    contact = {"id": 7, "name": "Ada", "note": ""}
    payload = {"name": f"echo {key}", "note": secrets[-1]}
    exchanges = [
        _sent("GET", contact_path, b"", json.dumps(contact).encode()),
        _sent("PUT", contact_path, json.dumps(payload, ensure_ascii=False).encode(), b"7"),
        _sent("GET", contact_path, b"", json.dumps(contact | payload).encode()),
        _sent("GET", f"{contact_path}?key={quote(key)}", b"", json.dumps(payload).encode()),
    ]
    path = tmp_path / name
    _record(path, Redactor("admin", key, "crm.example.com"), [payload], exchanges)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")
    text = gzip.decompress(raw) if name.endswith(".gz") else raw
    assert [form for form in secrets if form.encode() in text] == []
    assert text.count(b"crm.example.com") == 1  # the header's target, nowhere else
    assert REDACTED.encode() in text
    assert b'"body_patch_drawn"' in text  # the second read-back: what the PUT sent
    assert len(load(path).cases["t"][0].exchanges) == len(exchanges)
