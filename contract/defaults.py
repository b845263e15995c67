"""Settings shared by the plugin and the command line, in a module that imports nothing heavy."""

from __future__ import annotations

from typing import Literal, get_args

Policy = Literal["reject", "ignore", "either"]
"""What an install must do with read-only or unknown properties: refuse, drop, or either."""
POLICIES: tuple[Policy, ...] = get_args(Policy)

DEFAULT_EXAMPLES = 25
DEFAULT_TIMEOUT = 10.0
MIN_TIMEOUT = 0.1
DEFAULT_USER = "admin"
