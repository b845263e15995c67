"""The checks, on answers made by hand: each passes what the contract allows and fails the rest,
naming its requirement."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from contract import checks
from contract.checks import CheckFailed
from contract.core import requirements
from contract.core.policies import Policy
from contract.core.requirements import Requirement
from contract.exchange.answers import Answer, SentRequest

SENT = SentRequest("PUT", "https://crm.example/api/2.0/contacts/7", {}, b'{"name": "Ada"}')


def answer(
    status: int = 200,
    value: Any = 7,
    *,
    fault: tuple[int, str] | None = None,
    malformed: str | None = None,
    transport: str = "rest",
) -> Answer:
    return Answer(transport, SENT, status, "application/json", b"", value, fault, malformed)  # type: ignore[arg-type]


@contextlib.contextmanager
def fails(requirement: Requirement) -> Iterator[pytest.ExceptionInfo[CheckFailed]]:
    """The block must fail a check of *requirement*."""
    with pytest.raises(CheckFailed) as caught:
        yield caught
    assert caught.value.requirement is requirement, caught.value


def test_an_accepted_answer_with_the_id_passes_and_any_other_fails_uc_accept() -> None:
    checks.accepted_with_id(answer(), 7, {"name": "Ada"})
    checks.accepted_with_id(answer(value=None, malformed="not JSON"), 7, {})  # UC-RESPONSE's job
    with fails(requirements.ACCEPT):
        checks.accepted_with_id(answer(400, {"errors": []}), 7, {})
    with fails(requirements.ACCEPT):
        checks.accepted_with_id(answer(value=8), 7, {})
    with fails(requirements.ACCEPT):
        checks.accepted_with_id(answer(fault=(400, "no")), 7, {})


def test_a_5xx_fails_uc_no5xx_whatever_the_check() -> None:
    with fails(requirements.NO5XX):
        checks.accepted_with_id(answer(503), 7, {})
    with fails(requirements.NO5XX):
        checks.rejected(answer(500), requirements.ENUM, {}, "x")
    with fails(requirements.NO5XX):
        checks.policy_followed(answer(502), "either", requirements.READONLY, {}, "x")


def test_rejected_takes_any_4xx_or_fault_and_nothing_else() -> None:
    for refusal in (answer(400), answer(422), answer(404), answer(fault=(400, "bad"))):
        checks.rejected(refusal, requirements.ENUM, {"status": "x"}, "an enum")
    with fails(requirements.TYPE) as caught:
        checks.rejected(answer(), requirements.TYPE, {"country_id": "x"}, "a wrong type")
    assert "a refusal (4xx or XML-RPC fault) of a wrong type" in str(caught.value)


def test_well_formed_names_what_each_transport_should_answer() -> None:
    checks.well_formed(answer(), {})
    with fails(requirements.RESPONSE) as rest:
        checks.well_formed(answer(malformed="the content type is text/plain"), {})
    assert "JSON integer body" in rest.value.expected
    with fails(requirements.RESPONSE) as rpc:
        checks.well_formed(answer(malformed="no int", transport="xmlrpc"), {})
    assert "methodResponse" in rpc.value.expected


def test_same_value_tells_json_types_apart() -> None:
    assert checks.same_value(1, 1.0)
    assert checks.same_value({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not checks.same_value(1, True)
    assert not checks.same_value("1", 1)
    assert not checks.same_value(None, "")
    assert not checks.same_value([1, 2], [1])


def test_persisted_unchanged_and_partial_name_the_properties_that_moved() -> None:
    before = {"name": "Ada", "city": "Oslo", "score": 2}
    checks.persisted({"name": "Ada"}, before, answer=answer())
    with fails(requirements.PERSIST) as persist:
        checks.persisted({"name": "Bea"}, before, answer=answer())
    assert 'name: sent "Bea", read back "Ada"' in persist.value.got
    checks.unchanged(before, dict(before), requirements.ENUM, answer=answer(), payload={})
    with fails(requirements.AUTH) as unchanged:
        after = {**before, "city": "Rome"}
        checks.unchanged(before, after, requirements.AUTH, answer=answer(), payload={})
    assert 'city: "Oslo" -> "Rome"' in unchanged.value.got
    with fails(requirements.PARTIAL):
        after = {**before, "name": "Bea", "city": ""}
        checks.unsent_unchanged(before, after, {"name": "Bea"}, ["name", "city"], answer=answer())


@pytest.mark.parametrize(
    ("policy", "refused", "ignored"),
    [("reject", True, False), ("ignore", False, True), ("either", True, True)],
)
def test_each_policy_allows_what_it_says(policy: Policy, refused: bool, ignored: bool) -> None:
    for allowed, given in ((refused, answer(400)), (ignored, answer())):
        if allowed:
            checks.policy_followed(given, policy, requirements.UNKNOWN, {}, "x")
        else:
            with fails(requirements.UNKNOWN):
                checks.policy_followed(given, policy, requirements.UNKNOWN, {}, "x")


def test_repeats_and_parity_compare_answers() -> None:
    checks.same_answer(answer(), answer(), {})
    with fails(requirements.IDEMPOTENT):
        checks.same_answer(answer(), answer(409, {"error": "repeat"}), {})
    checks.same_verdict(answer(), answer(transport="xmlrpc"), {})
    with fails(requirements.PARITY) as parity:
        checks.same_verdict(answer(400), answer(transport="xmlrpc"), {})
    assert parity.value.transport == "xmlrpc"


def test_a_failure_reads_as_a_reproducible_report_without_the_key() -> None:
    with fails(requirements.ENUM) as caught:
        checks.rejected(answer(), requirements.ENUM, {"status": "ON"}, "a value outside")
    text = caught.value.render()
    lines = text.splitlines()
    assert lines[0].startswith("UC-ENUM over rest: expected a refusal")
    assert lines[1] == "  got:      HTTP 200 (application/json): 7"
    assert lines[2] == '  payload:  {"status": "ON"}'
    assert lines[3] == "  reproduce:"
    assert '-u "admin:$CONTRACT_API_KEY"' in lines[4]
