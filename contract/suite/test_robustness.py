"""Whatever the suite sends, the install never fails, and both transports agree."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import strategies as st

from contract import checks
from contract.core import requirements
from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.core.validation import validator_for
from contract.pytest_plugin.marker import certifies
from contract.run.cases import Cases, Draws, FixedDraws, each_payload
from contract.run.certifier import Certifier
from contract.run.coverage import (
    Probe,
    as_real_data,
    bad_formats,
    deeply_nested,
    every_writable,
    free_text,
    long_texts,
    outside_enums,
    wrong_types,
)
from contract.strategies import limits_for

# Values as real data holds them (numbers as text, markup, names in other scripts) must
# get the same verdict over both transports: a few of the updates UC-PERSIST sends in full.
_REAL_DATA_FOR_PARITY = 2


def _long_text(
    contract: Contract, transport: Transport, unsent: frozenset[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """A few free-text properties far longer than most examples: where a column is too
    narrow, the install must refuse the update, not fail. (The fixed cases send every one
    300 characters long; a few at a time keep a recording small.)"""
    long_text = limits_for(transport).text(min_size=41, max_size=400)
    names = st.sampled_from(free_text(contract, exclude=unsent))
    return st.dictionaries(names, long_text, min_size=1, max_size=3)


@certifies(requirements.NO5XX)
def test_no_request_gets_a_server_error(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    certifier = contract_certifier
    payloads = (
        certifier.valid_updates(transport)
        | _long_text(certifier.contract, transport, certifier.unsent)
        | certifier.invalid_updates(transport).map(lambda case: case.payload)
    )

    validator = validator_for(certifier.extension)

    def send(payload: object) -> None:
        contract_certifier.case()
        contract_certifier.update(payload, transport)  # checks no 5xx on every request

    def case(data: Draws) -> None:
        send(data.draw(payloads, label="payload"))

    def batch(drawn: list[dict[str, Any]]) -> None:
        # What a conforming install refuses goes side by side; what it applies, in turn.
        invalid = [p for p in drawn if not validator.is_valid(p)]
        certifier.client.concurrently([functools.partial(send, p) for p in invalid])
        for payload in drawn:
            if validator.is_valid(payload):
                send(payload)

    # Long text in every free-text property: a narrow column may refuse it, never fail;
    # nor may a value nested a thousand deep, sent as a body of its own.
    probes = long_texts(certifier.contract, exclude=certifier.unsent)
    if transport == "rest":
        nested = deeply_nested(certifier.contract, exclude=certifier.unsent)
        kind = "a value nested 1,000 deep"
        probes.append({"payload": nested, "property": None, "kind": kind, "body": True})

    def each(fixed: list[Probe]) -> None:
        for probe in fixed:
            if probe.get("body"):
                certifier.case()
                certifier.send_body(transport, probe["payload"].encode())
            else:
                case(FixedDraws({"payload": probe["payload"]}))

    contract_cases.cover(probes, each)
    contract_cases.explore_in_batches(
        lambda data: data.draw(payloads, label="payload"), batch, case
    )


@certifies(requirements.PARITY, share=0.6)
def test_rest_and_xmlrpc_reach_the_same_verdict(
    contract_certifier: Certifier, contract_cases: Cases
) -> None:
    if len(contract_certifier.settings.transports) < 2:
        pytest.skip("not verifiable: parity needs both transports")
    certifier = contract_certifier
    # XML-RPC carries less than JSON, so cases come from its narrower strategies.
    payloads = certifier.valid_updates("xmlrpc", ordinary=True) | certifier.invalid_updates(
        "xmlrpc", siblings=False
    ).map(lambda case: case.payload)

    def case(data: Draws) -> None:
        payload = data.draw(payloads, label="payload")
        contract_certifier.case()
        rest = contract_certifier.update(payload, "rest")
        xmlrpc = contract_certifier.update(payload, "xmlrpc")
        checks.same_verdict(rest, xmlrpc, payload)

    # A valid update of every property, and one bad value of each kind, over both.
    contract, unsent = certifier.contract, certifier.unsent
    probes = [
        every_writable(contract, certifier.contact.original, exclude=unsent),
        *wrong_types(contract, "xmlrpc", exclude=unsent)[:1],
        *outside_enums(contract, exclude=unsent)[:1],
        *bad_formats(contract, exclude=unsent)[:1],
        *as_real_data(contract, exclude=unsent)[:_REAL_DATA_FOR_PARITY],
    ]
    contract_cases.cover(probes, each_payload(case))
    contract_cases.explore(case)
