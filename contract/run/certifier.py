"""What every certification test does: send, read back, check, and count."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st

from contract import checks
from contract.checks import Contact
from contract.core import requirements
from contract.core.policies import Policy
from contract.core.requirements import Requirement
from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.exchange.answers import Answer, Exchange
from contract.run.cases import BatchUndecided
from contract.run.client import ContactClient, Credentials
from contract.run.contact import ContactUnderTest
from contract.run.controls import misdirected
from contract.run.evidence import Reads, SharedExchanges, ValidExchange
from contract.run.outcomes import Limit, StopRun
from contract.run.settings import RunSettings
from contract.strategies import RULES, InvalidCase, invalid_updates, valid_updates

Refusal = tuple[object, str, Callable[[], Answer]]
"""A request the install must refuse: its payload, why, and how to send it."""


@dataclass
class Tally:
    """What one test cost, beside its verdict: cases, coverage cases among them, requests,
    retries among those, and the limits the install showed."""

    cases: int = 0
    coverage: int = 0
    requests: int = 0
    retries: int = 0
    limits: list[Limit] = field(default_factory=list)
    shared: int = 0
    """Requests another test sent whose exchanges this one judged (not among *requests*)."""


class Certifier:
    """The client, the contact under test and the contract, with the moves tests share."""

    def __init__(
        self,
        client: ContactClient,
        contact: ContactUnderTest,
        contract: Contract,
        settings: RunSettings,
    ) -> None:
        self.client = client
        self.contact = contact
        self.contract = contract
        self.settings = settings
        self.unproven: dict[str, str] = {}
        """Transports whose refusals prove nothing, and why: no valid update was accepted."""
        self.phase = "explore"
        """``coverage`` while the test runs its fixed cases, else ``explore``."""
        self._tally = Tally()
        self._requests_at_start = client.requests_sent
        self._retries_at_start = client.retries
        self._last_read: tuple[int, dict[str, Any], list[Exchange]] | None = None
        self._shared = SharedExchanges()

    @property
    def extension(self) -> str | None:
        """The run's schema extension (the install's custom fields), for the strategies."""
        return self.settings.schema_extension

    @property
    def unsent(self) -> frozenset[str]:
        """The writable properties the run sends nothing, valid or invalid: those whose
        current value the install would not take back, unless irreversible changes are
        allowed."""
        return self.contact.unsent(self.settings.allow_irreversible)

    def valid_updates(
        self, transport: Transport, *, ordinary: bool = False
    ) -> st.SearchStrategy[dict[str, Any]]:
        """:func:`contract.strategies.valid_updates` of the run's contract, unsent left out."""
        return valid_updates(transport, self.extension, ordinary=ordinary, exclude=self.unsent)

    def invalid_updates(
        self, transport: Transport, *, rules: Collection[str] = RULES, siblings: bool = True
    ) -> st.SearchStrategy[InvalidCase]:
        """:func:`contract.strategies.invalid_updates` of the run's contract, unsent left out."""
        return invalid_updates(
            transport, self.extension, rules=rules, siblings=siblings, exclude=self.unsent
        )

    @property
    def contact_id(self) -> int:
        """The id of the contact under test."""
        return self.contact.id

    def begin_test(self) -> None:
        """A test begins: it reads the contact afresh, whatever ran before it (on another
        worker, or in another order, in a replay)."""
        self._last_read = None
        self.phase = "explore"

    def enter_phase(self, phase: str) -> None:
        """The test moves to its coverage phase, or back to exploring."""
        self.phase = phase

    def case(self) -> None:
        """Count one test case (one Hypothesis example, or one fixed probe); an example the
        shrink budget withholds is none."""
        if self.client.withholding:
            return
        self._tally.cases += 1
        if self.phase == "coverage":
            self._tally.coverage += 1

    def note_limit(self, name: str, value: object, answer: Answer) -> None:
        """The install refused a valid *value* of *name* that a limit of its storage allows
        it to refuse (text over 255 characters, integers outside 32 bits)."""
        shown = f"text of {len(value)} characters" if isinstance(value, str) else repr(value)
        self._tally.limits.append(Limit(name, shown, answer.transport, answer.summary()))

    def take_tally(self) -> Tally:
        """What the test cost and found since the last call; the plugin calls it after each."""
        tally, self._tally = self._tally, Tally()
        tally.requests = self.client.requests_sent - self._requests_at_start
        self._requests_at_start = self.client.requests_sent
        tally.retries = self.client.retries - self._retries_at_start
        self._retries_at_start = self.client.retries
        return tally

    def require_readback(self) -> None:
        """Skip, as not verifiable, a check that needs to read the contact back."""
        if not self.contact.readback:
            pytest.skip(
                f"not verifiable: the install has no read-back ({self.contact.no_readback})"
            )

    def read(self, *, shared: bool = False) -> dict[str, Any] | None:
        """The contact under test as it is now, or ``None`` without read-back.

        A read that no request has followed is still the contact as it is (no one else
        writes the contact under test): the read after one case is the next one's before.
        A *shared* read is evidence other tests judge too: served again, its exchanges are
        told to the client as judged again, so that a recording names them.
        """
        if not self.contact.readback:
            return None
        last = self._last_read
        if last is not None and last[0] == self.client.requests_sent:
            if shared:
                self.client.judged_again(last[2])
            return dict(last[1])
        with self.client.watched() as sent:
            contact = self.client.read(self.contact_id)
        if contact is None:
            raise checks.CheckFailed(
                requirements.PERSIST,
                f"contact {self.contact_id} to exist",
                "it no longer reads back (404)",
            )
        checks.the_contact_read(self.contact_id, contact)
        self._last_read = (self.client.requests_sent, contact, sent)
        return dict(contact)

    def valid_exchange(
        self, payload: dict[str, Any], transport: Transport, *, reads: Reads
    ) -> ValidExchange:
        """*payload* sent to the contact under test, with the *reads* the caller judges
        (none, the one after, or both around it). Where the run shares evidence (see
        :mod:`contract.run.evidence`), it goes between two reads, or is the same exchange
        as another test of this process sent."""
        if not self.settings.share_evidence:
            return self._exchange_alone(payload, transport, reads)
        repeats = self.client.answered_from_reuse
        found, told = self._shared.exchange(
            self.client,
            self.contact_id,
            payload,
            transport,
            read=lambda: self.read(shared=True),
            update=lambda: self.update(payload, transport),
        )
        self._tally.shared += told
        if self.client.answered_from_reuse != repeats:
            # A replay sent what the recorded run judged from another test's exchange: the
            # read after it is that test's, not the contact as this test last found it.
            self._last_read = None
        return found

    def _exchange_alone(
        self, payload: dict[str, Any], transport: Transport, reads: Reads
    ) -> ValidExchange:
        before = self.read() if reads == "around" else None
        answer = self.update(payload, transport)
        after = self.read() if reads != "none" and answer.accepted else None
        return ValidExchange(answer, before, after)

    def read_back(self) -> dict[str, Any]:
        """The contact under test as it is now, for a check that runs only where the
        install reads contacts back (its requirement says so)."""
        contact = self.read()
        if contact is None:
            raise RuntimeError("read_back() is for requirements that need read-back")
        return contact

    def update(
        self,
        payload: object,
        transport: Transport,
        *,
        contact_id: object = None,
        credentials: Credentials = "session",
    ) -> Answer:
        """Send one update (to the contact under test unless *contact_id* says otherwise)."""
        target = self.contact_id if contact_id is None else contact_id
        answer = self.client.update(target, payload, transport, credentials=credentials)
        if contact_id is None and credentials == "session":
            self._aimed_right(answer)
        checks.no_server_error(answer, payload)
        checks.fault_well_formed(answer, payload)
        return answer

    def send_body(self, transport: Transport, body: bytes) -> Answer:
        """Send *body* as it is, as the contact under test's update over *transport*."""
        if transport == "rest":
            answer = self.client.send_rest(self.contact_id, body, "application/json")
        else:
            answer = self.client.send_xmlrpc(body)
        self._aimed_right(answer)
        checks.no_server_error(answer, body)
        checks.fault_well_formed(answer, body)
        return answer

    def _aimed_right(self, answer: Answer) -> None:
        """A 401, 403, 404 or 405 to the contact under test, with the run's credentials, is no
        refusal: the run is aimed at the wrong address or signs in wrong, and stops."""
        stop = misdirected(answer, "an update of the contact under test", self.settings.spell)
        if stop is not None:
            raise StopRun(stop)

    def refused_and_unchanged(
        self, requirement: Requirement, payload: object, why: str, send: Callable[[], Answer]
    ) -> Answer:
        """Send with *send*; the install must refuse it and, where it reads back, change nothing."""
        before = self.read()
        answer = send()
        checks.rejected(answer, requirement, payload, why)
        after = self.read()
        if before is not None and after is not None:
            checks.unchanged(before, after, requirement, answer=answer, payload=payload)
        return answer

    def unchanged_if_refused(
        self, requirement: Requirement, payload: object, send: Callable[[], Answer]
    ) -> Answer:
        """Send with *send*; if the install refuses it, nothing may have changed."""
        before = self.read()
        answer = send()
        if answer.rejected:
            after = self.read()
            if before is not None and after is not None:
                checks.unchanged(before, after, requirement, answer=answer, payload=payload)
        return answer

    def refused_in_batch(
        self,
        requirement: Requirement,
        refusals: Sequence[Refusal],
        judge: Callable[[Answer, Requirement, object, str], None] = checks.rejected,
    ) -> None:
        """Send the refusals side by side (see :meth:`ContactClient.concurrently`): each must
        be refused (as *judge* says), and one read before and one after prove that none
        changed anything. Sending stops at the first answer that is no refusal."""
        before = self.read()
        sent = self._side_by_side(refusals)
        for (payload, why, _), answer in sent:
            judge(answer, requirement, payload, why)
        if not sent:
            return
        after = self.read()
        if before is not None and after is not None and checks.changed(before, after):
            again = functools.partial(self.refused_and_unchanged, requirement)
            self._name_the_change(requirement, refusals, before, after, sent[-1][1], again)

    def unchanged_if_refused_in_batch(
        self, requirement: Requirement, refusals: Sequence[Refusal]
    ) -> list[Answer]:
        """Send requests the install may refuse or accept side by side; when it refused
        them all, one read before and one after prove that none changed anything. When it
        accepted any, raises :class:`BatchUndecided`: each needs reads of its own."""
        before = self.read()
        sent = self._side_by_side(refusals)
        if len(sent) < len(refusals) or not all(answer.rejected for _, answer in sent):
            raise BatchUndecided(f"{requirement.id}: the install accepted some of the batch")
        after = self.read()
        if before is not None and after is not None and checks.changed(before, after):

            def again(payload: object, why: str, send: Callable[[], Answer]) -> None:
                self.unchanged_if_refused(requirement, payload, send)

            self._name_the_change(requirement, refusals, before, after, sent[-1][1], again)
        return [answer for _, answer in sent]

    def _side_by_side(self, refusals: Sequence[Refusal]) -> list[tuple[Refusal, Answer]]:
        """Send *refusals* concurrently, until the first that is not refused; the ones sent,
        each with its answer, in order (each a test case)."""
        answers = self.client.concurrently(
            [send for _, _, send in refusals], stop_when=lambda answer: not answer.rejected
        )
        sent = [(refusal, a) for refusal, a in zip(refusals, answers, strict=True) if a is not None]
        for _ in sent:
            self.case()
        if any(not answer.rejected for _, answer in sent):
            first = next(index for index, (_, a) in enumerate(sent) if not a.rejected)
            return sent[: first + 1]
        return sent

    def _name_the_change(
        self,
        requirement: Requirement,
        refusals: Sequence[Refusal],
        before: Contact,
        after: Contact,
        last: Answer,
        again: Callable[[object, str, Callable[[], Answer]], object],
    ) -> None:
        """A batch of refusals changed the contact: put back what can be, then send each
        *again* in turn between two reads, so that the failure names the request that
        moved it. Raises :class:`CheckFailed`."""
        moved = {
            name: before[name]
            for name in self.contract.writable
            if name in before and not checks.same_value(before[name], after.get(name))
        }
        if moved:
            self.client.update(self.contact_id, moved, "rest")
        for payload, why, send in refusals:
            again(payload, why, send)
        # Moved by none of them alone: the batch as a whole is the evidence.
        checks.unchanged(before, after, requirement, answer=last, payload=None)

    def policy_in_batch(
        self, requirement: Requirement, policy: Policy, batch: Sequence[Refusal]
    ) -> list[Answer]:
        """Send payloads that a policy rules on, and that hold nothing the install may
        apply, side by side: each answer must follow the policy, and, refused or ignored,
        none may change the contact. A change is laid at the door of the payload that
        holds the property that changed."""
        before = self.read_back()
        for _ in batch:
            self.case()
        sent = self.client.concurrently([send for _, _, send in batch])
        answers = [answer for answer in sent if answer is not None]
        for (payload, what, _), answer in zip(batch, answers, strict=True):
            checks.policy_followed(answer, policy, requirement, payload, what)
        after = self.read_back()
        for (payload, _, _), answer in zip(batch, answers, strict=True):
            names = payload if isinstance(payload, dict) else {}
            if any(not checks.same_value(before.get(n), after.get(n)) for n in names):
                checks.unchanged(before, after, requirement, answer=answer, payload=payload)
        checks.unchanged(before, after, requirement, answer=answers[-1], payload=None)
        return answers

    def policy_outcome(
        self,
        requirement: Requirement,
        payload: dict[str, Any],
        transport: Transport,
        policy: Policy,
        what: str,
        protected: Callable[[Contact, Contact, Answer], None],
    ) -> Answer:
        """Send a payload a policy rules on; a refusal changes nothing, an acceptance keeps
        what *protected* guards."""
        before = self.read_back()
        answer = self.update(payload, transport)
        checks.policy_followed(answer, policy, requirement, payload, what)
        after = self.read_back()
        if answer.rejected:
            checks.unchanged(before, after, requirement, answer=answer, payload=payload)
        else:
            protected(before, after, answer)
        return answer
