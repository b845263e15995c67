"""Updates that arrive together: a CRM sync and a sign-up form may update one contact at
the same moment, and neither update may be lost."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import strategies as st

from contract import checks
from contract.core import requirements
from contract.pytest_plugin.marker import certifies
from contract.run.cases import Cases, Draws
from contract.run.certifier import Certifier
from contract.run.coverage import ROUND, Probe, concurrent_rounds, sendable
from contract.strategies import property_values


def _send_together(certifier: Certifier, updates: list[dict[str, Any]]) -> None:
    """Send *updates* at the same moment, each over a connection of its own; each must be
    accepted, and one read after them all must hold every one."""
    calls = [
        functools.partial(certifier.update, update["payload"], update["transport"])
        for update in updates
    ]
    answers = certifier.client.concurrently(calls, width=len(calls))
    sent = []
    for update, answer in zip(updates, answers, strict=True):
        assert answer is not None  # no call raised, so each was sent
        certifier.case()
        checks.accepted_with_id(answer, certifier.contact_id, update["payload"])
        sent.append((update["payload"], answer))
    checks.all_persisted(sent, certifier.read_back())


def _rounds_drawn(certifier: Certifier) -> st.SearchStrategy[list[dict[str, Any]]]:
    """A round: :data:`ROUND` valid updates of one property each, all different, each over
    a transport of the run (values that XML-RPC carries too, whichever it goes over)."""
    names = sendable(certifier.contract, certifier.unsent)
    transports = certifier.settings.transports

    def update(name: str) -> st.SearchStrategy[dict[str, Any]]:
        value = property_values(name, "xmlrpc", certifier.extension, ordinary=True)
        return st.fixed_dictionaries(
            {
                "transport": st.sampled_from(transports),
                "payload": st.fixed_dictionaries({name: value}),
            }
        )

    chosen = st.lists(st.sampled_from(names), min_size=ROUND, max_size=ROUND, unique=True)
    return chosen.flatmap(lambda picked: st.tuples(*map(update, picked)).map(list))


@certifies(requirements.CONCURRENT, share=0.12)
def test_updates_that_arrive_together_all_persist(
    contract_certifier: Certifier, contract_cases: Cases
) -> None:
    certifier = contract_certifier
    if certifier.settings.connections == 1:
        pytest.skip(
            "not verifiable: the run was asked to send over one connection per transport "
            + certifier.settings.spell("({--connections} 1)")
            + ", so no two updates arrive together"
        )

    def rounds(fixed: list[Probe]) -> None:
        for round_ in fixed:
            _send_together(certifier, round_["updates"])

    def case(data: Draws) -> None:
        _send_together(certifier, data.draw(_rounds_drawn(certifier), label="round"))

    fixed = concurrent_rounds(
        certifier.contract,
        certifier.contact.original,
        certifier.settings.transports,
        exclude=certifier.unsent,
    )
    contract_cases.cover(fixed, rounds)
    contract_cases.explore(case)
