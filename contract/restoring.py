"""Putting a contact's values back, one property at a time where it must.

An install may refuse a value it holds: a fresh contact's empty enum (``""``) or empty
integer (``null``) is no valid update. Sending every original value at once would then
restore nothing; sending halves, down to single properties, restores every property the
install takes, and names exactly the ones it refuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract.answers import Answer
from contract.checks import same_value
from contract.client import ContactClient, ReadBackUnavailable


@dataclass(frozen=True)
class Restored:
    """What putting a contact back achieved."""

    complete: bool
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each property still not as it was: ``{"original": …, "now": …}``."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"complete": self.complete, "properties": self.properties}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Restored:
        """The inverse of :meth:`to_json`."""
        return cls(bool(data["complete"]), dict(data["properties"]))


def refused_properties(
    client: ContactClient,
    contact_id: int,
    values: Mapping[str, Any],
    *,
    answered: list[Answer] | None = None,
) -> set[str]:
    """Send *values* as one update and, where it is refused, each half in turn, down to
    single properties: the properties whose values the install refuses. Every answer is
    appended to *answered* when given."""

    def send(names: Sequence[str]) -> set[str]:
        answer = client.update(contact_id, {name: values[name] for name in names}, "rest")
        if answered is not None:
            answered.append(answer)
        if answer.accepted:
            return set()
        if len(names) == 1:
            return set(names)
        middle = len(names) // 2
        return send(names[:middle]) | send(names[middle:])

    return send(list(values)) if values else set()


def put_back(client: ContactClient, contact_id: int, original: Mapping[str, Any]) -> Restored:
    """Send the *original* values that changed, in halves where refused, then read the
    contact back to see what is as it was. Raises the client's errors when the install
    cannot be reached."""
    unrestored = {name: {"original": value, "now": None} for name, value in original.items()}
    try:
        current = client.read(contact_id)
    except ReadBackUnavailable:
        current = {}  # every value is sent, and none can be checked
    if current is None:
        return Restored(False, unrestored)  # the contact is gone
    changed = {n: v for n, v in original.items() if not same_value(v, current.get(n))}
    refused_properties(client, contact_id, changed)
    try:
        now = client.read(contact_id) or {}
    except ReadBackUnavailable:
        return Restored(False, {name: unrestored[name] for name in changed})
    left = {
        name: {"original": original[name], "now": now.get(name)}
        for name in changed
        if not same_value(original[name], now.get(name))
    }
    return Restored(not left, left)
