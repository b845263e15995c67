"""The contact under test: read before the run, put back after it, whatever happens."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.core.schema import Contract
from contract.errors import ContractError
from contract.exchange.answers import Answer
from contract.run.client import ContactClient, EndpointUnreachable, InstallLost, ReadBackUnavailable
from contract.run.controls import Spell, misdirected, misdirected_status, not_found
from contract.run.exercised import why_not_exercised
from contract.run.outcomes import StopRun
from contract.run.put_back import Restored, put_back, refused_properties, still_unknown


class ContactSetupError(ContractError, RuntimeError):
    """The contact under test cannot be used; the message says why."""


@dataclass
class ContactUnderTest:
    """One contact the run may change, what it held before, and every other contact the
    run reads or reaches, each as it was, so that all of them can be put back."""

    id: int
    original: dict[str, Any] | None
    no_readback: str | None = None
    restored: bool = field(default=False)
    irreversible: frozenset[str] = frozenset()
    """Writable properties whose current value the install refuses to take back."""
    not_exercised: Mapping[str, str] = field(default_factory=dict)
    """The writable properties whose values the run could not put back, each with why:
    the irreversible ones, and those the read-back does not show."""
    witnesses: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Other contacts, each as it read before the run's first change: only ever read
    (UC-ISOLATION), and put back at the end if the install changed them anyway."""
    unknown_ids: set[int] = field(default_factory=set)
    """Ids the run sent updates to while no contact had them: none may exist at the end."""
    outcomes: dict[int, Restored] = field(default_factory=dict)
    """What putting each contact back achieved, once done, by id."""

    def unsent(self, allow_irreversible: bool) -> frozenset[str]:
        """The writable properties the run must send nothing: those it could not put back,
        unless the run allows irreversible changes."""
        return frozenset() if allow_irreversible else frozenset(self.not_exercised)

    @property
    def readback(self) -> bool:
        """True when the install reads contacts back, so changes can be seen."""
        return self.original is not None


def read_contact(
    contact_id: int,
    original: dict[str, Any] | None,
    no_readback: str | None,
    irreversible: Collection[str],
    contract: Contract,
) -> ContactUnderTest:
    """The contact under test as the run found it, with what it must leave alone."""
    not_exercised = {} if original is None else why_not_exercised(contract, original, irreversible)
    return ContactUnderTest(
        contact_id,
        original,
        no_readback,
        irreversible=frozenset(irreversible),
        not_exercised=not_exercised,
    )


WITNESSES = 2
"""How many neighbours of the contact under test a run reads as witnesses."""


def witness_candidates(own: int, named: Sequence[int], taken: Collection[int]) -> list[int]:
    """The witnesses the run names, else the neighbours of the contact under test that
    no other contact under test is (far enough that the first of many still finds some)."""
    if named:
        return list(named)
    near = [own + sign * step for step in range(1, len(taken) + 4) for sign in (1, -1)]
    return [candidate for candidate in near if candidate > 0 and candidate not in taken]


def read_witnesses(
    client: ContactClient, candidates: Sequence[int], *, all_of_them: bool
) -> dict[int, dict[str, Any]]:
    """Each candidate that exists, as it reads now: every one when *all_of_them* (the user
    named them), else the first :data:`WITNESSES`."""
    witnesses: dict[int, dict[str, Any]] = {}
    for candidate in candidates:
        try:
            contact = client.read(candidate)
        except ReadBackUnavailable:
            contact = None
        if contact is not None:
            witnesses[candidate] = contact
        if len(witnesses) == WITNESSES and not all_of_them:
            break
    return witnesses


def open_contact(
    client: ContactClient,
    contact_id: int,
    contract: Contract,
    spell: Spell,
    *,
    witnesses: Sequence[int] = (),
    named_witnesses: bool = False,
) -> ContactUnderTest:
    """Read the contact before the run, and its witnesses among *witnesses*, and find
    which of its values the install would not take back; an install without read-back is
    noted, not refused, but one that refuses the credentials stops the run."""
    try:
        original = client.read(contact_id)
    except ReadBackUnavailable as reason:
        if reason.status == 401:
            what = f"a read of contact {contact_id}"
            stop = misdirected_status("rest", reason.url, reason.status, what, spell)
            assert stop is not None
            raise StopRun(stop) from None
        return read_contact(contact_id, None, str(reason), (), contract)
    if original is None:
        raise ContactSetupError(not_found(client, contact_id, spell))
    # Before the first write (the probe below writes the contact's own values back).
    seen = read_witnesses(client, witnesses, all_of_them=named_witnesses)
    # The contact's own values, sent back: a write that changes nothing where it is taken.
    current = {name: original[name] for name in contract.writable if name in original}
    answers: list[Answer] = []
    refused = refused_properties(client, contact_id, current, answered=answers)
    for answer in answers:
        stop = misdirected(answer, "a write of the contact's own values", spell)
        if stop is not None:
            raise StopRun(stop)
    contact = read_contact(contact_id, original, None, refused, contract)
    contact.witnesses = seen
    return contact


_UNREACHABLE = "the install could not be reached to check it or put it back"


def _put_back(
    client: ContactClient, contact_id: int, original: Mapping[str, Any], role: str
) -> tuple[Restored, dict[str, Any]]:
    """Put one contact back; what that achieved, and the values still to put back later.

    Of a witness, only what the run's own updates put there, now: other clients may
    change it too, so no file keeps its values for a blind write later."""
    witness = role == "witness"
    try:
        outcome = put_back(
            client,
            contact_id,
            original,
            whole=True,
            role=role,
            sent_by_run=client.sent if witness else None,
        )
    except (EndpointUnreachable, InstallLost, ReadBackUnavailable):
        return Restored(False, {}, role, _UNREACHABLE), {} if witness else dict(original)
    return outcome, {} if witness else outcome.values_to_put_back


def _unknown_id_outcome(client: ContactClient, contact_id: int) -> Restored:
    try:
        return still_unknown(client, contact_id)
    except (EndpointUnreachable, InstallLost, ReadBackUnavailable):
        return Restored(False, {}, "unknown id", _UNREACHABLE)


def put_back_every_contact(
    client: ContactClient, contact: ContactUnderTest, save_in: Path
) -> list[str]:
    """Put back the contact under test and every witness, whatever changed in them
    (writable or read-only values, keys added), and check that no unknown id the run
    reached has become a contact. Each outcome lands in :attr:`ContactUnderTest.outcomes`.

    Returns the files written, one per contact with values still to put back, for
    ``contract restore FILE``.
    """
    if contact.restored or contact.original is None:
        return []
    contact.restored = True
    held = [(contact.id, contact.original, "contact under test")]
    held += [(witness, before, "witness") for witness, before in contact.witnesses.items()]
    saved = []
    for contact_id, original, role in held:
        still: dict[str, Any] = {}
        if _unreached(contact):  # each attempt would wait its time-out again, in vain
            outcome = Restored(False, {}, role, _UNREACHABLE)
        else:
            outcome, still = _put_back(client, contact_id, original, role)
        contact.outcomes[contact_id] = outcome
        if still:
            saved.append(_save(save_in, client.endpoint.base_url, contact_id, still))
    for unknown in sorted(contact.unknown_ids):
        unreached = Restored(False, {}, "unknown id", _UNREACHABLE)
        contact.outcomes[unknown] = (
            unreached if _unreached(contact) else _unknown_id_outcome(client, unknown)
        )
    return saved


def _unreached(contact: ContactUnderTest) -> bool:
    """True once the install could not be reached to put one of the contacts back."""
    return any(outcome.note == _UNREACHABLE for outcome in contact.outcomes.values())


def _save(folder: Path, url: str, contact_id: int, values: Mapping[str, Any]) -> str:
    path = folder / f"contract-restore-{contact_id}.json"
    path.write_text(
        json.dumps(
            {"url": url, "contact_id": contact_id, "properties": dict(values)},
            indent=2,
            ensure_ascii=True,
        )
        + "\n",
        encoding="utf-8",
    )
    return str(path)
