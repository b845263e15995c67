"""The pytest plugin's hooks: ``--contract-…`` options, fixtures, and the certificate of a run.

Registered through the ``pytest11`` entry point, so installing the package is enough. It
stays inert until a test asks for its fixtures or carries a ``contract_requirement``
marker, as the built-in suite (``pytest --pyargs contract.suite``) does. This module holds
the hooks; the fixtures, the options, the marker and the outcomes have modules of their
own, and the run itself is the engine's (:mod:`contract.run`): the plugin chooses its tape
(live, recording or replaying) and drives it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator
from typing import Any

import pytest
from _pytest.junitxml import xml_key  # where pytest keeps its JUnit writer

from contract.core.requirements import UnknownRequirementError, requirement
from contract.core.schema import load_contract
from contract.pytest_plugin import hookspecs
from contract.pytest_plugin.fixtures import CERTIFICATE, RUN, contract_run, put_back
from contract.pytest_plugin.marker import EXAMPLES, MARKER, REQUIREMENT, certifies
from contract.pytest_plugin.options import add_options, settings_from_options
from contract.pytest_plugin.outcome import (
    CONTACT_PROPERTY,
    OUTCOME_PROPERTY,
    TESTS_PER_REQUIREMENT_PROPERTY,
    carried,
    outcome_of,
    tests_per_requirement,
    tests_per_requirement_from,
    transport_of,
)
from contract.recording.lines import InvalidRecording
from contract.recording.tapes import open_tape
from contract.report.certificate import Certificate
from contract.report.handover import hand_over, opened, take_opened, take_over
from contract.report.verdicts import RequirementResult
from contract.report.writers import not_exercised_notice, summary_lines, write_report
from contract.run.certifier import Certifier, Tally
from contract.run.exercised import prepare_command
from contract.run.outcomes import Outcome, Problem, Stop, StopRun
from contract.run.settings import Frontend, RunSettings, SettingsError
from contract.run.state import ContractRun

pytest_plugins = ["contract.pytest_plugin.fixtures"]
__all__ = ["certifies"]

_URLLIB3_INSECURE = "urllib3.exceptions.InsecureRequestWarning"
INSECURE_WARNING = (
    "--contract-insecure: the install's TLS certificate is not checked; "
    "whoever sits in between can read the API key"
)
_SETTINGS_INPUT = "contract_settings"
_TEST_COUNTS_SENT = pytest.StashKey[bool]()
_CONTACT_SENT = pytest.StashKey[bool]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _settings(config: pytest.Config) -> RunSettings:
    """From the controller on xdist; else from a program that resolved them, else the options."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and _SETTINGS_INPUT in workerinput:
        return RunSettings.from_wire(workerinput[_SETTINGS_INPUT])
    given: RunSettings | None = config.hook.pytest_contract_settings(config=config)
    return given if given is not None else settings_from_options(config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(id, share=1.0): the UpdateContact requirement (UC-…) a test certifies; "
        "share scales its Hypothesis examples",
    )
    settings = _settings(config)
    if not hasattr(config, "workerinput"):  # the controller decides for its workers
        settings = dataclasses.replace(settings, share_evidence=_one_process(config))
    contract = load_contract(settings.schema_extension)
    worker = getattr(config, "workerinput", {})
    try:
        settings, tape = open_tape(
            settings, contract.fingerprint, str(worker.get("workerid", "main"))
        )
    except InvalidRecording as error:
        raise pytest.UsageError(f"--contract-replay: {error}") from None
    certificate = Certificate.of_run(settings, contract, tape.target(settings))
    config.stash[CERTIFICATE] = certificate
    certificate.fold.on_decided = lambda result: _decided(config, result)
    config.stash[RUN] = ContractRun(
        settings,
        contract,
        tape,
        workers=int(worker.get("workercount", settings.workers)),
        worker_index=int(str(worker.get("workerid", "gw0")).removeprefix("gw") or 0),
    )
    if settings.url is not None and not hasattr(config, "workerinput"):
        _check_target(settings)
    junit = next((path for path in settings.reports if path.suffix.lower() == ".xml"), None)
    if junit is not None and not config.option.xmlpath:
        config.option.xmlpath = str(junit)  # pytest's own JUnit writer makes the .xml
    if not settings.verify_tls:
        # Said once, loudly, in the summary, instead of a urllib3 warning per request.
        config.addinivalue_line("filterwarnings", f"ignore::{_URLLIB3_INSECURE}")
        config.issue_config_time_warning(pytest.PytestWarning(INSECURE_WARNING), stacklevel=2)
    config.pluginmanager.register(_Folding(settings, certificate, config), "contract-fold")


def _one_process(config: pytest.Config) -> bool:
    """Whether every test runs in this one process: evidence is shared only there (over
    several workers, the tests that share would have to run in one of them, in turn,
    while the others idle)."""
    processes = config.getoption("numprocesses", default=None)
    return processes in (None, 0, 1) or config.getoption("dist", default="no") == "no"


def _check_target(settings: RunSettings) -> None:
    """An install was named: what must hold before any request is a usage error now."""
    try:
        settings.endpoint()
    except SettingsError as error:
        raise pytest.UsageError(error.text(Frontend.PLUGIN)) from None


def _decided(config: pytest.Config, result: RequirementResult) -> None:
    config.hook.pytest_contract_requirement_decided(result=result, config=config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: each worker gets the controller's settings, resolved once (key and seed too)."""
    node.workerinput[_SETTINGS_INPUT] = contract_run(node.config).settings.to_wire()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist: what a worker could not say in a test report."""
    take_over(node.config.stash[CERTIFICATE], getattr(node, "workeroutput", {}))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Settle each suite test's requirement and number of examples, before anything runs."""
    examples = contract_run(config).settings.examples
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            continue
        try:
            item.stash[REQUIREMENT] = requirement(marker.args[0] if marker.args else "")
        except UnknownRequirementError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        item.stash[EXAMPLES] = max(1, round(examples * float(marker.kwargs.get("share", 1.0))))
        # JUnit XML shows user properties: name the requirement there too.
        item.user_properties.append(("requirement", item.stash[REQUIREMENT].id))
    # The tests whose requests go one after another (they change the contact) first: over
    # several workers the longest start first, and none is left to run alone at the end.
    items.sort(key=lambda item: not _changes_contact(item))


def _changes_contact(item: pytest.Item) -> bool:
    return REQUIREMENT in item.stash and item.stash[REQUIREMENT].changes_contact


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not metafunc.definition.get_closest_marker(MARKER):
        return
    if "transport" in metafunc.fixturenames:
        transports = contract_run(metafunc.config).settings.transports
        metafunc.parametrize("transport", transports, ids=list(transports))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    if REQUIREMENT not in item.stash:
        return (yield)
    tape = contract_run(item.config).tape
    tape.begin_test(_test_id(item), item.stash[REQUIREMENT].id, transport_of(item))
    try:
        return (yield)
    finally:
        tape.end_test()


def _test_id(item: pytest.Item) -> str:
    """A test's name in a recording: the same wherever the suite is installed."""
    module = getattr(item, "module", None)
    return f"{module.__name__}::{item.name}" if module is not None else item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if REQUIREMENT not in item.stash:
        return report
    if not item.config.stash.get(_TEST_COUNTS_SENT, False):
        item.config.stash[_TEST_COUNTS_SENT] = True
        report.user_properties.append(
            (TESTS_PER_REQUIREMENT_PROPERTY, tests_per_requirement(item.session.items))
        )
    certifier = getattr(item, "funcargs", {}).get("contract_certifier")
    if isinstance(certifier, Certifier) and not item.config.stash.get(_CONTACT_SENT, False):
        item.config.stash[_CONTACT_SENT] = True
        contact = opened(certifier.contact, certifier.contract.writable)
        report.user_properties.append((CONTACT_PROPERTY, contact))
    decisive = report.when == "call" or (report.when == "setup" and not report.passed)
    if not decisive:
        return report
    seed = contract_run(item.config).settings.seed
    tally = certifier.take_tally() if isinstance(certifier, Certifier) else Tally()
    outcome = outcome_of(item, report, call, tally=tally, seed=seed)
    report.user_properties.append((OUTCOME_PROPERTY, outcome.to_json()))
    if call.excinfo is not None and isinstance(call.excinfo.value, StopRun):
        item.session.shouldstop = call.excinfo.value.stop.detail
    if outcome.verdict == "failed":
        report.sections.append(("contract", f"replay with --contract-seed {seed}"))
    return report


class _Folding:
    """Folds every suite test's outcome into the certificate; on xdist, on the controller."""

    def __init__(
        self, settings: RunSettings, certificate: Certificate, config: pytest.Config
    ) -> None:
        self.settings = settings
        self.certificate = certificate
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        fold = self.certificate.fold
        for text in carried(report, TESTS_PER_REQUIREMENT_PROPERTY):
            fold.expect(tests_per_requirement_from(text))
        for text in carried(report, CONTACT_PROPERTY):
            self.opened(text)
        for text in carried(report, OUTCOME_PROPERTY):
            fold.add(Outcome.from_json(text))

    def opened(self, text: str) -> None:
        """A worker's contact under test; said, where the run could not put some of its
        properties back."""
        contact_id, reasons = take_opened(self.certificate, text)
        if not reasons or hasattr(self.config, "workerinput"):
            return
        settings = self.settings
        exercised = settings.allow_irreversible
        self.config.hook.pytest_contract_irreversible(
            contact_id=contact_id,
            properties=tuple(reasons),
            exercised=exercised,
            reasons=reasons,
            config=self.config,
        )
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            prepare = None if settings.replay_source else prepare_command(settings.url, contact_id)
            notice = not_exercised_notice(contact_id, reasons, exercised, prepare)
            reporter.write_line(settings.spell(notice), yellow=True, bold=exercised)


# First, so that pytest's JUnit writer, finishing after, carries the restore outcome.
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run, certificate = contract_run(config), config.stash[CERTIFICATE]
    for client, contact in run.changed:
        put_back(config, client, contact)  # after an interrupt the fixtures may not have
    owner = not hasattr(config, "workerinput")
    run.tape.finish(owner)
    if exitstatus == pytest.ExitCode.INTERRUPTED and certificate.fold.cannot_judge is None:
        certificate.fold.stopped(Stop(Problem.INTERRUPTED, "interrupted"))
    in_tests = sum(result.retries for result in certificate.results)
    certificate.retries_outside_tests += run.retries_outside_tests(in_tests, owner)
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        hand_over(certificate, workeroutput)
        return
    if (certificate.left_changed or certificate.coverage_refused) and (
        session.exitstatus == pytest.ExitCode.OK
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # never "all is well" then
    junit = config.stash.get(xml_key, None)
    if junit is not None and certificate.restore is not None:
        junit.add_global_property("contract_restore", json.dumps(certificate.restore))
    if certificate.fold.ran:
        for report in run.settings.reports:
            if report.suffix.lower() != ".xml":
                write_report(certificate, report)
    config.hook.pytest_contract_certificate(certificate=certificate, config=config)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    certificate = config.stash[CERTIFICATE]
    if not certificate.fold.ran:
        return
    terminalreporter.section("UpdateContact certificate")
    for line in summary_lines(certificate, spell=contract_run(config).settings.spell):
        terminalreporter.write_line(line)
