"""How an option of a ``contract`` command is declared: once, as every front end offers it.

A command's options are a table of :class:`Option`: ``contract certify``'s, the pytest
plugin's and the fleet file's come from :data:`contract.run.settings.OPTIONS`,
``contract serve``'s from :data:`contract.server.options.SERVE_OPTIONS`. The command
line's flags and help are generated from the table (:mod:`contract.cli.options`), and so
are the plugin's options and ini keys. An option that several commands take is declared
here once, as :data:`SCHEMA_EXTENSION` is.

This module imports nothing of the package: every wing may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Frontend(Enum):
    """Where an option was given: it decides how the option is spelt back to the user."""

    CLI = "contract"
    PLUGIN = "pytest"
    FLEET = "contract fleet"


@dataclass(frozen=True)
class Renamed:
    """An option's former name: still accepted, with one line on stderr saying *why* the
    new name is better."""

    name: str
    """The former flag without dashes, e.g. ``readonly-policy``."""
    why: str


@dataclass(frozen=True)
class Option:
    """One option of a command, as every front end offers it."""

    name: str
    """The flag without dashes, e.g. ``contact-id``."""
    help: str
    default: str | None = None
    """The default as text, as a value given on the command line would be; ``None`` for none."""
    default_shown: str | None = None
    """The default as help shows it, when the text above does not say it well."""
    plugin_default_shown: str | None = None
    """The same, where the plugin's default differs from the command line's."""
    metavar: str | None = None
    env: str | None = None
    """The environment variable read when the option is not given."""
    switch: bool = False
    """An on/off flag rather than a value."""
    plugin: bool = True
    """Offered by the plugin too, as ``--contract-NAME`` with the ini key ``contract_NAME``."""
    plugin_spelling: str | None = None
    """How the plugin spells an option it does not offer (``-n`` for workers)."""
    choices: tuple[str, ...] | None = None
    """The only values the command line takes; it refuses any other while it parses."""
    parse: Callable[[str], Any] | None = None
    """Turns the text given into the value (a number…), or raises
    :class:`argparse.ArgumentTypeError` saying what is wrong with it; ``None`` keeps the text."""
    repeatable: bool = False
    """Given any number of times; its value is the tuple of every one given."""
    hidden: bool = False
    """Left out of the help."""
    keyword: str | None = None
    """Its name in Python, when that is not the flag's: ``network_hold_seconds``."""
    renamed_from: Renamed | None = None

    @property
    def attribute(self) -> str:
        """The option's name in Python: ``contact_id``."""
        return self.keyword or self.name.replace("-", "_")

    @property
    def ini_key(self) -> str:
        """The plugin's ini key: ``contract_contact_id``."""
        return "contract_" + self.attribute

    def spelling(self, frontend: Frontend) -> str:
        """The option as *frontend* spells it."""
        if frontend is Frontend.CLI:
            return f"--{self.name}"
        if frontend is Frontend.FLEET:  # a key of the fleet file: lists of ids are plural
            return self.attribute + ("s" if self.name.endswith("-id") else "")
        return self.plugin_spelling or f"--contract-{self.name}"

    def help_text(self, frontend: Frontend) -> str:
        """The help line: what it does, its default, and its environment variable (unless
        the default shown names it already)."""
        shown = (frontend is Frontend.PLUGIN and self.plugin_default_shown) or self.default_shown
        shown = shown or ("off" if self.switch else self.default) or "none"
        text = f"{self.help} (default: {shown})"
        if self.env and f"${self.env}" not in shown:
            text += f" [env {self.env}]"
        return text

    def read(self, text: str) -> Any:
        """The value *text* stands for."""
        return self.parse(text) if self.parse else text


SCHEMA_EXTENSION = Option(
    "schema-extension",
    'a JSON Schema fragment {"properties": {...}} adding the install\'s custom fields',
    metavar="FILE",
)
"""The install's custom fields, as every command that reads the contract takes them:
``certify``, ``prepare``, ``serve``, ``schema``, ``validate`` and ``openapi``, and the
plugin's ``--contract-schema-extension``."""
