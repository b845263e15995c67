"""A stable share of a fleet: which installs one machine of N certifies."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


@dataclass(frozen=True)
class Shard:
    """Shard *index* of *count* (``--shard K/N``, counted from 1)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N``, with 1 ≤ K ≤ N; raises :class:`ValueError` naming the rule."""
        match = _SHARD.match(text.strip())
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise ValueError(f"--shard takes K/N with 1 <= K <= N, e.g. 2/3, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def holds(self, name: str) -> bool:
        """Whether the install called *name* is this shard's. It depends on the name
        alone, so adding an install to the fleet moves no other."""
        digest = hashlib.sha256(name.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
