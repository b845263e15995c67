"""What a recording must never hold: the API key in any form, cookies, and the target's host."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from urllib.parse import quote

REDACTED = "[REDACTED]"
TARGET = "[TARGET]"
# Headers whose whole value is a credential or a session.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def _forms(user: str, api_key: str) -> list[bytes]:
    """The key as it may appear on the wire: plain, percent-encoded, and Base64 on its own
    or inside a Basic credential, longest first so a longer form is replaced whole."""
    forms: set[bytes] = set()
    for secret in (api_key, f"{user}:{api_key}"):
        raw = secret.encode("utf-8")
        forms.add(raw)
        forms.add(quote(secret, safe="").encode("ascii"))
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(raw)
            forms.add(encoded)
            forms.add(encoded.rstrip(b"="))
    return sorted((form for form in forms if form), key=len, reverse=True)


class Redactor:
    """Replaces the key, its encodings and the target's host before anything is written."""

    def __init__(self, user: str, api_key: str | None, host: str | None) -> None:
        self._secrets = _forms(user, api_key) if api_key else []
        self._host = host.encode("utf-8") if host else None

    def bytes(self, data: bytes) -> bytes:
        """*data* with every secret replaced by ``[REDACTED]`` and the host by ``[TARGET]``."""
        for secret in self._secrets:
            if secret in data:
                data = data.replace(secret, REDACTED.encode())
        if self._host and self._host in data:
            data = data.replace(self._host, TARGET.encode())
        return data

    def text(self, text: str) -> str:
        """:meth:`bytes` for text."""
        return self.bytes(text.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogatepass")

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers with credentials and cookies blanked and every other value redacted."""
        return {
            name: REDACTED if name.lower() in SECRET_HEADERS else self.text(value)
            for name, value in headers.items()
        }
