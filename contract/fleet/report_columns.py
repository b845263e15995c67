"""The columns of ``fleet.html``'s matrix, each declared once: its heading, its width, and
each install's cell. A new column is one more :class:`Column` in :func:`matrix_columns`."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contract.core.requirements import CATALOGUE
from contract.fleet.runner import CERTIFIED, COULD_NOT_RUN, NOT_CERTIFIED

if TYPE_CHECKING:
    from contract.fleet.history import RunSummary

InstallEntry = Mapping[str, Any]
"""An install's entry of ``fleet.json``."""

LAPTOP_REM = 76.0
"""The widest the matrix may be, in rem: a 1,280 px screen less the page's margins and a
scrollbar. The columns' widths add up to less, so that every failure shows on it."""

STATUS = {
    "passed": ("✓", "passed", "ok"),
    "failed": ("✗", "failed", "bad"),
    "not verifiable": ("?", "not verifiable", "warn"),
    "not exercised": ("\u2013", "not exercised", "none"),
}
"""Each requirement status: its mark, its word and its colour's class."""
_VERDICT = {CERTIFIED: "ok", NOT_CERTIFIED: "bad", COULD_NOT_RUN: "warn"}
_ORDER = {"failed": "0", "not verifiable": "1", "not exercised": "2", "passed": "3"}
_LAST = "~"
"""The sort key of a cell that holds no verdict: after every one that does."""


@dataclass(frozen=True)
class Column:
    """One column of the matrix."""

    key: str
    """Its heading, and its name in the page's address when sorted by it (``?sort=…``)."""
    cell: Callable[[InstallEntry], str]
    """The install's cell: a ``<td>`` (the first column's, a ``<th>``) whose ``data-key``
    sorts it."""
    width: float
    """Its width in rem; a column that takes what the others leave has this at least."""
    title: str = ""
    """The heading's text on hover, when the heading says less."""
    narrow: bool = False
    """A column of marks, its heading turned upright so that the matrix fits a laptop."""
    judged: bool = False
    """It shows what the run judged: an install that could not run has one cell in place
    of all such columns, which come last."""
    grows: bool = False
    """It takes the room the others leave (one column does)."""


def _install_cell(install: InstallEntry) -> str:
    esc = html.escape
    name = esc(install["name"])
    certificate = install.get("certificate")
    if certificate:
        page = esc(certificate.removesuffix(".json") + ".html")
        name = f'<a href="{page}">{name}</a> (<a href="{esc(certificate)}">json</a>)'
    return (
        f'<th scope="row" data-key="{esc(install["name"])}">{name}<br>'
        f"<small>{esc(install['url'])}</small></th>"
    )


def _verdict_cell(install: InstallEntry) -> str:
    verdict = install["verdict"]
    said = html.escape(verdict)
    # Why an install could not run is said in the wide cell that stands for its verdicts.
    if install.get("reason") and verdict != COULD_NOT_RUN:
        said += f": {html.escape(install['reason'])}"
    return f'<td class="{_VERDICT.get(verdict, "none")}">{said}</td>'


def not_judged_cell(install: InstallEntry, span: int) -> str:
    """The one cell of an install that could not run, across the *span* judged columns."""
    why = f" ({html.escape(install['reason'])})" if install.get("reason") else ""
    return (
        f'<td colspan="{span}" class="warn" data-key="{_LAST}">'
        f"could not run: no requirement was judged{why}</td>"
    )


def failed_requirements(install: InstallEntry) -> list[str]:
    """The requirements *install* failed, in the order its certificate lists them."""
    return [rid for rid, status in install.get("requirements", {}).items() if status == "failed"]


def _failed_cell(install: InstallEntry) -> str:
    if install["verdict"] == COULD_NOT_RUN:
        return f'<td class="none" data-key="{_LAST}">none judged</td>'
    failed = failed_requirements(install)
    if not failed:
        return '<td class="none" data-key="999">none</td>'
    # Sorted up, the installs that failed most come first, as failed cells do in a column.
    key = f"{999 - len(failed):03d}"
    # An id is not broken at its hyphen.
    ids = ", ".join(f'<span class="id">{html.escape(rid)}</span>' for rid in failed)
    return f'<td class="bad" data-key="{key}">{ids}</td>'


def _restored_cell(install: InstallEntry) -> str:
    if install["restored"]:
        return '<td class="ok">yes</td>'
    return '<td class="bad">✗ NO</td>'


def _exercised_cell(install: InstallEntry) -> str:
    """The install's coverage: ``28/28``, or flagged, with each property left out and why
    (on hover, and in a list that opens)."""
    esc = html.escape
    coverage = install.get("coverage")
    if coverage is None:
        return f'<td class="none" data-key="{_LAST}">not recorded</td>'
    shown = f"{coverage['exercised']}/{coverage['writable']}"
    key = f"{coverage['exercised'] / max(coverage['writable'], 1):.4f}"
    left_out = coverage["not_exercised"]
    if not left_out:
        return f'<td class="ok exercised" data-key="{key}">{shown}</td>'
    # Each reason is a sentence that names its property.
    why = "".join(f"<li>{esc(text)}</li>" for text in left_out.values())
    hover = "not exercised: " + "; ".join(left_out.values())
    return (
        f'<td class="warn exercised" data-key="{key}" title="{esc(hover)}"><details>'
        f"<summary>⚠ {shown} partial: {esc(', '.join(left_out))}</summary>"
        f"<ul>{why}</ul></details></td>"
    )


def _requirement_cell(rid: str) -> Callable[[InstallEntry], str]:
    def cell(install: InstallEntry) -> str:
        status = install["requirements"].get(rid)
        mark, word, tone = STATUS.get(status or "", ("", "not in the run", "none"))
        key = _ORDER.get(status or "", "4")
        # The mark shows; the word is there for a screen reader, on hover and when copied.
        return (
            f'<td class="{tone} mark" data-key="{key}" title="{html.escape(rid)}: {word}">'
            f'{mark}<span class="sr"> {word}</span></td>'
        )

    return cell


def requirement_columns(requirements: Sequence[str]) -> list[Column]:
    """A narrow column of marks per requirement, its statement on the heading's hover."""
    statements = {requirement.id: requirement.statement for requirement in CATALOGUE}
    return [
        Column(
            rid,
            _requirement_cell(rid),
            1.5,
            title=f"{rid}: {statements[rid]}" if rid in statements else rid,
            narrow=True,
            judged=True,
        )
        for rid in requirements
    ]


_STANDING = {
    "regressed": ("bad", "0"),
    "known failure": ("warn", "1"),
    "new": ("none", "2"),
    "fixed": ("ok", "3"),
    "unchanged": ("none", "4"),
}
"""Each standing against the baseline: its colour's class, and its place sorted up."""


def _baseline_cell(install: InstallEntry) -> str:
    """The install's standing against the baseline, what moved on hover."""
    found = install.get("baseline") or {}
    status = str(found.get("status", ""))
    tone, key = _STANDING.get(status, ("none", _LAST))
    moved = [
        f"{label}: {'; '.join(found[part])}"
        for part, label in (("regressed", "regressed"), ("fixed", "fixed"), ("known", "known"))
        if found.get(part)
    ]
    was = f"was {found['before']}" if found.get("before") else "not in the baseline"
    title = html.escape("; ".join([was, *moved]))
    return (
        f'<td class="{tone} standing" data-key="{key}" title="{title}">{html.escape(status)}</td>'
    )


def _strip(runs: Sequence[RunSummary]) -> str:
    """The install's last runs, oldest first: a mark each, its date and verdict in words."""
    marks = []
    for run in runs:
        failed = "failed" if run.failed else ""
        tone = "ok" if run.verdict == CERTIFIED else "bad" if failed else "warn"
        if not run.restored:
            tone = "bad"
        mark = "✓" if tone == "ok" else "✗" if tone == "bad" else "?"
        said = run.verdict + ("" if run.restored else ", not restored")
        said += f" ({', '.join(run.failed)})" if run.failed else ""
        marks.append(
            f'<span class="run {tone}" title="{html.escape(run.time)}: {html.escape(said)}">'
            f'{mark}<span class="sr"> {html.escape(said)};</span></span>'
        )
    return f'<br><span class="strip">last runs: {"".join(marks)}</span>' if marks else ""


def _install_cell_with(recent: Mapping[str, Sequence[RunSummary]]) -> Callable[[InstallEntry], str]:
    def cell(install: InstallEntry) -> str:
        strip = _strip(recent.get(install["name"], ()))
        return _install_cell(install).removesuffix("</th>") + strip + "</th>"

    return cell


def matrix_columns(
    requirements: Sequence[str],
    *,
    baseline: bool = False,
    recent: Mapping[str, Sequence[RunSummary]] | None = None,
) -> list[Column]:
    """Every column, in the order the page shows them: who (and, from a history, how its
    last runs went), the verdict, what failed and, against a *baseline*, whether that is
    new, so that a failure is in sight whatever the screen; the requirements last."""
    install = _install_cell if recent is None else _install_cell_with(recent)
    standing = [Column("baseline", _baseline_cell, 5.0)] if baseline else []
    return [
        Column("install", install, 12.5, grows=True),
        Column("verdict", _verdict_cell, 8.0),
        Column("failed requirements", _failed_cell, 8.5),
        *standing,
        Column("restored", _restored_cell, 5.0),
        Column("exercised", _exercised_cell, 6.5, judged=True),
        *requirement_columns(requirements),
    ]
