"""Valid updates packed: probes of different properties sent as one update, judged by one
read-back. Where the install refuses a pack, it is halved until the probe it refused is
alone, and that probe is judged as if it had been sent by itself.

A pack holds at most one probe of each property, so each value it carries is the one
its probe sent, and a read-back that differs names the properties that differ. A probe
of several properties at once (``property`` is ``None``) goes alone: it is already a pack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from contract.run.coverage import Probe


def packs(probes: Sequence[Probe]) -> list[list[Probe]]:
    """*probes* in packs, each probe in the first pack that does not set its property yet,
    so that the packs come out in the order of their first probes."""
    packed: list[list[Probe]] = []
    names: list[set[str] | None] = []
    for probe in probes:
        sets = set(probe["payload"])
        if probe["property"] is not None:
            for pack, taken in zip(packed, names, strict=True):
                if taken is not None and not taken & sets:
                    pack.append(probe)
                    taken |= sets
                    break
            else:
                packed.append([probe])
                names.append(sets)
        else:
            packed.append([probe])
            names.append(None)
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
