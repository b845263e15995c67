"""A reference UpdateContact server: REST and XML-RPC over SQLite, validated by the contract.

Start one on a free port for the length of a ``with`` block::

    with ReferenceServer() as srv:
        requests.put(f"{srv.url}/api/2.0/contacts/1", json={"name": "Ada"},
                     auth=(srv.user, srv.api_key))
"""

from contract.server.app import ReferenceApp
from contract.server.options import ServerOptions
from contract.server.runner import ReferenceServer, build_app

__all__ = ["ReferenceApp", "ReferenceServer", "ServerOptions", "build_app"]
