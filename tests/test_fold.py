"""The fold of outcomes, and the certificate and reports that are its views: plain data."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from contract import requirements
from contract.certificate import Certificate
from contract.fold import Fold, RequirementResult
from contract.outcomes import Failure, Outcome, Problem, Stop
from contract.reports import summary_lines, to_html, to_markdown, write_report
from contract.requirements import CATALOGUE
from contract.restoring import Restored


def failure(requirement: requirements.Requirement = requirements.ENUM) -> Failure:
    return Failure(
        requirement=requirement,
        transport="rest",
        expected="a refusal",
        got="HTTP 200 (application/json): 7",
        payload={"status": "ON"},
        reproduction="curl -X PUT …",
        message=f"{requirement.id} over rest: expected a refusal\n  got:      HTTP 200",
        seed=42,
    )


def passed(requirement: requirements.Requirement, transport: str = "rest") -> Outcome:
    return Outcome(requirement, transport, "passed", cases=3, requests=6)


def test_outcomes_travel_as_json_unchanged() -> None:
    stop = Stop(Problem.UNREACHABLE, "crm.example did not answer within 10 s")
    for outcome in (
        passed(requirements.ACCEPT),
        Outcome(requirements.ENUM, "rest", "failed", 2, 4, failure=failure()),
        Outcome(requirements.PARITY, None, "not verifiable", reason="needs both transports"),
        Outcome(requirements.TYPE, "xmlrpc", "error", 1, 1, reason=stop.detail, stop=stop),
    ):
        assert Outcome.from_json(outcome.to_json()) == outcome


def test_the_most_severe_verdict_stands_and_counts_add_up() -> None:
    fold = Fold()
    fold.add(passed(requirements.ENUM, "rest"))
    fold.add(Outcome(requirements.ENUM, "xmlrpc", "failed", 2, 4, failure=failure()))
    fold.add(passed(requirements.ENUM, "rest"))
    result = fold.results[requirements.ENUM]
    assert (result.verdict, result.cases, result.requests) == ("failed", 8, 16)
    assert result.transports == ["rest", "xmlrpc"]
    assert result.failure == failure()
    assert not fold.certified


def test_a_failure_of_another_requirement_fails_both_and_is_counted_once() -> None:
    fold = Fold()
    five_hundred = failure(requirements.NO5XX)
    fold.add(Outcome(requirements.ENUM, "rest", "failed", 3, 9, failure=five_hundred))
    enum, no5xx = fold.results[requirements.ENUM], fold.results[requirements.NO5XX]
    assert (enum.verdict, no5xx.verdict) == ("failed", "failed")
    assert (enum.cases, no5xx.cases) == (3, 0)
    assert no5xx.failure == five_hundred


def test_a_requirement_is_decided_when_its_last_test_reports() -> None:
    decided: list[RequirementResult] = []
    fold = Fold(on_decided=decided.append)
    fold.expect({requirements.ACCEPT: 2, requirements.EMPTY: 1})
    fold.expect({requirements.ACCEPT: 5})  # another worker's census: the first counts
    fold.add(passed(requirements.ACCEPT))
    assert decided == []
    fold.add(passed(requirements.EMPTY))
    fold.add(passed(requirements.ACCEPT, "xmlrpc"))
    assert [result.id for result in decided] == ["UC-EMPTY", "UC-ACCEPT"]
    assert decided[1].cases == 6


def test_certified_needs_every_requirement_judged_one_passed_and_none_worse() -> None:
    fold = Fold()
    assert not fold.certified
    for requirement in CATALOGUE:
        fold.add(Outcome(requirement, "rest", "not verifiable", reason="no read-back"))
    assert not fold.certified
    fold.add(passed(requirements.ACCEPT))
    assert fold.certified
    fold.add(Outcome(requirements.TYPE, "rest", "error", reason="ValueError: boom"))
    assert not fold.certified


def test_a_stop_or_a_test_that_could_not_judge_means_the_verdict_cannot_stand() -> None:
    fold = Fold()
    fold.add(passed(requirements.ACCEPT))
    assert fold.cannot_judge is None
    lost = Stop(Problem.NOT_IN_RECORDING, "GET /x is not in the recording: record again")
    fold.add(Outcome(requirements.TYPE, "rest", "error", reason=lost.detail, stop=lost))
    assert fold.cannot_judge == lost
    interrupted = Stop(Problem.INTERRUPTED, "interrupted")
    fold.stopped(interrupted)
    fold.stopped(interrupted)
    assert fold.stops == [interrupted]
    assert fold.cannot_judge == interrupted


@pytest.fixture
def certificate() -> Certificate:
    made = Certificate(
        target="https://crm.example",
        options={"seed": 42, "transports": ["rest"]},
        schema_fingerprint="abc123",
        seed=42,
    )
    for requirement in CATALOGUE:
        made.fold.add(passed(requirement))
    made.fold.add(Outcome(requirements.ENUM, "rest", "failed", 1, 2, failure=failure()))
    return made


def test_the_certificate_lists_every_requirement_in_the_catalogues_order(
    certificate: Certificate,
) -> None:
    data = certificate.to_dict()
    assert [row["id"] for row in data["results"]] == [r.id for r in CATALOGUE]
    assert data["verdict"] == "not certified"
    enum = next(row for row in data["results"] if row["id"] == "UC-ENUM")
    assert enum["failure"]["payload"] == {"status": "ON"}
    assert enum["failure"]["requirement"] == "UC-ENUM"
    assert enum["requests_per_case"] == round(8 / 4, 2)
    assert data["totals"]["cases"] == 3 * len(CATALOGUE) + 1
    json.dumps(data)  # JSON-ready as it is


def test_every_report_shows_the_verdicts_and_the_failure(
    certificate: Certificate, tmp_path: Path
) -> None:
    lines = summary_lines(certificate)
    assert lines[0].split() == ["requirement", "verdict", "cases", "requests", "note"]
    assert any(line.startswith("UC-ENUM        FAIL") for line in lines)
    assert lines[-1] == "NOT CERTIFIED: https://crm.example (seed 42)"
    markdown = to_markdown(certificate)
    assert "| UC-ENUM | failed | 4 | 8 | rest | HTTP 200 (application/json): 7 |" in markdown
    assert "### UC-ENUM: a value outside an enum is rejected and nothing changes" in markdown
    page = to_html(certificate)
    assert "UC-ENUM over rest: expected a refusal" in page
    for suffix in (".json", ".md", ".html"):
        write_report(certificate, tmp_path / f"c{suffix}")
        assert "UC-ENUM" in (tmp_path / f"c{suffix}").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"not c\.pdf"):
        write_report(certificate, tmp_path / "c.pdf")


def _left_changed(certificate: Certificate) -> Certificate:
    certificate.restored[7] = Restored(False, {"gender": {"original": "", "now": "male"}})
    certificate.restore_file = "contract-restore-7.json"
    return certificate


def test_a_contact_left_changed_is_said_first_in_every_report(
    certificate: Certificate, tmp_path: Path
) -> None:
    _left_changed(certificate)
    first = 'contact 7 NOT fully restored: gender is "male", was ""'
    lines = summary_lines(certificate)
    assert lines[:2] == [
        first,
        "the values still to put back are in contract-restore-7.json: "
        "run `contract restore contract-restore-7.json`",
    ]
    assert to_markdown(certificate).splitlines()[2] == f"- **{first}**"
    page = to_html(certificate)
    # At the top, before the verdict's heading, in the red box.
    assert page.index("class='restore left-changed'") < page.index("<h1>")
    assert page.index(html.escape(first)) < page.index("<h1>")
    assert ".restore.left-changed{color:#a1261b" in page
    write_report(certificate, tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert next(iter(data)) == "restore"
    assert data["restore"]["complete"] is False
    assert data["restore"]["properties"] == {
        "gender": {"original": "", "now": "male", "contact_id": 7}
    }
    assert certificate.left_changed


def test_a_restored_contact_is_said_too_and_is_no_alarm(certificate: Certificate) -> None:
    certificate.restored[7] = Restored(True)
    assert summary_lines(certificate)[0] == "contact 7 restored: it reads back as before the run"
    assert certificate.to_dict()["restore"]["complete"] is True
    page = to_html(certificate)
    assert "<div class='restore' role=alert><p>contact 7 restored" in page
    assert "class='restore left-changed'" not in page
    assert not certificate.left_changed


def test_a_run_that_changed_nothing_has_no_restore_outcome(certificate: Certificate) -> None:
    assert certificate.to_dict()["restore"] is None
    assert summary_lines(certificate)[0].startswith("requirement")


def test_properties_not_exercised_are_listed_and_counted(certificate: Certificate) -> None:
    certificate.irreversible = {7: ("date_of_birth", "gender"), 8: ("gender", "marital_status")}
    assert certificate.not_exercised == ["date_of_birth", "gender", "marital_status"]
    data = certificate.to_dict()
    assert data["not_exercised"] == ["date_of_birth", "gender", "marital_status"]
    assert data["irreversible"] == {
        "7": ["date_of_birth", "gender"],
        "8": ["gender", "marital_status"],
    }
    assert summary_lines(certificate)[-1] == (
        "not exercised: 3 properties whose values the install will not take back "
        "(date_of_birth, gender, marital_status)"
    )
    assert "- not exercised: date_of_birth, gender, marital_status" in to_markdown(certificate)
    assert "Not exercised: date_of_birth, gender, marital_status." in to_html(certificate)
    # Sent anyway, with --allow-irreversible: nothing is left out.
    certificate.exercised_irreversible = True
    assert certificate.to_dict()["not_exercised"] == []
    assert not summary_lines(certificate)[-1].startswith("not exercised")
