"""Valid updates packed: probes of different properties sent as one update, judged by one
read-back. Where the install refuses a pack, it is halved until the probe it refused is
alone, and that probe is judged as if it had been sent by itself.

No two probes of a pack set one property, so each value a pack carries is the one its
probe sent, and a read-back that differs names the properties that differ. Fixed cases
and Hypothesis's examples are packed alike: an example is a probe of the properties it
drew.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from contract import checks
from contract.core.transports import Transport
from contract.exchange.answers import Answer
from contract.run.certifier import Certifier
from contract.run.coverage import Probe, is_limit


def packs(probes: Sequence[Probe]) -> list[list[Probe]]:
    """*probes* in packs, each probe in the first pack that sets none of its properties
    yet, so that the packs come out in the order of their first probes."""
    packed: list[list[Probe]] = []
    names: list[set[str]] = []
    for probe in probes:
        sets = set(probe["payload"])
        for pack, taken in zip(packed, names, strict=True):
            if not taken & sets:
                pack.append(probe)
                taken |= sets
                break
        else:
            packed.append([probe])
            names.append(sets)
    return packed


def payload_of(pack: Sequence[Probe]) -> dict[str, Any]:
    """The update that carries every probe of *pack*."""
    return {name: value for probe in pack for name, value in probe["payload"].items()}


def send_halving(
    pack: Sequence[Probe],
    send: Callable[[dict[str, Any]], bool],
    alone: Callable[[Probe], None],
) -> None:
    """Send *pack* as one update with *send*, which judges an update the install accepted
    and answers ``True``, or answers ``False`` for one it refused. A refused pack is sent
    again in halves, down to the probe it refused, which *alone* judges."""
    if len(pack) == 1:
        alone(pack[0])
        return
    if send(payload_of(pack)):
        return
    half = len(pack) // 2
    send_halving(pack[:half], send, alone)
    send_halving(pack[half:], send, alone)


def stored_in_packs(certifier: Certifier, transport: Transport, probes: Sequence[Probe]) -> None:
    """Each probe is accepted and reads back exactly, sent packed: one update and one
    read-back for many. A probe refused alone is a limit only for a value that a limit of
    storage allows an install to refuse (:func:`~contract.run.coverage.is_limit`)."""

    def stored(payload: dict[str, Any], answer: Answer) -> None:
        checks.accepted_with_id(answer, certifier.contact_id, payload)
        checks.persisted(payload, certifier.read_back(), answer=answer)

    def send(payload: dict[str, Any]) -> bool:
        answer = certifier.update(payload, transport)
        if answer.accepted:
            stored(payload, answer)
        return answer.accepted

    def alone(probe: Probe) -> None:
        payload, name = probe["payload"], probe["property"]
        answer = certifier.update(payload, transport)
        if not answer.accepted and name is not None and is_limit(payload[name]):
            certifier.note_limit(name, payload[name], answer)
        else:
            stored(payload, answer)

    for pack in packs(probes):
        for _ in pack:
            certifier.case()
        send_halving(pack, send, alone)
