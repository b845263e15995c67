"""The server's documentation holds: its examples run, its tables match the code."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from contract.cli.serve import add_serve_command
from contract.server import xmlrpc as xmlrpc_module
from contract.server.options import SERVE_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference-server.md"
DOCS = PAGE.read_text(encoding="utf-8")


def _python_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS, re.S)


@pytest.mark.parametrize("example", _python_examples())
def test_every_python_example_runs(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(example, str(PAGE), "exec"), {"__name__": "docs_example"})
    printed = capsys.readouterr().out.strip()
    assert not printed or f"prints `{printed}`" in DOCS or f"# {printed}:" in example


def test_every_serve_option_is_documented() -> None:
    parser = argparse.ArgumentParser()
    serve = add_serve_command(parser.add_subparsers())
    # Hidden options (help=SUPPRESS, such as --fault) are documented in their own section.
    options = [
        flag
        for action in serve._actions
        if action.help != argparse.SUPPRESS
        for flag in action.option_strings
        if flag.startswith("--")
    ]
    table = DOCS[DOCS.index("## Options") : DOCS.index("## What it answers")]
    documented = re.findall(r"^\| `(--[a-z-]+)", table, re.M)
    assert sorted(documented) == sorted(option for option in options if option != "--help")


def test_the_options_table_gives_each_declared_default() -> None:
    table = DOCS[DOCS.index("## Options") : DOCS.index("## What it answers")]
    defaults = dict(re.findall(r"^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|", table, re.M))
    for option in SERVE_OPTIONS:
        if option.hidden:
            continue
        shown = defaults[f"--{option.name}"]
        if option.default is not None:
            assert shown.startswith(f"`{option.default}`"), option.name
        elif option.default_shown is None:
            assert shown == "none", option.name


def test_every_fault_code_is_documented() -> None:
    codes = [value for name, value in vars(xmlrpc_module).items() if name.startswith("FAULT_")]
    table = DOCS[DOCS.index("| fault code |") :]
    documented = [int(code) for code in re.findall(r"^\| `(-?\d+)`", table, re.M)]
    assert sorted(documented) == sorted(codes)
