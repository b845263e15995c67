"""Who and what an update may reach: unknown ids, malformed ids, missing credentials, and
no contact but the one it names."""

from __future__ import annotations

import functools
import itertools
from typing import Any

import pytest

from contract import checks
from contract.core import requirements
from contract.core.transports import Transport
from contract.exchange.answers import Answer
from contract.pytest_plugin.marker import certifies
from contract.run.cases import Cases, Draws, each_payload
from contract.run.certifier import Certifier, Refusal
from contract.run.client import AuthorizationHeader, Credentials, ReadBackUnavailable
from contract.run.coverage import HUGE_REST_IDS, Probe, free_text, huge_xmlrpc_ids, one_property

# Far above any real install's contacts; each is confirmed unknown before it is used.
_UNKNOWN_ID_CANDIDATES = [2**31 - 1 - step * 7919 for step in range(20)]
_BAD_REST_IDS = ["abc", "0", "-1", "1.5", "1e3", "0x10", "%00", "1;DROP", *HUGE_REST_IDS]
_BAD_XMLRPC_IDS: list[object] = ["abc", 0, -1, 1.5, "", [1], {"id": 1}]
# An ordinary update: what these requirements judge is where it goes, not its values.
_PROBE_PAYLOAD = {"name": "access probe"}


@certifies(requirements.NOTFOUND, share=0.4)
def test_an_unknown_id_is_answered_not_found_and_creates_nothing(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    client = contract_certifier.client
    ordinary = contract_certifier.valid_updates(transport, ordinary=True)

    def unknown_id() -> int:
        unknown = next((i for i in _UNKNOWN_ID_CANDIDATES if client.read(i) is None), None)
        if unknown is None:
            raise checks.CheckFailed(
                requirements.NOTFOUND, "some id to be unknown", "every candidate id exists"
            )
        # At the end of the run it must still be unknown, whatever this test finds.
        contract_certifier.contact.unknown_ids.add(unknown)
        return unknown

    def not_found(unknown: int, payload: dict[str, Any]) -> Answer:
        contract_certifier.case()
        answer = contract_certifier.update(payload, transport, contact_id=unknown)
        if not (answer.status == 404 if transport == "rest" else answer.rejected):
            expected = "404" if transport == "rest" else "an XML-RPC fault"
            raise checks.CheckFailed(
                requirements.NOTFOUND,
                f"{expected} for unknown contact {unknown}",
                answer.summary(),
                answer=answer,
                payload=payload,
            )
        return answer

    def still_unknown(unknown: int, answer: Answer, payload: object) -> None:
        if client.read(unknown) is not None:
            raise checks.CheckFailed(
                requirements.NOTFOUND,
                f"contact {unknown} still not to exist",
                "an update created it",
                answer=answer,
                payload=payload,
            )

    def case(data: Draws) -> None:
        payload = data.draw(ordinary, label="payload")
        unknown = unknown_id()
        still_unknown(unknown, not_found(unknown, payload), payload)

    def batch(payloads: list[dict[str, Any]]) -> None:
        # One id, confirmed unknown once; every update to it side by side; read once more.
        unknown = unknown_id()
        answers = client.concurrently(
            [functools.partial(not_found, unknown, payload) for payload in payloads]
        )
        still_unknown(unknown, next(a for a in reversed(answers) if a is not None), None)

    certifier = contract_certifier
    probe = one_property(certifier.contract, certifier.contact.original, exclude=certifier.unsent)
    contract_cases.cover([probe], each_payload(case))
    contract_cases.explore_in_batches(
        lambda data: data.draw(ordinary, label="payload"), batch, case
    )


@certifies(requirements.BADID)
def test_malformed_ids_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    ids = _BAD_REST_IDS if transport == "rest" else _BAD_XMLRPC_IDS
    probes: list[Probe] = [
        {"payload": _PROBE_PAYLOAD, "property": None, "kind": "a malformed id", "id": bad_id}
        for bad_id in ids
    ]
    if transport == "xmlrpc":  # ids past 64 bits, which xmlrpc.client will not write
        calls = huge_xmlrpc_ids(contract_certifier.contract, exclude=contract_certifier.unsent)
        probes += [
            {"payload": call, "property": None, "kind": "an id past 64 bits", "body": True}
            for call in calls
        ]

    def send(probe: Probe) -> Answer:
        if probe.get("body"):
            return contract_certifier.send_body(transport, probe["payload"].encode())
        return contract_certifier.update(probe["payload"], transport, contact_id=probe["id"])

    def refuse(fixed: list[Probe]) -> None:
        refusals: list[Refusal] = [
            (
                probe["payload"],
                "an id past 64 bits" if probe.get("body") else f"the malformed id {probe['id']!r}",
                functools.partial(send, probe),
            )
            for probe in fixed
        ]
        contract_certifier.refused_in_batch(requirements.BADID, refusals)

    contract_cases.cover(probes, refuse)


_NOT_BASE64 = AuthorizationHeader("Basic", "caf\u00e9:cl\u00e9")


def _wrong_credentials(user: str, key: str) -> list[tuple[str, Credentials]]:
    return [
        ("no credentials", None),
        ("a wrong API key", (user, key + "-wrong")),
        ("an empty API key", (user, "")),
        ("an unknown user", (user + "-nobody", key)),
        # Basic auth is the documented way in: the right key under another name is no key.
        ("the right user and key under the Bearer scheme", AuthorizationHeader("Bearer")),
        ("the right user and key under an ApiKey scheme", AuthorizationHeader("ApiKey")),
        ("a Basic token that is no Base64, with a letter beyond ASCII", _NOT_BASE64),
    ]


@certifies(requirements.AUTH, share=0.4)
def test_missing_or_wrong_credentials_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    endpoint = contract_certifier.client.endpoint
    ordinary = contract_certifier.valid_updates(transport, ordinary=True)

    def refuse(payload: dict[str, Any]) -> None:
        refusals: list[Refusal] = [
            (
                payload,
                f"an update with {what}",
                functools.partial(
                    contract_certifier.update, payload, transport, credentials=credentials
                ),
            )
            for what, credentials in _wrong_credentials(endpoint.user, endpoint.api_key)
        ]
        contract_certifier.refused_in_batch(
            requirements.AUTH, refusals, checks.refused_for_credentials
        )

    def batch(payloads: list[dict[str, Any]]) -> None:
        # Every kind of wrong credentials went with the fixed case; the drawn payloads take
        # them in turn, one each.
        wrong = _wrong_credentials(endpoint.user, endpoint.api_key)
        refusals: list[Refusal] = [
            (
                payload,
                f"an update with {what}",
                functools.partial(
                    contract_certifier.update, payload, transport, credentials=credentials
                ),
            )
            for payload, (what, credentials) in zip(payloads, itertools.cycle(wrong))
        ]
        contract_certifier.refused_in_batch(
            requirements.AUTH, refusals, checks.refused_for_credentials
        )

    probe: Probe = {"payload": _PROBE_PAYLOAD, "property": None, "kind": "wrong credentials"}
    contract_cases.cover([probe], lambda fixed: refuse(fixed[0]["payload"]))
    contract_cases.explore_in_batches(
        lambda data: data.draw(ordinary, label="payload"),
        batch,
        lambda data: refuse(data.draw(ordinary, label="payload")),
    )


@certifies(requirements.ISOLATION, share=0.4)
def test_an_update_changes_no_other_contact(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    client = contract_certifier.client
    ordinary = contract_certifier.valid_updates(transport, ordinary=True)
    witnesses: dict[int, dict[str, Any]] = {}

    def update_and_compare(payload: dict[str, Any]) -> None:
        contract_certifier.case()
        answer = contract_certifier.update(payload, transport)
        for witness, before in witnesses.items():
            checks.witness_unchanged(witness, before, client.read(witness), answer, payload)

    def update_all_then_compare(payloads: list[dict[str, Any]]) -> None:
        # The updates in turn (each changes the contact), the witnesses read once after.
        answer = None
        for payload in payloads:
            contract_certifier.case()
            answer = contract_certifier.update(payload, transport)
        if answer is None:
            return
        for witness, before in witnesses.items():
            after = client.read(witness)
            try:
                checks.witness_unchanged(witness, before, after, answer, None)
            except checks.CheckFailed:
                # Judged one by one next, each update against the witness as it is now.
                witnesses[witness] = after if after is not None else before
                raise

    def read_witnesses_then_update(fixed: list[Probe]) -> None:
        # The witnesses the run read before its first change, as they read now: their
        # values are compared, and written only to put back what the install changed.
        for witness in contract_certifier.contact.witnesses:
            try:
                contact = client.read(witness)
            except ReadBackUnavailable:
                contact = None
            if contact is not None:
                witnesses[witness] = contact
        if not witnesses:
            pytest.skip(
                "not verifiable: no witness contact could be read; name some with "
                + contract_certifier.settings.spell("{--witness-id}")
            )
        for probe in fixed:
            update_and_compare(probe["payload"])

    text = free_text(contract_certifier.contract, exclude=contract_certifier.unsent)[0]
    probe: Probe = {"payload": {text: "isolation probe"}, "property": text, "kind": "an update"}
    contract_cases.cover([probe], read_witnesses_then_update)
    contract_cases.explore_in_batches(
        lambda data: data.draw(ordinary, label="payload"),
        update_all_then_compare,
        lambda data: update_and_compare(data.draw(ordinary, label="payload")),
    )
