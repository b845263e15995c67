"""Guards refuse an invalid update before it leaves the machine: requests, httpx, XML-RPC.

Every test talks to a real reference server on loopback. That server has the enum
check switched off (the planted fault ``store-out-of-enum``), so an invalid ``status``
that got through would be stored: a contact reading back unchanged, and the server's
count of the requests it was asked to authorise, prove that nothing was sent.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import itertools
import subprocess
import sys
import xmlrpc.client
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import contract
from contract import PayloadError
from contract.server import ReferenceServer

EXTENSION = {"properties": {"loyalty_tier": {"type": "string", "enum": ["gold", "silver"]}}}
INVALID = {"status": "maybe", "nmae": "Ada"}
CONTACTS = 60
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    """A server that knows the custom field and stores a `status` out of its enum."""
    with ReferenceServer(
        contacts=CONTACTS,
        schema_extension=EXTENSION,
        faults=frozenset({"store-out-of-enum"}),
        threads=2,
    ) as srv:
        yield srv


@pytest.fixture
def contact_id() -> int:
    """A contact no other test touches."""
    taken = next(_ids)
    assert taken <= CONTACTS
    return taken


@pytest.fixture
def sent(server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the server received from now on, reads left out: ``PUT 8`` for a REST
    request on a contact, the method's name for an XML-RPC call."""
    app = server.app
    assert app is not None
    seen: list[str] = []
    rest_answer, respond = app.rest_answer, app.xmlrpc.respond

    def counting_rest(method: str, path_id: str, response: Any) -> Any:
        if method not in ("GET", "HEAD"):
            seen.append(f"{method} {path_id}")
        return rest_answer(method, path_id, response)

    def counting_xmlrpc(body: bytes) -> Any:
        seen.append(xmlrpc.client.loads(body)[1] or "")
        return respond(body)

    monkeypatch.setattr(app, "rest_answer", counting_rest)
    monkeypatch.setattr(app.xmlrpc, "respond", counting_xmlrpc)
    return seen


def url(server: ReferenceServer, contact_id: int | str, prefix: str = "") -> str:
    return f"{server.url}{prefix}/api/2.0/contacts/{contact_id}"


def session(server: ReferenceServer) -> requests.Session:
    """A plain session with the server's credentials and no proxies from the environment."""
    plain = requests.Session()
    plain.trust_env = False
    plain.auth = (server.user, server.api_key)
    return plain


def read(server: ReferenceServer, contact_id: int) -> dict[str, Any]:
    with session(server) as plain:
        answer = plain.get(url(server, contact_id), timeout=10)
    assert answer.status_code == 200, answer.text
    contact: dict[str, Any] = answer.json()
    return contact


def xmlrpc_uri(server: ReferenceServer) -> str:
    return server.url.replace("http://", f"http://{server.user}:{server.api_key}@", 1) + (
        "/api/2.0/xmlrpc"
    )


def refused(send: Callable[[], object]) -> PayloadError:
    with pytest.raises(PayloadError) as caught:
        send()
    return caught.value


# --- requests ----------------------------------------------------------------------------


def test_a_valid_update_reaches_the_server_and_is_stored(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    with contract.guard(session(server)) as guarded:
        answer = guarded.put(url(server, contact_id), json={"name": "Ada"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert sent == [f"PUT {contact_id}"]
    assert read(server, contact_id)["name"] == "Ada"


def test_an_invalid_update_is_refused_and_the_server_receives_nothing(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    # Unguarded, this server would store the status: the refusal below is the guard's.
    with session(server) as plain:
        assert plain.put(url(server, contact_id + 1), json={"status": "maybe"}).status_code == 200
    assert read(server, contact_id + 1)["status"] == "maybe"
    before, sent[:] = read(server, contact_id), []

    guarded = contract.guard(session(server))
    error = refused(lambda: guarded.put(url(server, contact_id), json=INVALID, timeout=10))

    assert error.errors == list(contract.iter_violations(INVALID))
    assert [(e.property, e.rule) for e in error.errors] == [("status", "enum"), ("nmae", "unknown")]
    assert "`status`" in str(error)
    assert "(rule: enum)" in str(error)
    assert sent == []
    assert read(server, contact_id) == before


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b"{not json", "not_json"),
        (b"", "not_json"),
        (b'{"name": NaN}', "not_json"),
        (b"\xff\xfe\xfa", "not_json"),
        (b'["name", "Ada"]', "not_an_object"),
        (b"{}", "empty"),
    ],
)
def test_a_body_that_is_no_json_object_is_refused(
    server: ReferenceServer, sent: list[str], body: bytes, rule: str
) -> None:
    guarded = contract.guard(session(server))
    headers = {"Content-Type": "application/json"}
    error = refused(lambda: guarded.put(url(server, 1), data=body, headers=headers, timeout=10))
    assert [e.rule for e in error.errors] == [rule]
    assert "JSON object" in str(error) or rule == "empty"
    assert sent == []


def test_a_streamed_body_is_read_checked_and_still_sent(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    guarded = contract.guard(session(server))
    headers = {"Content-Type": "application/json"}
    chunks = iter([b'{"name": ', b'"Streamed"}'])
    answer = guarded.put(url(server, contact_id), data=chunks, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert read(server, contact_id)["name"] == "Streamed"
    bad = iter([b'{"status": ', b'"maybe"}'])
    error = refused(lambda: guarded.put(url(server, 1), data=bad, headers=headers, timeout=10))
    assert [e.rule for e in error.errors] == ["enum"]
    assert sent == [f"PUT {contact_id}"]


def test_other_requests_pass_untouched(server: ReferenceServer, sent: list[str]) -> None:
    guarded = contract.guard(session(server))
    assert guarded.get(url(server, 1), timeout=10).status_code == 200
    # Not an update: the server, not the guard, answers (405, 404).
    assert guarded.post(url(server, 1), json=INVALID, timeout=10).status_code == 405
    other = f"{server.url}/api/2.0/lists/1"
    assert guarded.put(other, json=INVALID, timeout=10).status_code == 404
    assert guarded.put(url(server, 1) + "/notes", json=INVALID, timeout=10).status_code == 404
    assert sent == ["POST 1"]  # reads and unknown paths are not counted


def test_a_prefix_before_the_api_path_is_still_guarded(
    server: ReferenceServer, sent: list[str]
) -> None:
    guarded = contract.guard(session(server))
    prefixed = url(server, 7, prefix="/tenant/eu")
    error = refused(lambda: guarded.put(prefixed, json={"status": "maybe"}, timeout=10))
    assert [e.rule for e in error.errors] == ["enum"]
    # A valid one is sent on (this server has no such prefix, so it answers 404).
    assert guarded.put(prefixed, json={"name": "Ada"}, timeout=10).status_code == 404
    refused(lambda: guarded.put(prefixed + "/", json={"status": "maybe"}, timeout=10))
    refused(lambda: guarded.put(prefixed.replace("/7", "/abc"), json=INVALID, timeout=10))


def test_the_adapters_already_mounted_are_kept_and_all_guarded(server: ReferenceServer) -> None:
    plain = session(server)
    retrying = HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0))
    own = HTTPAdapter(max_retries=5)
    plain.mount("http://", retrying)
    plain.mount(server.url + "/", own)  # longer prefix: the one requests picks for the server
    guarded = contract.guard(plain)
    assert guarded is plain
    picked: Any = guarded.get_adapter(url(server, 1))
    assert picked.inner is own
    assert picked.max_retries.total == 5
    assert guarded.get_adapter("http://elsewhere.invalid/").inner is retrying  # type: ignore[attr-defined]
    refused(lambda: guarded.put(url(server, 1), json=INVALID, timeout=10))
    # Guarding again replaces the check rather than wrapping twice.
    again: Any = contract.guard(guarded).get_adapter(url(server, 1))
    assert again.inner is own


def test_a_schema_extension_is_honoured(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    plain_guard = contract.guard(session(server))
    error = refused(lambda: plain_guard.put(url(server, contact_id), json={"loyalty_tier": "gold"}))
    assert [(e.property, e.rule) for e in error.errors] == [("loyalty_tier", "unknown")]

    guarded = contract.guard(session(server), extension=EXTENSION)
    answer = guarded.put(url(server, contact_id), json={"loyalty_tier": "gold"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert read(server, contact_id)["loyalty_tier"] == "gold"
    payload = {"loyalty_tier": "bronze"}
    error = refused(lambda: guarded.put(url(server, contact_id), json=payload, timeout=10))
    assert error.errors == list(contract.iter_violations(payload, extension=EXTENSION))
    assert [(e.property, e.rule) for e in error.errors] == [("loyalty_tier", "enum")]
    assert sent == [f"PUT {contact_id}"]
    assert read(server, contact_id)["loyalty_tier"] == "gold"


def test_the_validator_is_built_once_per_guard(
    server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contract.guards.check

    built: list[object] = []

    class Counting(contract.UpdateValidator):
        def __init__(self, *args: Any) -> None:
            built.append(self)
            super().__init__(*args)

    monkeypatch.setattr(contract.guards.check, "UpdateValidator", Counting)
    guarded = contract.guard(session(server), extension=contract.load_contract(EXTENSION))
    for _ in range(3):
        assert guarded.put(url(server, 1), json={"loyalty_tier": "gold"}).status_code == 200
        refused(lambda: guarded.put(url(server, 1), json={"loyalty_tier": "tin"}))
    assert len(built) == 1


def test_a_deprecated_property_is_sent_with_the_warning_validate_update_gives(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    guarded = contract.guard(session(server))
    with pytest.warns(contract.DeprecatedPropertyWarning, match="date_of_birth"):
        answer = guarded.put(url(server, contact_id), json={"date_of_birth": 631152000})
    assert answer.status_code == 200, answer.text
    assert sent == [f"PUT {contact_id}"]


def test_credentials_never_appear_in_the_error(server: ReferenceServer) -> None:
    guarded = contract.guard(session(server))
    with_userinfo = url(server, 1).replace("http://", f"http://{server.user}:{server.api_key}@")
    basic = base64.b64encode(f"{server.user}:{server.api_key}".encode()).decode()
    for target in (url(server, 1), with_userinfo):
        error = refused(lambda target=target: guarded.put(target, json=INVALID, timeout=10))  # type: ignore[misc]
        shown = f"{error}\n{error!r}\n{[e.to_dict() for e in error.errors]}"
        assert server.api_key not in shown
        assert basic not in shown


def test_anything_else_is_no_client_to_guard() -> None:
    with pytest.raises(TypeError, match=r"requests\.Session"):
        contract.guard(object())  # type: ignore[type-var]


def test_importing_contract_imports_no_httpx() -> None:
    code = (
        "import sys, contract, contract.guards, contract.guards.adapters, requests;"
        "contract.guard(requests.Session()); contract.guarded_proxy('http://127.0.0.1:1/');"
        "assert 'httpx' not in sys.modules, 'httpx imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr


# --- httpx ---------------------------------------------------------------------------------


def test_an_httpx_client_is_guarded(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    auth = (server.user, server.api_key)
    before = read(server, contact_id)
    with contract.guard(httpx.Client(auth=auth, trust_env=False, timeout=10)) as client:
        error = refused(lambda: client.put(url(server, contact_id), json=INVALID))
        assert error.errors == list(contract.iter_violations(INVALID))
        assert server.api_key not in str(error)
        assert sent == []
        assert read(server, contact_id) == before
        assert client.put(url(server, contact_id), json={"name": "Httpx"}).status_code == 200
        assert client.get(url(server, contact_id)).json()["name"] == "Httpx"
        assert client.post(url(server, contact_id), json=INVALID).status_code == 405
        refused(lambda: client.put(url(server, 1), content=b"[not json"))
    assert sent == [f"PUT {contact_id}", f"POST {contact_id}"]


def test_an_httpx_client_honours_an_extension(server: ReferenceServer, contact_id: int) -> None:
    auth = (server.user, server.api_key)
    client = httpx.Client(auth=auth, trust_env=False, timeout=10)
    with contract.guard(client, extension=EXTENSION):
        assert client.put(url(server, contact_id), json={"loyalty_tier": "silver"}).is_success
        error = refused(lambda: client.put(url(server, contact_id), json={"loyalty_tier": "x"}))
        assert [e.rule for e in error.errors] == ["enum"]
    assert read(server, contact_id)["loyalty_tier"] == "silver"


def test_an_httpx_async_client_is_guarded(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    auth = (server.user, server.api_key)
    before = read(server, contact_id)

    async def main() -> PayloadError:
        client = contract.guard(httpx.AsyncClient(auth=auth, trust_env=False, timeout=10))
        async with client:
            with pytest.raises(PayloadError) as caught:
                await client.put(url(server, contact_id), json=INVALID)
            assert read(server, contact_id) == before
            answer = await client.put(url(server, contact_id), json={"name": "Async"})
            assert answer.status_code == 200, answer.text
            assert (await client.get(url(server, contact_id))).status_code == 200
        return caught.value

    error = asyncio.run(main())
    assert error.errors == list(contract.iter_violations(INVALID))
    assert sent == [f"PUT {contact_id}"]
    assert read(server, contact_id)["name"] == "Async"


# --- XML-RPC -------------------------------------------------------------------------------


def test_a_guarded_proxy_refuses_an_invalid_update_and_sends_valid_ones(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    proxy = contract.guarded_proxy(xmlrpc_uri(server))
    assert isinstance(proxy, xmlrpc.client.ServerProxy)
    before = read(server, contact_id)
    error = refused(lambda: proxy.contacts.UpdateContact(contact_id, INVALID))
    assert error.errors == list(contract.iter_violations(INVALID))
    assert server.api_key not in f"{error}{error!r}"
    assert sent == []
    assert read(server, contact_id) == before

    assert proxy.contacts.UpdateContact(contact_id, {"name": "Xml"}) == contact_id
    contact: Any = proxy.contacts.GetContact(contact_id)  # other methods pass
    methods: Any = proxy.system.listMethods()
    assert contact["name"] == "Xml"
    assert "contacts.UpdateContact" in methods
    assert sent == ["contacts.UpdateContact", "contacts.GetContact", "system.listMethods"]


def test_a_guarded_proxy_checks_the_id_and_the_number_of_parameters(
    server: ReferenceServer, sent: list[str]
) -> None:
    proxy = contract.guarded_proxy(xmlrpc_uri(server))
    error = refused(lambda: proxy.contacts.UpdateContact("1", {"status": "maybe"}))
    assert [(e.property, e.rule) for e in error.errors] == [(None, "id"), ("status", "enum")]
    error = refused(lambda: proxy.contacts.UpdateContact(1))
    assert [e.rule for e in error.errors] == ["params"]
    assert sent == []


class BasicAuthGuardedTransport(contract.GuardedTransport):
    """A user's own transport: Basic credentials in a header, the guard inherited."""

    def __init__(self, user: str, key: str, **options: Any) -> None:
        super().__init__(**options)
        token = base64.b64encode(f"{user}:{key}".encode()).decode()
        self.authorization = f"Basic {token}"

    def send_headers(
        self, connection: http.client.HTTPConnection, headers: list[tuple[str, str]]
    ) -> None:
        super().send_headers(connection, [*headers, ("Authorization", self.authorization)])


def test_a_guarded_transport_in_a_proxy_of_ones_own_honours_an_extension(
    server: ReferenceServer, contact_id: int, sent: list[str]
) -> None:
    transport = BasicAuthGuardedTransport(server.user, server.api_key, extension=EXTENSION)
    proxy = xmlrpc.client.ServerProxy(server.url + "/api/2.0/xmlrpc", transport=transport)
    assert proxy.contacts.UpdateContact(contact_id, {"loyalty_tier": "gold"}) == contact_id
    error = refused(lambda: proxy.contacts.UpdateContact(contact_id, {"loyalty_tier": "tin"}))
    assert error.errors == list(
        contract.iter_violations({"loyalty_tier": "tin"}, extension=EXTENSION)
    )
    assert transport.authorization.split()[1] not in str(error)
    assert sent == ["contacts.UpdateContact"]
    assert read(server, contact_id)["loyalty_tier"] == "gold"


def test_a_guarded_proxy_over_https_gets_the_safe_transport() -> None:
    proxy = contract.guarded_proxy("https://user:key@127.0.0.1:1/api/2.0/xmlrpc")
    transport = proxy("transport")
    assert isinstance(transport, contract.GuardedSafeTransport)
    # Refused before any connection is tried (nothing listens on port 1).
    refused(lambda: proxy.contacts.UpdateContact(1, {"status": "maybe"}))
