"""The fleet file: read, checked against its schema and the run's own rules, one line per
problem, and resolved into one :class:`Install` per ``[[install]]`` table."""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract.core.schema import schema_directory
from contract.errors import ContractError
from contract.run.settings import OPTION, Frontend, SettingsError, resolve

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_OPTIONS = (
    "url",
    "user",
    "contact-id",
    "witness-id",
    "transport",
    "xmlrpc-url",
    "readonly-policy",
    "unknown-policy",
    "rate-limit",
    "schema-extension",
    "examples",
    "seed",
    "timeout",
    "retries",
    "connections",
    "insecure",
    "allow-insecure-http",
    "require-full-coverage",
)
FLEET_KEYS = {OPTION[name].spelling(Frontend.FLEET): name for name in _OPTIONS}
"""Each fleet key that is an option of ``contract certify``, and that option's name."""

_SECRET_KEYS = ("api_key", "apikey", "key", "password", "secret", "token")
_NOT_A_DEFAULT = ("name", "url")


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


def _validator() -> Draft202012Validator:
    schema = json.loads((schema_directory() / "fleet.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _where(data: Mapping[str, Any], path: list[str | int]) -> str:
    """``install 'acme'`` (or ``install 3`` before it has a name), or ``defaults``."""
    if not path:
        return "the file"
    if path[0] == "install" and len(path) > 1 and isinstance(path[1], int):
        index = path[1]
        table = data["install"][index]
        name = table.get("name") if isinstance(table, Mapping) else None
        return f"install {name!r}" if isinstance(name, str) else f"install {index + 1}"
    return str(path[0])


def _key_of(path: list[str | int]) -> str | None:
    rest = path[2:] if path[:1] == ["install"] else path[1:]
    keys = [str(part) for part in rest if isinstance(part, str)]
    return keys[0] if keys else None


def _known_keys() -> list[str]:
    return ["name", "url", "api_key_env", *FLEET_KEYS]


def _unknown_key(key: str) -> str:
    if key.lower().replace("-", "_") in _SECRET_KEYS:
        return (
            f"{key}: a key is never written in the fleet file; put it in an environment "
            "variable and name that variable with api_key_env"
        )
    close = difflib.get_close_matches(key, _known_keys(), n=1)
    return f"{key}: not a fleet key" + (f"; did you mean {close[0]}?" if close else "")


def _schema_problem(error: ValidationError, data: Mapping[str, Any]) -> list[str]:
    path = list(error.absolute_path)
    where = _where(data, path)
    if error.validator == "additionalProperties":
        schema = cast(Mapping[str, Any], error.schema)
        extra = sorted(
            set(cast(Mapping[str, Any], error.instance)) - set(schema.get("properties", {}))
        )
        return [f"{where}: {_unknown_key(key)}" for key in extra]
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return [f"{where}: {missing}: required"]
    key = _key_of(path) or ""
    prefix = f"{where}: {key}: " if key else f"{where}: "
    if key == "api_key_env" and error.validator == "pattern":
        return [
            f"{prefix}must name an environment variable (capitals, digits and _), not hold the key"
        ]
    if key in ("url", "xmlrpc_url") and error.validator == "pattern":
        return [f"{prefix}must be an http:// or https:// address with no user or key in it"]
    if key == "name" and error.validator == "pattern":
        return [f"{prefix}letters, digits, '.', '_' and '-', starting with a letter or digit"]
    if error.validator == "type":
        wanted = {"array": "a list, e.g. [4711]", "integer": "a whole number"}
        expected = str(error.validator_value)
        return [f"{prefix}must be {wanted.get(expected, expected)}, not {error.instance!r}"]
    if error.validator == "enum":
        allowed = cast(list[Any], error.validator_value)
        return [f"{prefix}must be one of {', '.join(map(str, allowed))}"]
    return [f"{prefix}{error.message}"]


def _merged(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    defaults = data.get("defaults", {})
    return [{**defaults, **table} for table in data["install"]]


def _shape_problems(data: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say: a default for a per-install key, a name used twice."""
    defaults = data.get("defaults", {})
    problems = [
        f"defaults: {key}: belongs to each install, not to the defaults"
        for key in _NOT_A_DEFAULT
        if isinstance(defaults, Mapping) and key in defaults
    ]
    installs = data.get("install", [])
    names = [
        table.get("name")
        for table in (installs if isinstance(installs, list) else [])
        if isinstance(table, Mapping)
    ]
    for name in sorted({n for n in names if isinstance(n, str) and names.count(n) > 1}):
        problems.append(f"install {name!r}: name: {names.count(name)} installs have this name")
    return problems


def _settings_problems(data: Mapping[str, Any], here: Path) -> list[str]:
    """Each install whose settings ``contract certify`` would refuse, with its reason."""
    problems = []
    for table in _merged(data):
        values: dict[str, str | bool | None] = {
            FLEET_KEYS[key]: value
            if isinstance(value, bool)
            else ",".join(map(str, value))
            if isinstance(value, list)
            else str(here / value)
            if key == "schema_extension"
            else str(value)
            for key, value in table.items()
            if key in FLEET_KEYS
        }
        try:
            resolve(values, here=here, environ={}, frontend=Frontend.FLEET)
        except SettingsError as error:
            problems.append(f"install {table['name']!r}: {error.text(Frontend.FLEET)}")
    return problems


def parse_fleet(text: str, path: Path) -> Fleet:
    """The fleet that *text*, read from *path*, describes; raises :class:`FleetFileError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FleetFileError([f"{path.name}: not TOML: {error}"]) from None
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    problems = [line for error in errors for line in _schema_problem(error, data)]
    problems += _shape_problems(data)
    if not problems:
        problems = _settings_problems(data, path.resolve().parent)
    if problems:
        raise FleetFileError([f"{path.name}: {problem}" for problem in problems])
    installs = []
    for table in _merged(data):
        settings = {key: value for key, value in table.items() if key in FLEET_KEYS}
        del settings["url"]
        installs.append(Install(table["name"], table["url"], table.get("api_key_env"), settings))
    return Fleet(path, tuple(installs), text)


def load_fleet(path: Path) -> Fleet:
    """The fleet file at *path*; raises :class:`FleetFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise FleetFileError([f"{path}: cannot be read: {reason}"]) from None
    return parse_fleet(text, path)


def keys_written_in(fleet: Fleet, environ: Mapping[str, str]) -> list[str]:
    """One line per install whose key, as its variable holds it, is written in the file."""
    return [
        f"{fleet.path.name}: install {install.name!r}: the key in {install.api_key_env} is "
        "written in the fleet file; keep it only in the environment"
        for install in fleet.installs
        if install.api_key_env
        and len(environ.get(install.api_key_env, "")) >= 4
        and environ[install.api_key_env] in fleet.text
    ]
