"""The plugin's fixtures: the run's settings, a client, the contact under test, the certifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from contract.pytest_plugin.marker import EXAMPLES, REQUIREMENT
from contract.pytest_plugin.run import ContractRun, contract_run
from contract.pytest_plugin.tape import replayed_contact
from contract.recording import RecordedCase, Recorder, Replayer
from contract.run.cases import Cases
from contract.run.certifier import Certifier
from contract.run.client import ContactClient, EndpointUnreachable
from contract.run.contact import (
    ContactSetupError,
    ContactUnderTest,
    open_contact,
    witness_candidates,
)
from contract.run.controls import run_control
from contract.run.interrupts import StopAtNextRequest
from contract.run.outcomes import Problem, Stop, StopRun
from contract.run.settings import MOCK_URL, Door, RunSettings, SettingsError
from contract.spec.schema import Contract

if TYPE_CHECKING:
    from contract.mock import MockEndpoint

CLIENT = pytest.StashKey[ContactClient]()
"""The session's client, for what it counted outside every test (its retries)."""


@pytest.fixture(scope="session")
def contract_config(pytestconfig: pytest.Config) -> RunSettings:
    """The run's settings (``--contract-…`` options, ini keys and environment, resolved)."""
    return contract_run(pytestconfig).settings


@pytest.fixture(scope="session")
def contract_schema(pytestconfig: pytest.Config) -> Contract:
    """The contract, with the install's custom fields when an extension was given."""
    return contract_run(pytestconfig).contract


@pytest.fixture(scope="session")
def contract_client(pytestconfig: pytest.Config) -> Iterator[ContactClient]:
    """A keep-alive client of the install, for both transports."""
    run = contract_run(pytestconfig)
    try:
        endpoint = run.settings.endpoint()
    except SettingsError as error:
        # Raised, not pytest.exit(): the test errors and the session stops after it,
        # which an xdist worker can do too.
        raise StopRun(Stop(Problem.UNUSABLE_SETTINGS, error.text(Door.PLUGIN))) from None
    if isinstance(run.tape, Replayer):
        # Offline: no pacing, no waiting out a recorded 429, and each batch in the order
        # it was recorded in (answers to equal requests are served in turn).
        client = ContactClient(endpoint, stop_when_lost=True, sleep=lambda seconds: None)
        pytestconfig.stash[CLIENT] = client
        with run.tape.intercepting():
            yield client
        return
    limit = run.settings.rate_limit
    client = ContactClient(
        endpoint,
        stop_when_lost=True,
        rate_limit=limit.shared_by(run.workers) if limit else None,
        connections=run.settings.connections_in_effect,
    )
    pytestconfig.stash[CLIENT] = client
    if isinstance(run.tape, Recorder):
        client.on_exchange = run.tape.record_exchange
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def contract_contact(
    pytestconfig: pytest.Config, contract_client: ContactClient
) -> Iterator[ContactUnderTest]:
    """The contact this worker may change, restored to its original values afterwards."""
    run = contract_run(pytestconfig)
    contact_id = run.contact_id()
    if isinstance(run.tape, Replayer):
        yield replayed_contact(run.tape, contact_id, run.contract)
        return
    try:
        settings = run.settings
        candidates = witness_candidates(contact_id, settings.witness_ids, settings.contacts())
        contact = open_contact(
            contract_client,
            contact_id,
            run.contract,
            settings.spell,
            witnesses=candidates,
            named_witnesses=bool(settings.witness_ids),
        )
    except ContactSetupError as error:
        raise StopRun(Stop(Problem.NO_SUCH_CONTACT, str(error))) from None
    except EndpointUnreachable as error:
        raise StopRun(error.stop) from None
    if isinstance(run.tape, Recorder):
        run.tape.record_contact(
            contact.id,
            contact.original,
            contact.no_readback,
            contact.irreversible,
            contact.witnesses,
        )
    run.changed.append((contract_client, contact))
    stop = StopAtNextRequest()
    give_back_signals = stop.install()
    contract_client.before_request = stop.check
    try:
        yield contact
    finally:
        give_back_signals()
        run.restore(pytestconfig, contract_client, contact)


@pytest.fixture(scope="session")
def contract_certifier(
    pytestconfig: pytest.Config,
    contract_client: ContactClient,
    contract_contact: ContactUnderTest,
) -> Certifier:
    """Sends, reads back and checks, counting the cases and requests of each test.

    Before any test, each transport gets its positive control: a valid update that must
    be accepted (and read back, where the install can) for its refusals to count.
    """
    run = contract_run(pytestconfig)
    if isinstance(run.tape, Replayer):
        unproven = dict(run.tape.recording.unproven)
    else:
        unproven = _controls(run, contract_client, contract_contact)
    # Made after the controls, whose requests belong to no requirement.
    certifier = Certifier(contract_client, contract_contact, run.contract, run.settings)
    certifier.unproven = unproven
    return certifier


def _controls(run: ContractRun, client: ContactClient, contact: ContactUnderTest) -> dict[str, str]:
    """Each transport's positive control; the transports whose refusals prove nothing."""
    unproven: dict[str, str] = {}
    for transport in run.settings.transports:
        reason = run_control(
            client,
            contact.id,
            run.contract,
            transport,
            reads_back=contact.readback,
            spell=run.settings.spell,
            exclude=contact.unsent(run.settings.allow_irreversible),
        )
        if isinstance(run.tape, Recorder):
            run.tape.record_control(transport, reason)
        if reason is not None:
            unproven[transport] = reason
    return unproven


@pytest.fixture
def contract_cases(request: pytest.FixtureRequest, contract_certifier: Certifier) -> Cases:
    """Runs the test's cases: Hypothesis examples, or a recording's cases in a replay.

    A test whose requirement is judged on read-back is skipped, as *not verifiable*,
    against an install that cannot read contacts back.
    """
    run = contract_run(request.config)
    item = request.node
    contract_certifier.begin_test()
    certifies = item.stash.get(REQUIREMENT, None)
    if certifies is not None and certifies.needs_readback:
        contract_certifier.require_readback()
    if certifies is not None and certifies.judges_refusals:
        transport = getattr(getattr(item, "callspec", None), "params", {}).get("transport")
        unproven = contract_certifier.unproven.get(str(transport))
        if unproven is not None:
            pytest.skip(f"not verifiable: {unproven}")
    tape = run.tape

    def enter(case: RecordedCase) -> None:
        if isinstance(tape, Replayer) and case.contact is not None:
            contract_certifier.contact = replayed_contact(tape, case.contact, run.contract)

    return Cases(
        examples=item.stash.get(EXAMPLES, run.settings.examples),
        seed=run.settings.seed,
        tape=tape,
        on_phase=contract_certifier.enter_phase,
        on_replayed_case=enter,
        meter=contract_certifier.client,
        shrink_budget=run.settings.shrink_budget,
    )


@pytest.fixture
def contract_mock() -> Iterator[MockEndpoint]:
    """A simulated install at ``https://install.example`` (see :mod:`contract.mock`).

    User ``admin``, a generated key (``contract_mock.api_key``), contacts 1 to 10.
    """
    from contract.mock import endpoint

    with endpoint(MOCK_URL) as api:
        yield api
