"""A :class:`~contract.fleet.diff.Diff` said for people and programs: a plain-text table
for the terminal, Markdown for a CI job's summary, JSON, and one self-contained HTML page.
Every view lists the changes in the diff's order: regressions first."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from contract.fleet.changes import (
    COVERAGE_GREW,
    COVERAGE_SHRANK,
    FIXED,
    NOW_CERTIFIED,
    REGRESSIONS,
    RESTORED_AGAIN,
    RUNS_AGAIN,
    STILL_COULD_NOT_RUN,
    STILL_FAILING,
    STILL_NOT_RESTORED,
    Change,
)
from contract.fleet.diff import Diff
from contract.fleet.snapshot import Snapshot

REPORT_FORMATS = (".md", ".json", ".html")
"""The suffixes ``contract diff --report`` writes, each its format."""
COLUMNS = ("change", "install", "requirement", "transport", "before", "after", "detail")

_WARNINGS = {COVERAGE_SHRANK, STILL_FAILING, STILL_COULD_NOT_RUN, STILL_NOT_RESTORED}
_BETTER = {FIXED, NOW_CERTIFIED, RUNS_AGAIN, RESTORED_AGAIN, COVERAGE_GREW}


def _tone(kind: str) -> tuple[str, str]:
    """The mark and the style of a kind of change: a word and a mark, never colour alone."""
    if kind in REGRESSIONS:
        return "\u2717", "bad"
    if kind in _WARNINGS:
        return "\u26a0", "warn"
    if kind in _BETTER:
        return "\u2713", "ok"
    return "\u2022", "none"


def _cells(change: Change) -> list[str]:
    return [
        value or ""
        for value in (
            change.kind,
            change.install,
            change.requirement,
            change.transport,
            change.before,
            change.after,
            change.detail,
        )
    ]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def headline(diff: Diff) -> str:
    """``REGRESSED: 1 regressed, 1 no longer certified; 18 results unchanged`` (or ``NO
    REGRESSION: …``, ``NO CHANGE: …``): the last line of the table, the title of the page."""
    said = ", ".join(f"{count} {kind}" for kind, count in diff.counts().items())
    same = f"{_plural(diff.unchanged, 'result')} unchanged"
    if diff.regressed:
        return f"REGRESSED: {said}; {same}"
    return f"NO REGRESSION: {said}; {same}" if said else f"NO CHANGE: {same}"


def _side(snapshot: Snapshot) -> str:
    """``fleet report out/fleet.json: 3 installs, library 0.1.0, schema 9904…, 2025-…``."""
    facts = [_plural(len(snapshot.installs), "install")]
    facts += [f"{what} {value}" for what, value in snapshot.versions.items()]
    facts += [snapshot.date] if snapshot.date else []
    return f"{snapshot.kind} {snapshot.path}: {', '.join(facts)}"


def _preamble(diff: Diff) -> list[str]:
    """The runs compared, the versions that differ and the notes, a sentence each."""
    lines = [f"old: {_side(diff.old)}", f"new: {_side(diff.new)}"]
    if diff.versions:
        versions = "; ".join(map(str, diff.versions))
        lines.append(f"versions differ: {versions} (the results are compared all the same)")
    lines += [f"note: {note}" for note in diff.notes]
    return lines


def to_text(diff: Diff) -> str:
    """The terminal's view: the runs, then one aligned row per change, then the headline."""
    rows = [list(COLUMNS), *(_cells(change) for change in diff.changes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    table = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    body = ["", *table] if diff.changes else []
    return "\n".join([*_preamble(diff), *body, "", headline(diff)]) + "\n"


def _md(text: str) -> str:
    """A Markdown table cell: no row break, no column break, no markup from the runs."""
    cell = " ".join(text.split()).replace("|", "\\|")
    return html.escape(cell, quote=False)


def to_markdown(diff: Diff) -> str:
    """The diff for a CI job's summary: the headline, the runs, then a table of changes."""
    lines = ["# Certification diff", "", f"**{_md(headline(diff))}**", ""]
    lines += [f"- {_md(line)}" for line in _preamble(diff)]
    if diff.changes:
        lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        for change in diff.changes:
            cells = [_md(cell) for cell in _cells(change)]
            if change.regression:
                cells[0] = f"**{cells[0]}**"
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_json(diff: Diff) -> str:
    """The diff as JSON (see :meth:`~contract.fleet.diff.Diff.to_dict`)."""
    return json.dumps(diff.to_dict(), indent=2, ensure_ascii=False) + "\n"


_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:78rem;padding:0 1rem;
color:#111;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0;padding:0;list-style:none}
.counts li{border:1px solid #999;border-radius:.3rem;padding:.2rem .6rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;width:100%}
th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}
thead th{background:#eee}
.ok{background:#d9f2d9}.bad{background:#f8d0d0}.warn{background:#fbeec2}.none{background:#f2f2f2}
.verdict{border:2px solid #888;padding:.3rem .6rem;display:inline-block}
"""


def _html_row(change: Change) -> str:
    esc = html.escape
    mark, tone = _tone(change.kind)
    cells = _cells(change)
    return (
        f'<tr class="{tone}" data-kind="{esc(change.kind)}">'
        f"<th scope=row>{mark} {esc(cells[0])}</th>"
        + "".join(f"<td>{esc(cell)}</td>" for cell in cells[1:])
        + "</tr>"
    )


def _html_list(lines: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


def to_html(diff: Diff) -> str:
    """The diff as one self-contained page: the headline, the runs, then the changes,
    regressions first, every value from the runs escaped."""
    esc = html.escape
    said = headline(diff)
    tone = "bad" if diff.regressed else "ok"
    counts = "".join(
        f"<li class={_tone(kind)[1]}>{count} {esc(kind)}</li>"
        for kind, count in diff.counts().items()
    )
    head = "".join(f"<th scope=col>{esc(column)}</th>" for column in COLUMNS)
    table = (
        '<div class="scroll" tabindex="0"><table id="changes">'
        "<caption>Changes, regressions first</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>"
        + "".join(_html_row(change) for change in diff.changes)
        + "</tbody></table></div>"
        if diff.changes
        else "<p>No change: every result is as it was.</p>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Certification diff: {esc(said)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Certification diff</h1>"
        f'<p class="verdict {tone}" role="status">{esc(said)}</p>'
        f'<ul class="counts" aria-label="changes by kind">{counts}</ul>'
        f"{_html_list(_preamble(diff))}{table}</body></html>\n"
    )


_WRITERS = {".md": to_markdown, ".json": to_json, ".html": to_html}


def write_diff_report(diff: Diff, path: Path) -> None:
    """Write the diff in the format *path*'s suffix names (see :data:`REPORT_FORMATS`);
    raises :class:`ValueError` for another suffix, :class:`OSError` if it cannot write."""
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"a report ends in {', '.join(REPORT_FORMATS)}, not {path.name}")
    path.write_text(writer(diff), encoding="utf-8")
