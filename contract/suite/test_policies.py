"""Read-only and unknown properties: refused or ignored as the policy says, never applied."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract import checks, requirements
from contract.checks import Contact
from contract.client import Answer
from contract.coverage import read_only_probes
from contract.pytest_plugin.cases import Cases, Draws, FixedDraws
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.marker import certifies
from contract.strategies import property_values
from contract.transports import Transport

# A name no contact property has, nor resembles.
_UNKNOWN = "contract_unknown_property"


@certifies(requirements.READONLY)
def test_read_only_properties_never_change(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    contract = contract_certifier.contract
    extension = contract_certifier.extension
    read_only = st.sampled_from(contract.read_only)
    ordinary = contract_certifier.valid_updates(transport, ordinary=True)
    siblings: st.SearchStrategy[dict[str, Any]] = st.just({}) | ordinary

    def case(data: Draws) -> None:
        name = data.draw(read_only, label="property")
        values = property_values(name, transport, extension, ordinary=True)
        value = data.draw(values, label="value")
        payload: dict[str, Any] = {**data.draw(siblings, label="siblings"), name: value}
        contract_certifier.case()

        def untouched(before: Contact, after: Contact, answer: Answer) -> None:
            checks.read_only_unchanged(
                before, after, contract.read_only, answer=answer, payload=payload
            )

        contract_certifier.policy_outcome(
            requirements.READONLY,
            payload,
            transport,
            contract_certifier.settings.readonly_policy,
            f"the read-only `{name}`",
            untouched,
        )

    def each_alone(fixed: list[dict[str, Any]]) -> None:
        for probe in fixed:
            case(FixedDraws({**probe, "siblings": {}}))

    # Every read-only property once, alone and set to a value it does not hold; then
    # Hypothesis explores values and siblings.
    contract_cases.cover(
        read_only_probes(contract, contract_certifier.contact.original), each_alone
    )
    contract_cases.explore(case)


@certifies(requirements.UNKNOWN)
def test_unknown_properties_are_never_stored(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def send(payload: dict[str, Any], name: str) -> None:
        contract_certifier.case()

        def not_stored(before: Contact, after: Contact, answer: Answer) -> None:
            checks.unknown_not_stored(after, [name], answer=answer, payload=payload)

        contract_certifier.policy_outcome(
            requirements.UNKNOWN,
            payload,
            transport,
            contract_certifier.settings.unknown_policy,
            f"the unknown property `{name}`",
            not_stored,
        )

    def case(data: Draws) -> None:
        unknown = contract_certifier.invalid_updates(transport, rules={"unknown"})
        drawn = data.draw(unknown, label="case")
        send(drawn.payload, str(drawn.property))

    probe = {"payload": {_UNKNOWN: "x"}, "property": _UNKNOWN, "kind": "an unknown property"}
    contract_cases.cover([probe], lambda fixed: send(fixed[0]["payload"], _UNKNOWN))
    contract_cases.explore(case)
