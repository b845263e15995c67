"""One base for every error the library raises, and one type for "could not run"."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import contract
from contract.errors import CannotRun, ContractError
from contract.run.interrupts import Interrupted
from contract.run.outcomes import StopRun

# Not errors: the end of a run and Ctrl-C must pass every ``except Exception``.
NOT_ERRORS = {StopRun, Interrupted}


def _defined_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(contract.__path__, "contract."):
        if module_info.name.startswith("contract.suite."):
            continue  # the built-in suite's tests define no exception and need a run
        if module_info.name == "contract.__main__":
            continue  # importing it takes over SIGINT and SIGTERM; it defines no exception
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, BaseException)
                and not issubclass(value, Warning)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


DEFINED = _defined_exceptions()


def test_the_package_defines_many_exceptions() -> None:
    assert len(DEFINED) > 25
    assert set(DEFINED) >= NOT_ERRORS


@pytest.mark.parametrize(
    "exception",
    [e for e in DEFINED if not issubclass(e, tuple(NOT_ERRORS))],
    ids=lambda e: e.__qualname__,
)
def test_every_error_derives_from_contract_error(exception: type[BaseException]) -> None:
    assert issubclass(exception, ContractError), exception.__module__


def test_the_public_errors_keep_their_builtin_kind() -> None:
    assert issubclass(contract.PayloadError, ValueError)
    assert issubclass(contract.PayloadError, ContractError)
    assert issubclass(contract.SchemaExtensionError, ContractError)
    with pytest.raises(ContractError, match="status"):
        contract.validate_update({"status": "maybe"})


def test_could_not_run_is_one_type() -> None:
    others = [e for e in DEFINED if e.__name__.startswith(("Cannot", "Command"))]
    assert others == [CannotRun]
