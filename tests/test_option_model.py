"""Options declared once (contract.option_model), whichever command takes them."""

from __future__ import annotations

import argparse

import pytest

from contract.cli.main import build_parser
from contract.option_model import SCHEMA_EXTENSION, Frontend
from contract.run.settings import OPTION
from contract.server.options import SERVE_OPTIONS

EXTENDED = ("certify", "prepare", "serve", "schema", "validate", "openapi")
"""Every command that reads the contract, and so takes the install's custom fields."""


def _command(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command: argparse.ArgumentParser = commands.choices[name]
    return command


def _action(command: argparse.ArgumentParser, flag: str) -> argparse.Action:
    return next(action for action in command._actions if flag in action.option_strings)


@pytest.mark.parametrize("name", EXTENDED)
def test_every_command_takes_the_schema_extension_as_declared_once(name: str) -> None:
    action = _action(_command(name), "--schema-extension")
    shown = (action.dest, action.metavar, action.help)
    assert shown == ("schema_extension", "FILE", SCHEMA_EXTENSION.help_text(Frontend.CLI))


def test_the_run_and_the_server_share_the_schema_extensions_declaration() -> None:
    assert OPTION["schema-extension"] is SCHEMA_EXTENSION
    assert SCHEMA_EXTENSION in SERVE_OPTIONS
    assert SCHEMA_EXTENSION.spelling(Frontend.PLUGIN) == "--contract-schema-extension"


def test_a_default_that_names_its_variable_is_not_followed_by_it_again() -> None:
    api_key = next(option for option in SERVE_OPTIONS if option.name == "api-key")
    assert api_key.help_text(Frontend.CLI) == (
        "the Basic auth API key "
        "(default: $CONTRACT_SERVER_API_KEY, else a generated one, printed at start)"
    )
    assert OPTION["api-key"].help_text(Frontend.CLI).endswith(" [env CONTRACT_API_KEY]")
