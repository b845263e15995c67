"""Read-only and unknown properties: refused or ignored as the policy says, never applied."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract import checks, requirements
from contract.checks import Contact
from contract.client import Answer
from contract.pytest_plugin.cases import Cases, Draws
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.marker import certifies
from contract.strategies import invalid_updates, property_values, valid_updates
from contract.transports import Transport


# One test per read-only property (the plugin parametrizes `read_only_property` from the
# run's contract), so every one of them is tried in every run.
@certifies(requirements.READONLY, share=0.2)
def test_read_only_properties_never_change(
    contract_certifier: Certifier,
    contract_cases: Cases,
    transport: Transport,
    read_only_property: str,
) -> None:
    extension = contract_certifier.extension

    def case(data: Draws) -> None:
        siblings = data.draw(st.just({}) | valid_updates(transport, extension), label="siblings")
        value = data.draw(
            property_values(read_only_property, transport, extension), label=read_only_property
        )
        contract_certifier.case()
        payload: dict[str, Any] = {**siblings, read_only_property: value}

        def untouched(before: Contact, after: Contact, answer: Answer) -> None:
            read_only = contract_certifier.contract.read_only
            checks.read_only_unchanged(before, after, read_only, answer=answer, payload=payload)

        contract_certifier.policy_outcome(
            requirements.READONLY,
            payload,
            transport,
            contract_certifier.settings.readonly_policy,
            f"the read-only `{read_only_property}`",
            untouched,
        )

    contract_cases.explore(case)


@certifies(requirements.UNKNOWN)
def test_unknown_properties_are_never_stored(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case(data: Draws) -> None:
        unknown = invalid_updates(transport, contract_certifier.extension, rules={"unknown"})
        drawn = data.draw(unknown, label="case")
        contract_certifier.case()
        name = str(drawn.property)

        def not_stored(before: Contact, after: Contact, answer: Answer) -> None:
            checks.unknown_not_stored(after, [name], answer=answer, payload=drawn.payload)

        contract_certifier.policy_outcome(
            requirements.UNKNOWN,
            drawn.payload,
            transport,
            contract_certifier.settings.unknown_policy,
            f"the unknown property `{name}`",
            not_stored,
        )

    contract_cases.explore(case)
