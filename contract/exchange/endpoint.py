"""Where an install is and how to sign in: addresses only, no network.

Kept apart from :mod:`contract.run.client` so that reading options and checking an address
cost nothing at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from contract.core.api import CONTACT_PATH, XMLRPC_PATH

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
USER_VARIABLE = "CONTRACT_USER"
KEY_VARIABLE = "CONTRACT_API_KEY"
"""The environment variable that holds the API key, the one place its name is written."""


def is_loopback(host: str) -> bool:
    """True for a host name or address of this machine."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass(frozen=True)
class Endpoint:
    """Where an install is and how to sign in; the API key never shows in a repr."""

    url: str
    user: str
    api_key: str = field(repr=False)
    xmlrpc_url: str | None = None
    timeout: float = 10.0
    verify_tls: bool = True
    """Check the install's TLS certificate; off only when the user asks (``--insecure``)."""
    retries: int = 0
    """How often a request the network lost is sent again (see :mod:`contract.run.retrying`):
    a run's settings give ``--retries``; an endpoint made by hand sends each request once."""

    def __post_init__(self) -> None:
        for url in (self.url, self.xmlrpc_url):
            parts = urlsplit(url or "https://x")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"the URL must look like https://host[:port], not {url!r}")

    @property
    def plain_http_hosts(self) -> list[str]:
        """Hosts off this machine that would get the credentials over plain ``http://``."""
        hosts = []
        for url in (self.url, self.xmlrpc_url):
            parts = urlsplit(url or "")
            if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
                hosts.append(parts.netloc)
        return hosts

    @property
    def base_url(self) -> str:
        """The install's address without a trailing slash."""
        return self.url.rstrip("/")

    @property
    def rpc_url(self) -> str:
        """Where XML-RPC calls go."""
        return self.xmlrpc_url or self.base_url + XMLRPC_PATH

    @property
    def is_loopback(self) -> bool:
        """True when the install runs on this machine."""
        return is_loopback(urlsplit(self.url).hostname or "")

    def contact_url(self, contact_id: object) -> str:
        """The REST address of one contact; odd ids are sent as they are, percent-encoded."""
        return self.base_url + CONTACT_PATH.format(id=quote(str(contact_id), safe=""))
