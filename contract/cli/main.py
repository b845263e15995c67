"""The ``contract`` command line."""

from __future__ import annotations

import argparse
import difflib
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, NoReturn

from contract import __version__
from contract.cli.certify import add_certify_command
from contract.cli.command import add_command
from contract.cli.diff import add_diff_command
from contract.cli.fleet import add_fleet_command
from contract.cli.history import add_history_command
from contract.cli.options import FormerSpelling, add_option
from contract.cli.prepare import add_prepare_command
from contract.cli.restore import add_restore_command
from contract.cli.serve import add_serve_command
from contract.core.bulk import (
    BulkResult,
    check_stream,
    json_reporter,
    json_unreadable,
    text_reporter,
    text_unreadable,
)
from contract.core.openapi import openapi_document
from contract.core.payload_files import InputError
from contract.core.schema import (
    SCHEMA_NAMES,
    SchemaExtensionError,
    bundle,
    load_contract,
    load_schema_file,
)
from contract.core.validation import UpdateValidator
from contract.errors import CannotRun, Exit
from contract.option_model import SCHEMA_EXTENSION


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.schema_extension is not None:
        contract = load_contract(args.schema_extension)
        effective = {"contact": contract.contact, "update": contract.update}
        _print_json(effective.get(args.name, contract.response))
    elif args.bundled:
        _print_json(bundle(args.name))
    else:
        _print_json(load_schema_file(args.name))
    return Exit.OK


def _cmd_openapi(args: argparse.Namespace) -> int:
    _print_json(openapi_document(load_contract(args.schema_extension), __version__))
    return Exit.OK


def _open_input(name: str) -> IO[bytes]:
    if name == "-":
        return sys.stdin.buffer
    path = Path(name)
    if path.is_dir():
        raise CannotRun(f"{name}: is a directory, not a file of payloads")
    try:
        return path.open("rb")
    except OSError as error:
        raise CannotRun(f"{name}: cannot read it: {error.strerror}") from None


def _cmd_validate(args: argparse.Namespace) -> int:
    validator = UpdateValidator(load_contract(args.schema_extension))
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A property name may hold a lone surrogate, which no encoding can write as it is.
        sys.stdout.reconfigure(errors="backslashreplace")
    as_json = args.format == "json"
    report = json_reporter(sys.stdout) if as_json else text_reporter(sys.stdout)
    unreadable = None
    if args.keep_going:
        unreadable = json_unreadable(sys.stdout) if as_json else text_unreadable(sys.stdout)
    result = BulkResult()
    stream = _open_input(args.file)
    try:
        check_stream(stream, validator, report, result, unreadable=unreadable)
    except InputError as error:
        raise CannotRun(f"{args.file}: {error}") from None
    except BrokenPipeError:
        raise  # the reader of the report went away: run() says nothing of it
    except OSError as error:  # standard input opened for writing only, a failing disk, …
        raise CannotRun(f"{args.file}: cannot read it: {error.strerror or error}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if as_json:
        summary = {"records": result.records, "valid": result.valid, "invalid": result.invalid}
        if args.keep_going:
            summary["unreadable"] = result.unreadable
        sys.stdout.write(json.dumps({"summary": summary}) + "\n")
    else:
        unread = f", {result.unreadable} unreadable line(s)" if args.keep_going else ""
        sys.stderr.write(
            f"{result.records} record(s) checked: {result.valid} valid, {result.invalid} invalid"
            f"{unread}\n"
        )
    if result.unreadable:
        return Exit.CANNOT_RUN
    return Exit.FAILED if result.invalid else Exit.OK


VALIDATE_EXITS = {
    Exit.OK: "every payload is valid",
    Exit.FAILED: "some payloads break the contract",
    Exit.CANNOT_RUN: "the input cannot be read or parsed (truncated, binary, not UTF-8, "
    "empty, a missing file or a folder, an integer over 4,300 digits, a record over 16 MiB), "
    "or a bad option; one line names the file, the line and the problem (with --keep-going, "
    "after the rest was read: any line could not be read)",
    Exit.INTERRUPTED: "interrupted (Ctrl-C)",
}
PRINT_EXITS = {
    Exit.OK: "printed",
    Exit.CANNOT_RUN: "the schema extension cannot be read or merged; one line says why",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``contract`` command."""
    parser = argparse.ArgumentParser(
        prog="contract", description="Contract tests for the UpdateContact API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    schema = add_command(
        commands,
        "schema",
        PRINT_EXITS,
        help="print a schema of the contract",
        description="Print one of the contract's JSON Schemas.",
    )
    schema.add_argument("name", choices=SCHEMA_NAMES, help="which schema")
    schema.add_argument(
        "--bundled", action="store_true", help="inline every $ref, self-contained (default: off)"
    )
    add_option(schema, SCHEMA_EXTENSION)
    schema.set_defaults(handler=_cmd_schema)

    validate = add_command(
        commands,
        "validate",
        VALIDATE_EXITS,
        help="validate payloads: a JSON object, a JSON array of objects, or JSON Lines",
        description="Validate UpdateContact payloads from a file or standard input, one "
        "line per violation.",
    )
    validate.add_argument("file", metavar="FILE", help="the payloads; '-' reads standard input")
    validate.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a line per violation; json: a JSON line per invalid payload (default: text)",
    )
    add_option(validate, SCHEMA_EXTENSION)
    validate.add_argument(
        "--keep-going",
        action="store_true",
        help="read the input as JSON Lines and report a line that cannot be read, then go on "
        "with the rest; the exit code is still 2 (default: off)",
    )
    validate.set_defaults(handler=_cmd_validate)

    openapi = add_command(
        commands,
        "openapi",
        PRINT_EXITS,
        help="print an OpenAPI 3.1 document",
        description="Print an OpenAPI 3.1 document of the endpoint, derived from the schemas.",
    )
    add_option(openapi, SCHEMA_EXTENSION)
    openapi.set_defaults(handler=_cmd_openapi)

    add_serve_command(commands)
    add_certify_command(commands)
    add_restore_command(commands)
    add_prepare_command(commands)
    add_fleet_command(commands)
    add_diff_command(commands)
    add_history_command(commands)
    for command in commands.choices.values():
        command.set_defaults(command_parser=command)
    return parser


def _refuse_unknown(command: argparse.ArgumentParser, unknown: list[str]) -> NoReturn:
    """The command's own usage, and the option the user most likely meant."""
    message = f"unrecognized arguments: {' '.join(unknown)}"
    known = [
        flag
        for action in command._actions
        if not isinstance(action, FormerSpelling)  # a former name is not one to learn now
        for flag in action.option_strings
    ]
    for word in unknown:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.5)
            if close:
                message += f"; did you mean {close[0]}?"
                break
    command.error(message)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command and its options; a usage error exits 2 with the command's usage."""
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:
        _refuse_unknown(args.command_parser, unknown)
    return args


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; return its exit code."""
    try:
        return int(args.handler(args))
    except (CannotRun, SchemaExtensionError) as error:
        sys.stderr.write(f"contract {args.command}: {error}\n")
        return Exit.CANNOT_RUN
    except BrokenPipeError:
        # The reader went away (``| head``); that is not an error of ours.
        sys.stderr.close()
        return Exit.OK
    except KeyboardInterrupt:
        code, said = getattr(args, "interrupted", (Exit.INTERRUPTED, "interrupted"))
        sys.stderr.write(f"contract {args.command}: {said}\n")
        return int(code)
