"""The reference server's ``bad-network`` profile, and a certification that survives it:
the same verdicts as over a clean network, the retries counted, and a recording of it that
replays offline to the same verdicts and the same retries."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from contract.server import ReferenceServer
from contract.server.network import (
    DROPPED_SHARE,
    HELD_SHARE,
    RESET_SHARE,
    BadNetwork,
    Fate,
    request_bytes,
)
from tests.conftest import USER, run_contract, serve

KEY = "bad-network-test-key"
HOLD = 6.0
"""How long the server holds an answer: three times the client's time-out below, so that
a held answer is lost whatever the load on the machine."""
TIMEOUT = HOLD / 3
CONTACT_PATH = "/api/2.0/contacts/1"


def _troubling_the_opening_read() -> int:
    """The first network seed under which the second read of contact 1 meets trouble: a
    certification reads it once to check it is there, then again as it opens the contact,
    outside every test."""
    read = request_bytes("GET", CONTACT_PATH, b"")
    for seed in range(10_000):
        network = BadNetwork(seed, HOLD)
        if network.fate(read) is Fate.ANSWERED and network.fate(read) is not Fate.ANSWERED:
            return seed
    raise AssertionError("no seed troubles the opening read")


SEED = _troubling_the_opening_read()


def test_a_fate_depends_on_the_seed_and_the_request_and_never_strikes_twice_in_a_row() -> None:
    requests_sent = [request_bytes("PUT", CONTACT_PATH, b'{"city": "%d"}' % i) for i in range(8000)]
    first = [BadNetwork(SEED, HOLD).fate(request) for request in requests_sent]
    assert first == [BadNetwork(SEED, HOLD).fate(request) for request in requests_sent]
    assert first != [BadNetwork(SEED + 1, HOLD).fate(request) for request in requests_sent]
    for fate, share in ((Fate.DROPPED, DROPPED_SHARE), (Fate.RESET, RESET_SHARE)):
        assert 0.5 * share < first.count(fate) / len(first) < 1.5 * share, fate
    assert first.count(Fate.HELD) > 0.3 * HELD_SHARE * len(first)
    # Sent again after any trouble, a request gets through; the same read, repeated,
    # meets trouble now and then, never twice running.
    network = BadNetwork(SEED, HOLD)
    read = request_bytes("GET", CONTACT_PATH, b"")
    fates = [network.fate(read) for _ in range(2000)]
    assert Fate.DROPPED in fates
    assert all(
        after is Fate.ANSWERED
        for before, after in itertools.pairwise(fates)
        if before is not Fate.ANSWERED
    )


@pytest.fixture(scope="module")
def bad_network() -> Iterator[ReferenceServer]:
    with ReferenceServer(
        contacts=3, api_key=KEY, profile="bad-network", network_seed=SEED, network_hold_seconds=HOLD
    ) as server:
        yield server


def _meeting(fate: Fate, count: int = 1) -> list[bytes]:
    """Bodies of updates of contact 1 whose first sending meets *fate*, each setting a city
    no other sets."""
    predictor = BadNetwork(SEED, HOLD)
    bodies = (b'{"city": "%s %d"}' % (fate.value.encode(), i) for i in range(100_000))
    found = [
        body for body in bodies if predictor.fate(request_bytes("PUT", CONTACT_PATH, body)) is fate
    ]
    return found[:count]


def _city(server: ReferenceServer) -> Any:
    assert server.app is not None
    contact = server.app.service.store.get(1)
    assert contact is not None
    return contact["city"]


def _put(server: ReferenceServer, body: bytes, timeout: float = TIMEOUT) -> requests.Response:
    return requests.put(
        server.url + CONTACT_PATH,
        data=body,
        auth=(server.user, KEY),
        headers={"Content-Type": "application/json"},
        timeout=timeout,
    )


def test_a_dropped_request_is_closed_unanswered_and_never_applied(
    bad_network: ReferenceServer,
) -> None:
    [body] = _meeting(Fate.DROPPED)
    with pytest.raises(requests.ConnectionError, match="without response"):
        _put(bad_network, body)
    assert _city(bad_network) != json.loads(body)["city"]
    assert _put(bad_network, body).json() == 1  # sent again, it gets through
    assert _city(bad_network) == json.loads(body)["city"]


def test_a_reset_connection_loses_the_answer_of_an_update_it_applied(
    bad_network: ReferenceServer,
) -> None:
    [body] = _meeting(Fate.RESET)
    with pytest.raises(requests.ConnectionError, match="reset"):
        _put(bad_network, body)
    assert _city(bad_network) == json.loads(body)["city"]
    assert _put(bad_network, body).json() == 1


@pytest.mark.long
def test_a_held_answer_comes_after_its_update_past_the_time_out(
    bad_network: ReferenceServer,
) -> None:
    lost, late = _meeting(Fate.HELD, count=2)
    with pytest.raises(requests.ReadTimeout):
        _put(bad_network, lost)
    assert _city(bad_network) == json.loads(lost)["city"]  # applied before the hold
    assert _put(bad_network, lost).json() == 1
    started = time.monotonic()
    assert _put(bad_network, late, timeout=10 * HOLD).json() == 1  # a patient client gets it
    assert time.monotonic() - started >= HOLD


def test_contract_serve_plays_the_bad_network_with_its_seed() -> None:
    [body] = _meeting(Fate.DROPPED)
    options = ("--profile", "bad-network", "--network-seed", str(SEED), "--network-hold", "6")
    with serve(*options) as served:

        def put() -> requests.Response:
            return requests.put(
                served.url + CONTACT_PATH, data=body, auth=(USER, served.api_key), timeout=30
            )

        with pytest.raises(requests.ConnectionError):
            put()
        assert put().json() == 1


def _certify(server: ReferenceServer, folder: Path, *extra: str) -> dict[str, Any]:
    """``contract certify`` of *server* (contact 1 unless *extra* says otherwise), the same
    seed every time; its certificate, and its standard output under ``stdout``."""
    report = folder / "certificate.json"
    contact = () if "--contact-id" in extra else ("--contact-id", "1")
    result = run_contract(
        *("certify", "--url", server.url, "--api-key", KEY, *contact),
        *("--seed", "11", "--examples", "2", "--timeout", str(TIMEOUT), "--report", str(report)),
        *extra,
        timeout=600,
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {**json.loads(report.read_text(encoding="utf-8")), "stdout": result.stdout}


def _per_requirement(certificate: dict[str, Any]) -> dict[str, tuple[str, int, int, int]]:
    """Each requirement's verdict, cases, requests other than retries, and retries."""
    return {
        result["id"]: (
            result["verdict"],
            result["cases"],
            result["requests"] - result["retries"],
            result["retries"],
        )
        for result in certificate["results"]
    }


@pytest.mark.long
def test_a_run_over_a_bad_network_reaches_the_clean_verdicts_and_replays_them(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with ReferenceServer(contacts=3, api_key=KEY) as clean:
        clean_run = _certify(clean, tmp_path_factory.mktemp("clean"))
    folder = tmp_path_factory.mktemp("bad")
    recording = folder / "run.jsonl"
    with ReferenceServer(
        contacts=3, api_key=KEY, profile="bad-network", network_seed=SEED, network_hold_seconds=HOLD
    ) as bad:
        assert bad.app is not None
        before = bad.app.service.store.get(1)
        bad_run = _certify(bad, folder, "--record", str(recording))
        assert bad.app.service.store.get(1) == before  # read here, not taken from the run
    replayed = run_contract(
        *("certify", "--replay", str(recording), "--report", str(folder / "replayed.json")),
        timeout=600,
        cwd=folder,
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    replay_run = json.loads((folder / "replayed.json").read_text(encoding="utf-8"))

    clean_results, bad_results = _per_requirement(clean_run), _per_requirement(bad_run)
    verdicts = {name: result[:3] for name, result in clean_results.items()}
    assert {name: result[:3] for name, result in bad_results.items()} == verdicts
    assert {verdict for verdict, *_ in verdicts.values()} == {"passed"}
    # Tests retried some requests, and opening the contact one more.
    assert bad_run["retries"] > bad_run["totals"]["retries"] > 0
    retried = f"retried {bad_run['retries']} requests after network errors (the network, not"
    assert retried in bad_run["stdout"]
    assert ("retried" in clean_run["stdout"]) == (clean_run["retries"] > 0)  # a slow machine
    # Offline, the recorded errors are met again and retried again: the same counts.
    assert _per_requirement(replay_run) == bad_results
    assert replay_run["retries"] == bad_run["retries"]
    assert retried in replayed.stdout


@pytest.mark.long
def test_each_workers_retries_outside_the_tests_reach_the_certificate(
    tmp_path: Path,
) -> None:
    with ReferenceServer(
        contacts=3, api_key=KEY, profile="bad-network", network_seed=SEED, network_hold_seconds=HOLD
    ) as bad:
        assert bad.app is not None
        before = [bad.app.service.store.get(contact) for contact in (1, 2)]
        run = _certify(bad, tmp_path, "--workers", "2", "--contact-id", "1,2")
        assert [bad.app.service.store.get(contact) for contact in (1, 2)] == before
    # The worker that opened contact 1 retried its read, outside every test.
    assert run["retries"] > run["totals"]["retries"]
    assert f"retried {run['retries']} requests after network errors" in run["stdout"]
