"""The reference server as a plain WSGI application: routing, authentication, limits, safety net."""

from __future__ import annotations

import base64
import logging
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from contract.server.auth import CHALLENGE, BasicAuth
from contract.server.http_io import BodyTooLargeError, Response, error_response, read_body
from contract.server.options import ServerOptions
from contract.server.rest import (
    CONTACT_METHODS,
    CONTACT_PATH,
    contact_not_found,
    get_contact,
    parse_contact_id,
    put_contact,
)
from contract.server.service import ContactService
from contract.server.steps import PlantedAnswer, replace_steps
from contract.server.xmlrpc import FAULT_INTERNAL_ERROR, XMLRPCEndpoint, fault_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger("contract.server")


class ReferenceApp:
    """The WSGI application of the reference server; usable in process or behind any WSGI server."""

    def __init__(self, service: ContactService, options: ServerOptions, api_key: str) -> None:
        self.service = service
        self.xmlrpc = XMLRPCEndpoint(service)
        self.xmlrpc_path = options.xmlrpc_path
        self.max_body_bytes = options.max_body_bytes
        self.latency = options.latency_ms / 1000
        self._auth = BasicAuth(options.user, api_key)
        # What a log line must never show: the key, alone or inside a Basic header.
        basic = base64.b64encode(f"{options.user}:{api_key}".encode()).decode("ascii")
        self._secrets = (api_key, basic)
        replace_steps(self, options.overrides())

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request; every failure becomes an HTTP answer, never an exception."""
        if self.latency:
            time.sleep(self.latency)
        try:
            response = self._respond(environ)
        except PlantedAnswer as planted:
            response = self._planted(environ, planted)
        except Exception as error:
            self._log_bug(environ, error)
            response = self._internal_error(environ)
        start_response(response.status_line, response.header_list())
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]
        return [response.body]

    def _respond(self, environ: Mapping[str, Any]) -> Response:
        method = str(environ.get("REQUEST_METHOD", ""))
        path = str(environ.get("PATH_INFO", ""))
        if path == self.xmlrpc_path:
            return self.xmlrpc_answer(self._xmlrpc(environ, method))
        match = CONTACT_PATH.fullmatch(path)
        if match is None:
            return error_response(404, "no such resource; contacts are at /api/2.0/contacts/{id}")
        return self.rest_answer(method, match["id"], self._contact(environ, method, match["id"]))

    def _contact(self, environ: Mapping[str, Any], method: str, path_id: str) -> Response:
        if method not in CONTACT_METHODS:
            return _method_not_allowed(method, CONTACT_METHODS)
        if not self.authorised(environ.get("HTTP_AUTHORIZATION")):
            return _unauthorized()
        contact_id = parse_contact_id(path_id)
        if contact_id is None:
            return contact_not_found(None)
        if method == "PUT":
            unreadable = _unsupported_encoding(environ)
            if unreadable is not None:
                return unreadable
            try:
                body = read_body(environ, self.max_body_bytes)
            except BodyTooLargeError:
                return self._too_large()
            return put_contact(self.service, contact_id, body)
        return get_contact(self.service, contact_id)

    def _xmlrpc(self, environ: Mapping[str, Any], method: str) -> Response:
        if method != "POST":
            return _method_not_allowed(method, ("POST",))
        if not self.authorised(environ.get("HTTP_AUTHORIZATION")):
            return _unauthorized()
        unreadable = _unsupported_encoding(environ)
        if unreadable is not None:
            return unreadable
        try:
            body = read_body(environ, self.max_body_bytes)
        except BodyTooLargeError:
            return self._too_large()
        return self.xmlrpc.respond(body)

    # --- the steps a planted fault may replace -------------------------------------------

    def authorised(self, header: str | None) -> bool:
        """True when the ``Authorization`` header signs in as the server's user."""
        return self._auth.allows(header)

    def rest_answer(self, method: str, path_id: str, response: Response) -> Response:
        """The answer to a *method* request on the contact path with *path_id*, as sent."""
        return response

    def xmlrpc_answer(self, response: Response) -> Response:
        """The answer to a request on the XML-RPC path, as sent."""
        return response

    # ------------------------------------------------------------------------------------

    def _planted(self, environ: Mapping[str, Any], answer: PlantedAnswer) -> Response:
        if answer.status >= 500:
            # The same answer as a real crash, so the fault looks like one from outside.
            return self._internal_error(environ)
        if environ.get("PATH_INFO") == self.xmlrpc_path:
            return fault_response(answer.status, answer.message)
        return error_response(answer.status, answer.message)

    def _too_large(self) -> Response:
        return error_response(413, f"the body is over the limit of {self.max_body_bytes} bytes")

    def _internal_error(self, environ: Mapping[str, Any]) -> Response:
        if environ.get("PATH_INFO") == self.xmlrpc_path:
            return fault_response(FAULT_INTERNAL_ERROR, "internal server error", status=500)
        return error_response(500, "internal server error")

    def _log_bug(self, environ: Mapping[str, Any], error: Exception) -> None:
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        # repr() keeps a hostile method or path from forging log lines.
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        text = f"internal error answering {method!r} {path!r} (answered 500):\n{trace}"
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        logger.error("%s", text)


def _method_not_allowed(method: str, allowed: Iterable[str]) -> Response:
    allow = ", ".join(allowed)
    return error_response(
        405, f"method {method!r} is not allowed here; use {allow}", [("Allow", allow)]
    )


def _unsupported_encoding(environ: Mapping[str, Any]) -> Response | None:
    """415 for a body sent compressed (or otherwise encoded): the server reads only the
    body as it is, and must not judge bytes it cannot read as a payload."""
    encoding = str(environ.get("HTTP_CONTENT_ENCODING", "")).strip().lower()
    if encoding in ("", "identity"):
        return None
    return error_response(
        415,
        f"Content-Encoding {encoding[:40]!r} is not supported; send the body unencoded",
        [("Accept-Encoding", "identity")],
    )


def _unauthorized() -> Response:
    return error_response(
        401,
        "Basic authentication with username:apikey is required",
        [("WWW-Authenticate", CHALLENGE)],
    )
