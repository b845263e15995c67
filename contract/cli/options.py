"""The command line's door to the run's options: argparse flags generated from
:data:`contract.run.settings.OPTIONS`, and read back for :func:`contract.run.settings.resolve`.

argparse only collects text here; every rule is checked by ``resolve``, in the words
the plugin uses too.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from contract.run.settings import OPTION, Door, Raw


def add_cli_options(parser: argparse.ArgumentParser, names: Iterable[str]) -> None:
    """Add the declared options *names* to *parser*, with their help and default."""
    for name in names:
        option = OPTION[name]
        help_text = option.help_text(Door.CLI)
        if option.switch:
            parser.add_argument(
                f"--{name}", dest=option.attribute, action="store_true", help=help_text
            )
        else:
            parser.add_argument(
                f"--{name}", dest=option.attribute, metavar=option.metavar, help=help_text
            )


def cli_values(args: argparse.Namespace, names: Iterable[str]) -> dict[str, Raw]:
    """What the command line gave for *names*: text, a switch's bool, or ``None``."""
    values: dict[str, Raw] = {}
    for name in names:
        values[name] = getattr(args, OPTION[name].attribute)
    return values
