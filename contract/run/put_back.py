"""Putting a contact back as it was, and saying truly whether it is.

"As it was" is the whole contact as the run first read it: every property, writable or
read-only, and no key it did not have. A faulty install can leave any of them changed:
it may apply read-only values, store unknown keys, or answer success and store only part
of an update. So the run reads the contact, sends back every value that differs, and
reads again:

- where the install refuses the values together, it sends halves, down to single
  properties, and names the ones it refuses (a fresh contact's empty ``""`` gender is no
  valid update);
- where it accepts them but a read-back shows some still different, it sends those again,
  then halves of them, down to single properties, and names the ones it does not store;
- a key the install added cannot be taken away by an update: it is named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract.checks import same_value
from contract.exchange.answers import Answer
from contract.run.client import ContactClient, ReadBackUnavailable

SentBy = Callable[[str, Any], bool]
"""Whether the run itself sent a property this value: a witness's change the run may undo."""
REFUSED = "the install refuses it"
NOT_STORED = "the install accepts it but does not store it"
ADDED = "a key the contact did not have; no update takes a key away"
NOT_READ = "the contact cannot be read back to check"
NOT_OURS = (
    "changed, and not only to values this run sent: another client writes this contact "
    "too, so the run leaves it as it is"
)


@dataclass(frozen=True)
class Restored:
    """What putting one contact back achieved."""

    complete: bool
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each property still not as it was: ``{"original": …, "now": …, "why": …}``; a key
    the install added has no ``original``."""
    role: str = "contact under test"
    """Why the run held the contact: ``contact under test``, ``witness`` or ``unknown id``."""
    note: str | None = None
    """What is wrong with the contact as a whole (it was created, or is gone), if anything."""
    repaired: tuple[str, ...] = ()
    """The properties that differed when the run began putting the contact back, and that
    it put back."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "complete": self.complete,
            "role": self.role,
            "note": self.note,
            "properties": self.properties,
            "repaired": list(self.repaired),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Restored:
        """The inverse of :meth:`to_json`."""
        return cls(
            bool(data["complete"]),
            dict(data["properties"]),
            str(data.get("role", "contact under test")),
            data.get("note"),
            tuple(data.get("repaired", ())),
        )

    @property
    def values_to_put_back(self) -> dict[str, Any]:
        """The original value of each property still different that the run changed."""
        return {
            name: values["original"]
            for name, values in self.properties.items()
            if "original" in values and values.get("why") != NOT_OURS
        }


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


def _differs(original: Mapping[str, Any], now: Mapping[str, Any], name: str) -> bool:
    return name not in now or not same_value(original[name], now[name])


class _Settling:
    """Sends a contact's original values back until each is stored, refused, or shown
    to be accepted without being stored; the last read-back is :attr:`now`."""

    def __init__(
        self,
        client: ContactClient,
        contact_id: int,
        original: Mapping[str, Any],
        now: dict[str, Any],
    ) -> None:
        self.client, self.contact_id, self.original = client, contact_id, original
        self.now = now
        self.why: dict[str, str] = {}
        self.sent_since_read = False

    def settle(self, names: Sequence[str]) -> None:
        """Send *names*' original values as one update; narrow down what did not take."""
        if not names:
            return
        values = {name: self.original[name] for name in names}
        self.sent_since_read = True
        if not self.client.update(self.contact_id, values, "rest").accepted:
            if len(names) == 1:
                self.why[names[0]] = REFUSED
                return
            self._halves(names)
            return
        self.read()
        still = [name for name in names if _differs(self.original, self.now, name)]
        if not still:
            return
        if len(names) == 1:
            self.why[names[0]] = NOT_STORED
        elif len(still) < len(names):
            self.settle(still)  # part was stored: the rest may be, sent on its own
        else:
            self._halves(names)

    def read(self) -> None:
        """Read the contact as it is now (a contact gone reads as no values at all)."""
        self.now = self.client.read(self.contact_id) or {}
        self.sent_since_read = False

    def _halves(self, names: Sequence[str]) -> None:
        middle = len(names) // 2
        self.settle(names[:middle])
        self.settle(names[middle:])


def put_back(
    client: ContactClient,
    contact_id: int,
    original: Mapping[str, Any],
    *,
    whole: bool = False,
    role: str = "contact under test",
    sent_by_run: SentBy | None = None,
) -> Restored:
    """Send back each of *original*'s values that differs now, narrowing down by halves
    what the install refuses or does not store, and read the contact to see what is as it
    was. With *whole*, *original* is the contact as first read, and a key it lacked is a
    change too. With *sent_by_run* (for a contact the run only read), the values are put
    back only where the run itself sent every value that differs now: a contact another
    client has written too is left alone, and its changes named. Raises the client's
    errors when the install cannot be reached."""
    try:
        current = client.read(contact_id)
    except ReadBackUnavailable:
        refused_properties(client, contact_id, original)  # every value sent, none checked
        unchecked = {"now": None, "why": NOT_READ}
        return Restored(False, {n: {"original": v, **unchecked} for n, v in original.items()}, role)
    if current is None:
        return Restored(False, {}, role, "it no longer reads back (404)")
    differing = [name for name in original if _differs(original, current, name)]
    settling = _Settling(client, contact_id, original, current)
    if sent_by_run is not None and not all(
        name in current and sent_by_run(name, current[name]) for name in differing
    ):
        # Someone else has written it too: its value before is no longer the run's to restore.
        settling.why = dict.fromkeys(differing, NOT_OURS)
    settling.settle([name for name in differing if name not in settling.why])
    if settling.sent_since_read:  # a refusal that changed something must show too
        settling.read()
    now = settling.now
    left: dict[str, dict[str, Any]] = {
        name: {
            "original": original[name],
            "now": now.get(name),
            "why": settling.why.get(name, NOT_STORED),
        }
        for name in original
        if _differs(original, now, name)
    }
    if whole:
        left |= {name: {"now": now[name], "why": ADDED} for name in now if name not in original}
    repaired = tuple(name for name in differing if name not in left)
    return Restored(not left, left, role, repaired=repaired)


def still_unknown(client: ContactClient, contact_id: int) -> Restored:
    """A contact id the run sent updates to while it did not exist: it must still not."""
    if client.read(contact_id) is None:
        return Restored(True, {}, "unknown id")
    return Restored(
        False,
        {},
        "unknown id",
        "it did not exist before the run and does now: an update created it, and no "
        "UpdateContact request removes a contact",
    )
