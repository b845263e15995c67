"""Read-only and unknown properties: what an install does with them, and what a run demands."""

from __future__ import annotations

from typing import Literal, get_args

Treatment = Literal["reject", "ignore"]
"""What an install does with read-only or unknown properties in an update: refuse the
update, or drop them and apply the rest."""
TREATMENTS: tuple[Treatment, ...] = get_args(Treatment)

Policy = Literal["reject", "ignore", "either"]
"""What a certification demands of an install: one treatment, or either."""
POLICIES: tuple[Policy, ...] = get_args(Policy)
