"""The checks of the certification suite: each a named function that raises :class:`CheckFailed`.

A check names the requirement it proves. Its failure says what was expected, what came
back, and how to send the same request again, credentials left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contract.core import requirements
from contract.core.policies import Policy
from contract.core.requirements import Requirement
from contract.errors import ContractError
from contract.exchange.answers import Answer
from contract.exchange.reproduce import reproduction

Contact = Mapping[str, Any]


class CheckFailed(ContractError, AssertionError):
    """A requirement of the contract that the install does not meet."""

    def __init__(
        self,
        requirement: Requirement,
        expected: str,
        got: str,
        *,
        answer: Answer | None = None,
        payload: object = None,
    ) -> None:
        self.requirement = requirement
        self.expected = expected
        self.got = got
        self.answer = answer
        self.payload = payload
        self.phase = "explore"
        """``coverage`` when a fixed coverage case found it, whatever the seed."""
        self.shrink_budget_spent: int | None = None
        """The shrink budget, in requests, when it ran out before the payload was minimal."""
        super().__init__(self.render())

    def not_fully_shrunk(self, budget: int) -> None:
        """Hypothesis stopped shrinking this failure when *budget* requests were spent."""
        self.shrink_budget_spent = budget
        self.args = (self.render(),)

    @property
    def transport(self) -> str | None:
        """The transport of the request that failed, if one did."""
        return self.answer.transport if self.answer is not None else None

    @property
    def reproduction(self) -> str | None:
        """A command that sends the failing request again."""
        return reproduction(self.answer.sent) if self.answer is not None else None

    def render(self) -> str:
        """The failure as a person reads it."""
        over = f" over {self.transport}" if self.transport else ""
        lines = [f"{self.requirement}{over}: expected {self.expected}", f"  got:      {self.got}"]
        if self.payload is not None:
            lines.append(f"  payload:  {_compact(self.payload)}")
        if self.reproduction is not None:
            lines.append("  reproduce:")
            lines += [f"    {line}" for line in self.reproduction.splitlines()]
        if self.shrink_budget_spent is not None:
            lines.append(
                f"  not fully shrunk: the smallest failing payload found within the shrink "
                f"budget of {self.shrink_budget_spent} requests"
            )
        return "\n".join(lines)


def _compact(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 2000 else text[:2000] + "…"


def same_value(left: Any, right: Any) -> bool:
    """JSON equality that tells ``1`` from ``true`` and ``"1"`` from ``1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_value, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def the_contact_read(contact_id: int, contact: Contact) -> None:
    """A read-back of contact *contact_id* is that contact: where it shows an ``id``, it is
    that id (written as a number or as digits, as the install chooses)."""
    shown = contact.get("id", contact_id)
    if str(shown).strip() != str(contact_id) or isinstance(shown, bool):
        raise CheckFailed(
            requirements.PERSIST,
            f"the read-back of contact {contact_id} to be contact {contact_id}",
            f"it holds id {_compact(shown)}",
        )


def changed(before: Contact, after: Contact) -> bool:
    """True when any property differs between the two reads."""
    return bool(_changed(before, after, before.keys() | after.keys()))


def _changed(before: Contact, after: Contact, names: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (before.get(name), after.get(name))
        for name in names
        if not same_value(before.get(name), after.get(name))
    }


def _describe_changes(changes: Mapping[str, tuple[Any, Any]]) -> str:
    shown = [
        f"{name}: {_compact(old)} -> {_compact(new)}"
        for name, (old, new) in list(changes.items())[:5]
    ]
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    return "; ".join(shown) + more


def _none_changed(
    requirement: Requirement,
    expected: str,
    before: Contact,
    after: Contact,
    names: Iterable[str],
    *,
    answer: Answer,
    payload: object,
) -> None:
    """Raise :class:`CheckFailed` for *requirement* when any of *names* differs between the
    two reads, naming what changed."""
    changes = _changed(before, after, names)
    if changes:
        raise CheckFailed(
            requirement,
            expected,
            f"changed {_describe_changes(changes)}",
            answer=answer,
            payload=payload,
        )


def no_server_error(answer: Answer, payload: object = None) -> None:
    """No request ever gets a 5xx."""
    if answer.server_error:
        raise CheckFailed(
            requirements.NO5XX, "no 5xx answer", answer.summary(), answer=answer, payload=payload
        )


def accepted_with_id(answer: Answer, contact_id: int, payload: object) -> None:
    """A valid update is accepted and answered with the contact's id."""
    no_server_error(answer, payload)
    if not answer.accepted:
        raise CheckFailed(
            requirements.ACCEPT,
            "the valid update to be accepted",
            answer.summary(),
            answer=answer,
            payload=payload,
        )
    if answer.returned_id is not None and answer.returned_id != contact_id:
        raise CheckFailed(
            requirements.ACCEPT,
            f"the contact's id {contact_id} as the answer",
            answer.summary(),
            answer=answer,
            payload=payload,
        )


def well_formed(answer: Answer, payload: object) -> None:
    """An accepted update's answer is a JSON integer (REST) or one XML-RPC int."""
    if answer.accepted and answer.malformed is not None:
        expected = (
            "a JSON integer body with Content-Type application/json"
            if answer.transport == "rest"
            else "a methodResponse holding one int"
        )
        raise CheckFailed(
            requirements.RESPONSE, expected, answer.summary(), answer=answer, payload=payload
        )


def fault_well_formed(answer: Answer, payload: object) -> None:
    """An XML-RPC fault is written as the specification says: an int faultCode and a
    string faultString, which every XML-RPC client reads as a fault."""
    if answer.fault is not None and answer.malformed is not None:
        raise CheckFailed(
            requirements.RESPONSE,
            "a fault as XML-RPC writes one (an int faultCode and a string faultString)",
            answer.malformed,
            answer=answer,
            payload=payload,
        )


def rejected(answer: Answer, requirement: Requirement, payload: object, why: str) -> None:
    """An invalid request is refused with a 4xx or an XML-RPC fault."""
    no_server_error(answer, payload)
    if not answer.rejected:
        expected = f"a refusal (4xx or XML-RPC fault) of {why}"
        raise CheckFailed(requirement, expected, answer.summary(), answer=answer, payload=payload)


AUTH_REFUSALS = frozenset({401, 403})
"""How HTTP refuses credentials: the status that tells a client to sign in again."""


def refused_for_credentials(
    answer: Answer, requirement: Requirement, payload: object, why: str
) -> None:
    """A request with missing or wrong credentials is refused as HTTP refuses them: 401 or
    403 (over XML-RPC a fault will do too); no other 4xx says why."""
    rejected(answer, requirement, payload, why)
    if answer.status not in AUTH_REFUSALS and answer.fault is None:
        raise CheckFailed(
            requirement,
            f"HTTP 401 or 403{' or a fault' if answer.transport == 'xmlrpc' else ''} for {why}",
            answer.summary(),
            answer=answer,
            payload=payload,
        )


def unchanged(
    before: Contact, after: Contact, requirement: Requirement, *, answer: Answer, payload: object
) -> None:
    """A refused request changes nothing."""
    _none_changed(
        requirement,
        "the contact unchanged after the refusal",
        before,
        after,
        before.keys() | after.keys(),
        answer=answer,
        payload=payload,
    )


def persisted(sent: Mapping[str, Any], after: Contact, *, answer: Answer) -> None:
    """Every accepted property reads back exactly as sent."""
    changes = {
        name: (value, after.get(name, "<missing>"))
        for name, value in sent.items()
        if not same_value(value, after.get(name))
    }
    if changes:
        shown = "; ".join(
            f"{n}: sent {_compact(s)}, read back {_compact(r)}"
            for n, (s, r) in list(changes.items())[:5]
        )
        raise CheckFailed(
            requirements.PERSIST,
            "every accepted property to read back as sent",
            shown,
            answer=answer,
            payload=dict(sent),
        )


def unsent_unchanged(
    before: Contact,
    after: Contact,
    sent: Mapping[str, Any],
    writable: Iterable[str],
    *,
    answer: Answer,
) -> None:
    """Properties an update did not send keep their values."""
    _none_changed(
        requirements.PARTIAL,
        "properties not sent to stay unchanged",
        before,
        after,
        [name for name in writable if name not in sent],
        answer=answer,
        payload=dict(sent),
    )


def unsent_kept(
    original: Contact, after: Contact, never_sent: Iterable[str], *, answer: Answer, payload: object
) -> None:
    """Properties the run never sends keep the values they had before the run."""
    _none_changed(
        requirements.PARTIAL,
        "properties the run never sends to keep the values they had before it",
        original,
        after,
        never_sent,
        answer=answer,
        payload=payload,
    )


def read_only_unchanged(
    before: Contact, after: Contact, read_only: Iterable[str], *, answer: Answer, payload: object
) -> None:
    """No read-only property changes through an update."""
    _none_changed(
        requirements.READONLY,
        "read-only properties to stay unchanged",
        before,
        after,
        read_only,
        answer=answer,
        payload=payload,
    )


def unknown_not_stored(
    before: Contact,
    after: Contact,
    names: Iterable[str],
    *,
    answer: Answer,
    payload: Mapping[str, Any],
) -> None:
    """Unknown properties are never stored: not under their own names, nor in a property
    the update did not send (as an install that takes a key by its prefix would)."""
    stored = sorted(name for name in names if name in after)
    if stored:
        raise CheckFailed(
            requirements.UNKNOWN,
            "unknown properties not to be stored",
            f"read back {', '.join(map(repr, stored))}",
            answer=answer,
            payload=payload,
        )
    _none_changed(
        requirements.UNKNOWN,
        "unknown properties not to be stored, in no property the update did not send",
        before,
        after,
        [name for name in before if name not in payload],
        answer=answer,
        payload=payload,
    )


def policy_followed(
    answer: Answer, policy: Policy, requirement: Requirement, payload: object, what: str
) -> None:
    """A read-only or unknown property is refused or ignored, as the policy says."""
    no_server_error(answer, payload)
    followed = {
        "reject": answer.rejected,
        "ignore": answer.accepted,
        "either": answer.accepted or answer.rejected,
    }
    expected = {
        "reject": f"a refusal of {what} (policy reject)",
        "ignore": f"{what} to be ignored and the rest accepted (policy ignore)",
        "either": f"{what} to be refused or ignored",
    }
    if not followed[policy]:
        raise CheckFailed(
            requirement, expected[policy], answer.summary(), answer=answer, payload=payload
        )


def witness_unchanged(
    witness: int, before: Contact, after: Contact | None, answer: Answer, payload: object
) -> None:
    """An update of one contact changes no other contact."""
    if after is None:
        raise CheckFailed(
            requirements.ISOLATION,
            f"contact {witness} to be left alone",
            "it no longer reads back (404)",
            answer=answer,
            payload=payload,
        )
    changes = _changed(before, after, before.keys() | after.keys())
    if changes:
        raise CheckFailed(
            requirements.ISOLATION,
            f"contact {witness} to be left alone",
            f"contact {witness} changed {_describe_changes(changes)}",
            answer=answer,
            payload=payload,
        )


def same_answer(first: Answer, second: Answer, payload: object) -> None:
    """Sending the same update twice gives the same answer."""
    if (first.status, first.fault, first.value) != (second.status, second.fault, second.value):
        raise CheckFailed(
            requirements.IDEMPOTENT,
            f"the same answer again ({first.summary()})",
            second.summary(),
            answer=second,
            payload=payload,
        )


def same_state(first: Contact, second: Contact, *, answer: Answer, payload: object) -> None:
    """Sending the same update twice leaves the same state."""
    _none_changed(
        requirements.IDEMPOTENT,
        "the same state after the repeat",
        first,
        second,
        first.keys() | second.keys(),
        answer=answer,
        payload=payload,
    )


def same_verdict(rest: Answer, xmlrpc: Answer, payload: object) -> None:
    """REST and XML-RPC accept or refuse the same payload alike."""
    if rest.accepted != xmlrpc.accepted or rest.rejected != xmlrpc.rejected:
        verdict = {True: "accepted", False: "refused"}
        raise CheckFailed(
            requirements.PARITY,
            f"XML-RPC to reach REST's verdict ({verdict[rest.accepted]}: {rest.summary()})",
            f"{verdict[xmlrpc.accepted]}: {xmlrpc.summary()}",
            answer=xmlrpc,
            payload=payload,
        )


def all_persisted(round_: Sequence[tuple[Mapping[str, Any], Answer]], after: Contact) -> None:
    """Every update of a round that arrived together reads back: none was lost."""
    lost = [
        (sent, answer)
        for sent, answer in round_
        if any(not same_value(value, after.get(name)) for name, value in sent.items())
    ]
    if not lost:
        return
    together = "; ".join(
        f"{answer.transport} {_compact(sent)} -> {answer.summary()}" for sent, answer in round_
    )
    shown = "; ".join(
        f"{name}: sent {_compact(value)}, read back {_compact(after.get(name, '<missing>'))}"
        for sent, _ in lost
        for name, value in sent.items()
    )
    raise CheckFailed(
        requirements.CONCURRENT,
        f"all {len(round_)} updates that arrived together to persist",
        f"{len(lost)} lost: {shown}; the round: {together}",
        answer=lost[0][1],
        payload=[dict(sent) for sent, _ in round_],
    )
