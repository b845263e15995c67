"""Clients the server tests talk through: requests for REST, xmlrpc.client for XML-RPC."""

from __future__ import annotations

import base64
import http.client
import xmlrpc.client
from typing import Any

import requests

from contract.server import ReferenceServer

CONTACTS_PATH = "/api/2.0/contacts"
XMLRPC_PATH = "/api/2.0/xmlrpc"


def basic_header(user: str, key: str) -> str:
    """The value of an ``Authorization: Basic`` header, as the PHP sample builds it."""
    return "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode("ascii")


class BasicAuthTransport(xmlrpc.client.Transport):
    """An xmlrpc.client transport that sends Basic credentials on every request."""

    def __init__(self, user: str, key: str) -> None:
        super().__init__()
        self._authorization = basic_header(user, key)

    def send_headers(
        self, connection: http.client.HTTPConnection, headers: list[tuple[str, str]]
    ) -> None:
        super().send_headers(connection, [*headers, ("Authorization", self._authorization)])


class XMLRPCClient:
    """xmlrpc.client's ServerProxy for one server's endpoint, with typed helpers."""

    def __init__(
        self, srv: ReferenceServer, user: str | None = None, key: str | None = None
    ) -> None:
        transport = BasicAuthTransport(
            srv.user if user is None else user, srv.api_key if key is None else key
        )
        self.proxy = xmlrpc.client.ServerProxy(
            srv.url + XMLRPC_PATH, transport=transport, allow_none=True
        )

    def update(self, contact_id: Any, properties: Any) -> Any:
        """``contacts.UpdateContact(id, properties)``."""
        return self.proxy.contacts.UpdateContact(contact_id, properties)

    def get(self, contact_id: Any) -> dict[str, Any]:
        """``contacts.GetContact(id)``; fails the test unless the answer is a struct."""
        contact = self.proxy.contacts.GetContact(contact_id)
        assert isinstance(contact, dict), contact
        return contact

    def call(self, method: str, *params: Any) -> Any:
        """Any method by its dotted name."""
        return getattr(self.proxy, method)(*params)


class RestClient:
    """A keep-alive requests session speaking to one server's REST endpoint with its credentials."""

    def __init__(self, srv: ReferenceServer) -> None:
        self.srv = srv
        self.session = requests.Session()
        self.session.auth = (srv.user, srv.api_key)

    def url(self, contact_id: int | str) -> str:
        """The URL of one contact."""
        return f"{self.srv.url}{CONTACTS_PATH}/{contact_id}"

    def put(self, contact_id: int | str, payload: Any = None, **kwargs: Any) -> requests.Response:
        """PUT *payload* as JSON (or pass ``data=`` for a raw body)."""
        if "data" not in kwargs:
            kwargs["json"] = payload
        return self.session.put(self.url(contact_id), timeout=30, **kwargs)

    def get(self, contact_id: int | str) -> dict[str, Any]:
        """Read a contact back; fails the test unless the answer is 200."""
        response = self.session.get(self.url(contact_id), timeout=30)
        assert response.status_code == 200, response.text
        contact: dict[str, Any] = response.json()
        return contact

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()
