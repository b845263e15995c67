"""XML-RPC: contacts.UpdateContact and contacts.GetContact through the standard library's client."""

from __future__ import annotations

import re
import xmlrpc.client
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings

from contract import load_contract
from contract.server import ReferenceServer
from contract.server.xmlrpc import (
    FAULT_INVALID_PARAMS,
    FAULT_INVALID_PROPERTIES,
    FAULT_INVALID_REQUEST,
    FAULT_METHOD_NOT_FOUND,
    FAULT_NOT_FOUND,
    FAULT_PARSE_ERROR,
    FAULT_UNREPRESENTABLE,
)
from contract.strategies import InvalidCase, invalid_updates, valid_updates

from .clients import XMLRPC_PATH, RestClient, XMLRPCClient

CONTRACT = load_contract()


def examples(count: int) -> settings:
    """Settings for *count* examples sharing one contact; each compares with the state before."""
    return settings(max_examples=count, suppress_health_check=[HealthCheck.function_scoped_fixture])


def post_xml(srv: ReferenceServer, body: bytes | str) -> requests.Response:
    """POST a raw XML body to the XML-RPC endpoint with the server's credentials."""
    data = body.encode() if isinstance(body, str) else body
    return requests.post(
        srv.url + XMLRPC_PATH,
        data=data,
        auth=(srv.user, srv.api_key),
        headers={"Content-Type": "text/xml"},
        timeout=30,
    )


def fault_of(response: requests.Response) -> tuple[int, str]:
    """The fault code and string of a raw XML-RPC answer; fails unless it is a fault."""
    assert response.status_code == 200
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.content)
    return caught.value.faultCode, caught.value.faultString


def call(method: str, *params: str) -> str:
    """A methodCall document with already-marshalled ``<value>`` parameters."""
    inner = "".join(f"<param>{param}</param>" for param in params)
    head = f"<?xml version='1.0'?><methodCall><methodName>{method}</methodName>"
    return f"{head}<params>{inner}</params></methodCall>"


def test_update_answers_the_id_and_get_contact_reads_back(
    server: ReferenceServer, contact_id: int
) -> None:
    client = XMLRPCClient(server)
    before = client.get(contact_id)
    assert list(before) == list(CONTRACT.properties)
    payload = {"name": "Ada", "lastname": "Lovelace", "status": "off", "tags": '["vip"]'}
    assert client.update(contact_id, payload) == contact_id
    assert client.get(contact_id) == {**before, **payload}
    assert RestClient(server).get(contact_id) == {**before, **payload}


FAULTS: dict[str, tuple[str, tuple[Any, ...], int]] = {
    "read-only property": ("contacts.UpdateContact", (1, {"score": 3}), FAULT_INVALID_PROPERTIES),
    "unknown property": (
        "contacts.UpdateContact",
        (1, {"last name": "x"}),
        FAULT_INVALID_PROPERTIES,
    ),
    "wrong type": ("contacts.UpdateContact", (1, {"country_id": "1"}), FAULT_INVALID_PROPERTIES),
    "out of enum": ("contacts.UpdateContact", (1, {"status": "ON"}), FAULT_INVALID_PROPERTIES),
    "empty struct": ("contacts.UpdateContact", (1, {}), FAULT_INVALID_PROPERTIES),
    "array, not struct": ("contacts.UpdateContact", (1, ["name"]), FAULT_INVALID_PROPERTIES),
    "unknown contact": ("contacts.UpdateContact", (10_000_000, {"name": "x"}), FAULT_NOT_FOUND),
    "id zero": ("contacts.UpdateContact", (0, {"name": "x"}), FAULT_NOT_FOUND),
    "negative id": ("contacts.GetContact", (-5,), FAULT_NOT_FOUND),
    "id as string": ("contacts.UpdateContact", ("1", {"name": "x"}), FAULT_INVALID_PARAMS),
    "id as boolean": ("contacts.UpdateContact", (True, {"name": "x"}), FAULT_INVALID_PARAMS),
    "id as double": ("contacts.GetContact", (1.0,), FAULT_INVALID_PARAMS),
    "one parameter": ("contacts.UpdateContact", (1,), FAULT_INVALID_PARAMS),
    "three parameters": ("contacts.UpdateContact", (1, {"name": "x"}, 3), FAULT_INVALID_PARAMS),
    "no parameter": ("contacts.GetContact", (), FAULT_INVALID_PARAMS),
    "unknown method": ("contacts.DeleteContact", (1,), FAULT_METHOD_NOT_FOUND),
}


@pytest.mark.parametrize(("method", "params", "code"), FAULTS.values(), ids=FAULTS.keys())
def test_invalid_calls_are_faults_with_documented_codes(
    server: ReferenceServer, method: str, params: tuple[Any, ...], code: int
) -> None:
    client = XMLRPCClient(server)
    before = client.get(1)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        client.call(method, *params)
    assert caught.value.faultCode == code
    assert client.get(1) == before


def test_invalid_properties_fault_lists_every_violation(server: ReferenceServer) -> None:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        XMLRPCClient(server).update(1, {"status": "ON", "id": 2, "last name": "x"})
    message = caught.value.faultString
    assert message.startswith("3 contract violations")
    for rule in ("rule: enum", "rule: read_only", "rule: unknown", "`lastname`"):
        assert rule in message


RAW_FAULTS = {
    "not XML": (b"name=Ada", FAULT_PARSE_ERROR),
    "empty body": (b"", FAULT_PARSE_ERROR),
    "unclosed": (b"<methodCall><methodName>contacts.GetContact</methodName>", FAULT_PARSE_ERROR),
    "undefined entity": (call("&bogus;"), FAULT_PARSE_ERROR),
    "not a methodCall": (b"<hello/>", FAULT_INVALID_REQUEST),
    "a methodResponse": (
        b"<methodResponse><params><param><value><int>1</int></value></param></params></methodResponse>",
        FAULT_INVALID_REQUEST,
    ),
    "bad int": (
        call("contacts.GetContact", "<value><int>one</int></value>"),
        FAULT_INVALID_REQUEST,
    ),
    "bad boolean": (
        call("contacts.GetContact", "<value><boolean>2</boolean></value>"),
        FAULT_INVALID_REQUEST,
    ),
    "unknown type tag": (
        call("contacts.GetContact", "<value><blob>1</blob></value>"),
        FAULT_INVALID_REQUEST,
    ),
    "odd struct": (
        call(
            "contacts.UpdateContact",
            "<value><int>1</int></value>",
            "<value><struct><member><name>name</name></member></struct></value>",
        ),
        FAULT_INVALID_REQUEST,
    ),
}


@pytest.mark.parametrize(("body", "code"), RAW_FAULTS.values(), ids=RAW_FAULTS.keys())
def test_malformed_documents_are_faults(
    server: ReferenceServer, body: bytes | str, code: int
) -> None:
    assert fault_of(post_xml(server, body))[0] == code


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>contacts.UpdateContact</methodName><params>
<param><value><int>1</int></value></param>
<param><value><struct><member><name>name</name><value>&lol9;</value></member></struct></value></param>
</params></methodCall>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>contacts.UpdateContact</methodName><params>
<param><value><int>1</int></value></param>
<param><value><struct><member><name>name</name><value>&secret;</value></member></struct></value></param>
</params></methodCall>"""

DOCTYPE_ONLY = b"""<?xml version="1.0"?><!DOCTYPE methodCall SYSTEM "http://example.invalid/x.dtd">
<methodCall><methodName>system.listMethods</methodName></methodCall>"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, DOCTYPE_ONLY],
    ids=["billion laughs", "external entity", "doctype"],
)
def test_doctype_and_entity_declarations_are_refused(server: ReferenceServer, body: bytes) -> None:
    before = RestClient(server).get(1)
    code, message = fault_of(post_xml(server, body))
    assert code == FAULT_PARSE_ERROR
    assert "DOCTYPE" in message
    assert RestClient(server).get(1) == before


def test_wrong_credentials_are_http_401_with_a_challenge(server: ReferenceServer) -> None:
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        XMLRPCClient(server, key="wrong").update(1, {"name": "intruder"})
    assert caught.value.errcode == 401
    headers = {name.lower(): value for name, value in caught.value.headers.items()}
    assert headers["www-authenticate"].startswith("Basic ")
    response = requests.post(server.url + XMLRPC_PATH, data=call("system.listMethods"), timeout=30)
    assert response.status_code == 401
    assert "intruder" not in RestClient(server).get(1).values()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_the_endpoint_only_takes_post(server: ReferenceServer, method: str) -> None:
    response = requests.request(
        method, server.url + XMLRPC_PATH, auth=(server.user, server.api_key), timeout=30
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_integers_beyond_32_bits_are_accepted_and_read_back(
    server: ReferenceServer, contact_id: int
) -> None:
    # xmlrpc.client refuses to send them; other clients send <i8> or a long <int>.
    big, huge = 2**40 + 1, -(10**30)
    body = call(
        "contacts.UpdateContact",
        f"<value><i8>{contact_id}</i8></value>",
        f"<value><struct><member><name>country_id</name><value><i8>{big}</i8></value></member>"
        f"<member><name>city_id</name><value><int>{huge}</int></value></member></struct></value>",
    )
    response = post_xml(server, body)
    assert xmlrpc.client.loads(response.content)[0] == (contact_id,)
    contact = XMLRPCClient(server).get(contact_id)
    assert (contact["country_id"], contact["city_id"]) == (big, huge)
    assert (
        b"<i8>1099511627777</i8>"
        in post_xml(
            server, call("contacts.GetContact", f"<value><int>{contact_id}</int></value>")
        ).content
    )


def test_carriage_returns_and_markup_travel_exactly(
    server: ReferenceServer, contact_id: int
) -> None:
    text = "a\r\nb <c> & 'd' \"e\" ]]> \U0001f642"
    escaped = (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )
    body = call(
        "contacts.UpdateContact",
        f"<value><int>{contact_id}</int></value>",
        f"<value><struct><member><name>address</name><value><string>{escaped}</string></value></member></struct></value>",
    )
    assert xmlrpc.client.loads(post_xml(server, body).content)[0] == (contact_id,)
    assert RestClient(server).get(contact_id)["address"] == text
    assert XMLRPCClient(server).get(contact_id)["address"] == text


def test_text_xml_cannot_carry_is_a_fault_on_get_contact(
    server: ReferenceServer, contact_id: int
) -> None:
    assert RestClient(server).put(contact_id, {"name": "nul\x00byte"}).status_code == 200
    with pytest.raises(xmlrpc.client.Fault) as caught:
        XMLRPCClient(server).get(contact_id)
    assert caught.value.faultCode == FAULT_UNREPRESENTABLE


def test_list_methods(server: ReferenceServer) -> None:
    methods = XMLRPCClient(server).call("system.listMethods")
    assert {"contacts.UpdateContact", "contacts.GetContact"} <= set(methods)


def test_the_xmlrpc_path_is_configurable() -> None:
    with ReferenceServer(contacts=1, xmlrpc_path="/xmlrpc.php") as srv:
        response = requests.post(
            srv.url + "/xmlrpc.php",
            data=call("system.listMethods"),
            auth=(srv.user, srv.api_key),
            timeout=30,
        )
        (methods,), _ = xmlrpc.client.loads(response.content)
        assert isinstance(methods, list)
        assert "contacts.UpdateContact" in methods
        default_path = requests.post(
            srv.url + XMLRPC_PATH, data=call("system.listMethods"), timeout=30
        )
        assert default_path.status_code == 404


@examples(25)
@given(payload=valid_updates("xmlrpc"))
def test_valid_updates_agree_across_transports(
    server: ReferenceServer, contact_id: int, payload: dict[str, Any]
) -> None:
    client, rest = XMLRPCClient(server), RestClient(server)
    before = rest.get(contact_id)
    assert client.update(contact_id, payload) == contact_id
    over_xmlrpc = client.get(contact_id)
    assert over_xmlrpc == rest.get(contact_id) == {**before, **payload}
    assert rest.put(contact_id, payload).status_code == 200
    assert rest.get(contact_id) == over_xmlrpc


@examples(25)
@given(case=invalid_updates("xmlrpc"))
def test_invalid_updates_are_rejected_by_both_transports(
    server: ReferenceServer, contact_id: int, case: InvalidCase
) -> None:
    rest = RestClient(server)
    before = rest.get(contact_id)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        XMLRPCClient(server).update(contact_id, case.payload)
    assert caught.value.faultCode == FAULT_INVALID_PROPERTIES
    assert f"rule: {case.rule}" in caught.value.faultString
    assert rest.put(contact_id, case.payload).status_code == 400
    assert rest.get(contact_id) == before


def test_ignore_policy_applies_to_xmlrpc_too(
    ignoring_server: ReferenceServer, contact_id: int
) -> None:
    client = XMLRPCClient(ignoring_server)
    before = client.get(contact_id)
    assert client.update(contact_id, {"score": 9, "favourite": "tea", "city": "Oslo"}) == contact_id
    assert client.get(contact_id) == {**before, "city": "Oslo"}
    with pytest.raises(xmlrpc.client.Fault) as caught:
        client.update(contact_id, {})
    assert caught.value.faultCode == FAULT_INVALID_PROPERTIES


UPDATE = "contacts.UpdateContact"
BAD_DOCUMENTS = {
    "an <int> that is no number": call(UPDATE, "<value><int>x</int></value>"),
    "a member without a name": call(
        UPDATE,
        "<value><int>1</int></value>",
        "<value><struct><member><value><int>1</int></value></member></struct></value>",
    ),
    "a <boolean> of 7": call(UPDATE, "<value><boolean>7</boolean></value>"),
    "an unknown type": call(UPDATE, "<value><float>1</float></value>"),
    "a value outside any param": "<?xml version='1.0'?><methodCall><methodName>m</methodName>"
    "<value><int>1</int></value></methodCall>",
    "an unreadable encoding": "<?xml version='1.0' encoding='utf-32'?><methodCall/>",
}


@pytest.mark.parametrize("body", BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_fault_strings_name_no_python_internals(server: ReferenceServer, body: str) -> None:
    _, text = fault_of(post_xml(server, body))
    assert not re.search(r"[A-Z][a-z]+Error\b|object at 0x|Traceback|invalid literal", text), text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (xmlrpc.client.Binary(b"hi"), "<base64>aGk=</base64>"),
        (xmlrpc.client.DateTime("20240101T10:00:00"), "<dateTime.iso8601>20240101T10:00:00"),
    ],
)
def test_values_json_has_no_type_for_are_refused_and_shown_as_sent(
    server: ReferenceServer, value: object, shown: str
) -> None:
    client = XMLRPCClient(server)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        client.update(1, {"name": value})
    assert caught.value.faultCode == FAULT_INVALID_PROPERTIES
    assert shown in caught.value.faultString
    assert "xmlrpc.client" not in caught.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as as_id:
        client.update(value, {"name": "Ada"})
    assert as_id.value.faultCode == FAULT_INVALID_PARAMS
    assert as_id.value.faultString.endswith(f"id must be an <int>, got {shown.split('>')[0]}>")


def test_a_whole_double_for_an_integer_is_stored_and_answered_as_an_integer(
    server: ReferenceServer, contact_id: int
) -> None:
    client = XMLRPCClient(server)
    assert client.update(contact_id, {"city_id": 1e20, "country_id": 3.0}) == contact_id
    contact = client.get(contact_id)
    assert (contact["city_id"], contact["country_id"]) == (10**20, 3)
    assert type(contact["country_id"]) is int
    # Every integer property is answered as <int> or <i8>, never as a <double>.
    integers = [name for name in CONTRACT.properties if "integer" in CONTRACT.types(name)]
    assert all(type(contact[name]) in (int, type(None)) for name in integers)
