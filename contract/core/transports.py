"""The two ways the API is reached."""

from __future__ import annotations

from typing import Literal, get_args

Transport = Literal["rest", "xmlrpc"]
TRANSPORTS: tuple[Transport, ...] = get_args(Transport)
