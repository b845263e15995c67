"""A message's body in a recording line: text when it is UTF-8, else Base64."""

from __future__ import annotations

import base64
from typing import Any


def body_fields(body: bytes) -> dict[str, str]:
    """A body as text when it is UTF-8, else as Base64."""
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def body_of(fields: dict[str, Any]) -> bytes:
    """The bytes :func:`body_fields` wrote."""
    if "body_base64" in fields:
        return base64.b64decode(fields["body_base64"], validate=True)
    return str(fields.get("body", "")).encode("utf-8")
