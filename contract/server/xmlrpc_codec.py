"""XML-RPC on the wire: a safe reader of method calls and an exact writer of answers.

The reader is the standard library's ``xmlrpc.client.Unmarshaller`` fed by an expat
parser that refuses DOCTYPE and entity declarations, so no entity expansion (the
"billion laughs") or external entity can happen. The writer is ours because the
standard one refuses integers beyond 32 bits and lets carriage returns turn into
line feeds on the way.
"""

from __future__ import annotations

import base64
import re
import xmlrpc.client
from collections.abc import Mapping, Sequence
from typing import Any
from xml.parsers import expat

from contract.core.violations import name_type
from contract.errors import ContractError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class XMLRPCParseError(ContractError, ValueError):
    """The body is not well-formed XML, or declares a DOCTYPE or entities."""


class XMLRPCRequestError(ContractError, ValueError):
    """Well-formed XML that is not an XML-RPC method call."""


class UnrepresentableError(ContractError, ValueError):
    """A value XML-RPC cannot carry (text with characters XML 1.0 forbids)."""


class XmlRpcOnly:
    """A value of an XML-RPC type JSON has none of (``<base64>``, ``<dateTime.iso8601>``):
    no property takes one, and a message shows it as it came, not as a Python object."""

    def __init__(self, tag: str, text: str) -> None:
        self.tag = tag
        self.text = text

    def __repr__(self) -> str:
        return f"<{self.tag}>{self.text}</{self.tag}>"


name_type(XmlRpcOnly, "an XML-RPC value of no JSON type")

_TAGS: dict[type, str] = {
    bool: "boolean",
    int: "int",
    float: "double",
    str: "string",
    list: "array",
    dict: "struct",
    type(None): "nil",
}


def xmlrpc_type(value: object) -> str:
    """The XML-RPC element a parsed *value* came as: ``<int>``, ``<struct>``…"""
    tag = value.tag if isinstance(value, XmlRpcOnly) else _TAGS.get(type(value), "value")
    return f"<{tag}>"


def _shown_as_sent(value: Any) -> Any:
    """*value* with every ``<base64>`` and ``<dateTime.iso8601>`` as :class:`XmlRpcOnly`:
    the unmarshaller's own objects repr as ``<xmlrpc.client.Binary object at 0x…>``."""
    if isinstance(value, xmlrpc.client.Binary):
        return XmlRpcOnly("base64", base64.b64encode(value.data).decode("ascii"))
    if isinstance(value, xmlrpc.client.DateTime):
        return XmlRpcOnly("dateTime.iso8601", value.value)
    if isinstance(value, list):
        return [_shown_as_sent(item) for item in value]
    if isinstance(value, dict):
        return {key: _shown_as_sent(item) for key, item in value.items()}
    return value


def _refuse_declarations(*_: object) -> None:
    raise XMLRPCParseError("DOCTYPE and entity declarations are not accepted")


def parse_method_call(body: bytes) -> tuple[str, tuple[Any, ...]]:
    """The method name and parameters of an XML-RPC ``methodCall`` document."""
    unmarshaller = xmlrpc.client.Unmarshaller()
    # encoding=None: expat already hands out str, which must not be decoded again.
    unmarshaller.xml(None, None)  # type: ignore[arg-type]
    parser = expat.ParserCreate(None, None)
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    parser.UnparsedEntityDeclHandler = _refuse_declarations
    parser.ExternalEntityRefHandler = _refuse_declarations  # type: ignore[assignment]
    root_started = False

    def start_root(tag: str, attributes: dict[str, str]) -> None:
        # Notes that the unmarshaller has begun, then hands every element over to it.
        nonlocal root_started
        root_started = True
        parser.StartElementHandler = unmarshaller.start
        unmarshaller.start(tag, attributes)

    parser.StartElementHandler = start_root
    parser.EndElementHandler = unmarshaller.end
    parser.CharacterDataHandler = unmarshaller.data
    try:
        parser.Parse(body, True)
    except expat.ExpatError as error:
        raise XMLRPCParseError(f"not well-formed XML: {error}") from None
    except XMLRPCParseError:
        raise
    except Exception:
        if not root_started:
            # Before the root element only expat runs, so this is expat failing to read
            # the declared encoding (unknown, multi-byte, or not a text codec at all).
            raise XMLRPCParseError(
                "not well-formed XML: cannot read the declared encoding"
            ) from None
        # The unmarshaller raises whatever its conversions raise (bad <int>, <boolean>,
        # unknown tags, a value out of place); all of it means "not valid XML-RPC". Its
        # own words name Python's internals, so the place is given instead.
        line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        raise XMLRPCRequestError(
            f"not a valid XML-RPC document: an element at line {line}, column {column} "
            "holds what its type cannot (such as <int>x</int>) or stands where XML-RPC "
            "has no place for it"
        ) from None
    try:
        params = unmarshaller.close()
    except Exception:
        raise XMLRPCRequestError("not a complete XML-RPC methodCall") from None
    method = unmarshaller.getmethodname()
    if not isinstance(method, str):
        raise XMLRPCRequestError("not an XML-RPC methodCall: no methodName")
    try:
        return method, tuple(_shown_as_sent(param) for param in params)
    except RecursionError:
        # The unmarshaller reads any depth; a value this deep is no contact's.
        raise XMLRPCRequestError("not a valid XML-RPC call: a value nested too deep") from None


def _escape(text: str) -> str:
    if _NOT_XML.search(text):
        raise UnrepresentableError("text holds characters XML 1.0 cannot carry")
    # A raw CR would come back as LF from any XML parser; a character reference keeps it.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _write_value(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("<value><nil/></value>")
    elif type(value) is bool:
        out.append(f"<value><boolean>{int(value)}</boolean></value>")
    elif type(value) is int:
        # <int> is 32-bit; <i8> carries the rest (readers such as Python's take any size).
        tag = "int" if INT32_MIN <= value <= INT32_MAX else "i8"
        out.append(f"<value><{tag}>{value}</{tag}></value>")
    elif type(value) is float:
        out.append(f"<value><double>{value!r}</double></value>")
    elif type(value) is str:
        out.append(f"<value><string>{_escape(value)}</string></value>")
    elif isinstance(value, Mapping):
        out.append("<value><struct>")
        for key, item in value.items():
            out.append(f"<member><name>{_escape(str(key))}</name>")
            _write_value(item, out)
            out.append("</member>")
        out.append("</struct></value>")
    elif isinstance(value, Sequence):
        out.append("<value><array><data>")
        for item in value:
            _write_value(item, out)
        out.append("</data></array></value>")
    else:
        raise UnrepresentableError(f"XML-RPC has no type for {type(value).__name__}")


def dump_response(value: Any) -> bytes:
    """A ``methodResponse`` carrying *value*; :class:`UnrepresentableError` when it cannot."""
    out = ["<?xml version='1.0'?>\n<methodResponse><params><param>"]
    _write_value(value, out)
    out.append("</param></params></methodResponse>\n")
    return "".join(out).encode("utf-8")


def dump_fault(code: int, message: str) -> bytes:
    """A ``methodResponse`` carrying a fault; characters XML cannot carry become U+FFFD."""
    out = ["<?xml version='1.0'?>\n<methodResponse><fault>"]
    _write_value({"faultCode": code, "faultString": _NOT_XML.sub("\ufffd", message)}, out)
    out.append("</fault></methodResponse>\n")
    return "".join(out).encode("utf-8")
