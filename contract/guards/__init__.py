"""Guards: refuse an invalid UpdateContact before it leaves the machine.

Each guard plugs into a client people already use and checks every update on its way
out with the same validator as :func:`contract.validate_update`, raising the same
:class:`~contract.core.violations.PayloadError` (and nothing is sent):

- :func:`guard` on a ``requests.Session``, an ``httpx.Client`` or an ``httpx.AsyncClient``
  checks the JSON body of every ``PUT …/api/2.0/contacts/:id``;
- :func:`guarded_proxy`, or a :class:`GuardedTransport` / :class:`GuardedSafeTransport` in a
  ``ServerProxy`` of your own, checks the parameters of every ``contacts.UpdateContact``.

Any other request passes untouched. A guard builds its validator once and reuses it.
httpx is optional: nothing here imports it (an httpx client can only be guarded once
its owner has imported httpx).
"""

from __future__ import annotations

from contract.guards.check import UpdateCheck
from contract.guards.clients import guard
from contract.guards.xmlrpc_calls import GuardedSafeTransport, GuardedTransport, guarded_proxy

__all__ = ["GuardedSafeTransport", "GuardedTransport", "UpdateCheck", "guard", "guarded_proxy"]
