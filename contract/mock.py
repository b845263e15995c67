"""A simulated UpdateContact endpoint for the unit tests of client code that uses ``requests``.

::

    with contract.mock.endpoint("https://crm.example", api_key="k", contacts=3) as api:
        requests.put(api.url + "/api/2.0/contacts/1", json={"name": "Ada"}, auth=("admin", "k"))
        assert api.contacts[1]["name"] == "Ada"

It is the reference server's own WSGI application, run in process: every request that
``requests`` sends to *base_url* is handed to it through ``responses``, so the code under
test gets exactly the answers the reference server gives (200 with the id, 400 with the
violations, 401, 404, 405, 413, XML-RPC faults), over REST and XML-RPC alike.

Requests to any other address are not let through: ``responses`` answers them with a
``requests.ConnectionError``. To answer them too, add responses to ``api.mock``.
"""

from __future__ import annotations

import io
import json
import re
import sys
import xmlrpc.client
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from xml.parsers.expat import ExpatError

import requests
import responses

from contract.core.api import DEFAULT_USER
from contract.core.schema import load_contract
from contract.server.app import ReferenceApp
from contract.server.options import ServerOptions, generate_api_key
from contract.server.runner import build_app
from contract.server.seeding import plausible_contact
from contract.server.store import encode_value

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["Call", "Contacts", "MockEndpoint", "endpoint"]

# Every method is routed to the application, which answers the ones it does not serve with 405.
_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Call:
    """One request the code under test made, without its credentials.

    ``body`` is parsed: the JSON value of a JSON body, ``(params, method_name)`` of an
    XML-RPC call, else the raw bytes (``None`` for no body).
    """

    method: str
    url: str
    body: Any
    status: int


class Contacts(Mapping[int, dict[str, Any]]):
    """The contacts the simulated endpoint holds, read live from its store."""

    def __init__(self, app: ReferenceApp) -> None:
        self._store = app.service.store

    def __getitem__(self, contact_id: int) -> dict[str, Any]:
        contact = self._store.get(contact_id)
        if contact is None:
            raise KeyError(contact_id)
        return contact

    def __iter__(self) -> Iterator[int]:
        return iter(self._store.contact_ids())

    def __len__(self) -> int:
        return len(self._store.contact_ids())


class MockEndpoint:
    """What ``endpoint()`` yields: where the simulated install is and what it saw."""

    def __init__(
        self, url: str, user: str, api_key: str, app: ReferenceApp, mock: responses.RequestsMock
    ) -> None:
        self.url = url
        self.xmlrpc_url = url + app.xmlrpc_path
        self.user = user
        self.api_key = api_key
        self.app = app
        self.mock = mock
        self.contacts = Contacts(app)
        self.calls: list[Call] = []
        self._prefix = urlsplit(url).path

    def __repr__(self) -> str:
        # The key never shows.
        return f"MockEndpoint(url={self.url!r}, user={self.user!r})"

    def _environ(self, request: requests.PreparedRequest, body: bytes) -> WSGIEnvironment:
        parts = urlsplit(request.url or "")
        path = parts.path.removeprefix(self._prefix) or "/"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method or "GET",
            "SCRIPT_NAME": "",
            # WSGI wants the decoded path as latin-1 text.
            "PATH_INFO": unquote(path, encoding="latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "",
            "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(body)) if body else "",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                if key == "CONTENT_TYPE":
                    environ[key] = value
                continue
            environ["HTTP_" + key] = value
        return environ

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, Mapping[str, str], bytes]:
        raw = request.body
        if raw is None:
            body = b""
        elif isinstance(raw, str):
            body = raw.encode("utf-8")
        else:
            body = bytes(raw)
        captured: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        chunks = self.app(self._environ(request, body), start_response)
        answer = b"".join(chunks)
        status_line, headers = captured
        status = int(status_line.split(" ", 1)[0])
        self.calls.append(
            Call(request.method or "GET", request.url or "", _parsed(request, body), status)
        )
        return status, dict(headers), answer


def _parsed(request: requests.PreparedRequest, body: bytes) -> Any:
    if not body:
        return None
    content_type = request.headers.get("Content-Type", "")
    try:
        if "xml" in content_type or body.lstrip().startswith(b"<?xml"):
            return xmlrpc.client.loads(body)
        return json.loads(body)
    except (ValueError, TypeError, RecursionError, xmlrpc.client.Error, ExpatError):
        return body  # not JSON or XML-RPC that Python reads (as a malformed body is not)


def _seed(
    app: ReferenceApp,
    contacts: Mapping[int, Mapping[str, Any]],
    schema_extension: Mapping[str, Any] | str | Path | None,
) -> None:
    contract = load_contract(schema_extension)
    for contact_id, values in contacts.items():
        merged = {**plausible_contact(contract, contact_id), **values}
        encoded = {name: encode_value(name, value) for name, value in merged.items()}
        if not app.service.store.insert(contact_id, encoded):
            raise ValueError(f"{contact_id!r} is not a contact id the store can hold")


@contextmanager
def endpoint(
    base_url: str = "https://install.example",
    *,
    user: str = DEFAULT_USER,
    api_key: str | None = None,
    contacts: int | Mapping[int, Mapping[str, Any]] = 10,
    schema_extension: Mapping[str, Any] | str | Path | None = None,
) -> Iterator[MockEndpoint]:
    """Simulate an UpdateContact install at *base_url* for the requests made inside the block.

    *contacts* is a number of plausible contacts (ids 1..N, as the reference server seeds
    them) or a mapping ``{id: {property: value}}``: those contacts, their other properties
    plausible. Without *api_key* one is generated: read it from ``api.api_key``.
    """
    url = base_url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the base URL must look like https://host[:port], not {base_url!r}")
    key = api_key or generate_api_key()
    seeded = contacts if isinstance(contacts, int) else 0
    options = ServerOptions(
        user=user,
        api_key=key,
        contacts=seeded,
        fresh_contacts=0,
        schema_extension=schema_extension,
    )
    app = build_app(options, key)
    try:
        if not isinstance(contacts, int):
            _seed(app, contacts, schema_extension)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            api = MockEndpoint(url, user, key, app, mock)
            pattern = re.compile(re.escape(url) + r"(?=[/?#]|$)")
            for method in _METHODS:
                mock.add_callback(method, pattern, callback=api._answer, content_type=None)
            yield api
    finally:
        app.service.store.close()
