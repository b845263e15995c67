"""``contract certify``: run the certification suite against an install and say the verdict.

Without ``--url`` it starts the bundled reference server and certifies that.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from contract.cli.command import add_command
from contract.errors import CannotRun, Exit
from contract.run.gc_pause import collector_spared
from contract.run.interrupts import StopAtNextRequest, interrupt_on_sigterm
from contract.run.settings import MOCK_URL, OPTIONS, Frontend, RunSettings, SettingsError, resolve

if TYPE_CHECKING:
    # The run's own modules (the client, requests, the checks) are imported when a run
    # starts: every other command starts without them.
    from contract.report.certificate import Certificate
    from contract.report.progress import Progress

# The run needs pytest, requests and the server; parsing the command line does not, so
# they are imported where the run begins, keeping `contract validate` quick to start.

EXITS = {
    Exit.OK: "certified: every requirement passed or could not be verified",
    Exit.FAILED: "not certified: a requirement failed, or (--require-full-coverage) a "
    "writable property was not exercised or a requirement not verified",
    Exit.CANNOT_RUN: "could not run: bad options, no UpdateContact API at the URL, the "
    "contact missing, the install unreachable for every attempt of a request (--retries) "
    "or refusing the credentials, the install lost mid-run, an interrupt, a replay that "
    "needs an exchange the recording lacks; one line on standard error says why",
    Exit.NOT_RESTORED: "the verdict stands, but a contact the run changed or read does not "
    "read back as before (the contact under test, a witness, or a contact an update "
    "created): the first lines name each contact and property, and the file that puts the "
    "contact under test back (in place of 0 or 1; a run that could not finish exits 2, and "
    "says the same)",
}
INSECURE = (
    "--insecure: the install's TLS certificate is not checked; "
    "whoever sits in between can read the API key"
)
_NAMES = tuple(option.name for option in OPTIONS)


def add_certify_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``contract certify`` on the CLI's sub-command parsers; returns its parser."""
    from contract.cli.options import add_cli_options

    certify = add_command(
        commands,
        "certify",
        EXITS,
        help="certify an install (default: the bundled reference server) against the contract",
        description="Run the certification suite against an install and print one verdict "
        "per requirement; without --url, certify the bundled reference server.",
    )
    add_cli_options(certify, _NAMES)
    # Interrupted before its own handling begins, it says what it says after.
    certify.set_defaults(
        handler=run_certify, interrupted=(Exit.CANNOT_RUN, "could not run: interrupted")
    )
    return certify


@dataclasses.dataclass(eq=False)  # pytest keeps plugins in sets
class _Resolved:
    """Hands the settings this command resolved to the plugin, instead of its options."""

    settings: RunSettings

    def pytest_contract_settings(self) -> RunSettings:
        return self.settings


def _preflight(settings: RunSettings, stop: StopAtNextRequest) -> None:
    """Reach the install once before any check, so "cannot run" is told apart from "failed"."""
    from contract.run.client import ContactClient, EndpointUnreachable, ReadBackUnavailable
    from contract.run.controls import misdirected_status, not_found

    endpoint = settings.endpoint()
    client = ContactClient(endpoint)
    client.before_request = stop.check
    try:
        for contact_id in settings.contacts():
            try:
                if client.read(contact_id) is None:
                    raise CannotRun(not_found(client, contact_id, settings.spell))
            except ReadBackUnavailable as unread:
                probe = client.update(contact_id, {}, "rest")
                for status, url in ((unread.status, unread.url), (probe.status, probe.sent.url)):
                    if status in (401, 403):
                        what = f"a request for contact {contact_id}"
                        refused = misdirected_status("rest", url, status, what, settings.spell)
                        raise CannotRun(str(refused)) from None
    except EndpointUnreachable as error:
        raise CannotRun(str(error)) from None
    finally:
        client.close()


@contextlib.contextmanager
def _embedded_server(settings: RunSettings) -> Iterator[RunSettings]:
    from contract.server import ReferenceServer

    contacts = max(10, settings.workers)
    extension = settings.schema_extension
    with ReferenceServer(contacts=contacts, schema_extension=extension) as server:
        aimed = settings.with_target(server.url, server.user, server.api_key)
        # A contact whose every value is set: the run exercises every writable property
        # (the tests cover fresh contacts, whose "empty" values no update can put back).
        plausible_ids = tuple(server.plausible_contact_ids[: settings.workers])
        yield dataclasses.replace(
            aimed, contact_ids=aimed.contact_ids or plausible_ids, in_process=True
        )


@contextlib.contextmanager
def _mock_install(settings: RunSettings) -> Iterator[RunSettings]:
    # The simulated endpoint answers requests sent from this process only, so the suite
    # runs here too (one worker), inside the mock.
    from contract.mock import endpoint

    with endpoint(MOCK_URL, user=settings.user, schema_extension=settings.schema_extension) as api:
        aimed = settings.with_target(api.url, api.user, api.api_key)
        yield dataclasses.replace(aimed, contact_ids=aimed.contact_ids or (1,), in_process=True)


@contextlib.contextmanager
def _as_given(settings: RunSettings) -> Iterator[RunSettings]:
    yield settings


def _target(settings: RunSettings) -> contextlib.AbstractContextManager[RunSettings]:
    """Where the run goes: a recording, the simulated endpoint, the bundled server, or the URL."""
    if settings.replay_source is not None or settings.url is not None:
        return _as_given(settings)
    return _mock_install(settings) if settings.mock else _embedded_server(settings)


# The pytest plugins a run loads, by name: it loads no other one installed beside them
# (see _run_environment). A plugin that reorders tests or reseeds random numbers would
# break "the same seed replays a run exactly", and each costs start-up time.
_PLUGINS = ("contract.pytest_plugin", "_hypothesis_pytestplugin")
_PYTEST_INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED, without importing pytest here
_WORKER_PLUGIN = "xdist.plugin"


def _suite_args(settings: RunSettings, isolation: Path) -> list[str]:
    """pytest's arguments: the built-in suite alone, no ini file, conftest or plugin of the
    current directory joining in. The settings go to the plugin through its hook."""
    workers = ["-p", _WORKER_PLUGIN, "-n", str(settings.workers)] if settings.workers > 1 else []
    args = [
        "--pyargs",
        "contract.suite",
        f"--config-file={isolation / 'pytest.ini'}",
        f"--rootdir={isolation}",
        "--noconftest",
        *(arg for plugin in _PLUGINS for arg in ("-p", plugin)),
        *("-p", "no:terminal", "-p", "no:cacheprovider"),
        "-s",
        # The suite's checks raise their own errors: rewriting asserts in every worker
        # would only cost start-up time.
        "--assert=plain",
        # An interrupt can leave pytest's own capture half torn down; its complaint is
        # a traceback, and the run has already said it was interrupted.
        *("-W", "ignore::pytest.PytestUnraisableExceptionWarning"),
    ]
    return args + workers


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


def _first_line(settings: RunSettings) -> str:
    """What the run says before it starts: what it certifies, or which recording it replays."""
    source = settings.replay_source
    if source is None:
        return f"certifying {settings.endpoint().base_url} (seed {settings.seed})\n"
    from contract.recording import InvalidRecording, load

    try:
        head = load(source).header
    except InvalidRecording as error:
        raise CannotRun(str(error)) from None
    target, seed = head.get("target", "an install"), head.get("options", {}).get("seed")
    return f"replaying {source} (recorded against {target}, seed {seed}), offline\n"


@contextlib.contextmanager
def _run_environment(fallback: str) -> Iterator[None]:
    """For the run, here and in every xdist worker: Hypothesis's cache, and pytest
    loading only the plugins the arguments name (``PYTEST_PLUGINS`` still adds its own)."""
    variables = {
        "HYPOTHESIS_STORAGE_DIRECTORY": _hypothesis_cache(fallback),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_suite(settings: RunSettings, progress: Progress) -> int:
    import pytest

    with tempfile.TemporaryDirectory() as isolation, _run_environment(isolation):
        (Path(isolation) / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pytest.PytestUnraisableExceptionWarning)
            plugins: list[Any] = [_Resolved(settings), progress]
            with collector_spared(plugins):
                return int(pytest.main(_suite_args(settings, Path(isolation)), plugins=plugins))


def _print_failures(certificate: Certificate, out: IO[str]) -> None:
    for result in certificate.results:
        if result.failure is not None:
            out.write(f"\n{result.failure.message}\n")
            out.write(f"  replay:   the same command with --seed {certificate.seed}\n")
        elif result.verdict == "error" and result.stop is None:
            out.write(f"\n{result.id}: the check itself failed: {result.reason}\n")


def _verdict(settings: RunSettings, certificate: Certificate | None, code: int) -> int:
    """Print the outcome of the run; the exit code."""
    from contract.report.run_facts import restore_lines
    from contract.report.writers import summary_lines

    out = sys.stdout
    if certificate is None:
        # Interrupted while pytest was still starting: no session, so no certificate.
        if code == _PYTEST_INTERRUPTED:
            raise CannotRun("interrupted")
        raise CannotRun(f"the suite could not run (pytest exit code {code})")
    restored = restore_lines(certificate)
    if restored:
        out.write("\n".join(restored) + "\n")
    cannot_judge = certificate.fold.cannot_judge
    if cannot_judge is not None:
        raise CannotRun(str(cannot_judge))
    _print_failures(certificate, out)
    out.write("\n" + "\n".join(summary_lines(certificate, restore=False)) + "\n")
    for report in settings.reports:
        out.write(f"certificate written to {report}\n")
    if settings.record_target is not None:
        out.write(f"exchanges recorded to {settings.record_target}\n")
    if certificate.left_changed:
        return Exit.NOT_RESTORED
    return Exit.OK if certificate.certified else Exit.FAILED


def run_certify(args: argparse.Namespace) -> int:
    """Certify the install the options name; return the exit code."""
    from contract.cli.options import cli_values
    from contract.report.progress import Progress

    # Until the suite starts nothing has changed: a signal stops the run at the next step
    # (a second one at once), never inside whatever Python was doing when it came.
    stop = StopAtNextRequest()
    give_back_signals = stop.install()
    undo_sigterm: Callable[[], None] | None = None
    try:
        given = resolve(
            cli_values(args, _NAMES), here=Path.cwd(), environ=os.environ, frontend=Frontend.CLI
        )
        stop.check()
        with _target(given) as settings:
            stop.check()
            first_line = _first_line(settings)
            if settings.replay_source is None:
                if not settings.verify_tls:
                    from urllib3.exceptions import InsecureRequestWarning

                    sys.stderr.write(f"WARNING: {INSECURE}\n")
                    warnings.simplefilter("ignore", InsecureRequestWarning)
                _preflight(settings, stop)
            # The suite takes the signals over: pytest stops at Ctrl-C, and the contact
            # under test stops the run at its next request.
            give_back_signals()
            undo_sigterm = interrupt_on_sigterm()
            stop.check()
            sys.stdout.write(first_line)
            url = settings.url if settings.replay_source is None else None
            progress = Progress(sys.stdout, url)
            code = _run_suite(settings, progress)
        return _verdict(settings, progress.certificate, code)
    except SettingsError as error:
        sys.stderr.write(f"contract certify: could not run: {error.text(Frontend.CLI)}\n")
        return Exit.CANNOT_RUN
    except CannotRun as reason:
        sys.stderr.write(f"contract certify: could not run: {reason}\n")
        return Exit.CANNOT_RUN
    except KeyboardInterrupt:
        # Before the suite's session began (or after it ended): no contact was changed.
        sys.stderr.write("contract certify: could not run: interrupted\n")
        return Exit.CANNOT_RUN
    finally:
        give_back_signals()
        if undo_sigterm is not None:
            undo_sigterm()
