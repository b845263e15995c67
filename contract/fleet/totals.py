"""The fleet's totals, and the words every view of a fleet report says them in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contract.fleet.runner import CERTIFIED, COULD_NOT_RUN, NOT_CERTIFIED, VERDICTS, InstallResult

PARTIAL_COVERAGE = "partial coverage"
"""The total of installs whose run left a writable property out."""
TOTALS = (
    (CERTIFIED, "certified"),
    (NOT_CERTIFIED, "not certified"),
    (COULD_NOT_RUN, "could not run"),
    ("not restored", "not restored"),
    (PARTIAL_COVERAGE, "with partial coverage"),
)
"""Each total of ``fleet.json`` beside ``installs``, and the words that say it."""


def totals(outcomes: Iterable[InstallResult]) -> dict[str, int]:
    """How many installs came to each verdict, how many were left changed, and how many
    runs left a writable property out."""
    outcomes = list(outcomes)
    counts = {"installs": len(outcomes)}
    counts |= {verdict: sum(o.verdict == verdict for o in outcomes) for verdict in VERDICTS}
    counts["not restored"] = sum(not o.restored for o in outcomes)
    counts[PARTIAL_COVERAGE] = sum(o.partial_coverage for o in outcomes)
    return counts


def counted(count: Mapping[str, int]) -> str:
    """``1 certified, 0 not certified, …, 1 with partial coverage``: the totals in the
    words that the final line, the interrupt line, ``fleet.md`` and ``fleet.html`` share."""
    return ", ".join(f"{count[key]} {words}" for key, words in TOTALS)


def interruption(data: Mapping[str, Any]) -> str | None:
    """``interrupted: the report holds 3 of 5 installs (…); 2 were not started``, or
    ``None`` for a fleet that ran to its end."""
    if not data.get("interrupted"):
        return None
    count = data["totals"]
    unstarted = len(data.get("not_started", []))
    said = (
        f"interrupted: the report holds {count['installs']} of {count['installs'] + unstarted} "
        f"installs ({counted(count)})"
    )
    if unstarted:
        said += f"; {unstarted} {'was' if unstarted == 1 else 'were'} not started"
    return said


def sentence(words: str) -> str:
    """*words* starting with a capital, as a report's sentence starts."""
    return words[:1].upper() + words[1:]
