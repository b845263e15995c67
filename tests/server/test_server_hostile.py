"""Hostile clients: sustained mixed load, invalid UTF-8, oversized heads and bodies, slow sends."""

from __future__ import annotations

import base64
import gzip
import json
import random
import secrets
import socket
import time
import xmlrpc.client
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import pytest
import requests

from conftest import THOROUGH, draw_many
from contract.server import ReferenceServer
from contract.server.options import DEFAULT_MAX_BODY_BYTES, DEFAULT_THREADS
from contract.server.runner import MAX_HEADER_BYTES
from contract.server.xmlrpc import FAULT_PARSE_ERROR
from contract.strategies import InvalidCase, invalid_updates, valid_updates

from .clients import CONTACTS_PATH, XMLRPC_PATH, RestClient, XMLRPCClient
from .test_server_cli import serve
from .test_server_xmlrpc import BILLION_LAUGHS, call, fault_of, post_xml

# Short enough to watch a stalled client being dropped, long enough for any client
# that is merely slow; the server's default is 60 s.
IDLE_TIMEOUT_SECONDS = 2
# How long a test waits for an answer (or for the server to close) before failing.
ANSWER_SECONDS = 10
# Contact 1 takes the "still serves" updates; the tests' own changes go to 2 and 3.
CHECK_CONTACT, TARGET_CONTACT, DRIBBLE_CONTACT = 1, 2, 3
# What a client streaming an endless body is ready to send: far beyond any limit.
STREAM_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def hostile() -> Iterator[ReferenceServer]:
    """A server with the default limits and threads and a short idle timeout."""
    with ReferenceServer(contacts=3, idle_timeout_seconds=IDLE_TIMEOUT_SECONDS) as srv:
        yield srv


def assert_still_serves(srv: ReferenceServer) -> None:
    """A normal valid update, on a fresh connection, is answered 200 and reads back."""
    value = f"still serving {secrets.token_hex(8)}"
    rest = RestClient(srv)
    try:
        response = rest.put(CHECK_CONTACT, {"city": value})
        assert (response.status_code, response.json()) == (200, CHECK_CONTACT)
        assert rest.get(CHECK_CONTACT)["city"] == value
    finally:
        rest.close()


def connect(srv: ReferenceServer) -> socket.socket:
    """A raw TCP connection to the server."""
    parts = urlsplit(srv.url)
    assert parts.hostname is not None
    assert parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=ANSWER_SECONDS)


def authorization(srv: ReferenceServer) -> bytes:
    """The server's Basic ``Authorization`` header line."""
    token = base64.b64encode(f"{srv.user}:{srv.api_key}".encode())
    return b"Authorization: Basic " + token


def request(method: bytes, path: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    """A raw HTTP/1.1 request that asks the server to close the connection after answering."""
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: localhost", b"Connection: close"]
    lines += [*headers, b"Content-Length: %d" % len(body)]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@dataclass(frozen=True)
class Answer:
    """One HTTP answer read off a raw connection."""

    status: int
    body: bytes


def _read_answer(stream: BinaryIO) -> Answer | None:
    status_line = stream.readline()
    if not status_line:
        return None
    status = int(status_line.split(b" ")[1])
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = stream.read(length)
    assert len(body) == length, (status_line, body)
    return Answer(status, body)


def read_answers(sock: socket.socket) -> list[Answer]:
    """Every answer the server sends on *sock* until it closes the connection."""
    answers = []
    with sock.makefile("rb") as stream:
        try:
            while (answer := _read_answer(stream)) is not None:
                answers.append(answer)
        except ConnectionResetError:
            # Closing with bytes of ours still unread makes the close a reset; the
            # answers sent before it have been read all the same.
            pass
    return answers


def exchange(srv: ReferenceServer, data: bytes) -> list[Answer]:
    """Send *data* on a fresh connection; every answer until the server closes it."""
    with connect(srv) as sock:
        sock.sendall(data)
        return read_answers(sock)


def stream_until_refused(
    srv: ReferenceServer, head: bytes, piece: bytes
) -> tuple[int, list[Answer]]:
    """Send *head*, then *piece* again and again until the server resets the connection.

    Returns how many bytes of pieces went out before the reset, and the answers.
    """
    sent = 0
    with connect(srv) as sock:
        sock.sendall(head)
        try:
            while sent < STREAM_BYTES:
                sock.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return sent, read_answers(sock)


def error_of(answer: Answer) -> str:
    """The message of a documented JSON error answer ``{"error": {"status", "message"}}``."""
    error = json.loads(answer.body)["error"]
    assert error["status"] == answer.status
    return str(error["message"])


def rules_of(answer: Answer) -> list[str]:
    """The rules a JSON 400 answer lists."""
    return [error["rule"] for error in json.loads(answer.body)["errors"]]


# --- invalid UTF-8 ------------------------------------------------------------------------

INVALID_UTF8 = {
    "a stray continuation byte": b"\x80",
    "bytes never in UTF-8": b"\xff\xfe",
    "a truncated sequence": b"\xc3",
    "an encoded surrogate": b"\xed\xa0\x80",
    "an overlong encoding": b"\xc0\xaf",
}


@pytest.mark.parametrize("bad", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
def test_invalid_utf8_in_a_json_body_is_400_not_json(hostile: ReferenceServer, bad: bytes) -> None:
    """A JSON body holding invalid UTF-8 is 400 not_json and changes nothing."""
    rest = RestClient(hostile)
    before = rest.get(TARGET_CONTACT)
    response = rest.put(TARGET_CONTACT, data=b'{"name": "Ada' + bad + b'"}')
    assert response.status_code == 400
    assert [error["rule"] for error in response.json()["errors"]] == ["not_json"]
    assert rest.get(TARGET_CONTACT) == before
    assert_still_serves(hostile)


def _update_document(
    method: str = "contacts.UpdateContact", name: str = "name", value: str = "Ada"
) -> str:
    member = f"<member><name>{name}</name><value>{value}</value></member>"
    return call(
        method,
        f"<value><int>{TARGET_CONTACT}</int></value>",
        f"<value><struct>{member}</struct></value>",
    )


# "@" marks where the invalid bytes go.
MARKED_DOCUMENTS = {
    "in a value": _update_document(value="Ada@"),
    "in a member name": _update_document(name="na@me"),
    "in the method name": _update_document(method="contacts.Update@Contact"),
}


@pytest.mark.parametrize("bad", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
@pytest.mark.parametrize("document", MARKED_DOCUMENTS.values(), ids=MARKED_DOCUMENTS.keys())
def test_invalid_utf8_in_an_xmlrpc_body_is_a_parse_error_fault(
    hostile: ReferenceServer, document: str, bad: bytes
) -> None:
    """An XML-RPC body holding invalid UTF-8 anywhere is a -32700 fault and changes nothing."""
    before = RestClient(hostile).get(TARGET_CONTACT)
    body = document.encode().replace(b"@", bad)
    assert fault_of(post_xml(hostile, body))[0] == FAULT_PARSE_ERROR
    assert RestClient(hostile).get(TARGET_CONTACT) == before
    assert_still_serves(hostile)


@pytest.mark.parametrize("encoding", ["x-no-such-encoding", "utf-7", "rot13"])
def test_an_xmlrpc_body_in_an_unreadable_encoding_is_a_parse_error_fault(
    hostile: ReferenceServer, encoding: str
) -> None:
    """A document declaring an encoding expat cannot read is -32700, not well-formed."""
    body = call("system.listMethods").replace(
        "version='1.0'", f"version='1.0' encoding='{encoding}'"
    )
    code, message = fault_of(post_xml(hostile, body))
    assert code == FAULT_PARSE_ERROR, message
    assert_still_serves(hostile)


URL_PATHS = {
    "raw bytes in a contact id": (b"PUT", b"/api/2.0/contacts/\xff\xfe", 400),
    "a raw truncated sequence after an id": (b"PUT", b"/api/2.0/contacts/1\xc3", 400),
    "raw bytes in the XML-RPC path": (b"POST", b"/api/2.0/xmlrpc\xed\xa0\x80", 400),
    "percent-encoded invalid UTF-8 as an id": (b"PUT", b"/api/2.0/contacts/%FF%FE", 404),
    "percent-encoded invalid UTF-8 after an id": (b"PUT", b"/api/2.0/contacts/1%C3", 404),
    "percent-encoded invalid UTF-8 in a path": (b"POST", b"/api/2.0/xml%C0%AFrpc", 404),
}


@pytest.mark.parametrize(("method", "path", "status"), URL_PATHS.values(), ids=URL_PATHS.keys())
def test_invalid_utf8_in_the_url_path_is_4xx(
    hostile: ReferenceServer, method: bytes, path: bytes, status: int
) -> None:
    """A path that is not UTF-8, raw or percent-encoded, is refused 400 or 404."""
    body = b'{"name": "intruder"}'
    answers = exchange(hostile, request(method, path, authorization(hostile), body=body))
    assert [answer.status for answer in answers] == [status]
    assert RestClient(hostile).get(CHECK_CONTACT)["name"] != "intruder"
    assert_still_serves(hostile)


def _basic(credentials: bytes) -> bytes:
    return b"Authorization: Basic " + base64.b64encode(credentials)


AUTHORIZATIONS = {
    "raw bytes as the token": b"Authorization: Basic \xff\xfe\xc3",
    "raw bytes as the scheme": b"Authorization: \xc0\xaf dXNlcjprZXk=",
    "credentials that decode to invalid UTF-8": _basic(b"\xff\xfe:\xed\xa0\x80"),
    "a right user with a key of invalid UTF-8": _basic(b"admin:\xc3"),
}


@pytest.mark.parametrize("header", AUTHORIZATIONS.values(), ids=AUTHORIZATIONS.keys())
def test_invalid_utf8_in_credentials_is_401(hostile: ReferenceServer, header: bytes) -> None:
    """Credentials carrying invalid UTF-8 are refused 401, before the body is looked at."""
    body = b'{"name": "intruder"}'
    path = b"%s/%d" % (CONTACTS_PATH.encode(), TARGET_CONTACT)
    answers = exchange(hostile, request(b"PUT", path, header, body=body))
    assert [answer.status for answer in answers] == [401]
    assert RestClient(hostile).get(TARGET_CONTACT)["name"] != "intruder"
    assert_still_serves(hostile)


def test_invalid_utf8_in_headers_the_server_does_not_use_leaves_a_valid_update_alone(
    hostile: ReferenceServer,
) -> None:
    """Invalid UTF-8 in Content-Type, User-Agent and a custom header: the update still applies."""
    value = f"odd headers {secrets.token_hex(8)}"
    answers = exchange(
        hostile,
        request(
            b"PUT",
            b"%s/%d" % (CONTACTS_PATH.encode(), TARGET_CONTACT),
            authorization(hostile),
            b"Content-Type: application/json; charset=\xc3\x28",
            b"User-Agent: \xed\xa0\x80",
            b"X-Note: \xff\xfe",
            body=json.dumps({"name": value}).encode(),
        ),
    )
    assert [answer.status for answer in answers] == [200]
    assert RestClient(hostile).get(TARGET_CONTACT)["name"] == value
    assert_still_serves(hostile)


# --- oversized headers ----------------------------------------------------------------------

CONTACT_TARGET = b"%s/%d" % (CONTACTS_PATH.encode(), CHECK_CONTACT)
OVERSIZED_HEADS = {
    "one 100 KB header": (CONTACT_TARGET, [b"X-Big: " + b"a" * 100_000]),
    "one header just past the limit": (CONTACT_TARGET, [b"X-Big: " + b"a" * MAX_HEADER_BYTES]),
    "many small headers": (CONTACT_TARGET, [b"X-H%d: v" % i for i in range(MAX_HEADER_BYTES // 8)]),
    "a 100 KB request line": (CONTACT_TARGET + b"?q=" + b"a" * 100_000, []),
}


@pytest.mark.parametrize(
    ("target", "headers"), OVERSIZED_HEADS.values(), ids=OVERSIZED_HEADS.keys()
)
def test_heads_over_the_header_limit_are_431(
    hostile: ReferenceServer, target: bytes, headers: list[bytes]
) -> None:
    """A request line and headers over the header limit are refused 431, credentials or not."""
    answers = exchange(hostile, request(b"GET", target, authorization(hostile), *headers))
    assert [answer.status for answer in answers] == [431]
    assert error_of(answers[0]) == (
        f"the request line and headers are over the limit of {MAX_HEADER_BYTES} bytes"
    )
    assert_still_serves(hostile)


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 431)], ids=["under", "at"])
def test_the_header_limit_is_exact(hostile: ReferenceServer, extra: int, status: int) -> None:
    """A head one byte under the header limit is answered; one reaching it is refused 431."""
    bare = request(b"GET", CONTACT_TARGET, authorization(hostile), b"X-Pad: ")
    padding = b"a" * (MAX_HEADER_BYTES - 1 - len(bare) + extra)
    head = request(b"GET", CONTACT_TARGET, authorization(hostile), b"X-Pad: " + padding)
    assert len(head) == MAX_HEADER_BYTES - 1 + extra
    assert [answer.status for answer in exchange(hostile, head)] == [status]
    assert_still_serves(hostile)


# --- oversized bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "declared", [DEFAULT_MAX_BODY_BYTES + 1, 2 * DEFAULT_MAX_BODY_BYTES + 2, 10**12, 10**30]
)
def test_an_oversized_content_length_is_413_before_the_body_is_sent(
    hostile: ReferenceServer, declared: int
) -> None:
    """A truthful Content-Length far over the body limit is refused 413 from the headers alone."""
    head = b"\r\n".join(
        [
            b"PUT %s/%d HTTP/1.1" % (CONTACTS_PATH.encode(), TARGET_CONTACT),
            b"Host: localhost",
            authorization(hostile),
            b"Content-Length: %d" % declared,
        ]
    )
    answers = exchange(hostile, head + b"\r\n\r\n")
    assert [answer.status for answer in answers] == [413]
    assert error_of(answers[0]) == f"the body is over the limit of {DEFAULT_MAX_BODY_BYTES} bytes"
    assert_still_serves(hostile)


def test_a_body_of_exactly_the_limit_is_read(hostile: ReferenceServer) -> None:
    body = b'{"name": "%s"}' % (b"x" * (DEFAULT_MAX_BODY_BYTES - 12))
    assert len(body) == DEFAULT_MAX_BODY_BYTES
    target = b"%s/%d" % (CONTACTS_PATH.encode(), TARGET_CONTACT)
    put = request(
        b"PUT", target, authorization(hostile), b"Content-Type: application/json", body=body
    )
    assert [answer.status for answer in exchange(hostile, put)] == [200]


def test_an_endless_chunked_body_is_cut_off_with_413(hostile: ReferenceServer) -> None:
    """A chunked body that never ends is refused 413 and the connection closed past the limit."""
    head = b"\r\n".join(
        [
            b"PUT %s/%d HTTP/1.1" % (CONTACTS_PATH.encode(), TARGET_CONTACT),
            b"Host: localhost",
            authorization(hostile),
            b"Transfer-Encoding: chunked",
        ]
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    sent, answers = stream_until_refused(hostile, head + b"\r\n\r\n", chunk)
    assert [answer.status for answer in answers] == [413]
    assert error_of(answers[0]) == f"the body is over the limit of {DEFAULT_MAX_BODY_BYTES} bytes"
    assert sent < STREAM_BYTES
    assert_still_serves(hostile)


def test_a_content_length_lying_short_cannot_smuggle_an_oversized_body(
    hostile: ReferenceServer,
) -> None:
    """Past a lying Content-Length, the oversized rest is refused as headers and cut off."""
    head = b"\r\n".join(
        [
            b"PUT %s/%d HTTP/1.1" % (CONTACTS_PATH.encode(), TARGET_CONTACT),
            b"Host: localhost",
            authorization(hostile),
            b"Content-Length: 100",
        ]
    )
    before = RestClient(hostile).get(TARGET_CONTACT)
    sent, answers = stream_until_refused(hostile, head + b"\r\n\r\n", b"x" * 65536)
    assert [answer.status for answer in answers] == [400, 431]
    assert rules_of(answers[0]) == ["not_json"]
    assert sent < STREAM_BYTES
    assert RestClient(hostile).get(TARGET_CONTACT) == before
    assert_still_serves(hostile)


# --- slow clients ---------------------------------------------------------------------------


def test_stalled_clients_hold_no_worker_and_are_dropped_after_the_idle_timeout(
    hostile: ReferenceServer,
) -> None:
    """Thrice as many clients as workers stalled mid-request: others served, the stalled dropped."""
    halves = [
        b"PUT %s/%d HTTP/1.1\r\nHost: localhost\r\nAuthor"
        % (CONTACTS_PATH.encode(), CHECK_CONTACT),
        request(
            b"PUT",
            b"%s/%d" % (CONTACTS_PATH.encode(), TARGET_CONTACT),
            authorization(hostile),
            body=b'{"name": "never finished"}',
        )[:-10],
    ]
    stalled = [connect(hostile) for _ in range(3 * DEFAULT_THREADS)]
    try:
        for number, sock in enumerate(stalled):
            sock.sendall(halves[number % len(halves)])
        started = time.monotonic()
        assert_still_serves(hostile)
        assert time.monotonic() - started < IDLE_TIMEOUT_SECONDS  # before any was dropped
        for sock in stalled:
            assert read_answers(sock) == []
        dropped_after = time.monotonic() - started
    finally:
        for sock in stalled:
            sock.close()
    # Dropped once idle for the timeout, after waitress's one-second check; a loaded
    # machine may take some seconds more to get round to it.
    assert IDLE_TIMEOUT_SECONDS - 0.5 < dropped_after < IDLE_TIMEOUT_SECONDS + 10
    assert RestClient(hostile).get(TARGET_CONTACT)["name"] != "never finished"
    assert_still_serves(hostile)


def test_a_request_sent_a_byte_at_a_time_is_served_and_holds_up_no_one(
    hostile: ReferenceServer,
) -> None:
    """Sent a byte at a time for longer than the idle timeout, an update is served; others too."""
    value = f"dribbled {secrets.token_hex(8)}"
    data = request(
        b"PUT",
        b"%s/%d" % (CONTACTS_PATH.encode(), DRIBBLE_CONTACT),
        authorization(hostile),
        body=json.dumps({"name": value}).encode(),
    )
    gap = 1.5 * IDLE_TIMEOUT_SECONDS / len(data)
    slowest_other = 0.0
    with connect(hostile) as sock:
        for index in range(len(data)):
            sock.sendall(data[index : index + 1])
            if index % 40 == 0:
                started = time.monotonic()
                assert_still_serves(hostile)
                slowest_other = max(slowest_other, time.monotonic() - started)
            time.sleep(gap)
        answers = read_answers(sock)
    assert [answer.status for answer in answers] == [200]
    assert RestClient(hostile).get(DRIBBLE_CONTACT)["name"] == value
    # Nobody waited for the dribble to end (it takes 1.5 idle timeouts).
    assert slowest_other < IDLE_TIMEOUT_SECONDS


# --- floods of unknown keys, and bodies the server cannot read ----------------------------

FLOOD = {f"f{i:05d}": i for i in range(50_000)}  # 50,000 unknown keys, some 840 KB


def test_a_flood_of_unknown_keys_gets_a_hundred_violations_and_a_count(
    hostile: ReferenceServer,
) -> None:
    """Each unknown key would get its own "did you mean": the answer lists the first 100
    and counts the rest (the time bound is benchmarks/floods.py's)."""
    rest = RestClient(hostile)
    body = json.dumps({**FLOOD, "nmae": "Ada"}).encode()
    assert len(body) < DEFAULT_MAX_BODY_BYTES
    answer = rest.session.put(rest.url(TARGET_CONTACT), data=body, timeout=ANSWER_SECONDS)
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert len(errors) == 101
    assert all(error["rule"] == "unknown" for error in errors[:100])
    assert errors[100] == {
        "property": None,
        "rule": "truncated",
        "message": "and 49,901 more violations, not listed: the first 100 are (rule: truncated)",
    }
    assert len(answer.content) < 20_000
    # Over XML-RPC, the same (XML is wordier: 10,000 keys make some 700 KB).
    with pytest.raises(xmlrpc.client.Fault) as caught:
        XMLRPCClient(hostile).update(TARGET_CONTACT, dict(list(FLOOD.items())[:10_000]))
    assert caught.value.faultCode == 400
    assert caught.value.faultString.count("is not a contact property") == 100
    assert "and 9,900 more violations, not listed" in caught.value.faultString


def test_a_flood_of_unknown_keys_is_dropped_by_an_ignoring_server(
    ignoring_server: ReferenceServer,
) -> None:
    rest = RestClient(ignoring_server)
    body = json.dumps({**FLOOD, "city": "Oslo"}).encode()
    answer = rest.session.put(rest.url(TARGET_CONTACT), data=body, timeout=ANSWER_SECONDS)
    assert answer.status_code == 200, answer.text[:300]
    assert rest.get(TARGET_CONTACT)["city"] == "Oslo"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-unknown, gzip"])
def test_a_body_in_an_encoding_the_server_does_not_read_is_415(
    hostile: ReferenceServer, encoding: str
) -> None:
    target = b"%s/%d" % (CONTACTS_PATH.encode(), TARGET_CONTACT)
    body = gzip.compress(b'{"name": "Ada"}')
    for path in (target, XMLRPC_PATH.encode()):
        method = b"PUT" if path == target else b"POST"
        sent = request(
            method,
            path,
            authorization(hostile),
            b"Content-Encoding: " + encoding.encode(),
            body=body,
        )
        answers = exchange(hostile, sent)
        assert [answer.status for answer in answers] == [415]
        assert "is not supported; send the body unencoded" in error_of(answers[0])
    identity = request(
        b"PUT",
        target,
        authorization(hostile),
        b"Content-Encoding: identity",
        body=b'{"name": "Ada"}',
    )
    assert [answer.status for answer in exchange(hostile, identity)] == [200]


# --- entity expansion -----------------------------------------------------------------------


def _with_doctype(doctype: str, document: str) -> bytes:
    """*document* with *doctype* between its XML declaration and its root element."""
    declaration, root = document.split("?>", 1)
    return f"{declaration}?>{doctype}{root}".encode()


def _parameter_entity_laughs() -> str:
    """Ten levels of parameter entities, each ten of the one below, behind one general entity."""
    levels = ['<!ENTITY % p0 "lol">']
    for level in range(1, 10):
        levels.append(f'<!ENTITY % p{level} "{f"%p{level - 1};" * 10}">')
    return f'<!DOCTYPE m [{"".join(levels)}<!ENTITY x "%p9;">]>'


# BILLION_LAUGHS itself is tested in test_server_xmlrpc; these reach the same expansion
# by other roads.
ENTITY_BOMBS = {
    "billion laughs in UTF-16": BILLION_LAUGHS.decode()
    .replace('version="1.0"?>', 'version="1.0" encoding="utf-16"?>')
    .encode("utf-16"),
    "parameter entities": _with_doctype(_parameter_entity_laughs(), _update_document(value="&x;")),
    "quadratic blowup": _with_doctype(
        f'<!DOCTYPE m [<!ENTITY a "{"a" * 50_000}">]>', _update_document(value="&a;" * 20_000)
    ),
}


@pytest.mark.parametrize("body", ENTITY_BOMBS.values(), ids=ENTITY_BOMBS.keys())
def test_entity_expansion_is_refused_without_expanding(
    hostile: ReferenceServer, body: bytes
) -> None:
    """Entity bombs in another encoding, through parameter entities or by sheer width are -32700."""
    before = RestClient(hostile).get(TARGET_CONTACT)
    code, message = fault_of(post_xml(hostile, body))
    assert (code, "DOCTYPE" in message) == (FAULT_PARSE_ERROR, True)
    assert RestClient(hostile).get(TARGET_CONTACT) == before
    assert_still_serves(hostile)


# --- sustained mixed load -------------------------------------------------------------------

LOAD_SECONDS = 30 if THOROUGH else 15  # the full half minute under the thorough profile
WARM_UP_SECONDS = 5
LOAD_CLIENTS = 8
RSS_GROWTH_LIMIT = 10 * 1024 * 1024
LOAD_API_KEY = "load-test-key"
UNKNOWN_ID = 10**9
NOT_JSON = [b"name=Ada", b'{"name": ', b'{"name": "\xff"}', b"\xfe\xff\x00{", b""]
NOT_XML = [b"name=Ada", b"<methodCall>", call("system.listMethods").encode() + b"\xc3", b""]


@dataclass(frozen=True)
class Payloads:
    """What the load test's clients send, drawn once before the clock starts."""

    rest_valid: list[dict[str, Any]]
    xmlrpc_valid: list[dict[str, Any]]
    rest_invalid: list[InvalidCase]
    xmlrpc_invalid: list[InvalidCase]


def rss_bytes(pid: int) -> int:
    """The resident set size of process *pid*, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"/proc/{pid}/status has no VmRSS line")


def _answer(response: requests.Response) -> str:
    """An answer as the load test compares it: the status, or an XML-RPC result or fault."""
    if response.status_code != 200 or "xml" not in response.headers.get("Content-Type", ""):
        return str(response.status_code)
    try:
        (result,), _ = xmlrpc.client.loads(response.content)
    except xmlrpc.client.Fault as fault:
        return f"fault {fault.faultCode}"
    return f"result {result!r}"


class LoadClient:
    """A load test client: owns one contact, mixes good and bad requests, checks every answer."""

    def __init__(self, url: str, contact_id: int, payloads: Payloads, seed: int) -> None:
        self.url = url
        self.contact_id = contact_id
        self.payloads = payloads
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.session.auth = ("admin", LOAD_API_KEY)
        self.requests = 0
        self.accepted_updates = 0
        self.server_errors = 0
        self.wrong_answers: list[str] = []
        self.lost_updates: list[str] = []
        self.last_accepted: dict[str, Any] = {}

    def run(self, until: float) -> LoadClient:
        """Send requests until the monotonic clock reaches *until*."""
        actions: list[Callable[[], None]] = [
            self._rest_valid,
            self._rest_valid,
            self._xmlrpc_valid,
            self._xmlrpc_valid,
            self._rest_invalid,
            self._xmlrpc_invalid,
            self._malformed,
            self._wrong_credentials,
            self._unknown_id,
        ]
        self.last_accepted = self.read_back()
        while time.monotonic() < until:
            self.rng.choice(actions)()
        return self

    def read_back(self) -> dict[str, Any]:
        """The contact as the server holds it now."""
        response = self._send("GET", f"{CONTACTS_PATH}/{self.contact_id}", expect="200")
        contact: dict[str, Any] = response.json()
        return contact

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        expect: str,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        self.requests += 1
        response = self.session.request(method, self.url + path, data=body, auth=auth, timeout=30)
        if response.status_code >= 500:
            self.server_errors += 1
        answer = _answer(response)
        if answer != expect:
            self.wrong_answers.append(f"{method} {path} {body!r:.80}: {answer}, not {expect}")
        return response

    def _put(self, payload: Any, *, expect: str, contact_id: int | None = None) -> bool:
        path = f"{CONTACTS_PATH}/{contact_id or self.contact_id}"
        response = self._send("PUT", path, json.dumps(payload).encode(), expect=expect)
        return _answer(response) == expect

    def _xmlrpc(self, method: str, params: tuple[Any, ...], *, expect: str) -> bool:
        body = xmlrpc.client.dumps(params, method, allow_none=True).encode()
        return _answer(self._send("POST", XMLRPC_PATH, body, expect=expect)) == expect

    def _accept(self, payload: dict[str, Any]) -> None:
        """Remember an accepted update and check it reads back, with everything before it."""
        self.accepted_updates += 1
        self.last_accepted = {**self.last_accepted, **payload}
        contact = self.read_back()
        if contact != self.last_accepted:
            changed = sorted(k for k in contact if contact[k] != self.last_accepted.get(k))
            self.lost_updates.append(f"contact {self.contact_id}: {changed} read back otherwise")

    def _rest_valid(self) -> None:
        payload = self.rng.choice(self.payloads.rest_valid)
        if self._put(payload, expect="200"):
            self._accept(payload)

    def _xmlrpc_valid(self) -> None:
        payload = self.rng.choice(self.payloads.xmlrpc_valid)
        update = (self.contact_id, payload)
        if self._xmlrpc("contacts.UpdateContact", update, expect=f"result {self.contact_id}"):
            self._accept(payload)

    def _rest_invalid(self) -> None:
        self._put(self.rng.choice(self.payloads.rest_invalid).payload, expect="400")

    def _xmlrpc_invalid(self) -> None:
        case = self.rng.choice(self.payloads.xmlrpc_invalid)
        self._xmlrpc("contacts.UpdateContact", (self.contact_id, case.payload), expect="fault 400")

    def _malformed(self) -> None:
        path = f"{CONTACTS_PATH}/{self.contact_id}"
        self._send("PUT", path, self.rng.choice(NOT_JSON), expect="400")
        expect = f"fault {FAULT_PARSE_ERROR}"
        self._send("POST", XMLRPC_PATH, self.rng.choice(NOT_XML), expect=expect)

    def _wrong_credentials(self) -> None:
        wrong = ("admin", "not-the-key")
        body = json.dumps(self.rng.choice(self.payloads.rest_valid)).encode()
        self._send("PUT", f"{CONTACTS_PATH}/{self.contact_id}", body, expect="401", auth=wrong)
        call_body = xmlrpc.client.dumps((self.contact_id,), "contacts.GetContact").encode()
        self._send("POST", XMLRPC_PATH, call_body, expect="401", auth=wrong)

    def _unknown_id(self) -> None:
        self._put(self.rng.choice(self.payloads.rest_valid), expect="404", contact_id=UNKNOWN_ID)
        self._xmlrpc("contacts.GetContact", (UNKNOWN_ID,), expect="fault 404")


@pytest.mark.long
def test_mixed_load_loses_nothing_and_leaks_nothing(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """8 clients, 15 s of mixed REST/XML-RPC traffic (30 s under the thorough profile):
    no 5xx, no lost update, flat memory.

    Memory is the server process's RSS, sampled after a 5 s warm-up and at the end;
    it may grow by less than 10 MiB.
    """
    payloads = Payloads(
        rest_valid=draw_many(valid_updates("rest"), 100),
        xmlrpc_valid=draw_many(valid_updates("xmlrpc"), 100),
        rest_invalid=draw_many(invalid_updates("rest"), 100),
        xmlrpc_invalid=draw_many(invalid_updates("xmlrpc"), 100),
    )
    database = tmp_path / "contacts.sqlite"
    with serve(
        "--db", str(database), "--contacts", str(LOAD_CLIENTS), api_key=LOAD_API_KEY
    ) as served:
        pid = served.process.pid
        clients = [
            LoadClient(served.url, contact_id, payloads, seed=contact_id)
            for contact_id in range(1, LOAD_CLIENTS + 1)
        ]
        started = time.monotonic()
        with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
            running = [pool.submit(client.run, started + LOAD_SECONDS) for client in clients]
            time.sleep(WARM_UP_SECONDS)
            rss_warm = rss_bytes(pid)
            finished = [future.result() for future in running]
        rss_end = rss_bytes(pid)
        final = {client.contact_id: client.read_back() for client in finished}
        for client in finished:
            client.session.close()
        code, _, errors = served.stop()

    server_errors = sum(client.server_errors for client in finished)
    record_property("requests", sum(client.requests for client in finished))
    record_property("accepted_updates", sum(client.accepted_updates for client in finished))
    record_property("server_errors", server_errors)
    record_property("rss_after_warm_up", rss_warm)
    record_property("rss_at_end", rss_end)
    assert server_errors == 0
    assert [answer for client in finished for answer in client.wrong_answers] == []
    assert [lost for client in finished for lost in client.lost_updates] == []
    assert all(client.accepted_updates > 0 for client in finished)
    assert final == {client.contact_id: client.last_accepted for client in finished}
    assert rss_end - rss_warm < RSS_GROWTH_LIMIT, (rss_warm, rss_end)
    assert (code, "Traceback" in errors) == (0, False), errors
