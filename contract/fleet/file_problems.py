"""What is wrong with a fleet file, every problem at once and one line each: what its
schema refuses, what ``contract certify`` would refuse, and the keys its installs name."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract.core.schema import schema_directory
from contract.fleet.keys import (
    FLEET_KEYS,
    KEY_VARIABLE_KEY,
    KNOWN_KEYS,
    NOT_A_DEFAULT,
    SECRET_KEYS,
)
from contract.run.settings import Frontend, SettingsError, resolve


@dataclass(frozen=True)
class Table:
    """One ``[[install]]`` table with the defaults it takes, less each key the schema
    refused (in the table, or in the default it took)."""

    where: str
    """How its problems name it: ``install 'acme'``, or ``install 3`` without a name."""
    name: str | None
    values: Mapping[str, Any]
    refused: frozenset[str] = field(default=frozenset())
    """Its keys the schema refused: checked no further."""
    inherited: frozenset[str] = field(default=frozenset())
    """Its keys that come from the defaults."""


def _validator() -> Draft202012Validator:
    schema = json.loads((schema_directory() / "fleet.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _install_label(data: Mapping[str, Any], index: int) -> str:
    table = data["install"][index]
    name = table.get("name") if isinstance(table, Mapping) else None
    return f"install {name!r}" if isinstance(name, str) else f"install {index + 1}"


def _where(data: Mapping[str, Any], path: list[str | int]) -> str:
    """``install 'acme'`` (or ``install 3`` before it has a name), or ``defaults``."""
    if not path:
        return "the file"
    if path[0] == "install" and len(path) > 1 and isinstance(path[1], int):
        return _install_label(data, path[1])
    return str(path[0])


def _key_of(path: list[str | int]) -> str | None:
    rest = path[2:] if path[:1] == ["install"] else path[1:]
    keys = [str(part) for part in rest if isinstance(part, str)]
    return keys[0] if keys else None


def _unknown_key(key: str) -> str:
    if key.lower().replace("-", "_") in SECRET_KEYS:
        return (
            f"{key}: a key is never written in the fleet file; put it in an environment "
            "variable and name that variable with api_key_env"
        )
    close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
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
    if key == KEY_VARIABLE_KEY and error.validator == "pattern":
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


def _shape_problems(data: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say: a default for a per-install key, a name used twice."""
    defaults = data.get("defaults", {})
    problems = [
        f"defaults: {key}: belongs to each install, not to the defaults"
        for key in NOT_A_DEFAULT
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


def _tables(data: Mapping[str, Any], errors: list[ValidationError]) -> list[Table]:
    """Each install's table, its defaults applied, without the keys the schema refused:
    what is left is still checked, so that one mistake hides no other."""
    refused_default: set[str] = set()
    refused: dict[int, set[str]] = {}
    for error in errors:
        path = list(error.absolute_path)
        if path[:1] == ["defaults"] and len(path) > 1 and isinstance(path[1], str):
            refused_default.add(path[1])
        elif path[:1] == ["install"] and len(path) > 2 and isinstance(path[1], int):
            refused.setdefault(path[1], set()).add(str(path[2]))
    defaults = data.get("defaults")
    defaults = defaults if isinstance(defaults, Mapping) else {}
    installs = data.get("install")
    tables = []
    for index, table in enumerate(installs if isinstance(installs, list) else []):
        if not isinstance(table, Mapping):
            continue
        dropped = refused.get(index, set()) | (refused_default - set(table))
        values = {k: v for k, v in {**defaults, **table}.items() if k not in dropped}
        name = table.get("name")
        where = _install_label(data, index)
        inherited = frozenset(set(defaults) - set(table))
        named = name if isinstance(name, str) else None
        tables.append(Table(where, named, values, frozenset(dropped), inherited))
    return tables


def _raw(key: str, value: Any, here: Path) -> str | bool:
    """A fleet value as ``contract certify`` would have been given it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(here / value) if key == "schema_extension" else str(value)


def _settings_problems(tables: list[Table], here: Path) -> list[str]:
    """Each setting ``contract certify`` would refuse, with its reason: each key alone
    first (so that every bad key is named), then the keys that passed, together."""
    said: dict[tuple[str, str | bool, str | bool | None], str | None] = {}

    def refusal(values: Mapping[str, str | bool]) -> str | None:
        try:
            resolve(values, here=here, environ={}, frontend=Frontend.FLEET)
        except SettingsError as error:
            # A file is named as the fleet file names it: from the fleet file's folder.
            return error.text(Frontend.FLEET).replace(f"{here}{os.sep}", "")
        return None

    problems = []
    for table in tables:
        keys = {FLEET_KEYS[key]: key for key in table.values if key in FLEET_KEYS}
        values = {name: _raw(key, table.values[key], here) for name, key in keys.items()}
        url = values.get("url")
        if url is None:  # its absence is a problem already; what pairs with it cannot be judged
            values.pop("xmlrpc-url", None)
        failed = []
        for name, value in values.items():
            paired = url if name == "xmlrpc-url" else None
            # Defaults repeat in every install: each value is judged once, and a default
            # refused is said once, of the defaults.
            if (name, value, paired) not in said:
                alone = {name: value} if paired is None else {"url": paired, name: value}
                said[name, value, paired] = refusal(alone)
            if said[name, value, paired] is not None:
                failed.append(name)
                where = "defaults" if keys[name] in table.inherited else table.where
                problems.append(f"{where}: {said[name, value, paired]}")
        # The extension was read alone; no rule pairs it with another key.
        kept = {n: v for n, v in values.items() if n not in failed and n != "schema-extension"}
        together = refusal(kept)
        if together is not None:
            problems.append(f"{table.where}: {together}")
    return problems


def _key_problems(
    tables: list[Table],
    text: str,
    environ: Mapping[str, str],
    chosen: Callable[[str], bool],
) -> list[str]:
    """A key written into the file; the variable of a chosen install missing or unset."""
    written, missing, unset = [], [], []
    for table in tables:
        variable = table.values.get(KEY_VARIABLE_KEY)
        key = environ.get(variable, "") if isinstance(variable, str) else ""
        # A shorter value could be in the file by chance.
        if len(key) >= 4 and key in text:
            written.append(
                f"{table.where}: the key in {variable} is written in the fleet file; "
                "keep it only in the environment"
            )
        if table.name is not None and not chosen(table.name):
            continue
        if variable is None and KEY_VARIABLE_KEY not in table.refused:
            missing.append(f"{table.where}: api_key_env: required, the variable that holds its key")
        elif isinstance(variable, str) and not key:
            unset.append(f"{table.where}: api_key_env: the variable {variable} is not set")
    return written + missing + unset


def examine(
    data: Mapping[str, Any],
    *,
    here: Path,
    text: str,
    environ: Mapping[str, str] | None = None,
    chosen: Callable[[str], bool] | None = None,
) -> tuple[list[Table], list[str]]:
    """The install tables of the fleet file *data* (its *text*, in the folder *here*), and
    every problem in it, one line each. With *environ*, the keys too: of each install,
    or of those *chosen* by name."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    problems = [line for error in errors for line in _schema_problem(error, data)]
    problems += _shape_problems(data)
    tables = _tables(data, errors)
    problems += _settings_problems(tables, here)
    if environ is not None:
        problems += _key_problems(tables, text, environ, chosen or (lambda name: True))
    # Two installs of one name, both wrong alike, need saying once.
    return tables, list(dict.fromkeys(problems))
