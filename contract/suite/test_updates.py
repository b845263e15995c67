"""Valid updates: accepted, well answered, stored exactly, and nothing else touched."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contract import checks
from contract.client import Answer
from contract.pytest_plugin.certifier import Certifier
from contract.strategies import valid_updates
from contract.suite._support import certifies, extension
from contract.transports import Transport


def _valid(data: st.DataObject, transport: Transport) -> dict[str, Any]:
    return data.draw(valid_updates(transport, extension()), label="payload")


def _accepted_update(
    certifier: Certifier, data: st.DataObject, transport: Transport
) -> tuple[dict[str, Any], Answer]:
    """Draw a valid payload, send it, and check it was accepted with the contact's id."""
    payload = _valid(data, transport)
    certifier.case()
    answer = certifier.update(payload, transport)
    checks.accepted_with_id(answer, certifier.contact_id, payload)
    return payload, answer


@certifies("UC-ACCEPT")
@given(data=st.data())
def test_valid_updates_are_accepted_with_the_contacts_id(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    _accepted_update(contract_certifier, data, transport)


@certifies("UC-RESPONSE", share=0.4)
@given(data=st.data())
def test_answers_are_well_formed(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    payload, answer = _accepted_update(contract_certifier, data, transport)
    checks.well_formed(answer, payload)


@certifies("UC-PERSIST")
@given(data=st.data())
def test_accepted_properties_read_back_as_sent(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    contract_certifier.require_readback()
    payload, answer = _accepted_update(contract_certifier, data, transport)
    after = contract_certifier.read()
    assert after is not None
    checks.persisted(payload, after, answer=answer)


@certifies("UC-PARTIAL")
@given(data=st.data())
def test_properties_not_sent_are_unchanged(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    contract_certifier.require_readback()
    payload = _valid(data, transport)
    contract_certifier.case()
    before = contract_certifier.read()
    answer = contract_certifier.update(payload, transport)
    checks.accepted_with_id(answer, contract_certifier.contact_id, payload)
    after = contract_certifier.read()
    assert before is not None
    assert after is not None
    writable = contract_certifier.contract.writable
    checks.unsent_unchanged(before, after, payload, writable, answer=answer)


@certifies("UC-IDEMPOTENT", share=0.6)
@given(data=st.data())
def test_the_same_update_twice_gives_the_same_answer_and_state(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    contract_certifier.require_readback()
    payload = _valid(data, transport)
    contract_certifier.case()
    first = contract_certifier.update(payload, transport)
    state = contract_certifier.read()
    second = contract_certifier.update(payload, transport)
    again = contract_certifier.read()
    assert state is not None
    assert again is not None
    checks.same_answer(first, second, payload)
    checks.same_state(state, again, answer=second, payload=payload)
