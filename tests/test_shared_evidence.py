"""Evidence shared by UC-ACCEPT, UC-RESPONSE, UC-PERSIST and UC-PARTIAL: one exchange of
each drawn payload judges all four, live and replayed, whichever test ran first."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SUITE, served
from contract.server import ReferenceServer
from tests.test_packing import _Updates

SHARING = " or ".join(
    (
        "test_valid_updates_are_accepted_with_the_contacts_id",
        "test_answers_are_well_formed",
        "test_accepted_properties_read_back_as_sent",
        "test_properties_not_sent_are_unchanged",
    )
)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReferenceServer]:
    with ReferenceServer(contacts=3) as reference:
        monkeypatch.setenv("CONTRACT_API_KEY", reference.api_key)
        yield reference


def _results(report: Path) -> dict[str, dict[str, Any]]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {result["id"]: result for result in data["results"]}


def test_each_drawn_payload_is_sent_once_for_the_four_requirements(
    pytester: pytest.Pytester, server: ReferenceServer
) -> None:
    report, recording = pytester.path / "certificate.json", pytester.path / "run.jsonl"
    watched = _Updates(server.app)
    with served(watched) as url:
        result = pytester.runpytest(
            *SUITE,
            *("-k", SHARING),
            f"--contract-url={url}",
            f"--contract-user={server.user}",
            "--contract-transport=rest",
            "--contract-seed=3",
            f"--contract-report={report}",
            f"--contract-record={recording}",
        )
    assert result.ret == 0, result.stdout.str()
    results = _results(report)
    assert {rid: r["verdict"] for rid, r in results.items() if r["cases"]} == {
        "UC-ACCEPT": "passed",
        "UC-RESPONSE": "passed",
        "UC-PERSIST": "passed",
        "UC-PARTIAL": "passed",
    }
    # The first test sends; the others judge what it sent.
    assert results["UC-PARTIAL"]["requests"] == 0
    assert results["UC-PARTIAL"]["cases"] > 0
    sent = Counter(json.dumps(body, sort_keys=True) for body, _ in watched.updates)
    again = {body: count for body, count in sent.items() if count > 1}
    # Only the update of every writable property goes twice: UC-PERSIST packs its fixed
    # cases, the every-writable one among them, on its own.
    assert len(again) <= 1, again
    assert all(len(json.loads(body)) > 20 for body in again), again
    # The recording writes each update once; UC-PARTIAL's cases, which send nothing, name
    # the exchanges they judged.
    lines = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    written = [line for line in lines if line["kind"] == "exchange"]
    assert sum(line["request"]["method"] == "PUT" for line in written) == len(watched.updates)
    named, test = 0, ""
    for line in lines:
        test = line.get("test", test) if line["kind"] in ("case", "reuse") else test
        if line["kind"] == "reuse" and "test_properties_not_sent_are_unchanged" in test:
            named += line["of"]["count"]
    assert named == results["UC-PARTIAL"]["shared_requests"] > 0


def test_a_replay_gives_a_test_the_evidence_it_judged_though_the_test_that_sent_it_is_not_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, recording = pytester.path / "certificate.json", pytester.path / "run.jsonl"
    with ReferenceServer(contacts=3, faults=frozenset({"reset-unsent"})) as faulty:
        monkeypatch.setenv("CONTRACT_API_KEY", faulty.api_key)
        live = pytester.runpytest(
            *SUITE,
            *("-k", SHARING),
            f"--contract-url={faulty.url}",
            f"--contract-user={faulty.user}",
            "--contract-transport=rest",
            "--contract-seed=3",
            f"--contract-report={report}",
            f"--contract-record={recording}",
        )
    assert live.ret == 1
    partial = _results(report)["UC-PARTIAL"]
    assert partial["verdict"] == "failed"
    assert partial["requests"] == 0  # judged on UC-ACCEPT's exchanges
    # UC-PARTIAL's test alone, from the recording: it sends what UC-ACCEPT's test sent for
    # it, and the recording answers from its own case.
    replayed = pytester.runpytest(
        *SUITE,
        *("-k", "test_properties_not_sent_are_unchanged"),
        f"--contract-replay={recording}",
        f"--contract-report={report}",
    )
    assert replayed.ret == 1, replayed.stdout.str()
    again = _results(report)["UC-PARTIAL"]
    assert again["verdict"] == "failed"
    # The same failure; only the address it names differs (a replay sends nowhere).
    fields = ("expected", "got", "payload", "phase", "transport")
    assert {f: again["failure"][f] for f in fields} == {f: partial["failure"][f] for f in fields}


def test_over_several_workers_each_test_sends_its_own_and_a_replay_does_as_recorded(
    pytester: pytest.Pytester, server: ReferenceServer
) -> None:
    report, recording = pytester.path / "certificate.json", pytester.path / "run.jsonl"
    live = pytester.runpytest(
        *SUITE,
        *("-k", SHARING),
        *("-n", "2"),
        f"--contract-url={server.url}",
        f"--contract-user={server.user}",
        "--contract-contact-id=1,2",
        "--contract-examples=3",
        f"--contract-report={report}",
        f"--contract-record={recording}",
    )
    assert live.ret == 0, live.stdout.str()
    results = _results(report)
    assert all(result["shared_requests"] == 0 for result in results.values())
    # UC-ACCEPT reads nothing when no other test judges its exchanges.
    assert results["UC-ACCEPT"]["requests"] == results["UC-ACCEPT"]["cases"]
    options = json.loads(recording.read_text(encoding="utf-8").splitlines()[0])["options"]
    assert options["share_evidence"] is False
    # One process replays it, sharing nothing as the run shared nothing.
    replayed = pytester.runpytest(
        *SUITE, *("-k", SHARING), f"--contract-replay={recording}", f"--contract-report={report}"
    )
    assert replayed.ret == 0, replayed.stdout.str()
    again = _results(report)
    assert {rid: (r["verdict"], r["requests"]) for rid, r in again.items()} == {
        rid: (r["verdict"], r["requests"]) for rid, r in results.items()
    }
