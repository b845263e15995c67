"""``contract prepare``: fill a contact's empty values once, so that every run exercises all.

A certification never sends a property whose value it could not put back: a fresh
contact's ``""`` gender or ``null`` date of birth, which no update may send. On such a
contact those properties are never exercised. Preparing the contact gives each of them a
plausible valid value, once, after the user says so with ``--yes``; every later run then
exercises every writable property and leaves the contact as it found it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract.cli.command import add_command
from contract.errors import CannotRun, Exit
from contract.run.settings import Frontend, RunSettings, SettingsError, resolve

if TYPE_CHECKING:
    from contract.core.schema import Contract

EXITS = {
    Exit.OK: "the contact holds a valid value in every writable property (set now, or already)",
    Exit.FAILED: "values to set were shown and nothing was sent: run again with --yes",
    Exit.CANNOT_RUN: "bad options, the contact missing or unreadable, or the install "
    "unreachable; one line says why",
    Exit.NOT_RESTORED: "some values could not be set (refused, or not stored): each is named",
}
# The options a preparation shares with a certification: where, who, and how safely.
_NAMES = (
    "url",
    "user",
    "api-key",
    "contact-id",
    "timeout",
    "insecure",
    "allow-insecure-http",
    "schema-extension",
)


def add_prepare_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``contract prepare`` on the CLI's sub-command parsers; returns its parser."""
    from contract.cli.options import add_cli_options

    prepare = add_command(
        commands,
        "prepare",
        EXITS,
        help="fill a contact's empty values once, so that every run exercises all of them",
        description="Give each writable property of a contact that holds no valid value "
        '(a fresh contact\'s "" gender, null date of birth) a plausible valid one, so '
        "that certifications exercise every writable property. Without --yes it only "
        "shows what it would set.",
    )
    add_cli_options(prepare, _NAMES)
    prepare.add_argument(
        "--yes", action="store_true", help="set the values shown (default: only show them)"
    )
    prepare.add_argument(
        "--save",
        type=Path,
        metavar="PATH",
        help="where to keep what was set and what it replaced "
        "(default: contract-prepared-ID.json in the current folder)",
    )
    prepare.set_defaults(handler=run_prepare)
    return prepare


def _settings(args: argparse.Namespace) -> RunSettings:
    from contract.cli.options import cli_values

    settings = resolve(
        cli_values(args, _NAMES), here=Path.cwd(), environ=os.environ, frontend=Frontend.CLI
    )
    if settings.url is None:
        raise SettingsError("give {--url}, the install whose contact to prepare")
    if len(settings.contact_ids) != 1:
        raise SettingsError("give {--contact-id}: the one contact to prepare")
    return dataclasses.replace(settings, workers=1)


def planned_values(
    contract: Contract, contact: dict[str, Any], contact_id: int
) -> dict[str, tuple[Any, Any]]:
    """Each writable property whose value in *contact* is missing or no valid update: its
    value now, and the plausible valid value to give it."""
    from contract.core.plausible import plausible_value
    from contract.core.validation import UpdateValidator

    validator = UpdateValidator(contract)
    rng = random.Random(contact_id)  # the same contact gets the same values
    plan = {}
    for name in contract.writable:
        if name in contact and validator.is_valid({name: contact[name]}):
            continue
        value = plausible_value(contract.rules(name), contact_id, rng)
        if validator.is_valid({name: value}):
            plan[name] = (contact.get(name), value)
    return plan


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _save(path: Path, url: str, contact_id: int, plan: dict[str, tuple[Any, Any]]) -> None:
    saved = {
        "url": url,
        "contact_id": contact_id,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "set": {name: new for name, (_, new) in plan.items()},
        "was": {name: old for name, (old, _) in plan.items()},
    }
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")


def _prepare(args: argparse.Namespace) -> int:
    from contract.core.schema import load_contract
    from contract.run.client import ContactClient, ReadBackUnavailable
    from contract.run.put_back import put_back

    settings = _settings(args)
    (contact_id,) = settings.contact_ids
    endpoint = settings.endpoint()
    client = ContactClient(endpoint)
    try:
        try:
            contact = client.read(contact_id)
        except ReadBackUnavailable as error:
            raise CannotRun(f"contact {contact_id} cannot be read back: {error}") from None
        if contact is None:
            raise CannotRun(f"contact {contact_id} does not exist on {endpoint.base_url}")
        plan = planned_values(load_contract(settings.schema_extension), contact, contact_id)
        out = sys.stdout
        if not plan:
            out.write(
                f"contact {contact_id} holds a valid value in every writable property: "
                "nothing to prepare\n"
            )
            return Exit.OK
        out.write(
            f"contact {contact_id} on {endpoint.base_url}: {len(plan)} writable "
            f"{'property holds' if len(plan) == 1 else 'properties hold'} no valid value, "
            "so a certification cannot put them back and never exercises them:\n"
        )
        for name, (old, new) in plan.items():
            out.write(f"  {name}: {_shown(old)} -> {_shown(new)}\n")
        if not args.yes:
            out.write("nothing was sent: run again with --yes to set these values\n")
            return Exit.FAILED
        wanted = {name: new for name, (_, new) in plan.items()}
        outcome = put_back(client, contact_id, wanted)
        save_to = args.save or Path.cwd() / f"contract-prepared-{contact_id}.json"
        done = {name: plan[name] for name in plan if name not in outcome.properties}
        _save(save_to, endpoint.base_url, contact_id, done)
        out.write(
            f"set {len(done)} of {len(plan)}; what was set, and what it replaced: {save_to}\n"
        )
        for name, values in outcome.properties.items():
            sys.stderr.write(
                f"contract prepare: {name} is {_shown(values['now'])}, not "
                f"{_shown(values['original'])}: {values['why']}\n"
            )
        return Exit.OK if outcome.complete else Exit.NOT_RESTORED
    finally:
        client.close()


def run_prepare(args: argparse.Namespace) -> int:
    """Prepare the contact the options name; return the exit code."""
    from contract.run.client import EndpointUnreachable

    try:
        return _prepare(args)
    except SettingsError as error:
        sys.stderr.write(f"contract prepare: could not run: {error.text(Frontend.CLI)}\n")
    except (CannotRun, EndpointUnreachable) as error:
        sys.stderr.write(f"contract prepare: could not run: {error}\n")
    return Exit.CANNOT_RUN
