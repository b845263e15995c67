"""Whatever the suite sends, the install never fails, and both transports agree."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from contract import checks, requirements
from contract.coverage import bad_formats, every_writable, long_texts, outside_enums, wrong_types
from contract.pytest_plugin.cases import Cases, Draws, each_payload
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.marker import certifies
from contract.schema import Contract
from contract.strategies import invalid_updates, limits_for, valid_updates
from contract.transports import Transport


def _long_text(contract: Contract, transport: Transport) -> st.SearchStrategy[dict[str, Any]]:
    """Every free-text property far longer than most examples: where a column is too
    narrow, the install must refuse the update, not fail."""
    free_text = [
        name
        for name in contract.writable
        if contract.update["properties"][name].get("type") == "string"
        and not contract.update["properties"][name].keys() & {"enum", "format", "contentSchema"}
    ]
    long_text = limits_for(transport).text(min_size=41, max_size=400)
    return st.fixed_dictionaries({}, optional=dict.fromkeys(free_text, long_text)).filter(bool)


@certifies(requirements.NO5XX)
def test_no_request_gets_a_server_error(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    extension = contract_certifier.extension
    payloads = (
        valid_updates(transport, extension)
        | _long_text(contract_certifier.contract, transport)
        | invalid_updates(transport, extension).map(lambda case: case.payload)
    )

    def case(data: Draws) -> None:
        payload = data.draw(payloads, label="payload")
        contract_certifier.case()
        contract_certifier.update(payload, transport)  # checks no 5xx on every request

    # Long text in every free-text property: a narrow column may refuse it, never fail.
    contract_cases.cover(long_texts(contract_certifier.contract), each_payload(case))
    contract_cases.explore(case)


@certifies(requirements.PARITY, share=0.6)
def test_rest_and_xmlrpc_reach_the_same_verdict(
    contract_certifier: Certifier, contract_cases: Cases
) -> None:
    if len(contract_certifier.settings.transports) < 2:
        pytest.skip("not verifiable: parity needs both transports")
    extension = contract_certifier.extension
    # XML-RPC carries less than JSON, so cases come from its narrower strategies.
    payloads = valid_updates("xmlrpc", extension, ordinary=True) | invalid_updates(
        "xmlrpc", extension, siblings=False
    ).map(lambda case: case.payload)

    def case(data: Draws) -> None:
        payload = data.draw(payloads, label="payload")
        contract_certifier.case()
        rest = contract_certifier.update(payload, "rest")
        xmlrpc = contract_certifier.update(payload, "xmlrpc")
        checks.same_verdict(rest, xmlrpc, payload)

    # A valid update of every property, and one bad value of each kind, over both.
    contract = contract_certifier.contract
    probes = [
        every_writable(contract, contract_certifier.contact.original),
        *wrong_types(contract, "xmlrpc")[:1],
        *outside_enums(contract)[:1],
        *bad_formats(contract)[:1],
    ]
    contract_cases.cover(probes, each_payload(case))
    contract_cases.explore(case)
