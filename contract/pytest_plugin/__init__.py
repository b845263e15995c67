"""The pytest plugin: ``--contract-…`` options, fixtures, and the certificate of a run.

Registered through the ``pytest11`` entry point, so installing the package is enough. It
stays inert until a test asks for its fixtures or carries a ``contract_requirement``
marker, as the built-in suite (``pytest --pyargs contract.suite``) does.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from contract.certificate import Certificate, Verdict
from contract.checks import CheckFailed
from contract.client import ContactClient, EndpointUnreachable, InstallLost
from contract.interrupts import StopAtNextRequest, interrupts_deferred
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.contact import (
    ContactSetupError,
    ContactUnderTest,
    open_contact,
    restore,
)
from contract.pytest_plugin.options import SuiteConfig, add_options, resolve
from contract.pytest_plugin.tape import (
    Tape,
    finish,
    open_tape,
    replayed_contact,
    test_id,
    worker_name,
)
from contract.recording import Recorder, Replayer
from contract.reports import summary_lines, write_report
from contract.schema import Contract, load_contract

if TYPE_CHECKING:
    from contract.mock import MockEndpoint

if sys.version_info >= (3, 11):
    _ExceptionGroup = BaseExceptionGroup  # noqa: F821 (a builtin from 3.11 on)
else:  # Hypothesis depends on the backport there
    from exceptiongroup import BaseExceptionGroup as _ExceptionGroup

CONFIG = pytest.StashKey[SuiteConfig]()
CERTIFICATE = pytest.StashKey[Certificate]()
CONTACTS = pytest.StashKey[list[tuple[ContactClient, ContactUnderTest]]]()
TAPE = pytest.StashKey[Tape | None]()
MARKER = "contract_requirement"
_URLLIB3_INSECURE = "urllib3.exceptions.InsecureRequestWarning"
INSECURE_WARNING = (
    "--contract-insecure: the install's TLS certificate is not checked; "
    "whoever sits in between can read the API key"
)
_PROPERTY = "contract"

_active: list[pytest.Config] = []


def active_config() -> SuiteConfig | None:
    """The settings of the pytest run in progress, for the suite's import-time decorators."""
    return _active[-1].stash[CONFIG] if _active else None


def active_tape() -> Tape | None:
    """The run's recorder or replayer, if it records or replays."""
    return _active[-1].stash.get(TAPE, None) if _active else None


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(id): the UpdateContact requirement (UC-…) a test certifies"
    )
    suite = resolve(config)
    contract = load_contract(suite.schema_extension)
    suite, config.stash[TAPE] = open_tape(suite, contract.fingerprint, worker_name(config))
    config.stash[CONFIG] = suite
    config.stash[CONTACTS] = []
    _active.append(config)
    if suite.report and suite.report.endswith(".xml") and not config.option.xmlpath:
        config.option.xmlpath = suite.report  # pytest's own JUnit writer makes the .xml
    certificate = Certificate(
        target=_target(suite, config.stash[TAPE]),
        options=suite.public() if suite.url else {},
        schema_fingerprint=contract.fingerprint,
        seed=suite.seed,
    )
    config.stash[CERTIFICATE] = certificate
    if not suite.verify_tls:
        # Said once, loudly, in the summary, instead of a urllib3 warning per request.
        config.addinivalue_line("filterwarnings", f"ignore::{_URLLIB3_INSECURE}")
        config.issue_config_time_warning(pytest.PytestWarning(INSECURE_WARNING), stacklevel=2)
    config.pluginmanager.register(_CertificateCollector(certificate), "contract-certificate")


def _target(suite: SuiteConfig, tape: Tape | None) -> str | None:
    """What the certificate is about: for a replay, the install the recording was made on."""
    if isinstance(tape, Replayer):
        recording = Path(suite.replay or "").name
        return f"{tape.recording.header.get('target')} (replayed from {recording})"
    return suite.url


def pytest_unconfigure(config: pytest.Config) -> None:
    if config in _active:
        _active.remove(config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    tape = item.config.stash.get(TAPE, None)
    marker = item.get_closest_marker(MARKER)
    if tape is None or marker is None:
        return (yield)
    params = getattr(getattr(item, "callspec", None), "params", {})
    tape.scope.begin_test(test_id(item), str(marker.args[0]), params.get("transport"))
    if isinstance(tape, Recorder) and not hasattr(item.obj, "hypothesis"):  # type: ignore[attr-defined]
        tape.start_case()  # a test without Hypothesis is one case
    try:
        return (yield)
    finally:
        tape.scope.end_test()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is not None:
            # JUnit XML shows user properties: name the requirement there too.
            item.user_properties.append(("requirement", str(marker.args[0])))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "transport" in metafunc.fixturenames and metafunc.definition.get_closest_marker(MARKER):
        transports = metafunc.config.stash[CONFIG].transports
        metafunc.parametrize("transport", transports, ids=list(transports))


@pytest.fixture(scope="session")
def contract_config(pytestconfig: pytest.Config) -> SuiteConfig:
    """The run's ``--contract-…`` settings."""
    return pytestconfig.stash[CONFIG]


@pytest.fixture(scope="session")
def contract_schema(contract_config: SuiteConfig) -> Contract:
    """The contract, with the install's custom fields when an extension was given."""
    return load_contract(contract_config.schema_extension)


@pytest.fixture(scope="session")
def contract_client(
    pytestconfig: pytest.Config, contract_config: SuiteConfig
) -> Iterator[ContactClient]:
    """A keep-alive client of the install, for both transports."""
    endpoint = contract_config.endpoint
    if not endpoint.is_loopback and not contract_config.contact_ids:
        pytest.exit(
            f"{endpoint.base_url} is not on this machine: name the contact the run may change "
            "with --contract-contact-id",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    if endpoint.plain_http_hosts and not contract_config.allow_insecure_http:
        pytest.exit(
            f"the API key would cross the network unencrypted to {endpoint.plain_http_hosts[0]}: "
            "use https://, or accept that with --contract-allow-insecure-http",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    tape = pytestconfig.stash[TAPE]
    if isinstance(tape, Replayer):
        # Offline: no pacing, no waiting out a recorded 429.
        client = ContactClient(endpoint, stop_when_lost=True, sleep=lambda seconds: None)
        with tape.intercepting():
            yield client
        return
    limit = contract_config.rate_limit
    workers = int(getattr(pytestconfig, "workerinput", {}).get("workercount", 1))
    client = ContactClient(
        endpoint, stop_when_lost=True, rate_limit=limit.shared_by(workers) if limit else None
    )
    if isinstance(tape, Recorder):
        client.on_exchange = tape.record_exchange
    try:
        yield client
    finally:
        client.close()


def _worker_index(config: pytest.Config) -> int:
    worker = getattr(config, "workerinput", {}).get("workerid", "gw0")
    return int(str(worker).removeprefix("gw") or 0)


def _restore_file(config: pytest.Config, contact_id: int) -> Path:
    return Path(config.invocation_params.dir) / f"contract-restore-{contact_id}.json"


@pytest.fixture(scope="session")
def contract_contact(
    pytestconfig: pytest.Config,
    contract_config: SuiteConfig,
    contract_client: ContactClient,
    contract_schema: Contract,
) -> Iterator[ContactUnderTest]:
    """The contact this worker may change, restored to its original values afterwards."""
    ids = contract_config.contact_ids or (1,)
    workers = int(getattr(pytestconfig, "workerinput", {}).get("workercount", 1))
    if len(ids) < workers:
        pytest.exit(
            f"{workers} workers need {workers} contact ids, one each; got {len(ids)}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    contact_id = ids[_worker_index(pytestconfig) % len(ids)]
    tape = pytestconfig.stash[TAPE]
    if isinstance(tape, Replayer):
        yield replayed_contact(tape, contact_id)
        return
    try:
        contact = open_contact(contract_client, contact_id)
    except ContactSetupError as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    except (EndpointUnreachable, InstallLost) as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    if isinstance(tape, Recorder):
        tape.record_contact(contact.id, contact.original, contact.no_readback)
    pytestconfig.stash[CONTACTS].append((contract_client, contact))
    stop = StopAtNextRequest()
    give_back_signals = stop.install()
    contract_client.before_request = stop.check
    try:
        yield contact
    finally:
        give_back_signals()
        _restore(pytestconfig, contract_client, contact)


def _restore(config: pytest.Config, client: ContactClient, contact: ContactUnderTest) -> None:
    writable = load_contract(config.stash[CONFIG].schema_extension).writable
    client.before_request = None  # a stop asked for must not stop the restore
    with interrupts_deferred():
        saved = restore(client, contact, writable, _restore_file(config, contact.id))
    if saved is not None:
        config.stash[CERTIFICATE].restore_file = saved
        message = (
            f"contract: contact {contact.id} could not be restored; its original values are in "
            f"{saved}: run `contract restore {saved}`"
        )
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)


@pytest.fixture(scope="session")
def contract_certifier(
    contract_config: SuiteConfig,
    contract_client: ContactClient,
    contract_contact: ContactUnderTest,
    contract_schema: Contract,
) -> Certifier:
    """Sends, reads back and checks, counting the cases and requests of each test."""
    return Certifier(contract_client, contract_contact, contract_schema, contract_config)


@pytest.fixture
def contract_mock() -> Iterator[MockEndpoint]:
    """A simulated install at ``https://install.example`` (see :mod:`contract.mock`).

    User ``admin``, a generated key (``contract_mock.api_key``), contacts 1 to 10.
    """
    from contract.mock import endpoint

    with endpoint("https://install.example", user="admin") as api:
        yield api


def _outcome(
    item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]
) -> dict[str, Any]:
    marker = item.get_closest_marker(MARKER)
    assert marker is not None
    requirement = str(marker.args[0])
    params = getattr(getattr(item, "callspec", None), "params", {})
    certifier = getattr(item, "funcargs", {}).get("contract_certifier")
    cases, requests = certifier.take_counts() if isinstance(certifier, Certifier) else (0, 0)
    outcome: dict[str, Any] = {
        "requirement": requirement,
        "transport": params.get("transport"),
        "cases": cases,
        "requests": requests,
    }
    verdict: Verdict
    if report.passed:
        verdict = "passed"
    elif report.skipped:
        verdict = "not verifiable"
        longrepr = report.longrepr
        outcome["reason"] = str(
            longrepr[2] if isinstance(longrepr, tuple) else longrepr
        ).removeprefix("Skipped: ")
    else:
        error = _check_failure(call.excinfo.value) if call.excinfo is not None else None
        if isinstance(error, CheckFailed):
            verdict = "failed"
            outcome["requirement"] = error.requirement
            if error.requirement == "UC-NO5XX" and requirement != "UC-NO5XX":
                # A 5xx is no answer the tested requirement allows either.
                outcome["also"] = [requirement]
            outcome["failure"] = {
                "message": str(error),
                "transport": error.transport,
                "expected": error.expected,
                "got": error.got,
                "payload": error.payload,
                "reproduction": error.reproduction,
                "seed": item.config.stash[CONFIG].seed,
            }
        elif isinstance(error, InstallLost):
            verdict = "error"
            outcome["reason"] = str(error)
            item.session.shouldstop = str(error)
        else:
            verdict = "error"
            outcome["reason"] = (
                f"{type(error).__name__}: {error}"
                if error is not None
                else report.longreprtext[:500]
            )
    outcome["verdict"] = verdict
    return outcome


def _check_failure(error: BaseException) -> BaseException:
    """The CheckFailed inside *error*, if any.

    Hypothesis raises a FlakyFailure group when the replay of a failing example passes,
    which a stateful install does (the first attempt changed what the second sees): the
    first failure still stands.
    """
    if isinstance(error, _ExceptionGroup):
        for inner in error.exceptions:
            found = _check_failure(inner)
            if isinstance(found, CheckFailed):
                return found
    return error


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    decisive = report.when == "call" or (report.when == "setup" and not report.passed)
    if decisive and item.get_closest_marker(MARKER) is not None:
        outcome = _outcome(item, report, call)
        report.user_properties.append((_PROPERTY, json.dumps(outcome, default=repr)))
        if outcome["verdict"] == "failed":
            seed = item.config.stash[CONFIG].seed
            report.sections.append(("contract", f"replay with --contract-seed {seed}"))
    return report


class _CertificateCollector:
    """Folds every test report into the certificate; on xdist, on the controller."""

    def __init__(self, certificate: Certificate) -> None:
        self.certificate = certificate

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name != _PROPERTY:
                continue
            outcome = json.loads(str(value))
            self.certificate.results[outcome["requirement"]].record(
                outcome["verdict"],
                transport=outcome.get("transport"),
                cases=outcome["cases"],
                requests=outcome["requests"],
                reason=outcome.get("reason"),
                failure=outcome.get("failure"),
            )
            for requirement in outcome.get("also", []):
                self.certificate.results[requirement].record(
                    "failed",
                    transport=outcome.get("transport"),
                    cases=0,
                    requests=0,
                    failure=outcome.get("failure"),
                )


def _ran_the_suite(certificate: Certificate) -> bool:
    return any(result.verdict != "not run" for result in certificate.results.values())


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    for client, contact in config.stash[CONTACTS]:
        _restore(config, client, contact)  # after an interrupt the fixtures may not have
    tape = config.stash[TAPE]
    if tape is not None:
        suite = config.stash[CONFIG]
        finish(config, tape, suite, load_contract(suite.schema_extension).fingerprint)
    certificate = config.stash[CERTIFICATE]
    report = config.stash[CONFIG].report
    is_worker = hasattr(config, "workerinput")
    if report and not is_worker and not report.endswith(".xml") and _ran_the_suite(certificate):
        write_report(certificate, Path(report))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    certificate = config.stash[CERTIFICATE]
    if not _ran_the_suite(certificate):
        return
    terminalreporter.section("UpdateContact certificate")
    for line in summary_lines(certificate):
        terminalreporter.write_line(line)
