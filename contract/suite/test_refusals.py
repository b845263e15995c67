"""Invalid updates are refused, and a refusal changes nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contract.client import Answer
from contract.pytest_plugin.certifier import Certifier
from contract.strategies import invalid_updates
from contract.suite._support import certifies, extension
from contract.transports import Transport

_WHY = {
    "enum": "a value outside the allowed values",
    "type": "a value of the wrong JSON type",
    "format": "a value whose content breaks its format",
}


def _refuse_one_rule(
    certifier: Certifier, transport: Transport, data: st.DataObject, rule: str, requirement: str
) -> None:
    case = data.draw(invalid_updates(transport, extension(), rules={rule}), label="case")
    certifier.case()
    certifier.refused_and_unchanged(
        requirement,
        case.payload,
        f"{_WHY[rule]} in `{case.property}`",
        lambda: certifier.update(case.payload, transport),
    )


@certifies("UC-ENUM")
@given(data=st.data())
def test_values_outside_an_enum_are_refused(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    _refuse_one_rule(contract_certifier, transport, data, "enum", "UC-ENUM")


@certifies("UC-TYPE")
@given(data=st.data())
def test_values_of_the_wrong_type_are_refused(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    _refuse_one_rule(contract_certifier, transport, data, "type", "UC-TYPE")


@certifies("UC-FORMAT")
@given(data=st.data())
def test_tags_and_birth_date_with_wrong_content_are_refused(
    contract_certifier: Certifier, transport: Transport, data: st.DataObject
) -> None:
    _refuse_one_rule(contract_certifier, transport, data, "format", "UC-FORMAT")


@certifies("UC-EMPTY")
def test_an_empty_properties_object_is_refused(
    contract_certifier: Certifier, transport: Transport
) -> None:
    contract_certifier.case()
    contract_certifier.refused_and_unchanged(
        "UC-EMPTY",
        {},
        "an empty properties object",
        lambda: contract_certifier.update({}, transport),
    )


_NOT_AN_OBJECT = [
    b"[]",
    b'[{"name": "x"}]',
    b'"name"',
    b"1",
    b"null",
    b"true",
    b"{",
    b"",
    b'{"name": "x",}',
    b'{"name": "x"} trailing',
    b"\xff\xfe\x00",
    b"<contact/>",
]
_NOT_XMLRPC = [
    b"",
    b"not xml",
    b"<methodCall>",
    b"<?xml version='1.0'?><methodCall><methodName>"
    b"contacts.UpdateContact</methodName><params><param><value><int>1</int></value></param>"
    b"</params></methodCall>",
    b"<?xml version='1.0'?><methodCall><methodName>contacts.UpdateContact</methodName><params>"
    b"<param><value><int>1</int></value></param><param><value><array><data/></array></value>"
    b"</param></params></methodCall>",
]


@certifies("UC-MALFORMED")
def test_bodies_that_are_not_a_json_object_are_refused(
    contract_certifier: Certifier, transport: Transport
) -> None:
    client = contract_certifier.client
    bodies = _NOT_AN_OBJECT if transport == "rest" else _NOT_XMLRPC
    for body in bodies:
        contract_certifier.case()

        def send(body: bytes = body) -> Answer:
            if transport == "rest":
                return client.send_rest(contract_certifier.contact_id, body, "application/json")
            return client.send_xmlrpc(body)

        contract_certifier.refused_and_unchanged(
            "UC-MALFORMED", body, "a body that is not a JSON object", send
        )
