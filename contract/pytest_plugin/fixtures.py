"""The plugin's fixtures (the run's settings, a client, the contact under test, the
certifier, a test's cases) and what the plugin keeps for the run in pytest's stash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from contract.core.schema import Contract
from contract.pytest_plugin.marker import EXAMPLES, REQUIREMENT
from contract.report.certificate import Certificate
from contract.report.run_facts import not_restored_line
from contract.run.cases import Cases
from contract.run.certifier import Certifier
from contract.run.client import ContactClient
from contract.run.contact import ContactUnderTest
from contract.run.interrupts import StopAtNextRequest
from contract.run.outcomes import Problem, Stop, StopRun
from contract.run.settings import MOCK_URL, Frontend, RunSettings, SettingsError
from contract.run.state import ContractRun

if TYPE_CHECKING:
    from contract.mock import MockEndpoint

RUN = pytest.StashKey[ContractRun]()
CERTIFICATE = pytest.StashKey[Certificate]()
"""The certificate this process folds outcomes into; on xdist, the controller's is the one."""


def contract_run(config: pytest.Config) -> ContractRun:
    """This process's part of the run."""
    return config.stash[RUN]


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
        raise StopRun(Stop(Problem.UNUSABLE_SETTINGS, error.text(Frontend.PLUGIN))) from None
    with run.tape.client(endpoint, run.settings, run.workers) as client:
        run.client = client
        yield client


@pytest.fixture(scope="session")
def contract_contact(
    pytestconfig: pytest.Config, contract_client: ContactClient
) -> Iterator[ContactUnderTest]:
    """The contact this worker may change, restored to its original values afterwards."""
    contact = contract_run(pytestconfig).open_contact(contract_client)
    stop = StopAtNextRequest()
    give_back_signals = stop.install()
    contract_client.before_request = stop.check
    try:
        yield contact
    finally:
        give_back_signals()
        put_back(pytestconfig, contract_client, contact)


def put_back(config: pytest.Config, client: ContactClient, contact: ContactUnderTest) -> None:
    """Put the contact and its witnesses back; say loudly, and keep the values in a file,
    where one cannot be."""
    saved = contract_run(config).put_back(client, contact, Path(config.invocation_params.dir))
    certificate = config.stash[CERTIFICATE]
    certificate.restored.update(contact.outcomes)
    certificate.restore_files += saved
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    for contact_id, outcome in contact.outcomes.items():
        if not outcome.complete:
            reporter.write_line(
                f"contract: {not_restored_line(contact_id, outcome)}", red=True, bold=True
            )
    for path in saved:
        reporter.write_line(
            f"contract: the values still to put back are in {path}: run `contract restore {path}`",
            red=True,
            bold=True,
        )


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
    return contract_run(pytestconfig).certifier(contract_client, contract_contact)


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
    settings = run.settings
    examples = item.stash.get(EXAMPLES, settings.examples)
    return run.tape.cases(contract_certifier, examples, settings.seed, settings.shrink_budget)


@pytest.fixture
def contract_mock() -> Iterator[MockEndpoint]:
    """A simulated install at ``https://install.example`` (see :mod:`contract.mock`).

    User ``admin``, a generated key (``contract_mock.api_key``), contacts 1 to 10.
    """
    from contract.mock import endpoint

    with endpoint(MOCK_URL) as api:
        yield api
