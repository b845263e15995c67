"""Guards: refuse an invalid UpdateContact before it leaves the machine.

Each guard plugs into a client people already use and checks every update on its way
out with the same validator as :func:`contract.validate_update`, raising the same
:class:`~contract.spec.violations.PayloadError` (and nothing is sent):

- :func:`guard` on a ``requests.Session``, an ``httpx.Client`` or an ``httpx.AsyncClient``
  checks the JSON body of every ``PUT …/api/2.0/contacts/:id``;
- :func:`guarded_proxy`, or a :class:`GuardedTransport` / :class:`GuardedSafeTransport` in a
  ``ServerProxy`` of your own, checks the parameters of every ``contacts.UpdateContact``.

Any other request passes untouched. A guard builds its validator once and reuses it.
httpx is optional: nothing here imports it (an httpx client can only be guarded once
its owner has imported httpx).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import xmlrpc.client
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

from contract.spec.api import UPDATE_METHOD
from contract.spec.schema import Contract
from contract.spec.validation import Extension, UpdateValidator, validator_for
from contract.spec.violations import PayloadError, got, violation

if TYPE_CHECKING:
    import ssl

    import httpx
    import requests
    from _typeshed import SizedBuffer

__all__ = ["GuardedSafeTransport", "GuardedTransport", "UpdateCheck", "guard", "guarded_proxy"]

Client = TypeVar("Client", "requests.Session", "httpx.Client", "httpx.AsyncClient")

# The contact path, after any prefix (a proxy's, a tenant's): the id is one path segment.
_CONTACT_PATH = re.compile(r"/api/2\.0/contacts/[^/]+/?\Z")
_UPDATE_CALL = UPDATE_METHOD.encode("ascii")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# Built once: json.loads() with a keyword argument builds a decoder on every call.
_JSON = json.JSONDecoder(parse_constant=_refuse_constant)


def _not_json(reason: str) -> PayloadError:
    return PayloadError(
        [
            violation(
                None,
                "not_json",
                f"the body must be a JSON object of properties to update: {reason}",
            )
        ]
    )


def _decoded(body: bytes, encoding: str) -> bytes:
    """The body as sent before any ``Content-Encoding`` was applied."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("", "identity"):
            return body
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, EOFError, zlib.error) as error:
        raise _not_json(f"its {encoding} encoding cannot be read ({error})") from None
    raise _not_json(f"it is sent with Content-Encoding {encoding[:40]!r}, which cannot be checked")


class UpdateCheck:
    """The check every guard runs: one validator, built once, for the contract or the
    contract plus *extension* (a schema extension's mapping or file, or a whole
    :class:`~contract.spec.schema.Contract`), as :func:`contract.validator_for` takes it."""

    def __init__(self, extension: Extension | Contract | None = None) -> None:
        if isinstance(extension, Contract):
            self.validator = UpdateValidator(extension)
        else:
            self.validator = validator_for(extension)

    @staticmethod
    def is_update(method: str | None, path: str) -> bool:
        """True for a REST update: ``PUT`` to ``…/api/2.0/contacts/:id``."""
        return (method or "").upper() == "PUT" and _CONTACT_PATH.search(path) is not None

    @staticmethod
    def is_update_url(method: str | None, url: str) -> bool:
        """:meth:`is_update`, for a whole URL."""
        return UpdateCheck.is_update(method, urlsplit(url).path)

    def properties(self, properties: object) -> None:
        """Raise :class:`PayloadError` when *properties* is no valid update payload, with
        the violations :func:`contract.validate_update` gives (and its
        :class:`~contract.spec.violations.DeprecatedPropertyWarning` for a valid payload that
        uses a deprecated property)."""
        self.validator.validate(properties)

    def json_body(self, body: bytes | str | None, content_encoding: str = "") -> None:
        """Check the body of a REST update: JSON, an object, valid properties."""
        if body is None:
            raise _not_json("the body is empty")
        if isinstance(body, str):
            text = body
        else:
            raw = _decoded(body, content_encoding)
            try:
                # Strictly, as the reference server reads it: bytes that are no UTF-8
                # (or -16, -32) are no JSON.
                text = raw.decode(json.detect_encoding(raw))
            except UnicodeDecodeError as error:
                raise _not_json(str(error)) from None
        if not text.strip():
            raise _not_json("the body is empty")
        try:
            properties = _JSON.decode(text)
        except RecursionError:
            raise _not_json("the body nests too deeply") from None
        except ValueError as error:
            raise _not_json(str(error)) from None
        self.properties(properties)

    def xmlrpc_body(self, body: bytes) -> None:
        """Check an XML-RPC request body when it calls ``contacts.UpdateContact``: two
        parameters, an ``<int>`` id and valid properties. Any other call passes."""
        if body.startswith(b"<?xml") and _UPDATE_CALL not in body:
            return  # an ASCII-compatible body that cannot name the method
        try:
            params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        except (ExpatError, ValueError, xmlrpc.client.Error):
            return  # not a call this guard can read: the server will say what is wrong
        if method != UPDATE_METHOD:
            return
        if len(params) != 2:
            raise PayloadError(
                [
                    violation(
                        None,
                        "params",
                        f"{UPDATE_METHOD} takes 2 parameters (id, properties), got {len(params)}",
                    )
                ]
            )
        contact_id, properties = params
        if type(contact_id) is not int:
            found = violation(None, "id", f"the contact id must be an integer, {got(contact_id)}")
            problems = self.validator.violations(properties)
            raise PayloadError([found, *problems])
        self.properties(properties)


def _is_one_of(client: object, module: str, *classes: str) -> bool:
    """True when *client* is one of the *classes* of *module*, which is not imported to
    tell: if the module is not loaded yet, no object can be one of its classes."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(
        client, tuple(getattr(loaded, name) for name in classes)
    )


def guard(client: Client, *, extension: Extension | Contract | None = None) -> Client:
    """Make *client* refuse an invalid update before sending it, and return it.

    *client* is a ``requests.Session``, an ``httpx.Client`` or an ``httpx.AsyncClient``.
    Every ``PUT`` to ``…/api/2.0/contacts/:id`` (the path may have a prefix) has its body
    checked: a body that is no JSON object of valid properties raises
    :class:`~contract.spec.violations.PayloadError` with the violations
    :func:`contract.validate_update` gives, and nothing is sent. Other requests pass
    untouched. *extension* adds an install's custom fields, as in ``validate_update``
    (a :class:`~contract.spec.schema.Contract` works too).

    A session keeps its adapters: each one mounted is wrapped (retries and all), so mount
    your own adapters before guarding. An httpx client gets a request event hook.
    Guarding again replaces the earlier guard's check.
    """
    check = UpdateCheck(extension)
    if _is_one_of(client, "requests", "Session"):
        from contract.guard_adapters import guard_session

        guard_session(client, check)  # type: ignore[arg-type]
        return client
    if _is_one_of(client, "httpx", "Client", "AsyncClient"):
        from contract.guard_adapters import guard_httpx

        guard_httpx(client, check)  # type: ignore[arg-type]
        return client
    raise TypeError(
        "guard() takes a requests.Session, an httpx.Client or an httpx.AsyncClient, "
        f"not {type(client).__name__}"
    )


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
    ``contacts.UpdateContact`` call with :class:`~contract.spec.violations.PayloadError`
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
    :class:`~contract.spec.violations.PayloadError` before sending it.

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
