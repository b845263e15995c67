"""Arbitrary requests (methods, paths, ids, headers, JSON, XML, bytes): never a 5xx."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract import load_contract
from contract.server import ReferenceServer
from contract.strategies import invalid_updates, valid_updates

from .clients import CONTACTS_PATH, XMLRPC_PATH, basic_header

CONTRACT = load_contract()
NAMES = [*CONTRACT.properties, "last name", "", "__proto__"]
FUZZ = settings(
    max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# Header names and values http.client will send as they are (RFC 9110 tokens, visible text).
TOKEN = st.text(
    st.sampled_from(
        "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ),
    min_size=1,
    max_size=16,
)
HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40
).map(str.strip)
# Framing headers would make the body disagree with its length: the server copes, the
# test's client would hang waiting. Authorization is drawn on its own.
FRAMING = {"content-length", "transfer-encoding", "host", "connection", "expect", "authorization"}
HEADERS = st.dictionaries(
    TOKEN.filter(lambda name: name.lower() not in FRAMING), HEADER_VALUE, max_size=4
)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(st.sampled_from(NAMES), JSON_VALUES, max_size=6)


def _json_body(value: Any) -> bytes:
    return json.dumps(value).encode()


JSON_BODIES = st.one_of(
    JSON_VALUES.map(_json_body),
    PAYLOADS.map(_json_body),
    valid_updates("rest").map(_json_body),
    invalid_updates("rest").map(lambda case: _json_body(case.payload)),
)


# Text XML can carry, so that documents get past the parser; _mangled() breaks them on purpose.
XML_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=20)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


XML_SCALARS = st.one_of(
    st.integers().map(lambda i: f"<int>{i}</int>"),
    st.integers(-(2**70), 2**70).map(lambda i: f"<i8>{i}</i8>"),
    XML_TEXT.map(lambda t: f"<string>{_xml_text(t)}</string>"),
    XML_TEXT.map(_xml_text),
    st.sampled_from(["0", "1", "2", "true"]).map(lambda b: f"<boolean>{b}</boolean>"),
    st.floats().map(lambda f: f"<double>{f!r}</double>"),
    st.just("<nil/>"),
    st.sampled_from(["20240101T10:00:00", "garbage"]).map(
        lambda d: f"<dateTime.iso8601>{d}</dateTime.iso8601>"
    ),
    st.sampled_from(["aGVsbG8=", "!!"]).map(lambda b: f"<base64>{b}</base64>"),
    st.text(st.sampled_from("0123456789.-eE"), max_size=12).map(
        lambda d: f"<bigdecimal>{d}</bigdecimal>"
    ),
    st.from_regex(r"[a-zA-Z][a-zA-Z0-9._-]{0,10}", fullmatch=True).map(
        lambda tag: f"<{tag}>1</{tag}>"
    ),
)


def _struct(members: list[tuple[str, str]]) -> str:
    inner = "".join(
        f"<member><name>{_xml_text(name)}</name>{value}</member>" for name, value in members
    )
    return f"<struct>{inner}</struct>"


XML_VALUES = st.recursive(
    XML_SCALARS.map(lambda scalar: f"<value>{scalar}</value>"),
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(
            lambda items: f"<value><array><data>{''.join(items)}</data></array></value>"
        ),
        st.lists(st.tuples(st.sampled_from(NAMES) | XML_TEXT, children), max_size=4).map(
            lambda m: f"<value>{_struct(m)}</value>"
        ),
    ),
    max_leaves=10,
)
METHOD_NAMES = (
    st.sampled_from(["contacts.UpdateContact", "contacts.GetContact", "system.listMethods"])
    | XML_TEXT
)


def _method_call(method: str, params: list[str]) -> str:
    inner = "".join(f"<param>{param}</param>" for param in params)
    name = f"<methodName>{_xml_text(method)}</methodName>"
    return f"<?xml version='1.0'?><methodCall>{name}<params>{inner}</params></methodCall>"


STRUCTS = st.lists(st.tuples(st.sampled_from(NAMES) | XML_TEXT, XML_VALUES), max_size=5)
UPDATE_CALLS = st.builds(
    lambda contact_id, members: _method_call(
        "contacts.UpdateContact",
        [f"<value><int>{contact_id}</int></value>", f"<value>{_struct(members)}</value>"],
    ),
    st.integers(1, 50),
    STRUCTS,
)
XML_DOCUMENTS = st.one_of(
    st.builds(_method_call, METHOD_NAMES, st.lists(XML_VALUES, max_size=3)), UPDATE_CALLS
)


@st.composite
def _mangled(draw: st.DrawFn, documents: st.SearchStrategy[str]) -> bytes:
    data = draw(documents).encode("utf-8", "surrogatepass")
    cut = draw(st.integers(0, len(data)))
    return (
        data[:cut] + draw(st.binary(max_size=8)) + data[cut:] if draw(st.booleans()) else data[:cut]
    )


XML_BODIES = st.one_of(
    XML_DOCUMENTS.map(lambda doc: doc.encode("utf-8", "surrogatepass")),
    XML_DOCUMENTS.map(lambda doc: doc.encode("utf-8", "surrogatepass")),
    _mangled(XML_DOCUMENTS),
)
BODIES = st.one_of(st.just(b""), st.binary(max_size=200), JSON_BODIES, XML_BODIES)

# Mostly ids of seeded contacts, so that bodies are read and validated.
IDS = st.one_of(
    st.integers(1, 50).map(str),
    st.integers(1, 50).map(str),
    st.integers(-5, 2**70).map(str),
    st.text(max_size=12),
)
PATHS = st.one_of(
    IDS.map(lambda contact_id: f"{CONTACTS_PATH}/{quote(contact_id, safe='')}"),
    st.just(XMLRPC_PATH),
    st.text(max_size=30).map(lambda path: "/" + quote(path)),
)
METHODS = st.one_of(
    st.sampled_from(["PUT", "POST", "GET"]),
    st.sampled_from(["HEAD", "DELETE", "PATCH", "OPTIONS"]),
    TOKEN,
)


def send(srv: ReferenceServer, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
    """One raw request on a fresh connection; the status code of the answer."""
    host, port = srv.url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value.encode("latin-1"))
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    """A server of these tests' own: what they send may change any of its contacts,
    which the other tests' servers must not see (ids 1 to 50 exist, as IDS draws)."""
    with ReferenceServer(contacts=50) as srv:
        yield srv


@pytest.fixture(scope="module")
def ignoring_server() -> Iterator[ReferenceServer]:
    """:func:`server`, ignoring read-only and unknown properties."""
    with ReferenceServer(
        contacts=50, readonly_treatment="ignore", unknown_treatment="ignore"
    ) as srv:
        yield srv


def _authorization(srv: ReferenceServer) -> st.SearchStrategy[str | None]:
    # Mostly the right credentials, so that bodies get past authentication and are read.
    right = basic_header(srv.user, srv.api_key)
    return st.one_of(st.just(right), st.just(right), st.just(right), st.none(), HEADER_VALUE)


@FUZZ
@given(data=st.data(), method=METHODS, path=PATHS, headers=HEADERS, body=BODIES)
def test_arbitrary_requests_never_get_a_5xx(
    server: ReferenceServer,
    data: st.DataObject,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    authorization = data.draw(_authorization(server))
    if authorization is not None:
        headers = {**headers, "Authorization": authorization}
    status = send(server, method, path, headers, body)
    assert status < 500, (method, path, headers, body)


@FUZZ
@given(body=st.one_of(JSON_BODIES, BODIES), contact_id=IDS)
def test_arbitrary_put_bodies_never_get_a_5xx(
    ignoring_server: ReferenceServer, body: bytes, contact_id: str
) -> None:
    auth = {"Authorization": basic_header(ignoring_server.user, ignoring_server.api_key)}
    status = send(
        ignoring_server, "PUT", f"{CONTACTS_PATH}/{quote(contact_id, safe='')}", auth, body
    )
    assert status < 500, (contact_id, body)


@FUZZ
@given(body=XML_BODIES)
def test_arbitrary_xml_never_gets_a_5xx(server: ReferenceServer, body: bytes) -> None:
    auth = {"Authorization": basic_header(server.user, server.api_key), "Content-Type": "text/xml"}
    status = send(server, "POST", XMLRPC_PATH, auth, body)
    assert status == 200, body
