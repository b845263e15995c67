"""The plugin's own hooks, for programs and plugins that run the certification suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from contract.report.certificate import Certificate
    from contract.report.verdicts import RequirementResult
    from contract.run.settings import RunSettings


@pytest.hookspec(firstresult=True)
def pytest_contract_settings(config: pytest.Config) -> RunSettings | None:
    """The run's settings, already resolved by the program that runs pytest (``contract
    certify`` does), in place of the ``--contract-…`` options. Return ``None`` to leave
    them to the options."""


def pytest_contract_requirement_decided(result: RequirementResult, config: pytest.Config) -> None:
    """The last test of a requirement has reported: *result* holds its verdict.

    Called in the process that folds the outcomes (the xdist controller), as the run goes.
    """


def pytest_contract_irreversible(
    contact_id: int,
    properties: tuple[str, ...],
    exercised: bool,
    reasons: dict[str, str],
    config: pytest.Config,
) -> None:
    """The contact under test holds values of *properties* that the run could not put
    back (*reasons* says why, per property: a value no update can send, a value the
    install refuses, a value the read-back does not show); the run sends them nothing
    unless *exercised* (``--allow-irreversible``).

    Called in the process that folds the outcomes, before any requirement of that
    contact's worker is decided.
    """


def pytest_contract_certificate(certificate: Certificate, config: pytest.Config) -> None:
    """The run is over and *certificate* is final (contacts restored, reports written)."""
