"""Read-only and unknown properties: refused or ignored as the policy says, never applied."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from contract import checks
from contract.checks import Contact
from contract.core import requirements
from contract.core.policies import Policy
from contract.core.requirements import Requirement
from contract.core.transports import Transport
from contract.exchange.answers import Answer
from contract.pytest_plugin.marker import certifies
from contract.run.cases import BatchUndecided, Cases, Draws
from contract.run.certifier import Certifier, Refusal
from contract.run.coverage import Probe, read_only_probes, unknown_lookalikes
from contract.strategies import property_values

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

    policy = contract_certifier.settings.readonly_policy
    refusals = Refusals(contract_certifier, requirements.READONLY, policy, transport)

    def draw(data: Draws) -> tuple[dict[str, Any], str]:
        name = data.draw(read_only, label="property")
        values = property_values(name, transport, extension, ordinary=True)
        value = data.draw(values, label="value")
        return {**data.draw(siblings, label="siblings"), name: value}, f"the read-only `{name}`"

    def case(data: Draws) -> None:
        payload, what = draw(data)
        contract_certifier.case()

        def untouched(before: Contact, after: Contact, answer: Answer) -> None:
            checks.read_only_unchanged(
                before, after, contract.read_only, answer=answer, payload=payload
            )

        answer = contract_certifier.policy_outcome(
            requirements.READONLY, payload, transport, policy, what, untouched
        )
        refusals.saw(answer)

    def all_alone(fixed: list[dict[str, Any]]) -> None:
        batch: list[Refusal] = []
        for probe in fixed:
            name, payload = probe["property"], {probe["property"]: probe["value"]}
            send = functools.partial(contract_certifier.update, payload, transport)
            batch.append((payload, f"the read-only `{name}`", send))
        for answer in contract_certifier.policy_in_batch(requirements.READONLY, policy, batch):
            refusals.saw(answer)

    # Every read-only property once, alone and set to a value it does not hold, side by
    # side; then Hypothesis explores values and siblings.
    contract_cases.cover(read_only_probes(contract, contract_certifier.contact.original), all_alone)
    contract_cases.explore_in_batches(draw, refusals.judge, case)


@certifies(requirements.UNKNOWN)
def test_unknown_properties_are_never_stored(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    policy = contract_certifier.settings.unknown_policy
    refusals = Refusals(contract_certifier, requirements.UNKNOWN, policy, transport)
    unknown = contract_certifier.invalid_updates(transport, rules={"unknown"})

    def send(payload: dict[str, Any], name: str) -> None:
        contract_certifier.case()

        def not_stored(before: Contact, after: Contact, answer: Answer) -> None:
            checks.unknown_not_stored(before, after, [name], answer=answer, payload=payload)

        what = f"the unknown property `{name}`"
        answer = contract_certifier.policy_outcome(
            requirements.UNKNOWN, payload, transport, policy, what, not_stored
        )
        refusals.saw(answer)

    def draw(data: Draws) -> tuple[dict[str, Any], str]:
        drawn = data.draw(unknown, label="case")
        return drawn.payload, f"the unknown property `{drawn.property}`"

    def case(data: Draws) -> None:
        drawn = data.draw(unknown, label="case")
        send(drawn.payload, str(drawn.property))

    probe = {"payload": {_UNKNOWN: "x"}, "property": _UNKNOWN, "kind": "an unknown property"}
    contract = contract_certifier.contract
    probes = [probe, *unknown_lookalikes(contract, exclude=contract_certifier.unsent)]

    def each_alone(fixed: list[Probe]) -> None:
        for one in fixed:
            send(one["payload"], one["property"])

    contract_cases.cover(probes, each_alone)
    contract_cases.explore_in_batches(draw, refusals.judge, case)


class Refusals:
    """Judges a policy's examples as one batch of refusals, where refusals are what to
    expect: the policy says reject, or says either and the install refused every
    coverage case. Otherwise, or when the install accepted some, they run one by one."""

    def __init__(
        self,
        certifier: Certifier,
        requirement: Requirement,
        policy: Policy,
        transport: Transport,
    ) -> None:
        self._certifier = certifier
        self._requirement = requirement
        self._policy = policy
        self._transport = transport
        self._all_refused = True

    def saw(self, answer: Answer) -> None:
        """A case ran one by one and got *answer*."""
        self._all_refused = self._all_refused and answer.rejected

    def judge(self, drawn: list[tuple[dict[str, Any], str]]) -> None:
        """Send every payload side by side and judge the answers, or raise
        :class:`BatchUndecided`."""
        certifier, transport = self._certifier, self._transport
        if self._policy == "ignore" or not self._all_refused:
            raise BatchUndecided(f"{self._requirement.id}: acceptances need reads of their own")
        batch: list[Refusal] = [
            (payload, what, functools.partial(certifier.update, payload, transport))
            for payload, what in drawn
        ]
        answers = certifier.unchanged_if_refused_in_batch(self._requirement, batch)
        for (payload, what), answer in zip(drawn, answers, strict=True):
            checks.policy_followed(answer, self._policy, self._requirement, payload, what)
