"""Why an install could not be reached, named by its cause, through the real HTTP stack."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import urllib3.util.connection

from conftest import served
from contract.exchange.endpoint import Endpoint
from contract.run.client import ContactClient, EndpointUnreachable
from tests.conftest import free_port


def _reason(url: str, *, timeout: float = 5.0) -> str:
    client = ContactClient(Endpoint(url, "admin", "key-for-the-test", timeout=timeout))
    try:
        with pytest.raises(EndpointUnreachable) as raised:
            client.read(1)
    finally:
        client.close()
    return str(raised.value)


def test_nothing_listening_is_a_refused_connection() -> None:
    port = free_port()
    assert _reason(f"http://127.0.0.1:{port}") == (
        f"cannot reach 127.0.0.1:{port}: the connection was refused"
    )


def test_a_name_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    assert _reason("https://crm.example.invalid") == (
        "cannot reach crm.example.invalid: the name did not resolve"
    )


def test_a_connection_that_never_opens_timed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def never_connects(*args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", never_connects)
    assert _reason("https://crm.example.com", timeout=3) == (
        "cannot reach crm.example.com: the connection timed out after 3 s"
    )


def test_tls_to_a_plain_http_server_fails_as_tls() -> None:
    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    with served(plain) as url:
        https = url.replace("http://", "https://")
        reason = _reason(https)
    assert reason.startswith(f"cannot reach {https.removeprefix('https://')}: TLS failed"), reason
