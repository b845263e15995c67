"""The certificate written out: a terminal summary, JSON, Markdown and one HTML page
(:mod:`contract.certificate_html`).

JUnit XML comes from pytest's own writer (``--junitxml``), which the run switches on for
a ``.xml`` report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from contract.certificate import Certificate
from contract.certificate_html import to_html as to_html  # still importable from here
from contract.fold import RequirementResult
from contract.settings import REPORT_FORMATS, Door, spelt

_MARKS = {
    "passed": "PASS",
    "failed": "FAIL",
    "error": "ERROR",
    "not verifiable": "N/V",
    "not run": "-",
}


def _detail(result: RequirementResult) -> str:
    if result.failure is not None:
        return result.failure.got
    return result.reason or ""


def irreversible_notice(contact_id: int, properties: Sequence[str], exercised: bool) -> str:
    """What a run says first when the contact holds values the install will not take back;
    options as ``{--name}``, for the door to spell."""
    held = f"{', '.join(properties)} hold values that the install will not take back"
    if exercised:
        return (
            f"WARNING: {held}: exercised on contact {contact_id} anyway "
            "({--allow-irreversible}), so the run may leave them changed"
        )
    return (
        f"{held}: not exercised on contact {contact_id}; use a contact whose values are "
        "all set, or {--allow-irreversible}"
    )


def retries_line(certificate: Certificate) -> str | None:
    """How many requests the network made the run send again, if any; the option as
    ``{--retries}``, for the door to spell."""
    retries = certificate.retries
    if not retries:
        return None
    requests = "request" if retries == 1 else "requests"
    return (
        f"retried {retries} {requests} after network errors "
        "(the network, not the install: see {--retries})"
    )


def _cli(template: str) -> str:
    return spelt(template, Door.CLI)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def restore_lines(certificate: Certificate) -> list[str]:
    """Whether the contacts the run changed read back as before; nothing when it changed
    none it could read."""
    lines = []
    for contact_id, restored in certificate.restored.items():
        if restored.complete:
            lines.append(f"contact {contact_id} restored: it reads back as before the run")
            continue
        left = "; ".join(
            f"{name} is {_shown(values['now'])}, was {_shown(values['original'])}"
            for name, values in restored.properties.items()
        )
        lines.append(f"contact {contact_id} NOT fully restored: {left}")
    if certificate.restore_file:
        file = certificate.restore_file
        lines.append(f"the values still to put back are in {file}: run `contract restore {file}`")
    return lines


def summary_lines(
    certificate: Certificate, *, restore: bool = True, spell: Callable[[str], str] = _cli
) -> list[str]:
    """The restore outcome (unless *restore* is false), a table of verdicts, then the
    overall verdict, the requests the network made the run send again, and what was not
    exercised, for a terminal; options spelt with *spell*."""
    lines = restore_lines(certificate) if restore else []
    lines.append(f"{'requirement':<14} {'verdict':<6} {'cases':>6} {'requests':>9}  note")
    for result in certificate.results:
        note = _detail(result).splitlines()[0][:70] if _detail(result) else ""
        mark = _MARKS[result.verdict]
        lines.append(f"{result.id:<14} {mark:<6} {result.cases:>6} {result.requests:>9}  {note}")
    lines.append(f"{certificate.verdict.upper()}: {certificate.target} (seed {certificate.seed})")
    retried = retries_line(certificate)
    if retried is not None:
        lines.append(spell(retried))
    unsent = certificate.not_exercised
    if unsent:
        lines.append(
            f"not exercised: {len(unsent)} properties whose values the install will not "
            f"take back ({', '.join(unsent)})"
        )
    return lines


def to_markdown(certificate: Certificate) -> str:
    """The certificate as a Markdown document."""
    out = [f"# UpdateContact certificate: {certificate.verdict}", ""]
    retried = retries_line(certificate)
    restored = restore_lines(certificate)
    if restored:
        marker = "**" if certificate.left_changed else ""
        out += [f"- {marker}{line}{marker}" for line in restored] + [""]
    out += [
        f"- target: {certificate.target}",
        f"- date: {certificate.date}",
        f"- library version: {certificate.version}, schema {certificate.schema_fingerprint}",
        f"- seed: {certificate.seed}",
        f"- not exercised: {', '.join(certificate.not_exercised) or 'none'}",
        *([f"- {_cli(retried)}"] if retried is not None else []),
        "",
        "| requirement | verdict | cases | requests | transports | note |",
        "|---|---|---:|---:|---|---|",
    ]
    for result in certificate.results:
        note = _detail(result).replace("|", "\\|").replace("\n", " ")[:200]
        out.append(
            f"| {result.id} | {result.verdict} | {result.cases} | {result.requests} "
            f"| {', '.join(result.transports)} | {note} |"
        )
    failures = [(r, r.failure) for r in certificate.results if r.failure is not None]
    if failures:
        out += ["", "## Failures"]
        for result, failure in failures:
            out += [
                "",
                f"### {result.id}: {result.requirement.statement}",
                "",
                "```text",
                failure.message,
                "```",
            ]
    return "\n".join(out) + "\n"


def write_report(certificate: Certificate, path: Path) -> None:
    """Write the certificate in the format its file name asks for."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(certificate.to_dict(), indent=2, ensure_ascii=True, default=repr) + "\n"
    elif suffix == ".md":
        text = to_markdown(certificate)
    elif suffix == ".html":
        text = to_html(certificate)
    else:
        raise ValueError(f"a report is {', '.join(REPORT_FORMATS)}, not {path.name}")
    path.write_text(text, encoding="utf-8")
