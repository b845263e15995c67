"""The fold of outcomes, and the certificate and reports that are its views: plain data."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from contract.core import requirements
from contract.core.requirements import CATALOGUE
from contract.core.schema import load_contract
from contract.report.certificate import Certificate
from contract.report.html import to_html
from contract.report.verdicts import Fold, RequirementResult
from contract.report.writers import summary_lines, to_markdown, write_report
from contract.run.exercised import scopes
from contract.run.outcomes import Failure, Outcome, Problem, Stop
from contract.run.put_back import Restored


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
    fold.expect({requirements.ACCEPT: 5})  # another worker's counts: the first count given counts
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
    certificate.restore_files = ["contract-restore-7.json"]
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


NULL = "date_of_birth's current value null is one no update can send back"


def _empty(name: str) -> str:
    return f'{name}\'s current value "" is one no update can send back'


def _left_out(certificate: Certificate) -> Certificate:
    """Two contacts under test, each holding values the run could not put back."""
    contract = load_contract()
    certificate.writable, certificate.scopes = contract.writable, scopes(contract)
    certificate.irreversible = {7: ("date_of_birth", "gender"), 8: ("gender", "marital_status")}
    certificate.unexercised = {
        7: {"date_of_birth": NULL, "gender": _empty("gender")},
        8: {"gender": _empty("gender"), "marital_status": _empty("marital_status")},
    }
    return certificate


def test_properties_not_exercised_are_listed_counted_and_explained(
    certificate: Certificate,
) -> None:
    _left_out(certificate)
    assert certificate.not_exercised == ["date_of_birth", "gender", "marital_status"]
    data = certificate.to_dict()
    assert data["not_exercised"] == ["date_of_birth", "gender", "marital_status"]
    assert data["irreversible"] == {
        "7": ["date_of_birth", "gender"],
        "8": ["gender", "marital_status"],
    }
    coverage = data["coverage"]
    assert coverage["writable"] == 28
    assert len(coverage["exercised"]) == 25
    assert "date_of_birth" not in coverage["exercised"]
    assert coverage["not_exercised"] == ["date_of_birth", "gender", "marital_status"]
    assert coverage["reason"] == {
        "date_of_birth": f"contact 7: {NULL}",
        "gender": f"contact 7: {_empty('gender')}",
        "marital_status": f"contact 8: {_empty('marital_status')}",
    }
    assert coverage["complete"] is False
    missed = {row["id"]: row["not_exercised"] for row in data["results"]}
    assert missed["UC-PERSIST"] == ["date_of_birth", "gender", "marital_status"]
    assert missed["UC-ENUM"] == ["gender", "marital_status"]
    assert missed["UC-FORMAT"] == []
    assert missed["UC-READONLY"] == []
    lines = summary_lines(certificate)
    verdict = next(line for line in lines if line.startswith("NOT CERTIFIED"))
    assert verdict == (
        "NOT CERTIFIED, 25 of 28 writable properties exercised (not exercised: "
        "date_of_birth, gender, marital_status): https://crm.example (seed 42)"
    )
    assert f"not exercised: contact 7: {_empty('gender')}" in lines
    assert lines[-2:] == [
        "to exercise them, fill contact 7's empty values once with "
        "`contract prepare --contact-id 7`",
        "to exercise them, fill contact 8's empty values once with "
        "`contract prepare --contact-id 8`",
    ]
    markdown = to_markdown(certificate)
    assert markdown.startswith(
        "# UpdateContact certificate: not certified, 25 of 28 writable properties exercised"
    )
    assert "- not exercised: date_of_birth, gender, marital_status" in markdown
    assert "| UC-ENUM | failed |" in markdown
    page = to_html(certificate)
    assert "Not exercised: 3 of 28 writable properties" in page
    assert html.escape(_empty("gender")) in page
    # Sent anyway, with --allow-irreversible: nothing is left out.
    certificate.exercised_irreversible = True
    assert certificate.to_dict()["not_exercised"] == []
    assert certificate.to_dict()["coverage"]["complete"] is True
    assert not any(line.startswith("not exercised") for line in summary_lines(certificate))


def test_full_coverage_required_turns_a_partial_run_into_not_certified() -> None:
    certificate = Certificate(
        target="https://crm.example", options={}, schema_fingerprint="a", seed=1
    )
    for requirement in CATALOGUE:
        certificate.fold.add(passed(requirement))
    _left_out(certificate)
    assert certificate.certified
    assert not certificate.coverage_refused
    certificate.require_full_coverage = True
    assert not certificate.certified
    assert certificate.coverage_refused
    data = certificate.to_dict()
    assert data["verdict"] == "not certified"
    assert data["require_full_coverage"] is True
    lines = summary_lines(certificate)
    assert any(line.startswith("NOT CERTIFIED, 25 of 28 writable properties") for line in lines)
    assert any("asked to exercise every writable property" in line for line in lines)
    assert "left some out" in to_html(certificate)
    # A run that exercised everything is certified, required or not.
    certificate.unexercised = {}
    assert certificate.certified
