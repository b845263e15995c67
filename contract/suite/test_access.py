"""Who and what an update may reach: unknown ids, malformed ids, missing credentials."""

from __future__ import annotations

import functools

from contract import checks, requirements
from contract.client import Answer, Credentials
from contract.pytest_plugin.cases import Cases, Draws
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.marker import certifies
from contract.strategies import valid_updates
from contract.transports import Transport

# Far above any real install's contacts; each is confirmed unknown before it is used.
_UNKNOWN_ID_CANDIDATES = [2**31 - 1 - step * 7919 for step in range(20)]
_BAD_REST_IDS = ["abc", "0", "-1", "1.5", "1e3", "0x10", "%00", "1;DROP"]
_BAD_XMLRPC_IDS: list[object] = ["abc", 0, -1, 1.5, "", [1], {"id": 1}]


@certifies(requirements.NOTFOUND, share=0.4)
def test_an_unknown_id_is_answered_not_found_and_creates_nothing(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    client = contract_certifier.client

    def case(data: Draws) -> None:
        payload = data.draw(valid_updates(transport, contract_certifier.extension), label="payload")
        contract_certifier.case()
        unknown = next((i for i in _UNKNOWN_ID_CANDIDATES if client.read(i) is None), None)
        if unknown is None:
            raise checks.CheckFailed(
                requirements.NOTFOUND, "some id to be unknown", "every candidate id exists"
            )
        answer = contract_certifier.update(payload, transport, contact_id=unknown)
        not_found = answer.status == 404 if transport == "rest" else answer.rejected
        if not not_found:
            expected = "404" if transport == "rest" else "an XML-RPC fault"
            raise checks.CheckFailed(
                requirements.NOTFOUND,
                f"{expected} for unknown contact {unknown}",
                answer.summary(),
                answer=answer,
                payload=payload,
            )
        if client.read(unknown) is not None:
            raise checks.CheckFailed(
                requirements.NOTFOUND,
                f"contact {unknown} still not to exist",
                "the update created it",
                answer=answer,
                payload=payload,
            )

    contract_cases.explore(case)


@certifies(requirements.BADID)
def test_malformed_ids_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    ids = _BAD_REST_IDS if transport == "rest" else _BAD_XMLRPC_IDS
    payload = {"name": "malformed id probe"}

    def send(bad_id: object) -> Answer:
        return contract_certifier.update(payload, transport, contact_id=bad_id)

    def case() -> None:
        for bad_id in ids:
            contract_certifier.case()
            contract_certifier.refused_and_unchanged(
                requirements.BADID,
                payload,
                f"the malformed id {bad_id!r}",
                functools.partial(send, bad_id),
            )

    contract_cases.once(case)


def _wrong_credentials(user: str, key: str) -> list[tuple[str, Credentials]]:
    return [
        ("no credentials", None),
        ("a wrong API key", (user, key + "-wrong")),
        ("an empty API key", (user, "")),
        ("an unknown user", (user + "-nobody", key)),
    ]


@certifies(requirements.AUTH, share=0.4)
def test_missing_or_wrong_credentials_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    endpoint = contract_certifier.client.endpoint

    def send(payload: object, credentials: Credentials) -> Answer:
        return contract_certifier.update(payload, transport, credentials=credentials)

    def case(data: Draws) -> None:
        payload = data.draw(valid_updates(transport, contract_certifier.extension), label="payload")
        for what, credentials in _wrong_credentials(endpoint.user, endpoint.api_key):
            contract_certifier.case()
            contract_certifier.refused_and_unchanged(
                requirements.AUTH,
                payload,
                f"an update with {what}",
                functools.partial(send, payload, credentials),
            )

    contract_cases.explore(case)
