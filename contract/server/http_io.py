"""Answers as data, and reading a request body within the size limit."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from contract.core.violations import Violation
from contract.errors import ContractError

JSON_TYPE = "application/json"
XML_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class Response:
    """One complete answer: status, body and headers (Content-Type and Content-Length added)."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = field(default=())

    @property
    def status_line(self) -> str:
        """``200 OK`` and alike, as WSGI's ``start_response`` wants it."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def header_list(self) -> list[tuple[str, str]]:
        """Every header of the answer."""
        return [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            *self.headers,
        ]


def json_response(status: int, data: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON answer; non-ASCII is escaped so any text, lone surrogates included, can be sent."""
    return Response(status, json.dumps(data).encode("ascii"), JSON_TYPE, tuple(headers))


def error_response(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON error answer ``{"error": {"status": ..., "message": ...}}``."""
    return json_response(status, {"error": {"status": status, "message": message}}, headers)


def violations_response(violations: Iterable[Violation], status: int = 400) -> Response:
    """A refusal (400 by default) listing every violation as the core's ``Violation`` data."""
    return json_response(status, {"errors": [violation.to_dict() for violation in violations]})


class BodyTooLargeError(ContractError):
    """The request body is over the server's limit."""


def read_body(environ: Mapping[str, Any], limit: int) -> bytes:
    """The request body, at most *limit* bytes; raises :class:`BodyTooLargeError` beyond it."""
    stream = environ["wsgi.input"]
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        # The server has already refused malformed lengths; anything odd that still
        # gets here is read as "no body" rather than trusted.
        length = int(declared) if declared.isdigit() and declared.isascii() else 0
        if length > limit:
            raise BodyTooLargeError
        return bytes(stream.read(length)) if length else b""
    if environ.get("wsgi.input_terminated"):
        # A chunked body the server has de-chunked: read one byte past the limit to see it.
        body = bytes(stream.read(limit + 1))
        if len(body) > limit:
            raise BodyTooLargeError
        return body
    return b""
