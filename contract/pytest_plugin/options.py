"""The plugin's side of the run's options: ``--contract-…`` flags and ini keys, generated
from :data:`contract.run.settings.OPTIONS`, and read back into
:class:`~contract.run.settings.RunSettings`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contract.run.settings import OPTIONS, Frontend, Raw, RunSettings, SettingsError, resolve

GROUP = "contract"
GROUP_TITLE = "UpdateContact contract certification"


def add_options(parser: pytest.Parser) -> None:
    """Register every plugin option of the declaration and its ini twin."""
    group = parser.getgroup(GROUP, GROUP_TITLE)
    for option in OPTIONS:
        if not option.plugin:
            continue
        flag, help_text = option.spelling(Frontend.PLUGIN), option.help_text(Frontend.PLUGIN)
        if option.switch:
            group.addoption(flag, dest=option.ini_key, action="store_true", help=help_text)
            parser.addini(option.ini_key, help=option.help, type="bool", default=False)
        else:
            group.addoption(flag, dest=option.ini_key, metavar=option.metavar, help=help_text)
            parser.addini(option.ini_key, help=option.help)


def _given(config: pytest.Config) -> dict[str, Raw]:
    """What the flags and ini keys say, flags first."""
    values: dict[str, Raw] = {}
    for option in OPTIONS:
        if not option.plugin:
            continue
        value = config.getoption(option.ini_key)
        if option.switch:
            values[option.name] = bool(value) or bool(config.getini(option.ini_key))
        else:
            values[option.name] = value if value is not None else config.getini(option.ini_key)
    # pytest-xdist's -n is the plugin's --workers: it decides how many contacts the run needs.
    values["workers"] = str(max(1, int(getattr(config.option, "numprocesses", None) or 1)))
    return values


def settings_from_options(config: pytest.Config) -> RunSettings:
    """Resolve the ``--contract-…`` options, ini keys and environment; a usage error names
    the option and the rule."""
    try:
        here = Path(config.invocation_params.dir)
        return resolve(_given(config), here=here, environ=os.environ, frontend=Frontend.PLUGIN)
    except SettingsError as error:
        raise pytest.UsageError(error.text(Frontend.PLUGIN)) from None
