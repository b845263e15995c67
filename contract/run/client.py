"""A client for one install, over REST and XML-RPC, that keeps what it sent and what came back.

Each transport has a keep-alive ``requests.Session`` (so ``responses`` can record and
replay either), and every answer carries the request that produced it (credentials left
out) for a reproduction a person can paste (see :mod:`contract.exchange.answers`).
"""

from __future__ import annotations

import functools
import json
import threading
import time
import xmlrpc.client
from base64 import b64encode
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests
import requests.auth
import requests.structures

from contract import __version__
from contract.core.api import CONTACT_PATH, UPDATE_METHOD
from contract.core.transports import TRANSPORTS, Transport
from contract.errors import ContractError
from contract.exchange.answers import (
    Answer,
    Exchange,
    ExchangeError,
    SentRequest,
    rest_answer,
    xmlrpc_answer,
)
from contract.exchange.endpoint import KEY_VARIABLE, Endpoint
from contract.run.outcomes import Problem, Stop, StopRun
from contract.run.retrying import Backoff, Lost, send_with_retries
from contract.run.throttle import MAX_THROTTLED_RETRIES, RateLimit, Throttle, retry_after
from contract.run.unreachable import heals, timed_out, why_unreachable

MAX_BODY_BYTES = 1 << 20
T = TypeVar("T")

__all__ = [
    "MAX_BODY_BYTES",
    "Answer",
    "AuthorizationHeader",
    "ContactClient",
    "Credentials",
    "EndpointUnreachable",
    "Exchange",
    "InstallLost",
    "ReadBackUnavailable",
    "RequestWithheld",
    "SentRequest",
]


@dataclass(frozen=True)
class AuthorizationHeader:
    """An ``Authorization`` header the run writes itself: *scheme* and *token*. Without a
    token, the endpoint's own user and key encoded as Basic does, under *scheme* (the
    right key under ``Bearer`` is no key); with one, that text as it is (``Basic café``,
    which is no Base64)."""

    scheme: str
    token: str | None = None


Credentials = tuple[str, str] | None | Literal["session"] | AuthorizationHeader
"""Who a request signs in as: the endpoint's user ("session"), other credentials, an
Authorization header written out, or nobody."""


class _NoCredentials(requests.auth.AuthBase):
    """Sends a request with no Authorization header, whatever the session holds."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


class _Written(requests.auth.AuthBase):
    """Sends an ``Authorization`` header as written (see :class:`AuthorizationHeader`)."""

    def __init__(self, written: AuthorizationHeader, user: str, key: str) -> None:
        token = written.token
        if token is None:
            token = b64encode(f"{user}:{key}".encode()).decode("ascii")
        self.header = f"{written.scheme} {token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request


def _prepared(
    session: requests.Session,
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    auth: requests.auth.AuthBase | tuple[str, str] | None,
) -> requests.PreparedRequest:
    """The request ``session.request`` would send, without its merging of the session's
    settings into each request's: requests checks every setting against a runtime
    protocol there, about a sixth of a request's CPU. This session's settings are known:
    its headers and cookies, its credentials unless *auth* replaces them; no hooks."""
    merged = requests.structures.CaseInsensitiveDict(session.headers)
    merged.update(headers)
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=method,
        url=url,
        headers=merged,
        data=body or None,
        auth=session.auth if auth is None else auth,
        cookies=session.cookies,
    )
    return prepared


def _spelt(value: Any) -> str:
    """One spelling of a JSON value, whatever its keys' order."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


@dataclass(frozen=True)
class _Outgoing:
    """One request as the client sends it: the same for every attempt."""

    transport: Transport
    method: str
    url: str
    body: bytes
    headers: dict[str, str]
    credentials: Credentials = "session"


def _written(credentials: Credentials) -> dict[str, Any]:
    """How a written Authorization header shows in a :class:`SentRequest`."""
    if not isinstance(credentials, AuthorizationHeader):
        return {}
    if credentials.token is None:
        return {"scheme": credentials.scheme}
    return {"authorization": f"{credentials.scheme} {credentials.token}"}


class EndpointUnreachable(ContractError, ConnectionError):
    """The install could not be reached, or did not answer in time; the message says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.stop = Stop(Problem.UNREACHABLE, detail)


class InstallLost(StopRun):
    """The install stopped answering in the middle of a certification run."""


class ReadBackUnavailable(ContractError, RuntimeError):
    """The install does not answer ``GET /api/2.0/contacts/:id`` with a contact."""

    def __init__(self, reason: str, url: str, status: int) -> None:
        super().__init__(reason)
        self.url = url
        self.status = status


def _read_bounded(response: requests.Response) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(chunk_size=65536):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            break
    response.close()
    return bytes(body[: MAX_BODY_BYTES + 1])


def _lost(
    error: requests.RequestException, host: str, timeout: float
) -> tuple[Lost, ExchangeError]:
    """An attempt's error as the retry loop reads it, and as its exchange records it."""
    if timed_out(error):
        return Lost(f"{host} did not answer within {timeout:g} s", heals=True), "timeout"
    lost = Lost(f"cannot reach {host}: {why_unreachable(error, timeout)}", heals=heals(error))
    return lost, "connection" if lost.heals else "unreachable"


class RequestWithheld(ContractError):
    """A request was asked for while requests are withheld (see :meth:`ContactClient.withheld`)."""


class ContactClient:
    """Sends updates and read-backs to one install, counting every request.

    Each transport has its own keep-alive session (REST also carries the read-backs),
    so a run opens one connection per transport and reuses it. Requests that leave the
    contact alone may also go :meth:`concurrently`, over up to *connections* more per
    transport. Requests are paced by *rate_limit* (all of them, concurrent ones
    included), and a 429 is sent again after its ``Retry-After``. A request the network
    lost is sent again, up to the endpoint's ``retries`` times (see :mod:`contract.run.retrying`).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        stop_when_lost: bool = False,
        rate_limit: RateLimit | None = None,
        sleep: Callable[[float], None] = time.sleep,
        connections: int = 1,
    ) -> None:
        self.endpoint = endpoint
        self.connections = max(1, connections)
        self.stop_when_lost = stop_when_lost
        urls: dict[Transport, str] = {"rest": endpoint.base_url, "xmlrpc": endpoint.rpc_url}
        self.sessions: dict[Transport, requests.Session] = {}
        self._verify: dict[Transport, bool | str] = {}
        for transport in TRANSPORTS:
            self.sessions[transport], self._verify[transport] = self._session(urls[transport])
        self.throttle = Throttle(rate_limit, sleep=sleep)
        self._sleep = sleep
        self._backoff = Backoff()
        self.requests_sent = 0
        """Every request sent, each retry included."""
        self.retries = 0
        """The requests sent again after the network lost them."""
        self._values_sent: set[tuple[str, str]] = set()
        self.on_exchange: Callable[[Exchange], None] | None = None
        """Called with every exchange, when set: how a run is recorded."""
        self.answered_from_reuse = 0
        """Requests a replay answered with exchanges the recorded run judged again without
        sending them (the test that sent them is not replayed): see
        :meth:`~contract.run.certifier.Certifier.valid_exchange`."""
        self.on_reused: Callable[[Sequence[Exchange]], None] | None = None
        """Called, when set, with the exchanges a test judges that another test sent (see
        :mod:`contract.run.evidence`): a recording names it, a replay takes its answer."""
        self.before_request: Callable[[], None] | None = None
        """Called before every request, when set: where a run may stop cleanly."""
        self._withheld = False
        self._counting = threading.Lock()
        self._pools: dict[int, ThreadPoolExecutor] = {}
        self._pool_sessions: list[requests.Session] = []
        self._local = threading.local()

    def _session(self, url: str) -> tuple[requests.Session, bool | str]:
        """A session for requests to *url*, and what it verifies TLS against.

        The environment's proxies and CA bundle are read here, once: left to requests,
        they are looked up again on every request, which walks every variable twice.
        """
        session = requests.Session()
        session.auth = (self.endpoint.user, self.endpoint.api_key)
        session.headers["User-Agent"] = f"updatecontact-contract/{__version__}"
        found = session.merge_environment_settings(url, {}, None, self.endpoint.verify_tls, None)
        session.trust_env = False
        session.proxies = found["proxies"]
        verify: bool | str | None = found["verify"]
        return session, True if verify is None else verify

    def close(self) -> None:
        """Close the keep-alive connections, the concurrent ones included."""
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._pools = {}
        for session in [*self.sessions.values(), *self._pool_sessions]:
            session.close()
        self._pool_sessions = []

    def concurrently(
        self,
        calls: Sequence[Callable[[], T]],
        *,
        stop_when: Callable[[T], bool] | None = None,
        width: int | None = None,
    ) -> list[T | None]:
        """Run *calls* (each sending requests that leave the contact alone, unless *width*
        asks for them to arrive together) over up to *width* keep-alive connections per
        transport, :attr:`connections` unless given; their results in order.

        Once a call raises, or returns a result *stop_when* holds true of, calls not yet
        begun are not run: their results are ``None``. Exchanges reach :attr:`on_exchange`
        in the order of *calls*, whatever order the answers came in, so a recording of the
        batch replays the same way. When a call raises, the first such exception in that
        order is raised once all that began have ended.
        """
        stopped = threading.Event()

        def run(index: int) -> T | None:
            if stopped.is_set():
                return None
            try:
                result = calls[index]()
            except BaseException:
                stopped.set()
                raise
            if stop_when is not None and stop_when(result):
                stopped.set()
            return result

        width = width or self.connections
        if width == 1 or len(calls) < 2:
            return [run(index) for index in range(len(calls))]
        if width not in self._pools:
            self._pools[width] = ThreadPoolExecutor(width, thread_name_prefix="contract")
        pool = self._pools[width]
        observed: list[list[Exchange]] = [[] for _ in calls]

        def run_here(index: int) -> T | None:
            self._local.observed = observed[index]
            try:
                return run(index)
            finally:
                self._local.observed = None

        futures = [pool.submit(run_here, index) for index in range(len(calls))]
        try:
            wait(futures)
        except BaseException:
            # Interrupted (Ctrl-C): nothing more goes out, and what is under way ends
            # before the run goes on to put the contact back.
            stopped.set()
            wait(futures)
            raise
        for exchanges in observed:
            for exchange in exchanges:
                self._observe(exchange)
        return [future.result() for future in futures]

    @contextmanager
    def watched(self) -> Iterator[list[Exchange]]:
        """The exchanges of the block, in order: those sent, and those a test judged that
        another sent (:attr:`on_reused`); the listeners still hear of each."""
        seen: list[Exchange] = []
        on_exchange, on_reused = self.on_exchange, self.on_reused

        def sent(exchange: Exchange) -> None:
            seen.append(exchange)
            if on_exchange is not None:
                on_exchange(exchange)

        def reused(exchanges: Sequence[Exchange]) -> None:
            seen.extend(exchanges)
            if on_reused is not None:
                on_reused(exchanges)

        self.on_exchange, self.on_reused = sent, reused
        try:
            yield seen
        finally:
            self.on_exchange, self.on_reused = on_exchange, on_reused

    def judged_again(self, exchanges: Sequence[Exchange]) -> None:
        """Tell :attr:`on_reused` of *exchanges*, judged again without being sent."""
        if self.on_reused is not None and exchanges and not self._withheld:
            self.on_reused(exchanges)

    @property
    def withholding(self) -> bool:
        """True within :meth:`withheld`."""
        return self._withheld

    @contextmanager
    def withheld(self) -> Iterator[None]:
        """Within the block, a request raises :class:`RequestWithheld` instead of going out."""
        self._withheld = True
        try:
            yield
        finally:
            self._withheld = False

    def _session_for(self, transport: Transport) -> requests.Session:
        """The session of this thread: the client's own, or a concurrent call's thread's."""
        if getattr(self._local, "observed", None) is None:
            return self.sessions[transport]
        sessions: dict[Transport, requests.Session] | None = getattr(self._local, "sessions", None)
        if sessions is None:
            urls = {"rest": self.endpoint.base_url, "xmlrpc": self.endpoint.rpc_url}
            sessions = {t: self._session(urls[t])[0] for t in TRANSPORTS}
            self._local.sessions = sessions
            with self._counting:
                self._pool_sessions.extend(sessions.values())
        return sessions[transport]

    def _send(self, outgoing: _Outgoing) -> tuple[requests.Response, bytes]:
        throttled = 0
        while True:
            response, raw = self._send_surviving(outgoing)
            if response.status_code != 429 or throttled == MAX_THROTTLED_RETRIES:
                return response, raw
            throttled += 1
            self._sleep(retry_after(response.headers.get("Retry-After")))

    def _send_surviving(self, outgoing: _Outgoing) -> tuple[requests.Response, bytes]:
        """One request, sent again while the network loses it and retries are left.

        Each attempt is an exchange of its own, which a recording keeps and a replay (whose
        ``responses`` stands in for the session's adapter) makes again: why the retries
        are here, not urllib3's under the adapter, where neither would see them."""
        try:
            return send_with_retries(
                functools.partial(self._send_once, outgoing),
                retries=self.endpoint.retries,
                backoff=self._backoff,
                sleep=self._sleep,
                on_retry=self._count_retry,
            )
        except Lost as lost:
            if self.stop_when_lost:
                raise InstallLost(Stop(Problem.UNREACHABLE, str(lost))) from None
            raise EndpointUnreachable(str(lost)) from None

    def _count_retry(self) -> None:
        with self._counting:
            self.retries += 1

    def _send_once(self, outgoing: _Outgoing, attempt: int) -> tuple[requests.Response, bytes]:
        """Send one attempt; raises :class:`~contract.run.retrying.Lost` when it got no answer."""
        transport, method, url = outgoing.transport, outgoing.method, outgoing.url
        body, headers, credentials = outgoing.body, outgoing.headers, outgoing.credentials
        if self._withheld:
            raise RequestWithheld(f"{method} {urlsplit(url).path}")
        if self.before_request is not None:
            self.before_request()
        self.throttle.wait()
        with self._counting:
            self.requests_sent += 1
        auth: requests.auth.AuthBase | tuple[str, str] | None = None
        if credentials is None:
            auth = _NoCredentials()
        elif isinstance(credentials, AuthorizationHeader):
            auth = _Written(credentials, self.endpoint.user, self.endpoint.api_key)
        elif credentials != "session":
            auth = credentials
        try:
            session = self._session_for(transport)
            response = session.send(
                _prepared(session, method, url, body, headers, auth),
                timeout=self.endpoint.timeout,
                verify=self._verify[transport],
                proxies=session.proxies,
                stream=True,
                allow_redirects=False,
            )
            raw = _read_bounded(response)
        except requests.RequestException as error:
            lost, kind = _lost(error, urlsplit(url).netloc, self.endpoint.timeout)
            self._observe(Exchange(method, url, headers, body, error=kind, attempt=attempt))
            raise lost from None
        self._observe(
            Exchange(
                method,
                url,
                dict(response.request.headers),
                body,
                response.status_code,
                dict(response.headers),
                raw,
                attempt=attempt,
            )
        )
        return response, raw

    def _observe(self, exchange: Exchange) -> None:
        held: list[Exchange] | None = getattr(self._local, "observed", None)
        if held is not None:
            held.append(exchange)
        elif self.on_exchange is not None:
            self.on_exchange(exchange)

    def update(
        self,
        contact_id: object,
        properties: object,
        transport: Transport,
        *,
        credentials: Credentials = "session",
    ) -> Answer:
        """Send one UpdateContact, signed in as *credentials*."""
        if isinstance(properties, dict):
            self._values_sent.update((str(k), _spelt(v)) for k, v in properties.items())
        if transport == "rest":
            body = json.dumps(properties, ensure_ascii=False).encode("utf-8")
            return self.send_rest(contact_id, body, "application/json", credentials=credentials)
        params: tuple[Any, ...] = (contact_id, properties)
        body = xmlrpc.client.dumps(
            params, UPDATE_METHOD, encoding="utf-8", allow_none=True
        ).encode()
        return self.send_xmlrpc(body, rpc_call=(UPDATE_METHOD, params), credentials=credentials)

    def sent(self, name: str, value: Any) -> bool:
        """True when an update this client sent gave property *name* this *value*."""
        return (name, _spelt(value)) in self._values_sent

    def send_rest(
        self,
        contact_id: object,
        body: bytes,
        content_type: str | None,
        *,
        credentials: Credentials = "session",
    ) -> Answer:
        """PUT any body to a contact: the way to send what no valid client would."""
        headers = {"Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        url = self.endpoint.contact_url(contact_id)
        response, raw = self._send(_Outgoing("rest", "PUT", url, body, headers, credentials))
        sent = SentRequest(
            "PUT",
            url,
            headers,
            body,
            sign_in=self._sign_in(credentials),
            **_written(credentials),
        )
        return rest_answer(sent, response, raw)

    def send_xmlrpc(
        self,
        body: bytes,
        *,
        rpc_call: tuple[str, tuple[Any, ...]] | None = None,
        credentials: Credentials = "session",
    ) -> Answer:
        """POST any XML-RPC document to the install."""
        headers = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"}
        url = self.endpoint.rpc_url
        outgoing = _Outgoing("xmlrpc", "POST", url, body, headers, credentials)
        response, raw = self._send(outgoing)
        sent = SentRequest(
            "POST",
            url,
            headers,
            body,
            rpc_call,
            self._sign_in(credentials),
            **_written(credentials),
        )
        return xmlrpc_answer(sent, response, raw)

    def _sign_in(self, credentials: Credentials) -> tuple[str, str] | None:
        """How a request signed in, in words that hold no secret."""
        if credentials is None:
            return None
        if isinstance(credentials, AuthorizationHeader):
            written_out = credentials.token is not None  # shown as written, no key in it
            return None if written_out else (self.endpoint.user, f"${KEY_VARIABLE}")
        if credentials == "session":
            return (self.endpoint.user, f"${KEY_VARIABLE}")
        user, key = credentials
        if key == self.endpoint.api_key:
            shown_key = f"${KEY_VARIABLE}"
        else:
            shown_key = "" if key == "" else "wrong-api-key"
        return (user, shown_key)

    def fetch(self, contact_id: object) -> Answer:
        """``GET`` of a contact, whatever it answers, as an :class:`Answer`: what tells a
        contact that does not exist from an address where no API answers."""
        url = self.endpoint.contact_url(contact_id)
        headers = {"Accept": "application/json"}
        response, raw = self._send(_Outgoing("rest", "GET", url, b"", headers))
        return rest_answer(SentRequest("GET", url, headers, b""), response, raw)

    def read(self, contact_id: object) -> dict[str, Any] | None:
        """The contact as the install reads it back, or ``None`` when it does not exist."""
        url = self.endpoint.contact_url(contact_id)
        response, raw = self._send(
            _Outgoing("rest", "GET", url, b"", {"Accept": "application/json"})
        )
        if response.status_code == 404:
            return None
        status = response.status_code
        if status != 200:
            raise ReadBackUnavailable(f"GET {CONTACT_PATH} answered HTTP {status}", url, status)
        try:
            contact = json.loads(raw)
        except ValueError:
            raise ReadBackUnavailable(
                f"GET {CONTACT_PATH} did not answer JSON", url, status
            ) from None
        if not isinstance(contact, dict):
            raise ReadBackUnavailable(
                f"GET {CONTACT_PATH} did not answer a JSON object", url, status
            )
        return contact
