"""What was sent to an install and what came back, as data: the request without its
credentials, the answer classified the way the contract reads it, and the exchange as it
went on the wire."""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from contract.core.api import DEFAULT_USER
from contract.core.transports import Transport
from contract.exchange.endpoint import KEY_VARIABLE


@dataclass(frozen=True)
class SentRequest:
    """A request as it went out, without its credentials.

    ``sign_in`` says how it signed in, secret-free: ``None`` for no credentials, else
    ``(user, key)``: the user as it was sent (a user name is no secret), and for the key
    ``$CONTRACT_API_KEY`` when it was the run's own; a wrong key is always shown as
    ``wrong-api-key``.
    """

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    rpc_call: tuple[str, tuple[Any, ...]] | None = None
    sign_in: tuple[str, str] | None = (DEFAULT_USER, f"${KEY_VARIABLE}")
    scheme: str = "Basic"
    """The HTTP authentication scheme *sign_in* went under."""
    authorization: str | None = None
    """An ``Authorization`` header sent as written, in place of *sign_in* (it holds no
    secret: the run writes one only with a wrong token)."""


@dataclass(frozen=True)
class Answer:
    """What an install answered to one update, classified the way the contract reads it."""

    transport: Transport
    sent: SentRequest
    status: int
    content_type: str
    body: bytes
    value: Any = None
    fault: tuple[int, str] | None = None
    malformed: str | None = None

    @property
    def accepted(self) -> bool:
        """The update was taken: 200, and over XML-RPC no fault."""
        return self.status == 200 and self.fault is None

    @property
    def rejected(self) -> bool:
        """The update was refused: a 4xx, or an XML-RPC fault."""
        return 400 <= self.status < 500 or (self.status == 200 and self.fault is not None)

    @property
    def server_error(self) -> bool:
        """The install failed: a 5xx."""
        return self.status >= 500

    @property
    def returned_id(self) -> int | None:
        """The integer id an accepted update answered with, if it is one."""
        value = self.value
        return value if type(value) is int and self.malformed is None else None

    def summary(self) -> str:
        """One line: the status and what the body held."""
        if self.fault is not None:
            return f"HTTP {self.status}, XML-RPC fault {self.fault[0]}: {self.fault[1][:200]}"
        if self.malformed is not None:
            return (
                f"HTTP {self.status} ({self.content_type or 'no content type'}): {self.malformed}"
            )
        return f"HTTP {self.status} ({self.content_type or 'no content type'}): {self.value!r}"[
            :300
        ]


ExchangeError = Literal["timeout", "connection", "unreachable"]
"""Why an exchange has no answer: ``timeout``, none came in time; ``connection``, the
connection was dropped or reset (both retried); ``unreachable``, no connection could be
opened (refused, timed out, a name that does not resolve, TLS) or the answer was not
HTTP: not retried."""


@dataclass(frozen=True)
class Exchange:
    """One request as it went on the wire, and its answer or why there was none.

    ``request_headers`` are the ones sent, credentials included: whoever keeps an exchange
    must redact it first (see :mod:`contract.recording`).
    """

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    error: ExchangeError | None = None
    attempt: int = 1
    """1 for a request's first sending, 2 for its first retry after a network error, …"""


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "")


def rest_answer(sent: SentRequest, response: requests.Response, raw: bytes) -> Answer:
    """The REST answer to *sent*: its status, and the JSON id it should hold."""
    content_type = _content_type(response)
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return Answer(
            "rest", sent, response.status_code, content_type, raw, malformed="the body is not JSON"
        )
    malformed = None
    if response.status_code == 200:
        if content_type.split(";")[0].strip().lower() != "application/json":
            malformed = f"the content type is {content_type or 'missing'}, not application/json"
        elif type(value) is not int:
            malformed = f"the body is {value!r:.80}, not a JSON integer"
    return Answer(
        "rest", sent, response.status_code, content_type, raw, value=value, malformed=malformed
    )


# The XML-RPC specification's integer: <i8> and other extensions are not what its clients
# all read (Apache XML-RPC refuses an unknown type).
_INT_TAGS = frozenset({"int", "i4"})
_STRING_TAGS = frozenset({"string", None})  # a value without a type is a string


def _typed(value: ET.Element | None) -> str | None:
    """The type tag of an XML-RPC ``<value>``: ``int``, ``string``…, None for untyped text."""
    children = list(value) if value is not None else []
    return children[0].tag if children else None


def _misspelt(raw: bytes) -> str | None:
    """Why a methodResponse that Python's decoder read is not one every XML-RPC client
    reads: its answer not written as an int, or its fault's members not an int and a
    string; ``None`` when it is well formed."""
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return "the body is not an XML-RPC methodResponse"
    fault = root.find("fault/value/struct")
    if fault is not None:
        members = {
            member.findtext("name"): _typed(member.find("value"))
            for member in fault.findall("member")
        }
        if members.get("faultCode") not in _INT_TAGS:
            return f"the fault's faultCode is written <{members.get('faultCode')}>, not <int>"
        if members.get("faultString", "") not in _STRING_TAGS:
            return (
                f"the fault's faultString is written <{members.get('faultString')}>, not <string>"
            )
        return None
    tag = _typed(root.find("params/param/value"))
    if tag not in _INT_TAGS:
        return f"the id is written <{tag}>, not <int>"
    return None


def xmlrpc_answer(sent: SentRequest, response: requests.Response, raw: bytes) -> Answer:
    """The XML-RPC answer to *sent*: a fault, or the one int it should hold; either
    written as the XML-RPC specification says (an ``<int>``; a fault of an int code and
    a string), or ``malformed``."""
    answer = functools.partial(
        Answer, "xmlrpc", sent, response.status_code, _content_type(response), raw
    )
    if response.status_code != 200:
        return answer()
    try:
        params, _ = xmlrpc.client.loads(raw, use_builtin_types=True)
    except xmlrpc.client.Fault as fault:
        return answer(fault=(fault.faultCode, str(fault.faultString)), malformed=_misspelt(raw))
    except Exception:  # expat and xmlrpc raise several types for a document that is not XML-RPC
        return answer(malformed="the body is not an XML-RPC methodResponse")
    if len(params) != 1 or type(params[0]) is not int:
        return answer(value=params, malformed=f"the response holds {params!r:.80}, not one int")
    return answer(value=params[0], malformed=_misspelt(raw))
