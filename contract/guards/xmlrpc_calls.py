"""Guarded XML-RPC: transports and a ``ServerProxy`` that check each
``contacts.UpdateContact`` call before it is sent."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from contract.core.schema import Contract
from contract.core.validation import Extension
from contract.guards.check import UpdateCheck

if TYPE_CHECKING:
    import ssl

    from _typeshed import SizedBuffer


class _CheckedCalls(xmlrpc.client.Transport):
    """What both guarded transports do: check each call before the transport sends it."""

    check: UpdateCheck

    def request(
        self, host: Any, handler: str, request_body: SizedBuffer, verbose: bool = False
    ) -> tuple[Any, ...]:
        """Check the call, then send it as the transport underneath does."""
        self.check.xmlrpc_body(bytes(request_body))
        return super().request(host, handler, request_body, verbose)


class GuardedTransport(_CheckedCalls):
    """An ``xmlrpc.client`` transport (plain HTTP) that refuses an invalid
    ``contacts.UpdateContact`` call with :class:`~contract.core.violations.PayloadError`
    before sending it; any other call passes. *extension* as in :func:`guard`; the other
    arguments are ``xmlrpc.client.Transport``'s."""

    def __init__(
        self,
        use_datetime: bool = False,
        use_builtin_types: bool = False,
        *,
        headers: Iterable[tuple[str, str]] = (),
        extension: Extension | Contract | None = None,
    ) -> None:
        super().__init__(use_datetime, use_builtin_types, headers=headers)
        self.check = UpdateCheck(extension)


class GuardedSafeTransport(_CheckedCalls, xmlrpc.client.SafeTransport):
    """:class:`GuardedTransport` over HTTPS: an ``xmlrpc.client.SafeTransport`` (with its
    *context*) that refuses an invalid ``contacts.UpdateContact`` call before sending it."""

    def __init__(
        self,
        use_datetime: bool = False,
        use_builtin_types: bool = False,
        *,
        headers: Iterable[tuple[str, str]] = (),
        context: ssl.SSLContext | None = None,
        extension: Extension | Contract | None = None,
    ) -> None:
        super().__init__(use_datetime, use_builtin_types, headers=headers, context=context)
        self.check = UpdateCheck(extension)


def guarded_proxy(
    uri: str,
    *,
    extension: Extension | Contract | None = None,
    encoding: str | None = None,
    verbose: bool = False,
    allow_none: bool = False,
    use_datetime: bool = False,
    use_builtin_types: bool = False,
    headers: Iterable[tuple[str, str]] = (),
    context: ssl.SSLContext | None = None,
) -> xmlrpc.client.ServerProxy:
    """An ``xmlrpc.client.ServerProxy`` for *uri* whose transport refuses an invalid
    ``contacts.UpdateContact(id, properties)`` with
    :class:`~contract.core.violations.PayloadError` before sending it.

    The id must be an integer and the properties valid (the violations are those of
    :func:`contract.validate_update`); other methods pass untouched. Credentials go in
    the URI (``http://user:key@host/api/2.0/xmlrpc``) as with any ``ServerProxy``; an
    ``https`` URI gets a :class:`GuardedSafeTransport` (with *context*). *extension* as
    in :func:`guard`; the other arguments are ``ServerProxy``'s.
    """
    transport: xmlrpc.client.Transport
    if urlsplit(uri).scheme.lower() == "https":
        transport = GuardedSafeTransport(
            use_datetime,
            use_builtin_types,
            headers=headers,
            context=context,
            extension=extension,
        )
    else:
        transport = GuardedTransport(
            use_datetime, use_builtin_types, headers=headers, extension=extension
        )
    return xmlrpc.client.ServerProxy(
        uri, transport=transport, encoding=encoding, verbose=verbose, allow_none=allow_none
    )
