"""Recording a run: every exchange, draw and case, redacted, written as it happens."""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from contract import __version__
from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.exchange.answers import Exchange
from contract.exchange.endpoint import Endpoint
from contract.recording.bodies import body_fields
from contract.recording.compact import Compactor
from contract.recording.lines import (
    FORMAT,
    draw_fields,
    dumps,
    is_gzip,
    open_text,
    recorded_path,
)
from contract.recording.redaction import Redactor
from contract.run.cases import EXPLORE, Cases
from contract.run.certifier import Certifier
from contract.run.client import ContactClient
from contract.run.contact import ContactUnderTest
from contract.run.settings import RunSettings
from contract.run.tape import drawn_cases, live_client

_NOT_RECORDED = frozenset({"url", "xmlrpc_url", "record", "replay"})


class Scope:
    """The test and case the run is in, which every line it writes names."""

    def __init__(self) -> None:
        self.test: str | None = None
        self.requirement: str | None = None
        self.transport: str | None = None
        self.case: int | None = None
        self.cases_started = 0

    def begin_test(self, test: str, requirement: str, transport: str | None) -> None:
        """Enter a test; its first case starts with :meth:`next_case`."""
        self.test, self.requirement, self.transport = test, requirement, transport
        self.case, self.cases_started = None, 0

    def next_case(self) -> int:
        """Start the test's next case and return its number."""
        self.case = self.cases_started
        self.cases_started += 1
        return self.case

    def end_test(self) -> None:
        """Leave the test: what follows belongs to the session (set-up, restore)."""
        self.test = self.requirement = self.transport = None
        self.case = None

    def fields(self) -> dict[str, Any]:
        """Where a line belongs."""
        return {
            "test": self.test,
            "requirement": self.requirement,
            "transport": self.transport,
            "case": self.case,
        }


def header(
    base_url: str,
    rpc_url: str,
    user: str,
    options: dict[str, Any],
    schema_fingerprint: str,
) -> dict[str, Any]:
    """The first line: where the run went (``target``, which replay never uses) and how."""
    target = urlsplit(base_url)
    return {
        "kind": "recording",
        "format": FORMAT,
        "tool": f"updatecontact-contract/{__version__}",
        "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "target": f"{target.scheme}://{target.netloc}",
        "base_path": target.path.rstrip("/"),
        "xmlrpc_path": urlsplit(rpc_url).path,
        "user": user,
        "schema_fingerprint": schema_fingerprint,
        # The target is above; where the files lie is this machine's business.
        "options": {k: v for k, v in options.items() if k not in _NOT_RECORDED},
    }


class Recorder:
    """The tape of a run that records (see :class:`~contract.run.tape.Tape`): sends to
    the install and writes one process's part of a recording; :func:`merge` makes the
    file (at *into*, the first line from *head*) when the run finishes."""

    def __init__(
        self,
        part: Path,
        redactor: Redactor,
        *,
        into: Path | None = None,
        head: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.part = part
        self.redactor = redactor
        self.into = into
        self._head = head
        self.scope = Scope()
        self._contact_id: int | None = None
        self._stream: IO[str] | None = None
        self._compactor = Compactor()
        self._exchanges_in_case = 0
        # Where each exchange of a test case was written (test, case, index in the case), by
        # the exchange's identity: a shared exchange stays alive in its store, so its
        # identity is never another's while a test may still repeat it.
        self._written_at: dict[int, tuple[str, int, int]] = {}

    def target(self, settings: RunSettings) -> str | None:
        """The install recorded."""
        return settings.url

    @contextmanager
    def client(
        self, endpoint: Endpoint, settings: RunSettings, workers: int
    ) -> Iterator[ContactClient]:
        """A live client, each exchange of which is recorded."""
        with live_client(endpoint, settings, workers) as client:
            client.on_exchange = self.record_exchange
            client.on_reused = self.record_reused
            yield client

    def contact(
        self, contact_id: int, contract: Contract, read: Callable[[], ContactUnderTest]
    ) -> ContactUnderTest:
        """The contact as read, recorded."""
        contact = read()
        self.record_contact(
            contact.id,
            contact.original,
            contact.no_readback,
            contact.irreversible,
            contact.witnesses,
        )
        return contact

    def unproven(
        self, transports: Sequence[Transport], control: Callable[[Transport], str | None]
    ) -> dict[str, str]:
        """Each control, run and recorded."""
        unproven: dict[str, str] = {}
        for transport in transports:
            reason = control(transport)
            self.record_control(transport, reason)
            if reason is not None:
                unproven[transport] = reason
        return unproven

    def begin_test(self, test: str, requirement: str, transport: str | None) -> None:
        """Name *test* on every line until it ends."""
        self.scope.begin_test(test, requirement, transport)

    def end_test(self) -> None:
        """Name no test any more."""
        self.scope.end_test()

    def cases(self, certifier: Certifier, examples: int, seed: int, shrink_budget: int) -> Cases:
        """Cases as drawn, each recorded."""
        return drawn_cases(certifier, examples, seed, shrink_budget, notes=self)

    def retries_not_sent(self) -> int:
        """None: every retry counted was sent, and recorded."""
        return 0

    def finish(self, owner: bool) -> None:
        """Close the part; the owner joins every part into the recording."""
        self.close()
        into, head = self.into, self._head
        if not owner or into is None or head is None:
            return
        if any(into.parent.glob(f"{into.name}.*.part")):
            merge(into, head())

    def _write(self, line: dict[str, Any]) -> None:
        if self._stream is None:
            self._stream = open_text(self.part, "w", compressed=False)
        # Redacted as text too: a drawn value or a contact could hold what an answer echoed.
        text = self.redactor.text(dumps(self._compactor.compact(line)))
        self._stream.write(text)
        self._stream.flush()  # an interrupted run keeps what it recorded
        # Later lines are written against this one as a replay will read it, redacted.
        self._compactor.written(json.loads(text))

    def close(self) -> None:
        """Close the part file."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def record_contact(
        self,
        contact_id: int,
        original: Any,
        no_readback: str | None,
        irreversible: Iterable[str] = (),
        witnesses: Mapping[int, Any] | None = None,
    ) -> None:
        """The contact this process changes, as it read before the run, the properties
        whose values the install would not take back, and the witnesses it read (each as
        it read then)."""
        self._contact_id = contact_id
        line = {"kind": "contact", "id": contact_id, "original": original}
        line |= {"no_readback": no_readback, "irreversible": sorted(irreversible)}
        line["witnesses"] = {str(k): v for k, v in (witnesses or {}).items()}
        self._write(line)

    def record_control(self, transport: str, unproven: str | None) -> None:
        """The positive control of *transport*: ``None`` when a valid update was accepted,
        else why that transport's refusals prove nothing."""
        self._write({"kind": "control", "transport": transport, "unproven": unproven})

    def start_case(self, phase: str = EXPLORE) -> None:
        """A test case of the *phase* (``coverage`` or ``explore``) begins."""
        self.scope.next_case()
        self._exchanges_in_case = 0
        line = {"kind": "case", **self.scope.fields(), "contact": self._contact_id, "phase": phase}
        self._write(line)

    def discard_case(self) -> None:
        """The case was thrown away (its draws were rejected): replay skips it."""
        self._write({"kind": "discard", "test": self.scope.test, "case": self.scope.case})

    def record_draw(self, label: str | None, value: Any) -> None:
        """The case drew *value*."""
        scope = self.scope
        self._write(
            {"kind": "draw", "test": scope.test, "case": scope.case, "label": label}
            | draw_fields(value)
        )

    def record_exchange(self, exchange: Exchange) -> None:
        """One request and its answer, credentials and host removed."""
        redact = self.redactor
        path = recorded_path(exchange.url)
        line: dict[str, Any] = {"kind": "exchange", **self.scope.fields()}
        if exchange.attempt > 1:
            line["attempt"] = exchange.attempt  # a retry: the network lost the attempts before
        line |= {
            "request": {
                "method": exchange.method,
                "path": redact.text(path),
                "headers": redact.headers(exchange.request_headers),
                **body_fields(redact.bytes(exchange.request_body)),
            },
        }
        self._count_in_case(exchange)
        if exchange.error is not None:
            line["error"] = exchange.error
        else:
            line["response"] = {
                "status": exchange.status,
                "headers": redact.headers(exchange.response_headers),
                **body_fields(redact.bytes(exchange.response_body)),
            }
        self._write(line)

    def record_reused(self, exchanges: Sequence[Exchange]) -> None:
        """Exchanges another test sent that this case judges too: ``reuse`` lines naming
        where they were written, one per run of them in a case (a copy of one that was not
        written in a test case)."""
        runs: list[tuple[str, int, int, int]] = []
        for exchange in exchanges:
            written_at = self._written_at.get(id(exchange))
            if written_at is None:
                self.record_exchange(exchange)
                continue
            test, case, index = written_at
            if runs and runs[-1][:2] == (test, case) and sum(runs[-1][2:]) == index:
                runs[-1] = (test, case, runs[-1][2], runs[-1][3] + 1)
            else:
                runs.append((test, case, index, 1))
            self._exchanges_in_case += 1
        scope = self.scope
        for test, case, first, count in runs:
            # An earlier case of the same test is named by its number alone.
            of: dict[str, str | int] = {"test": test} if test != scope.test else {}
            of |= {"case": case, "exchange": first, "count": count}
            self._write({"kind": "reuse", "test": scope.test, "case": scope.case, "of": of})

    def _count_in_case(self, exchange: Exchange) -> None:
        test, case = self.scope.test, self.scope.case
        if test is not None and case is not None:
            self._written_at[id(exchange)] = (test, case, self._exchanges_in_case)
            self._exchanges_in_case += 1


def part_path(path: Path, worker: str) -> Path:
    """Where one process writes its part of the recording at *path*."""
    return path.with_name(f"{path.name}.{worker}.part")


def merge(path: Path, head: dict[str, Any]) -> None:
    """Write the recording: the header, then every part, replacing *path* whole, gzipped
    when its name ends in ``.gz``.

    The header is the one place the target's host is kept; it holds no secret. Each part's
    lines build only on lines of that part, so parts follow each other as they are."""
    parts = sorted(path.parent.glob(f"{path.name}.*.part"))
    partial = path.with_name(path.name + ".partial")
    with open_text(partial, "w", compressed=is_gzip(path)) as out:
        out.write(dumps(head))
        for part in parts:
            with open_text(part, "r", compressed=False) as stream:
                for line in stream:
                    out.write(line)
    os.replace(partial, path)
    for part in parts:
        part.unlink()
