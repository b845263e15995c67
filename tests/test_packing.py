"""Valid updates packed: probes of different properties in one update and one read-back;
a refused pack halved to its culprit; the same cases and verdicts live and replayed."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from conftest import SUITE, Wsgi, served
from contract.core.schema import load_contract
from contract.run.coverage import Probe, as_real_data, is_limit, stored_exactly
from contract.run.packing import packs, payload_of, send_halving
from contract.server import ReferenceServer

PERSIST_TEST = "test_accepted_properties_read_back_as_sent"


def _probe(name: str, value: Any) -> Probe:
    return {"payload": {name: value}, "property": name, "kind": "test"}


def test_no_pack_sets_a_property_twice_and_every_probe_is_sent_once() -> None:
    contract = load_contract()
    probes = [*stored_exactly(contract, "rest"), *as_real_data(contract)]
    packed = packs(probes)
    assert sorted(map(id, (p for pack in packed for p in pack))) == sorted(map(id, probes))
    for pack in packed:
        names = [name for probe in pack for name in probe["payload"]]
        assert len(names) == len(set(names)), names
    # Probes of one property each share updates: as many as the most any property has.
    single = [probe for probe in probes if probe["property"] is not None]
    most = max(sum(p["property"] == probe["property"] for p in single) for probe in single)
    assert len(packs(single)) == most < len(single) // 3


def test_a_probe_packs_with_those_that_set_none_of_its_properties_in_order() -> None:
    several = {"payload": {"name": "a", "city": "b"}, "property": None, "kind": "test"}
    first, second, third = _probe("name", "x"), _probe("name", "y"), _probe("city", "z")
    assert packs([first, several, second, third]) == [[first, third], [several], [second]]


def test_a_refused_pack_is_halved_down_to_its_culprit() -> None:
    pack = [_probe(name, "v") for name in ("a", "b", "c", "d", "e")]
    sent: list[dict[str, Any]] = []
    alone: list[Probe] = []

    def send(payload: dict[str, Any]) -> bool:
        sent.append(payload)
        return "d" not in payload

    send_halving(pack, send, alone.append)
    assert sent == [
        payload_of(pack),
        {"a": "v", "b": "v"},  # accepted: not split further
        {"c": "v", "d": "v", "e": "v"},
        {"d": "v", "e": "v"},
    ]
    # Only the culprit's halves are split, down to probes judged alone.
    assert [probe["property"] for probe in alone] == ["c", "d", "e"]


class _Updates:
    """The reference server's app, keeping the body and status of every REST update."""

    def __init__(self, app: Wsgi) -> None:
        self.app = app
        self.updates: list[tuple[dict[str, Any], int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "PUT":
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[int] = []

        def noting(code: str, headers: Any, *rest: Any) -> Any:
            status.append(int(code.split()[0]))
            return start_response(code, headers, *rest)

        answer = self.app(environ, noting)
        with self.lock, contextlib.suppress(ValueError):  # not JSON: no update to keep
            self.updates.append((json.loads(body), status[0]))
        return answer  # type: ignore[no-any-return]


def _run(
    pytester: pytest.Pytester, url: str, server: ReferenceServer, *extra: str
) -> pytest.RunResult:
    return pytester.runpytest(
        *SUITE,
        *("-k", PERSIST_TEST),
        f"--contract-url={url}",
        f"--contract-user={server.user}",
        "--contract-examples=1",
        "--contract-transport=rest",
        "--contract-contact-id=2",
        *extra,
    )


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReferenceServer]:
    with ReferenceServer(contacts=3, profile="limits") as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        yield server


def test_an_install_that_refuses_a_limit_refuses_the_pack_and_the_halves_find_the_value(
    pytester: pytest.Pytester, limits: ReferenceServer
) -> None:
    report = pytester.path / "certificate.json"
    watched = _Updates(limits.app)
    with served(watched) as url:
        result = _run(pytester, url, limits, f"--contract-report={report}")
    assert result.ret == 0, result.stdout.str()
    probe = next(
        p for p in stored_exactly(load_contract(), "rest") if p["kind"].startswith("text of 300")
    )
    (text, long_name) = next(iter(probe["payload"].items()))
    refused = [body for body, status in watched.updates if status == 422]
    assert any(len(body) > 1 and body.get(text) == long_name for body in refused), refused
    assert {text: long_name} in refused  # the culprit, sent alone at the end of halving
    # Its companions were sent again without it, and accepted (but for limits of their own).
    accepted = [body for body, status in watched.updates if status == 200]
    packed_with = next(b for b in refused if len(b) > 1 and b.get(text) == long_name)
    for name, value in packed_with.items():
        if name != text and not is_limit(value):
            assert any(body.get(name) == value for body in accepted), name
    data = json.loads(report.read_text(encoding="utf-8"))
    persist = next(r for r in data["results"] if r["id"] == "UC-PERSIST")
    assert persist["verdict"] == "passed"
    assert (text, "text of 300 characters") in {
        (limit["property"], limit["value"]) for limit in data["limits"]
    }


def test_a_packed_update_that_reads_back_differently_names_the_property_that_differs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, recording = pytester.path / "certificate.json", pytester.path / "run.jsonl"
    with ReferenceServer(contacts=3, faults=frozenset({"trim-text"})) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        watched = _Updates(server.app)
        with served(watched) as url:
            result = _run(
                pytester,
                url,
                server,
                f"--contract-report={report}",
                f"--contract-record={recording}",
            )
    assert result.ret == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    failure = next(r for r in data["results"] if r["id"] == "UC-PERSIST")["failure"]
    assert failure["phase"] == "coverage"
    assert len(failure["payload"]) > 1, failure["payload"]  # a pack, not one property
    assert failure["got"].startswith("name: sent "), failure["got"]
    assert ";" not in failure["got"], failure["got"]  # the other properties read back
    verdicts = {r["id"]: r["verdict"] for r in data["results"]}
    # The server is gone: the recording alone gives the same verdicts and failure.
    replayed = pytester.runpytest(
        *SUITE,
        *("-k", PERSIST_TEST),
        f"--contract-replay={recording}",
        f"--contract-report={report}",
    )
    assert replayed.ret == 1
    again = json.loads(report.read_text(encoding="utf-8"))
    assert {r["id"]: r["verdict"] for r in again["results"]} == verdicts
    replayed_failure = next(r for r in again["results"] if r["id"] == "UC-PERSIST")["failure"]
    assert replayed_failure["payload"] == failure["payload"]


def test_packing_sends_fewer_updates_than_probes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        watched = _Updates(server.app)
        with served(watched) as url:
            assert _run(pytester, url, server).ret == 0
    contract = load_contract()
    probes = [*stored_exactly(contract, "rest"), *as_real_data(contract)]
    sent = [body for body, _ in watched.updates]
    # Every probe's values went out, in fewer updates than there are probes.
    for probe in probes:
        assert any(probe["payload"].items() <= body.items() for body in sent), probe["kind"]
    assert len(sent) < len(probes)


def test_the_packs_are_the_same_for_every_run() -> None:
    contract = load_contract()
    first = packs([*stored_exactly(contract, "xmlrpc"), *as_real_data(contract)])
    second = packs([*stored_exactly(contract, "xmlrpc"), *as_real_data(contract)])
    assert [payload_of(p) for p in first] == [payload_of(p) for p in second]
