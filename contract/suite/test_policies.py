"""Read-only and unknown properties: refused or ignored as the policy says, never applied."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract import checks
from contract.checks import Contact
from contract.client import Answer
from contract.pytest_plugin.certifier import Certifier
from contract.strategies import invalid_updates, property_values, valid_updates
from contract.suite._support import certifies, extension, suite_contract
from contract.transports import Transport


# One test per read-only property, so every one of them is tried in every run.
@certifies("UC-READONLY", share=0.2)
@pytest.mark.parametrize("read_only", suite_contract().read_only)
@given(data=st.data())
def test_read_only_properties_never_change(
    contract_certifier: Certifier, transport: Transport, read_only: str, data: st.DataObject
) -> None:
    contract_certifier.require_readback()
    siblings = data.draw(st.just({}) | valid_updates(transport, extension()), label="siblings")
    value = data.draw(property_values(read_only, transport, extension()), label=read_only)
    contract_certifier.case()
    payload: dict[str, Any] = {**siblings, read_only: value}

    def untouched(before: Contact, after: Contact, answer: Answer) -> None:
        contract = contract_certifier.contract
        checks.read_only_unchanged(
            before, after, contract.read_only, answer=answer, payload=payload
        )

    contract_certifier.policy_outcome(
        "UC-READONLY",
        payload,
        transport,
        contract_certifier.config.readonly_policy,
        f"the read-only `{read_only}`",
        untouched,
    )


@certifies("UC-UNKNOWN")
@given(data=st.data())
def test_unknown_properties_are_never_stored(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    contract_certifier.require_readback()
    case = data.draw(invalid_updates(transport, extension(), rules={"unknown"}), label="case")
    contract_certifier.case()
    name = str(case.property)

    def not_stored(before: Contact, after: Contact, answer: Answer) -> None:
        checks.unknown_not_stored(after, [name], answer=answer, payload=case.payload)

    contract_certifier.policy_outcome(
        "UC-UNKNOWN",
        case.payload,
        transport,
        contract_certifier.config.unknown_policy,
        f"the unknown property `{name}`",
        not_stored,
    )
