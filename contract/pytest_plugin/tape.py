"""Recording and replaying a run from inside pytest: which tape, and what it is told."""

from __future__ import annotations

import dataclasses
from typing import cast
from urllib.parse import urlsplit

import pytest

from contract.recording import (
    REPLAY_HOST,
    InvalidRecording,
    NotInRecording,
    Recorder,
    Recording,
    Redactor,
    Replayer,
    header,
    load,
    merge,
    part_path,
)
from contract.run.contact import ContactUnderTest, read_contact
from contract.run.settings import RunSettings
from contract.spec.schema import Contract
from contract.spec.transports import TRANSPORTS, Transport

Tape = Recorder | Replayer
# Replay sends no credentials anywhere; the client still needs a key to hold.
REPLAY_KEY = "replayed-run"


def worker_name(config: pytest.Config) -> str:
    """This process's name in a run: ``gw0``… under xdist, else ``main``."""
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def _replayed(settings: RunSettings, recording: Recording) -> RunSettings:
    """The settings of the recorded run, which a replay must send exactly as it did."""
    head, options = recording.header, recording.options
    transports = tuple(t for t in options.get("transports", TRANSPORTS) if t in TRANSPORTS)
    return dataclasses.replace(
        settings,
        url=REPLAY_HOST + str(head.get("base_path", "")),
        xmlrpc_url=REPLAY_HOST + str(head["xmlrpc_path"]),
        user=str(head.get("user", settings.user)),
        api_key=REPLAY_KEY,
        contact_ids=tuple(options.get("contact_ids") or sorted(recording.contacts)),
        witness_ids=tuple(options.get("witness_ids") or ()),
        transports=cast(tuple[Transport, ...], transports),
        readonly_policy=options.get("readonly_policy", settings.readonly_policy),
        unknown_policy=options.get("unknown_policy", settings.unknown_policy),
        examples=int(options.get("examples", settings.examples)),
        seed=int(options.get("seed", settings.seed)),
        # Retried as often as recorded, so that each recorded network error is followed by
        # the attempt the recording holds; a recording older than retries made none.
        retries=int(options.get("retries", 0)),
    )


def open_tape(
    settings: RunSettings, fingerprint: str, worker: str
) -> tuple[RunSettings, Tape | None]:
    """The recorder or replayer the settings ask for, and the settings the run goes on with."""
    source = settings.replay_source
    if source is not None:
        try:
            recording = load(source)
        except InvalidRecording as error:
            raise pytest.UsageError(f"--contract-replay: {error}") from None
        if recording.header.get("schema_fingerprint") != fingerprint:
            raise pytest.UsageError(
                "--contract-replay: the recording was made against another contract; "
                "give the same --contract-schema-extension as when it was recorded"
            )
        return _replayed(settings, recording), Replayer(recording)
    target = settings.record_target
    if target is not None:
        host = urlsplit(settings.url or "").netloc or None
        redactor = Redactor(settings.user, settings.api_key, host)
        return settings, Recorder(part_path(target, worker), redactor)
    return settings, None


def finish(config: pytest.Config, tape: Tape, settings: RunSettings, fingerprint: str) -> None:
    """Close the part; the process that owns the session writes the recording."""
    if not isinstance(tape, Recorder):
        return
    tape.close()
    path = settings.record_target
    if hasattr(config, "workerinput") or path is None:
        return
    if not any(path.parent.glob(f"{path.name}.*.part")):
        return
    endpoint = settings.endpoint()
    head = header(
        endpoint.base_url, endpoint.rpc_url, settings.user, settings.public(), fingerprint
    )
    merge(path, head)


def test_id(item: pytest.Item) -> str:
    """A test's name in a recording: the same wherever the suite is installed."""
    module = getattr(item, "module", None)
    return f"{module.__name__}::{item.name}" if module is not None else item.nodeid


def replayed_contact(replayer: Replayer, contact_id: int, contract: Contract) -> ContactUnderTest:
    """The contact under test as the recording read it."""
    recorded = replayer.recording.contacts.get(contact_id)
    if recorded is None:
        raise NotInRecording(f"contact {contact_id}")
    if recorded.witnesses is None:
        raise NotInRecording(f"which witnesses contact {contact_id}'s run read")
    contact = read_contact(
        recorded.id, recorded.original, recorded.no_readback, recorded.irreversible, contract
    )
    contact.witnesses = dict(recorded.witnesses)
    contact.restored = True  # nothing was changed, so there is nothing to restore
    return contact
