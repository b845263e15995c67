"""``contract restore FILE``: put back the values a certification could not restore itself."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from contract.cli.command import add_command
from contract.errors import Exit
from contract.run.settings import Frontend, SettingsError, resolve

EXITS = {
    Exit.OK: "the contact reads back as the file says",
    Exit.CANNOT_RUN: "the file cannot be read, or the install cannot be reached; one line says why",
    Exit.NOT_RESTORED: "some values are still not as the file says (refused, or not read "
    "back): each is named, and the file keeps only those",
}
# The options a restore shares with a certification: who signs in, and how safely.
_NAMES = ("user", "api-key", "timeout", "retries", "insecure", "allow-insecure-http")


def add_restore_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``contract restore`` on the CLI's sub-command parsers; returns its parser."""
    from contract.cli.options import add_cli_options

    restore = add_command(
        commands,
        "restore",
        EXITS,
        help="put back a contact's original values, saved when a run could not restore them",
        description="Send the values a contract-restore-ID.json file holds back to the "
        "install it names, in halves down to single properties where the install refuses "
        "them together, then read the contact back to check.",
    )
    restore.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a contract-restore-ID.json file, as contract certify wrote it",
    )
    add_cli_options(restore, _NAMES)
    restore.set_defaults(handler=run_restore)
    return restore


def _saved_values(path: Path) -> tuple[str, int, dict[str, Any]]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return str(saved["url"]), int(saved["contact_id"]), dict(saved["properties"])
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path} is not a file that contract certify wrote") from None


def run_restore(args: argparse.Namespace) -> int:
    """Put the saved values back; 0 when the contact reads back as the file says."""
    from contract.cli.options import cli_values
    from contract.run.client import ContactClient, EndpointUnreachable
    from contract.run.put_back import put_back

    try:
        url, contact_id, properties = _saved_values(args.file)
        given = resolve(
            cli_values(args, _NAMES), here=Path.cwd(), environ=os.environ, frontend=Frontend.CLI
        )
        settings = dataclasses.replace(given, url=url, contact_ids=(contact_id,))
        client = ContactClient(settings.endpoint())
        restored = put_back(client, contact_id, properties)
    except SettingsError as error:
        sys.stderr.write(f"contract restore: {error.text(Frontend.CLI)}\n")
        return Exit.CANNOT_RUN
    except (ValueError, EndpointUnreachable) as error:
        sys.stderr.write(f"contract restore: {error}\n")
        return Exit.CANNOT_RUN
    if restored.complete:
        sys.stdout.write(f"contact {contact_id} on {url} has its original values again\n")
        return Exit.OK
    for name, values in restored.properties.items():
        now, original = json.dumps(values["now"]), json.dumps(values["original"])
        sys.stderr.write(f"contract restore: `{name}` is {now}, not {original}\n")
    left = {name: properties[name] for name in restored.properties}
    args.file.write_text(
        json.dumps({"url": url, "contact_id": contact_id, "properties": left}, indent=2) + "\n",
        encoding="utf-8",
    )
    sys.stderr.write(
        f"contract restore: contact {contact_id} is not fully restored; {args.file} now "
        "holds only the values still to put back\n"
    )
    return Exit.NOT_RESTORED
