"""How a ``contract`` command is declared: its help ends with what its exit codes say."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping
from typing import Any

from contract.errors import Exit


def exit_codes_epilog(meanings: Mapping[Exit, str]) -> str:
    """The "exit codes" section of a command's help."""
    width = max(len(str(int(code))) for code in meanings)
    lines = [
        textwrap.fill(
            meaning,
            width=79,
            initial_indent=f"  {int(code):<{width}}  ",
            subsequent_indent=" " * (width + 4),
        )
        for code, meaning in meanings.items()
    ]
    return "exit codes:\n" + "\n".join(lines)


def add_command(
    commands: Any, name: str, exits: Mapping[Exit, str], *, help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand on ``contract``'s subparsers, its help ending with its exit codes."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=exit_codes_epilog(exits),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser
