"""The plugin's fixtures: the run's settings, a client, the contact under test, the certifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from contract.client import ContactClient, EndpointUnreachable
from contract.interrupts import StopAtNextRequest
from contract.outcomes import Problem, Stop, StopRun
from contract.pytest_plugin.cases import Cases
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.contact import ContactSetupError, ContactUnderTest, open_contact
from contract.pytest_plugin.marker import EXAMPLES, REQUIREMENT
from contract.pytest_plugin.run import contract_run
from contract.pytest_plugin.tape import replayed_contact
from contract.recording import RecordedCase, Recorder, Replayer
from contract.schema import Contract
from contract.settings import MOCK_URL, Door, RunSettings, SettingsError

if TYPE_CHECKING:
    from contract.mock import MockEndpoint


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
        # Offline: no pacing, no waiting out a recorded 429.
        client = ContactClient(endpoint, stop_when_lost=True, sleep=lambda seconds: None)
        with run.tape.intercepting():
            yield client
        return
    limit = run.settings.rate_limit
    client = ContactClient(
        endpoint, stop_when_lost=True, rate_limit=limit.shared_by(run.workers) if limit else None
    )
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
        yield replayed_contact(run.tape, contact_id)
        return
    try:
        contact = open_contact(contract_client, contact_id)
    except ContactSetupError as error:
        raise StopRun(Stop(Problem.NO_SUCH_CONTACT, str(error))) from None
    except EndpointUnreachable as error:
        raise StopRun(error.stop) from None
    if isinstance(run.tape, Recorder):
        run.tape.record_contact(contact.id, contact.original, contact.no_readback)
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
    """Sends, reads back and checks, counting the cases and requests of each test."""
    run = contract_run(pytestconfig)
    return Certifier(contract_client, contract_contact, run.contract, run.settings)


@pytest.fixture
def contract_cases(request: pytest.FixtureRequest, contract_certifier: Certifier) -> Cases:
    """Runs the test's cases: Hypothesis examples, or a recording's cases in a replay.

    A test whose requirement is judged on read-back is skipped, as *not verifiable*,
    against an install that cannot read contacts back.
    """
    run = contract_run(request.config)
    item = request.node
    needs = item.stash.get(REQUIREMENT, None)
    if needs is not None and needs.needs_readback:
        contract_certifier.require_readback()
    tape = run.tape

    def enter(case: RecordedCase) -> None:
        if isinstance(tape, Replayer) and case.contact is not None:
            contract_certifier.contact = replayed_contact(tape, case.contact)

    return Cases(
        examples=item.stash.get(EXAMPLES, run.settings.examples),
        seed=run.settings.seed,
        tape=tape,
        on_replayed_case=enter,
    )


@pytest.fixture
def contract_mock() -> Iterator[MockEndpoint]:
    """A simulated install at ``https://install.example`` (see :mod:`contract.mock`).

    User ``admin``, a generated key (``contract_mock.api_key``), contacts 1 to 10.
    """
    from contract.mock import endpoint

    with endpoint(MOCK_URL) as api:
        yield api
