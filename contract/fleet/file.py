"""The fleet file: read, refused with every problem it has (see
:mod:`contract.fleet.file_problems`), or resolved into one :class:`Install` per
``[[install]]`` table."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.errors import ContractError
from contract.fleet.file_problems import examine
from contract.fleet.keys import FLEET_KEYS, KEY_VARIABLE_KEY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


class FleetFileError(ContractError, ValueError):
    """A fleet file that cannot be used: :attr:`problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Install:
    """One install of the fleet, its defaults applied."""

    name: str
    url: str
    api_key_env: str | None
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Every other key of the install, as the fleet file spells it."""

    def certify_arguments(self, here: Path) -> list[str]:
        """The ``contract certify`` options this install's keys stand for (never its key);
        relative paths start at *here*, the fleet file's folder."""
        arguments = ["--url", self.url]
        for key, value in self.settings.items():
            flag = "--" + FLEET_KEYS[key]
            if isinstance(value, bool):
                arguments += [flag] if value else []
            elif isinstance(value, list):
                arguments += [flag, ",".join(str(item) for item in value)]
            elif key == "schema_extension":
                arguments += [flag, str(here / value)]
            else:
                arguments += [flag, str(value)]
        return arguments


@dataclass(frozen=True)
class Fleet:
    """The installs of a fleet file, in the order the file lists them."""

    path: Path
    installs: tuple[Install, ...]
    text: str = field(default="", repr=False)
    """The file as read, to look for keys written into it."""

    @property
    def folder(self) -> Path:
        """Where the file's relative paths start."""
        return self.path.resolve().parent


def parse_fleet(
    text: str,
    path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    chosen: Callable[[str], bool] | None = None,
) -> Fleet:
    """The fleet that *text*, read from *path*, describes. Raises :class:`FleetFileError`
    with every problem of the file at once; with *environ*, of the installs' keys too (of
    each install, or of those *chosen* by name): one written in the file, a variable
    missing or unset."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Nothing past a syntax error can be read: it is the one problem to tell.
        raise FleetFileError([f"{path.name}: not TOML: {error}"]) from None
    tables, problems = examine(
        data, here=path.resolve().parent, text=text, environ=environ, chosen=chosen
    )
    if problems:
        raise FleetFileError([f"{path.name}: {problem}" for problem in problems])
    installs = []
    for table in tables:
        settings = {key: value for key, value in table.values.items() if key in FLEET_KEYS}
        url = settings.pop("url")
        installs.append(Install(str(table.name), url, table.values.get(KEY_VARIABLE_KEY), settings))
    return Fleet(path, tuple(installs), text)


def load_fleet(
    path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    chosen: Callable[[str], bool] | None = None,
) -> Fleet:
    """The fleet file at *path*. Raises :class:`FleetFileError` with every problem of the
    file at once; with *environ*, of the installs' keys too (of each install, or of those
    *chosen* by name): one written in the file, a variable missing or unset."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise FleetFileError([f"{path}: cannot be read: {reason}"]) from None
    return parse_fleet(text, path, environ=environ, chosen=chosen)
