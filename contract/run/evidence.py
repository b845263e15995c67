"""Evidence shared by the requirements that judge one valid update: UC-ACCEPT (it was
accepted with the contact's id), UC-RESPONSE (its answer is well formed), UC-PERSIST (it
reads back as sent) and UC-PARTIAL (what it did not send is unchanged).

Their tests draw the same payloads (the same seed, the same strategy), so the first to
need an update sends it between two reads (the one before is the last read, when no
request has followed it), and the others judge that same exchange instead of sending it
again. A test that judges an exchange another sent has its client told of its requests
(:attr:`~contract.run.client.ContactClient.on_reused`): a recording writes a ``reuse``
line in that test's case naming the exchange it repeats, and a replay, which shares as
the run did (the tests of one transport run in one process, in order), takes that
exchange's answer off the case; where it does not share (the provider's test not
replayed), the case answers the request with it.
UC-IDEMPOTENT keeps its own updates: it needs two identical ones back to back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from contract.checks import CheckFailed, Contact
from contract.core.transports import Transport
from contract.exchange.answers import Answer, Exchange
from contract.run.client import ContactClient

Reads = Literal["none", "after", "around"]
"""What a requirement reads of the contact to judge an update: nothing (UC-ACCEPT,
UC-RESPONSE), the state after it (UC-PERSIST), or the states around it (UC-PARTIAL)."""


@dataclass(frozen=True)
class ValidExchange:
    """One valid update, and the contact read just before and just after it."""

    answer: Answer
    before: Contact | None
    """``None`` without read-back, or when the read failed (see :attr:`unreadable`)."""
    after: Contact | None
    """``None`` without read-back, for an update not accepted, or when the read failed."""
    unreadable: CheckFailed | None = None
    """Why a read around the update failed: for the requirements judged on read-back."""

    def read_after(self) -> Contact:
        """The read after the update, for a requirement judged on read-back (only an
        accepted update has one)."""
        if self.unreadable is not None:
            raise self.unreadable
        if self.after is None:
            raise RuntimeError("read_after() is for accepted updates read back")
        return self.after

    def read_around(self) -> tuple[Contact, Contact]:
        """The reads before and after the update (see :meth:`read_after`)."""
        after = self.read_after()
        if self.before is None:
            raise RuntimeError("read_around() is for updates read before and after")
        return self.before, after


class SharedExchanges:
    """The valid exchanges of one process, by contact, transport and payload."""

    def __init__(self) -> None:
        self._kept: dict[tuple[object, str, str], tuple[ValidExchange, list[Exchange]]] = {}

    def exchange(
        self,
        client: ContactClient,
        contact_id: object,
        payload: dict[str, Any],
        transport: Transport,
        *,
        read: Callable[[], Contact | None],
        update: Callable[[], Answer],
    ) -> tuple[ValidExchange, int]:
        """The exchange of *payload*, and how many of its requests another test sent: kept
        from the test that sent it (the client told of them again), else sent now with
        *read* before and after it (and none another sent)."""
        key = (contact_id, transport, json.dumps(payload, sort_keys=True, ensure_ascii=False))
        kept = None if client.withholding else self._kept.get(key)
        if kept is not None:
            client.judged_again(kept[1])
            return kept[0], len(kept[1])
        with client.watched() as wire:
            found = _sent(read, update)
        self._kept[key] = (found, wire)
        return found, 0


def _sent(read: Callable[[], Contact | None], update: Callable[[], Answer]) -> ValidExchange:
    try:
        before = read()
    except CheckFailed as failed:
        return ValidExchange(update(), None, None, failed)
    answer = update()
    if not answer.accepted:
        return ValidExchange(answer, before, None)
    try:
        return ValidExchange(answer, before, read())
    except CheckFailed as failed:
        return ValidExchange(answer, before, None, failed)
