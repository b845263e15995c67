"""XML-RPC: ``contacts.UpdateContact`` and ``contacts.GetContact`` as calls to the contact service.

Fault codes (the answer is HTTP 200 with a ``<fault>``, as XML-RPC wants):

====== ==============================================================
400    the properties break the contract (every violation listed)
404    no contact has this id (also for ids of 0 or below)
406    the contact holds text XML 1.0 cannot carry; read it over REST
-32700 the body is not well-formed XML, or declares a DOCTYPE/entities
-32600 well-formed XML that is not an XML-RPC ``methodCall``
-32601 no such method
-32602 wrong number or types of parameters (``id`` must be an int)
-32603 an internal error (HTTP 500)
====== ==============================================================

Missing or wrong credentials are refused at the HTTP level (401), before any XML is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contract.core.api import GET_METHOD, UPDATE_METHOD
from contract.core.violations import PayloadError
from contract.errors import ContractError
from contract.server.http_io import XML_TYPE, Response
from contract.server.service import ContactService
from contract.server.updates import NotFound, Rejected
from contract.server.xmlrpc_codec import (
    UnrepresentableError,
    XMLRPCParseError,
    XMLRPCRequestError,
    dump_fault,
    dump_response,
    parse_method_call,
    xmlrpc_type,
)

FAULT_INVALID_PROPERTIES = 400
FAULT_NOT_FOUND = 404
FAULT_UNREPRESENTABLE = 406
FAULT_PARSE_ERROR = -32700
FAULT_INVALID_REQUEST = -32600
FAULT_METHOD_NOT_FOUND = -32601
FAULT_INVALID_PARAMS = -32602
FAULT_INTERNAL_ERROR = -32603

LIST_METHOD = "system.listMethods"


class XMLRPCFault(ContractError):
    """A fault to answer with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def fault_response(code: int, message: str, status: int = 200) -> Response:
    """An XML-RPC fault answer."""
    return Response(status, dump_fault(code, message), XML_TYPE)


def _contact_id(params: tuple[Any, ...], count: int, signature: str) -> int:
    if len(params) != count:
        raise XMLRPCFault(
            FAULT_INVALID_PARAMS, f"{signature} takes {count} parameter(s), got {len(params)}"
        )
    contact_id = params[0]
    if type(contact_id) is not int:
        kind = xmlrpc_type(contact_id)
        raise XMLRPCFault(FAULT_INVALID_PARAMS, f"{signature}: id must be an <int>, got {kind}")
    return contact_id


def _not_found(contact_id: int) -> XMLRPCFault:
    return XMLRPCFault(FAULT_NOT_FOUND, f"no contact has id {contact_id}")


class XMLRPCEndpoint:
    """Answers XML-RPC method calls for one contact service."""

    def __init__(self, service: ContactService) -> None:
        self.service = service
        self._methods: dict[str, Callable[[tuple[Any, ...]], Any]] = {
            UPDATE_METHOD: self._update_contact,
            GET_METHOD: self._get_contact,
            LIST_METHOD: self._list_methods,
        }

    def respond(self, body: bytes) -> Response:
        """The answer to one XML-RPC request body."""
        try:
            method, params = parse_method_call(body)
            handler = self._methods.get(method)
            if handler is None:
                raise XMLRPCFault(
                    FAULT_METHOD_NOT_FOUND, f"no method {method!r}; see {LIST_METHOD}"
                )
            result = handler(params)
        except XMLRPCFault as fault:
            return fault_response(fault.code, fault.message)
        except XMLRPCParseError as error:
            return fault_response(FAULT_PARSE_ERROR, str(error))
        except XMLRPCRequestError as error:
            return fault_response(FAULT_INVALID_REQUEST, str(error))
        try:
            return Response(200, dump_response(result), XML_TYPE)
        except UnrepresentableError as error:
            return fault_response(FAULT_UNREPRESENTABLE, f"{error}; read this contact over REST")

    def _update_contact(self, params: tuple[Any, ...]) -> int:
        contact_id = _contact_id(params, 2, "UpdateContact(int id, struct properties)")
        outcome = self.service.update(contact_id, params[1], "xmlrpc")
        if isinstance(outcome, NotFound):
            raise _not_found(contact_id)
        if isinstance(outcome, Rejected):
            raise XMLRPCFault(FAULT_INVALID_PROPERTIES, str(PayloadError(outcome.violations)))
        return outcome.contact_id

    def _get_contact(self, params: tuple[Any, ...]) -> dict[str, Any]:
        contact_id = _contact_id(params, 1, "GetContact(int id)")
        contact = self.service.get(contact_id)
        if contact is None:
            raise _not_found(contact_id)
        return contact

    def _list_methods(self, params: tuple[Any, ...]) -> list[str]:
        return sorted(self._methods)
