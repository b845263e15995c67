"""Who and what an update may reach: unknown ids, malformed ids, missing credentials."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contract import checks
from contract.client import Answer, Credentials
from contract.pytest_plugin.certifier import Certifier
from contract.strategies import valid_updates
from contract.suite._support import certifies, extension
from contract.transports import Transport

# Far above any real install's contacts; each is confirmed unknown before it is used.
_UNKNOWN_ID_CANDIDATES = [2**31 - 1 - step * 7919 for step in range(20)]
_BAD_REST_IDS = ["abc", "0", "-1", "1.5", "1e3", "0x10", "%00", "1;DROP"]
_BAD_XMLRPC_IDS: list[object] = ["abc", 0, -1, 1.5, "", [1], {"id": 1}]


@certifies("UC-NOTFOUND", share=0.4)
@given(data=st.data())
def test_an_unknown_id_is_answered_not_found_and_creates_nothing(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    contract_certifier.require_readback()
    payload = data.draw(valid_updates(transport, extension()), label="payload")
    contract_certifier.case()
    client = contract_certifier.client
    unknown = next((i for i in _UNKNOWN_ID_CANDIDATES if client.read(i) is None), None)
    if unknown is None:
        raise checks.CheckFailed(
            "UC-NOTFOUND", "some id to be unknown", "every candidate id exists"
        )
    answer = contract_certifier.update(payload, transport, contact_id=unknown)
    not_found = answer.status == 404 if transport == "rest" else answer.rejected
    if not not_found:
        expected = "404" if transport == "rest" else "an XML-RPC fault"
        raise checks.CheckFailed(
            "UC-NOTFOUND",
            f"{expected} for unknown contact {unknown}",
            answer.summary(),
            answer=answer,
            payload=payload,
        )
    if client.read(unknown) is not None:
        raise checks.CheckFailed(
            "UC-NOTFOUND",
            f"contact {unknown} still not to exist",
            "the update created it",
            answer=answer,
            payload=payload,
        )


@certifies("UC-BADID")
def test_malformed_ids_are_refused(contract_certifier: Certifier, transport: Transport) -> None:
    ids = _BAD_REST_IDS if transport == "rest" else _BAD_XMLRPC_IDS
    payload = {"name": "malformed id probe"}
    for bad_id in ids:
        contract_certifier.case()

        def send(bad_id: object = bad_id) -> Answer:
            return contract_certifier.update(payload, transport, contact_id=bad_id)

        contract_certifier.refused_and_unchanged(
            "UC-BADID", payload, f"the malformed id {bad_id!r}", send
        )


def _wrong_credentials(user: str, key: str) -> list[tuple[str, Credentials]]:
    return [
        ("no credentials", None),
        ("a wrong API key", (user, key + "-wrong")),
        ("an empty API key", (user, "")),
        ("an unknown user", (user + "-nobody", key)),
    ]


@certifies("UC-AUTH", share=0.4)
@given(data=st.data())
def test_missing_or_wrong_credentials_are_refused(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    endpoint = contract_certifier.client.endpoint
    payload = data.draw(valid_updates(transport, extension()), label="payload")
    for what, credentials in _wrong_credentials(endpoint.user, endpoint.api_key):
        contract_certifier.case()

        def send(credentials: Credentials = credentials) -> Answer:
            return contract_certifier.update(payload, transport, credentials=credentials)

        contract_certifier.refused_and_unchanged("UC-AUTH", payload, f"an update with {what}", send)
