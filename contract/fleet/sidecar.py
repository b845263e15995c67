"""A pytest plugin a fleet loads into each install's run (``PYTEST_PLUGINS``): it writes
the HTML certificate beside the JSON one that ``--report`` writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contract.certificate import Certificate
from contract.fleet.runner import HTML_VARIABLE
from contract.reports import write_report


def pytest_contract_certificate(certificate: Certificate, config: pytest.Config) -> None:
    """Write the HTML certificate where the fleet asked for it."""
    target = os.environ.get(HTML_VARIABLE)
    if target and certificate.fold.ran:
        write_report(certificate, Path(target))
