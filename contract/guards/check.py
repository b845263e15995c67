"""The check every guard runs on an update on its way out: the JSON body of a REST update,
the parameters of an XML-RPC ``contacts.UpdateContact`` call."""

from __future__ import annotations

import gzip
import json
import re
import xmlrpc.client
import zlib
from typing import Any
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

from contract.core.api import UPDATE_METHOD
from contract.core.schema import Contract
from contract.core.validation import Extension, UpdateValidator, validator_for
from contract.core.violations import PayloadError, got, violation

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
    :class:`~contract.core.schema.Contract`), as :func:`contract.validator_for` takes it."""

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
        :class:`~contract.core.violations.DeprecatedPropertyWarning` for a valid payload that
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
