"""Guarding the HTTP clients people already use: a ``requests.Session``, an ``httpx``
client (see :mod:`contract.guards.adapters` for how each is plugged into)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeVar

from contract.core.schema import Contract
from contract.core.validation import Extension
from contract.guards.check import UpdateCheck

if TYPE_CHECKING:
    import httpx
    import requests

Client = TypeVar("Client", "requests.Session", "httpx.Client", "httpx.AsyncClient")


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
    :class:`~contract.core.violations.PayloadError` with the violations
    :func:`contract.validate_update` gives, and nothing is sent. Other requests pass
    untouched. *extension* adds an install's custom fields, as in ``validate_update``
    (a :class:`~contract.core.schema.Contract` works too).

    A session keeps its adapters: each one mounted is wrapped (retries and all), so mount
    your own adapters before guarding. An httpx client gets a request event hook.
    Guarding again replaces the earlier guard's check.
    """
    check = UpdateCheck(extension)
    if _is_one_of(client, "requests", "Session"):
        from contract.guards.adapters import guard_session

        guard_session(client, check)  # type: ignore[arg-type]
        return client
    if _is_one_of(client, "httpx", "Client", "AsyncClient"):
        from contract.guards.adapters import guard_httpx

        guard_httpx(client, check)  # type: ignore[arg-type]
        return client
    raise TypeError(
        "guard() takes a requests.Session, an httpx.Client or an httpx.AsyncClient, "
        f"not {type(client).__name__}"
    )
