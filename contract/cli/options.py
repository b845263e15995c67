"""The command line's side of declared options (:class:`contract.option_model.Option`):
argparse flags generated from a command's table, and read back.

For a run's options (:data:`contract.run.settings.OPTIONS`) argparse only collects text:
every rule is checked by :func:`contract.run.settings.resolve`, in the words the plugin
uses too. Other commands' options (``contract serve``'s) are read by argparse itself:
their choices and their ``parse`` refuse a bad value with the command's usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contract.option_model import Frontend, Option
from contract.run.settings import OPTION, Raw


class FormerSpelling(argparse.Action):
    """An option's former name: it takes the value as the new name does, and says once,
    on stderr, which name to use instead."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, note: str, **kwargs: Any):
        super().__init__(option_strings, dest, **kwargs)
        self.note = note

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        sys.stderr.write(f"{parser.prog}: {self.note}\n")
        setattr(namespace, self.dest, values)


def add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    """Add *option* to *parser*, with its help; its former name too, out of the help.

    No default is given to argparse: a value not given is ``None`` (``False`` for a
    switch), so that whoever reads it back can tell it was not given.
    """
    flag = f"--{option.name}"
    help_text = argparse.SUPPRESS if option.hidden else option.help_text(Frontend.CLI)
    if option.switch:
        parser.add_argument(flag, dest=option.attribute, action="store_true", help=help_text)
        return
    settings: dict[str, Any] = {
        "dest": option.attribute,
        "metavar": option.metavar,
        "choices": option.choices,
    }
    if option.parse is not None:
        settings["type"] = option.parse
    action = "append" if option.repeatable else "store"
    parser.add_argument(flag, action=action, help=help_text, **settings)
    if option.renamed_from is not None:
        former = option.renamed_from
        note = f"--{former.name} is deprecated, use {flag} ({former.why})"
        parser.add_argument(
            f"--{former.name}",
            action=FormerSpelling,
            note=note,
            help=argparse.SUPPRESS,
            **settings,
        )


def add_cli_options(parser: argparse.ArgumentParser, names: Iterable[str]) -> None:
    """Add the run's declared options *names* to *parser*, with their help."""
    for name in names:
        add_option(parser, OPTION[name])


def cli_values(args: argparse.Namespace, names: Iterable[str]) -> dict[str, Raw]:
    """What the command line gave for the run's options *names*: text, a switch's bool,
    or ``None``."""
    values: dict[str, Raw] = {}
    for name in names:
        values[name] = getattr(args, OPTION[name].attribute)
    return values


def option_values(
    args: argparse.Namespace, options: Iterable[Option], environ: Mapping[str, str]
) -> dict[str, Any]:
    """Each option's value by its name in Python: as given, else (given empty or not at all)
    from its environment variable, else its default; a repeatable option's as a tuple."""
    values: dict[str, Any] = {}
    for option in options:
        value = getattr(args, option.attribute)
        if option.env and value in (None, ""):
            value = environ.get(option.env) or None
        if value is None and option.default is not None:
            value = option.read(option.default)
        if option.repeatable:
            value = tuple(value or ())
        values[option.attribute] = value
    return values
