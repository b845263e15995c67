"""``contract restore FILE``: put back the values a certification could not restore itself."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from contract.defaults import DEFAULT_TIMEOUT, DEFAULT_USER


def add_restore_command(commands: Any) -> None:
    """Register ``contract restore`` on the CLI's sub-command parsers."""
    restore = commands.add_parser(
        "restore",
        help="put back a contact's original values, saved when a run could not restore them",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a contract-restore-ID.json file")
    restore.add_argument("--user", default=os.environ.get("CONTRACT_USER", DEFAULT_USER))
    restore.add_argument("--api-key", help="Basic auth API key (better: CONTRACT_API_KEY)")
    restore.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    restore.add_argument("--insecure", action="store_true", help="do not check TLS certificates")
    restore.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow sending the credentials over plain http:// to a host off this machine",
    )
    restore.set_defaults(handler=run_restore)


def _saved_values(path: Path) -> tuple[str, int, dict[str, Any]]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return str(saved["url"]), int(saved["contact_id"]), dict(saved["properties"])
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path} is not a file that contract certify wrote") from None


def run_restore(args: argparse.Namespace) -> int:
    """Send the saved values back to the install; 0 when it took them, 2 otherwise."""
    from contract.client import ContactClient, Endpoint, EndpointUnreachable

    api_key = args.api_key or os.environ.get("CONTRACT_API_KEY")
    try:
        if not api_key:
            raise ValueError("no API key: give --api-key or set CONTRACT_API_KEY")
        url, contact_id, properties = _saved_values(args.file)
        endpoint = Endpoint(url, args.user, api_key, None, args.timeout, not args.insecure)
        if endpoint.plain_http_hosts and not args.allow_insecure_http:
            raise ValueError(
                f"the API key would cross the network unencrypted to {endpoint.plain_http_hosts[0]}"
                ": use --allow-insecure-http to accept that"
            )
        client = ContactClient(endpoint)
        answer = client.update(contact_id, properties, "rest")
    except (ValueError, EndpointUnreachable) as error:
        sys.stderr.write(f"contract restore: {error}\n")
        return 2
    if not answer.accepted:
        sys.stderr.write(f"contract restore: {url} refused the values: {answer.summary()}\n")
        return 2
    sys.stdout.write(f"contact {contact_id} on {url} has its original values again\n")
    return 0
