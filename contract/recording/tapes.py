"""Which tape a run plays through, as its settings ask: live, a recorder or a replayer."""

from __future__ import annotations

import dataclasses
from typing import Any, cast
from urllib.parse import urlsplit

from contract.core.transports import TRANSPORTS, Transport
from contract.recording.lines import InvalidRecording, Recording, load
from contract.recording.recorder import Recorder, header, part_path
from contract.recording.redaction import Redactor
from contract.recording.replayer import REPLAY_HOST, Replayer
from contract.run.settings import RunSettings
from contract.run.tape import LiveTape, Tape

# Replay sends no credentials anywhere; the client still needs a key to hold.
REPLAY_KEY = "replayed-run"


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
        # Shared as recorded: a recording older than sharing shared nothing.
        share_evidence=bool(options.get("share_evidence", False)),
    )


def open_tape(settings: RunSettings, fingerprint: str, worker: str) -> tuple[RunSettings, Tape]:
    """The tape the settings ask for in the process called *worker* (``gw0``… under xdist,
    else ``main``), and the settings the run goes on with: a replay's are the recorded
    run's. :class:`InvalidRecording` says why a recording cannot be replayed."""
    source = settings.replay_source
    if source is not None:
        recording = load(source)
        if recording.header.get("schema_fingerprint") != fingerprint:
            raise InvalidRecording(
                "the recording was made against another contract; "
                "give the same --contract-schema-extension as when it was recorded"
            )
        return _replayed(settings, recording), Replayer(recording)
    target = settings.record_target
    if target is None:
        return settings, LiveTape()
    host = urlsplit(settings.url or "").netloc or None
    redactor = Redactor(settings.user, settings.api_key, host)

    def head() -> dict[str, Any]:
        endpoint = settings.endpoint()
        options = settings.public()
        return header(endpoint.base_url, endpoint.rpc_url, settings.user, options, fingerprint)

    return settings, Recorder(part_path(target, worker), redactor, into=target, head=head)
