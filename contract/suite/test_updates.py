"""Valid updates: accepted, well answered, stored exactly, and nothing else touched."""

from __future__ import annotations

from typing import Any

from contract import checks
from contract.core import requirements
from contract.core.transports import Transport
from contract.core.validation import validator_for
from contract.pytest_plugin.marker import certifies
from contract.run.cases import Cases, Draws, each_payload
from contract.run.certifier import Certifier
from contract.run.coverage import (
    Probe,
    as_real_data,
    every_writable,
    one_property,
    stored_exactly,
)
from contract.run.evidence import Reads, ValidExchange
from contract.run.packing import stored_in_packs


def _valid(certifier: Certifier, data: Draws, transport: Transport) -> dict[str, Any]:
    strategy = certifier.valid_updates(transport, ordinary=True)
    return data.draw(strategy, label="payload")


def _exchange(
    certifier: Certifier, data: Draws, transport: Transport, reads: Reads = "none"
) -> tuple[dict[str, Any], ValidExchange]:
    """Draw a valid payload and check it was accepted with the contact's id: sent now, or
    judged on the exchange another test of this run sent (see
    :mod:`contract.run.evidence`)."""
    payload = _valid(certifier, data, transport)
    certifier.case()
    found = certifier.valid_exchange(payload, transport, reads=reads)
    checks.accepted_with_id(found.answer, certifier.contact_id, payload)
    return payload, found


def _every_writable(certifier: Certifier) -> list[Probe]:
    return [
        every_writable(certifier.contract, certifier.contact.original, exclude=certifier.unsent)
    ]


def _own_values_refused(certifier: Certifier) -> list[Probe]:
    """The contact's own values that the install would not take back although the
    contract calls them valid: each alone, again, must be accepted (it changes nothing)."""
    validator = validator_for(certifier.extension)
    original = certifier.contact.original or {}
    return [
        {"payload": {name: original[name]}, "property": name, "kind": "the contact's own value"}
        for name in certifier.contract.writable
        if name in certifier.contact.irreversible and validator.is_valid({name: original[name]})
    ]


def _one_property(certifier: Certifier) -> list[Probe]:
    return [one_property(certifier.contract, certifier.contact.original, exclude=certifier.unsent)]


@certifies(requirements.ACCEPT)
def test_valid_updates_are_accepted_with_the_contacts_id(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case(data: Draws) -> None:
        _exchange(contract_certifier, data, transport)

    probes = [*_own_values_refused(contract_certifier), *_every_writable(contract_certifier)]
    contract_cases.cover(probes, each_payload(case))
    contract_cases.explore(case)


@certifies(requirements.RESPONSE, share=0.4)
def test_answers_are_well_formed(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case(data: Draws) -> None:
        payload, found = _exchange(contract_certifier, data, transport)
        checks.well_formed(found.answer, payload)

    contract_cases.cover(_one_property(contract_certifier), each_payload(case))
    contract_cases.explore(case)


@certifies(requirements.PERSIST)
def test_accepted_properties_read_back_as_sent(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case(data: Draws) -> None:
        payload, found = _exchange(contract_certifier, data, transport, "after")
        after = found.read_after()
        checks.persisted(payload, after, answer=found.answer)

    # Values storage commonly mangles, every allowed value, and values as real data holds
    # them, packed: one update and one read-back for many cases. Then Hypothesis's
    # examples, judged on the exchanges UC-ACCEPT's test sent where it drew the same.
    contract, unsent = contract_certifier.contract, contract_certifier.unsent
    probes = [
        *_every_writable(contract_certifier),
        *stored_exactly(contract, transport, exclude=unsent),
        *as_real_data(contract, exclude=unsent),
    ]
    contract_cases.cover(
        probes, lambda fixed: stored_in_packs(contract_certifier, transport, fixed)
    )
    contract_cases.explore(case)


@certifies(requirements.PARTIAL)
def test_properties_not_sent_are_unchanged(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case(data: Draws) -> None:
        payload, found = _exchange(contract_certifier, data, transport, "around")
        before, after = found.read_around()
        writable = contract_certifier.contract.writable
        checks.unsent_unchanged(before, after, payload, writable, answer=found.answer)
        original, never_sent = contract_certifier.contact.original or {}, contract_certifier.unsent
        checks.unsent_kept(original, after, never_sent, answer=found.answer, payload=payload)

    # Every property set first, so that one sent alone next has others to leave alone.
    probes = [*_every_writable(contract_certifier), *_one_property(contract_certifier)]
    contract_cases.cover(probes, each_payload(case))
    contract_cases.explore(case)


@certifies(requirements.IDEMPOTENT, share=0.6)
def test_the_same_update_twice_gives_the_same_answer_and_state(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case(data: Draws) -> None:
        payload = _valid(contract_certifier, data, transport)
        contract_certifier.case()
        first = contract_certifier.update(payload, transport)
        state = contract_certifier.read_back()
        second = contract_certifier.update(payload, transport)
        again = contract_certifier.read_back()
        checks.same_answer(first, second, payload)
        checks.same_state(state, again, answer=second, payload=payload)

    contract_cases.cover(_one_property(contract_certifier), each_payload(case))
    contract_cases.explore(case)
