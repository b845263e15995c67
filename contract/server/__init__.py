"""A reference UpdateContact server: REST and XML-RPC over SQLite, validated by the contract.

Start one on a free port for the length of a ``with`` block::

    with ReferenceServer() as srv:
        requests.put(f"{srv.url}/api/2.0/contacts/1", json={"name": "Ada"},
                     auth=(srv.user, srv.api_key))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract.server.app import ReferenceApp
    from contract.server.options import ServerOptions
    from contract.server.runner import ReferenceServer, build_app

__all__ = ["ReferenceApp", "ReferenceServer", "ServerOptions", "build_app"]

# Imported on first use: the command line reads the server's options (profiles, faults)
# to build its help, and needs the application and waitress only to serve.
_HOMES = {
    "ReferenceApp": "contract.server.app",
    "ServerOptions": "contract.server.options",
    "ReferenceServer": "contract.server.runner",
    "build_app": "contract.server.runner",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
