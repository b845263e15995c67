"""``contract certify``: run the certification suite against an install and say the verdict.

Without ``--url`` it starts the bundled reference server and certifies that.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from contract.certificate import Certificate
from contract.defaults import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT, DEFAULT_USER, MIN_TIMEOUT, POLICIES
from contract.interrupts import interrupt_on_sigterm
from contract.progress import Progress
from contract.reports import REPORT_FORMATS, summary_lines
from contract.transports import TRANSPORTS

# The run needs pytest, requests and the server; parsing the command line does not, so
# they are imported where the run begins, keeping `contract validate` quick to start.
if TYPE_CHECKING:
    from contract.client import Endpoint

EXIT_CERTIFIED, EXIT_NOT_CERTIFIED, EXIT_CANNOT_RUN = 0, 1, 2
INSECURE = (
    "--insecure: the install's TLS certificate is not checked; "
    "whoever sits in between can read the API key"
)
# Where `--mock` puts the simulated endpoint; nothing is sent over the network.
MOCK_URL = "https://install.example"


class CannotRun(Exception):
    """The certification cannot start or finish; the message is the one-line reason."""


def add_certify_command(commands: Any) -> None:
    """Register ``contract certify`` on the CLI's sub-command parsers."""
    certify = commands.add_parser(
        "certify",
        help="certify an install (default: the bundled reference server) against the contract",
        description="Run the certification suite and print one verdict per requirement. "
        "Exit 0: certified; 1: not certified; 2: could not run.",
    )
    certify.add_argument(
        "--url", help="base URL of the install; without it, the bundled reference server"
    )
    certify.add_argument(
        "--mock",
        action="store_true",
        help=f"certify the simulated endpoint (contract.mock) at {MOCK_URL}, in process",
    )
    certify.add_argument(
        "--user", default=os.environ.get("CONTRACT_USER", DEFAULT_USER), help="Basic auth user"
    )
    certify.add_argument(
        "--api-key", help="Basic auth API key (better: the CONTRACT_API_KEY variable)"
    )
    certify.add_argument(
        "--contact-id", help="id of the contact to test, or a comma list, one per worker"
    )
    certify.add_argument("--transport", choices=(*TRANSPORTS, "both"), default="both")
    certify.add_argument("--xmlrpc-url", help="XML-RPC endpoint (default <url>/api/2.0/xmlrpc)")
    certify.add_argument("--readonly-policy", choices=POLICIES, default="either")
    certify.add_argument("--unknown-policy", choices=POLICIES, default="either")
    certify.add_argument(
        "--examples", type=int, default=DEFAULT_EXAMPLES, help="Hypothesis examples per requirement"
    )
    certify.add_argument("--seed", type=int, help="Hypothesis seed, to replay a run")
    certify.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for an answer"
    )
    certify.add_argument(
        "--workers", type=int, default=1, help="parallel workers, one contact each"
    )
    certify.add_argument(
        "--insecure",
        action="store_true",
        help="do not check the install's TLS certificate (the run says so loudly)",
    )
    certify.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow sending the credentials over plain http:// to a host off this machine",
    )
    certify.add_argument(
        "--rate-limit",
        metavar="N/s",
        help="at most N requests a second over the whole run (also N/min); 429 waits anyway",
    )
    certify.add_argument(
        "--report", type=Path, help="write the certificate: .json, .md, .html or .xml"
    )
    certify.add_argument(
        "--schema-extension", metavar="FILE", help="JSON Schema fragment of custom fields"
    )
    certify.add_argument(
        "--record", type=Path, metavar="PATH", help="record every exchange to PATH (JSON Lines)"
    )
    certify.add_argument(
        "--replay", type=Path, metavar="PATH", help="certify offline from the recording at PATH"
    )
    certify.add_argument(
        "--record-mode",
        choices=("once", "all"),
        default="all",
        help="all: always record; once: record when PATH is missing, else replay it",
    )
    certify.set_defaults(handler=run_certify)


@dataclass
class _Target:
    endpoint: Endpoint
    contact_ids: tuple[int, ...]


def _contact_ids(text: str | None, workers: int, loopback: bool) -> tuple[int, ...]:
    if text is None:
        if not loopback:
            raise CannotRun(
                "the install is not on this machine: "
                "name the contact the run may change with --contact-id"
            )
        return tuple(range(1, workers + 1))
    try:
        ids = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise CannotRun(f"--contact-id takes ids like 7 or 7,8,9, not {text!r}") from None
    if len(ids) < workers:
        raise CannotRun(
            f"--workers {workers} needs {workers} contact ids, one per worker; got {len(ids)}"
        )
    return ids


def _check_options(args: argparse.Namespace) -> None:
    if args.examples < 1:
        raise CannotRun("--examples must be at least 1")
    if args.workers < 1:
        raise CannotRun("--workers must be at least 1")
    if not math.isfinite(args.timeout) or args.timeout < MIN_TIMEOUT:
        raise CannotRun(f"--timeout must be a number of seconds, at least {MIN_TIMEOUT:g}")
    if args.mock and args.url is not None:
        raise CannotRun("--mock certifies the simulated endpoint: leave out --url")
    if args.mock and args.workers > 1:
        raise CannotRun("--mock runs in process: it takes no --workers above 1")
    if args.seed is not None and args.seed < 0:
        raise CannotRun("--seed must not be negative")
    if args.rate_limit is not None:
        from contract.throttle import RateLimit

        try:
            RateLimit.parse(args.rate_limit)
        except ValueError as error:
            raise CannotRun(f"--rate-limit: {error}") from None
    if args.record is not None and args.replay is not None:
        raise CannotRun("give --record or --replay, not both")
    if args.replay is not None:
        if args.url is not None or args.mock:
            raise CannotRun("--replay answers from the recording: leave out --url and --mock")
        if not args.replay.is_file():
            raise CannotRun(f"--replay: no recording at {args.replay}")
    if args.record is not None and not args.record.resolve().parent.is_dir():
        raise CannotRun(f"--record: the folder {args.record.parent} does not exist")
    if args.report is not None:
        if args.report.suffix.lower() not in REPORT_FORMATS:
            raise CannotRun(
                f"--report must end in {', '.join(REPORT_FORMATS)}, not {args.report.name}"
            )
        if not args.report.resolve().parent.is_dir():
            raise CannotRun(f"--report: the folder {args.report.parent} does not exist")


def _preflight(target: _Target) -> None:
    """Reach the install once before any check, so "cannot run" is told apart from "failed"."""
    from contract.client import ContactClient, EndpointUnreachable, ReadBackUnavailable

    client = ContactClient(target.endpoint)
    try:
        for contact_id in target.contact_ids:
            try:
                if client.read(contact_id) is None:
                    raise CannotRun(
                        f"contact {contact_id} does not exist on {target.endpoint.base_url}"
                    )
            except ReadBackUnavailable:
                probe = client.update(contact_id, {}, "rest")
                if probe.status in (401, 403):
                    raise CannotRun(
                        f"{target.endpoint.base_url} refused the credentials (HTTP {probe.status})"
                    ) from None
    except EndpointUnreachable as error:
        raise CannotRun(str(error)) from None
    finally:
        client.close()


@contextlib.contextmanager
def _embedded_server(args: argparse.Namespace) -> Iterator[_Target]:
    from contract.client import Endpoint
    from contract.server import ReferenceServer

    with ReferenceServer(
        contacts=max(10, args.workers), schema_extension=args.schema_extension
    ) as server:
        endpoint = Endpoint(server.url, server.user, server.api_key, None, args.timeout)
        yield _Target(endpoint, _contact_ids(args.contact_id, args.workers, loopback=True))


@contextlib.contextmanager
def _mock_install(args: argparse.Namespace) -> Iterator[_Target]:
    # The simulated endpoint answers requests sent from this process only, so the suite
    # runs here too (one worker), inside the mock.
    from contract.client import Endpoint
    from contract.mock import endpoint

    with endpoint(MOCK_URL, user=args.user, schema_extension=args.schema_extension) as api:
        target = Endpoint(api.url, api.user, api.api_key, None, args.timeout)
        yield _Target(target, _contact_ids(args.contact_id or "1", 1, loopback=False))


@contextlib.contextmanager
def _remote_install(args: argparse.Namespace) -> Iterator[_Target]:
    api_key = args.api_key or os.environ.get("CONTRACT_API_KEY")
    if not api_key:
        raise CannotRun("no API key: give --api-key or set CONTRACT_API_KEY")
    from contract.client import Endpoint

    try:
        endpoint = Endpoint(
            args.url, args.user, api_key, args.xmlrpc_url, args.timeout, not args.insecure
        )
    except ValueError as error:
        raise CannotRun(str(error)) from None
    if endpoint.plain_http_hosts and not args.allow_insecure_http:
        raise CannotRun(
            f"the API key would cross the network unencrypted to {endpoint.plain_http_hosts[0]}: "
            "use https://, or accept that with --allow-insecure-http"
        )
    yield _Target(endpoint, _contact_ids(args.contact_id, args.workers, endpoint.is_loopback))


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set variables for the run; workers inherit them, and the API key stays out of argv."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _pytest_args(args: argparse.Namespace, target: _Target | None, isolation: Path) -> list[str]:
    """The suite's arguments: against *target*, or replaying when there is none."""
    # The suite runs alone: no ini file, conftest or plugin of the current directory joins in.
    pytest_args = [
        "--pyargs",
        "contract.suite",
        f"--config-file={isolation / 'pytest.ini'}",
        f"--rootdir={isolation}",
        "--noconftest",
        "-p",
        "no:terminal",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:benchmark",
        "-s",
        # The suite's checks raise their own errors: rewriting asserts in every worker
        # would only cost start-up time.
        "--assert=plain",
        # An interrupt can leave pytest's own capture half torn down; its complaint is
        # a traceback, and the run has already said it was interrupted.
        "-W",
        "ignore::pytest.PytestUnraisableExceptionWarning",
    ]
    if args.report is not None:
        pytest_args.append(f"--contract-report={args.report.resolve()}")
    if args.schema_extension:
        pytest_args.append(f"--contract-schema-extension={args.schema_extension}")
    if args.workers > 1:
        pytest_args += ["-n", str(args.workers)]
    if args.rate_limit is not None:
        pytest_args.append(f"--contract-rate-limit={args.rate_limit}")
    if args.insecure:
        pytest_args.append("--contract-insecure")
    if args.allow_insecure_http:
        pytest_args.append("--contract-allow-insecure-http")
    if target is None:
        return [*pytest_args, f"--contract-replay={_replay_source(args)}"]
    endpoint = target.endpoint
    pytest_args += [
        f"--contract-url={endpoint.base_url}",
        f"--contract-user={endpoint.user}",
        f"--contract-contact-id={','.join(map(str, target.contact_ids))}",
        f"--contract-transport={args.transport}",
        f"--contract-readonly-policy={args.readonly_policy}",
        f"--contract-unknown-policy={args.unknown_policy}",
        f"--contract-examples={args.examples}",
        f"--contract-timeout={args.timeout}",
    ]
    if endpoint.xmlrpc_url:
        pytest_args.append(f"--contract-xmlrpc-url={endpoint.xmlrpc_url}")
    if args.record is not None:
        pytest_args.append(f"--contract-record={args.record.resolve()}")
    return pytest_args


def _replay_source(args: argparse.Namespace) -> Path | None:
    """The recording the run answers from: ``--replay``, or ``--record`` in mode once when the
    file is there."""
    if args.replay is not None:
        return Path(args.replay).resolve()
    if args.record is not None and args.record_mode == "once" and args.record.is_file():
        return Path(args.record).resolve()
    return None


def _hypothesis_cache(fallback: str) -> str:
    """Where Hypothesis keeps its Unicode tables between runs (not the current directory,
    which is the user's): built once per machine instead of once per worker and run."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return os.environ["HYPOTHESIS_STORAGE_DIRECTORY"]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "updatecontact-contract" / "hypothesis"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return fallback
    return str(folder)


def _replaying(path: Path | None) -> str:
    from contract.recording import InvalidRecording, read_header

    try:
        head = read_header(path) if path is not None else {}
    except InvalidRecording as error:
        raise CannotRun(str(error)) from None
    target, seed = head.get("target", "an install"), head.get("options", {}).get("seed")
    return f"replaying {path} (recorded against {target}, seed {seed}), offline\n"


@contextlib.contextmanager
def _no_install(args: argparse.Namespace) -> Iterator[None]:
    yield None


def _exit_code(certificate: Certificate) -> int:
    unreachable = [
        r
        for r in certificate.results.values()
        if r.verdict == "error"
        and (r.reason or "").startswith(("EndpointUnreachable", "NotInRecording"))
    ]
    if unreachable:
        reason = str(unreachable[0].reason)
        raise CannotRun(reason.partition(": ")[2])
    return EXIT_CERTIFIED if certificate.certified else EXIT_NOT_CERTIFIED


def _print_failures(certificate: Certificate, out: IO[str]) -> None:
    for result in certificate.results.values():
        if result.failure is not None:
            out.write(f"\n{result.failure['message']}\n")
            out.write(f"  replay:   the same command with --seed {certificate.seed}\n")
        elif result.verdict == "error":
            out.write(f"\n{result.id}: the check itself failed: {result.reason}\n")


def run_certify(args: argparse.Namespace) -> int:
    """Certify the install the options name; return the exit code."""
    out = sys.stdout
    undo_sigterm = interrupt_on_sigterm()
    try:
        import pytest

        _check_options(args)
        replay = _replay_source(args)
        target_of: Callable[[argparse.Namespace], contextlib.AbstractContextManager[_Target | None]]
        if replay is not None:
            target_of = _no_install
        elif args.mock:
            target_of = _mock_install
        else:
            target_of = _embedded_server if args.url is None else _remote_install
        with target_of(args) as target:
            seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
            variables = {"CONTRACT_SEED": str(seed)}
            if target is None:
                out.write(_replaying(replay))
            else:
                if not target.endpoint.verify_tls:
                    from urllib3.exceptions import InsecureRequestWarning

                    sys.stderr.write(f"WARNING: {INSECURE}\n")
                    warnings.simplefilter("ignore", InsecureRequestWarning)
                _preflight(target)
                out.write(f"certifying {target.endpoint.base_url} (seed {seed})\n")
                variables["CONTRACT_API_KEY"] = target.endpoint.api_key
            progress = Progress(out)
            with tempfile.TemporaryDirectory() as isolation:
                variables.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", _hypothesis_cache(isolation))
                (Path(isolation) / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
                pytest_args = _pytest_args(args, target, Path(isolation))
                with _environment(**variables), warnings.catch_warnings():
                    warnings.simplefilter("ignore", pytest.PytestUnraisableExceptionWarning)
                    code = pytest.main(pytest_args, plugins=[progress])
        certificate = progress.certificate
        if certificate is not None and certificate.restore_file:
            out.write(
                f"contact NOT restored: its original values are in {certificate.restore_file}; "
                f"put them back with `contract restore {certificate.restore_file}`\n"
            )
        if progress.stopped is not None or certificate is None:
            raise CannotRun(
                progress.stopped or f"the suite could not run (pytest exit code {int(code)})"
            )
        _print_failures(certificate, out)
        out.write("\n" + "\n".join(summary_lines(certificate)) + "\n")
        if args.report is not None:
            out.write(f"certificate written to {args.report}\n")
        if args.record is not None and replay is None:
            out.write(f"exchanges recorded to {args.record}\n")
        return _exit_code(certificate)
    except CannotRun as reason:
        sys.stderr.write(f"contract certify: could not run: {reason}\n")
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        # Before the suite's session began (or after it ended): no contact was changed.
        sys.stderr.write("contract certify: could not run: interrupted\n")
        return EXIT_CANNOT_RUN
    finally:
        undo_sigterm()
