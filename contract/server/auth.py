"""HTTP Basic authentication of ``username:apikey``, compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

CHALLENGE = 'Basic realm="UpdateContact", charset="UTF-8"'


def _digest(text: bytes) -> bytes:
    # Comparing fixed-size digests hides the secrets' lengths as well as their content.
    return hashlib.sha256(text).digest()


def parse_basic(header: str | None) -> tuple[bytes, bytes] | None:
    """The ``(user, key)`` bytes of a Basic ``Authorization`` header, or None when it is not one."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip().encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None
    user, colon, key = decoded.partition(b":")
    if not colon:
        return None
    return user, key


class BasicAuth:
    """Checks requests against one user and API key."""

    def __init__(self, user: str, api_key: str) -> None:
        self._user = _digest(user.encode("utf-8"))
        self._key = _digest(api_key.encode("utf-8"))

    def allows(self, header: str | None) -> bool:
        """True when *header* carries this server's user and key."""
        credentials = parse_basic(header)
        if credentials is None:
            return False
        user, key = credentials
        # Both comparisons always run, so the answer takes as long whichever part is wrong.
        user_ok = hmac.compare_digest(_digest(user), self._user)
        key_ok = hmac.compare_digest(_digest(key), self._key)
        return user_ok & key_ok

    def __repr__(self) -> str:
        return "BasicAuth(<redacted>)"
