"""How :func:`contract.guard` plugs into requests and httpx.

A ``requests.Session`` gets each of its mounted adapters wrapped in a
:class:`GuardedAdapter`; an httpx client gets a request event hook. This module is
imported only when a client is guarded, and imports httpx only if its caller already has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from requests import PreparedRequest, Response, Session
from requests.adapters import BaseAdapter

from contract.guards.check import UpdateCheck

if TYPE_CHECKING:
    import httpx


class GuardedAdapter(BaseAdapter):
    """A requests transport adapter that checks each contact update, then hands every
    request to the adapter it wraps (which keeps its retries, pools and settings)."""

    def __init__(self, inner: BaseAdapter, check: UpdateCheck) -> None:
        super().__init__()
        self.inner = inner
        self.check = check

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Raise :class:`~contract.core.violations.PayloadError` for an invalid update; send
        any other request through the wrapped adapter."""
        if self.check.is_update_url(request.method, request.url or ""):
            self.check.json_body(_read_body(request), request.headers.get("Content-Encoding", ""))
        return self.inner.send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )

    def close(self) -> None:
        """Close the wrapped adapter."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # What the wrapped adapter has (max_retries, config): asked for, given.
        if name == "inner":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)


def _read_body(request: PreparedRequest) -> bytes | str | None:
    """The body of *request*; a stream (file or generator) is read and put back as bytes."""
    body: Any = request.body
    if body is None or isinstance(body, (bytes, str)):
        return body
    if hasattr(body, "read"):
        data = body.read()
    else:
        data = b"".join(part.encode() if isinstance(part, str) else part for part in body)
    data = data.encode() if isinstance(data, str) else bytes(data)
    request.body = data
    request.headers.pop("Transfer-Encoding", None)
    request.headers["Content-Length"] = str(len(data))
    return data


def guard_session(session: Session, check: UpdateCheck) -> None:
    """Wrap every adapter mounted on *session* (``http://`` and ``https://`` among them)."""
    for prefix, adapter in list(session.adapters.items()):
        inner = adapter.inner if isinstance(adapter, GuardedAdapter) else adapter
        session.adapters[prefix] = GuardedAdapter(inner, check)  # the order kept


class _HttpxHook:
    """The request event hook of a guarded ``httpx.Client``."""

    def __init__(self, check: UpdateCheck) -> None:
        self.check = check

    def __call__(self, request: httpx.Request) -> None:
        if self.check.is_update(request.method, request.url.path):
            self.check.json_body(request.read(), request.headers.get("Content-Encoding", ""))


class _AsyncHttpxHook:
    """The request event hook of a guarded ``httpx.AsyncClient``."""

    def __init__(self, check: UpdateCheck) -> None:
        self.check = check

    async def __call__(self, request: httpx.Request) -> None:
        if self.check.is_update(request.method, request.url.path):
            body = await request.aread()
            self.check.json_body(body, request.headers.get("Content-Encoding", ""))


def guard_httpx(client: httpx.Client | httpx.AsyncClient, check: UpdateCheck) -> None:
    """Add the request hook to *client*, in place of an earlier guard's."""
    import httpx  # the caller has: *client* is one of its

    hooks = client.event_hooks
    kept = [
        hook
        for hook in hooks.get("request", [])
        if not isinstance(hook, _HttpxHook | _AsyncHttpxHook)
    ]
    hook = _AsyncHttpxHook(check) if isinstance(client, httpx.AsyncClient) else _HttpxHook(check)
    client.event_hooks = {**hooks, "request": [*kept, hook]}
